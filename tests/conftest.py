"""Shared fixtures: the real recordings beside the repository, a synthetic pluck, models."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from buzzfinder_app.constants import SAMPLE_RATE
from tests.support.signals import noise, synth_pluck

REAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """``../shared/data/real`` (clips in buzzy/, clean/, muted/ and takes/), or skip."""
    if not REAL_DIR.is_dir():
        pytest.skip(f"{REAL_DIR} not found: shared real recordings live beside the repository")
    return REAL_DIR


@pytest.fixture(scope="session")
def pluck():
    """:func:`synth_pluck`, for tests that build signals."""
    return synth_pluck


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


_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the test process with pytest's status once everything is reported, without the interpreter's
    own teardown: after hundreds of windows, engine threads and PortAudio streams opened and closed in one
    process, that teardown crashed once in about a dozen runs (SIGSEGV after "N passed", no test
    failing). The app's own shutdown is tested where it happens, in processes of its own (the
    virtual-microphone tests and the soak check that the app exits cleanly)."""
    if _EXIT_STATUS and os.environ.get("BUZZFINDER_TEST_TEARDOWN") != "full":
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])
