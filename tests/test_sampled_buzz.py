"""A sampled note striking a modelled fret: the rattle follows the string's swing."""

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from buzzfinder_app.constants import SAMPLE_RATE as SR
from training.sources.sampled_buzz import add_fret_buzz
from training.sources.synth import MIN_BUZZ_DB, MIN_RATTLE_DB, hf_fraction


def plucked(f0: float = 147.0, seconds: float = 2.0, decay: float = 2.5) -> np.ndarray:
    """A decaying harmonic tone: most energy in the lowest partials, nothing above 3 kHz."""
    t = np.arange(int(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * k * f0 * t) / k**2 for k in range(1, 8))
    return np.exp(-decay * t) * tone


def hf_db(x: np.ndarray, start_s: float, seconds: float = 0.2) -> float:
    return 10 * np.log10(hf_fraction(x, SR, 147.0, int(start_s * SR), seconds) + 1e-15)


@pytest.mark.parametrize("seed", range(4))
def test_rattle_is_audible_in_the_attack_and_stops_when_the_note_decays(seed):
    note = plucked()
    lead = int(0.2 * SR)
    audio = np.concatenate([np.zeros(lead), note])
    buzzy, params = add_fret_buzz(audio, lead, 147.0, np.random.default_rng(seed), SR, late_share=0.0)
    assert np.array_equal(buzzy[:lead], audio[:lead])  # nothing before the onset
    assert params["buzz_db"] >= MIN_BUZZ_DB and params["rattle_db"] >= MIN_RATTLE_DB and params["strikes"] > 0
    # more high-frequency energy than the clean note while the string reaches the fret ...
    assert hf_db(buzzy, 0.2) > hf_db(audio, 0.2) + MIN_BUZZ_DB
    # ... and no strike once the swing has decayed below the gap, up to the wander of the gap
    assert params["last_strike_s"] <= params["buzz_s"] * 1.5 + 2 / 147.0
    late = 0.2 + params["last_strike_s"] + 0.05
    if late + 0.2 < 2.0:
        assert hf_db(buzzy, late) < hf_db(buzzy, 0.2) - 10


@pytest.mark.parametrize("seed", range(3))
def test_a_late_rattle_leaves_the_attack_clean(seed):
    note = plucked()
    buzzy, params = add_fret_buzz(note, 0, 147.0, np.random.default_rng(seed), SR, late_share=1.0)
    start_s = params["buzz_start_s"]
    assert start_s >= 0.15
    assert abs(hf_db(buzzy, 0.0, 0.1) - hf_db(note, 0.0, 0.1)) < 0.5  # the attack is the clean note's
    assert hf_db(buzzy, start_s) > hf_db(note, start_s) + MIN_BUZZ_DB
    assert params["rattle_db"] >= MIN_RATTLE_DB


def test_same_rng_same_rattle():
    note = plucked()
    a, pa = add_fret_buzz(note, 0, 147.0, np.random.default_rng(7), SR)
    b, pb = add_fret_buzz(note, 0, 147.0, np.random.default_rng(7), SR)
    assert np.array_equal(a, b) and pa == pb


@pytest.mark.parametrize("seed", range(4))
def test_the_strikes_take_energy_from_the_note(seed):
    note = plucked()
    buzzy, params = add_fret_buzz(note, 0, 147.0, np.random.default_rng(seed), SR)
    after = int((params["last_strike_s"] + 0.05) * SR)  # past the last strike and its click
    if after + int(0.2 * SR) > len(note):
        pytest.skip("the rattle lasts the whole note")
    sos = butter(4, 1000, "low", fs=SR, output="sos")  # the partials, not the fret's ring
    lost_db = 20 * np.log10(np.std(sosfiltfilt(sos, buzzy)[after:]) / np.std(sosfiltfilt(sos, note)[after:]))
    assert lost_db == pytest.approx(-params["loss_db"], abs=0.5)
    assert 1.0 <= params["loss_db"] <= 12.0


def test_a_strike_jolts_the_string_across_the_middle_partials_too():
    from training.sources.sampled_buzz import strike_response

    modes = [(5000.0, 1.0, 1.0)]  # a fret ringing high: on its own little below 2 kHz
    click, jolted = (strike_response(modes, 0.3e-3, jolt, SR) for jolt in (0.0, 1.0))

    def share_below(x, hz):
        spec = np.abs(np.fft.rfft(x, 4096)) ** 2
        return spec[np.fft.rfftfreq(4096, 1 / SR) < hz].sum() / spec.sum()

    assert share_below(jolted, 2000) > 3 * share_below(click, 2000)
    # a longer contact is a softer blow: less of its energy reaches the highest partials
    soft, hard = (strike_response(modes, c, 1.0, SR) - click for c in (0.6e-3, 0.1e-3))
    assert share_below(soft, 3000) > share_below(hard, 3000)
