"""Causal note-onset detection: spectral flux finds candidates, an energy test confirms them.

Each hop of audio gives one frame. A frame whose log-compressed spectral flux rises above an
adaptive threshold (median of the recent flux plus an offset) is a *candidate*. About 0.1 s
later, when the audio after it has arrived, the candidate is judged on a fine (2.9 ms) energy
envelope (so an onset is reported 0.1-0.2 s after it happens, with its exact sample):

* the onset is placed at the steepest energy rise near the candidate (the start of the attack);
* the level just after it (0-40 ms) must exceed the level before it by ``min_rise_db`` and lie
  above the noise gate; and it must still exceed the level before a little later (50-100 ms),
  unless it is loud (``loud_db`` above the gate), as a muted note is that dies at once. A hand
  damping a string makes a broadband click (flux) while the level falls, so it fails; so do the
  faint thumps of a hand leaving a string, squeaks, fret buzz, hum and room noise that do not lift
  the level for long. A soft note under a louder one that still rings is not reported either;
* onsets closer than ``refractory_s`` are one note: the louder one wins, so a pick touching the
  string just before the attack does not move the onset early.

Everything is computed per frame from a carried-over buffer, so the result does not depend on
how the audio is split into blocks.

>>> import numpy as np
>>> t = np.arange(22050) / 22050
>>> y = np.where(t > 0.5, np.sin(2 * np.pi * 220 * t) * np.exp(-3 * (t - 0.5)), 0.0)
>>> [round(n / 22050, 3) for n in detect_onsets(y + 1e-4 * np.random.default_rng(0).standard_normal(len(t)))]
[0.499]
"""

from __future__ import annotations

from collections import deque

import numpy as np

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.decibels import db_to_amplitude, power_to_dbfs

#: Frames analysed together at most (a whole file given at once is analysed in such pieces; 256
#: frames, 33 k samples, hold about 3 MB of intermediate arrays).
_MAX_HOPS = 256


def _median(x: np.ndarray) -> float:
    """``np.median`` of a short 1-D array (the same value, NaN included) without its per-call overhead."""
    half = len(x) // 2
    part = np.partition(x, (half, -1) if len(x) % 2 else (half - 1, half, -1))
    if np.isnan(part[-1]):
        return float("nan")
    return float(part[half]) if len(x) % 2 else float((part[half - 1] + part[half]) / 2.0)


def _rows(x: np.ndarray, n: int, width: int, step: int) -> np.ndarray:
    """``n`` rows of ``width`` values of the contiguous ``x``, ``step`` apart: a read-only view (as
    ``sliding_window_view(x, width)[::step][:n]``, without its per-call cost)."""
    assert x.flags.c_contiguous and (n - 1) * step + width <= len(x)
    rows = np.ndarray((n, width), x.dtype, x, 0, (step * x.itemsize, x.itemsize))
    rows.flags.writeable = False
    return rows


def _row_means(x: np.ndarray) -> np.ndarray:
    """``np.mean(x, axis=1)`` (the same sums and division) without its per-call overhead."""
    return np.add.reduce(x, axis=1) / x.shape[1]


#: The noise gate (dBFS) of an input that has not been calibrated.
DEFAULT_GATE_DBFS = -60.0


