"""Personal adaptation: profile store, the personal head, fitting on a profile, and the done-when test
(a new setup the base model handles badly is fixed by 15 labelled notes without hurting the base set)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app import constants as C
from buzzfinder_app.personal import files
from buzzfinder_app.personal.head import HeadError, PersonalHead, _fit_logistic, _softmax, check_enough, label_indices
from buzzfinder_app.personal.profiles import ProfileError, ProfileStore, data_dir

# -- profile store ------------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    return ProfileStore(tmp_path / "data")


def tone(seconds=0.5, hz=220.0, seed=0):
    t = np.arange(int(seconds * C.SAMPLE_RATE)) / C.SAMPLE_RATE
    rng = np.random.default_rng(seed)
    return (0.5 * np.sin(2 * np.pi * hz * t) * np.exp(-3 * t) + 0.01 * rng.normal(size=t.size)).astype(np.float32)


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(tmp_path / "x"))
    assert data_dir() == tmp_path / "x"
    assert ProfileStore().root == tmp_path / "x"
    monkeypatch.delenv("BUZZFINDER_DATA_DIR")
    assert "buzzfinder" in str(data_dir())


def test_profile_crud(store):
    assert store.list() == []
    p = store.create("Nylon + USB mic", guitar="Yamaha C40", device="USB mic")
    assert p.slug == "nylon-usb-mic" and (p.path / "profile.json").is_file()
    store.create("Strat / laptop")
    assert [q.name for q in store.list()] == ["Nylon + USB mic", "Strat / laptop"]
    got = store.get("Nylon + USB mic")
    assert (got.guitar, got.device, got.default) == ("Yamaha C40", "USB mic", False)
    assert got.created_at
    assert store.update(got, guitar="Yamaha C40 new strings").guitar == "Yamaha C40 new strings"
    assert store.get("NYLON + usb mic").guitar == "Yamaha C40 new strings"  # case does not make another name
    store.delete("Strat / laptop")
    assert [q.name for q in store.list()] == ["Nylon + USB mic"]
    with pytest.raises(ProfileError, match=r"unknown profile 'Strat / laptop' \(profiles: Nylon \+ USB mic\)"):
        store.get("Strat / laptop")


@pytest.mark.parametrize("name, message", [("", "bad profile name"), ("  !!! ", "bad profile name"),
                                           ("x" * 61, "at most 60"), ("nylon + USB MIC", "already exists"),
                                           ("tab\there", "no control characters")])
def test_bad_profile_names(store, name, message):
    store.create("Nylon + USB mic")
    with pytest.raises(ProfileError, match=message):
        store.create(name)


def test_default_profile_per_device(store):
    a = store.default_for("Scarlett 2i2")
    assert a.default and a.device == "Scarlett 2i2"
    assert store.default_for("Scarlett 2i2").path == a.path
    store.create("Laptop mic")  # a non-default profile whose name collides with the next default
    b = store.default_for("Laptop mic")
    assert b.name == "Laptop mic 2" and b.default
    assert len(store.list()) == 3


def test_notes_add_relabel_delete(store):
    p = store.create("p")
    a = store.add_note(p, tone(seed=1), "clean", "teach", original="/music/a.wav")
    b = store.add_note(p, tone(seed=2), "buzzy", "exercise")
    assert [n.id for n in store.notes(p)] == [a.id, b.id]
    assert a.path == p.path / "notes" / "clean" / f"{a.id}.wav"
    info = sf.info(a.path)
    assert info.samplerate == C.SAMPLE_RATE and info.channels == 1
    np.testing.assert_array_equal(a.read(), tone(seed=1))
    index = json.loads((p.path / "notes.json").read_text())
    assert index[0] == {"id": a.id, "label": "clean", "source": "teach", "created_at": a.created_at,
                        "original": "/music/a.wav"}

    moved = store.relabel(p, a.id, "muted")
    assert moved.path == p.path / "notes" / "muted" / f"{a.id}.wav" and moved.path.is_file()
    assert not a.path.exists()
    assert [n.label for n in store.notes("p")] == ["muted", "buzzy"]
    np.testing.assert_array_equal(store.notes(p)[0].read(), tone(seed=1))

    store.delete_note(p, b.id)
    assert [n.id for n in store.notes(p)] == [a.id] and not b.path.exists()
    with pytest.raises(ProfileError, match="no note 'nope'"):
        store.delete_note(p, "nope")
    with pytest.raises(ProfileError, match="unknown label 'fuzzy'"):
        store.add_note(p, tone(), "fuzzy", "teach")
    with pytest.raises(ProfileError, match="unknown note source"):
        store.add_note(p, tone(), "clean", "guess")
    with pytest.raises(ProfileError, match="empty or contains invalid"):
        store.add_note(p, np.array([0.0, np.nan]), "clean", "teach")


def test_notes_added_from_several_threads_are_all_kept(store):
    from concurrent.futures import ThreadPoolExecutor

    p = store.create("p")
    with ThreadPoolExecutor(4) as pool:
        added = list(pool.map(lambda i: store.add_note(p, tone(0.1, seed=i), C.LABELS[i % 3], "exercise").id,
                              range(24)))
    assert sorted(n.id for n in store.notes(p)) == sorted(added)


def test_damaged_notes_index_is_rebuilt_from_wavs(store):
    p = store.create("p")
    ids = {store.add_note(p, tone(seed=i), label, "teach").id: label for i, label in enumerate(C.LABELS)}
    (p.path / "notes.json").write_text('[{"id": "x", "lab')  # a torn write from some older tool
    notes = store.notes(p)
    assert {n.id: n.label for n in notes} == ids
    assert all(n.source == "unknown" for n in notes)
    assert len(json.loads((p.path / "notes.json").read_text())) == 3  # and written back
    (p.path / "notes.json").write_text(json.dumps([{"id": "../../etc", "label": "clean", "source": "teach",
                                                   "created_at": "", "original": None}]))
    assert {n.id for n in store.notes(p)} == set(ids)  # a path-escaping id is not trusted


def test_damaged_profile_is_reported_not_hiding_others(store):
    good = store.create("good")
    bad = store.create("bad")
    (bad.path / "profile.json").write_text("{not json")
    assert [p.name for p in store.list()] == ["good"]
    assert store.damaged()[0][0] == "bad" and "not valid JSON" in store.damaged()[0][1]
    with pytest.raises(ProfileError, match="profile 'bad' is unusable"):
        store.get("bad")
    assert store.get("good").path == good.path
    store.delete("bad")
    assert store.damaged() == [] and not bad.path.exists()
    with pytest.raises(ProfileError, match="unknown profile 'bad'"):
        store.delete("bad")


def test_failed_write_keeps_old_file_and_says_disk_full(store, monkeypatch):
    p = store.create("p")
    kept = store.add_note(p, tone(), "clean", "teach")
    before = (p.path / "notes.json").read_bytes()

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(ProfileError, match=r"notes/buzzy/.*\.wav: the disk is full"):
        store.add_note(p, tone(), "buzzy", "teach")
    with pytest.raises(ProfileError, match="disk is full"):
        store.delete_note(p, kept.id)
    monkeypatch.undo()
    assert (p.path / "notes.json").read_bytes() == before
    assert [n.id for n in store.notes(p)] == [kept.id] and kept.path.is_file()
    leftovers = [f for f in p.path.rglob("*") if f.name.endswith(".tmp") or (f.suffix == ".wav" and f != kept.path)]
    assert leftovers == []


def test_index_failure_removes_the_new_wav(store, monkeypatch):
    p = store.create("p")
    real = files.write_json

    def failing(path, data):
        if Path(path).name == "notes.json":
            raise files.StorageError(f"cannot write {path}: the disk is full")
        real(path, data)

    monkeypatch.setattr(files, "write_json", failing)
    with pytest.raises(ProfileError, match="disk is full"):
        store.add_note(p, tone(), "muted", "teach")
    assert list(p.path.rglob("*.wav")) == []


# -- the head on synthetic embeddings ------------------------------------------------------------


def clusters(n_per_class, seed, spread=1.0, dim=64, shift=0.0):
    """ReLU-like embeddings: one random centre per class plus noise."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(1234).normal(size=(3, dim)) * 1.5 + shift
    y = np.repeat(np.arange(3), n_per_class)
    return np.maximum(centres[y] + spread * rng.normal(size=(len(y), dim)), 0.0), y


