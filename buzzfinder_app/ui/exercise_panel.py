"""The practice panel: the light-pressure ladder exercise, or free play.

All judging is done by :mod:`buzzfinder_app.practice.exercise`; this panel only shows its state.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget,
)

from buzzfinder_app.practice.exercise import (
    FINGER_NAMES, Exercise, ExerciseSettings, FreePlay, Step,
)
from buzzfinder_app.practice.tuning import MAX_FRET, STRINGS
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption

FEEDBACK_COLOURS = {
    "advance": P.CLASS_STYLES["clean"].color,
    "rep_done": P.CLASS_STYLES["clean"].color,
    "exercise_done": P.CLASS_STYLES["clean"].color,
    "retry": P.WARNING,
    "too_hard": P.ERROR,
    "unsure": P.TEXT_DIM,
    "off_target": P.WARNING,
}



class LadderView(QWidget):
    """Muted → Buzzy → Clean, the current rung highlighted."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rungs = {}
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        for i, step in enumerate((Step.MUTED, Step.BUZZY, Step.CLEAN)):
            if i:
                arrow = QLabel("→")
                arrow.setObjectName("dim")
                lay.addWidget(arrow)
            style = P.style_for(step.expected_label)
            lab = QLabel(f"{style.symbol} {style.title}")
            lab.setAlignment(Qt.AlignCenter)
            lab.setMinimumHeight(34)
            lab.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
            self.rungs[step] = lab
            lay.addWidget(lab, 1)
        self.set_step(None)

    def set_step(self, step: Step | None, done: bool = False) -> None:
        if getattr(self, "_shown", object()) == (step, done):
            return
        self._shown = (step, done)
        for s, lab in self.rungs.items():
            colour = P.style_for(s.expected_label).color
            if done or (step is not None and s < step):
                css = f"background: {P.rgba(colour, 50)}; color: {P.TEXT}; border: 1px solid {P.rgba(colour, 120)};"
            elif s == step:
                css = f"background: {colour}; color: white; font-weight: 700; border: 1px solid {colour};"
            else:
                css = f"background: {P.SURFACE_RAISED}; color: {P.TEXT_DIM}; border: 1px solid {P.BORDER};"
            lab.setStyleSheet(f"QLabel {{ {css} border-radius: 8px; padding: 4px 8px; }}")


