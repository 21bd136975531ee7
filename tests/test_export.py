"""Export → TFLite + JSON → the app's Model gives Keras's probabilities."""

import numpy as np
import pytest

from buzzfinder_app.model.features import DEFAULT_PARAMS
from buzzfinder_app.model.metadata import ModelMetadata
from buzzfinder_app.model.runtime import Model


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from training.export import export_model
    from training.model import build_model

    model = build_model(DEFAULT_PARAMS, seed=3, filters=(4, 8, 8))
    path = tmp_path_factory.mktemp("model") / "buzzfinder.tflite"
    meta = export_model(model, path, DEFAULT_PARAMS, unsure_threshold=0.55, metrics={"real_clips": "15/15"},
                        provenance={"seed": 3})
    return model, path, meta


def test_exported_model_matches_keras(exported):
    model, path, _ = exported
    x = np.random.default_rng(0).random((5, *DEFAULT_PARAMS.shape), dtype=np.float32)
    keras_probs, keras_emb = (np.asarray(o) for o in model.predict(x[..., None], verbose=0))
    app = Model.load(path)
    probs, emb = app.predict_with_embedding(x)
    assert np.abs(probs - keras_probs).max() < 1e-4
    assert np.abs(emb - keras_emb).max() < 1e-4


def test_metadata_travels_beside_the_model(exported):
    _, path, meta = exported
    back = ModelMetadata.load(path.with_suffix(".json"))
    back.check_compatible()
    assert back.unsure_threshold == 0.55 and back.metrics == {"real_clips": "15/15"}
    assert back.embedding_dim == 64 and back.features == DEFAULT_PARAMS
