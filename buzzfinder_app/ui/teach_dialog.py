"""The guided "Teach it your guitar" flow: the notes the plan (:mod:`~buzzfinder_app.personal.teach_plan`)
asks for — clean, then buzzy, then muted, more of a kind the judge hears wrong — each heard back and kept
or discarded, then the profile's head is refitted ("tuned to your guitar") and its accuracy shown in
words."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog, QFrame, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QSizePolicy, QVBoxLayout,
)

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.engine.verdicts import UNSURE
from buzzfinder_app.personal.teach_plan import ORDER, Heard, Step, explain, next_step, plan
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption, prompt
from buzzfinder_app.words import plural

ASK = {
    "clean": "Play a clean note: press just enough that it rings clearly.",
    "buzzy": "Play a buzzy note: press the string only just, so that it rattles against the fret.",
    "muted": "Play a muted note: rest a finger on the string without pressing it down, then pluck.",
}


def _lean_only(result, before: int, after: int) -> bool:
    """What was taught only leans the standard model, and no taught note's verdict moved."""
    return result.tunes and result.blend == 0.0 and after == before


def describe_fit(result) -> str:
    """A FitResult in plain words (no "head", "blend" or "leave-one-out": what they mean)."""
    n = result.n_notes
    before, after, strict = (round(share * n) for share in (result.loo_before, result.loo_after, result.loo_nested))
    text = f"Before teaching, the standard model judged {before} of your {plural(n, 'note')} right."
    if not result.tunes and before == n:
        return text + " It already judges your guitar well, so it keeps judging on its own."
    if not result.tunes:
        return text + (" What you taught did not judge them better, so the standard model keeps judging on its "
                       "own. Teach a few more notes, most of all the kind it gets wrong.")
    if _lean_only(result, before, after):
        return text + (" It keeps judging, leaning a little the way your notes showed (each note judged as if it "
                       f"had not been taught: still {after} of {n} right).")
    return text + (f" Tuned to your guitar, {after} of {n} are judged right, each note as if it had not been "
                   f"taught. Counted more strictly (also deciding without the note how far to trust what you "
                   f"taught): {strict} of {n}.")


def fit_score(result) -> str:
    """A FitResult in a few words: how many notes are judged right, before and after teaching."""
    n = result.n_notes
    before, after = round(result.loo_before * n), round(result.loo_after * n)
    if not result.tunes:
        return f"{before} of {n} judged right  ·  standard model kept"
    if _lean_only(result, before, after):
        return f"{after} of {n} judged right  ·  leaning to your guitar"
    return f"{before}  →  {after} of {n} judged right"


@dataclass
class Candidate:
    """A note the player played for a step: its final event, its window and the label asked for."""

    event: object
    window: np.ndarray
    label: str


class StepPill(QPushButton):
    """One step (clean/buzzy/muted) with its notes kept and asked for; the current one is filled."""

    def __init__(self, label: str):
        super().__init__()
        self.label = label
        self.setCursor(Qt.PointingHandCursor)
        self.setMinimumHeight(38)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def show_state(self, step: Step, current: bool) -> None:
        style = P.style_for(self.label)
        self.setText(f"{style.symbol}  {style.title}   {step.have} / {step.need}")
        colour = style.color
        if current:
            css = f"background: {colour}; color: white; border: 1px solid {colour}; font-weight: 700;"
        elif step.done:
            css = f"background: {P.rgba(colour, 50)}; color: {P.TEXT}; border: 1px solid {P.rgba(colour, 130)};"
        else:
            css = f"background: {P.SURFACE_RAISED}; color: {P.TEXT_DIM}; border: 1px solid {P.BORDER};"
        self.setStyleSheet(f"QPushButton {{ {css} border-radius: 8px; padding: 4px 10px; }}")


