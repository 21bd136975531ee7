"""The augmentation chain: each transform measured against what it claims."""

import numpy as np
import pytest

from buzzfinder_app.constants import SAMPLE_RATE as SR
from training import augment as A


def band_db(y, lo, hi, sr=SR):
    """Energy of ``y`` between ``lo`` and ``hi`` Hz, in dB."""
    spec = np.abs(np.fft.rfft(y)) ** 2
    f = np.fft.rfftfreq(len(y), 1 / sr)
    return 10 * np.log10(spec[(f >= lo) & (f < hi)].sum() + 1e-20)


@pytest.fixture
def white():
    return np.random.default_rng(0).standard_normal(SR * 2).astype(np.float32) * 0.1


@pytest.fixture
def note():
    t = np.arange(int(SR * 2.5)) / SR
    y = sum(np.sin(2 * np.pi * 196 * k * t) / k for k in range(1, 12)) * np.exp(-2 * t)
    y[: int(0.3 * SR)] = 0
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def test_high_pass_cuts_below_cutoff(white):
    out = A.high_pass(white, SR, 150.0)
    assert band_db(white, 10, 40) - band_db(out, 10, 40) > 20
    assert abs(band_db(white, 1000, 4000) - band_db(out, 1000, 4000)) < 1


def test_low_pass_cuts_above_cutoff(white):
    out = A.low_pass(white, SR, 5000.0)
    assert band_db(white, 9000, 11000) - band_db(out, 9000, 11000) > 20
    assert abs(band_db(white, 200, 2000) - band_db(out, 200, 2000)) < 1


def test_tilt_raises_each_octave_above_the_pivot_by_its_slope(white):
    out = A.tilt(white, SR, 3.0)
    assert band_db(out, 3800, 4200) - band_db(white, 3800, 4200) == pytest.approx(6.0, abs=0.3)
    assert band_db(out, 240, 260) - band_db(white, 240, 260) == pytest.approx(-6.0, abs=0.3)
    assert band_db(out, 950, 1050) - band_db(white, 950, 1050) == pytest.approx(0.0, abs=0.3)
    assert len(out) == len(white) and out.dtype == np.float32


def test_low_rate_removes_everything_above_its_nyquist(white):
    out = A.low_rate(white, SR, 8000)
    assert len(out) == len(white)
    assert band_db(white, 4500, 11000) - band_db(out, 4500, 11000) > 30


@pytest.mark.parametrize("kind", A.NOISE_KINDS)
@pytest.mark.parametrize("snr", [15.0, 30.0, 50.0])
def test_noise_is_added_at_the_requested_snr(note, kind, snr):
    out = A.add_noise(note, SR, np.random.default_rng(1), snr, kind)
    measured = 10 * np.log10(A.power(note) / A.power(out - note))
    assert abs(measured - snr) <= 2.0


def test_hum_sits_at_mains_frequency():
    y = A.noise("hum60", SR * 2, SR, np.random.default_rng(0))
    f = np.fft.rfftfreq(len(y), 1 / SR)
    assert abs(f[np.argmax(np.abs(np.fft.rfft(y)))] - 60) < 1


def harmonic_db(y, hz):
    spectrum = np.abs(np.fft.rfft(y))
    f = np.fft.rfftfreq(len(y), 1 / SR)
    return 20 * np.log10(spectrum[np.argmin(np.abs(f - hz))])


def test_mains_hum_spans_any_harmonic_spectrum():
    """Training's mains hum: a third harmonic anywhere from far under the fundamental to beside it
    (the transformer hum of the yardstick keeps it at about a sixth)."""
    def third(kind, seed):
        y = A.noise(kind, SR * 2, SR, np.random.default_rng(seed))
        return harmonic_db(y, 150) - harmonic_db(y, 50)

    mains = [third("mains50", seed) for seed in range(30)]
    assert min(mains) < -20 and max(mains) > -4
    transformer = [third("hum50", seed) for seed in range(30)]
    assert -22 < min(transformer) and max(transformer) < -10


def test_gain_is_exact():
    y = np.full(1000, 0.5, np.float32)
    assert 20 * np.log10(A.gain(y, -17.0)[0] / 0.5) == pytest.approx(-17.0, abs=1e-3)


