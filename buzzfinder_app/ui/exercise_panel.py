"""The practice panel: the light-pressure ladder exercise, or free play.

The drill lives in the live session (:class:`~buzzfinder_app.ui.live_session.LiveSession`); this panel
draws its :class:`~buzzfinder_app.practice.session.DrillState` and sends the player's intents.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget,
)

from buzzfinder_app.practice.exercise import FINGER_NAMES, ExerciseSettings, Step
from buzzfinder_app.practice.neck_drill import ALL_STRINGS, NeckSettings
from buzzfinder_app.practice.session import DrillState
from buzzfinder_app.practice.tuning import MAX_FRET, STRING_NAMES, STRINGS, spot_name
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import SteadyBox, caption, prompt
from buzzfinder_app.ui.widgets.neck_map import NeckMap

#: The stacked page of each drill.
PAGES = {"exercise": 0, "free": 1, "neck": 2}

FEEDBACK_COLOURS = {
    "advance": P.CLASS_STYLES["clean"].color,
    "rep_done": P.CLASS_STYLES["clean"].color,
    "exercise_done": P.CLASS_STYLES["clean"].color,
    "retry": P.WARNING,
    "too_hard": P.ERROR,
    "unsure": P.TEXT_DIM,
    "off_target": P.WARNING,
    "retarget": P.TEXT,
    "spot_done": P.CLASS_STYLES["clean"].color,
    "drill_done": P.CLASS_STYLES["clean"].color,
    "skipped": P.TEXT_DIM,
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
            lay.addWidget(SteadyBox(lab), 1)  # a rung restyled at every step moves nothing else
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
            css = f"QLabel {{ {css} border-radius: 8px; padding: 4px 8px; }}"
            if lab.styleSheet() != css:  # a style sheet set again is parsed and polished again
                lab.setStyleSheet(css)


class ExercisePanel(QFrame):
    """Mode switch, exercise settings, instruction, expected class, feedback, progress and summary."""

    PAUSED_TEXT = "Paused while you teach your guitar: these notes are examples, not exercise steps."

    #: the player chose another target, finger or count (the window remembers it for the next launch)
    settings_chosen = Signal(object)
    #: the player chose another walk of the neck drill (NeckSettings; remembered too)
    neck_chosen = Signal(object)
    #: the neck drill's fretboard is drawn for a left-handed player (or not; remembered too)
    left_handed_changed = Signal(bool)

    def __init__(self, session, defaults: ExerciseSettings | None = None, neck: NeckSettings | None = None,
                 left_handed: bool = False, parent=None):
        super().__init__(parent)
        self.setObjectName("panel")
        self.session = session
        defaults = defaults or ExerciseSettings()

        title = QLabel("Practice")
        title.setObjectName("h2")
        self.mode_buttons = QButtonGroup(self)
        self.btn_exercise = QPushButton("Ladder")
        self.btn_exercise.setToolTip("The pressure ladder on one spot: muted, buzzy, clean")
        self.btn_neck = QPushButton("Neck drill")
        self.btn_neck.setToolTip("The ladder at every fret of a string, or of all six")
        self.btn_free = QPushButton("Free play")
        self.btn_free.setToolTip("Every note judged on its own")
        self.mode_button = {"exercise": self.btn_exercise, "neck": self.btn_neck, "free": self.btn_free}
        mode_row = QHBoxLayout()
        mode_row.setSpacing(0)
        for i, (mode, btn) in enumerate(self.mode_button.items()):
            btn.setCheckable(True)
            radius = "border-top-left-radius: 6px; border-bottom-left-radius: 6px;" if i == 0 else \
                "border-top-right-radius: 6px; border-bottom-right-radius: 6px;" if i == 2 else ""
            btn.setStyleSheet(
                f"QPushButton {{ border-radius: 0; {radius} }}"
                f"QPushButton:checked {{ background: #3F51B5; border-color: #5C6BC0; font-weight: 600; }}")
            self.mode_buttons.addButton(btn, PAGES[mode])
            mode_row.addWidget(btn)
        self.btn_exercise.setChecked(True)
        modes = {page: mode for mode, page in PAGES.items()}
        self.mode_buttons.idClicked.connect(lambda i: session.set_mode(modes[i]))

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_exercise_page(defaults))
        self.stack.addWidget(self._build_free_page())
        self.stack.addWidget(self._build_neck_page(neck or NeckSettings(), left_handed))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 14, 18, 16)
        lay.setSpacing(12)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        lay.addLayout(head)
        lay.addLayout(mode_row)
        lay.addWidget(self.stack, 1)
        session.drill_changed.connect(self.show_drill)
        self.show_drill(session.practice.drill())

    # ----------------------------------------------------------------------------- building
    def _build_exercise_page(self, defaults: ExerciseSettings) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)

        self.string_box = QComboBox()
        self.string_box.addItem("Any note", None)
        for s in STRINGS:
            self.string_box.addItem(f"{STRING_NAMES[s]} string", s)
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
        for box in (self.string_box, self.finger_box):
            box.currentIndexChanged.connect(self._chosen)
        for box in (self.fret_box, self.reps_box):
            box.valueChanged.connect(self._chosen)
        self.start_button = QPushButton("Restart exercise")
        self.start_button.setToolTip("Start the ladder again from repetition 1 (a new target starts it again by itself)")
        self.start_button.clicked.connect(lambda: self.session.start_exercise(self.settings()))

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

        self.instruction = prompt(15, min_height=70)
        self.instruction.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        # What changes at every note sits in steady boxes: a new text redraws its label, and the
        # panel's layout is not worked out again (that took half the window's time per note).
        lay.addWidget(SteadyBox(self.instruction, lines=2))

        self.expected = QLabel()
        self.expected_box = SteadyBox(self.expected, fill=False)
        lay.addWidget(self.expected_box)

        self.message = QLabel(" ")
        self.message.setTextFormat(Qt.RichText)
        mf = self.message.font()
        mf.setPointSizeF(11)
        self.message.setFont(mf)
        self.message.setWordWrap(True)
        self.message.setMinimumHeight(40)
        lay.addWidget(SteadyBox(self.message, lines=2))

        prog = QHBoxLayout()
        self.rep_label = QLabel()
        self.rep_label.setObjectName("dim")
        self.streak_label = QLabel()
        self.streak_label.setObjectName("dim")
        self.streak_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        prog.addWidget(SteadyBox(self.rep_label), 3)
        prog.addWidget(SteadyBox(self.streak_label), 2)
        lay.addLayout(prog)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(10)
        lay.addWidget(self.progress)

        self.next_button = QPushButton("Next repetition  (N)")
        self.next_button.setToolTip("Skip to the next repetition (counts as not succeeded)")
        self.next_button.clicked.connect(lambda: self.session.next_repetition())
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
        self.free_message = prompt(15, min_height=60)
        self.free_message.setTextFormat(Qt.RichText)
        self.free_message.setText("Waiting for a note…")
        lay.addWidget(SteadyBox(self.free_message, lines=2))
        self.free_summary = QLabel()
        self.free_summary.setWordWrap(True)
        self.free_summary.setObjectName("dim")
        lay.addWidget(SteadyBox(self.free_summary, lines=2))
        reset = QPushButton("Reset counts")
        reset.clicked.connect(lambda: self.session.reset_free_play())
        lay.addWidget(reset, 0, Qt.AlignLeft)
        lay.addStretch(1)
        return page

    def _build_neck_page(self, neck: NeckSettings, left_handed: bool) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        self.neck_strings = QComboBox()
        self.neck_strings.addItem("All six strings", ALL_STRINGS)
        for s in ALL_STRINGS:
            self.neck_strings.addItem(f"{STRING_NAMES[s]} string", (s,))
        self.neck_first, self.neck_last = QSpinBox(), QSpinBox()
        for box, value, prefix in ((self.neck_first, neck.first_fret, "fret "),
                                   (self.neck_last, neck.last_fret, "to ")):
            box.setRange(1, MAX_FRET)
            box.setValue(value)
            box.setPrefix(prefix)
        self.neck_finger = QComboBox()
        for number, name in FINGER_NAMES.items():
            self.neck_finger.addItem(f"{number} · {name}", number)
        walks = [self.neck_strings.itemData(i) for i in range(self.neck_strings.count())]  # findData: by identity
        self.neck_strings.setCurrentIndex(walks.index(neck.strings) if neck.strings in walks else 0)
        self.neck_finger.setCurrentIndex(max(0, self.neck_finger.findData(neck.finger)))
        self._neck_chosen()  # the walk remembered from the last launch
        self.left_handed = QCheckBox("Left-handed")
        self.left_handed.setToolTip("Draw the neck with the nut on the right")
        self.neck_start = QPushButton("Restart the walk")
        self.neck_start.clicked.connect(lambda: self.session.start_neck(self.neck_settings()))
        for box in (self.neck_strings, self.neck_finger):
            box.currentIndexChanged.connect(self._neck_chosen)
        for box in (self.neck_first, self.neck_last):
            box.valueChanged.connect(self._neck_chosen)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.addWidget(caption("WALK"), 0, 0, 1, 3)
        grid.addWidget(self.neck_strings, 1, 0)
        grid.addWidget(self.neck_first, 1, 1)
        grid.addWidget(self.neck_last, 1, 2)
        grid.addWidget(self.neck_finger, 2, 0)
        grid.addWidget(self.left_handed, 2, 1)
        grid.addWidget(self.neck_start, 2, 2)
        lay.addLayout(grid)
        self.neck_map = NeckMap()
        self.left_handed.toggled.connect(self._left_handed)
        self.left_handed.setChecked(left_handed)
        lay.addWidget(self.neck_map)
        self.neck_ladder = LadderView()
        lay.addWidget(self.neck_ladder)
        self.neck_instruction = prompt(14, min_height=54)
        lay.addWidget(self.neck_instruction)
        self.neck_message = QLabel(" ")
        self.neck_message.setTextFormat(Qt.RichText)
        self.neck_message.setWordWrap(True)
        self.neck_message.setMinimumHeight(36)
        lay.addWidget(self.neck_message)
        self.neck_progress = QLabel()
        self.neck_progress.setObjectName("dim")
        self.neck_progress.setWordWrap(True)
        lay.addWidget(self.neck_progress)
        self.neck_skip = QPushButton("Next spot  (N)")
        self.neck_skip.setToolTip("Leave this spot without its clean note (counts as skipped)")
        self.neck_skip.clicked.connect(lambda: self.session.next_repetition())
        lay.addWidget(self.neck_skip)
        lay.addStretch(1)
        return page

    def neck_settings(self) -> NeckSettings:
        first, last = self.neck_first.value(), self.neck_last.value()
        return NeckSettings(strings=self.neck_strings.currentData(), first_fret=min(first, last),
                            last_fret=max(first, last), finger=self.neck_finger.currentData())

    def _neck_chosen(self, *_) -> None:
        """A walk control changed: the walk starts again on it at once."""
        settings = self.neck_settings()
        if self.session.practice.neck.settings != settings:
            self.session.start_neck(settings)
        self.neck_chosen.emit(settings)

    def _left_handed(self, left: bool) -> None:
        self.neck_map.set_left_handed(left)
        self.left_handed_changed.emit(left)

    def _show_neck(self, state: DrillState) -> None:
        neck = state.neck
        self.neck_map.set_state(neck)
        self.neck_ladder.set_step(None if neck.finished else neck.ladder.step, done=neck.finished)
        if neck.finished:
            self.neck_instruction.setText("The walk is done.")
        else:
            instruction = neck.ladder.instruction  # the muted step names the spot; the others say the pressure
            self.neck_instruction.setText(instruction if neck.ladder.step == 1 else
                                          f"{spot_name(*neck.current)}: {instruction}")
        self.neck_progress.setText(f"Spot {min(neck.found + neck.skipped + 1, len(neck.spots))} of "
                                   f"{len(neck.spots)}  ·  {neck.text}")
        self.neck_skip.setEnabled(not neck.finished)

    # ----------------------------------------------------------------------------- state
    def apply_settings(self, settings: ExerciseSettings) -> None:
        """Fill the controls from ``settings`` (the ladder starts again on them if they differ)."""
        self._filling = True
        try:
            self.string_box.setCurrentIndex(max(0, self.string_box.findData(settings.string)))
            self.fret_box.setValue(settings.fret or 5)
            self.fret_box.setEnabled(settings.string is not None)
            self.finger_box.setCurrentIndex(max(0, self.finger_box.findData(settings.finger)))
            self.reps_box.setValue(settings.repetitions)
        finally:
            self._filling = False
        self._chosen()

    def _chosen(self, *_) -> None:
        """A control changed: the drill takes the new target at once."""
        if getattr(self, "_filling", False):
            return
        settings = self.settings()
        self.session.retarget(settings)
        self.settings_chosen.emit(settings)

    def settings(self) -> ExerciseSettings:
        string = self.string_box.currentData()
        return ExerciseSettings(string=string, fret=self.fret_box.value() if string is not None else None,
                                finger=self.finger_box.currentData(), repetitions=self.reps_box.value())

    def show_drill(self, state: DrillState) -> None:
        """Draw the drill's state: the page of its mode, its instruction, feedback and progress."""
        self.mode_button[state.mode].setChecked(True)
        self.stack.setCurrentIndex(PAGES[state.mode])
        self._show_feedback(state)
        if state.exercise is not None:
            self._show_exercise(state)
        if state.neck is not None:
            self._show_neck(state)
        self.free_summary.setText(state.free_summary)

    def _show_feedback(self, state: DrillState) -> None:
        dim = f"<span style='color:{P.TEXT_DIM}'>{self.PAUSED_TEXT}</span>"
        if state.paused:
            for label in (self.message, self.free_message, self.neck_message):
                label.setText(dim)
            return
        kind, text = state.feedback or (None, None)
        if state.mode in ("exercise", "neck"):
            colour = FEEDBACK_COLOURS.get(kind, P.TEXT)
            label = self.message if state.mode == "exercise" else self.neck_message
            label.setText(f"<span style='color:{colour}'>{html.escape(text)}</span>" if text else " ")
        elif text:
            style = P.style_for(kind)
            self.free_message.setText(
                f"<span style='color:{style.text_color}'>{style.symbol}&nbsp; {html.escape(text)}</span>")
        else:
            self.free_message.setText("Waiting for a note…")

    def _show_exercise(self, state: DrillState) -> None:
        st = state.exercise
        self.instruction.setText(st.instruction)
        style = P.style_for(st.expected_label)
        if st.finished:
            self.expected.setText("")
            self.expected_box.hide()
        else:
            self.expected_box.show()
            self.expected.setText(f"Expected:  {style.symbol} {style.title}")
        if not st.finished and self.expected.property("label") != st.expected_label:
            self.expected.setProperty("label", st.expected_label)
            self.expected.setStyleSheet(
                f"QLabel {{ background: {P.rgba(style.color, 45)}; border: 1px solid {style.color};"
                f" border-radius: 12px; padding: 4px 12px; font-weight: 600; }}")
        self.ladder.set_step(None if st.finished else st.step, done=st.finished)
        self.progress.setRange(0, st.repetitions)
        self.progress.setValue(state.reps_done)
        self.streak_label.setText(f"streak {st.streak}  ·  best {st.best_streak}")
        self.next_button.setEnabled(not st.finished)
        summary = state.summary or state.last_round
        self.summary_card.setVisible(summary is not None)
        if summary is not None:
            self.summary_title.setText("Exercise complete" if state.summary else f"Round {state.round - 1} complete")
            self.summary_score.setText(f"{summary.successes} / {summary.completed}  ({summary.score:.0%})")
            self.summary_text.setText(summary.text)
        self.rep_label.setText(f"{'Round ' + str(state.round) + '  ·  ' if state.round > 1 else ''}"
                               f"Repetition {min(st.rep, st.repetitions)} of {st.repetitions}  ·  {st.successes} found")
