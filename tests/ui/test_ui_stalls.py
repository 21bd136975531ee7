"""Nothing slow on the GUI thread: the device rescan and the history's reads run beside it."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer

from tests.support.ui import ArraySource, make_window


def ticks_while(qtbot, ms: int) -> int:
    """How often a 5-ms timer fires in ``ms`` of the event loop."""
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(5)
    qtbot.wait(ms)
    timer.stop()
    return len(ticks)


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
    assert ticks_while(qtbot, 150) >= 10  # the window goes on while PortAudio restarts
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
    assert ticks_while(qtbot, 150) >= 10 and w.services.scanning
    release.set()
    qtbot.waitUntil(lambda: not w.services.scanning, timeout=10000)
    assert threads == [threads[0]] and threads[0] is not threading.main_thread()
    assert "No microphone" in w.banner.messages()["device"] and not w.live.running
