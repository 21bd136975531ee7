"""Recorded takes of ladder notes and a deterministic judge for them, so that a test checks the flow
(not the model): the judge hears how long a note rings. The take's muted notes stop at once, its buzzy
ones die within a few tenths of a second, its clean ones ring on."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from buzzfinder_app.constants import PRE_ROLL, SAMPLE_RATE
from tests.support.signals import synth_pluck

RING_S = {"muted": 0.03, "buzzy": 0.25, "clean": 2.0}
GAP_S = 2.5


def ring_judge(features: np.ndarray) -> np.ndarray:
    """[buzzy, clean, muted] from how loud the note still is 0.5-0.8 s after its onset (the log-mel plane)."""
    onset = PRE_ROLL // 512
    late = features[:, onset + 21:onset + 35, :64].max(axis=2).mean(axis=1)
    out = np.full((len(features), 3), 0.05, np.float32)
    out[late < 0.45, 2] = 0.9
    out[(late >= 0.45) & (late < 0.88), 0] = 0.9
    out[late >= 0.88, 1] = 0.9
    return out


def write_take(path, notes: list[tuple[float, str]]):
    """Notes ``GAP_S`` apart after 0.5 s of faint noise: (pitch, how it should be heard)."""
    y = np.zeros(int((0.5 + GAP_S * len(notes) + 1.0) * SAMPLE_RATE), np.float32)
    for i, (hz, kind) in enumerate(notes):
        start = int((0.5 + i * GAP_S) * SAMPLE_RATE)
        note = synth_pluck(hz, GAP_S, decay_s=RING_S[kind], seed=i)
        y[start:start + len(note)] += note
    y += np.random.default_rng(3).standard_normal(len(y)).astype(np.float32) * 1e-4
    sf.write(path, y, SAMPLE_RATE)
    return path
