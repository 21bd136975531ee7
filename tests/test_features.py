import numpy as np
import pytest

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import (
    DEFAULT_PARAMS,
    FLOOR_PERCENTILE,
    extract,
    extract_batch,
    log_mel,
    log_mel_floor,
    mel_filterbank,
    tonality,
    window_power,
    mfcc_deltas,
    pcen,
)

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
    assert ours.shape == DEFAULT_PARAMS.with_kind("logmel").shape == (C.N_FRAMES, C.N_MELS)
    assert ours.dtype == np.float32 and ours.min() >= 0 and ours.max() == pytest.approx(1.0)
    np.testing.assert_allclose(ours, reference_log_mel(window), atol=1e-5)


def reference_floor_planes(y):
    """The shipped features from librosa's log-mel: the plane itself, and beside it each band's
    level above its 10th percentile over the frames that hold sound."""
    ref = reference_log_mel(y)
    mel = librosa.feature.melspectrogram(y=y.astype(np.float64), sr=C.SAMPLE_RATE, n_fft=C.N_FFT, hop_length=C.HOP,
                                         n_mels=C.N_MELS, fmin=C.FMIN, fmax=C.FMAX, center=True, pad_mode="constant")
    heard = mel.sum(axis=0) > 0
    floor = np.percentile(ref[heard], FLOOR_PERCENTILE, axis=0)
    return np.concatenate([ref, np.maximum(ref - floor, 0.0)], axis=1)


def reference_tonality(y):
    """Per frame and mel band: arithmetic over geometric mean of the STFT power over the band's bins
    (its filter's support, or the 7 bins about its middle where that is narrower), in dB / 30."""
    power = np.abs(librosa.stft(y.astype(np.float64), n_fft=C.N_FFT, hop_length=C.HOP, center=True,
                                pad_mode="constant")) ** 2
    power = np.maximum(power, power.max() * 1e-12)
    fb = librosa.filters.mel(sr=C.SAMPLE_RATE, n_fft=C.N_FFT, n_mels=C.N_MELS, fmin=C.FMIN, fmax=C.FMAX)
    out = np.zeros((power.shape[1], C.N_MELS))
    for m, row in enumerate(fb):
        used = np.flatnonzero(row > 0)
        lo, hi = used[0], used[-1]
        if hi - lo + 1 < 7:
            lo = (lo + hi) // 2 - 3
            hi = lo + 6
        band = power[lo:hi + 1]
        out[:, m] = 10 * np.log10(band.mean(axis=0) / np.exp(np.log(band).mean(axis=0)))
    return np.clip(out / 30.0, 0.0, 1.0)


def test_shipped_features_are_log_mel_its_level_above_the_background_and_its_tonality(window):
    assert DEFAULT_PARAMS.kind == "logmel_floor_tonality" and DEFAULT_PARAMS.shape == (C.N_FRAMES, 3 * C.N_MELS)
    x = extract(window)
    np.testing.assert_allclose(x[:, :2 * C.N_MELS], reference_floor_planes(window), atol=1e-5)
    np.testing.assert_allclose(x[:, 2 * C.N_MELS:], reference_tonality(window), atol=1e-5)


def test_a_rattle_at_the_string_period_is_tonal_and_the_hand_slap_and_hiss_are_not():
    """Above 3 kHz a fret rattle (a click at every swing of a 110-Hz string) is lines; a burst of
    noise as long (the slap of a string on the hand) and hiss are flat, at any level."""
    rng = np.random.default_rng(2)
    n, period = C.WINDOW_SAMPLES, 200
    click = np.diff(rng.standard_normal(40)) * np.exp(-np.arange(39) / 8)
    rattle = np.zeros(n)
    for k in range(int(C.PRE_ROLL / period) + 1, int((C.PRE_ROLL + 0.5 * C.SAMPLE_RATE) / period)):
        at = k * period
        rattle[at:at + 39] += click
    slap = np.zeros(n)
    slap[C.PRE_ROLL: C.PRE_ROLL + 11025] = np.diff(rng.standard_normal(11026)) * 0.2
    hiss = rng.standard_normal(n) * 1e-4
    high = slice(2, 20), slice(int(np.searchsorted(librosa.mel_frequencies(C.N_MELS + 2, fmin=C.FMIN, fmax=C.FMAX)[1:-1], 3000)), C.N_MELS)

    def tonal(y):
        return float(tonality(window_power((y + hiss).astype(np.float32)))[high].mean())

    assert tonal(rattle) > 0.25 > 0.1 > tonal(slap)  # about 10 dB, against white noise's 2.5 dB
    assert tonal(0 * hiss) < 0.1
    assert tonal(rattle * 0.01) > 0.25  # 40 dB fainter, still above the hiss


