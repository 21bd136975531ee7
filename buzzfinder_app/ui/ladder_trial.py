"""One repetition of the pressure ladder, judged as the player plays it: the set-up guide's last step.

:class:`LadderTrial` hands each final verdict to a Qt-free one-repetition
:class:`~buzzfinder_app.practice.exercise.Exercise` on any note, and draws what it says: every note
against the step that asked for it (muted → buzzy → clean), what to do next, and that the repetition
is complete once a buzzy note is followed by a clean one.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from buzzfinder_app.practice.exercise import Exercise, ExerciseSettings
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import prompt

#: Feedback kinds of a note that was what its step asked for.
AS_ASKED = ("advance", "rep_done", "exercise_done")
DONE_TEXT = ("Repetition complete: muted, buzzy, then clean. That clean note is your lightest clean "
             "pressure. Press Finish to practise on the Live page.")


class LadderTrial(QFrame):
    """Call :meth:`judge` with each final verdict; :meth:`restart` starts the repetition again."""

    #: the repetition is complete
    completed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.RichText)
        self.message = prompt(13)
        self.message.setTextFormat(Qt.PlainText)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 12, 18, 12)
        lay.setSpacing(8)
        lay.addWidget(self.message)
        lay.addWidget(self.notes)
        self.restart()

    def restart(self) -> None:
        self.exercise = Exercise(ExerciseSettings(repetitions=1))
        #: (the step's class, the class heard, whether it was what the step asked for) of each note judged
        self.judged: list[tuple[str, str, bool]] = []
        self.notes.setText("")
        self.notes.hide()
        self.message.setText(self.exercise.state.instruction)
        self.message.setStyleSheet("")

    @property
    def complete(self) -> bool:
        return self.exercise.finished

    @property
    def step(self) -> int:
        """The step asked for next: 0 muted, 1 buzzy, 2 clean."""
        return self.exercise.state.step - 1

    def judge(self, label: str, confidence: float, pitch_hz: float | None) -> None:
        """A final verdict, judged against the step that asks for it (none once complete)."""
        if self.complete:
            return
        feedback = self.exercise.on_note(label, confidence, pitch_hz)
        self.judged.append((feedback.step.expected_label, label, feedback.kind in AS_ASKED))
        self.notes.setText("<br>".join(self._row(i, *note) for i, note in enumerate(self.judged, 1)))
        self.notes.show()
        if feedback.succeeded:
            self.message.setText(f"✓  {DONE_TEXT}")
            self.message.setStyleSheet(f"color: {P.CLASS_STYLES['clean'].text_color};")
            self.completed.emit()
        else:
            self.message.setText(feedback.message)

    @staticmethod
    def _row(number: int, asked: str, heard: str, as_asked: bool) -> str:
        style = P.style_for(heard)
        mark = (f"<span style='color:{P.CLASS_STYLES['clean'].text_color}'>✓</span>" if as_asked
                else f"<span style='color:{P.WARNING}'>✗</span>")
        return (f"{mark}&nbsp; note {number}: the {P.style_for(asked).title.lower()} step, heard "
                f"<span style='color:{style.text_color}'><b>{style.symbol} {style.title.lower()}</b></span>")
