"""The JSON file that travels beside each model and says what the model expects.

A model is only used when its metadata matches what this code computes: same labels in the same
order, same sample rate, same feature parameters. Anything else is refused with a clear message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import DEFAULT_PARAMS, FEATURE_KINDS, FeatureParams

FORMAT_VERSION = 1


class ModelError(Exception):
    """A model that cannot be used; the message says why, for the user."""


@dataclass
class ModelMetadata:
    labels: tuple[str, ...]
    sample_rate: int
    window_s: float
    features: FeatureParams
    embedding_dim: int
    unsure_threshold: float = 0.5
    format_version: int = FORMAT_VERSION
    name: str = "buzzfinder"
    version: str = "dev"
    training: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    #: Hex SHA-256 of the model file's bytes: a damaged copy is refused (absent in older exports).
    sha256: str | None = None

    def to_dict(self) -> dict:
        return {
            "format_version": self.format_version,
            "name": self.name,
            "version": self.version,
            "labels": list(self.labels),
            "sample_rate": self.sample_rate,
            "window_s": self.window_s,
            "input_shape": list(self.features.shape),
            "features": self.features.to_dict(),
            "embedding_dim": self.embedding_dim,
            "unsure_threshold": self.unsure_threshold,
            "training": self.training,
            "metrics": self.metrics,
            "provenance": self.provenance,
            **({"sha256": self.sha256} if self.sha256 else {}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ModelMetadata":
        if not isinstance(d.get("features"), dict):
            raise ModelError(f"model metadata is malformed: \"features\" must be an object, not {d.get('features')!r:.40}")
        sha256 = d.get("sha256")
        if sha256 is not None and not (isinstance(sha256, str) and re.fullmatch(r"[0-9a-f]{64}", sha256)):
            raise ModelError(f"model metadata is malformed: \"sha256\" must be 64 lower-case hex digits, not {sha256!r:.80}")
        try:
            return cls(
                labels=tuple(d["labels"]),
                sample_rate=int(d["sample_rate"]),
                window_s=float(d["window_s"]),
                features=FeatureParams.from_dict(d["features"]),
                embedding_dim=int(d["embedding_dim"]),
                unsure_threshold=float(d.get("unsure_threshold", 0.5)),
                format_version=int(d["format_version"]),
                name=str(d.get("name", "buzzfinder")),
                version=str(d.get("version", "?")),
                training=dict(d.get("training", {})),
                metrics=dict(d.get("metrics", {})),
                provenance=dict(d.get("provenance", {})),
                sha256=sha256,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model metadata is incomplete or malformed ({exc!r})") from None

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "ModelMetadata":
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"model metadata {path} is missing (it must lie beside the model file)")
        try:
            data = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(f"model metadata {path} is not readable JSON ({exc})") from None
        except RecursionError:
            raise ModelError(f"model metadata {path} is not usable JSON (nested too deeply)") from None
        if not isinstance(data, dict):
            raise ModelError(f"model metadata {path} is not a JSON object")
        return cls.from_dict(data)

    def check_compatible(self) -> None:
        """Raise :class:`ModelError` unless this code computes exactly what the model expects."""
        problems = []
        if self.format_version != FORMAT_VERSION:
            problems.append(f"format version {self.format_version} (this app reads {FORMAT_VERSION})")
        if tuple(self.labels) != C.LABELS:
            problems.append(f"labels {list(self.labels)} (expected {list(C.LABELS)})")
        if self.sample_rate != C.SAMPLE_RATE:
            problems.append(f"sample rate {self.sample_rate} Hz (expected {C.SAMPLE_RATE} Hz)")
        if abs(self.window_s - C.WINDOW_S) > 1e-9:
            problems.append(f"window {self.window_s} s (expected {C.WINDOW_S} s)")
        expected = DEFAULT_PARAMS.with_kind(self.features.kind)
        if self.features.kind not in FEATURE_KINDS:
            problems.append(f"feature kind {self.features.kind!r}")
        elif self.features != expected:
            diff = {k: v for k, v in self.features.to_dict().items() if expected.to_dict()[k] != v}
            problems.append(f"feature parameters {diff} (expected {expected.to_dict()})")
        if not 0.0 <= self.unsure_threshold < 1.0:
            problems.append(f"unsure threshold {self.unsure_threshold}")
        if problems:
            raise ModelError("model does not match this version of buzzfinder: " + "; ".join(problems))