class OnsetDetector:
    """Streaming onset detector; feed it blocks with :meth:`process`, end with :meth:`flush`.

    ``gate_dbfs`` is the noise gate: a note's level (median over its first 40 ms, dBFS) must exceed it,
    and spectral detail below it is compressed away. Calibration sets it a few dB above the room's
    noise floor. Onsets are absolute sample indices from the start of the stream.

    >>> det = OnsetDetector(gate_dbfs=-50)
    >>> det.process(np.zeros(4096, dtype=np.float32)) + det.flush()
    []
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, gate_dbfs: float = DEFAULT_GATE_DBFS, *, threshold: float = 0.15,
                 min_rise_db: float = 6.0, refractory_s: float = 0.1, loud_db: float = 30.0):
        self.sample_rate = int(sample_rate)
        self.threshold = float(threshold)
        self.min_rise_db = float(min_rise_db)
        self.loud_db = float(loud_db)
        self.refractory = int(round(refractory_s * sample_rate))
        # About 23 ms frames with a 5.8 ms hop at 22.05 kHz, scaled with the sample rate.
        self.n_fft = 1 << int(round(np.log2(0.0232 * sample_rate)))
        self.hop = self.n_fft // 4
        self.sub = self.hop // 2  # energy envelope resolution (2.9 ms at 22.05 kHz)
        self._window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(self.n_fft) / self.n_fft)).astype(np.float32)
        self.gate_dbfs = gate_dbfs
        self._lag = 2  # flux compares each frame with the one two hops earlier
        self._median_frames = max(1, int(round(0.25 * sample_rate / self.hop)))
        self._step = 4  # subframes each side of a candidate split in the steepest-rise search
        self._context = max(1, int(round(0.04 * sample_rate / self.sub)))  # level windows, 40 ms
        self._late = (int(round(0.05 * sample_rate / self.sub)), int(round(0.1 * sample_rate / self.sub)))
        self.reset()

    @property
    def gate_dbfs(self) -> float:
        """The noise gate (dBFS); may be changed while streaming, e.g. after calibration."""
        return self._gate_dbfs

    @gate_dbfs.setter
    def gate_dbfs(self, value: float) -> None:
        self._gate_dbfs = float(value)
        # Bin magnitude of white noise at the gate level: the log compression's floor.
        self._floor = np.float32(db_to_amplitude(self._gate_dbfs) * np.sqrt(np.sum(self._window.astype(np.float64)**2)))

    def reset(self) -> None:
        """Forget everything: the next sample processed is sample 0 of a new stream."""
        self._tail = np.zeros(self.n_fft - self.hop, np.float32)  # earlier samples still inside the next frame
        self._partial = np.zeros(0, np.float32)  # samples waiting for a full hop
        self._frames = 0
        self._prev_logs = np.zeros((self._lag, self.n_fft // 2 + 1), np.float32)
        self._flux_history = np.zeros(self._median_frames)
        self._prev_flux = 0.0
        self._env = np.zeros(0)  # energy envelope in dB per subframe
        self._env_start = 0  # subframe index of _env[0]
        self._candidates: deque[int] = deque()  # frame indices waiting for their judgement
        self._held: tuple[int, float] | None = None  # (onset, level) that a louder attack may still replace

    # -- streaming -------------------------------------------------------------------------

    def process(self, block) -> list[int]:
        """Consume a block of mono samples; return the onsets confirmed by it (sample indices)."""
        self.add(block)
        return self.judge(self._frames * self.hop + len(self._partial))

    def add(self, block) -> None:
        """Analyse a block of mono samples without judging yet: :meth:`judge` says what is known
        after any number of them. (One large block analyses faster than many small ones.)"""
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        data = np.concatenate([self._partial, block])
        n_hops = len(data) // self.hop
        self._partial = data[n_hops * self.hop:]
        for start in range(0, n_hops, _MAX_HOPS):  # bounded pieces: memory stays flat for any block
            self._add_frames(data[start * self.hop: min(start + _MAX_HOPS, n_hops) * self.hop])

    def judge(self, samples: int) -> list[int]:
        """The onsets confirmed once the first ``samples`` samples of the stream are in (and not
        returned before): exactly what :meth:`process` returns when the stream is split there."""
        frames = int(samples) // self.hop
        if frames > self._frames:
            raise ValueError(f"only {self._frames * self.hop + len(self._partial)} samples were added")
        return self._judge(available=frames * (self.hop // self.sub), frames_done=frames)

    def next_decision(self) -> int | None:
        """The fewest samples of the stream (counted as :meth:`judge` counts them) after which
        :meth:`judge` may report an onset or change what it holds; None when only more audio can
        tell. Judging at fewer samples returns nothing and changes nothing, so a caller may skip it.

        >>> det = OnsetDetector()
        >>> det.add(np.zeros(4096)); det.next_decision() is None
        True
        """
        per_hop, decision = self.hop // self.sub, None
        first = self._candidates[0] if self._candidates else None
        if first is not None:
            decision = -(-self._horizon(first) // per_hop) * self.hop  # the first candidate judged
        if self._held is not None:
            # Released once the frame judged next lies far enough after it (see _judge).
            past = self._held[0] + self.refractory + (self.n_fft // self.sub) * self.sub
            release = past // self.hop + 1
            if first is None or first >= release:
                decision = release * self.hop if decision is None else min(decision, release * self.hop)
        return decision

    def flush(self) -> list[int]:
        """End of stream: judge the remaining candidates on the audio there is."""
        onsets = self._judge(available=None, frames_done=self._frames)
        if self._held is not None:
            onsets.append(self._held[0])
            self._held = None
        return onsets

    # -- internals ---------------------------------------------------------------------------

    def _add_frames(self, samples: np.ndarray) -> None:
        """Analyse whole hops of samples: every frame of the piece at once, with the same operations
        on the same values, row by row, as one frame at a time (so the piece size changes nothing).
        The spectra and the flux are float32 (a fifth of the detector's time saved; the energy test that
        places the onset stays float64)."""
        n_hops = len(samples) // self.hop
        lag, bins = self._lag, self.n_fft // 2 + 1
        buffer = np.concatenate([self._tail, samples])
        self._tail = buffer[len(buffer) - (self.n_fft - self.hop):].copy()
        frames = _rows(buffer, n_hops, self.n_fft, self.hop)
        spectrum = np.fft.rfft(frames * self._window, axis=1)

        # The frames two hops earlier, then these frames' log-compressed magnitudes, in one array.
        logs = np.empty((lag + n_hops, bins), np.float32)
        logs[:lag] = self._prev_logs
        new = logs[lag:]
        np.abs(spectrum, out=new)
        np.divide(new, self._floor, out=new)
        np.add(new, np.float32(1.0), out=new)  # log(1 + x): numpy's log1p has no vector code, log does
        np.log(new, out=new)  # (4-5x faster; below 1e-7 the lost digits are far under the threshold)
        earlier = logs[:n_hops]
        # A maximum over neighbouring bins keeps slight pitch wobble from counting as new energy.
        rise = np.empty((n_hops, bins), np.float32)
        rise[:, 0] = earlier[:, 0]
        np.maximum(earlier[:, 1:], earlier[:, :-1], out=rise[:, 1:])
        np.maximum(rise[:, :-1], earlier[:, 1:], out=rise[:, :-1])
        np.subtract(new, rise, out=rise)
        flux = _row_means(np.maximum(rise, np.float32(0.0), out=rise)).astype(np.float64)
        self._prev_logs = logs[-lag:].copy()

        history = np.concatenate([self._flux_history, flux])
        limit = self._running_median(history) + self.threshold
        previous = np.concatenate([[self._prev_flux], flux[:-1]])
        for k in np.flatnonzero((flux > limit) & (flux > previous)):
            self._candidates.append(self._frames + int(k))
        self._flux_history = history[-self._median_frames:]
        self._prev_flux = float(flux[-1])
        self._frames += n_hops

        energies = power_to_dbfs(_row_means(samples.astype(np.float64).reshape(-1, self.sub) ** 2))
        self._env = np.concatenate([self._env, energies])
        keep_from = self._needed_from()
        if keep_from > self._env_start:
            self._env = self._env[keep_from - self._env_start:]
            self._env_start = keep_from

    def _running_median(self, history: np.ndarray) -> np.ndarray:
        """The median of the ``_median_frames`` values before each new one (``np.median``'s values)."""
        m = self._median_frames
        past = _rows(history, len(history) - m, m, 1)
        middle = np.partition(past, (m - 1) // 2 if m % 2 else (m // 2 - 1, m // 2), axis=1)
        if m % 2:
            return middle[:, m // 2]
        return (middle[:, m // 2 - 1] + middle[:, m // 2]) / 2

    def _needed_from(self) -> int:
        """The oldest subframe any future judgement can look at."""
        oldest = self._candidates[0] if self._candidates else self._frames
        return max(0, self._search_range(oldest)[0] - self._context - self._step - 1)

    def _search_range(self, frame: int) -> tuple[int, int]:
        """Subframes where the attack that raised ``frame``'s flux can start."""
        per_hop = self.hop // self.sub
        end = (frame + 1) * per_hop  # subframe just after the frame
        return end - self.n_fft // self.sub - per_hop, end + per_hop

    def _horizon(self, frame: int) -> int:
        return self._search_range(frame)[1] + max(self._step, self._late[1]) + 1

    def _judge(self, available: int | None, frames_done: int) -> list[int]:
        """Judge the candidates whose audio is ``available`` (subframes; None: all there is) when
        ``frames_done`` frames are in; candidates found further ahead are not known yet."""
        onsets = []
        while self._candidates and (available is None or self._horizon(self._candidates[0]) <= available):
            confirmed = self._confirm(self._candidates.popleft())
            if confirmed is None:
                continue
            if self._held is None:
                self._held = confirmed
            elif abs(confirmed[0] - self._held[0]) < self.refractory:
                if confirmed[1] >= self._held[1] + self.min_rise_db:
                    self._held = confirmed
            else:
                onsets.append(self._held[0])
                self._held = confirmed
        next_frame = min(self._candidates[0], frames_done) if self._candidates else frames_done
        if self._held is not None and self._search_range(next_frame)[0] * self.sub > self._held[0] + self.refractory:
            onsets.append(self._held[0])
            self._held = None
        return onsets

    def _confirm(self, frame: int) -> tuple[int, float] | None:
        """(onset sample, level in dBFS) of a candidate frame, or None when the level does not really rise."""
        env, base = self._env, self._env_start
        lo, hi = self._search_range(frame)
        lo = max(lo, 2)  # the level before the attack must be known
        hi = min(hi, base + len(env) - 1)
        if hi < lo:
            return None
        splits = np.arange(lo, hi + 1) - base
        # Sums over the stretch searched only, from a start that does not depend on what the buffer
        # still holds (so neither the block sizes nor a whole file given at once change them).
        first = max(lo - self._step - base, 0)
        cumulative = np.concatenate([[0.0], np.cumsum(env[first: hi + self._step + 1 - base])])
        before_start = np.maximum(splits - self._step, 0) - first
        after_end = np.minimum(splits + self._step, len(env)) - first
        rise = (cumulative[after_end] - cumulative[splits - first]) / (after_end - splits + first) - (
            cumulative[splits - first] - cumulative[before_start]) / (splits - first - before_start)
        split = int(splits[int(np.argmax(rise))])
        before = _median(env[max(split - self._context, 0): split])
        after = _median(env[split: split + self._context])
        late = env[split + self._late[0]: split + self._late[1]]  # empty only at the end of a stream
        rises = after >= max(self.gate_dbfs, before + self.min_rise_db)
        loud = after >= self.gate_dbfs + self.loud_db
        lasts = loud or (len(late) > 0 and _median(late) >= before + self.min_rise_db)
        if not (rises and lasts):
            return None
        return (base + split) * self.sub, after


def detect_onsets(y, sample_rate: int = SAMPLE_RATE, **options) -> list[int]:
    """Onsets (sample indices) in a whole signal; the same as streaming it through :class:`OnsetDetector`.

    ``options`` are :class:`OnsetDetector`'s keyword arguments (``gate_dbfs``, ``threshold`` …).
    """
    detector = OnsetDetector(sample_rate, **options)
    return detector.process(y) + detector.flush()


#: A clip of one note holds the onset followed by the loudest attack: a finger touching the string
#: before the pluck, or a squeak after it, is not the note.
ATTACK_S = 0.1
#: Level windows before and after a split in :class:`RiseFinder` (seconds), and the least rise (dB).
RISE_CONTEXT_S = 0.04
MIN_CLIP_RISE_DB = 6.0
#: A smaller rise (dB) holds the note when the attack after it is louder than the clip's start: a string
#: touched, not fretted, thuds only a few dB over a steady hum, and the clip's start is then hum alone.
MIN_SOFT_RISE_DB = 3.0


def attack_power(y, onset: int, sample_rate: int = SAMPLE_RATE) -> float:
    """Mean power of the ``ATTACK_S`` of ``y`` from ``onset`` (0 past its end)."""
    attack = np.asarray(y[onset: onset + int(ATTACK_S * sample_rate)], dtype=np.float64)
    return float(np.mean(np.square(attack))) if len(attack) else 0.0


class RiseFinder:
    """Where a clip's level rises most, found while it streams by: :meth:`add` blocks, then
    :meth:`finish`; :attr:`onset` is that sample, or None when nothing rises by ``MIN_CLIP_RISE_DB``.

    The level is taken in 64-sample (2.9 ms) steps. The rise at each step is the median level over
    the next 40 ms against the 40 ms before; at the largest, the start of the attack is the steepest
    rise of the mean level over 12 ms either side, searched up to 80 ms later. A clip of one note
    whose onset the detector cannot confirm (under a noise gate its level does not pass, or in noise
    that a laptop's automatic gain control pumps up to near the note) still holds its note where its
    level jumps: that, not the clip's first sample, is the note to judge. Only the last 0.2 s of
    levels are kept, and the result does not depend on how the clip is split into blocks.
    """

    SUB = 64
    STEP = 4

    def __init__(self, sample_rate: int = SAMPLE_RATE):
        self.context = max(1, int(round(RISE_CONTEXT_S * sample_rate / self.SUB)))
        self._partial = np.zeros(0)
        self._env = np.zeros(0)  # level (dB) per step, from absolute step _env_start
        self._env_start = 0
        self._next = self.context  # the next split (absolute step) to weigh
        self.rise = -np.inf
        self.split: int | None = None  # absolute step of the attack at the largest rise so far

    @property
    def onset(self) -> int | None:
        return self.rising_by(MIN_CLIP_RISE_DB)

    def rising_by(self, rise_db: float) -> int | None:
        """The largest rise's attack when it rises by ``rise_db`` or more, else None."""
        return self.split * self.SUB if self.split is not None and self.rise >= rise_db else None

    def note(self, louder_than_start) -> int | None:
        """The note of a clip with no detected onset: the largest rise when it rises by
        ``MIN_CLIP_RISE_DB``, or by ``MIN_SOFT_RISE_DB`` when ``louder_than_start(onset)`` says its attack
        is louder than the clip's start; None: the clip's start is the note."""
        if self.onset is not None:
            return self.onset
        soft = self.rising_by(MIN_SOFT_RISE_DB)
        return soft if soft is not None and louder_than_start(soft) else None

    def add(self, block) -> bool:
        """Take a block of samples; True when the largest rise so far has moved."""
        data = np.concatenate([self._partial, np.asarray(block, dtype=np.float64).reshape(-1)])
        n = len(data) // self.SUB
        self._partial = data[n * self.SUB:]
        levels = power_to_dbfs(_row_means(data[: n * self.SUB].reshape(n, self.SUB) ** 2))
        self._env = np.concatenate([self._env, levels])
        return self._weigh(final=False)

    def finish(self) -> bool:
        """The clip has ended: weigh the splits near its end. True when the largest rise moved."""
        return self._weigh(final=True)

    def _weigh(self, final: bool) -> bool:
        ctx, step = self.context, self.STEP
        end = self._env_start + len(self._env)  # absolute steps known
        last = end - ctx if final else end - 2 * ctx - step  # room to refine unless the clip has ended
        moved = False
        if last >= self._next:
            env = self._env[self._next - ctx - self._env_start: last + ctx - self._env_start]
            medians = np.median(np.lib.stride_tricks.sliding_window_view(env, ctx), axis=1)
            rise = medians[ctx:] - medians[: len(medians) - ctx]  # split j: after it minus before it
            k = int(np.argmax(rise))
            if rise[k] > self.rise:
                self.rise, self.split, moved = float(rise[k]), self._attack(self._next + k, end), True
            self._next = last + 1
        keep = self._next - ctx - step
        if keep > self._env_start:
            self._env = self._env[keep - self._env_start:]
            self._env_start = keep
        return moved

    def _attack(self, split: int, end: int) -> int:
        step, base = self.STEP, self._env_start
        splits = np.arange(max(step, split), min(end - step, split + 2 * self.context) + 1)
        if not len(splits):
            return split
        sums = np.concatenate([[0.0], np.cumsum(self._env[splits[0] - step - base: splits[-1] + step - base])])
        at = splits - splits[0] + step
        sharp = (sums[at + step] - sums[at]) - (sums[at] - sums[at - step])
        return int(splits[int(np.argmax(sharp))])


def rise_of(y, sample_rate: int = SAMPLE_RATE) -> RiseFinder:
    """A :class:`RiseFinder` that has heard the whole clip ``y``.

    >>> import numpy as np
    >>> y = np.full(22050, 1e-3, dtype=np.float32); y[9000:] = 0.01
    >>> rise_of(y).onset
    8960
    """
    finder = RiseFinder(sample_rate)
    finder.add(y)
    finder.finish()
    return finder


def strongest_onset(y, onsets=None, sample_rate: int = SAMPLE_RATE) -> int | None:
    """The onset (of ``onsets``, by default those detected in ``y``) followed by the loudest
    ``ATTACK_S``; with no onset, the steepest rise (:func:`rise_of`), or a rise of ``MIN_SOFT_RISE_DB``
    whose attack is louder than the clip's start; None when there is none of them.

    >>> import numpy as np
    >>> y = np.zeros(8000, dtype=np.float32); y[1000:1100] = 0.1; y[5000:5100] = 0.5
    >>> strongest_onset(y, [1000, 5000])
    5000
    """
    y = np.asarray(y, dtype=np.float32)
    onsets = detect_onsets(y, sample_rate) if onsets is None else list(onsets)
    if onsets:
        return max(onsets, key=lambda o: attack_power(y, o, sample_rate))
    return rise_of(y, sample_rate).note(lambda o: attack_power(y, o, sample_rate) > attack_power(y, 0, sample_rate))
