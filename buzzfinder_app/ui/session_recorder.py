"""Writes the live session into the SessionStore from its own thread (every note is committed
with an fsync, which must not stall the GUI); a store failure becomes a message, not a crash.

When the store fails, listening goes on without saving (the window shows the message once).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from buzzfinder_app.ui.workers import start_in_thread, stop_thread


class RecorderWorker(QObject):
    """Lives in the store thread; the slots are called through queued signals."""

    failed = Signal(str)
    ended = Signal(int)  # notes saved in the session that just ended

    def __init__(self, store):
        super().__init__()
        self.store = store
        self.session_id = None
        self.notes_saved = 0
        self._failed = False

    def _fail(self, exc: Exception) -> None:
        self.session_id = None
        if not self._failed:
            self._failed = True
            self.failed.emit(f"This session is not being saved: {exc} Listening continues.")

    @Slot(str, str, object, object)
    def begin(self, input_name: str, mode: str, settings, device) -> None:
        self.session_id = None
        self.notes_saved = 0
        self._failed = False
        if self.store is None:
            return
        try:
            self.session_id = self.store.start_session(input_name, mode, settings=settings, device=device)
        except Exception as exc:
            self._fail(exc)

    @Slot(object, float, object, object)
    def add_note(self, event, onset_s: float, feedback, target) -> None:
        if self.session_id is None:
            return
        try:
            self.store.add_event(self.session_id, event, feedback, target, onset_s=onset_s)
            self.notes_saved += 1
        except Exception as exc:
            self._fail(exc)

    @Slot(str, object)
    def update(self, mode: str, settings) -> None:
        if self.session_id is None:
            return
        try:
            self.store.update_session(self.session_id, mode, settings)
        except Exception as exc:
            self._fail(exc)

    @Slot()
    def end(self) -> None:
        sid, self.session_id = self.session_id, None
        if sid is not None:
            try:
                self.store.end_session(sid)
            except Exception as exc:
                self._fail(exc)
        self.ended.emit(self.notes_saved)


class SessionRecorder(QObject):
    """The GUI side: forwards to :class:`RecorderWorker` in the store thread, in order."""

    failed = Signal(str)
    ended = Signal(int)

    _begin = Signal(str, str, object, object)
    _note = Signal(object, float, object, object)
    _update = Signal(str, object)
    _end = Signal()

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.active = False
        self.worker = RecorderWorker(store)
        self.thread = start_in_thread(self.worker, "buzzfinder-store")
        self._begin.connect(self.worker.begin)
        self._note.connect(self.worker.add_note)
        self._update.connect(self.worker.update)
        self._end.connect(self.worker.end)
        self.worker.failed.connect(self.failed)
        self.worker.ended.connect(self.ended)

    def begin(self, input_name: str, mode: str, settings: dict | None = None, device: str | None = None) -> None:
        """Open a session; ``mode`` is "exercise" or "free", ``input_name`` the device or file path."""
        if self.active:
            self.end()
        self.active = True
        self._begin.emit(input_name, mode, settings, device)

    def add_note(self, event, onset_s: float, feedback=None, target: str | None = None) -> None:
        """Store a final verdict with the exercise's feedback (step, repetition, outcome) if any."""
        if self.active:
            self._note.emit(event, float(onset_s), feedback, target)

    def update(self, mode: str, settings: dict | None) -> None:
        """The drill changed: the open session's mode and settings follow."""
        if self.active:
            self._update.emit(mode, settings)

    def end(self) -> None:
        """Close the session; :attr:`ended` follows once everything before it is written."""
        if self.active:
            self.active = False
            self._end.emit()

    def shutdown(self) -> None:
        """End any open session and wait for the writes to finish."""
        self.end()
        stop_thread(self.thread, 5000)
