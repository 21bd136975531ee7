"""Peak RSS of ``classify``, ``teach`` and ``analyze`` on an hour-long file, each a whole process.

    .venv/bin/python benchmarks/memory_bench.py [--minutes 60]

The file is a looped take of plucked notes at 44.1 kHz (16-bit WAV, written in chunks to
``benchmarks/out/``). The baseline, in the same run, is what classify and teach did before they
streamed: the whole file read into memory (``read_audio``), then judged. Results go to
``benchmarks/out/memory.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.engine_bench import OUT, run_process  # noqa: E402

RATE = 44100
#: The baseline: classify as it was, the whole file in memory first.
WHOLE_FILE = (
    "import sys\n"
    "from buzzfinder_app.audio.file import read_audio\n"
    "from buzzfinder_app.engine.engine import classify_clip\n"
    "from buzzfinder_app.model.runtime import Model\n"
    "print(classify_clip(Model.load(), read_audio(sys.argv[1])))\n"
)


def pluck(f0: float, seconds: float, seed: int) -> np.ndarray:
    """A plucked note: decaying harmonics and a short noise attack, peak 0.5."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    y = sum(np.sin(np.pi * k * 0.13) / k * np.exp(-t * k ** 0.5 / 0.8) * np.sin(2 * np.pi * k * f0 * t)
            for k in range(1, 16))
    y = y + rng.standard_normal(len(t)) * np.exp(-t / 0.004) * 0.3
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def hour_file(path: Path, minutes: float) -> Path:
    """A looped minute of notes every 1.5 s over faint noise, ``minutes`` long (written once)."""
    if path.exists():
        return path
    rng = np.random.default_rng(3)
    minute = (rng.standard_normal(60 * RATE) * 1e-3).astype(np.float32)
    for i, start in enumerate(range(int(0.3 * RATE), 58 * RATE, int(1.5 * RATE))):
        note = pluck((110.0, 147.0, 196.0, 247.0)[i % 4], 1.4, i)
        minute[start:start + len(note)] += note
    with sf.SoundFile(path, "w", RATE, 1, subtype="PCM_16") as f:
        for _ in range(int(minutes)):
            f.write(minute)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    take = hour_file(OUT / f"loop-{args.minutes:g}min.wav", args.minutes)
    results = {"minutes": args.minutes, "file_mib": round(take.stat().st_size / 2 ** 20, 1)}
    with tempfile.TemporaryDirectory() as data:
        os.environ["BUZZFINDER_DATA_DIR"] = data  # teach writes its profile here, not in the user's
        for name, argv in (("classify", ["classify", "--json", str(take)]),
                           ("teach", ["teach", "--profile", "bench", "--label", "clean", str(take)]),
                           ("analyze", ["analyze", "--json", str(take)])):
            seconds, mib = run_process("buzzfinder_app", *argv)
            results[name] = {"seconds": round(seconds, 1), "peak_rss_mib": round(mib, 1)}
        script = Path(data) / "whole_file.py"
        script.write_text(WHOLE_FILE)
        seconds, mib = run_process(str(script), str(take))
        results["baseline_whole_file_classify"] = {"seconds": round(seconds, 1), "peak_rss_mib": round(mib, 1)}
    (OUT / "memory.json").write_text(json.dumps(results, indent=2))
    print(f"{args.minutes:g}-minute file ({results['file_mib']} MiB WAV, {RATE} Hz):\n")
    print("| command | peak RSS | wall time | target |\n|---|---|---|---|")
    for name in ("classify", "teach", "analyze", "baseline_whole_file_classify"):
        r = results[name]
        print(f"| {name.replace('_', ' ')} | {r['peak_rss_mib']:.0f} MiB | {r['seconds']:.0f} s | "
              f"{'<= 200 MB' if 'baseline' not in name else '(before)'} |")


if __name__ == "__main__":
    main()