class ExercisePanel(QFrame):
    """Mode switch, exercise settings, instruction, expected class, feedback, progress and summary."""

    #: (kind, message) after each judged note, e.g. for the status bar.
    feedback = Signal(str, str)
    #: The exercise or free-play mode was (re)started; the main window records it in the session.
    mode_changed = Signal(str)

    def __init__(self, defaults: ExerciseSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.exercise: Exercise | None = None
        self.free_play = FreePlay()
        self.mode = "exercise"
        self.paused = False  # while the player teaches a profile: notes are examples, not practice
        self.last_feedback: tuple[str, str] | None = None
        defaults = defaults or ExerciseSettings()

        title = QLabel("Practice")
        title.setObjectName("h2")
        self.mode_buttons = QButtonGroup(self)
        self.btn_exercise = QPushButton("Pressure ladder")
        self.btn_free = QPushButton("Free play")
        mode_row = QHBoxLayout()
        mode_row.setSpacing(0)
        for i, btn in enumerate((self.btn_exercise, self.btn_free)):
            btn.setCheckable(True)
            radius = "border-top-left-radius: 6px; border-bottom-left-radius: 6px;" if i == 0 else \
                "border-top-right-radius: 6px; border-bottom-right-radius: 6px;"
            btn.setStyleSheet(
                f"QPushButton {{ border-radius: 0; {radius} }}"
                f"QPushButton:checked {{ background: #3F51B5; border-color: #5C6BC0; font-weight: 600; }}")
            self.mode_buttons.addButton(btn, i)
            mode_row.addWidget(btn)
        self.btn_exercise.setChecked(True)
        self.mode_buttons.idClicked.connect(lambda i: self.set_mode("exercise" if i == 0 else "free"))

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_exercise_page(defaults))
        self.stack.addWidget(self._build_free_page())

        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 14, 18, 16)
        lay.setSpacing(12)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        lay.addLayout(head)
        lay.addLayout(mode_row)
        lay.addWidget(self.stack, 1)
        self.start_exercise()

    # ----------------------------------------------------------------------------- building
    def _build_exercise_page(self, defaults: ExerciseSettings) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)

        self.string_box = QComboBox()
        self.string_box.addItem("Any note", None)
        for s in STRINGS:
            self.string_box.addItem(f"String {s}", s)
        self.fret_box = QSpinBox()
        self.fret_box.setRange(1, MAX_FRET)
        self.fret_box.setPrefix("fret ")
        self.finger_box = QComboBox()
        for number, name in FINGER_NAMES.items():
            self.finger_box.addItem(f"{number} · {name}", number)
        self.reps_box = QSpinBox()
        self.reps_box.setRange(1, 50)
        self.reps_box.setSuffix(" reps")
        self.apply_settings(defaults)
        self.string_box.currentIndexChanged.connect(lambda _: self.fret_box.setEnabled(self.string_box.currentData() is not None))
        self.start_button = QPushButton("Start exercise")
        self.start_button.clicked.connect(self.start_exercise)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.addWidget(caption("TARGET"), 0, 0, 1, 2)
        grid.addWidget(caption("FINGER"), 0, 2)
        grid.addWidget(self.string_box, 1, 0)
        grid.addWidget(self.fret_box, 1, 1)
        grid.addWidget(self.finger_box, 1, 2)
        grid.addWidget(self.reps_box, 2, 0)
        grid.addWidget(self.start_button, 2, 1, 1, 2)
        lay.addLayout(grid)

        self.ladder = LadderView()
        lay.addWidget(self.ladder)

        self.instruction = QLabel()
        self.instruction.setWordWrap(True)
        self.instruction.setMinimumHeight(70)
        self.instruction.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        f = self.instruction.font()
        f.setPointSizeF(15)
        f.setWeight(f.Weight.DemiBold)
        self.instruction.setFont(f)
        lay.addWidget(self.instruction)

        self.expected = QLabel()
        lay.addWidget(self.expected, 0, Qt.AlignLeft)

        self.message = QLabel(" ")
        self.message.setTextFormat(Qt.RichText)
        mf = self.message.font()
        mf.setPointSizeF(11)
        self.message.setFont(mf)
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(40)
        lay.addWidget(self.message)

        prog = QHBoxLayout()
        self.rep_label = QLabel()
        self.rep_label.setObjectName("dim")
        self.streak_label = QLabel()
        self.streak_label.setObjectName("dim")
        prog.addWidget(self.rep_label)
        prog.addStretch(1)
        prog.addWidget(self.streak_label)
        lay.addLayout(prog)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        lay.addWidget(self.progress)

        self.next_button = QPushButton("Next repetition  (N)")
        self.next_button.setToolTip("Skip to the next repetition (counts as not succeeded)")
        self.next_button.clicked.connect(self.next_repetition)
        lay.addWidget(self.next_button)

        self.summary_card = QFrame()
        self.summary_card.setObjectName("summary")
        self.summary_card.setStyleSheet(
            f"QFrame#summary {{ background: {P.rgba(P.CLASS_STYLES['clean'].color, 38)};"
            f" border: 1px solid {P.CLASS_STYLES['clean'].color}; border-radius: 10px; }}")
        sl = QVBoxLayout(self.summary_card)
        sl.setContentsMargins(14, 10, 14, 12)
        self.summary_title = QLabel("Exercise complete")
        self.summary_title.setObjectName("h2")
        self.summary_score = QLabel()
        self.summary_score.setObjectName("stat")
        self.summary_text = QLabel()
        self.summary_text.setWordWrap(True)
        sl.addWidget(self.summary_title)
        sl.addWidget(self.summary_score)
        sl.addWidget(self.summary_text)
        self.summary_card.hide()
        lay.addWidget(self.summary_card)
        lay.addStretch(1)
        how = QLabel(
            "<b>How it works</b><br>Each repetition climbs three steps on the same note: touch the string "
            "(muted), press a little more (buzzy), then just enough more (clean). The clean note right "
            "after the buzz is your lightest clean pressure.")
        how.setObjectName("dim")
        how.setWordWrap(True)
        how.setTextFormat(Qt.RichText)
        lay.addWidget(how)
        return page

    def _build_free_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        intro = QLabel("Play anything. Every note is judged on its own; aim for clean notes with the "
                       "least pressure that keeps them clean.")
        intro.setWordWrap(True)
        intro.setObjectName("dim")
        lay.addWidget(intro)
        self.free_message = QLabel("Waiting for a note…")
        self.free_message.setTextFormat(Qt.RichText)
        self.free_message.setWordWrap(True)
        f = self.free_message.font()
        f.setPointSizeF(15)
        f.setWeight(f.Weight.DemiBold)
        self.free_message.setFont(f)
        self.free_message.setMinimumHeight(60)
        lay.addWidget(self.free_message)
        self.free_summary = QLabel()
        self.free_summary.setWordWrap(True)
        self.free_summary.setObjectName("dim")
        lay.addWidget(self.free_summary)
        reset = QPushButton("Reset counts")
        reset.clicked.connect(self.reset_free_play)
        lay.addWidget(reset, 0, Qt.AlignLeft)
        lay.addStretch(1)
        return page

    # ----------------------------------------------------------------------------- state
    def apply_settings(self, settings: ExerciseSettings) -> None:
        """Fill the controls from ``settings`` (does not restart)."""
        self.string_box.setCurrentIndex(max(0, self.string_box.findData(settings.string)))
        self.fret_box.setValue(settings.fret or 5)
        self.fret_box.setEnabled(settings.string is not None)
        self.finger_box.setCurrentIndex(max(0, self.finger_box.findData(settings.finger)))
        self.reps_box.setValue(settings.repetitions)

    def settings(self) -> ExerciseSettings:
        string = self.string_box.currentData()
        return ExerciseSettings(string=string, fret=self.fret_box.value() if string is not None else None,
                                finger=self.finger_box.currentData(), repetitions=self.reps_box.value())

    @property
    def target_key(self) -> str | None:
        """The "string:fret" target stored with notes (None in free play or for any note)."""
        if self.mode != "exercise" or self.exercise is None:
            return None
        return self.exercise.settings.target_key

    @property
    def session_settings(self) -> dict | None:
        """The exercise settings to store with a session (None in free play)."""
        if self.mode != "exercise" or self.exercise is None:
            return None
        return self.exercise.settings.to_dict()

    @property
    def expected_label(self) -> str | None:
        if self.paused or self.mode != "exercise" or self.exercise is None or self.exercise.finished:
            return None
        return self.exercise.state.expected_label

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        (self.btn_exercise if mode == "exercise" else self.btn_free).setChecked(True)
        self.stack.setCurrentIndex(0 if mode == "exercise" else 1)
        self.mode_changed.emit(mode)

    def start_exercise(self) -> None:
        self.exercise = Exercise(self.settings())
        self.summary_card.hide()
        self.message.setText(" ")
        self.last_feedback = None
        self.start_button.setText("Restart exercise")
        self._refresh()
        if self.mode == "exercise":
            self.mode_changed.emit("exercise")

    def reset_free_play(self) -> None:
        self.free_play.reset()
        self.free_message.setText("Waiting for a note…")
        self._refresh_free()

    def next_repetition(self) -> None:
        if self.mode != "exercise" or self.exercise is None:
            return
        fb = self.exercise.skip_repetition()
        self._show_feedback(fb.kind, fb.message)

    def on_event(self, event):
        """Judge an engine event (only final verdicts count); returns the practice feedback."""
        if event.kind != "final":
            return None
        return self.on_note(event.verdict.label, float(event.verdict.confidence), event.pitch_hz)

    def set_paused(self, paused: bool) -> None:
        """Stop (or go on) judging notes, e.g. while the teach dialog takes them as examples."""
        self.paused = paused
        if paused:
            text = "Paused while you teach your guitar: these notes are examples, not exercise steps."
            self.message.setText(f"<span style='color:{P.TEXT_DIM}'>{text}</span>")
            self.free_message.setText(f"<span style='color:{P.TEXT_DIM}'>{text}</span>")
        else:
            self.message.setText(" ")
            self.free_message.setText("Waiting for a note…")

    def on_note(self, label: str, confidence: float = 1.0, pitch_hz: float | None = None):
        """Judge one verdict; returns the exercise's ``Feedback`` or free play's feedback (None while
        paused)."""
        if self.paused:
            return None
        if self.mode == "exercise":
            if self.exercise is None:
                return None
            fb = self.exercise.on_note(label, confidence, pitch_hz)
            self._show_feedback(fb.kind, fb.message)
        else:
            fb = self.free_play.on_note(label, confidence, pitch_hz)
            colour = P.style_for(label).text_color
            self.free_message.setText(
                f"<span style='color:{colour}'>{P.style_for(label).symbol}&nbsp; {html.escape(fb.message)}</span>")
            self.last_feedback = (label, fb.message)
            self._refresh_free()
            self.feedback.emit(label, fb.message)
        return fb

    def _show_feedback(self, kind: str, message: str) -> None:
        self.last_feedback = (kind, message)
        colour = FEEDBACK_COLOURS.get(kind, P.TEXT)
        self.message.setText(f"<span style='color:{colour}'>{html.escape(message)}</span>")
        self._refresh()
        self.feedback.emit(kind, message)

    def _refresh(self) -> None:
        ex = self.exercise
        if ex is None:
            return
        st = ex.state
        self.instruction.setText(st.instruction)
        style = P.style_for(st.expected_label)
        if st.finished:
            self.expected.setText("")
            self.expected.hide()
        else:
            self.expected.show()
            self.expected.setText(f"Expected:  {style.symbol} {style.title}")
        if not st.finished and self.expected.property("label") != st.expected_label:
            self.expected.setProperty("label", st.expected_label)
            self.expected.setStyleSheet(
                f"QLabel {{ background: {P.rgba(style.color, 45)}; border: 1px solid {style.color};"
                f" border-radius: 12px; padding: 4px 12px; font-weight: 600; }}")
        self.ladder.set_step(None if st.finished else st.step, done=st.finished)
        done_reps = sum(rep.outcome is not None for rep in ex.repetitions)
        self.progress.setRange(0, st.repetitions)
        self.progress.setValue(done_reps)
        self.rep_label.setText(f"Repetition {min(st.rep, st.repetitions)} of {st.repetitions}  ·  "
                               f"{st.successes} found")
        self.streak_label.setText(f"streak {st.streak}  ·  best {st.best_streak}")
        self.next_button.setEnabled(not st.finished)
        if st.finished:
            summary = ex.summary()
            self.summary_score.setText(f"{summary.successes} / {summary.completed}  ({summary.score:.0%})")
            self.summary_text.setText(summary.text)
            self.summary_card.show()

    def _refresh_free(self) -> None:
        self.free_summary.setText(self.free_play.summary().text)
