"""The shipped CNN behind a small class: features in, class probabilities (and embeddings) out.

The model is a TFLite file run by ai-edge-litert (about 40 MiB, no TensorFlow at run time), with a
JSON metadata file of the same name beside it.

>>> model = Model.load()                       # doctest: +SKIP
>>> model.predict(features)                    # doctest: +SKIP
array([[0.02, 0.97, 0.01]], dtype=float32)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from buzzfinder_app.model.features import FeatureParams
from buzzfinder_app.model.metadata import ModelError, ModelMetadata

MODEL_FILENAME = "buzzfinder.tflite"


def assets_dir() -> Path:
    """The folder holding the shipped model, its metadata and the self-test take.

    * in a PyInstaller bundle: ``assets/`` in the bundle (``sys._MEIPASS``);
    * run from a checkout (an editable install, or ``PYTHONPATH``): the checkout's ``assets/``,
      where training exports the model;
    * installed from a wheel (``pip install .``, ``pipx install .``): the package data
      ``buzzfinder_app/assets/`` that ``pyproject.toml`` maps the top-level ``assets/`` to, found
      with :mod:`importlib.resources`. pip installs a wheel unpacked, so it is a real folder.
    """
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "assets"
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "assets"
    return Path(str(resources.files("buzzfinder_app").joinpath("assets")))


def default_model_path() -> Path:
    """``$BUZZFINDER_MODEL`` if set, else the shipped model."""
    env = os.environ.get("BUZZFINDER_MODEL")
    return Path(env) if env else assets_dir() / MODEL_FILENAME


def metadata_path(model_path: Path) -> Path:
    return Path(model_path).with_suffix(".json")


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the runtime's native banner ("Created TensorFlow Lite XNNPACK delegate")."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class Model:
    """A loaded, checked model. Not thread-safe: use one per thread."""

    def __init__(self, path: Path, metadata: ModelMetadata, interpreter):
        self.path = Path(path)
        self.metadata = metadata
        self._interp = interpreter
        self._input = interpreter.get_input_details()[0]["index"]
        outputs = interpreter.get_output_details()
        by_width = {int(o["shape"][-1]): o["index"] for o in outputs}
        n_labels = len(metadata.labels)
        if n_labels not in by_width or (len(outputs) > 1 and metadata.embedding_dim not in by_width):
            raise ModelError(f"model {path} has outputs {sorted(by_width)}, metadata expects "
                             f"{n_labels} classes and a {metadata.embedding_dim}-wide embedding")
        self._probs = by_width[n_labels]
        self._embedding = by_width.get(metadata.embedding_dim) if len(outputs) > 1 else None
        shape = tuple(int(s) for s in interpreter.get_input_details()[0]["shape"][1:3])
        if shape != metadata.features.shape:
            raise ModelError(f"model {path} takes input {shape}, its metadata says {metadata.features.shape}")

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Model":
        """Load and check a model; raise :class:`ModelError` with a readable reason if unusable."""
        path = Path(path) if path else default_model_path()
        try:
            content = path.read_bytes()
        except FileNotFoundError:
            raise ModelError(f"model file {path} not found") from None
        except OSError as exc:
            raise ModelError(f"model file {path} cannot be read ({exc.strerror or exc})") from None
        try:
            metadata = ModelMetadata.load(metadata_path(path))
        except OSError as exc:  # a name too long for a ".json" beside it, a folder without permission
            raise ModelError(f"model metadata {metadata_path(path)} cannot be read ({exc.strerror or exc})") from None
        metadata.check_compatible()
        if metadata.sha256 and hashlib.sha256(content).hexdigest() != metadata.sha256:
            raise ModelError(f"model file {path} is damaged: its SHA-256 differs from the one in its metadata")
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # pragma: no cover - depends on the installation
            raise ModelError("the model runtime ai-edge-litert is not installed (pip install ai-edge-litert)") from None
        try:
            with _quiet_stderr():  # the bytes checked above are the bytes run
                interpreter = Interpreter(model_content=content, num_threads=1)
                interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelError(f"model file {path} is not a valid TFLite model ({str(exc).splitlines()[0]})") from None
        return cls(path, metadata, interpreter)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.metadata.labels

    @property
    def params(self) -> FeatureParams:
        return self.metadata.features

    @property
    def unsure_threshold(self) -> float:
        return self.metadata.unsure_threshold

    def _run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        self._interp.set_tensor(self._input, x[None, :, :, None].astype(np.float32))
        self._interp.invoke()
        probs = self._interp.get_tensor(self._probs)[0].copy()
        emb = self._interp.get_tensor(self._embedding)[0].copy() if self._embedding is not None else None
        if not np.all(np.isfinite(probs)) or (emb is not None and not np.all(np.isfinite(emb))):
            raise ModelError(f"model {self.path} gave a non-finite output (NaN or infinity): the model file is "
                             "damaged or does not suit this runtime")
        return probs, emb

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Probabilities, shape (n, n_labels), for features of shape (n, frames, n_features).

        :class:`ModelError` when the model gives NaN or infinity (a damaged file without a SHA-256)."""
        features = np.asarray(features, dtype=np.float32)
        if features.ndim == 2:
            features = features[None]
        return np.stack([self._run(f)[0] for f in features]) if len(features) else np.zeros((0, len(self.labels)), np.float32)

    def predict_with_embedding(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities and penultimate-layer embeddings for a batch of feature matrices."""
        if self._embedding is None:
            raise ModelError(f"model {self.path} exposes no embedding")
        features = np.asarray(features, dtype=np.float32)
        if features.ndim == 2:
            features = features[None]
        out = [self._run(f) for f in features]
        return np.stack([p for p, _ in out]), np.stack([e for _, e in out])
