"""The shipped model on a stranger's setup (a handful of notes, fast; skipped without ../shared):
clean notes of a guitar it never heard stay clean through ordinary microphones and rooms, whether
the channel is heard before the note or the file starts at it, and buzz is still heard under hiss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from buzzfinder_app import constants as C
from buzzfinder_app.engine.engine import classify_clip
from buzzfinder_app.model.runtime import Model

pytestmark = pytest.mark.real
STRAT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "other_guitars" / "strat_di_clean"


@pytest.fixture(scope="module")
def model():
    return Model.load()


@pytest.fixture(scope="module")
def strat_test_notes():
    """One recording of each string the model never trained on, high on the neck and open."""
    if not STRAT.is_dir():
        pytest.skip(f"{STRAT} not found: the shared Strat recordings live beside the repository")
    from training.sources.real import read_audio
    from training.sources.real_strings import from_first_sound

    out = {}
    for name in ("A_A3_mp_1", "G_Bb4_mp_2", "E4_E5_mp_3"):
        out[name] = from_first_sound(read_audio(STRAT / f"{name}.flac"))
    return out


def most_probable(model, y) -> str:
    _, verdict = classify_clip(model, y)
    return max(verdict.probs, key=verdict.probs.get)


def test_the_shipped_model_never_trained_on_these_strings():
    from training.sources.real_strings import TEST_STRINGS, TRAIN_STRINGS

    assert not set(TEST_STRINGS) & set(TRAIN_STRINGS)
    sources = Model.load().metadata.training["sources"]
    assert sources["strat"]["files"] == 396  # the folder was there when the model was made


@pytest.mark.parametrize("condition", ["quiet_far_mic", "laptop_mic_agc", "reverberant_room", "hum_noise",
                                       "headset_16k"])
def test_clean_strat_notes_stay_clean_through_each_condition(model, strat_test_notes, condition):
    from training.augment import degrade

    pad = np.zeros(int(0.5 * C.SAMPLE_RATE), np.float32)
    heard = {}
    for name, y in strat_test_notes.items():
        heard[f"{name}, channel before"] = most_probable(model, degrade(np.concatenate([pad, y]), condition, seed=3))
        heard[f"{name}, file at the note"] = most_probable(model, degrade(y, condition, seed=3))
    assert all(label == "clean" for label in heard.values()), heard


def test_hiss_does_not_drown_the_buzz_heard_in_the_quiet(model, real_dir):
    """Every shared buzzy clip is heard buzzy in the quiet and still after 0.5 s of white hiss 40 dB
    below its peak (the model before stop 14 kept 2 of them; the stop-14 model heard the faintest,
    buzzy14, whose rattle starts 0.3 s after the pluck, as clean either way)."""
    from training.sources.real import at_model_rate, read_native
    from training.yardstick import under_hiss

    rng = np.random.default_rng(40)
    quiet, hissed = {}, {}
    for wav in sorted((real_dir / "buzzy").glob("*.wav")):
        y, sr = read_native(wav)
        quiet[wav.name] = most_probable(model, at_model_rate(y, sr))
        hissed[wav.name] = most_probable(model, at_model_rate(under_hiss(y, sr, 40, rng), sr))
    assert all(label == "buzzy" for label in quiet.values()), quiet
    assert all(label == "buzzy" for label in hissed.values()), hissed


def test_clean_notes_stopped_by_the_hand_with_its_slap_stay_clean(model, strat_test_notes):
    """A clean note stopped 0.1-0.4 s after the pluck, the string slapping the hand and frets as it
    lands (a burst of flat noise), is not a rattle (the stop-16 late-rattle model heard 19 % of such
    notes buzzy; the tonality plane tells the flat slap from a rattle's lines)."""
    from training.yardstick import stopped_by_hand

    rng = np.random.default_rng(7)
    pad = np.zeros(int(0.5 * C.SAMPLE_RATE), np.float32)
    heard = {}
    for name, y in strat_test_notes.items():
        for after_s in (0.12, 0.25, 0.38):
            note = stopped_by_hand(np.concatenate([pad, y]), len(pad), after_s, rng)
            heard[f"{name} stopped after {after_s} s"] = most_probable(model, note)
    assert all(label != "buzzy" for label in heard.values()), heard


@pytest.fixture(scope="module")
def strat_buzzy_notes(strat_test_notes):
    """The same three notes, each with a fret rattle from the pluck that the training would call
    plainly audible (rattle at least 20 dB under the note above 3 kHz), after 0.3 s of quiet."""
    from training.sources.real_strings import TEST_STRINGS, recordings
    from training.sources.sampled_buzz import add_fret_buzz

    f0s = {path.stem: f0 for path, f0 in recordings(TEST_STRINGS, STRAT)}
    lead = int(0.3 * C.SAMPLE_RATE)
    out = {}
    for k, (name, ring) in enumerate(strat_test_notes.items()):
        y = np.concatenate([np.zeros(lead), ring / np.max(np.abs(ring))])
        for draw in range(200):
            buzzy, params = add_fret_buzz(y, lead, f0s[name], np.random.default_rng([k, draw]), C.SAMPLE_RATE,
                                          late_share=0.0)
            if params["rattle_db"] >= -20.0:
                out[name] = (0.5 * buzzy / np.max(np.abs(buzzy))).astype(np.float32)
                break
    assert len(out) == len(strat_test_notes)
    return out


@pytest.mark.parametrize("condition", ["quiet_far_mic", "reverberant_room", "hum_noise", "headset_16k"])
def test_plain_buzz_on_strat_notes_is_still_heard_through_each_condition(model, strat_buzzy_notes, condition):
    """Buzz the ear hears at once stays buzzy through a far microphone, a room, hum and a headset.
    (Through the laptop's AGC over its pink noise the shipped model misses buzz: the yardstick's
    buzzy rows measure it; issue 14.)"""
    from training.augment import degrade

    heard = {}
    for name, y in strat_buzzy_notes.items():
        heard[f"{name}, channel before"] = most_probable(model, degrade(y, condition, seed=5))
        heard[f"{name}, file at the note"] = most_probable(model, degrade(y[int(0.3 * C.SAMPLE_RATE):], condition,
                                                                          seed=5))
    assert all(label == "buzzy" for label in heard.values()), heard
