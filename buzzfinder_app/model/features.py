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


@dataclass(frozen=True)
class FeatureParams:
    """Everything that decides the numbers a model is fed. Stored in each model's metadata."""

    kind: str = "logmel"  # "logmel" (shipped) or "mfcc" (13 MFCC + delta + delta-delta, for comparison)
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
    def n_features(self) -> int:
        return self.n_mels if self.kind == "logmel" else 39

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


DEFAULT_PARAMS = FeatureParams()


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
def _hann(n: int) -> np.ndarray:
    w = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)  # periodic, as for spectral analysis
    w.setflags(write=False)
    return w


def fit_length(y: np.ndarray, n: int) -> np.ndarray:
    """Zero-pad or truncate ``y`` to ``n`` samples (a window cut short is padded with silence)."""
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    if len(y) >= n:
        return y[:n]
    return np.concatenate([y, np.zeros(n - len(y), dtype=np.float32)])


def power_spectrogram(y: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Centred (zero-padded) STFT power, shape (frames, n_fft // 2 + 1).

    Frames of nothing but the zeros after the last sound (a window cut short and padded) are zero
    power without an FFT: a provisional verdict's window is mostly padding.
    """
    padded = np.pad(np.asarray(y, dtype=np.float64), n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    silent_tail = int(np.argmax(padded[::-1] != 0)) if padded[-1] == 0 else 0  # zeros at the end
    last = len(padded) - 1 - silent_tail  # the last sample of sound (or 0: all silent)
    used = min(len(frames), last // hop + 1) if padded[last] != 0 else 0
    spec = np.fft.rfft(frames[:used] * _hann(n_fft), axis=1)
    if used == len(frames):
        return spec.real**2 + spec.imag**2
    power = np.zeros((len(frames), n_fft // 2 + 1))
    power[:used] = spec.real**2 + spec.imag**2
    return power


def log_mel(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Log-mel spectrogram in dB below the window's peak, scaled to [0, 1].

    Per-window peak normalisation makes the features independent of input gain while keeping the
    spectral tilt (brightness), which is what separates buzz from a clean tone.
    """
    y = fit_length(y, params.window_samples)
    mel = power_spectrogram(y, params.n_fft, params.hop) @ mel_filterbank(
        params.sample_rate, params.n_fft, params.n_mels, params.fmin, params.fmax
    ).T
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db - db.max(), -params.top_db)
    return ((db + params.top_db) / params.top_db).astype(np.float32)


def _deltas(x: np.ndarray, width: int = 9) -> np.ndarray:
    """Regression slope over ``width`` frames along axis 0 (edges repeated)."""
    half = width // 2
    padded = np.pad(x, ((half, half), (0, 0)), mode="edge")
    taps = np.arange(-half, half + 1, dtype=np.float64)
    windows = np.lib.stride_tricks.sliding_window_view(padded, width, axis=0)
    return windows @ taps / np.sum(taps**2)


def mfcc_deltas(y: np.ndarray, params: FeatureParams = DEFAULT_PARAMS, n_mfcc: int = 13) -> np.ndarray:
    """13 MFCC with deltas and delta-deltas (the original project's features), shape (frames, 39)."""
    y = fit_length(y, params.window_samples)
    mel = power_spectrogram(y, params.n_fft, params.hop) @ mel_filterbank(
        params.sample_rate, params.n_fft, params.n_mels, params.fmin, params.fmax
    ).T
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
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
    if params.kind == "logmel":
        return log_mel(y, params)
    if params.kind == "mfcc":
        return mfcc_deltas(y, params)
    raise ValueError(f"unknown feature kind {params.kind!r}")


def extract_batch(windows, params: FeatureParams = DEFAULT_PARAMS) -> np.ndarray:
    """Features of several windows, shape (n, frames, features)."""
    return np.stack([extract(w, params) for w in windows]) if len(windows) else np.zeros(
        (0, *params.shape), dtype=np.float32
    )
