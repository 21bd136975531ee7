"""Soak: the app with a looped file as its microphone for an hour, then killed at random moments.

    nice -n 19 .venv/bin/python benchmarks/soak_bench.py [--minutes 60] [--kill-minutes 10] [--seed 0] [--take FILE]

Both runs start the real app as a user would, ``buzzfinder --input-file TAKE --loop --event-log
FILE`` (Qt offscreen unless ``QT_QPA_PLATFORM`` says otherwise), on a fresh data folder. The take is
the built-in self-test take (``assets/selftest/take.flac``, 13.1 s, looped).

* Soak run (``--minutes``): the process's RSS (``VmRSS``) every 5 s; then SIGTERM, on which the app
  saves and quits as on closing its window. Checks: every final verdict in the event log is in
  ``buzzfinder sessions --json``, in order, with its label and onset (stored modulo the take's
  length); nothing in the fault log; memory flat: the median RSS over the last 10 % of the run
  within 10 % of the baseline, the app's own median RSS over 10-20 % of the run (after warm-up).
* Kill run (``--kill-minutes``): SIGKILL after 30-120 s of listening (seeded), started again on the
  same data folder. After each kill: ``PRAGMA integrity_check`` is ok, and every final verdict logged
  more than 1 s before the kill is stored in that run's session. The store thread commits a note
  (with an fsync) a few ms after the window logs it; the second allows for a slow disk, and the
  finals logged in it are reported, not checked.

Results go to ``benchmarks/out/soak.json`` and are printed as a Markdown table; the exit status is 1
when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.app_bench import OUT, cpu_seconds, status_mib  # noqa: E402
from buzzfinder_app.practice.sessions import FILE_NAME  # noqa: E402

TAKE = ROOT / "assets" / "selftest" / "take.flac"
MARGIN_S = 1.0  # finals logged this close to a kill may not be committed yet
SAMPLE_S = 5.0


def app_env(home: Path) -> dict:
    """The environment of the app and the ``sessions`` command: this checkout's code, ``home``'s folders."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
               BUZZFINDER_DATA_DIR=str(home / "data"), BUZZFINDER_CONFIG_DIR=str(home / "config"))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


class App:
    """``buzzfinder --input-file TAKE --loop`` on ``home``'s data folder, started and listening."""

    def __init__(self, take: Path, home: Path, run: int):
        self.log, self.out = home / f"events-{run}.jsonl", home / f"app-{run}.out"
        with open(self.out, "w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "buzzfinder_app", "--input-file", str(take), "--loop", "--event-log",
                 str(self.log)], env=app_env(home), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while not any(e["kind"] == "listening" for e in self.events()):
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                raise RuntimeError(f"the app did not start listening: {self.out.read_text()[-2000:]}")
            time.sleep(0.2)

    def events(self) -> list[dict]:
        """The event log's complete lines (a kill can leave half a line)."""
        if not self.log.exists():
            return []
        events = []
        for line in self.log.read_text().splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                pass
        return events

    def finals(self) -> list[dict]:
        return [e for e in self.events() if e["kind"] == "final"]