def test_short_window_is_zero_padded(window):
    short = window[: int(0.3 * C.SAMPLE_RATE)]
    padded = np.concatenate([short, np.zeros(C.WINDOW_SAMPLES - len(short), np.float32)])
    np.testing.assert_array_equal(extract(short), extract(padded))
    np.testing.assert_allclose(extract(short)[:, :2 * C.N_MELS], reference_floor_planes(padded), atol=1e-5)
    np.testing.assert_allclose(extract(short)[:, 2 * C.N_MELS:], reference_tonality(padded), atol=1e-5)


def test_the_floor_ignores_the_silence_before_a_file_that_starts_at_the_note(window):
    """A window whose pre-roll is digital silence (a file cut at the onset) has the same floor
    plane as one whose pre-roll holds the note's own level: silence is not background."""
    silent_start = window.copy()
    silent_start[: C.PRE_ROLL] = 0.0
    x = log_mel_floor(silent_start)
    assert x[0, C.N_MELS:].max() == 0.0  # nothing above the floor where nothing is heard
    heard = x[5:, C.N_MELS:]
    assert 0.1 < heard.max() <= 1.0


def test_hiss_sits_at_the_floor_and_a_burst_above_it():
    rng = np.random.default_rng(1)
    hiss = 1e-3 * rng.standard_normal(C.WINDOW_SAMPLES).astype(np.float32)
    burst = hiss.copy()
    burst[C.PRE_ROLL: C.PRE_ROLL + 2000] += 0.1 * rng.standard_normal(2000).astype(np.float32)
    assert log_mel_floor(hiss)[:, C.N_MELS:].mean() < 0.05
    frames = slice(2, 5)  # the frames of the burst
    assert log_mel_floor(burst)[frames, C.N_MELS:].mean() > 0.4


def test_pcen_equals_librosa(window):
    from buzzfinder_app.model.features import PCEN_SCALE, mel_power

    mel = mel_power(window)
    ref = librosa.pcen((mel / mel.max() * PCEN_SCALE).T, sr=C.SAMPLE_RATE, hop_length=C.HOP).T / 10.0
    np.testing.assert_allclose(pcen(window), ref, atol=1e-5)


def test_features_do_not_depend_on_gain(window):
    np.testing.assert_allclose(log_mel(window), log_mel(window * 0.05), atol=1e-5)
    np.testing.assert_allclose(log_mel_floor(window), log_mel_floor(window * 0.05), atol=1e-5)
    np.testing.assert_allclose(extract(window), extract(window * 0.05), atol=1e-5)


def test_mfcc_features_shape_and_batch(window):
    assert mfcc_deltas(window).shape == DEFAULT_PARAMS.with_kind("mfcc").shape
    assert extract_batch([window, window[:5000]]).shape == (2, *DEFAULT_PARAMS.shape)
    assert pcen(window).shape == DEFAULT_PARAMS.with_kind("pcen").shape
    assert extract_batch([]).shape == (0, *DEFAULT_PARAMS.shape)


def test_padding_after_the_sound_costs_no_fft_and_changes_nothing():
    from buzzfinder_app.model.features import _hann, power_spectrogram

    rng = np.random.default_rng(0)
    for sound in (0, 100, 9800, 45124):
        y = np.zeros(45124, np.float32)
        y[:sound] = rng.standard_normal(sound)
        padded = np.pad(y, 512)
        frames = np.lib.stride_tricks.sliding_window_view(padded, 1024)[::512]
        spec = np.fft.rfft(frames * _hann(1024), axis=1)
        assert np.array_equal(power_spectrogram(y, 1024, 512), spec.real**2 + spec.imag**2)


def test_a_window_cut_short_is_judged_on_its_sounding_frames_as_if_on_every_frame(window):
    """The planes are computed on the frames that hold sound and one silent frame, whose row then fills
    the padding: the same as computing them on every frame of the padded window."""
    from buzzfinder_app.model.features import _level_and_floor, _mel, power_spectrogram

    for quiet in (1.0, 1e-4):  # a quiet note: its silent frames are not at the planes' floor
        for sound in (9844, 20000, 44800, C.WINDOW_SAMPLES):
            y = np.zeros(C.WINDOW_SAMPLES, np.float32)
            y[:sound] = window[:sound] * quiet
            power = power_spectrogram(y, C.N_FFT, C.HOP)
            every_frame = np.concatenate([_level_and_floor(_mel(power, DEFAULT_PARAMS), C.TOP_DB),
                                          tonality(power)], axis=1)
            np.testing.assert_allclose(extract(y[:sound]), every_frame, atol=2e-6)


def test_silence_and_the_faintest_sound_give_finite_features_and_no_tonality_in_silence():
    """The tonality plane is computed in float32 on the power scaled to its peak: nothing underflows."""
    faint = np.zeros(C.WINDOW_SAMPLES, np.float32)
    faint[:4000] = 1e-30 * np.random.default_rng(0).standard_normal(4000)
    for y in (np.zeros(C.WINDOW_SAMPLES, np.float32), faint):
        x = extract(y)
        assert np.isfinite(x).all()
        assert np.abs(x[-40:, 2 * C.N_MELS:]).max() < 1e-5  # the silent frames are not tonal
