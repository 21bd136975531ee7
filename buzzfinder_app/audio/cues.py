"""Sound cues for a final verdict: a soft tick for a clean note, a lower double blip for a buzzy one.

:func:`cue_sound` makes the samples (numpy only, no Qt, no audio device) and is unit-tested;
:class:`CueOutput` plays them on the default output device with sounddevice, whose ``play`` starts a
stream and returns at once, so the window never waits for a cue. Without an output device a cue
raises :class:`CueUnavailable` once and the caller turns cues off.
"""

from __future__ import annotations

import numpy as np

#: The classes that have a cue.
CUE_KINDS = ("clean", "buzzy")
#: The rate cues are generated at when the output device does not say its own.
CUE_SAMPLE_RATE = 48_000
#: Cue volume (peak, full scale = 1) when the player has not chosen one.
DEFAULT_VOLUME = 0.3

# (frequency Hz, start s, length s) of each blip. Clean: one short bright tick. Buzzy: two lower
# blips, a perfect fifth apart, so it differs in pitch, length and rhythm, not in loudness alone.
_BLIPS = {
    "clean": ((1318.5, 0.0, 0.09),),
    "buzzy": ((392.0, 0.0, 0.075), (261.6, 0.105, 0.09)),
}
_ATTACK_S = 0.003  # a raised-cosine onset: no click
_DECAY_S = 0.022   # the exponential decay's time constant


def cue_sound(kind: str, volume: float = DEFAULT_VOLUME, sample_rate: int = CUE_SAMPLE_RATE) -> np.ndarray:
    """The mono float32 samples of the ``kind`` cue ("clean" or "buzzy"), peak exactly ``volume``.

    Each blip is a sine with a 3-ms raised-cosine attack and an exponential decay that ends at silence
    (the last sample is 0), a second partial an octave up at a quarter of its level for some body.

    >>> y = cue_sound("clean", 0.5, 48_000)
    >>> len(y), float(abs(y).max()) <= 0.5, float(y[-1])
    (4320, True, 0.0)
    """
    if kind not in _BLIPS:
        raise ValueError(f"no cue for {kind!r}: expected one of {', '.join(CUE_KINDS)}")
    volume = float(min(1.0, max(0.0, volume)))
    blips = _BLIPS[kind]
    length_s = max(start + dur for _, start, dur in blips)
    out = np.zeros(int(round(length_s * sample_rate)), np.float64)
    for freq, start, dur in blips:
        n = int(round(dur * sample_rate))
        t = np.arange(n) / sample_rate
        tone = np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(2 * np.pi * 2 * freq * t)
        attack = int(round(_ATTACK_S * sample_rate))
        envelope = np.exp(-t / _DECAY_S)
        envelope[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
        envelope *= np.linspace(1.0, 0.0, n)  # reaches silence at the blip's end
        i = int(round(start * sample_rate))
        out[i:i + n] += (tone * envelope)[: len(out) - i]
    peak = float(np.abs(out).max())
    if peak > 0:
        out *= volume / peak
    return out.astype(np.float32)


class CueUnavailable(Exception):
    """No audio output: the sentence to show the player."""


class CueOutput:
    """Plays cues on the default output device (``sounddevice``), never blocking the caller.

    ``sd`` replaces the sounddevice module (tests). The samples are made once per kind and volume.
    """

    def __init__(self, sd=None):
        self._sd = sd
        self._rate: int | None = None
        self._cache: dict[tuple[str, float], np.ndarray] = {}

    def _module(self):
        if self._sd is None:
            try:
                import sounddevice
            except OSError as exc:  # PortAudio missing
                raise CueUnavailable(f"sound cues are off: no audio output ({exc})") from exc
            self._sd = sounddevice
        return self._sd

    def sample_rate(self) -> int:
        """The default output device's rate; raises :class:`CueUnavailable` when there is none."""
        if self._rate is None:
            sd = self._module()
            try:
                device = sd.query_devices(kind="output")
            except Exception as exc:  # PortAudioError, ValueError: no default output device
                raise CueUnavailable("sound cues are off: no audio output device") from exc
            self._rate = int(device.get("default_samplerate") or CUE_SAMPLE_RATE) if isinstance(device, dict) \
                else CUE_SAMPLE_RATE
        return self._rate

    def play(self, kind: str, volume: float) -> None:
        """Start the cue and return; raises :class:`CueUnavailable` when nothing can play it."""
        rate = self.sample_rate()
        key = (kind, round(float(volume), 3))
        if key not in self._cache:
            self._cache[key] = cue_sound(kind, volume, rate)
        try:
            self._module().play(self._cache[key], rate, blocking=False)
        except Exception as exc:
            self._rate = None  # the device may come back: ask again next time
            raise CueUnavailable(f"sound cues are off: the audio output failed ({exc})") from exc
