"""Fixtures of the UI tests: offscreen Qt, isolated data and config folders, a themed application,
fake input devices, a synthetic take. Helpers live in :mod:`tests.support.ui`."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tests.support.ui import make_take, model_path  # noqa: E402


@pytest.fixture
def ui_env(tmp_path, monkeypatch):
    """Isolated data and config folders and a model; returns the tmp folder."""
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BUZZFINDER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("BUZZFINDER_MODEL", str(model_path()))
    return tmp_path


@pytest.fixture
def no_devices(monkeypatch):
    """``list_input_devices`` returns nothing."""
    import buzzfinder_app.audio.mic as mic

    monkeypatch.setattr(mic, "list_input_devices", lambda *a, **k: [])


@pytest.fixture
def themed_app(qapp):
    """The themed QApplication. Closing a test's last window must not post a Quit event (Qt 6 then
    closes every window, including the next test's). The test's closed windows are deleted after it."""
    from buzzfinder_app.ui.app import make_application

    app = make_application()
    app.setQuitOnLastWindowClosed(False)
    yield app
    _delete_closed_windows()


def _delete_closed_windows() -> None:
    """Delete now the windows pytest-qt closed with ``deleteLater`` (otherwise they linger into later
    tests and are deleted there, at whatever moment the garbage collector frees their wrappers)."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    gc.collect()


@pytest.fixture
def take(tmp_path) -> Path:
    return make_take(tmp_path / "take.wav")


@pytest.fixture
def one_device(monkeypatch):
    """``list_input_devices`` returns one fake default device."""
    import buzzfinder_app.audio.mic as mic
    from buzzfinder_app.audio.devices import InputDevice

    dev = InputDevice(index=3, name="Test Interface", is_default=True, max_input_channels=2,
                      default_samplerate=48000.0)
    monkeypatch.setattr(mic, "list_input_devices", lambda *a, **k: [dev])
    return dev
