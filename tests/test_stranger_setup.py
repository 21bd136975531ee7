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
    """Every shared buzzy clip the model hears as buzzy in the quiet is still buzzy after 0.5 s of
    white hiss 40 dB below its peak (the previous model kept 2 of them). The faintest clip, heard
    clean even in the quiet, is the report's open target, not this test's."""
    from training.sources.real import at_model_rate, read_native
    from training.yardstick import under_hiss

    rng = np.random.default_rng(40)
    quiet, hissed = {}, {}
    for wav in sorted((real_dir / "buzzy").glob("*.wav")):
        y, sr = read_native(wav)
        quiet[wav.name] = most_probable(model, at_model_rate(y, sr))
        hissed[wav.name] = most_probable(model, at_model_rate(under_hiss(y, sr, 40, rng), sr))
    heard = [name for name, label in quiet.items() if label == "buzzy"]
    assert len(heard) >= 4, quiet
    assert all(hissed[name] == "buzzy" for name in heard), hissed
