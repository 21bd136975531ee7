"""The model's input features, defined once for the app and for training.

Only numpy is used, so the app never imports librosa; ``tests/test_features.py`` shows that these
functions equal librosa's reference implementation within float32 precision.

>>> import numpy as np
>>> x = log_mel(np.zeros(1000, dtype=np.float32))
>>> x.shape == (DEFAULT_PARAMS.n_frames, DEFAULT_PARAMS.n_mels)
True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.decibels import DB_PER_NEPER, power_to_db32, power_to_dbfs

#: The floor of the log-mel features (librosa's ``power_to_db`` default, ``amin`` 1e-10).
MEL_FLOOR_DB = -100.0


@dataclass(frozen=True)
class FeatureParams:
    """Everything that decides the numbers a model is fed. Stored in each model's metadata."""

    #: "logmel_floor_tonality" (shipped): log-mel, its level above the window's own background and each
    #: band's tonality, three channels; "logmel_floor", "logmel", "pcen" and "mfcc" (13 MFCC + delta +
    #: delta-delta) are kept for the feature comparison.
    kind: str = "logmel_floor_tonality"
    sample_rate: int = C.SAMPLE_RATE
    window_samples: int = C.WINDOW_SAMPLES
    pre_roll: int = C.PRE_ROLL
    n_fft: int = C.N_FFT
    hop: int = C.HOP
    n_mels: int = C.N_MELS
    fmin: float = C.FMIN
    fmax: float = C.FMAX
    top_db: float = C.TOP_DB

    @property
    def n_frames(self) -> int:
        return 1 + self.window_samples // self.hop

    @property
    def channels(self) -> int:
        """Feature planes side by side along the feature axis (the model splits them into channels)."""
        return PLANES.get(self.kind, 1)

    @property
    def n_features(self) -> int:
        return 39 if self.kind == "mfcc" else self.n_mels * self.channels

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of one feature matrix: (frames, features)."""
        return (self.n_frames, self.n_features)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FeatureParams":
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)

    def with_kind(self, kind: str) -> "FeatureParams":
        return replace(self, kind=kind)


#: Feature kinds of more than one plane, and how many.
PLANES = {"logmel_floor_tonality": 3, "logmel_floor": 2}

#: Feature kinds with planes after their level planes (log-mel, level above the floor), and how
#: many level planes they have.
LEVEL_PLANES = {"logmel_floor_tonality": 2}

DEFAULT_PARAMS = FeatureParams()


def level_columns(params: FeatureParams = DEFAULT_PARAMS) -> int:
    """How many leading feature columns are levels (what a setup's hiss, hum and band limits set),
    as opposed to tonality: the personal setup gate reads these.

    >>> level_columns(DEFAULT_PARAMS), level_columns(DEFAULT_PARAMS.with_kind("logmel_floor"))
    (128, 128)
    """
    planes = LEVEL_PLANES.get(params.kind)
    return params.n_mels * planes if planes else params.n_features


def hz_to_mel(f):
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    lin = f / f_sp
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, lin)


def mel_to_hz(m):
    """Inverse of :func:`hz_to_mel`."""
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


@lru_cache(maxsize=8)
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Triangular, area-normalised mel filters, shape (n_mels, n_fft // 2 + 1)."""
    bins = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    rising = (bins[None, :] - edges[:-2, None]) / widths[:-1, None]
    falling = (edges[2:, None] - bins[None, :]) / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    weights.setflags(write=False)
    return weights


@lru_cache(maxsize=8)
def _mel_matrix(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """:func:`mel_filterbank` transposed and float32, shape (n_fft // 2 + 1, n_mels): power @ it."""
    weights = np.ascontiguousarray(mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax).T, dtype=np.float32)
    weights.setflags(write=False)
    return weights


@lru_cache(maxsize=8)
def _hann(n: int) -> np.ndarray:
    w = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(np.float32)  # periodic, for spectra
    w.setflags(write=False)
    return w


def fit_length(y: np.ndarray, n: int) -> np.ndarray:
    """Zero-pad or truncate ``y`` to ``n`` samples (a window cut short is padded with silence)."""
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    if len(y) >= n:
        return y[:n]
    return np.concatenate([y, np.zeros(n - len(y), dtype=np.float32)])


def power_spectrogram(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Centred (zero-padded) STFT power, shape (frames, n_fft // 2 + 1), float32 (the samples are, and
    a float32 FFT costs less than float64's; the features move by about 1e-6).

    Frames of nothing but the zeros after the last sound (a window cut short and padded) are zero
    power without an FFT: a provisional verdict's window is mostly padding.
    """
    power, frames = _sounding_power(y, n_fft, hop)
    if len(power) == frames:
        return power
    return np.concatenate([power, np.zeros((frames - len(power), power.shape[1]), np.float32)])


def _sounding_power(y: np.ndarray, n_fft: int, hop: int) -> tuple[np.ndarray, int]:
    """(the power of :func:`power_spectrogram`'s frames up to the last that holds sound and, when
    silent frames follow, one of them; how many frames there are in all)."""
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    padded = np.zeros(len(y) + 2 * (n_fft // 2), np.float32)  # centred: n_fft // 2 zeros each side
    padded[n_fft // 2: n_fft // 2 + len(y)] = y
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    sound = _last_nonzero(y)
    last = sound + n_fft // 2 if sound >= 0 else -1  # the last sample of sound, in ``padded``
    used = min(len(frames), last // hop + 1) if last >= 0 else 0  # frames that hold sound
    spec = np.fft.rfft(frames[:used] * _hann(n_fft), axis=1)
    power = spec.real**2 + spec.imag**2
    if used < len(frames):
        power = np.concatenate([power, np.zeros((1, n_fft // 2 + 1), np.float32)])
    return power, len(frames)


def _last_nonzero(y: np.ndarray, block: int = 4096) -> int:
    """Index of the last non-zero sample of ``y`` (-1 if none), looking back from the end a block at a
    time: a window cut short is mostly zeros after its sound.

    >>> _last_nonzero(np.array([0.0, 2.0, 0.0, 0.0])), _last_nonzero(np.zeros(3))
    (1, -1)
    """
    for end in range(len(y), 0, -block):
        part = y[max(0, end - block): end]
        if part.any():
            return end - len(part) + int(np.flatnonzero(part)[-1])
    return -1


def window_power(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """STFT power of a window padded (or cut) to ``params.window_samples``, shape (frames, n_fft // 2 + 1)."""
    return power_spectrogram(fit_length(y, params.window_samples), params.n_fft, params.hop)


def _mel(power: np.ndarray, params: FeatureParams) -> np.ndarray:
    return power @ _mel_matrix(params.sample_rate, params.n_fft, params.n_mels, params.fmin, params.fmax)


def mel_power(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Mel-band power of a window padded (or cut) to ``params.window_samples``, shape (frames, n_mels)."""
    return _mel(window_power(y, params), params)


def _db_below_peak(mel: np.ndarray, top_db: float) -> np.ndarray:
    db = power_to_db32(mel, floor_db=MEL_FLOOR_DB)
    return np.maximum(db - db.max(), -top_db)


def log_mel(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Log-mel spectrogram in dB below the window's peak, scaled to [0, 1].

    Per-window peak normalisation makes the features independent of input gain while keeping the
    spectral tilt (brightness), which is what separates buzz from a clean tone.
    """
    db = _db_below_peak(mel_power(y, params), params.top_db)
    return ((db + params.top_db) / params.top_db).astype(np.float32)


#: The background of a band is this percentile of its level over the frames that hold sound.
FLOOR_PERCENTILE = 10.0


def band_floor(db: np.ndarray, heard: np.ndarray) -> np.ndarray:
    """Per band, the :data:`FLOOR_PERCENTILE` of ``db`` (frames, bands) over the ``heard`` frames: the
    hiss, hum and room tone under the note (between and after its partials), or its own decayed
    tail where the channel is quiet."""
    x = db[heard] if heard.any() else db
    at = FLOOR_PERCENTILE / 100.0 * (len(x) - 1)  # np.percentile's "linear" rule, by partition (faster)
    lo = int(np.floor(at))
    hi = min(lo + 1, len(x) - 1)
    part = np.partition(x, (lo, hi), axis=0)
    return part[lo] + (at - lo) * (part[hi] - part[lo])


def log_mel_floor(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Log-mel (as :func:`log_mel`) and, beside it, each band's level above the window's background.

    Buzz is energy above the background, time-locked to the attack and decaying with the note;
    hiss, hum and room tone sit at the floor the whole window long. The second plane is
    ``(dB - floor) / top_db``, clipped at 0, with the floor of :func:`band_floor` taken over the frames
    that hold sound (the zeros that pad a window cut short, or the silence before a file that
    starts at the note, are not background). Shape (frames, 2 * n_mels): the two planes side by side.

    >>> import numpy as np
    >>> y = np.random.default_rng(0).standard_normal(45124).astype(np.float32) * 1e-3  # hiss alone
    >>> float(log_mel_floor(y)[:, 64:].mean()) < 0.05  # is nothing above its own floor
    True
    """
    return _level_and_floor(mel_power(y, params), params.top_db).astype(np.float32)


def _level_and_floor(mel: np.ndarray, top_db: float) -> np.ndarray:
    db = _db_below_peak(mel, top_db)
    above = np.maximum(db - band_floor(db, mel.sum(axis=1) > 0), 0.0)
    return np.concatenate([(db + top_db) / top_db, above / top_db], axis=1)


#: A band's tonality is measured over at least this many STFT bins (the mel bands below ~1 kHz are
#: narrower), centred on the band.
TONALITY_MIN_BINS = 7
#: Tonality (dB) that scales to 1; white noise measures about 2.5 dB (Euler's constant in dB).
TONALITY_SCALE_DB = 30.0
#: Bins this far below the window's strongest bin count as this far below it (silence, padding).
TONALITY_FLOOR_DB = 120.0


@lru_cache(maxsize=8)
def tonality_bands(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """Each mel band's bins: where its filter is non-zero, widened to :data:`TONALITY_MIN_BINS` about
    its middle where that is narrower. As a matrix (bins, n_mels) that averages them: power @ it is
    each band's mean power."""
    mel = mel_filterbank(sample_rate, n_fft, n_mels, fmin, fmax)
    lo = np.argmax(mel > 0, axis=1)
    hi = mel.shape[1] - np.argmax(mel[:, ::-1] > 0, axis=1)
    narrow = hi - lo < TONALITY_MIN_BINS
    middle = (lo[narrow] + hi[narrow] - 1) // 2
    lo[narrow] = np.clip(middle - TONALITY_MIN_BINS // 2, 0, mel.shape[1] - TONALITY_MIN_BINS)
    hi[narrow] = lo[narrow] + TONALITY_MIN_BINS
    average = np.zeros((mel.shape[1], n_mels), dtype=np.float32)
    for band, (a, b) in enumerate(zip(lo, hi)):
        average[a:b, band] = 1.0 / (b - a)
    average.setflags(write=False)
    return average


def tonality(power: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """How peaked each mel band's spectrum is, per frame: its arithmetic over its geometric mean
    power, in dB, scaled by :data:`TONALITY_SCALE_DB` and clipped to [0, 1]. Shape (frames, n_mels).

    A string's partials, and a fret rattle (struck once per swing of the string, so at the string's
    period), are lines between which the spectrum falls away: high tonality. Hiss, a slap of the
    string on the hand and a room's diffuse tail are flat (white noise: about 0.08). Independent of
    level, so it tells what the log-mel's level alone cannot: whether the energy above the
    background belongs to the string.

    >>> import numpy as np
    >>> t = np.arange(45124) / 22050
    >>> hiss = np.random.default_rng(0).standard_normal(len(t))
    >>> string = sum(np.sin(2 * np.pi * 110 * k * t) / k for k in range(1, 60))
    >>> float(tonality(window_power(hiss))[:, 40:].mean()) < 0.15 < float(tonality(window_power(string))[:, 40:].mean())
    True
    """
    # Scaled to its peak (the ratio does not change) and in float32, whose logarithm and products cost
    # a fraction of float64's: the values differ by less than 1e-6.
    p = np.maximum(power / max(float(power.max()), 1e-30), 10 ** (-TONALITY_FLOOR_DB / 10)).astype(np.float32)
    average = tonality_bands(params.sample_rate, params.n_fft, params.n_mels, params.fmin, params.fmax)
    db = DB_PER_NEPER * (np.log(p @ average) - np.log(p) @ average)
    return np.clip(db / np.float32(TONALITY_SCALE_DB), 0.0, 1.0)


def log_mel_floor_tonality(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """:func:`log_mel_floor`'s two planes and, beside them, each band's :func:`tonality`: shape
    (frames, 3 * n_mels). Buzz is energy above the background that belongs to the string (tonal),
    time-locked to the attack; noise that starts with a note, or the hand's slap, is not tonal."""
    power, frames = _sounding_power(fit_length(y, params.window_samples), params.n_fft, params.hop)
    planes = _level_and_floor(_mel(power, params), params.top_db)
    x = np.concatenate([planes, tonality(power, params)], axis=1).astype(np.float32)
    # The frames of padding after the sound are all like the one silent frame computed (last).
    return x if len(x) == frames else np.concatenate([x, np.repeat(x[-1:], frames - len(x), axis=0)])


#: PCEN's constants (librosa's defaults): smoother time constant, gain, bias, power, epsilon.
PCEN_TIME_CONSTANT, PCEN_GAIN, PCEN_BIAS, PCEN_POWER, PCEN_EPS = 0.4, 0.98, 2.0, 0.5, 1e-6
#: Mel power is scaled to this peak before PCEN (the magnitude of a full-scale 32-bit sample).
PCEN_SCALE = 2.0**31


def pcen(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Per-channel energy normalisation of the peak-scaled mel power (as ``librosa.pcen`` with its
    defaults: the smoother starts from 1, as for a unit input), divided by 10.

    Each band is divided by its own smoothed past, so a stationary background is flattened."""
    mel = mel_power(y, params)
    s = mel / max(float(mel.max()), 1e-20) * PCEN_SCALE
    t_frames = PCEN_TIME_CONSTANT * params.sample_rate / params.hop
    b = (np.sqrt(1 + 4 * t_frames**2) - 1) / (2 * t_frames**2)
    smooth = np.empty_like(s)
    m = np.ones(s.shape[1])
    for i, frame in enumerate(s):
        m = (1 - b) * m + b * frame
        smooth[i] = m
    gain = np.exp(-PCEN_GAIN * (np.log(PCEN_EPS) + np.log1p(smooth / PCEN_EPS)))
    out = (s * gain + PCEN_BIAS) ** PCEN_POWER - PCEN_BIAS**PCEN_POWER
    return (out / 10.0).astype(np.float32)


def _deltas(x: np.ndarray, width: int = 9) -> np.ndarray:
    """Regression slope over ``width`` frames along axis 0 (edges repeated)."""
    half = width // 2
    padded = np.pad(x, ((half, half), (0, 0)), mode="edge")
    taps = np.arange(-half, half + 1, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)
    return windows @ taps / np.sum(taps**2)


def mfcc_deltas(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS, n_mfcc: int = 13) -> np.ndarray:
    """13 MFCC with deltas and delta-deltas (the original project's features), shape (frames, 39)."""
    mel = mel_power(y, params)
    db = power_to_dbfs(mel, floor_db=MEL_FLOOR_DB)
    db = np.maximum(db, db.max() - params.top_db)
    n = params.n_mels
    k = np.arange(n)
    dct = np.cos(np.pi / n * (k[None, :] + 0.5) * np.arange(n_mfcc)[:, None]) * np.sqrt(2.0 / n)
    dct[0] /= np.sqrt(2.0)
    mfcc = db @ dct.T
    d1 = _deltas(mfcc)
    feats = np.concatenate([mfcc, d1, _deltas(d1)], axis=1)
    return (feats / 100.0).astype(np.float32)


def extract(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Features of one note window, shape ``params.shape``."""
    try:
        return FEATURE_KINDS[params.kind](y, params)
    except KeyError:
        raise ValueError(f"unknown feature kind {params.kind!r}") from None


#: Every feature kind a model may be trained on, by its name in the metadata.
FEATURE_KINDS = {"logmel_floor_tonality": log_mel_floor_tonality, "logmel_floor": log_mel_floor, "logmel": log_mel,
                 "pcen": pcen, "mfcc": mfcc_deltas}


def extract_batch(windows, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Features of several windows, shape (n, frames, features)."""
    return np.stack([extract(w, params) for w in windows]) if len(windows) else np.zeros(
        (0, *params.shape), dtype=np.float32
    )