def test_logistic_solver_reaches_the_optimum():
    x, y = clusters(10, seed=0)
    x = (x - x.mean(0)) / x.std(0)
    w = _fit_logistic(x, y, 3, l2=0.3)
    xb = np.hstack([x, np.ones((len(x), 1))])
    reg = np.r_[np.full(x.shape[1], 0.3), 1e-6][:, None]
    grad = xb.T @ (_softmax(xb @ w) - np.eye(3)[y]) / len(y) + reg * w
    assert np.abs(grad).max() < 1e-5


def test_separable_clusters_are_learnt_from_few_notes():
    x, y = clusters(5, seed=0)
    base = np.full((len(y), 3), 1 / 3) + np.eye(3)[(y + 1) % 3] * 0.2  # a base model that is wrong
    head = PersonalHead.fit(x, y, base)
    assert head.loo_before == 0.0 and head.loo_after >= 0.9 and head.w >= 0.5
    x_new, y_new = clusters(20, seed=1)
    base_new = np.full((len(y_new), 3), 1 / 3) + np.eye(3)[(y_new + 1) % 3] * 0.2
    probs = head.predict(base_new, x_new)
    assert probs.shape == (60, 3) and np.allclose(probs.sum(1), 1.0, atol=1e-5)
    assert np.mean(probs.argmax(1) == y_new) >= 0.9


