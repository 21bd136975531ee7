"""Nothing slow on the GUI thread: the device rescan and the history's reads run beside it."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt, QTimer

from tests.support.ui import ArraySource, bulk_history, make_window


class Ticks:
    """A 5-ms timer on the GUI thread: how often it fired and its longest interval (ms)."""

    def __init__(self):
        self.times = [time.perf_counter()]
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(lambda: self.times.append(time.perf_counter()))
        self.timer.start(5)

    def stop(self) -> "Ticks":
        self.timer.stop()
        self.times.append(time.perf_counter())
        return self

    @property
    def count(self) -> int:
        return len(self.times) - 2

    @property
    def longest_ms(self) -> float:
        return 1000 * max(b - a for a, b in zip(self.times, self.times[1:]))


def ticks_while(qtbot, ms: int) -> int:
    """How often a 5-ms timer fires in ``ms`` of the event loop."""
    ticks = Ticks()
    qtbot.wait(ms)
    return ticks.stop().count


def slow_scan(monkeypatch, devices):
    """``list_input_devices`` whose rescan waits for the returned event; the threads it ran on."""
    import buzzfinder_app.audio.mic as mic

    release, threads = threading.Event(), []

    def scan(rescan=False):
        threads.append(threading.current_thread())
        if rescan:
            release.wait(10)
        return list(devices)

    monkeypatch.setattr(mic, "list_input_devices", scan)
    return release, threads


def test_settings_look_for_devices_off_the_gui_thread(qtbot, ui_env, themed_app, one_device, take, monkeypatch):
    import buzzfinder_app.ui.calibration_wizard as cw
    import buzzfinder_app.ui.main_window as mw
    from buzzfinder_app.audio.file import read_audio

    release, threads = slow_scan(monkeypatch, [one_device])
    monkeypatch.setattr(mw, "MicInput", lambda device, rate, device_name, channel=1: ArraySource(
        read_audio(take), chunk=2048, name=device_name))
    opened, wizards = [], []
    monkeypatch.setattr(mw.SettingsDialog, "exec", lambda dlg: opened.append(dlg) or 0)
    monkeypatch.setattr(cw.CalibrationWizard, "exec", lambda wizard: wizards.append(wizard) or 0)
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    w.open_settings()
    w.open_settings()  # clicked twice while PortAudio restarts: one dialog
    assert w.services.scanning and not opened
    assert ticks_while(qtbot, 200) >= 3  # the window goes on while PortAudio restarts
    assert not w.open_calibration() and not wizards  # no stream may open meanwhile: the wizard waits
    assert not w.start_listening() and not w.live.running  # so does listening
    release.set()
    qtbot.waitUntil(lambda: w.live.running, timeout=10000)
    assert len(opened) == 1 and len(wizards) == 1
    assert threads[-1] is not threading.main_thread() and not w.services.scanning
    w.stop_listening()
    qtbot.waitUntil(lambda: not w.live.running, timeout=10000)


def test_start_listening_looks_for_devices_off_the_gui_thread(qtbot, ui_env, themed_app, no_devices, monkeypatch):
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    release, threads = slow_scan(monkeypatch, [])
    assert not w.start_listening()
    assert ticks_while(qtbot, 200) >= 3 and w.services.scanning
    release.set()
    qtbot.waitUntil(lambda: not w.services.scanning, timeout=10000)
    assert threads == [threads[0]] and threads[0] is not threading.main_thread()
    assert "No microphone" in w.banner.messages()["device"] and not w.live.running


def test_the_history_is_read_beside_the_gui_thread_over_its_own_connection(qtbot, ui_env, themed_app):
    """1,000 sessions: the window keeps ticking while they are read (it stalled for 0.7 s, then for
    minutes on the next refresh), the shared store (the session recorder's) is not queried at all,
    and a refresh keeps the session the player chose."""
    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView

    bulk_history(1000)
    store = SessionStore()
    queries = []
    store._conn.set_trace_callback(queries.append)
    view = HistoryView(store)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    ticks = Ticks()
    with qtbot.waitSignal(view.refreshed, timeout=30000):
        view.refresh()
        view.refresh()  # asked again while reading: read once more, shown once
    assert view.model.rowCount() == 1000 and "1000 sessions" in view.totals.text()
    assert ticks.stop().count >= 3 and ticks.longest_ms < 400, ticks.longest_ms  # generous: 2 shared cores
    view.table.selectRow(7)
    chosen = view.sessions[7]
    assert view.session_text.text().startswith(f"{view.summaries[chosen.id].notes} notes")
    ticks = Ticks()
    with qtbot.waitSignal(view.refreshed, timeout=30000):
        view.refresh()
    assert ticks.stop().longest_ms < 400, ticks.longest_ms
    assert view.sessions[view.table.selectionModel().selectedRows()[0].row()] == chosen
    assert queries == []
