import numpy as np
import pytest

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import DEFAULT_PARAMS, extract, extract_batch, log_mel, mel_filterbank, mfcc_deltas

librosa = pytest.importorskip("librosa", reason="librosa is the reference the features are checked against")


@pytest.fixture(scope="module")
def window():
    rng = np.random.default_rng(0)
    t = np.arange(C.WINDOW_SAMPLES) / C.SAMPLE_RATE
    tone = sum(np.sin(2 * np.pi * 196 * k * t) / k for k in range(1, 12)) * np.exp(-2 * t)
    return (0.3 * tone + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def reference_log_mel(y):
    mel = librosa.feature.melspectrogram(y=y.astype(np.float64), sr=C.SAMPLE_RATE, n_fft=C.N_FFT, hop_length=C.HOP,
                                         n_mels=C.N_MELS, fmin=C.FMIN, fmax=C.FMAX, power=2.0, center=True,
                                         pad_mode="constant", htk=False, norm="slaney")
    db = librosa.power_to_db(mel, ref=np.max, amin=1e-10, top_db=C.TOP_DB)
    return ((db + C.TOP_DB) / C.TOP_DB).T


def test_filterbank_equals_librosa():
    ours = mel_filterbank(C.SAMPLE_RATE, C.N_FFT, C.N_MELS, C.FMIN, C.FMAX)
    ref = librosa.filters.mel(sr=C.SAMPLE_RATE, n_fft=C.N_FFT, n_mels=C.N_MELS, fmin=C.FMIN, fmax=C.FMAX)
    np.testing.assert_allclose(ours, ref, atol=1e-6, rtol=1e-4)


def test_log_mel_equals_librosa(window):
    ours = log_mel(window)
    assert ours.shape == DEFAULT_PARAMS.shape == (C.N_FRAMES, C.N_MELS)
    assert ours.dtype == np.float32 and ours.min() >= 0 and ours.max() == pytest.approx(1.0)
    np.testing.assert_allclose(ours, reference_log_mel(window), atol=1e-5)


def test_short_window_is_zero_padded(window):
    short = window[: int(0.3 * C.SAMPLE_RATE)]
    padded = np.concatenate([short, np.zeros(C.WINDOW_SAMPLES - len(short), np.float32)])
    np.testing.assert_array_equal(extract(short), extract(padded))
    np.testing.assert_allclose(extract(short), reference_log_mel(padded), atol=1e-5)


def test_features_do_not_depend_on_gain(window):
    np.testing.assert_allclose(log_mel(window), log_mel(window * 0.05), atol=1e-5)


def test_mfcc_features_shape_and_batch(window):
    assert mfcc_deltas(window).shape == DEFAULT_PARAMS.with_kind("mfcc").shape
    assert extract_batch([window, window[:5000]]).shape == (2, *DEFAULT_PARAMS.shape)
    assert extract_batch([]).shape == (0, *DEFAULT_PARAMS.shape)


def test_padding_after_the_sound_costs_no_fft_and_changes_nothing():
    from buzzfinder_app.model.features import _hann, power_spectrogram

    rng = np.random.default_rng(0)
    for sound in (0, 100, 9800, 45124):
        y = np.zeros(45124)
        y[:sound] = rng.standard_normal(sound)
        padded = np.pad(y, 512)
        frames = np.lib.stride_tricks.sliding_window_view(padded, 1024)[::512]
        spec = np.fft.rfft(frames * _hann(1024), axis=1)
        assert np.array_equal(power_spectrogram(y, 1024, 512), spec.real**2 + spec.imag**2)
