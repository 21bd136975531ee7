"""Shared fixtures: the real recordings beside the repository, a synthetic pluck, a placeholder model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from buzzfinder_app.constants import SAMPLE_RATE

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """``../shared/data/real`` (clips in buzzy/, clean/, muted/ and takes/), or skip."""
    if not REAL_DIR.is_dir():
        pytest.skip(f"{REAL_DIR} not found: shared real recordings live beside the repository")
    return REAL_DIR


def synth_pluck(f0: float = 196.0, duration: float = 1.5, *, sr: int = SAMPLE_RATE, level_db: float = -12.0,
                inharmonicity: float = 1e-4, n_harmonics: int = 20, decay_s: float = 0.8,
                fundamental: bool = True, seed: int = 0) -> np.ndarray:
    """A plucked-string-like note: decaying, slightly stretched harmonics plus a short noise attack.

    Peak level about ``level_db`` dBFS. ``fundamental=False`` leaves out the first harmonic.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration * sr)) / sr
    y = np.zeros_like(t)
    for k in range(1 if fundamental else 2, n_harmonics + 1):
        fk = k * f0 * np.sqrt(1.0 + inharmonicity * k * k)
        if fk >= sr / 2:
            break
        amplitude = np.sin(np.pi * k * 0.13) / k  # plucked at 13 % of the string length
        y += amplitude * np.exp(-t * k**0.5 / decay_s) * np.sin(2 * np.pi * fk * t + rng.uniform(0, 2 * np.pi))
    attack = rng.standard_normal(len(t)) * np.exp(-t / 0.004) * 0.3
    y = (y + attack) * np.minimum(1.0, t / 0.002)
    return (y * 10 ** (level_db / 20) / np.max(np.abs(y))).astype(np.float32)


@pytest.fixture(scope="session")
def pluck():
    """:func:`synth_pluck`, for tests that build signals."""
    return synth_pluck


def noise(n: int, level_db: float, seed: int = 1) -> np.ndarray:
    """White noise at an RMS level of ``level_db`` dBFS."""
    return (np.random.default_rng(seed).standard_normal(n) * 10 ** (level_db / 20)).astype(np.float32)


@pytest.fixture(scope="session")
def white_noise():
    """:func:`noise`, for tests that build signals."""
    return noise


@pytest.fixture(scope="session")
def placeholder_model_path(tmp_path_factory) -> Path:
    """A small untrained model exported like the real one (for structure, not accuracy); needs TensorFlow."""
    pytest.importorskip("tensorflow", reason="TensorFlow is needed to build a placeholder model")
    from training.export import export_model
    from training.model import build_model

    from buzzfinder_app.model.features import DEFAULT_PARAMS

    path = tmp_path_factory.mktemp("model") / "buzzfinder.tflite"
    export_model(build_model(filters=(4, 8, 8)), path, DEFAULT_PARAMS)
    return path


@pytest.fixture(scope="session")
def shipped_model():
    """The model in assets/, or skip while it has not been trained yet."""
    from buzzfinder_app.model.runtime import Model, assets_dir

    if not (assets_dir() / "buzzfinder.tflite").is_file():
        pytest.skip("assets/buzzfinder.tflite does not exist yet (the trained model is added later)")
    return Model.load(assets_dir() / "buzzfinder.tflite")
