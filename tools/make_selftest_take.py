"""Make the self-test's built-in take: a few synthetic notes of known class, as FLAC plus JSON.

    .venv/bin/python tools/make_selftest_take.py [--model assets/buzzfinder.tflite] [--out assets/selftest]

The notes come from our physical string model (:func:`training.sources.synth.generate_note`), played one
after another ``--spacing`` seconds apart in the order of ``--order``. For each slot the seeds are
tried in turn from ``--seed`` on, and a note is kept only when, in the finished take, the app's
engine finds its onset within ``--onset-ms`` and nothing else nearby, and — when a model is given
(the shipped one by default, if present) — the model's final verdict is the note's label. The
self-test then checks the same things with the looser tolerances of :mod:`buzzfinder_app.selftest`.
Writes ``take.flac`` (16-bit, 22.05 kHz, mono) and ``take.json`` (onsets, labels, seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.engine.engine import analyze
from buzzfinder_app.model.runtime import Model, default_model_path
from training.sources.synth import generate_note

ROOT = Path(__file__).resolve().parents[1]

#: Silence before the first note and after the last one's slot, in seconds.
LEAD_S = 0.3
TAIL_S = 0.2
#: Fade at the end of each slot, so that cutting a ringing note makes no click.
FADE_S = 0.02
MAX_TRIES = 40


def render_slot(label: str, seed: int, spacing_s: float) -> np.ndarray:
    """One note whose pluck is at sample 0, cut (with a short fade) to ``spacing_s`` seconds."""
    note = generate_note(label, seed, duration_s=spacing_s + 0.6)
    n = int(round(spacing_s * SAMPLE_RATE))
    slot = np.zeros(n, dtype=np.float32)
    part = note.audio[note.onset: note.onset + n]
    slot[: len(part)] = part
    fade = int(FADE_S * SAMPLE_RATE)
    slot[n - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return slot


def assemble(slots: list[np.ndarray], spacing_s: float) -> tuple[np.ndarray, list[float]]:
    """The take and its onsets in seconds."""
    lead, step = int(LEAD_S * SAMPLE_RATE), int(round(spacing_s * SAMPLE_RATE))
    y = np.zeros(lead + step * len(slots) + int(TAIL_S * SAMPLE_RATE), dtype=np.float32)
    for i, slot in enumerate(slots):
        y[lead + i * step: lead + (i + 1) * step] = slot
    # what the FLAC will hold, so that the checks below see the shipped samples
    y = np.round(np.clip(y, -1.0, 1.0) * 32767.0) / 32767.0
    return y.astype(np.float32), [(lead + i * step) / SAMPLE_RATE for i in range(len(slots))]


def bad_slots(y: np.ndarray, onsets: list[float], labels: list[str], model, onset_ms: float) -> dict[int, str]:
    """Slots whose note the engine misplaces, splits, or (with a model) misjudges, with the reason."""
    if model is None:
        from buzzfinder_app.engine.onsets import detect_onsets

        found = [o / SAMPLE_RATE for o in detect_onsets(y)]
        verdicts = [None] * len(found)
    else:
        notes = analyze(model, y)
        found, verdicts = [n.onset_s for n in notes], [n.verdict.label for n in notes]
    step = onsets[1] - onsets[0]
    slot_of = [min(max(int((t - onsets[0] + 0.15) // step), 0), len(onsets) - 1) for t in found]
    bad = {}
    for i, expected in enumerate(onsets):
        here = [found[j] for j, s in enumerate(slot_of) if s == i]
        if len(here) != 1 or abs(here[0] - expected) * 1000 > onset_ms:
            bad[i] = f"onsets at {[round(t - expected, 3) for t in here]} s from the pluck"
        elif verdicts[slot_of.index(i)] is not None and verdicts[slot_of.index(i)] != labels[i]:
            bad[i] = f"judged {verdicts[slot_of.index(i)]}"
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "selftest")
    parser.add_argument("--model", type=Path, default=None,
                        help="model whose verdicts must match (default: the shipped one, if any)")
    parser.add_argument("--no-model", action="store_true", help="check the onsets only")
    parser.add_argument("--order", default="clean,buzzy,muted,buzzy,clean,muted")
    parser.add_argument("--spacing", type=float, default=2.1, help="seconds from one pluck to the next")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--onset-ms", type=float, default=10.0)
    args = parser.parse_args(argv)

    model = None
    if not args.no_model:
        path = args.model or default_model_path()
        if path.is_file():
            model = Model.load(path)
            print(f"verdicts checked with {path} ({model.metadata.name} {model.metadata.version})")
        elif args.model:
            parser.error(f"model {path} not found")
        else:
            print("no model: checking the onsets only")
    labels = args.order.split(",")
    seeds = [args.seed + i * 1000 for i in range(len(labels))]
    slots = [render_slot(label, seed, args.spacing) for label, seed in zip(labels, seeds)]
    for _ in range(MAX_TRIES):
        y, onsets = assemble(slots, args.spacing)
        bad = bad_slots(y, onsets, labels, model, args.onset_ms)
        if not bad:
            break
        for i, reason in sorted(bad.items()):
            print(f"slot {i} ({labels[i]}, seed {seeds[i]}): {reason}; trying seed {seeds[i] + 1}")
            seeds[i] += 1
            slots[i] = render_slot(labels[i], seeds[i], args.spacing)
    else:
        print(f"gave up after {MAX_TRIES} rounds; slots {sorted(bad)} still fail", file=sys.stderr)
        return 1

    args.out.mkdir(parents=True, exist_ok=True)
    sf.write(args.out / "take.flac", y, SAMPLE_RATE, subtype="PCM_16", format="FLAC")
    take = {
        "audio": "take.flac",
        "sample_rate": SAMPLE_RATE,
        "duration_s": round(len(y) / SAMPLE_RATE, 4),
        "generator": "tools/make_selftest_take.py (training.sources.synth.generate_note)",
        "checked_with": f"{model.metadata.name} {model.metadata.version}" if model else None,
        "notes": [{"onset_s": round(t, 4), "label": label, "seed": seed}
                  for t, label, seed in zip(onsets, labels, seeds)],
    }
    (args.out / "take.json").write_text(json.dumps(take, indent=2) + "\n")
    size = (args.out / "take.flac").stat().st_size
    print(f"wrote {args.out / 'take.flac'} ({size / 1024:.0f} KB, {take['duration_s']} s) and take.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