def test_noise_embeddings_fall_back_to_the_base_model():
    rng = np.random.default_rng(0)
    y = np.arange(30) % 3
    x = np.maximum(rng.normal(size=(30, 64)), 0)  # embeddings that say nothing about the label
    base = np.eye(3)[y] * 0.3 + 0.7 / 3  # base right on 80 %, modestly confident
    wrong = np.arange(30) % 5 == 0
    base[wrong] = np.eye(3)[(y[wrong] + 1) % 3] * 0.3 + 0.7 / 3
    head = PersonalHead.fit(x, y, base)
    assert head.w <= 0.3
    assert head.loo_before == pytest.approx(0.8) and head.loo_after >= 0.7
    x_new = np.maximum(rng.normal(size=(50, 64)), 0)
    base_new = rng.dirichlet(np.ones(3), size=50)
    assert np.mean(head.predict(base_new, x_new).argmax(1) == base_new.argmax(1)) >= 0.9


def test_untaught_class_keeps_the_base_probability():
    x, y = clusters(5, seed=0)
    taught = y < 2  # only buzzy and clean
    head = PersonalHead.fit(x[taught], y[taught], np.full((10, 3), 1 / 3))
    assert list(head.classes) == [0, 1]
    base = np.random.default_rng(2).dirichlet(np.ones(3), size=15)
    probs = head.predict(base, x)
    np.testing.assert_allclose(probs[:, 2], base[:, 2], rtol=1e-5)
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize("labels", [[], ["clean"], ["clean"] * 5])
def test_too_few_notes_is_said_clearly(labels):
    with pytest.raises(HeadError, match="too few notes to adapt: need at least one note of 2 different kinds"):
        check_enough(labels)
    with pytest.raises(HeadError, match=f"the profile has 0 buzzy, {len(labels)} clean, 0 muted"):
        PersonalHead.fit(np.zeros((len(labels), 64)), labels, np.full((len(labels), 3), 1 / 3))


def test_two_notes_of_two_classes_are_enough():
    head = PersonalHead.fit(np.eye(2, 64), ["buzzy", "muted"], np.full((2, 3), 1 / 3))
    assert list(head.classes) == [0, 2]


def leaning_setup(n_per_class: int, seed: int):
    """A guitar the base model leans on: its clean notes are heard buzzy by a small margin (p(buzzy)
    0.45-0.6), its buzzy and muted notes are heard right; embeddings that say nothing of the label."""
    rng = np.random.default_rng(seed)
    y = np.arange(3 * n_per_class) % 3
    buzzy = np.where(y == 1, rng.uniform(0.45, 0.6, len(y)), rng.uniform(0.75, 0.9, len(y)))
    probs = np.zeros((len(y), 3))
    for i, (label, pb) in enumerate(zip(y, buzzy)):
        if label == 2:
            probs[i] = [0.1, 0.1, 0.8]
        else:
            probs[i] = [pb, 1 - pb - 0.02, 0.02] if label == 1 else [pb, 0.98 - pb, 0.02]
    return np.maximum(rng.normal(size=(len(y), 64)), 0), y, probs


def test_the_lean_takes_a_setups_lean_out_where_the_head_cannot():
    """5 notes of each kind of a guitar whose clean notes the model hears buzzy by a small margin: its
    other clean notes are then heard clean, its buzzy ones still buzzy, and a confident verdict on
    another guitar (a shared clip) keeps its class."""
    x, y, probs = leaning_setup(5, seed=0)
    head = PersonalHead.fit(x, y, probs)
    clean = C.LABELS.index("clean")
    assert head.bias[clean] > 0 and head.tunes
    assert head.loo_before < 0.8 and head.loo_after >= head.loo_before + 0.2
    x_new, y_new, probs_new = leaning_setup(40, seed=1)
    before = probs_new.argmax(1) == y_new
    after = head.predict(probs_new, x_new).argmax(1) == y_new
    assert before[y_new == clean].mean() < 0.5 and after[y_new == clean].mean() >= 0.9
    assert after[y_new != clean].all()
    sure = np.random.default_rng(2).dirichlet(np.ones(3) * 0.2, size=200)
    sure = sure[sure.max(axis=1) >= 0.9]
    assert (head.predict(sure, np.zeros((len(sure), 64))).argmax(1) == sure.argmax(1)).all()


def test_a_lean_that_would_cost_taught_notes_is_not_kept():
    """Buzzy notes heard right by a small margin and two of three clean notes heard buzzy: a lean
    toward clean, fitted without one of the buzzy notes, flips it; leave-one-out says so, and the lean
    is dropped (the base model alone gets more of the taught notes right)."""
    p_buzzy = np.array([0.6, 0.71, 0.54, 0.89, 0.78, 0.05])
    probs = np.stack([p_buzzy, 1 - p_buzzy, np.zeros(6)], axis=1)
    y = np.array([0, 0, 0, 1, 1, 1])
    head = PersonalHead.fit(np.zeros((6, 64)), y, probs)
    assert not np.any(head.bias) and head.loo_after == head.loo_before == pytest.approx(4 / 6)


