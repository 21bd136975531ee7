"""Teaching a guitar the model never heard (training/teach_unseen.py): what is taught and judged,
and that the app's setup lean fixes a guitar the standard model leans on."""

import numpy as np
import pytest

from buzzfinder_app import constants as C
from training import teach_unseen as T

BUZZY, CLEAN, MUTED = (C.LABELS.index(k) for k in ("buzzy", "clean", "muted"))


def leaning_guitar(n_per_class: int = 12, seed: int = 0):
    """A soundfont steel guitar whose every clean note the model hears buzzy by a small margin
    (p 0.55 against 0.43), its buzzy notes surely buzzy, its muted program surely muted; each note
    untouched and once augmented (the augmented copies, heard otherwise, must not be judged)."""
    rng = np.random.default_rng(seed)
    rows = []
    for copy in (-1, 0):
        for label, source, p in ((BUZZY, "sf-X-steel", [0.9, 0.08, 0.02]), (CLEAN, "sf-X-steel", [0.55, 0.43, 0.02]),
                                 (MUTED, "sf-X-muted-electric", [0.05, 0.05, 0.9])):
            p = p if copy == -1 else [1 / 3] * 3
            rows += [(label, source, copy, p)] * n_per_class
    y = np.array([r[0] for r in rows])
    return (np.array([r[3] for r in rows]), np.maximum(rng.normal(size=(len(rows), 64)), 0), np.zeros((len(rows), 8)),
            y, np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))


def test_a_guitars_untouched_notes_are_taught_and_the_rest_judged_and_the_lean_fixes_its_clean_notes():
    probs, emb, setup, y, source, copy = leaning_guitar()
    sure = np.eye(3)[np.arange(15) // 5] * 0.9 + 0.1 / 3  # another guitar's clips, judged surely right
    result = T.run(probs, emb, setup, y, source, copy, real=(sure, np.ones((15, 64)), np.zeros((15, 8)), np.arange(15) // 5),
                   draws=4)
    assert list(result) == ["sf-X-steel"]
    g = result["sf-X-steel"]
    assert (g["clean"], g["buzzy"], g["muted"], g["draws"]) == (7, 7, 7, 4)  # 12 untouched, 5 taught
    assert g["standard"] == {"clean_heard_buzzy": 7.0, "buzz_missed": 0.0, "muted_wrong": 0.0,
                             "shared_clips_fewest": 15, "shared_clips": 15}
    assert g["lean_and_head"]["clean_heard_buzzy"] == 0.0 and g["lean_and_head"]["buzz_missed"] == 0.0
    assert g["lean_and_head"]["shared_clips_fewest"] == 15
    t = T.totals(result)
    assert t["clean"] == 7 and t["lean_and_head"]["clean_heard_buzzy"] == 0.0 and t["standard"]["clean_heard_buzzy"] == 7.0


def test_a_guitar_with_too_few_notes_of_a_kind_is_taught_without_it():
    probs, emb, setup, y, source, copy = leaning_guitar(n_per_class=12)
    keep = ~((y == MUTED) & (np.arange(len(y)) % 12 >= 6))  # 6 untouched muted notes: fewer than 10
    result = T.run(probs[keep], emb[keep], setup[keep], y[keep], source[keep], copy[keep], draws=2)
    assert result["sf-X-steel"]["muted"] == 0 and result["sf-X-steel"]["clean"] == 7


def test_leave_one_source_out_teaches_the_guitars_it_left_out():
    pytest.importorskip("keras", reason="training needs TensorFlow")
    from tests.test_training import fake_notes
    from training.data import Dataset, Recipe, featurise_notes
    from training.evaluate import leave_one_source_out
    from training.train import TrainConfig

    ds = Dataset.concat([featurise_notes(fake_notes(11, source), Recipe(copies=0, seed=0), set_seed=5)
                         for source in ("model-a", "model-b")])
    out = leave_one_source_out(ds, TrainConfig(epochs=1, batch_size=12, filters=(4, 8, 8)), val_fraction=0.25)
    assert sorted(out) == ["model-a", "model-b"]
    for name, r in out.items():
        taught = r["teaching"][name]  # 11 notes of each kind, 5 taught: 6 judged
        assert (taught["clean"], taught["buzzy"], taught["muted"], taught["draws"]) == (6, 6, 6, T.DRAWS)
        for way in T.WAYS:
            assert 0 <= taught[way]["clean_heard_buzzy"] <= 6 and 0 <= taught[way]["buzz_missed"] <= 6
