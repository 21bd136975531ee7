"""The live practice session on the Qt side: one object between the input and the widgets.

:class:`LiveSession` owns the live pipeline (:class:`~buzzfinder_app.ui.live.LiveController`), the
drill and the run's notes (:class:`~buzzfinder_app.practice.session.PracticeSession`) and the session
recorder. Every note event goes through it once: the practice session judges it, the recorder stores
it, and the widgets get the resulting state through its signals. Widgets draw that state and call its
intents (start an exercise, skip a repetition, pause while teaching); the teach dialog takes its notes
from :attr:`LiveSession.final_note`. In the spirit of a view model: state in one place.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from buzzfinder_app.audio.sources import InputSource
from buzzfinder_app.practice.exercise import ExerciseSettings
from buzzfinder_app.practice.session import PracticeSession
from buzzfinder_app.ui.live import LiveController
from buzzfinder_app.ui.session_recorder import SessionRecorder


class LiveSession(QObject):
    """Listening runs, the drill and the stored session behind the live page."""

    #: NoteUpdate: a note's new state (the card, chips and waveform draw it)
    note_changed = Signal(object)
    #: DrillState: the practice panel's state changed
    drill_changed = Signal(object)
    #: {label: count} of the run's final verdicts
    counts_changed = Signal(dict)
    #: (event, window) of each final verdict of the run (the teach flow takes its examples here)
    final_note = Signal(object, object)
    #: a listening run started
    run_started = Signal()
    #: the run stopped (reason "user" | "ended" | "error"); :attr:`saved` follows
    run_stopped = Signal(str)
    #: (notes stored, reason the run stopped): the store has the whole session
    saved = Signal(int, str)
    #: the store failed: listening goes on without saving
    store_failed = Signal(str)

    def __init__(self, model, store, exercise: ExerciseSettings | None = None, unsure_threshold: float | None = None,
                 event_log=None, parent=None):
        super().__init__(parent)
        self.practice = PracticeSession(exercise)
        self.live = LiveController(model, self, unsure_threshold=unsure_threshold) if model is not None else None
        self.recorder = SessionRecorder(store, self)
        self.event_log = event_log
        self._stop_reason = "user"
        self.recorder.failed.connect(self.store_failed)
        self.recorder.ended.connect(self._on_recorded)  # a method: disconnected when this object goes
        if self.live is not None:
            self.live.note_event.connect(self.on_event)
            self.live.stopped.connect(self._on_stopped)

    # ---------------------------------------------------------------------------- listening
    @property
    def running(self) -> bool:
        return self.live is not None and self.live.running

    @property
    def stopping(self) -> bool:
        """Stopped, but the run's last verdicts are still coming: no run can start yet."""
        return self.live is not None and self.live.stopping

    @property
    def busy(self) -> bool:
        """A run is on or still giving its last verdicts: the input is in use."""
        return self.live is not None and (self.live.running or self.live.stopping)

    def start(self, source: InputSource, device: str | None) -> bool:
        """Listen to ``source`` and open a stored session (``device``: the input's name, None for a file).

        False when there is no model or a run is still on or ending; raises what the source raises.
        """
        if self.live is None or not self.live.start(source):
            return False
        self.practice.begin_run()
        recorded_as = str(Path(source.path).resolve()) if source.is_file else device
        self.recorder.begin(recorded_as, mode=self._stored_mode(), settings=self.practice.session_settings,
                            device=device)
        if self.event_log is not None:
            self.event_log.write("listening", input=str(source.path) if source.is_file else device)
        self.counts_changed.emit(dict(self.practice.counts))
        self.run_started.emit()
        return True

    def stop(self, reason: str = "user") -> None:
        if self.running:
            self.live.stop(reason)

    def _on_stopped(self, reason: str) -> None:
        self._stop_reason = reason
        self.run_stopped.emit(reason)
        if self.recorder.active:
            self.recorder.end()  # saved follows once the store has everything
        else:
            self.saved.emit(0, reason)

    def _on_recorded(self, notes: int) -> None:
        self.saved.emit(notes, self._stop_reason)

    def on_event(self, event) -> None:
        """One engine event: judged by the drill, stored when final, published to the widgets."""
        if self.event_log is not None:
            self.event_log.note_event(event)
        update = self.practice.on_event(event)
        self.note_changed.emit(update)
        if event.kind != "final":
            return
        source = self.live.source if self.live is not None else None
        onset = event.onset_s
        if source is not None and source.is_file and source.duration_s:
            onset %= source.duration_s  # a looped file's notes at their time in the file
        self.recorder.add_note(event, onset_s=onset, feedback=update.feedback, target=update.target)
        self.counts_changed.emit(dict(self.practice.counts))
        if update.feedback is not None:
            self.drill_changed.emit(self.practice.drill())
        self.final_note.emit(event, self.window_for(event.index))

    def window_for(self, index: int) -> np.ndarray | None:
        """The samples judged for final note ``index`` of this run, while it is among the last kept."""
        return self.live.window_for(index) if self.live is not None else None

    # ---------------------------------------------------------------------------- the drill
    def _stored_mode(self) -> str:
        """The session's mode in the store: "teach" while the player teaches a profile."""
        return "teach" if self.practice.paused else self.practice.mode

    def _drill_changed(self) -> None:
        self.recorder.update(self._stored_mode(), self.practice.session_settings)
        self.drill_changed.emit(self.practice.drill())

    def start_exercise(self, settings: ExerciseSettings | None = None) -> None:
        self.practice.start_exercise(settings)
        self._drill_changed()

    def retarget(self, settings: ExerciseSettings) -> None:
        """Another target, finger or count: the ladder starts again on it at once."""
        self.practice.retarget(settings)
        self._drill_changed()

    def start_neck(self, settings=None) -> None:
        """(Re)start the neck drill on ``settings`` (``NeckSettings``) or the current ones."""
        self.practice.start_neck(settings)
        self._drill_changed()

    def set_mode(self, mode: str) -> None:
        self.practice.set_mode(mode)
        self._drill_changed()

    def next_repetition(self) -> None:
        if self.practice.next_repetition() is not None:
            self.drill_changed.emit(self.practice.drill())

    def reset_free_play(self) -> None:
        self.practice.reset_free_play()
        self.drill_changed.emit(self.practice.drill())

    def set_paused(self, paused: bool) -> None:
        """While the player teaches a profile, notes are examples, not practice."""
        self.practice.set_paused(paused)
        self.drill_changed.emit(self.practice.drill())  # the stored session keeps the mode it began with

    def shutdown(self) -> None:
        """Stop listening and the store thread (the open session is ended and saved)."""
        if self.live is not None:
            self.live.shutdown()
        self.recorder.shutdown()
