"""A guitar tuner for standard tuning: blocks of input in, the pitch of the sustained note out.

Every ``HOP_S`` of stream time the pitch of the last ``WINDOW_S`` is measured with the engine's YIN
(:func:`buzzfinder_app.engine.pitch.estimate_pitch`, the same as a note's pitch) after a low-pass
that keeps the open strings' fundamentals; the reading is the
mean, in cents, of the estimates of the last ``SMOOTH_S`` that lie within half a semitone of their
median (a stray octave or the pluck's noise is left out), once they are steady (within
``STEADY_CENTS``: while a new string takes over, the last steady reading stays). It names the note heard, the nearest string of
standard tuning and how many cents the note is off that string: within ±5 cents it is in tune,
flat means tune up, sharp means tune down. A reading lasts ``HOLD_S`` after the last pitch heard,
so the needle does not drop out between two plucks. Estimates fall at fixed points of the stream,
so any split into blocks gives the same readings.

>>> import numpy as np
>>> t = np.arange(22050) / 22050
>>> reading = Tuner().feed(0.3 * np.sin(2 * np.pi * 110.0 * 2 ** (-12 / 1200) * t))
>>> reading.note, reading.string_name, round(reading.cents), reading.advice
('A2', 'A', -12, 'tune up')
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.engine.pitch import estimate_pitch
from buzzfinder_app.practice.tuning import OPEN_STRING_MIDI, STRING_NAMES, midi_to_hz, note_name

#: The stretch of input each estimate measures (``estimate_pitch`` skips its first 40 ms): long
#: enough for twelve periods of the low E, short enough that a new string takes over quickly.
WINDOW_S = 0.2
#: An estimate every this often.
HOP_S = 0.05
#: The reading is the median of the estimates this recent...
SMOOTH_S = 0.15
#: ...that lie within this many cents of it...
AGREE_CENTS = 50.0
#: ...and only while they spread over no more than this (a new string taking over from the last one
#: gives estimates in between: the reading before them stays until the new one is steady).
STEADY_CENTS = 10.0
#: A reading is shown this long after the last pitch heard.
HOLD_S = 1.0
#: Each window is low-passed here first (a 4th-order response, zero phase): the open strings'
#: fundamentals (82-330 Hz) pass, and the upper partials of a real string, a little sharp of the
#: harmonics (inharmonicity), no longer pull the estimate sharp while they ring after the pluck.
LOWPASS_HZ = 400.0
#: Within this many cents of the string, it is in tune.
IN_TUNE_CENTS = 5.0


def cents_between(hz: float, reference_hz: float) -> float:
    """How far ``hz`` is above ``reference_hz``, in cents (negative: below)."""
    return 1200.0 * math.log2(hz / reference_hz)


def nearest_string(hz: float) -> int:
    """The string (1 = high E … 6 = low E) whose open pitch in standard tuning is nearest ``hz``."""
    return min(OPEN_STRING_MIDI, key=lambda s: abs(cents_between(hz, midi_to_hz(OPEN_STRING_MIDI[s]))))


@dataclass(frozen=True)
class TunerReading:
    """The note heard and how far it is from the nearest open string of standard tuning."""

    hz: float
    #: The nearest equal-tempered note, e.g. "E2".
    note: str
    #: The nearest string (1 = high E … 6 = low E) and its pitch.
    string: int
    target_hz: float
    #: Cents off the string's pitch: negative is flat (tune up), positive sharp (tune down).
    cents: float

    @property
    def string_name(self) -> str:
        return STRING_NAMES[self.string]

    @property
    def target_note(self) -> str:
        return note_name(self.target_hz)

    @property
    def in_tune(self) -> bool:
        return abs(self.cents) <= IN_TUNE_CENTS

    @property
    def advice(self) -> str:
        """"in tune", "tune up" (flat) or "tune down" (sharp)."""
        if self.in_tune:
            return "in tune"
        return "tune up" if self.cents < 0 else "tune down"


def reading_for(hz: float) -> TunerReading:
    """What the tuner says about a steady pitch of ``hz``."""
    string = nearest_string(hz)
    target = midi_to_hz(OPEN_STRING_MIDI[string])
    return TunerReading(hz=float(hz), note=note_name(hz), string=string, target_hz=target,
                        cents=cents_between(hz, target))


class Tuner:
    """Feed it the input (mono, at ``sample_rate``) block by block; :attr:`reading` is what it hears."""

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        self.sample_rate = sample_rate
        self._window = round(WINDOW_S * sample_rate)
        self._hop = round(HOP_S * sample_rate)
        self._smooth = round(SMOOTH_S * sample_rate)
        self._hold = round(HOLD_S * sample_rate)
        self.reset()

    def reset(self) -> None:
        self._buffer = np.zeros(0, np.float64)  # the last `_window` samples heard
        self._position = 0  # samples heard in all
        self._estimates: deque[tuple[int, float]] = deque()  # (stream position, Hz)
        self._last_pitch_at: int | None = None
        self.reading: TunerReading | None = None

    def feed(self, block) -> TunerReading | None:
        """Add samples; returns the reading after them (None: no steady pitch heard lately)."""
        block = np.asarray(block, np.float64).reshape(-1)
        start = self._position
        end = start + block.size
        data = np.concatenate([self._buffer, block])  # data[k] is stream sample start - len(buffer) + k
        offset = start - self._buffer.size
        first_hop = (start // self._hop + 1) * self._hop
        for at in range(first_hop, end + 1, self._hop):  # every hop point this block reaches
            if at < self._window:
                continue
            self._estimate(data[at - self._window - offset: at - offset], at)
        self._buffer = data[-self._window:]
        self._position = end
        self._update(end)
        return self.reading

    def _estimate(self, window: np.ndarray, at: int) -> None:
        hz = estimate_pitch(self._lowpass(window), self.sample_rate, onset=0)
        if hz is not None:
            self._estimates.append((at, hz))
            self._last_pitch_at = at

    def _lowpass(self, window: np.ndarray) -> np.ndarray:
        n = 2 * window.size  # padded: the filter's response does not wrap around
        spectrum = np.fft.rfft(window, n)
        response = 1.0 / (1.0 + (np.fft.rfftfreq(n, 1.0 / self.sample_rate) / LOWPASS_HZ) ** 4)
        return np.fft.irfft(spectrum * response, n)[: window.size]

    def _update(self, now: int) -> None:
        while self._estimates and self._estimates[0][0] <= now - self._smooth:
            self._estimates.popleft()
        recent = [hz for _, hz in self._estimates]
        if len(recent) >= 2:
            middle = float(np.median(recent))
            agreeing = [hz for hz in recent if abs(cents_between(hz, middle)) <= AGREE_CENTS]
            if len(agreeing) >= 2:
                if cents_between(max(agreeing), min(agreeing)) <= STEADY_CENTS:
                    # The geometric mean of the estimates that agree: steadier than their median alone.
                    self.reading = reading_for(float(np.exp(np.mean(np.log(agreeing)))))
                    return
                if self.reading is not None:
                    return  # settling: the last steady reading stays
        if self._last_pitch_at is None or now - self._last_pitch_at > self._hold:
            self.reading = None


#: A string counts as tuned once it has read in tune this long without a break.
TUNED_AFTER_S = 0.5


class TuningProgress:
    """Which strings have been heard in tune (for ``TUNED_AFTER_S`` in a row), for a checklist."""

    def __init__(self) -> None:
        self.tuned: set[int] = set()
        self._string: int | None = None
        self._in_tune_s = 0.0

    def add(self, reading: TunerReading | None, seconds: float) -> None:
        """The reading after ``seconds`` more of input."""
        if reading is None or not reading.in_tune:
            self._string, self._in_tune_s = None, 0.0
            return
        if reading.string != self._string:
            self._string, self._in_tune_s = reading.string, 0.0
        self._in_tune_s += seconds
        if self._in_tune_s >= TUNED_AFTER_S:
            self.tuned.add(reading.string)

    @property
    def all_tuned(self) -> bool:
        return len(self.tuned) == len(OPEN_STRING_MIDI)