def test_impulse_response_decays_by_60_db_at_rt60():
    ir = A.impulse_response(SR, np.random.default_rng(0), 0.5)
    energy = np.convolve(ir[1:] ** 2, np.ones(441) / 441, mode="same")
    early = energy[int(0.05 * SR): int(0.1 * SR)].mean()
    late = energy[int(0.3 * SR): int(0.35 * SR)].mean()
    slope_db_per_s = 10 * np.log10(early / late) / 0.25
    assert 60 / slope_db_per_s == pytest.approx(0.5, rel=0.2)


def test_reverb_keeps_length_and_power_and_smears_the_tail(note):
    out = A.reverb(note, SR, np.random.default_rng(0), 0.8)
    assert len(out) == len(note)
    assert A.power(out) == pytest.approx(A.power(note), rel=1e-3)


def test_compress_flattens_the_decay(note):
    out = A.compress(note, SR, threshold_db=-30, ratio=8)
    early, late = slice(int(0.3 * SR), int(0.5 * SR)), slice(int(2.0 * SR), int(2.2 * SR))
    before = 10 * np.log10(A.power(note[early]) / A.power(note[late]))
    after = 10 * np.log10(A.power(out[early]) / A.power(out[late]))
    assert after < before - 3
    assert np.abs(out).max() == pytest.approx(np.abs(note).max(), rel=1e-4)


def test_agc_lifts_the_noise_before_the_note_and_clips_its_attack(note):
    """A laptop's AGC: in the quiet before the note its gain climbs to the most it may give, lifting the
    noise; the pluck arrives into that gain and is soft-clipped until the follower catches up; then the
    note is held near the target."""
    hiss = np.random.default_rng(1).standard_normal(len(note)).astype(np.float32) * 1e-3
    y = A.gain(note + hiss, -20.0 - 20.0 * np.log10(float(np.abs(note + hiss).max())))  # peak -20 dBFS
    out = A.agc(y, SR, target_db=-12.0, max_gain_db=24.0)
    quiet = slice(int(0.1 * SR), int(0.29 * SR))
    lift = 10 * np.log10(A.power(out[quiet]) / A.power(y[quiet]))
    assert lift == pytest.approx(24.0, abs=0.5)
    assert np.abs(out).max() <= 1.0 and np.abs(out).max() > 0.9  # the attack ran into full scale
    held = out[int(1.0 * SR): int(1.2 * SR)]
    assert 20 * np.log10(np.abs(held).max()) == pytest.approx(-12.0, abs=4.0)


def test_soft_clip_keeps_peak_and_bounds(note):
    out = A.soft_clip(note, 12.0)
    assert np.abs(out).max() == pytest.approx(np.abs(note).max(), rel=1e-4)
    assert A.power(out) > A.power(note)  # quiet parts pushed up towards the peak


def test_cut_short_zeroes_after_t(note):
    onset = int(0.3 * SR)
    out = A.cut_short(note, onset, 0.5)
    assert not out[onset + int(0.5 * SR):].any()
    assert np.array_equal(out[: onset + int(0.5 * SR)], note[: onset + int(0.5 * SR)])


def test_augmenter_is_deterministic_per_seed_finite_and_same_length(note):
    a, b = A.Augmenter(7), A.Augmenter(7)
    for _ in range(5):
        ya, yb = a(note, SR), b(note, SR)
        assert np.array_equal(ya, yb) and a.cut() == b.cut()
    outs = [A.Augmenter(s, strength=2.0)(note, SR) for s in range(12)]
    assert all(len(o) == len(note) and np.isfinite(o).all() for o in outs)
    assert not np.array_equal(outs[0], outs[1])


def test_augmenter_gain_stays_in_range(note):
    """With nothing but gain (strength 0 draws no other transform) the level is -30..0 dB."""
    levels = []
    for s in range(20):
        aug = A.Augmenter(s, strength=1.0)
        aug.strength = 1e-9  # every other transform's probability rounds to zero
        out = aug(note, SR)
        levels.append(20 * np.log10(np.abs(out).max() / np.abs(note).max()))
    assert min(levels) >= -30 - 1e-3 and max(levels) <= 1e-3
    assert max(levels) - min(levels) > 10


def test_cuts_are_within_the_documented_ranges():
    aug = A.Augmenter(3, strength=2.0)
    cuts = [aug.cut() for _ in range(200)]
    assert all(-0.05 <= c.jitter_s <= 0.05 and 0.25 <= c.length_s <= 2.0 for c in cuts)
    assert any(c.length_s < 2.0 for c in cuts) and any(c.jitter_s != 0 for c in cuts)