def test_fit_bias_leans_only_among_the_taught_classes():
    """Clean notes, half heard buzzy, and buzzy notes heard right: the lean moves probability from buzzy
    to clean and leaves muted (not taught) where it was; one taught kind, or a strong penalty, no lean."""
    from buzzfinder_app.personal.head import fit_bias, with_bias

    p = np.array([[0.55, 0.35, 0.1]] * 4 + [[0.2, 0.7, 0.1]] * 4 + [[0.8, 0.1, 0.1]] * 4)
    labels = ["clean"] * 8 + ["buzzy"] * 4
    b = fit_bias(p, labels)
    q = with_bias(p, b)
    assert b[C.LABELS.index("muted")] == 0 and b[C.LABELS.index("clean")] > 0
    assert (q.argmax(1) == label_indices(labels)).all() and np.allclose(q.sum(1), 1)
    np.testing.assert_allclose(q[:, C.LABELS.index("muted")], 0.1)
    assert not fit_bias(p[:8], labels[:8]).any() and abs(fit_bias(p, labels, l2=100.0)).max() < 0.01


def test_head_save_load_and_damage(tmp_path):
    x, y = clusters(5, seed=0)
    head = PersonalHead.fit(x, y, np.full((15, 3), 1 / 3))
    head.save(tmp_path / "head.npz")
    again = PersonalHead.load(tmp_path / "head.npz")
    assert (again.w, again.loo_before, again.loo_after) == (head.w, head.loo_before, head.loo_after)
    np.testing.assert_array_equal(again.bias, head.bias)
    base = np.random.default_rng(3).dirichlet(np.ones(3), size=15)
    np.testing.assert_array_equal(again.predict(base, x), head.predict(base, x))
    with np.load(tmp_path / "head.npz") as a:  # a head saved before the lean was learnt: no lean
        old = PersonalHead.from_arrays({k: a[k] for k in a.files if k != "bias"})
    assert old.bias is None and old.tunes == (old.w > 0)
    (tmp_path / "head.npz").write_bytes(b"PK\x03\x04 torn")
    with pytest.raises(HeadError, match="is damaged"):
        PersonalHead.load(tmp_path / "head.npz")
    with pytest.raises(HeadError, match="is missing"):
        PersonalHead.load(tmp_path / "none.npz")


# -- fitting a profile with the shipped model -----------------------------------------------------


@pytest.fixture(scope="module")
def model():
    from buzzfinder_app.model.runtime import Model, default_model_path

    path = default_model_path()
    if not path.is_file():
        pytest.skip(f"shipped model {path} not there yet (it is exported by training/)")
    return Model.load(path)


def toy_note(label: str, seed: int) -> np.ndarray:
    """A plucked tone per class: clean rings, muted dies fast, buzzy rattles in the attack."""
    rng = np.random.default_rng(seed)
    t = np.arange(C.WINDOW_SAMPLES) / C.SAMPLE_RATE
    f0 = 110.0 * 2 ** rng.uniform(0, 3)
    decay = {"clean": 1.5, "buzzy": 1.5, "muted": 25.0}[label]
    y = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 12) if k * f0 < 9000) * np.exp(-decay * t)
    if label == "buzzy":
        y = y + 0.3 * np.sign(np.sin(2 * np.pi * 7 * f0 * t)) * np.exp(-6 * t) * rng.uniform(0.5, 1.0)
    y = np.where(t < C.PRE_ROLL / C.SAMPLE_RATE, 0.0, y) + 1e-4 * rng.normal(size=t.size)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def test_fit_profile_saves_a_head_for_this_model_only(model, store):
    from buzzfinder_app.personal import adapt

    p = store.create("p")
    assert adapt.profile_head(store, p, model) is None  # no notes: nothing to adapt
    for i in range(60):
        store.add_note(p, toy_note(C.LABELS[i % 3], i), C.LABELS[i % 3], "teach")
    result = adapt.fit_profile(store, p, model)
    print(f"\nfit on 60 notes: head {result.seconds:.3f} s, embeddings {result.embed_seconds:.3f} s, "
          f"LOO {result.loo_before:.2f} -> {result.loo_after:.2f}, blend {result.blend}")
    assert result.n_notes == 60 and result.counts == {"buzzy": 20, "clean": 20, "muted": 20}
    assert result.seconds < 5.0
    assert result.loo_after >= result.loo_before - 0.05
    assert adapt.head_status(store, p, model) == "current"
    info = json.loads((p.path / "head.json").read_text())
    assert info["base_model"] == adapt.model_fingerprint(model) and len(info["base_model"]["sha256"]) == 64
    head = adapt.load_head(store, p, model)
    assert head.w == result.blend

    store.add_note(p, toy_note("clean", 99), "clean", "teach")
    assert adapt.head_status(store, p, model) == "stale"
    with pytest.raises(ProfileError, match="has notes it was not tuned on"):
        adapt.load_head(store, p, model)
    info["base_model"]["sha256"] = "0" * 64  # as if fitted on another base model
    (p.path / "head.json").write_text(json.dumps(info))
    assert adapt.head_status(store, p, model) == "other-model"
    with pytest.raises(ProfileError, match="was tuned with another standard model"):
        adapt.load_head(store, p, model)
    assert adapt.profile_head(store, p, model) is not None  # refitted
    assert adapt.head_status(store, p, model) == "current"
    info = json.loads((p.path / "head.json").read_text())
    assert len(info["lean"]) == 3 and info["tunes"] == (info["blend"] > 0 or any(info["lean"]))
    del info["lean"]  # as fitted by a version without the setup's lean
    (p.path / "head.json").write_text(json.dumps(info))
    assert adapt.head_status(store, p, model) == "old-fit"
    with pytest.raises(ProfileError, match="was tuned by an older buzzfinder"):
        adapt.load_head(store, p, model)
    assert adapt.profile_head(store, p, model) is not None and adapt.head_status(store, p, model) == "current"