def stored_sessions(home: Path) -> list[dict]:
    """``buzzfinder sessions --json`` on ``home``'s data folder."""
    out = subprocess.run([sys.executable, "-m", "buzzfinder_app", "sessions", "--json"], env=app_env(home),
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        raise RuntimeError(f"buzzfinder sessions failed ({out.returncode}): {out.stderr[-2000:]}")
    return json.loads(out.stdout)


def stored_in_order(finals: list[dict], notes: list[dict], period: float) -> int:
    """How many of ``finals`` (from the event log) are the first stored ``notes``: same label and onset."""
    count = 0
    for final, note in zip(finals, notes):
        gap = abs(final["onset_s"] % period - note["onset_s"] % period)
        if final["label"] != note["label"] or min(gap, period - gap) > 0.01:
            break
        count += 1
    return count


def soak(take: Path, minutes: float, period: float, home: Path) -> dict:
    """The soak run: RSS samples, then SIGTERM; final verdicts logged against notes stored."""
    app = App(take, home, 0)
    pid, t0 = app.proc.pid, time.time()
    cpu0, samples = cpu_seconds(pid), []
    while (t := time.time() - t0) < minutes * 60:
        if app.proc.poll() is not None:
            raise RuntimeError(f"the app quit after {t:.0f} s: {app.out.read_text()[-2000:]}")
        samples.append((round(t, 1), status_mib(pid, "VmRSS")))
        time.sleep(max(0.0, t0 + len(samples) * SAMPLE_S - time.time()))
    samples.append((round(time.time() - t0, 1), status_mib(pid, "VmRSS")))  # the end itself
    cpu_share = (cpu_seconds(pid) - cpu0) / (time.time() - t0)
    peak = status_mib(pid, "VmHWM")
    app.proc.send_signal(signal.SIGTERM)
    code = app.proc.wait(timeout=120)
    finals = app.finals()
    notes = [n for s in stored_sessions(home) for n in s["notes"]]
    end = minutes * 60
    warm = statistics.median([r for t, r in samples if 0.1 * end <= t <= 0.2 * end] or [samples[-1][1]])
    last = statistics.median(r for t, r in samples if t >= 0.9 * end)
    return {"minutes": minutes, "exit_code": code, "cpu_share": round(cpu_share, 4),
            "final_verdicts": len(finals), "stored": len(notes),
            "stored_in_order": stored_in_order(finals, notes, period),
            "fault_log": (home / "data" / "buzzfinder.log").exists(),
            "rss_warm_mib": round(warm, 1), "rss_end_mib": round(last, 1), "rss_ratio": round(last / warm, 3),
            "peak_rss_mib": round(peak, 1), "rss_samples": samples}


def integrity(db: Path) -> str:
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def kill_run(take: Path, minutes: float, period: float, home: Path, seed: int) -> list[dict]:
    """The kill run: SIGKILL after a random 30-120 s of listening, then a fresh start on the same folder."""
    rng, end, kills = random.Random(seed), time.time() + minutes * 60, []
    while not kills or time.time() < end:
        app = App(take, home, len(kills))
        time.sleep(min(rng.uniform(30, 120), max(5.0, end - time.time())))
        alive = app.proc.poll() is None
        killed_at = time.time()
        app.proc.kill()
        app.proc.wait(timeout=60)
        finals = app.finals()
        due = [f for f in finals if f["wall_time"] < killed_at - MARGIN_S]
        sessions = stored_sessions(home)
        notes = sessions[len(kills)]["notes"] if len(sessions) == len(kills) + 1 else []
        kills.append({"alive_until_kill": alive, "sessions": len(sessions), "finals_logged": len(finals),
                      "finals_due": len(due), "stored": len(notes),
                      "due_stored": stored_in_order(due, notes, period),
                      "integrity": integrity(home / "data" / FILE_NAME)})
    return kills


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0, help="length of the soak run")
    ap.add_argument("--kill-minutes", type=float, default=10.0, help="length of the kill run")
    ap.add_argument("--seed", type=int, default=0, help="seeds the moments of the kills")
    ap.add_argument("--take", type=Path, default=TAKE, help="the file played as the microphone, looped")
    args = ap.parse_args()
    take = args.take.resolve()
    period = sf.info(str(take)).duration
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "soak").mkdir()
        (Path(tmp) / "kill").mkdir()
        s = soak(take, args.minutes, period, Path(tmp) / "soak")
        kills = kill_run(take, args.kill_minutes, period, Path(tmp) / "kill", args.seed)
    checks = {
        "soak: clean exit": s["exit_code"] == 0 and not s["fault_log"],
        "soak: every final verdict stored": s["stored_in_order"] == s["final_verdicts"] == s["stored"],
        "soak: memory flat (end within 10 % of warm-up)": s["rss_ratio"] <= 1.10,
        "kill: every verdict logged > 1 s before a kill stored": all(
            k["alive_until_kill"] and k["due_stored"] == k["finals_due"] for k in kills),
        "kill: integrity_check ok after every kill": all(k["integrity"] == "ok" for k in kills),
    }
    results = {"take": str(take), "take_s": period, "seed": args.seed, "soak": s, "kill": kills, "checks": checks}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "soak.json").write_text(json.dumps(results, indent=2))

    due, stored = sum(k["finals_due"] for k in kills), sum(k["due_stored"] for k in kills)
    late = sum(k["finals_logged"] - k["finals_due"] for k in kills)
    late_stored = sum(max(0, k["stored"] - k["finals_due"]) for k in kills)
    print(f"{take.name} ({period:.1f} s) looped: soak {args.minutes:g} min, kill run {args.kill_minutes:g} min "
          f"(seed {args.seed})\n")
    print("| measure | buzzfinder | baseline (same run) | ratio | target |\n|---|---|---|---|---|")
    print(f"| RSS at the end (median, last 10 % of the run) | {s['rss_end_mib']:.0f} MiB | "
          f"{s['rss_warm_mib']:.0f} MiB: the app after warm-up (median, 10-20 % of the run) | "
          f"{s['rss_ratio']:.3f} | <= 1.10 |")
    print(f"| peak RSS / CPU share of one core | {s['peak_rss_mib']:.0f} MiB / {s['cpu_share']:.1%} | | | |")
    print(f"| soak: final verdicts stored | {s['stored_in_order']} of {s['final_verdicts']} "
          f"({s['stored']} stored) | | | all |")
    print(f"| kill run: {len(kills)} SIGKILLs, verdicts logged > 1 s before the kill stored | {stored} of {due} "
          f"| | | all |")
    print(f"| kill run: verdicts logged in the last second, stored anyway | {late_stored} of {late} | | | "
          "(not checked) |")
    print(f"| kill run: `PRAGMA integrity_check` ok | {sum(k['integrity'] == 'ok' for k in kills)} of {len(kills)} "
          f"| | | all |")
    for name, ok in checks.items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
