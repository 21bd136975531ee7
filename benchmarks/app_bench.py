"""The desktop app's cost while listening, and its start-up time, each against a baseline run here.

    xvfb-run -a .venv/bin/python benchmarks/app_bench.py [--seconds 60]

* CPU share and memory of ``buzzfinder`` listening to a virtual microphone (PulseAudio pipe
  source → PortAudio) that plays notes throughout, against a bare capture process (a sounddevice
  stream that only copies blocks): targets <= 10 % of one core, <= 350 MB.
* Launch to main window shown (warm: the best of the runs after the first), against an empty
  PySide6 window started the same way: target <= 2 s.
* The longest gap in the window's event loop (``gui_stalls.py``: a 5-ms timer) while listening,
  when the Settings restart PortAudio to list the devices, and when the History tab reads 1,000
  sessions: target <= 50 ms each, against the window idle, the rescan on the GUI thread and the
  history read session by session on the GUI thread.
Results go to ``benchmarks/out/app.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

from tests.support.virtual_mic import VirtualMic  # noqa: E402

BARE_CAPTURE = """
import sys, time, numpy as np, sounddevice as sd
blocks = []
def callback(indata, frames, t, status):
    blocks.append(indata.copy())
    del blocks[:-100]
with sd.InputStream(channels=1, dtype="float32", callback=callback):
    print("listening", flush=True)
    time.sleep(float(sys.argv[1]))
