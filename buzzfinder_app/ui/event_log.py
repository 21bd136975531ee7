"""``--event-log FILE``: every note event as a JSON line with the wall-clock time the app had it.

For diagnostics and for measuring latency from outside (the end-to-end test plays a take into a
virtual microphone and compares these times with when each onset was played).
"""

from __future__ import annotations

import json
import time
from pathlib import Path


class EventLog:
    def __init__(self, path: Path):
        self._file = open(path, "a", buffering=1, encoding="utf-8")

    def write(self, kind: str, **fields) -> None:
        if self._file is None:
            return
        try:
            self._file.write(json.dumps({"kind": kind, "wall_time": time.time(), **fields}) + "\n")
        except (OSError, ValueError):  # disk full or closed: diagnostics must never stop the app
            self.close()

    def note_event(self, event) -> None:
        verdict = event.verdict
        self.write(event.kind, index=event.index, onset_s=round(event.onset_s, 4), at_s=round(event.at_s, 4),
                   label=verdict.label if verdict else None,
                   confidence=round(float(verdict.confidence), 4) if verdict else None)

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None
