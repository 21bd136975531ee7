"""Exceptions that nothing caught (a slot that raised, in any thread) reach the player.

Qt hands an exception raised in a slot to ``sys.excepthook`` and goes on. While :func:`installed` is
active, that hook appends the traceback to ``buzzfinder.log`` in the data folder (the temporary
folder when that cannot be written), prints it, and tells :data:`relay` what failed and where the
details are. The relay is a QObject of the GUI thread that lives as long as the application, so the
hook never touches a window (which may already be gone); windows connect to ``relay().raised``.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import threading
import traceback
from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal

LOG_NAME = "buzzfinder.log"


def what_failed(exc: BaseException) -> str:
    """``"verdict_card.show_verdict (ValueError: …)"``: the innermost function of the app that raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "buzzfinder_app" in Path(f.filename).parts] or frames
    place = f"{Path(ours[-1].filename).stem}.{ours[-1].name}" if ours else "buzzfinder"
    return f"{place} ({type(exc).__name__}: {exc})"


def write_log(folder: Path, text: str) -> Path:
    """Append ``text`` with a time stamp to the log in ``folder`` (or the temporary folder); its path."""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for path in (Path(folder) / LOG_NAME, Path(tempfile.gettempdir()) / LOG_NAME):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"--- {stamp}\n{text}")
            return path
        except OSError:
            continue
    return Path(folder) / LOG_NAME


class FaultRelay(QObject):
    """Carries a fault from whatever thread raised it to the GUI thread's windows."""

    #: (what failed, the log file's path)
    raised = Signal(str, str)


_relay: FaultRelay | None = None


def relay() -> FaultRelay:
    """The application's relay (made in the GUI thread, a child of the application)."""
    global _relay
    if _relay is None:
        _relay = FaultRelay(QCoreApplication.instance())
    return _relay


@contextlib.contextmanager
def installed(folder: Path):
    """Send uncaught exceptions to the log in ``folder`` and to :func:`relay` while the block runs."""
    channel = relay()
    lock = threading.Lock()

    def report(kind, exc, tb) -> None:
        text = "".join(traceback.format_exception(kind, exc, tb))
        sys.stderr.write(text)
        with lock:
            path = write_log(folder, text)
        exc.__traceback__ = tb
        channel.raised.emit(what_failed(exc), str(path))  # queued to the GUI thread when raised elsewhere

    def report_thread(args) -> None:
        report(args.exc_type, args.exc_value, args.exc_traceback)

    previous = sys.excepthook, threading.excepthook
    sys.excepthook, threading.excepthook = report, report_thread
    try:
        yield channel
    finally:
        sys.excepthook, threading.excepthook = previous
