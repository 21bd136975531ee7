"""How often calibration tells an input that levels the sound, through each condition of the yardstick.

    .venv/bin/python tools/levelled_yardstick.py [--runs 20]

Each simulated calibration: 3 s of the room, then five clean notes of the shared Stratocaster's test
strings (A, G, high E; each at a random strength, 4 s apart, after 1 s of room), the whole stream
through one condition of :func:`training.augment.degrade` as the app hears it
(:func:`training.yardstick.through`; "plain": the notes as recorded, over faint hiss). Prints, per
condition, how many calibrations gave the "levelled" advice and the spread of the notes' median fade.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from buzzfinder_app.constants import SAMPLE_RATE as SR  # noqa: E402
from buzzfinder_app.practice.calibration import CalibrationRun  # noqa: E402

ROOM_S, NOTE_S, LEAD_S = 3, 4, 1


def one_calibration(notes, kind: str, rng: np.random.Generator, seed: int) -> tuple[bool, float | None]:
    """(levelled advice given, the notes' median fade in dB) of one simulated calibration."""
    from training.yardstick import through

    parts = [np.zeros((ROOM_S + LEAD_S) * SR, np.float32)]
    for k in rng.choice(len(notes), 5, replace=False):
        note = notes[k][: NOTE_S * SR] * rng.uniform(0.3, 1.0)
        parts.append(np.concatenate([note, np.zeros(NOTE_S * SR - len(note), np.float32)]))
    y = np.concatenate(parts)
    if kind == "plain":
        y = y + rng.standard_normal(len(y)).astype(np.float32) * 1e-4
    else:
        y = through(y, kind, seed)
    run = CalibrationRun("simulated", SR, silence_s=ROOM_S, notes_timeout_s=float("inf"))
    run.feed(y[: ROOM_S * SR])
    run.feed(y[ROOM_S * SR:])
    result = run.finish()
    fades = run.fades_db
    return "levelled" in [w.code for w in result.warnings], (statistics.median(fades) if fades else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="calibrations per condition")
    args = parser.parse_args()
    from training.augment import DEGRADATIONS
    from training.sources.real_strings import STRAT_DIR
    from training.yardstick import strat_notes

    if not STRAT_DIR.is_dir():
        sys.exit(f"the shared Strat notes are not at {STRAT_DIR}")
    notes = strat_notes()
    print("| condition | levelled advice | median fade per calibration (dB), min-max |\n|---|---|---|")
    for kind in ("plain", *DEGRADATIONS):
        rng = np.random.default_rng(0)
        runs = [one_calibration(notes, kind, rng, i) for i in range(args.runs)]
        fades = [f for _, f in runs if f is not None]
        spread = f"{min(fades):.1f}-{max(fades):.1f}" if fades else "-"
        print(f"| {kind} | {sum(told for told, _ in runs)} of {args.runs} | {spread} |")


if __name__ == "__main__":
    main()
