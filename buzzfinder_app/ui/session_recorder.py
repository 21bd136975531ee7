"""Writes the live session into the SessionStore; a store failure becomes a message, not a crash.

When the store fails, listening goes on without saving (the window shows the message once).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class SessionRecorder(QObject):
    failed = Signal(str)

    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.session_id = None
        self.notes_saved = 0
        self._failed = False

    @property
    def active(self) -> bool:
        return self.session_id is not None

    def _fail(self, exc: Exception) -> None:
        self.session_id = None
        if not self._failed:
            self._failed = True
            self.failed.emit(f"This session is not being saved: {exc}. Listening continues.")

    def begin(self, input_name: str, mode: str, settings: dict | None = None, device: str | None = None) -> None:
        """Open a session; ``mode`` is "exercise" or "free", ``input_name`` the device or file path."""
        self.end()
        self.notes_saved = 0
        self._failed = False
        if self.store is None:
            return
        try:
            self.session_id = self.store.start_session(input_name, mode, settings=settings, device=device)
        except Exception as exc:
            self._fail(exc)

    def add_note(self, event, onset_s: float, feedback=None, target: str | None = None) -> None:
        """Store a final verdict with the exercise's feedback (step, repetition, outcome) if any."""
        if self.session_id is None:
            return
        step = rep = outcome = None
        if feedback is not None and hasattr(feedback, "step"):
            step, rep = int(feedback.step), feedback.rep
            outcome = getattr(feedback, "outcome", None) or note_outcome(feedback.kind)
        v = event.verdict
        try:
            self.store.add_note(self.session_id, onset_s=float(onset_s), label=v.label,
                                confidence=float(v.confidence), probs=dict(v.probs or {}),
                                pitch_hz=event.pitch_hz, note=event.note, level_dbfs=event.level_dbfs,
                                step=step, repetition=rep, target=target, outcome=outcome)
            self.notes_saved += 1
        except Exception as exc:
            self._fail(exc)

    def end(self) -> None:
        if self.session_id is None:
            return
        sid, self.session_id = self.session_id, None
        try:
            self.store.end_session(sid)
        except Exception as exc:
            self._fail(exc)


def note_outcome(kind: str) -> str:
    """The stored outcome of an exercise note: "success" when it completed its repetition."""
    return "success" if kind in ("rep_done", "exercise_done") else kind
