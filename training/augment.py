"""Make a clean modelled note sound like a real one through a cheap microphone in a real room.

Everything here works on the raw note audio *before* onset detection and windowing, so the
detector and the window cutter see what they would see in the app. Filters and gain come from
audiomentations (with parameters drawn from our own generator, so a seed fixes the result);
noise, reverberation, resampling and compression are written with numpy/scipy/soxr.

>>> aug = Augmenter(seed=1)
>>> y2 = aug(y, 22050)                  # doctest: +SKIP
>>> cut = aug.cut()                     # onset jitter and cut-short length for this copy
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import soxr
from numba import njit
from scipy.signal import fftconvolve

from buzzfinder_app import constants as C

#: The fixed evaluation degradations of :func:`degrade`.
DEGRADATIONS = ("quiet_far_mic", "laptop_mic_agc", "reverberant_room", "hum_noise", "headset_16k")


def _f32(y) -> np.ndarray:
    return np.asarray(y, dtype=np.float32).reshape(-1)


def power(y: np.ndarray) -> float:
    """Mean power of a signal (the reference for signal-to-noise ratios)."""
    y = np.asarray(y, dtype=np.float64)
    return float(np.mean(y * y)) if len(y) else 0.0


# ---------------------------------------------------------------- microphone colouring


def high_pass(y, sample_rate, cutoff_hz, rolloff=12):
    from audiomentations import HighPassFilter

    t = HighPassFilter(min_cutoff_freq=cutoff_hz, max_cutoff_freq=cutoff_hz, min_rolloff=rolloff,
                       max_rolloff=rolloff, p=1.0)
    return _f32(t(_f32(y), sample_rate))


def low_pass(y, sample_rate, cutoff_hz, rolloff=24):
    from audiomentations import LowPassFilter

    t = LowPassFilter(min_cutoff_freq=cutoff_hz, max_cutoff_freq=cutoff_hz, min_rolloff=rolloff,
                      max_rolloff=rolloff, p=1.0)
    return _f32(t(_f32(y), sample_rate))


def peaking(y, sample_rate, centre_hz, gain_db, q):
    """One bell of a parametric EQ (a room mode, a cheap capsule's presence peak)."""
    from audiomentations import PeakingFilter

    centre_hz = min(centre_hz, 0.45 * sample_rate)
    t = PeakingFilter(min_center_freq=centre_hz, max_center_freq=centre_hz, min_gain_db=gain_db,
                      max_gain_db=gain_db, min_q=q, max_q=q, p=1.0)
    return _f32(t(_f32(y), sample_rate))


def tilt(y, sample_rate, db_per_octave, pivot_hz=1000.0):
    """A spectral tilt: ``db_per_octave`` more gain per octave above ``pivot_hz`` (less below),
    flat below 50 Hz. Guitars and microphones differ most in how bright they are; a model that
    must not hear brightness as buzz learns it here."""
    y = _f32(y)
    f = np.maximum(np.fft.rfftfreq(len(y), 1.0 / sample_rate), 50.0)
    shape = 10 ** (db_per_octave * np.log2(f / pivot_hz) / 20)
    return _f32(np.fft.irfft(np.fft.rfft(y) * shape, n=len(y)))


def gain(y, gain_db):
    from audiomentations import Gain

    return _f32(Gain(min_gain_db=gain_db, max_gain_db=gain_db, p=1.0)(_f32(y), C.SAMPLE_RATE))


# ---------------------------------------------------------------- noise


def _shaped_noise(n, sample_rate, rng, slope_db_per_octave, low_hz=0.0, high_hz=None):
    """Gaussian noise whose spectrum falls by ``slope`` dB per octave, optionally band-limited."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    shape = np.ones_like(f)
    nz = f > 0
    shape[nz] = (f[nz] / 1000.0) ** (slope_db_per_octave / (20.0 * np.log10(2.0)))
    shape[~nz] = 0.0
    if low_hz:
        shape[f < low_hz] = 0.0
    if high_hz:
        shape[f > high_hz] = 0.0
    return np.fft.irfft(spec * shape, n)


def hum(n, sample_rate, rng, mains_hz=50.0, any_spectrum=False):
    """Mains hum: the fundamental and a few harmonics (odd ones stronger, as from a transformer).

    ``any_spectrum``: each harmonic anywhere from 30 dB under the fundamental to as loud as it, as a
    single-coil pickup or a ground loop hums (a strong third harmonic sits on the D string's 147 Hz).
    It draws the same random numbers either way.
    """
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    for k in range(1, 8):
        u = rng.uniform(0.5, 1.0)
        amp = (1.0 if k == 1 else 0.5 / k) * (1.5 if k % 2 else 0.7) * u
        if any_spectrum and k > 1:
            amp = 1.5 * 10.0 ** (-30.0 * (1.0 - 2.0 * (u - 0.5)) / 20.0)
        out += amp * np.sin(2 * np.pi * mains_hz * k * t + rng.uniform(0, 2 * np.pi))
    return out


def noise(kind, n, sample_rate, rng):
    """Unit-less noise of one kind: ``white``, ``pink``, ``hum50``, ``hum60`` (a transformer's hum),
    ``mains50``, ``mains60`` (hum of any harmonic spectrum) or ``room``."""
    if kind == "white":
        return rng.standard_normal(n)
    if kind == "pink":
        return _shaped_noise(n, sample_rate, rng, -3.0)
    if kind[:-2] in ("hum", "mains"):
        return (hum(n, sample_rate, rng, float(kind[-2:]), any_spectrum=kind.startswith("mains"))
                + 0.05 * rng.standard_normal(n))
    if kind == "room":  # air handling and traffic: brown-ish rumble with little above 2 kHz
        return _shaped_noise(n, sample_rate, rng, -6.0, low_hz=20.0, high_hz=2000.0)
    raise ValueError(f"unknown noise kind {kind!r}")


#: The floors that training draws from.
NOISE_KINDS = ("white", "pink", "mains50", "mains60", "room")
#: Floors that hide no rattle however loud (all below 500 Hz): training lets them come closer to the peak.
LOW_KINDS = ("mains50", "mains60")


def add_noise(y, sample_rate, rng, snr_db, kind="white"):
    """Add noise of ``kind`` at ``snr_db`` below the signal's mean power."""
    y = _f32(y)
    nz = noise(kind, len(y), sample_rate, rng)
    p_sig, p_noise = power(y), power(nz)
    if p_sig == 0.0 or p_noise == 0.0:
        return y
    nz *= np.sqrt(p_sig / (p_noise * 10.0 ** (snr_db / 10.0)))
    return _f32(y + nz)


def add_noise_below_peak(y, sample_rate, rng, below_db, kind="white"):
    """Add noise of ``kind`` whose RMS lies ``below_db`` under the signal's peak: a microphone's
    hiss or a room's tone is a fixed floor, however long the note rings above it."""
    y = _f32(y)
    nz = noise(kind, len(y), sample_rate, rng)
    peak, p_noise = float(np.max(np.abs(y))) if len(y) else 0.0, power(nz)
    if peak == 0.0 or p_noise == 0.0:
        return y
    return _f32(y + nz * peak * 10.0 ** (-below_db / 20.0) / np.sqrt(p_noise))


# ---------------------------------------------------------------- room, rate, dynamics


def impulse_response(sample_rate, rng, rt60_s, direct_to_reverb_db=0.0):
    """A synthetic room: a direct path, then exponentially decaying noise reaching -60 dB at RT60."""
    n = max(2, int(rt60_s * sample_rate))
    t = np.arange(n) / sample_rate
    tail = rng.standard_normal(n) * np.exp(-6.9078 * t / rt60_s)
    tail[: int(0.003 * sample_rate)] = 0.0  # first reflections arrive a few ms late
    tail *= np.sqrt(10.0 ** (-direct_to_reverb_db / 10.0) / max(power(tail) * n, 1e-12))
    tail[0] = 1.0
    return tail


def reverb(y, sample_rate, rng, rt60_s, direct_to_reverb_db=0.0):
    """Convolve with a synthetic impulse response; same length and mean power as the input."""
    y = _f32(y)
    wet = fftconvolve(y, impulse_response(sample_rate, rng, rt60_s, direct_to_reverb_db))[: len(y)]
    p_in, p_out = power(y), power(wet)
    return _f32(wet * np.sqrt(p_in / p_out)) if p_out > 0 else y


def low_rate(y, sample_rate, through_rate):
    """Down to ``through_rate`` and back: everything above its Nyquist frequency is lost."""
    y = _f32(y)
    back = soxr.resample(soxr.resample(y, sample_rate, through_rate), through_rate, sample_rate)
    return _f32(np.resize(back, len(y)) if len(back) != len(y) else back)


def quantise(y, bits, peak=0.5):
    """The signal scaled to ``peak`` and rounded to ``bits`` bits (a coarse converter), scaled back."""
    y = _f32(y)
    top = float(np.max(np.abs(y))) or 1.0
    step = 2.0 ** (1 - bits)
    return _f32(np.round(y * (peak / top) / step) * step * (top / peak))


def soft_clip(y, drive_db):
    """tanh saturation; ``drive_db`` is how far the peak is pushed into the curve."""
    y = _f32(y)
    peak = float(np.max(np.abs(y))) or 1.0
    g = 10.0 ** (drive_db / 20.0) / peak
    return _f32(np.tanh(g * y) * peak / np.tanh(g * peak))


@njit(cache=True)
def _envelope(x, attack, release):
    """One-pole level follower with separate attack and release coefficients."""
    env = np.empty_like(x)
    e = 0.0
    for i in range(len(x)):
        c = attack if x[i] > e else release
        e = c * e + (1.0 - c) * x[i]
        env[i] = e
    return env


def compress(y, sample_rate, threshold_db=-30.0, ratio=6.0, attack_s=0.005, release_s=0.3, makeup=True):
    """Feed-forward compressor like a laptop's automatic gain control.

    The level is followed with a fast attack and a slow release; above ``threshold_db`` (relative
    to the peak) the gain is reduced by ``ratio``. With ``makeup`` the peak is restored, so the
    decay of a note is flattened and its noise floor lifted, as AGC does.
    """
    y = _f32(y)
    peak = float(np.max(np.abs(y)))
    if peak == 0.0:
        return y
    a = np.exp(-1.0 / (attack_s * sample_rate))
    r = np.exp(-1.0 / (release_s * sample_rate))
    env = _envelope(np.abs(y.astype(np.float64)) / peak, a, r)
    level_db = 20.0 * np.log10(np.maximum(env, 1e-6))
    over = np.maximum(level_db - threshold_db, 0.0)
    out = y * 10.0 ** (-over * (1.0 - 1.0 / ratio) / 20.0)
    if makeup:
        out *= peak / max(float(np.max(np.abs(out))), 1e-12)
    return _f32(out)


def hand_damp(y, onset, after_s, rng, sample_rate=C.SAMPLE_RATE):
    """The hand stops the string ``after_s`` after the onset: the sound dies within tens of
    milliseconds, with the noise of the hand landing: half the time a soft, dull rub 20-40 dB under
    the note's peak, else the brighter contact of the still-swinging string with the hand and frets
    (white or brighter noise above 0.2-2 kHz, or in a band above that, dying in 3-40 ms, 36-6 dB under
    the note's level just before). A note of any class can be stopped so; stopping early is not a class, and the
    contact's short burst of noise as the note dies is not a rattle."""
    y = _f32(y).copy()
    at = int(onset + after_s * sample_rate)
    if at >= len(y):
        return y
    t = np.arange(len(y) - at) / sample_rate
    y[at:] *= np.exp(-t / rng.uniform(0.008, 0.04)).astype(np.float32)
    if rng.random() < 0.5:
        n = min(len(y) - at, int(rng.uniform(0.01, 0.05) * sample_rate))
        rub = np.convolve(rng.standard_normal(n), np.ones(8) / 8, mode="same") * np.hanning(n)
        level = float(np.max(np.abs(y[onset:at]))) if at > onset else 0.0
        y[at:at + n] += (rub / (np.max(np.abs(rub)) + 1e-12) * level * 10 ** (rng.uniform(-40.0, -20.0) / 20)).astype(np.float32)
        return y
    n = min(len(y) - at, int(0.15 * sample_rate))
    hit = rng.standard_normal(n + 1)
    hit = np.diff(hit) if rng.random() < 0.5 else hit[:n]  # white, or brighter still
    hit *= np.exp(-np.arange(n) / (rng.uniform(0.003, 0.04) * sample_rate))
    low = float(np.exp(rng.uniform(np.log(200.0), np.log(2000.0))))
    hit = high_pass(hit, sample_rate, low)
    if rng.random() < 0.5:  # a duller contact: a band rather than everything above ``low``
        hit = low_pass(hit, sample_rate, min(low * rng.uniform(2.0, 16.0), 0.45 * sample_rate))
    level = float(np.sqrt(np.mean(y[max(onset, at - sample_rate // 50):at].astype(np.float64) ** 2))) if at > onset else 0.0
    hit *= level * 10 ** (rng.uniform(-36.0, -6.0) / 20) / (float(np.sqrt(np.mean(hit[: max(n // 8, 1)] ** 2))) + 1e-12)
    y[at:at + n] += hit.astype(np.float32)
    return y


def start_at_note(y, onset, rng, sample_rate=C.SAMPLE_RATE):
    """The file begins at the note (within a few ms): nothing of the channel is heard before it, as
    when ``classify`` is given a note cut at its onset. Returns the audio and its new onset."""
    start = int(np.clip(onset + rng.uniform(-0.003, 0.004) * sample_rate, 0, len(y)))
    return _f32(y)[start:], onset - start


def agc(y, sample_rate, target_db=-12.0, max_gain_db=24.0, attack_s=0.01, release_s=0.5):
    """A laptop's automatic gain control: the gain brings the level (a peak follower that rises in
    ``attack_s`` and falls in ``release_s``) to ``target_db`` dBFS, at most ``max_gain_db``. In the
    quiet before a note the gain climbs and lifts the noise; the pluck arrives into that high gain
    and its attack is soft-clipped (tanh at full scale) until the follower catches up."""
    y = _f32(y)
    a = np.exp(-1.0 / (attack_s * sample_rate))
    r = np.exp(-1.0 / (release_s * sample_rate))
    env = _envelope(np.abs(y.astype(np.float64)), a, r)
    gain = np.minimum(10.0 ** (target_db / 20.0) / np.maximum(env, 1e-9), 10.0 ** (max_gain_db / 20.0))
    return _f32(np.tanh(gain * y))


def cut_short(y, onset, length_s, sample_rate=C.SAMPLE_RATE):
    """Zero everything later than ``length_s`` after ``onset`` (a note cut by the next onset)."""
    y = _f32(y).copy()
    y[max(0, int(onset + round(length_s * sample_rate))):] = 0.0
    return y


# ---------------------------------------------------------------- the training augmenter


#: How long a note's class must have sounded before a hand stops it or its window ends (seconds).
MIN_HEARD_S = 0.1


@dataclass(frozen=True)
class Cut:
    """How one training copy is windowed: onset jitter and seconds kept after the onset."""

    jitter_s: float = 0.0
    length_s: float = C.WINDOW_S


class Augmenter:
    """Random microphone, room, noise, rate and dynamics for each call; deterministic per seed.

    ``strength`` scales how often each transform is applied (0 = untouched, 1 = the default mix,
    up to 2 = nearly everything every time); the parameter ranges stay as documented.
    """

    def __init__(self, seed: int, strength: float = 1.0):
        self.rng = np.random.default_rng(seed)
        self.strength = float(strength)

    def _p(self, p):
        return self.rng.random() < min(1.0, p * self.strength)

    def __call__(self, audio, sample_rate: int) -> np.ndarray:
        rng, y = self.rng, _f32(audio)
        if not len(y) or self.strength <= 0:
            return y
        if self._p(0.4):
            y = reverb(y, sample_rate, rng, rng.uniform(0.1, 0.8), rng.uniform(-6.0, 12.0))
        if self._p(0.6):
            y = high_pass(y, sample_rate, rng.uniform(60.0, 200.0))
        if self._p(0.5):
            y = low_pass(y, sample_rate, rng.uniform(4000.0, 10000.0))
        for _ in range(int(self._p(0.5)) + int(self._p(0.25))):
            y = peaking(y, sample_rate, np.exp(rng.uniform(np.log(100.0), np.log(6000.0))),
                        rng.uniform(-9.0, 9.0), rng.uniform(0.7, 3.0))
        if self._p(0.5):
            y = tilt(y, sample_rate, rng.uniform(-2.0, 2.0))
        if self._p(0.3):  # small-capsule resonance: a narrow presence peak
            y = peaking(y, sample_rate, rng.uniform(2500.0, 8000.0), rng.uniform(3.0, 10.0), rng.uniform(2.0, 6.0))
        if self._p(0.75):  # a floor of hiss, hum or room tone from 24 (hum: 18) to 60 dB under the note's peak
            for kind in rng.choice(NOISE_KINDS, size=1 + int(self._p(0.3)), replace=False):
                below = rng.uniform(24.0, 60.0)
                if kind in LOW_KINDS:
                    below = 18.0 + (below - 24.0) * 42.0 / 36.0
                y = add_noise_below_peak(y, sample_rate, rng, below, str(kind))
        if self._p(0.2):
            y = low_rate(y, sample_rate, int(rng.uniform(8000.0, 16000.0)))
        if self._p(0.25):
            y = compress(y, sample_rate, rng.uniform(-40.0, -15.0), rng.uniform(3.0, 10.0),
                         rng.uniform(0.002, 0.02), rng.uniform(0.1, 0.6))
        if self._p(0.15):
            y = soft_clip(y, rng.uniform(3.0, 15.0))
        if self._p(0.1):
            y = quantise(y, int(rng.integers(7, 12)), rng.uniform(0.1, 0.9))
        y = gain(y, rng.uniform(-30.0, 0.0))
        return y

    def note(self, audio, onset: int, sample_rate: int, heard_from_s: float = 0.0) -> tuple[np.ndarray, int]:
        """A note as a player's setup delivers it: sometimes stopped early by the hand, then the
        channel (:meth:`__call__`), and sometimes the file starting at the note. Returns the audio
        and its onset. Every class goes through the same draws.

        ``heard_from_s``: when the note's class starts to sound after the onset (a late rattle's
        start): a hand that would stop the note before it has sounded :data:`MIN_HEARD_S` leaves the
        note alone, or a buzzy label would sit on a clean-sounding note."""
        y = _f32(audio)
        if self.strength <= 0 or not len(y):
            return y, onset
        after = self.stop_time(heard_from_s)
        if after is not None:
            y = hand_damp(y, onset, after, self.rng, sample_rate)
        y = self(y, sample_rate)
        if self._p(0.25):
            y, onset = start_at_note(y, onset, self.rng, sample_rate)
        return y, onset

    def stop_time(self, heard_from_s: float = 0.0) -> float | None:
        """When the hand stops this copy's note (0.1-0.4 s after the onset, on a fifth of the copies),
        or None; never before the note's class has sounded :data:`MIN_HEARD_S` (see :meth:`note`)."""
        if not self._p(0.2):
            return None
        after = float(self.rng.uniform(0.1, 0.4))
        return after if after >= heard_from_s + MIN_HEARD_S else None

    def cut(self, heard_from_s: float = 0.0) -> Cut:
        """Onset jitter of ±50 ms and, sometimes, a window cut short after 0.25–2 s (never before the
        note's class has sounded :data:`MIN_HEARD_S`; see :meth:`note`)."""
        jitter = self.rng.uniform(-0.05, 0.05) if self._p(0.7) else 0.0
        length = self.rng.uniform(C.MIN_NOTE_S, C.WINDOW_S) if self._p(0.3) else C.WINDOW_S
        return Cut(float(jitter), float(min(C.WINDOW_S, max(length, heard_from_s + MIN_HEARD_S))))


# ---------------------------------------------------------------- fixed evaluation degradations


def degrade(audio, kind: str, sample_rate: int = C.SAMPLE_RATE, seed: int = 0) -> np.ndarray:
    """One of the fixed :data:`DEGRADATIONS` (same result for the same input every time)."""
    rng = np.random.default_rng(seed)
    y = _f32(audio)
    if kind == "quiet_far_mic":  # a metre or two away in a small room, hiss of a cheap preamp
        y = reverb(y, sample_rate, rng, 0.35, direct_to_reverb_db=3.0)
        y = add_noise_below_peak(y, sample_rate, rng, 37.0, "white")
        return gain(y, -26.0)
    if kind == "laptop_mic_agc":  # 250 Hz-6 kHz, noise 30 dB down, AGC that soft-clips the attack
        y = high_pass(y, sample_rate, 250.0)
        y = low_pass(y, sample_rate, 6000.0)
        y = peaking(y, sample_rate, 3000.0, 6.0, 2.0)
        y = add_noise_below_peak(y, sample_rate, rng, 30.0, "pink")
        return agc(gain(y, -20.0 - 20.0 * np.log10(float(np.max(np.abs(y))) or 1.0)), sample_rate)
    if kind == "reverberant_room":  # RT60 0.5 s
        return reverb(y, sample_rate, rng, 0.5, direct_to_reverb_db=-3.0)
    if kind == "hum_noise":  # mains hum and its harmonics, pink background, 25 dB SNR
        y = add_noise(y, sample_rate, rng, 25.0, "hum50")
        return add_noise(y, sample_rate, rng, 25.0, "pink")
    if kind == "headset_16k":  # 7 kHz low-pass, 16 kHz, 8-bit converter
        y = high_pass(y, sample_rate, 100.0)
        y = low_pass(y, sample_rate, 7000.0)
        return quantise(low_rate(y, sample_rate, 16000), 8)
    raise ValueError(f"unknown degradation {kind!r} (choose from {', '.join(DEGRADATIONS)})")
