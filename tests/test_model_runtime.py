import json
import shutil

import numpy as np
import pytest

from buzzfinder_app.model.features import DEFAULT_PARAMS
from buzzfinder_app.model.metadata import ModelError
from buzzfinder_app.model.runtime import Model, metadata_path


def copy_model(src, folder):
    dst = folder / "m.tflite"
    shutil.copy(src, dst)
    shutil.copy(metadata_path(src), metadata_path(dst))
    return dst


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        Model.load(tmp_path / "nothing.tflite")


def test_missing_metadata(tmp_path, placeholder_model_path):
    path = tmp_path / "m.tflite"
    shutil.copy(placeholder_model_path, path)
    with pytest.raises(ModelError, match="metadata .* is missing"):
        Model.load(path)


def test_corrupt_model_file(tmp_path, placeholder_model_path):
    path = copy_model(placeholder_model_path, tmp_path)
    assert json.loads(metadata_path(path).read_text())["sha256"]  # the export wrote the file's checksum
    path.write_bytes(b"this is not a flatbuffer" * 10)
    with pytest.raises(ModelError, match="is damaged: its SHA-256 differs"):
        Model.load(path)
    meta = json.loads(metadata_path(path).read_text())
    del meta["sha256"]  # a model whose metadata has no checksum is still read, and refused as not TFLite
    metadata_path(path).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="not a valid TFLite model"):
        Model.load(path)


def test_unreadable_metadata(tmp_path, placeholder_model_path):
    path = copy_model(placeholder_model_path, tmp_path)
    metadata_path(path).write_text("{ not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        Model.load(path)


@pytest.mark.parametrize("change, message", [
    ({"sample_rate": 16000}, "sample rate 16000"),
    ({"labels": ["clean", "buzzy", "muted"]}, "labels"),
    ({"window_s": 1.0}, "window 1.0"),
    ({"features": {**DEFAULT_PARAMS.to_dict(), "n_mels": 40}}, "feature parameters"),
    ({"format_version": 99}, "format version 99"),
])
def test_metadata_that_does_not_match_this_code(tmp_path, placeholder_model_path, change, message):
    path = copy_model(placeholder_model_path, tmp_path)
    meta = json.loads(metadata_path(path).read_text())
    meta.update(change)
    metadata_path(path).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="does not match") as err:
        Model.load(path)
    assert message in str(err.value)


def test_placeholder_model_loads_and_predicts(placeholder_model_path):
    model = Model.load(placeholder_model_path)
    assert model.labels == ("buzzy", "clean", "muted")
    features = np.random.default_rng(0).random((2, *model.params.shape), dtype=np.float32)
    probs = model.predict(features)
    assert probs.shape == (2, 3) and np.allclose(probs.sum(axis=1), 1, atol=1e-5)
    probs2, embeddings = model.predict_with_embedding(features)
    assert np.allclose(probs, probs2) and embeddings.shape == (2, model.metadata.embedding_dim)
    assert model.predict(np.zeros((0, *model.params.shape), np.float32)).shape == (0, 3)


def test_shipped_model_loads(shipped_model):
    assert shipped_model.labels == ("buzzy", "clean", "muted")


def single_coil_hum(n, below_db, peak, sample_rate):
    """Mains hum as a single-coil pickup picks it up: a third harmonic half as loud as the 50-Hz
    fundamental (on the D string's 147 Hz), its RMS ``below_db`` under ``peak``."""
    t = np.arange(n) / sample_rate
    hum = np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t + 1.0)
    return hum * peak * 10 ** (-below_db / 20) / np.sqrt(np.mean(hum ** 2))


def test_muted_notes_stay_muted_under_a_single_coils_hum(shipped_model):
    """A string touched, not fretted, in a room whose hum rings on after the thud: the hum was there
    before the note and is not the string ringing (the stop-18 model heard 4 of these 10 notes clean;
    training's hum had too weak a third harmonic)."""
    from buzzfinder_app import constants as C
    from buzzfinder_app.engine.engine import classify_clip
    from training.sources.synth import generate_note, note_seed

    pad = np.zeros(int(0.5 * C.SAMPLE_RATE), np.float32)
    heard = []
    for i in range(2, 30, 3):  # notes of a set that training never made (its sets' seeds are below 1000)
        note = generate_note("muted", note_seed(2024, i), character=("nylon", "steel")[(i // 3) % 2])
        y = np.concatenate([pad, 0.5 * note.audio / np.max(np.abs(note.audio))])
        _, verdict = classify_clip(shipped_model, (y + single_coil_hum(len(y), 27, 0.5, C.SAMPLE_RATE)).astype(np.float32))
        heard.append(max(verdict.probs, key=verdict.probs.get))
    assert heard.count("muted") >= 9, heard