@pytest.mark.parametrize("kind", A.DEGRADATIONS)
def test_degradations_are_fixed_finite_and_same_length(note, kind):
    a, b = A.degrade(note, kind), A.degrade(note, kind)
    assert np.array_equal(a, b) and len(a) == len(note) and np.isfinite(a).all()
    assert not np.allclose(a, note)


def test_unknown_degradation_is_refused(note):
    with pytest.raises(ValueError, match="headset_16k"):
        A.degrade(note, "telephone")


def test_noise_below_the_peak_is_a_floor_at_the_asked_level(note):
    rng = np.random.default_rng(0)
    for below in (30.0, 50.0):
        out = A.add_noise_below_peak(note, SR, rng, below, "white")
        silent = out[: int(0.25 * SR)]  # before the note: the noise alone
        level = 20 * np.log10(np.sqrt(np.mean(silent.astype(np.float64) ** 2)) / np.abs(note).max())
        assert abs(level + below) < 1.0


@pytest.mark.parametrize("seed", range(6))  # a dull rub or the brighter contact of the string
def test_hand_damp_stops_the_note_with_a_small_noise(note, seed):
    onset = int(0.3 * SR)
    out = A.hand_damp(note, onset, 0.2, np.random.default_rng(seed))
    at = onset + int(0.2 * SR)
    assert np.array_equal(out[:at], note[:at])
    late = slice(at + int(0.3 * SR), at + int(0.5 * SR))
    assert np.abs(out[late]).max() < 1e-3 * np.abs(note).max()
    stopping = out[at: at + int(0.05 * SR)]  # the dying note and the hand's noise, quieter than the note
    rms = lambda x: float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))  # noqa: E731
    assert 0 < rms(stopping) <= rms(note[at - int(0.02 * SR): at])


def test_a_file_can_start_at_the_note(note):
    onset = int(0.3 * SR)
    out, new_onset = A.start_at_note(note, onset, np.random.default_rng(2))
    assert abs(new_onset) <= 0.004 * SR and len(out) == len(note) - (onset - new_onset)
    assert np.array_equal(out, note[onset - new_onset:])


def test_quantise_rounds_to_the_asked_number_of_bits(note):
    out = A.quantise(note, 8, peak=0.5)
    levels = np.unique(np.round(out * (0.5 / np.abs(note).max()) * 128).astype(int))
    assert len(levels) <= 2 ** 8 and np.abs(out - note).max() <= np.abs(note).max() / 0.5 * 2 ** -8 + 1e-7


def test_a_note_goes_through_the_same_draws_whatever_its_class(note):
    """``Augmenter.note`` is told nothing of the label: the same seed gives the same transforms to
    a clean note and to its buzzy twin, so no transform can become a shortcut to a class."""
    rng = np.random.default_rng(3)
    twin = note + 0.01 * rng.standard_normal(len(note)).astype(np.float32)  # any other note
    onset = int(0.3 * SR)
    started = 0
    for seed in range(40):
        (a, oa), (b, ob) = A.Augmenter(seed).note(note, onset, SR), A.Augmenter(seed).note(twin, onset, SR)
        assert oa == ob and len(a) == len(b)
        started += oa < onset
    assert 3 <= started <= 20  # a file starting at the note is common, not the rule


def test_a_late_rattle_is_never_stopped_or_cut_before_it_is_heard():
    """A buzzy note whose rattle starts late keeps sounding at least ``MIN_HEARD_S`` past its start
    in every copy (else its label would sit on a clean-sounding note); a note whose class is heard
    from the onset is stopped by the hand 0.1-0.4 s after it in some copies."""
    seeds = range(80)
    times = [A.Augmenter(s).stop_time(0.0) for s in seeds]
    assert 5 <= sum(t is not None for t in times) <= 30
    assert all(t is None or 0.1 <= t <= 0.4 for t in times)
    for late in (0.2, 0.5):
        assert all(t is None or t >= late + A.MIN_HEARD_S for t in (A.Augmenter(s).stop_time(late) for s in seeds))
        assert min(A.Augmenter(s).cut(late).length_s for s in seeds) >= late + A.MIN_HEARD_S
    assert min(A.Augmenter(s).cut().length_s for s in seeds) < 0.5  # others may be cut early
