"""A long take of many modelled notes, with gaps and room noise, for the benchmarks (cached)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from buzzfinder_app.constants import SAMPLE_RATE

RATE = 44100  # a typical interface rate, so the benchmark pays for resampling as users do


def long_take(folder: Path, minutes: float = 5.0, seed: int = 7) -> tuple[Path, list[float]]:
    """Write (once) ``take-<minutes>min.wav`` and its onsets; return the path and the onsets in s."""
    import soxr

    from training.sources.synth import generate_note

    path = Path(folder) / f"take-{minutes:g}min.wav"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())["onsets_s"]
    rng = np.random.default_rng(seed)
    total = int(minutes * 60 * SAMPLE_RATE)
    take = np.zeros(total, dtype=np.float32)
    onsets, labels, t, i = [], [], int(0.5 * SAMPLE_RATE), 0
    while True:
        label = ("clean", "buzzy", "muted")[i % 3]
        note = generate_note(label, seed * 100_000 + i, duration_s=2.5)
        start = t - note.onset
        if start + len(note.audio) > total:
            break
        take[start:start + len(note.audio)] += note.audio * rng.uniform(0.2, 0.8) / max(1e-6, np.abs(note.audio).max())
        onsets.append(t / SAMPLE_RATE)
        labels.append(label)
        t += int(rng.uniform(1.0, 2.6) * SAMPLE_RATE)
        i += 1
    take += rng.standard_normal(total).astype(np.float32) * 10 ** (-60 / 20)
    sf.write(path, soxr.resample(take, SAMPLE_RATE, RATE), RATE, subtype="PCM_16")
    meta.write_text(json.dumps({"duration_s": total / SAMPLE_RATE, "onsets_s": onsets, "labels": labels}))
    return path, onsets
