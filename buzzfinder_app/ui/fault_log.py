"""Exceptions that nothing caught (a slot that raised, in any thread) reach the player.

Qt calls ``sys.excepthook`` for an exception raised in a slot and goes on; :class:`FaultLog` takes
that hook: the traceback is appended to ``buzzfinder.log`` in the data folder (the temporary folder
when that cannot be written) and :attr:`FaultLog.raised` tells the window, on its own thread, what
failed and where the details are.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QObject, Signal

LOG_NAME = "buzzfinder.log"


def what_failed(exc: BaseException) -> str:
    """``"verdict_card.show_verdict (ValueError: …)"``: the innermost function of the app that raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "buzzfinder_app" in Path(f.filename).parts] or frames
    place = f"{Path(ours[-1].filename).stem}.{ours[-1].name}" if ours else "buzzfinder"
    return f"{place} ({type(exc).__name__}: {exc})"


class FaultLog(QObject):
    """Installs itself as ``sys.excepthook`` until :meth:`uninstall`."""

    #: (what failed, the log file's path)
    raised = Signal(str, str)

    def __init__(self, folder: Path, parent=None):
        super().__init__(parent)
        self.path = Path(folder) / LOG_NAME
        self._previous = None

    def install(self) -> None:
        self._previous, sys.excepthook = sys.excepthook, self.report

    def uninstall(self) -> None:
        if sys.excepthook == self.report:
            sys.excepthook = self._previous

    def report(self, kind, exc, tb) -> None:
        exc.__traceback__ = tb
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(text)
        self.raised.emit(what_failed(exc), str(self._write(text)))

    def _write(self, text: str) -> Path:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for path in (self.path, Path(tempfile.gettempdir()) / LOG_NAME):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(path, "a", encoding="utf-8") as log:
                    log.write(f"--- {stamp}\n{text}")
                self.path = path
                return path
            except OSError:
                continue
        return self.path
