"""End to end through real audio: a virtual microphone, the app started as a user starts it.

A private PulseAudio daemon plays the project's own self-test take (six notes with known onsets)
into a pipe source; the app, started with ``buzzfinder`` on a calibrated device, captures it
through PortAudio, and ``buzzfinder sessions --json`` must then list exactly those notes with
onsets right to 30 ms. Verdict latency is measured in wall-clock time from the moment each note's
onset entered the microphone to the moment the app had the verdict (its event log), printed, and
held to a bound with headroom for a loaded machine.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from buzzfinder_app.model.runtime import assets_dir

pytestmark = pytest.mark.slow

TAKE = assets_dir() / "selftest" / "take.flac"


def buzzfinder_command() -> list[str]:
    script = Path(sys.executable).with_name("buzzfinder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "buzzfinder_app"]


@pytest.fixture()
def mic():
    from tests.support.virtual_mic import VirtualMic, VirtualMicUnavailable

    try:
        with VirtualMic() as vm:
            yield vm
    except VirtualMicUnavailable as exc:
        pytest.skip(f"no virtual microphone here: {exc}")


def app_env(mic, tmp_path) -> dict:
    env = mic.env()
    env["BUZZFINDER_DATA_DIR"] = str(tmp_path / "data")
    env["BUZZFINDER_CONFIG_DIR"] = str(tmp_path / "config")
    # The UI tests' conftest makes this whole process offscreen; the app started here shows a real window
    # wherever there is an X display (the README's command runs the tests under xvfb-run).
    env["QT_QPA_PLATFORM"] = "xcb" if env.get("DISPLAY") else "offscreen"
    return env


def calibrate_default_device(env, channel: int = 1) -> str:
    """Store a calibration for input ``channel`` of the default device and choose that input, as the
    wizard would after a first run; returns the input's name."""
    script = (
        "from buzzfinder_app.audio.mic import list_input_devices\n"
        "from datetime import datetime, timezone\n"
        "from buzzfinder_app.practice.calibration import Calibration, CalibrationStore\n"
        "from buzzfinder_app.audio.devices import input_name\n"
        "from buzzfinder_app.ui.settings import AppSettings\n"
        "d = next(d for d in list_input_devices() if d.is_default)\n"
        f"name = input_name(d.name, {channel})\n"
        "CalibrationStore().save(Calibration(device=name, sample_rate=int(d.default_samplerate),"
        " gain_db=0.0, gate_dbfs=-55.0, noise_floor_dbfs=-90.0, noise_percentile_dbfs=-88.0,"
        " note_level_dbfs=-12.0, notes_detected=5, created_at=datetime.now(timezone.utc)))\n"
        f"settings = AppSettings(); settings.device = d.name; settings.channel = {channel}; settings.sync()\n"
        "print(name)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def sessions(env) -> list[dict]:
    out = subprocess.run(buzzfinder_command() + ["sessions", "--json"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def read_take():
    import soundfile as sf
    import soxr

    meta = json.loads((TAKE.parent / "take.json").read_text())
    audio, rate = sf.read(TAKE, dtype="float32")
    return soxr.resample(audio, rate, 48000), meta


def screenshot_of_the_window(env) -> Path | None:
    """The app's window as the X display shows it (under xvfb-run), or None where there is no display."""
    from tests.support import x11_screenshot
    from tests.ui.test_ui_screenshots import shot_dir

    if not env.get("DISPLAY"):
        print("\nno X screenshot: no X display (the README's command runs the tests under xvfb-run)")
        return None
    reason = x11_screenshot.unavailable()  # a display but no way to capture it is a failure, not a skip
    assert reason is None, f"there is an X display but its window cannot be captured: {reason}"
    path = x11_screenshot.grab_window("buzzfinder", shot_dir() / "x11_app_after_virtual_mic_take.png", env)
    print(f"\nscreenshot: {path}")
    return path


def listen(mic, env, take, events: Path, screenshot: bool = False):
    """Start the app as a user would, play ``take`` into the microphone, close the app with SIGTERM;
    returns the wall time the take started and the screenshot taken at the end (or None)."""
    app = subprocess.Popen(buzzfinder_command() + ["--event-log", str(events)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while not (events.exists() and '"listening"' in events.read_text()):
            assert app.poll() is None, f"the app exited early:\n{app.stdout.read()}"
            assert time.time() < deadline, "the app did not start listening within 60 s"
            time.sleep(0.2)
        time.sleep(1.0)  # let the onset detector learn the room's silence
        started = mic.play(take)
        while not mic.idle():
            time.sleep(0.1)
        time.sleep(3.0)  # the last note's final verdict comes 2 s after its onset
        shot = screenshot_of_the_window(env) if screenshot else None
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            output = app.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            app.kill()
            output = app.communicate()[0]
    assert app.returncode == 0, f"the app did not close cleanly on SIGTERM:\n{output}"
    return started, shot


def test_app_hears_the_virtual_microphone_and_stores_every_note(mic, tmp_path):
    env = app_env(mic, tmp_path)
    device = calibrate_default_device(env)
    events = tmp_path / "events.jsonl"
    take, meta = read_take()
    started, screenshot = listen(mic, env, take, events, screenshot=True)

    stored = sessions(env)
    assert len(stored) == 1, stored
    session = stored[0]
    assert session["input"] == device and session["ended_at"], session
    true_onsets = np.array([n["onset_s"] for n in meta["notes"]])
    heard = np.array([n["onset_s"] for n in session["notes"]])
    assert len(heard) == len(true_onsets), f"heard onsets {heard}, played {true_onsets}"
    # The session clock started when listening began; the take started `offset` seconds later.
    session_start = datetime.fromisoformat(session["started_at"]).timestamp()
    offset = float(np.median(heard - true_onsets))
    assert abs(offset - (started - session_start)) < 0.5, (offset, started - session_start)
    errors_ms = (heard - true_onsets - offset) * 1e3
    assert np.all(np.abs(errors_ms) <= 30), f"onset errors {errors_ms} ms"

    log = [json.loads(line) for line in events.read_text().splitlines()]
    latency = {"provisional": [], "final": []}
    for e in log:
        if e.get("kind") in latency:
            played_at = started + true_onsets[np.argmin(np.abs(true_onsets + offset - e["onset_s"]))]
            latency[e["kind"]].append(e["wall_time"] - played_at)
    assert len(latency["provisional"]) == len(true_onsets) and len(latency["final"]) == len(true_onsets)
    print(f"\nvirtual microphone: {len(heard)} notes, onset errors {np.round(errors_ms, 1).tolist()} ms; "
          f"onset-to-provisional {np.mean(latency['provisional']):.3f} s mean, "
          f"{np.max(latency['provisional']):.3f} s max; onset-to-final {np.mean(latency['final']):.3f} s mean, "
          f"{np.max(latency['final']):.3f} s max")
    # The product's goal is a provisional verdict within 0.5 s of the onset (it is decided after 0.4 s of
    # audio; the pipe source, PortAudio's buffers and the 40-ms drain add the rest, about 0.45 s here).
    # On a shared CI machine the test keeps headroom: it catches a pipeline that waits for the final
    # verdict (2 s) or stalls, not scheduler jitter; the figure itself is printed above.
    assert max(latency["provisional"]) <= 0.8
    if screenshot is not None:  # a window of 1360 x 860 or so, drawn, not blank
        from PySide6.QtGui import QImage

        image = QImage(str(screenshot))
        assert image.width() >= 800 and image.height() >= 500, image.size()
        assert screenshot.stat().st_size > 20_000


@pytest.mark.parametrize("channel", [2, 1])
def test_the_guitar_on_an_interfaces_second_input(tmp_path, channel):
    """A two-input interface: hum and hiss on input 1, the guitar on input 2. The input the player
    chose is the one heard: on input 2 every note of the take, stored under that input; on input 1
    none (PulseAudio mixes all inputs into one when a stream asks for one channel: it must not)."""
    from tests.support.virtual_mic import VirtualMic, VirtualMicUnavailable

    try:
        mic = VirtualMic(channels=2).__enter__()
    except VirtualMicUnavailable as exc:
        pytest.skip(f"no virtual microphone here: {exc}")
    try:
        env = app_env(mic, tmp_path)
        name = calibrate_default_device(env, channel=channel)
        take, meta = read_take()
        t = np.arange(len(take)) / 48000
        hum = (0.05 * np.sin(2 * np.pi * 50 * t) + 0.003 * np.random.default_rng(0).standard_normal(len(t)))
        hum *= np.minimum(1.0, t / 1.0)  # faded in: a hum that starts is not a note
        listen(mic, env, np.stack([hum, take], axis=1), tmp_path / "events.jsonl")
    finally:
        mic.__exit__(None, None, None)
    stored = sessions(env)
    assert len(stored) == 1 and stored[0]["input"] == name, stored
    heard = np.array([n["onset_s"] for n in stored[0]["notes"]])
    if channel == 1:
        assert len(heard) == 0, stored[0]["notes"]
        return
    played = np.array([n["onset_s"] for n in meta["notes"]])
    assert name.endswith("· input 2") and len(heard) == len(played), (name, heard, played)
    assert np.ptp(heard - played) < 0.03  # the same notes, one constant offset (when listening began)


RESCAN = r"""
import json, time
import numpy as np
from buzzfinder_app.audio.mic import MicSource, list_input_devices
before = [d.name for d in list_input_devices()]
after = [d.name for d in list_input_devices(rescan=True)]  # PortAudio restarted
mic = MicSource()
mic.start()
print("open", flush=True)
time.sleep(2.0)
y = mic.read()
mic.stop()
print(json.dumps({"before": before, "after": after, "seconds": len(y) / 22050, "peak": float(np.max(np.abs(y)))}))
"""


def test_looking_for_devices_again_leaves_the_microphone_usable(mic):
    """The rescan behind 'plug it in and press Space' restarts PortAudio: the device list is the
    same and a stream opened afterwards hears the microphone."""
    child = subprocess.Popen([sys.executable, "-c", RESCAN], env=mic.env(), stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "open"
    t = np.arange(48000) / 48000
    mic.play(0.5 * np.sin(2 * np.pi * 220 * t))
    out, _ = child.communicate(timeout=60)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["before"] == result["after"] and result["before"], result
    assert result["seconds"] > 1.5 and result["peak"] > 0.3, result
