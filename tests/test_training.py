"""Data building, training and evaluation on a tiny stand-in set of notes (no synthesis needed)."""

from dataclasses import dataclass

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import DEFAULT_PARAMS

SR = C.SAMPLE_RATE


@dataclass
class FakeNote:
    audio: np.ndarray
    label: str
    onset: int
    source: str
    params: dict


def fake_note(label: str, seed: int, source: str = "fake-a") -> FakeNote:
    """A plucked tone: clean rings, muted dies fast, buzzy rattles (clipped) in its attack."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(2.5 * SR)) / SR
    onset = int(rng.uniform(0.2, 0.4) * SR)
    f0 = rng.uniform(100, 400)
    decay = 25.0 if label == "muted" else 2.0
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8)) * np.exp(-decay * t)
    if label == "buzzy":
        tone = np.clip(tone, -0.3, 0.3) * 3
    y = np.zeros_like(t)
    y[onset:] = tone[: len(t) - onset]
    y += 1e-4 * rng.standard_normal(len(t))
    return FakeNote((0.5 * y / np.abs(y).max()).astype(np.float32), label, onset, source, {})


def fake_notes(n_per_class=6, source="fake-a"):
    return [fake_note(lab, 10 * i + k, source) for i in range(n_per_class) for k, lab in enumerate(C.LABELS)]


@pytest.fixture(scope="module")
def tiny():
    from training.data import Recipe, featurise_notes

    return featurise_notes(fake_notes(), Recipe(copies=1, seed=0), set_seed=5)


def test_features_shape_labels_and_metadata(tiny):
    assert tiny.x.shape == (36, *DEFAULT_PARAMS.shape)
    assert np.isfinite(tiny.x).all() and tiny.x.min() >= 0 and tiny.x.max() <= 1
    assert sorted(np.bincount(tiny.y)) == [12, 12, 12]
    assert set(tiny.source) == {"fake-a"} and set(tiny.seed) == {5}
    assert ((tiny.cut_s >= C.MIN_NOTE_S - 0.06) & (tiny.cut_s <= C.WINDOW_S)).all()
    # two copies (untouched + one augmented) of each of the 18 notes share a group
    assert np.array_equal(np.bincount(tiny.group), np.full(18, 2))


def test_window_is_aligned_on_the_detected_onset():
    from training.data import align_onset

    note = fake_note("clean", 3)
    onset, found = align_onset(note.audio, note.onset + 2000)  # a wrong "known" onset nearby
    assert found and abs(onset - note.onset) < 0.02 * SR
    assert align_onset(np.zeros(SR, np.float32), 1234)[0] == 1234  # nothing detected: falls back


def test_split_keeps_copies_of_a_note_together(tiny):
    from training.data import split_by_group

    tr, va = split_by_group(tiny, 0.34, seed=0)
    assert len(tr) + len(va) == len(tiny) and len(va)
    assert not set(tr.group) & set(va.group)
    assert set(va.y) == {0, 1, 2}


def test_dataset_save_load_roundtrip(tiny, tmp_path):
    from training.data import Dataset

    tiny.save(tmp_path / "d.npz")
    back = Dataset.load(tmp_path / "d.npz")
    assert np.array_equal(back.x, tiny.x) and np.array_equal(back.source, tiny.source)
    assert back.params == tiny.params and len(Dataset.concat([back, tiny])) == 72


def test_one_epoch_trains_and_saves(tiny, tmp_path):
    import keras

    from training.data import split_by_group
    from training.train import TrainConfig, predict, train

    tr, va = split_by_group(tiny, 0.34, seed=0)
    res = train(tr, va, TrainConfig(epochs=1, batch_size=12, filters=(4, 8, 8)))
    assert np.isfinite(res.history["loss"]).all() and np.isfinite(res.history["val_loss"]).all()
    probs = predict(res.model, va.x)
    assert probs.shape == (len(va), 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
    res.model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert np.allclose(predict(again, va.x), probs, atol=1e-6)
    assert [o.shape[-1] for o in res.model.outputs] == [3, 64]


def test_cosine_schedule_decays_the_rate_over_the_planned_epochs(tiny):
    from training.data import split_by_group
    from training.train import TrainConfig, train

    tr, va = split_by_group(tiny, 0.34, seed=0)
    config = TrainConfig(epochs=3, batch_size=12, filters=(4, 8, 8), learning_rate=1e-3, schedule="cosine", patience=9)
    rates = train(tr, va, config).history["learning_rate"]
    assert len(rates) == 3 and rates[0] > rates[1] > rates[2] >= 1e-5


def test_balanced_batches_hold_every_class_equally(tiny):
    from training.train import TrainConfig, balanced_batches

    two = tiny.subset(tiny.y != 0).subset(np.arange(20))
    batches = balanced_batches(two, TrainConfig(batch_size=12, epochs=3))
    assert batches.shape == (3, 2, 12)  # ceil(20 / 12) steps of 6 + 6
    for batch in batches.reshape(-1, 12):
        assert sorted(np.bincount(two.y[batch])[1:]) == [6, 6]
    # every example is seen in every epoch, and epochs are shuffled differently
    assert all(set(e.ravel()) == set(range(20)) for e in batches)
    assert not np.array_equal(batches[0], batches[1])


def test_size_flags_pick_the_budget_of_every_command(tiny, monkeypatch, capsys):
    import training.__main__ as M

    asked = []
    monkeypatch.setattr(M, "build_data", lambda budget, *args, **kw: asked.append(budget) or tiny)
    for flags in ([], ["--quick"], ["--large"]):
        M.main(["data", *flags])
    assert asked == [M.FULL, M.QUICK, M.LARGE]
    assert M.LARGE.synth_n > M.FULL.synth_n and M.LARGE.sf_n > M.FULL.sf_n
    with pytest.raises(SystemExit):
        M.main(["all", "--quick", "--large"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_threshold_calibration_and_confusion():
    from training.evaluate import choose_threshold, confusion, folds, reliability, source_group

    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 600)
    conf = rng.uniform(0.34, 1.0, 600)
    right = rng.random(600) < np.where(conf > 0.6, 0.98, 0.5)
    pred = np.where(right, y, (y + 1) % 3)
    probs = np.full((600, 3), 0.0)
    probs[np.arange(600), pred] = conf
    probs[np.arange(600), (pred + 1) % 3] = 1 - conf
    th = choose_threshold(probs, y)
    assert 0.55 <= th["threshold"] <= 0.7 and th["accuracy_above"] > th["accuracy_below"]
    assert reliability(probs, y)["ece"] >= 0
    assert confusion([0, 1, 2, 2], [0, 2, 2, 2]).tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 2]]
    assert sorted(np.bincount(folds(np.repeat([0, 1, 2], 5), 5))) == [3] * 5
    assert source_group("sf-FluidR3-nylon") == "sf-FluidR3" and source_group("model-steel") == "model-steel"


def test_labelled_folder_is_resampled_and_prepare_cuts_a_take(tmp_path):
    from training.sources.real import load_labelled_folder, prepare

    for k, lab in enumerate(C.LABELS):
        (tmp_path / "set" / lab).mkdir(parents=True)
        note = fake_note(lab, k)
        sf.write(tmp_path / "set" / lab / f"{lab}.wav", np.repeat(note.audio, 2), 2 * SR)  # 44.1 kHz
    notes = load_labelled_folder(tmp_path / "set")
    assert [n.label for n in notes] == list(C.LABELS)
    assert all(abs(len(n.audio) - 2.5 * SR) < 10 for n in notes)
    take = np.concatenate([fake_note("clean", s).audio for s in range(3)])
    sf.write(tmp_path / "take.wav", take, SR)
    written = prepare(tmp_path / "take.wav", tmp_path / "out")
    assert len(written) == 3 and all(sf.info(f).samplerate == SR for f in written)


def test_all_carries_the_feature_comparison_made_apart(tmp_path):
    import json

    import training.__main__ as M
    from training.report import _features

    assert M._earlier_feature_comparison(tmp_path) == {}  # nothing earlier: the section is left out
    row = {"heldout": 0.9, "steel_left_out": 0.8, "train_seconds": 20.0}
    run = {"command": "python -m training features --out x", "git_commit": "abc1234", "date": "2026-12-07T10:00:00",
           "seconds": 301.0}
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "results.json").write_text(json.dumps({"features": {"pcen": row}, "features_run": run,
                                                                   "loso": {"model-nylon": {}}}))
    carried = M._earlier_feature_comparison(tmp_path)
    assert carried == {"features": {"pcen": row}, "features_run": run}
    text = "\n".join(_features({"budget": {}} | carried))
    assert "| pcen | 90.0 % | 80.0 % |" in text and "`python -m training features --out x` (commit abc1234" in text
    assert "`python -m training features` reruns it" in text


def test_a_leave_one_source_out_rerun_reports_its_own_epochs():
    from training.report import _left_out, _timings

    entry = {"classes": ["buzzy", "clean"], "n": 10, "correct": 9, "accuracy": 0.9, "train_seconds": 80.0}
    results = {"budget": {"eval_epochs": 5}, "loso": {"sf-Font": entry}, "timings": {"total": 1670.0}}
    assert "(5 epochs with" in _left_out(results)[0]
    rerun = results | {"loso_rerun": {"command": "python -m training loso", "git_commit": "abc", "date": "2026-12-07",
                                      "eval_epochs": 8}}
    assert "(8 epochs with" in _left_out(rerun)[0] and "Rerun after the shipped model" in _left_out(rerun)[0]
    assert any("the rerun's time" in line for line in _timings(rerun))