class TeachDialog(QDialog):
    """Collects labelled notes from the live session for the current profile and refits its head.

    Notes come in through :meth:`offer` (the live session's final notes, with the samples judged); kept
    notes are written to the profile only on :meth:`finish`, so Cancel leaves it untouched.
    """

    #: The refit is done: FitResult.
    adapted = Signal(object)

    def __init__(self, control, session=None, listen=None, player=None, parent=None):
        super().__init__(parent)
        from buzzfinder_app.ui.recordings_view import play_audio

        self.control = control
        self.session = session
        self.listen = listen
        self.player = player or play_audio
        self.step: int | None = 0  # index into the plan's steps; None once every step has its notes
        self.pending: list[Candidate] = []
        self.kept: list[Candidate] = []
        self.fit_result = None  # FitResult once adapted
        self.complete = False  # adapted, or adapting failed: only Done is left
        self.fitting = False
        self.setWindowTitle("Teach it your guitar")
        self.setMinimumSize(760, 600)
        self._build()
        if session is not None:
            session.final_note.connect(self._on_final_note)
            session.run_started.connect(self._refresh)
            session.run_stopped.connect(self._refresh)
        control.fitted.connect(self._on_fitted)
        control.fit_failed.connect(self._on_failed)
        self._refresh()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        title = QLabel("Teach it your guitar")
        title.setObjectName("h2")
        profile = self.control.profile
        self.profile_label = QLabel(f"profile: {profile.name}" if profile else "no profile")
        self.profile_label.setObjectName("dim")
        intro = QLabel("Play the notes asked for, one at a time. Listen to each one and keep it if it "
                       "really is what was asked for. Five notes of each kind are enough to tune the judge to "
                       "your guitar, your hands and your microphone; it asks for a few more of any kind it "
                       "gets wrong.")
        intro.setObjectName("dim")
        intro.setWordWrap(True)

        self.pills = [StepPill(label) for label in ORDER]
        pills = QHBoxLayout()
        pills.setSpacing(8)
        for pill in self.pills:
            pill.clicked.connect(lambda _=False, label=pill.label: self.go_to(label))
            pills.addWidget(pill)

        self.instruction = prompt(14, min_height=52)
        self.why = QLabel()
        self.why.setObjectName("dim")
        self.why.setWordWrap(True)

        self.note_card = card = QFrame()
        card.setObjectName("card")
        cl = QVBoxLayout(card)
        cl.setContentsMargins(16, 12, 16, 14)
        cl.setSpacing(8)
        head = QHBoxLayout()
        head.addWidget(caption("LAST NOTE"))
        head.addStretch(1)
        self.waiting_label = QLabel()
        self.waiting_label.setObjectName("dim")
        head.addWidget(self.waiting_label)
        cl.addLayout(head)
        self.note_title = QLabel()
        self.note_title.setObjectName("stat")
        self.note_detail = QLabel()
        self.note_detail.setTextFormat(Qt.RichText)
        self.note_detail.setWordWrap(True)
        cl.addWidget(self.note_title)
        cl.addWidget(self.note_detail)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.play_button = QPushButton("▶  Hear it")
        self.play_button.clicked.connect(self.play)
        self.keep_button = QPushButton()
        self.keep_button.setObjectName("primary")
        self.keep_button.clicked.connect(self.keep)
        self.discard_button = QPushButton("✕  Discard")
        self.discard_button.clicked.connect(self.discard)
        self.listen_button = QPushButton("●  Start listening")
        self.listen_button.clicked.connect(self._start_listening)
        for b, key in ((self.play_button, "P"), (self.keep_button, "K"), (self.discard_button, "D")):
            b.setShortcut(key)
            b.setToolTip(f"Shortcut: {key}")
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.listen_button)
        cl.addLayout(buttons)

        kept_head = QHBoxLayout()
        kept_head.addWidget(caption("KEPT"))
        kept_head.addStretch(1)
        self.replay_kept = QPushButton("▶  Hear")
        self.replay_kept.clicked.connect(self.play_kept)
        self.remove_kept = QPushButton("Remove")
        self.remove_kept.clicked.connect(self.remove_selected)
        kept_head.addWidget(self.replay_kept)
        kept_head.addWidget(self.remove_kept)
        self.kept_list = QListWidget()
        self.kept_list.setMinimumHeight(90)
        self.kept_list.setStyleSheet(
            f"QListWidget {{ background: {P.SURFACE}; border: 1px solid {P.BORDER}; border-radius: 6px; }}"
            f"QListWidget::item {{ padding: 3px 6px; }}"
            f"QListWidget::item:selected {{ background: #3F51B5; }}")
        self.kept_list.itemSelectionChanged.connect(self._refresh_buttons)

        self.result_card = QFrame()
        self.result_card.setObjectName("result")
        self.result_card.setStyleSheet(
            f"QFrame#result {{ background: {P.rgba(P.ACCENT, 28)}; border: 1px solid {P.rgba(P.ACCENT, 140)};"
            " border-radius: 10px; }")
        rl = QVBoxLayout(self.result_card)
        rl.setContentsMargins(16, 10, 16, 12)
        self.result_score = QLabel()
        self.result_score.setObjectName("stat")
        self.result_text = QLabel()
        self.result_text.setWordWrap(True)
        rl.addWidget(caption("TUNED TO YOUR GUITAR"))
        rl.addWidget(self.result_score)
        rl.addWidget(self.result_text)
        self.result_card.hide()

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()

        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.finish_button = QPushButton("Finish and tune")
        self.finish_button.setObjectName("primary")
        self.finish_button.clicked.connect(self.finish)
        self.finish_button.setMinimumWidth(170)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.finish_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(22, 18, 22, 16)
        lay.setSpacing(12)
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.profile_label)
        lay.addLayout(top)
        lay.addWidget(intro)
        lay.addLayout(pills)
        lay.addWidget(self.instruction)
        lay.addWidget(self.why)
        lay.addWidget(card)
        lay.addLayout(kept_head)
        lay.addWidget(self.kept_list, 1)
        lay.addWidget(self.result_card)
        lay.addWidget(self.message)
        lay.addLayout(bottom)
        self.setStyleSheet(  # the theme has no disabled look for primary buttons
            f"QPushButton#primary:disabled {{ background: {P.SURFACE_RAISED}; border-color: {P.BORDER}; }}")

    # ------------------------------------------------------------------ state
    @property
    def steps(self) -> tuple[Step, ...]:
        """The plan for the notes kept so far: each kind, how many are kept and asked for, and why."""
        judge = "the judge tuned to your guitar" if self.control.tuned_live else "the standard model"
        return plan((Heard.of(c.label, c.event.verdict) for c in self.kept), judge)

    @property
    def label(self) -> str | None:
        """The label asked for now (None once every step has its notes)."""
        return ORDER[self.step] if self.step is not None else None

    @property
    def current(self) -> Candidate | None:
        return self.pending[0] if self.pending else None

    @property
    def contradicted(self) -> bool:
        """The judge heard the shown note, confidently, as another kind than the one asked for."""
        verdict = self.current.event.verdict if self.current else None
        return verdict is not None and verdict.label not in (self.current.label, UNSURE)

    def go_to(self, label: str) -> None:
        """Ask for notes of kind ``label`` (the player may go back or skip ahead)."""
        if not self.complete and not self.fitting:
            self.step = ORDER.index(label)
            self._refresh()

    def _advance(self) -> None:
        """Move past steps that have all their notes (back to one short of notes once all were in)."""
        self.step = next_step(self.steps, self.step or 0)

    # ------------------------------------------------------------------ notes
    def _on_final_note(self, event, window) -> None:
        if window is not None:
            self.offer(event, window)

    def offer(self, event, window: np.ndarray) -> bool:
        """A note the player just played, with its window; queued to be kept or discarded."""
        if self.label is None or self.complete or self.fitting:
            return False
        self.pending.append(Candidate(event, np.asarray(window, np.float32), self.label))
        self._refresh()
        return True

    def keep(self) -> None:
        """Keep the shown note as an example of the label asked for when it was played (a step may
        get more than its count when the player played ahead)."""
        if not self.pending:
            return
        cand = self.pending.pop(0)
        self.kept.append(cand)
        item = QListWidgetItem(self._describe(cand))
        item.setForeground(P.qcolor(P.style_for(cand.label).text_color))
        self.kept_list.addItem(item)
        self.kept_list.scrollToBottom()
        self._advance()
        self._refresh()

    def discard(self) -> None:
        if self.pending:
            self.pending.pop(0)
            self._refresh()

    def remove_selected(self) -> None:
        row = self.kept_list.currentRow()
        if 0 <= row < len(self.kept) and not self.complete and not self.fitting:
            del self.kept[row]
            self.kept_list.takeItem(row)
            self._advance()  # back to a step that is short of notes again, once all were in
            self._refresh()

    def play(self) -> bool:
        return self._play(self.current.window if self.current else None)

    def play_kept(self) -> bool:
        row = self.kept_list.currentRow()
        return self._play(self.kept[row].window if 0 <= row < len(self.kept) else None)

    def _play(self, window) -> bool:
        if window is None:
            return False
        try:
            self.player(window, SAMPLE_RATE)
        except Exception as exc:  # no output device, PortAudio missing: say so, go on
            self._show_message(f"Could not play the note: {exc}", P.WARNING)
            return False
        self._show_message("")
        return True

    # ------------------------------------------------------------------ finishing
    def finish(self) -> bool:
        """Add the kept notes to the profile and refit its head (in the worker thread)."""
        if self.complete:
            self.accept()
            return True
        if not self.kept or self.fitting:
            return False
        added = 0
        for cand in self.kept:
            if self.control.add_example(cand.window, cand.label, "teach", reload=False) is not None:
                added += 1
        if not added:
            return False
        self.kept_added = added
        self.fitting = self.control.refit()
        if not self.fitting:
            self._show_message("The notes were kept, but the model is not loaded, so nothing was tuned.",
                               P.WARNING)
        self._refresh()
        return self.fitting

    def _on_fitted(self, name: str, result) -> None:
        if not self.fitting or self.control.profile is None or name != self.control.profile.name:
            return
        self.fitting = False
        self.fit_result, self.complete = result, True
        self.result_score.setText(fit_score(result))
        self.result_text.setText(describe_fit(result))
        self.result_card.show()
        self._show_message("")
        self._refresh()
        self.adapted.emit(result)

    def _on_failed(self, name: str, message: str) -> None:
        if self.fitting and self.control.profile is not None and name == self.control.profile.name:
            self.fitting = False
            self._show_message(f"The notes were kept, but tuning to your guitar failed: {message}", P.ERROR)
            self.complete = True
            self._refresh()

    def done(self, result: int) -> None:
        """Closed: stop taking notes and results."""
        if getattr(self, "_closed", False):
            return super().done(result)
        self._closed = True
        if self.session is not None:
            self.session.final_note.disconnect(self._on_final_note)
            self.session.run_started.disconnect(self._refresh)
            self.session.run_stopped.disconnect(self._refresh)
            self.session = None
        self.control.fitted.disconnect(self._on_fitted)
        self.control.fit_failed.disconnect(self._on_failed)
        super().done(result)

    def _start_listening(self) -> None:
        if self.listen is not None:
            self.listen()
        self._refresh()

    # ------------------------------------------------------------------ showing
    def _describe(self, cand: Candidate) -> str:
        e = cand.event
        style = P.style_for(cand.label)
        text = f"{style.symbol}  {style.title}  ·  note {e.index + 1}" + (f" {e.note}" if e.note else "")
        if e.verdict is not None:
            heard = P.style_for(e.verdict.label).title.lower()
            text += f"  ·  the judge heard {heard} ({e.verdict.confidence * 100:.0f} %)"
        return text

    def _show_message(self, text: str, colour: str = P.TEXT_DIM) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setVisible(bool(text))

    def _refresh(self) -> None:
        steps = self.steps
        for i, (pill, step) in enumerate(zip(self.pills, steps)):
            pill.show_state(step, i == self.step and not self.complete)
        self.why.setText("" if self.complete or self.fitting else explain(steps, self.step))
        self.why.setVisible(bool(self.why.text()))
        if self.complete:
            adapted = self.fit_result is not None and self.fit_result.blend > 0
            self.instruction.setText("Done: the live verdicts now use what you taught." if adapted else
                                     "Done: your notes are kept in the profile.")
        elif self.fitting:
            self.instruction.setText("Tuning to your guitar…")
        elif self.label is None:
            self.instruction.setText("All notes are in. Finish to tune the judge to your guitar.")
        else:
            self.instruction.setText(ASK[self.label])
        self.note_card.setVisible(not self.complete)
        cand = self.current
        if cand is None:
            running = self.session is not None and self.session.running
            self.note_title.setText("Waiting for a note…" if running else "Not listening")
            self.note_detail.setText(
                "<span style='color:%s'>Play it now; it appears here once it has been judged.</span>" % P.TEXT_DIM
                if running else "<span style='color:%s'>Start listening to teach with your guitar.</span>"
                % P.TEXT_DIM)
        else:
            e = cand.event
            self.note_title.setText(f"Note {e.index + 1}" + (f" · {e.note}" if e.note else ""))
            want = P.style_for(cand.label)
            detail = f"Played for <b style='color:{want.text_color}'>{want.title.lower()}</b>"
            detail += f" · {len(cand.window) / SAMPLE_RATE:.1f} s"
            if e.verdict is not None:
                heard = P.style_for(e.verdict.label)
                said = (f"<b style='color:{heard.text_color}'>{html.escape(heard.title.lower())}</b> "
                        f"({e.verdict.confidence * 100:.0f} %)")
                detail += (f"<br>The judge heard {said} — keep it as {want.title.lower()} anyway?"
                           if self.contradicted else f" · the judge heard {said}")
            self.note_detail.setText(detail)
        waiting = len(self.pending) - 1
        self.waiting_label.setText(f"{waiting} more waiting" if waiting > 0 else "")
        label = cand.label if cand else self.label
        self.keep_button.setText(f"✓  Keep as {label}" + (" anyway" if self.contradicted else "") if label
                                 else "✓  Keep")
        self._propose_keeping(not self.contradicted)
        self._refresh_buttons()

    def _propose_keeping(self, propose: bool) -> None:
        """Keeping is the highlighted action (and Enter's) unless the judge heard the note as another kind:
        then nothing is proposed and the player decides."""
        b = self.keep_button
        b.setAutoDefault(propose)
        b.setDefault(propose)
        if (b.objectName() == "primary") != propose:
            b.setObjectName("primary" if propose else "")
            b.style().unpolish(b)
            b.style().polish(b)

    def _refresh_buttons(self) -> None:
        busy = self.fitting or self.complete
        has = self.current is not None and not busy
        for b in (self.play_button, self.keep_button, self.discard_button):
            b.setEnabled(has)
        can_listen = self.listen is not None and self.session is not None and self.session.live is not None \
            and not self.session.running
        self.listen_button.setVisible(can_listen and not busy)
        selected = 0 <= self.kept_list.currentRow() < len(self.kept)
        self.replay_kept.setEnabled(selected)
        self.remove_kept.setEnabled(selected and not busy)
        self.finish_button.setText("Done" if self.complete else "Finish and tune")
        self.finish_button.setEnabled(self.complete or (bool(self.kept) and not self.fitting))
        self.cancel_button.setVisible(not self.complete)
