"""Keyboard shortcuts, drag and drop of a recording, and the dropped-audio counter."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from tests.support.ui import ArraySource, make_window


def _active(qtbot, w):
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    return w.focusWidget() or w


def test_space_f1_and_ctrl_o(qtbot, ui_env, themed_app, no_devices, take, monkeypatch):
    import buzzfinder_app.ui.about as about

    w = make_window(input_file=take)
    qtbot.addWidget(w)
    target = _active(qtbot, w)
    qtbot.keyClick(target, Qt.Key_Space)
    assert w.live.running and w.listen_button.isChecked()
    with qtbot.waitSignal(w.live.stopped, timeout=5000):
        qtbot.keyClick(w.focusWidget() or w, Qt.Key_Space)
    assert not w.live.running

    shown = []
    monkeypatch.setattr(about, "show_about", lambda parent, services: shown.append(services))
    qtbot.keyClick(w.focusWidget() or w, Qt.Key_F1)
    assert shown == [w.services]

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(take), ""))
    with qtbot.waitSignal(w.recordings_view.analysis_finished, timeout=20000):
        qtbot.keyClick(w.focusWidget() or w, Qt.Key_O, Qt.ControlModifier)
    assert w.tabs.currentWidget() is w.recordings_view


def test_dropping_a_file_opens_it_in_recordings(qtbot, ui_env, themed_app, no_devices, take):
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(take))])
    event = QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(w.recordings_view.analysis_finished, timeout=20000):
        w.dropEvent(event)
    assert w.recordings_view.table.rowCount() == 3


def test_dropped_audio_is_counted_never_fatal(qtbot, ui_env, themed_app, one_device, monkeypatch):
    import numpy as np

    import buzzfinder_app.ui.main_window as mw

    src = ArraySource(np.zeros(22050 * 30, np.float32), chunk=512)
    monkeypatch.setattr(mw, "MicInput", lambda *a, **k: src)
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    assert w.start_listening()
    src.overflows = 4
    qtbot.waitUntil(lambda: w.overflow_status.text() == "dropped audio: 4", timeout=2000)
    assert w.live.running
    w.stop_listening()
