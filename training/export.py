"""Export a trained Keras model as the app's TFLite file plus its metadata JSON."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import FeatureParams
from buzzfinder_app.model.metadata import ModelMetadata
from buzzfinder_app.model.runtime import metadata_path


def to_tflite(keras_model) -> bytes:
    """Convert to a float32 TFLite flatbuffer with the outputs (probs, embedding)."""
    import tensorflow as tf

    spec = [tf.TensorSpec([1, *keras_model.input_shape[1:]], tf.float32, name="features")]
    with tempfile.TemporaryDirectory() as tmp:
        keras_model.export(tmp, format="tf_saved_model", input_signature=spec, verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        return converter.convert()


def export_model(keras_model, out_path: Path, params: FeatureParams, *, unsure_threshold: float = 0.5,
                 version: str = "dev", training: dict | None = None, metrics: dict | None = None,
                 provenance: dict | None = None) -> ModelMetadata:
    """Write ``out_path`` (.tflite) and its metadata JSON beside it (with the file's SHA-256, which
    the app checks before it runs the model); return the metadata."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    flatbuffer = to_tflite(keras_model)
    out_path.write_bytes(flatbuffer)
    meta = ModelMetadata(
        sha256=hashlib.sha256(flatbuffer).hexdigest(),
        labels=C.LABELS,
        sample_rate=params.sample_rate,
        window_s=C.WINDOW_S,
        features=params,
        embedding_dim=int(keras_model.get_layer("embedding").output.shape[-1]),
        unsure_threshold=unsure_threshold,
        version=version,
        training=training or {},
        metrics=metrics or {},
        provenance=provenance or {},
    )
    meta.save(metadata_path(out_path))
    return meta


def max_abs_difference(keras_model, model_path: Path, features: np.ndarray) -> float:
    """Largest difference between Keras and the exported model's probabilities on ``features``."""
    from buzzfinder_app.model.runtime import Model

    keras_probs = keras_model.predict(features[..., None], verbose=0)[0]
    lite_probs = Model.load(model_path).predict(features)
    return float(np.abs(keras_probs - lite_probs).max())
