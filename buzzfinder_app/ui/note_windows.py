"""Recent audio of the live stream, so that a judged note's window can become a labelled example.

The engine does not hand out its windows; this keeper sees the same blocks and cuts each final
note the way the engine did: ``PRE_ROLL`` before the onset up to the next onset, ``POST_ROLL`` after
it or the end of the stream, whichever comes first. No Qt.
"""

from __future__ import annotations

import numpy as np

from buzzfinder_app.constants import POST_ROLL, PRE_ROLL, SAMPLE_RATE
from buzzfinder_app.engine.windows import note_window

#: Audio kept: a whole window plus the onset detector's delay, with room to spare.
KEEP = PRE_ROLL + POST_ROLL + 2 * SAMPLE_RATE


class WindowKeeper:
    """Holds the last :data:`KEEP` samples of a stream and cuts note windows from them."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self._audio = np.zeros(0, np.float32)
        self._start = 0  # absolute sample index of _audio[0]

    @property
    def fed(self) -> int:
        """Samples of the stream seen so far."""
        return self._start + len(self._audio)

    def add(self, block: np.ndarray) -> None:
        self._audio = np.concatenate([self._audio, np.asarray(block, np.float32).reshape(-1)])
        excess = len(self._audio) - KEEP
        if excess > KEEP // 4:  # trim now and then, not on every block
            self._audio = self._audio[excess:]
            self._start += excess

    def windows_for(self, events) -> dict[int, np.ndarray]:
        """``{index: window}`` for the final events of one batch of engine events.

        A note closed by the next onset ends there; the engine lists that onset right after it.
        """
        onsets = {e.index: round(e.onset_s * SAMPLE_RATE) for e in events if e.kind == "onset"}
        out = {}
        for e in events:
            if e.kind != "final":
                continue
            onset = round(e.onset_s * SAMPLE_RATE)
            end = min(onset + POST_ROLL, round(e.at_s * SAMPLE_RATE), onsets.get(e.index + 1, self.fed))
            if onset - PRE_ROLL < self._start and self._start > 0:
                continue  # older than what is kept (never expected)
            out[e.index] = note_window(self._audio, onset - self._start, end - self._start)
        return out