def test_a_damaged_note_is_left_out_of_the_fit_and_named(model, store):
    from buzzfinder_app.personal import adapt

    p = store.create("p")
    notes = [store.add_note(p, toy_note(C.LABELS[i % 3], i), C.LABELS[i % 3], "teach") for i in range(4)]
    notes[2].path.write_bytes(b"RIFF torn")
    result = adapt.fit_profile(store, p, model)
    assert result.n_notes == 3 and result.counts == {"buzzy": 2, "clean": 1, "muted": 0}
    [skipped] = result.skipped
    assert skipped.startswith(f"note {notes[2].id} ({notes[2].path}) cannot be read")
    assert adapt.head_info(store, p)["skipped"] == [skipped]
    assert adapt.head_status(store, p, model) == "current"  # no refit on every load
    notes[1].path.write_bytes(b"")  # now too few readable notes: the fit names the unreadable ones
    with pytest.raises(ProfileError, match=f"too few notes.*note {notes[1].id} .* cannot be read"):
        adapt.fit_profile(store, p, model)
    store.delete_note(p, notes[2].id)
    store.delete_note(p, notes[1].id)
    with pytest.raises(ProfileError, match="too few notes"):
        adapt.fit_profile(store, p, model)


def test_profile_classifier_plugs_into_the_engine(model):
    from buzzfinder_app.model.features import extract_batch
    from buzzfinder_app.personal import adapt

    windows = [toy_note(C.LABELS[i % 3], 100 + i) for i in range(6)]
    features = extract_batch(windows, model.params)
    assert adapt.profile_classifier(model, None) == model.predict
    probs, emb = adapt.embed_notes(model, windows)
    head = PersonalHead.fit(emb, [C.LABELS[i % 3] for i in range(6)], probs)
    classify = adapt.profile_classifier(model, head)
    out = classify(features)
    assert out.shape == (6, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, head.predict(probs, emb), atol=1e-6)  # a head without a gate


# -- the setup gate -------------------------------------------------------------------------------


def setup_features(n, seed, cutoff_band):
    """Log-mel-like features of notes through a setup that passes bands below ``cutoff_band``."""
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.4, 1.0, size=(n, 89, 64)) * np.linspace(1.0, 0.6, 64)
    f[:, :, cutoff_band:] = rng.uniform(0.0, 0.1, size=(n, 89, 64 - cutoff_band))
    return f


def test_gate_keeps_the_head_to_its_setup():
    from buzzfinder_app.personal.gate import SetupGate, setup_descriptor

    taught = setup_descriptor(setup_features(15, 0, 30))
    assert taught.shape == (15, 64)
    gate = SetupGate.fit(taught)
    assert np.all(gate(taught) == 1.0)
    assert gate(setup_descriptor(setup_features(20, 1, 30))).mean() > 0.7  # new notes, same setup
    assert np.all(gate(setup_descriptor(setup_features(20, 2, 64))) == 0.0)  # another setup

    x, y = clusters(5, seed=0)
    head = PersonalHead.fit(x, y, np.full((15, 3), 1 / 3), setup=taught)
    base = np.random.default_rng(3).dirichlet(np.ones(3), size=20)
    x_new, _ = clusters(20, seed=4)
    elsewhere = head.predict(base, x_new[:20], setup_descriptor(setup_features(20, 2, 64)))
    np.testing.assert_allclose(elsewhere, base, rtol=1e-5)
    here = head.predict(base, x_new[:20], setup_descriptor(setup_features(20, 1, 30)))
    assert np.abs(here - base).max() > 0.1


def test_gate_ignores_the_silence_after_a_cut_short_note():
    from buzzfinder_app.personal.gate import setup_descriptor

    notes = setup_features(20, 1, 30)
    cut = notes.copy()
    cut[:, 30:] = 0.0  # a window cut short by the next onset is zero-padded
    np.testing.assert_allclose(setup_descriptor(cut), setup_descriptor(notes[:, :30]))
    assert np.all(setup_descriptor(np.zeros((2, 89, 64))) == 0.0)


