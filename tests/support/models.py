"""Copies of the shipped model for the fault tests: with its SHA-256 in the metadata, damaged on purpose."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "assets" / "buzzfinder.tflite"


def copy_model(folder: Path, *, sha256: bool = True, damage=None) -> Path:
    """A copy of the shipped model in ``folder``, its metadata carrying the SHA-256 of the good bytes;
    ``damage(bytearray)`` then changes the copy's bytes."""
    if not SHIPPED.is_file():
        pytest.skip("assets/buzzfinder.tflite is not there yet")
    folder.mkdir(parents=True, exist_ok=True)
    content = bytearray(SHIPPED.read_bytes())
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    meta.pop("sha256", None)
    if sha256:
        meta["sha256"] = hashlib.sha256(content).hexdigest()
    if damage is not None:
        damage(content)
    path = folder / "model.tflite"
    path.write_bytes(bytes(content))
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path


def overwrite_middle(content: bytearray, n: int = 4000) -> None:
    """``n`` bytes in the middle of the file set to 0xff (a NaN in every float they cover)."""
    mid = len(content) // 2
    content[mid - n // 2: mid + n // 2] = b"\xff" * n


def flip_bytes(content: bytearray, n: int = 200) -> None:
    for i in np.random.default_rng(0).choice(np.arange(len(content) // 4, len(content)), n, replace=False):
        content[i] ^= 0xFF
