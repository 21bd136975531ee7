"""End to end through a real (virtual) microphone: PulseAudio pipe source → PortAudio → MicSource →
drain timer → engine thread → verdicts → store; then the device vanishes mid-session.

The app runs in a subprocess (PortAudio must start inside the virtual microphone's environment).
Skipped where PulseAudio is not available.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.support.ui import make_take, model_path

DRIVER = r"""
import json, os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from buzzfinder_app.ui.app import make_application
from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow
app = make_application()
w = MainWindow(LaunchOptions(ask_calibration=False))
w.show()
finals = []
w.live.note_event.connect(lambda e: finals.append(e.verdict.label) if e.kind == "final" else None)
state = {}
w.session.saved.connect(lambda n, _reason: (state.setdefault("saved", n), QTimer.singleShot(100, app.quit)))
ok = w.start_listening()
print("LISTENING", ok, w.device_status.text(), flush=True)
QTimer.singleShot(int(float(sys.argv[1]) * 1000), app.quit)
app.exec()
print(json.dumps({"finals": finals, "banners": w.banner.messages(), "saved": state.get("saved"),
                  "running": w.live.running, "device": w.device_status.text()}), flush=True)
"""


def test_virtual_microphone_session_and_unplug(ui_env, tmp_path):
    from tests.support.virtual_mic import VirtualMic, VirtualMicUnavailable

    import soxr
    from buzzfinder_app.audio.file import read_audio

    take = read_audio(make_take(tmp_path / "take.wav"))
    take48 = soxr.resample(take, 22050, 48000).astype(np.float32)
    try:
        mic = VirtualMic().__enter__()
    except VirtualMicUnavailable as exc:
        pytest.skip(str(exc))
    try:
        env = mic.env()
        env.update(BUZZFINDER_DATA_DIR=str(ui_env / "data"), BUZZFINDER_CONFIG_DIR=str(ui_env / "config"),
                   BUZZFINDER_MODEL=str(model_path()), PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        proc = subprocess.Popen([sys.executable, "-c", DRIVER, "30"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        guard = threading.Timer(60, proc.kill)  # never hang the suite
        guard.start()
        line = proc.stdout.readline()
        if not line.startswith("LISTENING True"):
            proc.kill()
            pytest.skip(f"the app could not listen to the virtual microphone: {line.strip()!r}")
        time.sleep(0.3)
        mic.play(take48)
        while not mic.idle():
            time.sleep(0.05)
        time.sleep(2.5)  # the last note's final verdict comes 2 s after its onset
        mic._kill_daemon()  # the device disappears mid-session
        out, _ = proc.communicate(timeout=20)
        guard.cancel()
    finally:
        mic.__exit__(None, None, None)
    result = json.loads(out.strip().splitlines()[-1])
    assert len(result["finals"]) == 3, result
    assert "Microphone disconnected" in result["banners"].get("device", ""), result
    assert result["saved"] == 3 and not result["running"]

    from buzzfinder_app.practice.sessions import SessionStore

    session = SessionStore(ui_env / "data" / "sessions.sqlite3").sessions()[-1]
    assert session.note_count == 3 and session.ended_at is not None
    assert session.input == session.device