def test_saved_head_keeps_its_gate(tmp_path):
    from buzzfinder_app.personal.gate import setup_descriptor

    x, y = clusters(5, seed=0)
    taught = setup_descriptor(setup_features(15, 0, 30))
    head = PersonalHead.fit(x, y, np.full((15, 3), 1 / 3), setup=taught)
    head.save(tmp_path / "head.npz")
    again = PersonalHead.load(tmp_path / "head.npz")
    other = setup_descriptor(setup_features(5, 2, 64))
    np.testing.assert_array_equal(again.gate(other), head.gate(other))
    assert again.gate.radius == head.gate.radius and again.loo_nested == head.loo_nested


# -- commands -------------------------------------------------------------------------------------


def write_note_file(path, label, seed, rate=44100, lead_s=0.3):
    """A one-note file as a player would record it: some silence, then the note, at ``rate``."""
    import soxr

    y = np.concatenate([np.zeros(int(lead_s * C.SAMPLE_RATE), np.float32), toy_note(label, seed)[C.PRE_ROLL:]])
    sf.write(path, soxr.resample(y, C.SAMPLE_RATE, rate), rate, subtype="PCM_16")
    return path


def test_strongest_note_is_cut_around_the_loudest_onset():
    from buzzfinder_app.personal.commands import strongest_note

    quiet = 0.05 * toy_note("clean", 1)[C.PRE_ROLL:]
    loud = toy_note("buzzy", 2)[C.PRE_ROLL:]
    y = np.concatenate([np.zeros(5000), quiet[:20000], np.zeros(3000), loud]).astype(np.float32)
    window, onset = strongest_note(y)
    assert abs(onset - 28000) < 0.02 * C.SAMPLE_RATE
    assert len(window) == C.WINDOW_SAMPLES
    with pytest.raises(ValueError, match="no note found"):
        strongest_note(np.zeros(C.SAMPLE_RATE, np.float32))


def test_cmd_teach_and_profiles(model, store, tmp_path):
    from buzzfinder_app.personal.commands import cmd_profiles, cmd_teach

    files_ = {lab: [write_note_file(tmp_path / f"{lab}{i}.wav", lab, 10 * i + k) for i in range(3)]
              for k, lab in enumerate(C.LABELS)}
    (tmp_path / "bad.wav").write_text("not audio")
    report = cmd_teach("Nylon + USB mic", "clean", files_["clean"] + [tmp_path / "bad.wav", tmp_path / "gone.wav"],
                       model, store=store, device="USB mic")
    assert report.startswith("created profile 'Nylon + USB mic'")
    assert "bad.wav" not in report and "gone.wav" not in report  # errors go to stderr only
    assert len(report.errors) == 2 and report.errors[1] == f"{tmp_path / 'gone.wav'}: file not found"
    assert report.errors[0].startswith(f"{tmp_path / 'bad.wav'}: not an audio file")
    assert "0 buzzy, 3 clean, 0 muted" in report and "not tuned yet: too few notes" in report
    notes = store.notes("Nylon + USB mic")
    assert all(n.source == "teach" and n.original.endswith(".wav") for n in notes)
    assert all(abs(len(n.read()) - C.WINDOW_SAMPLES) <= 1 for n in notes)

    cmd_teach("Nylon + USB mic", "buzzy", files_["buzzy"], model, store=store)
    report = cmd_teach("Nylon + USB mic", "muted", files_["muted"], model, store=store)
    assert report.errors == () and "3 buzzy, 3 clean, 3 muted" in report
    assert "tuned to your guitar: " in report or "judged by the standard model: " in report
    with pytest.raises(ProfileError, match="gone.wav: file not found\nnothing was taught to profile 'typo'"):
        cmd_teach("typo", "muted", [tmp_path / "gone.wav"], model, store=store)
    assert [p.name for p in store.list()] == ["Nylon + USB mic"]  # no empty profile left behind
    with pytest.raises(ProfileError, match="unknown label 'fuzzy'"):
        cmd_teach("Nylon + USB mic", "fuzzy", files_["muted"], model, store=store)

    text = cmd_profiles(store=store, model=model)
    assert text.splitlines()[0] == "Nylon + USB mic: USB mic"
    assert "notes: 3 buzzy, 3 clean, 3 muted" in text and " of 9 " in text
    data = json.loads(cmd_profiles(json=True, store=store, model=model))
    (p,) = data["profiles"]
    assert p["notes"] == {"buzzy": 3, "clean": 3, "muted": 3} and p["head"] == "current"
    assert 0.0 <= p["loo_before"] <= p["loo_after"] <= 1.0
    # `buzzfinder profiles --help` names exactly these fields
    import re

    from buzzfinder_app.cli import build_parser

    parser = build_parser()
    epilog = parser._subparsers._group_actions[0].choices["profiles"].epilog
    named = re.search(r'"profiles": \[\{(.*?)\}\]', epilog).group(1)
    fields = set(re.findall(r'"(\w+)"', re.sub(r'\{[^{}]*\}', "", named)))
    assert fields == set(p) and set(data) == {"root", "profiles", "damaged"}


