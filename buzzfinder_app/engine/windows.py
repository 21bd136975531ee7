"""Cut note windows out of a signal: what the model judges, in the app and in training alike.

A window starts ``PRE_ROLL`` samples before the onset (zero-padded at the very start of a signal)
and ends at ``end`` or ``POST_ROLL`` samples after the onset, whichever comes first.

>>> import numpy as np
>>> y = np.ones(100_000, dtype=np.float32)
>>> len(note_window(y, 500))            # 1024 before (524 of them zeros) + 2 s after
45124
>>> [len(w) for w in note_windows(y, [2000, 12000])]
[11024, 45124]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from buzzfinder_app.constants import POST_ROLL, PRE_ROLL


def note_window(signal: np.ndarray, onset: int, end: int | None = None) -> np.ndarray:
    """Samples ``[onset - PRE_ROLL, min(end, onset + POST_ROLL))`` as float32, zero-padded before 0.

    The window is shorter than ``WINDOW_SAMPLES`` when ``end`` (the next onset) or the end of the
    signal comes first; ``model.features.extract`` pads it with silence.
    """
    onset = int(onset)
    stop = onset + POST_ROLL if end is None else min(int(end), onset + POST_ROLL)
    stop = max(onset, min(stop, len(signal)))
    start = onset - PRE_ROLL
    window = np.asarray(signal[max(start, 0): stop], dtype=np.float32)
    if start < 0:
        window = np.concatenate([np.zeros(-start, dtype=np.float32), window])
    return window


def note_windows(signal: np.ndarray, onsets: Sequence[int]) -> list[np.ndarray]:
    """One window per onset, each cut short where the next onset begins."""
    ends = list(onsets[1:]) + [None]
    return [note_window(signal, onset, end) for onset, end in zip(onsets, ends)]