"""

BARE_WINDOW = """
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow(); w.resize(1360, 860); w.show()
QTimer.singleShot(0, lambda: (print(time.time() - t0, flush=True), app.quit()))
app.exec()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_mib(pid: int, field: str) -> float:
    """A memory figure of /proc/PID/status in MiB: ``VmHWM`` (peak RSS) or ``VmRSS`` (RSS now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mib(pid: int) -> float:
    return status_mib(pid, "VmHWM")


def notes_48k() -> np.ndarray:
    import soundfile as sf
    import soxr

    audio, rate = sf.read(ROOT / "assets" / "selftest" / "take.flac", dtype="float32")
    return soxr.resample(audio, rate, 48000).astype(np.float32)


def measure_listening(cmd: list[str], env: dict, mic: VirtualMic, seconds: float, ready) -> dict:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while not ready(proc):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{cmd[0]} did not start listening: {proc.stdout.read()}")
            time.sleep(0.2)
        take = notes_48k()
        cpu0, t0 = cpu_seconds(proc.pid), time.time()
        while time.time() - t0 < seconds:
            mic.play(take[: int(min(len(take), (seconds - (time.time() - t0)) * 48000))])
            while not mic.idle():
                time.sleep(0.05)
        cpu = cpu_seconds(proc.pid) - cpu0
        wall = time.time() - t0
        return {"cpu_share": cpu / wall, "peak_rss_mib": peak_rss_mib(proc.pid), "seconds": wall}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def app_command() -> list[str]:
    script = Path(sys.executable).with_name("buzzfinder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "buzzfinder_app"]


def mic_env(mic: VirtualMic, folder: Path) -> dict:
    """The environment of an app that hears ``mic``, with its data and config in ``folder``."""
    env = mic.env()
    env.update(BUZZFINDER_DATA_DIR=str(folder / "data"), BUZZFINDER_CONFIG_DIR=str(folder / "config"))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def calibrate_default_device(env: dict) -> None:
    """A stored calibration for the default input, so that the app does not ask for one."""
    subprocess.run([sys.executable, "-c", (
        "from datetime import datetime, timezone\n"
        "from buzzfinder_app.audio.mic import list_input_devices\n"
        "from buzzfinder_app.practice.calibration import Calibration, CalibrationStore\n"
        "d = next(d for d in list_input_devices() if d.is_default)\n"
        "CalibrationStore().save(Calibration(d.name, int(d.default_samplerate), 0.0, -55.0, -90.0, -88.0,"
        " -12.0, 5, datetime.now(timezone.utc)))\n")], env=env, check=True, timeout=60)


def listening(seconds: float, tmp: Path) -> dict:
    with VirtualMic() as mic:
        env = mic_env(mic, tmp)
        calibrate_default_device(env)
        events = tmp / "events.jsonl"
        app = measure_listening(app_command() + ["--event-log", str(events)], env, mic, seconds,
                                lambda p: events.exists() and '"listening"' in events.read_text())
        bare = measure_listening([sys.executable, "-c", BARE_CAPTURE, str(seconds + 30)], env, mic, seconds,
                                 lambda p: p.stdout.readline().startswith("listening"))
        notes = sum(1 for line in events.read_text().splitlines() if '"final"' in line)
        stage_events = tmp / "stage-events.jsonl"
        stage = measure_listening(app_command() + ["--stage", "--event-log", str(stage_events)], env, mic, seconds,
                                  lambda p: stage_events.exists() and '"listening"' in stage_events.read_text())
    return {"app": app, "bare_capture": bare, "final_verdicts": notes, "stage": stage}


def gui_stalls(seconds: float, tmp: Path) -> dict:
    """The longest gaps of the window's event loop (``gui_stalls.py``), notes played while it listens."""
    with VirtualMic() as mic:
        env = mic_env(mic, tmp / "stalls")
        calibrate_default_device(env)
        proc = subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "gui_stalls.py"), "--seconds", str(seconds)],
                                env=env, stdout=subprocess.PIPE, text=True)
        try:
            if proc.stdout.readline().strip() != "listening":
                raise RuntimeError(f"gui_stalls.py did not start listening: {proc.communicate()[0]}")
            take, t0 = notes_48k(), time.time()
            while time.time() - t0 < seconds and proc.poll() is None:
                mic.play(take[: int(min(len(take), (seconds - (time.time() - t0)) * 48000))])
                while not mic.idle() and proc.poll() is None:
                    time.sleep(0.05)
            out, _ = proc.communicate(timeout=1800)
        finally:
            if proc.poll() is None:
                proc.kill()
    if proc.returncode != 0:
        raise RuntimeError(f"gui_stalls.py failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def launch(runs: int, tmp: Path) -> dict:
    env = dict(os.environ, BUZZFINDER_DATA_DIR=str(tmp / "data"), BUZZFINDER_CONFIG_DIR=str(tmp / "config"))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    app_times, bare_times = [], []
    for i in range(runs):
        events = tmp / f"launch{i}.jsonl"
        t0 = time.time()
        proc = subprocess.Popen(app_command() + ["--event-log", str(events)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not (events.exists() and "window_shown" in events.read_text()):
            if proc.poll() is not None or time.time() - t0 > 60:
                raise RuntimeError("the app did not show its window")
            time.sleep(0.01)
        shown = next(json.loads(line)["wall_time"] for line in events.read_text().splitlines() if "window_shown" in line)
        app_times.append(shown - t0)
        proc.terminate()
        proc.wait(timeout=30)
        t0 = time.time()
        out = subprocess.run([sys.executable, "-c", BARE_WINDOW, str(t0)], env=env, capture_output=True, text=True)
        bare_times.append(float(out.stdout.strip().splitlines()[-1]))
    warm = slice(1, None) if runs > 1 else slice(None)
    return {"app_s": min(app_times[warm]), "bare_window_s": min(bare_times[warm]), "first_app_s": app_times[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--stall-seconds", type=float, default=20.0, help="listening time of the GUI-stall probe")
    ap.add_argument("--parts", default="launch,listening,stalls", help="which measures, comma-separated")
    args = ap.parse_args()
    parts = args.parts.split(",")
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "launch" in parts:
            results["launch"] = launch(args.runs, Path(tmp))
        if "listening" in parts:
            results["listening"] = listening(args.seconds, Path(tmp))
        if "stalls" in parts:
            results["gui_stalls"] = gui_stalls(args.stall_seconds, Path(tmp))
    (OUT / ("app.json" if len(parts) == 3 else f"app-{'-'.join(parts)}.json")).write_text(json.dumps(results, indent=2))
    if "listening" in results:
        print(f"listening {results['listening']['app']['seconds']:.0f} s to a virtual microphone playing notes "
              f"({results['listening']['final_verdicts']} final verdicts)")
    print("| measure | buzzfinder | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    if "listening" in results:
        a, b = results["listening"]["app"], results["listening"]["bare_capture"]
        print(f"| CPU while listening (share of one core) | {a['cpu_share']:.1%} | {b['cpu_share']:.1%} (bare capture) "
              f"| {a['cpu_share'] / max(b['cpu_share'], 1e-6):.1f}x | <= 10 % |")
        print(f"| peak RSS while listening | {a['peak_rss_mib']:.0f} MiB | {b['peak_rss_mib']:.0f} MiB (bare capture) "
              f"| {a['peak_rss_mib'] / b['peak_rss_mib']:.1f}x | <= 350 MB |")
        st = results["listening"]["stage"]
        print(f"| CPU while listening in the stage view (full screen) | {st['cpu_share']:.1%} | {b['cpu_share']:.1%} "
              f"(bare capture) | {st['cpu_share'] / max(b['cpu_share'], 1e-6):.1f}x | <= 10 % |")
    if "launch" in results:
        la = results["launch"]
        print(f"| launch to window shown (warm) | {la['app_s']:.2f} s (first {la['first_app_s']:.2f} s) | "
              f"{la['bare_window_s']:.2f} s (empty Qt window) | {la['app_s'] / la['bare_window_s']:.1f}x | <= 2 s |")
    if "gui_stalls" in results:
        g = results["gui_stalls"]
        rows = [
            (f"longest GUI stall while listening ({g['listened_s']:.0f} s, 5-ms timer)", g["listening"],
             g["idle"], "the window idle"),
            ("... Settings opened (PortAudio restarted to list the devices)", g["rescan"],
             g["rescan_on_gui_thread"], "the same rescan on the GUI thread"),
            (f"... History tab opened ({g['history_sessions']:,} sessions, 25 notes each)", g["history_first"],
             g["history_reads_on_gui_thread"], "its reads session by session on the GUI thread"),
            ("... History refreshed with one session more", g["history_again"], g["history_reads_on_gui_thread"],
             "the same"),
        ]
        for name, value, base, what in rows:
            print(f"| {name} | {value:.0f} ms | {base:.0f} ms: {what} | {value / base:.2f}x | <= 50 ms |")
        lag = g["engine_lag_ms"]
        print(f"| engine lag while listening (audio not yet analysed, at each 40-ms drain) | max {lag['max']:.0f} ms, "
              f"median {lag['median']:.0f} ms; {lag['drops']} blocks dropped | {lag['drain_ms']} ms: one drain | "
              f"{lag['max'] / lag['drain_ms']:.1f}x | <= {lag['limit_ms']:.0f} ms, 0 dropped |")


if __name__ == "__main__":
    main()