def test_teach_and_profiles_print_no_jargon(store, tmp_path, monkeypatch):
    """Issue 15 item 6: what ``teach`` and ``profiles`` print says "tuned to your guitar: 9 of 10 of your
    notes judged right, was 6", never "head", "blend", "nested", "leave-one-out" or "LOO" (the JSON
    keeps its keys)."""
    import re

    from buzzfinder_app.personal import commands
    from buzzfinder_app.personal.adapt import FitResult

    jargon = re.compile(r"\b(heads?|nested|ece|blend(s|ed|ing)?|embeddings?|leave-one-out|loo)\b", re.IGNORECASE)
    wav = [write_note_file(tmp_path / "a.wav", "clean", 0)]
    texts = [commands.cmd_teach("Nylon", "clean", wav, None, store=store)]  # one kind: nothing to tune
    for blend, before, after in ((0.0, 0.6, 0.6), (0.5, 0.6, 0.9)):
        result = FitResult(before, after, after - 0.1, 10, 0.1, 0.1, blend, {}, ("note x cannot be read",))
        monkeypatch.setattr(commands, "fit_profile", lambda *a, r=result: r)
        texts.append(commands.cmd_teach("Nylon", "clean", wav, None, store=store))
    assert "tuned to your guitar: 9 of 10 of your notes judged right, was 6" in texts[-1]
    store.create("Empty")
    for blend, state in ((0.0, "current"), (0.5, "current"), (0.5, "stale"), (0.5, "other-model")):
        files.write_json(store.head_paths("Nylon")[1], {"blend": blend, "loo_before": 0.6, "loo_after": 0.9,
                                                        "loo_nested": 0.8, "n_notes": 10})
        monkeypatch.setattr(commands, "head_status", lambda *a, state=state: state)
        texts.append(commands.cmd_profiles(store=store, model=object()))
    assert "  tuned to your guitar: 9 of 10 of its notes judged right, was 6" in texts[-1]
    assert "  not taught yet" in texts[-1]
    bad = [line for text in texts for line in text.splitlines() if jargon.search(line)]
    assert not bad, bad


def test_cmd_profiles_without_profiles_or_with_damage(store, tmp_path):
    from buzzfinder_app.personal.commands import cmd_profiles, cmd_teach

    assert cmd_profiles(store=store).startswith("no profiles yet")
    store.create("ok", guitar="Strat")
    (store.create("broken").path / "profile.json").write_text("")
    text = cmd_profiles(store=store)
    assert "ok: Strat" in text and "not taught yet" in text and "damaged profile folder 'broken'" in text
    assert json.loads(cmd_profiles(json=True, store=store))["damaged"][0]["folder"] == "broken"
    with pytest.raises(ProfileError, match="profile 'broken' is unusable"):
        cmd_teach("broken", "clean", [write_note_file(tmp_path / "a.wav", "clean", 0)], None, store=store)


# -- done when: a new setup the base model handles badly -------------------------------------------

def new_setup(y: np.ndarray) -> np.ndarray:
    """A strong, consistent new setup: a dull microphone (steep roll-off above 4 kHz) on an interface
    with a ground loop (50 Hz mains hum and its third harmonic, 25 dB below the note's peak)."""
    n = len(y)
    f = np.fft.rfftfreq(n, 1 / C.SAMPLE_RATE)
    y = np.fft.irfft(np.fft.rfft(y) / np.sqrt(1 + (f / 4000) ** 8), n)
    t = np.arange(n) / C.SAMPLE_RATE
    hum = np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t + 1.0)
    return (0.5 * y / np.abs(y).max() + 10 ** (-25 / 20) * hum).astype(np.float32)


def five_per_class(labels, seed):
    """A mask choosing five notes of each class: the notes the player teaches."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), dtype=bool)
    for c in range(len(C.LABELS)):
        mask[rng.choice(np.flatnonzero(labels == c), 5, replace=False)] = True
    return mask


def judged(model, windows):
    from buzzfinder_app.model.features import extract_batch
    from buzzfinder_app.personal.adapt import embed_features

    return embed_features(model, extract_batch(windows, model.params))


def accuracy(probs, labels):
    return float(np.mean(np.argmax(probs, axis=1) == labels))


@pytest.mark.slow
def test_done_when_generated_setup(model):
    """15 taught notes of a new setup (a dull microphone, mains hum 25 dB down) fix most of the base
    model's errors on the setup's other notes, and never add one on windows cut short by a next note
    after 1 s; the base model's own notes lose at most 2 points. Counted as the share of the base
    model's errors fixed: the stop-26 model, trained on hum of any spectrum, already judges 87-91 % of
    the setup's notes right and teaching fixes 64 % of its errors (the stop-18 model: 76-78 %, 69 %
    fixed; the stop-14 model 62-67 %)."""
    synth = pytest.importorskip("training.sources.synth", reason="training/sources/synth.py generates the notes")
    from buzzfinder_app.engine.windows import note_window

    def notes(n_per_class, seed, character=None):
        made = [synth.generate_note(C.LABELS[i % 3], synth.note_seed(seed, i), character=character)
                for i in range(3 * n_per_class)]
        return made, np.array([C.LABELS.index(s.label) for s in made])

    setup_notes, y = notes(20, 2024, character="nylon")
    probs, emb, setup = judged(model, [note_window(new_setup(s.audio), s.onset) for s in setup_notes])
    one_second = int(1.0 * C.SAMPLE_RATE)
    probs_c, emb_c, setup_c = judged(model, [note_window(new_setup(s.audio), s.onset, s.onset + one_second)
                                             for s in setup_notes])
    base_notes, y_base = notes(60, 4048)  # 180 notes: one note is 0.6 points, so 2 points can be told apart
    probs_b, emb_b, setup_b = judged(model, [note_window(s.audio, s.onset) for s in base_notes])

    lines, gains, fixed, cut_gains, cut_after_all, drops = [], [], [], [], [], []
    for seed in range(3):  # three different choices of the 15 notes the player teaches
        taught = five_per_class(y, seed)
        head = PersonalHead.fit(emb[taught], y[taught], probs[taught], setup[taught])
        other = ~taught
        before = accuracy(probs[other], y[other])
        after = accuracy(head.predict(probs[other], emb[other], setup[other]), y[other])
        base_before, base_after = accuracy(probs_b, y_base), accuracy(head.predict(probs_b, emb_b, setup_b), y_base)
        cut_before = accuracy(probs_c[other], y[other])
        cut_after = accuracy(head.predict(probs_c[other], emb_c[other], setup_c[other]), y[other])
        gains.append(after - before)
        fixed.append((after - before) / max(1.0 - before, 1e-9))
        cut_gains.append(cut_after - cut_before)
        cut_after_all.append(cut_after)
        drops.append(base_before - base_after)
        lines.append(f"teach set {seed}: other setup notes {before:.2f} -> {after:.2f}, LOO {head.loo_before:.2f} -> "
                     f"{head.loo_after:.2f} (nested {head.loo_nested:.2f}), w {head.w}, "
                     f"cut at 1 s {cut_before:.2f} -> {cut_after:.2f}, base set {base_before:.2f} -> {base_after:.2f}")
    print("\n" + "\n".join(lines))
    assert np.mean(fixed) >= 0.5 and min(gains) > 0.0, lines
    assert min(cut_gains) >= 0.0 and np.mean(cut_after_all) >= 0.95, lines
    assert max(drops) <= 0.02, lines


def real_clips(real_dir):
    """The 15 shared real clips (resampled to SAMPLE_RATE) with their detected onsets, and labels."""
    import soxr

    from buzzfinder_app.personal.commands import strongest_note

    windows, labels = [], []
    for c, label in enumerate(C.LABELS):
        for path in sorted((real_dir / label).glob("*.wav")):
            audio, rate = sf.read(path, dtype="float32", always_2d=True)
            y = soxr.resample(audio.mean(axis=1), rate, C.SAMPLE_RATE).astype(np.float32)
            windows.append((y, strongest_note(y)[1]))
            labels.append(c)
    return windows, np.array(labels)


@pytest.mark.slow
def test_done_when_real_clips_through_a_new_setup(model, real_dir):
    """The 15 real clips through the same new setup: leave-one-out accuracy rises clearly, or to all 15."""
    from buzzfinder_app.engine.windows import note_window

    clips, y = real_clips(real_dir)
    assert np.bincount(y).tolist() == [5, 5, 5]
    probs, emb, setup = judged(model, [note_window(new_setup(a), onset) for a, onset in clips])
    probs_r, emb_r, setup_r = judged(model, [note_window(a, onset) for a, onset in clips])
    head = PersonalHead.fit(emb, y, probs, setup)
    as_recorded = accuracy(probs_r, y), accuracy(head.predict(probs_r, emb_r, setup_r), y)
    print(f"\nreal clips through the new setup: base {head.loo_before:.2f} -> personal {head.loo_after:.2f} "
          f"(leave-one-out; nested {head.loo_nested:.2f}), w {head.w}; "
          f"clips as recorded {as_recorded[0]:.2f} -> {as_recorded[1]:.2f}")
    right = {k: round(v * len(y)) for k, v in [("before", head.loo_before), ("after", head.loo_after),
                                                ("nested", head.loo_nested)]}
    # The stop-18 model already hears 14 of them right through this setup: there is room for 1.
    assert right["after"] >= min(right["before"] + 3, len(y)) and right["nested"] >= right["before"], right
    if right["before"] <= len(y) - 3:
        assert right["nested"] > right["before"], right
    assert as_recorded[1] >= as_recorded[0] - 0.02
