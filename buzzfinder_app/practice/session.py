"""The practice session: the drill, the notes of the listening run and their counts, in one place.

:class:`PracticeSession` consumes the engine's note events and the player's intents (start an
exercise, switch to free play, skip a repetition, pause while teaching) and answers with the state
the window draws: :class:`NoteState` for each note, :class:`DrillState` for the practice panel and
the counts of the run. It knows nothing of Qt, audio or the store, so every rule is tested with plain
events (``tests/test_practice_session.py``); ``ui/live_session.py`` wires it to the live input.

>>> from types import SimpleNamespace as E
>>> session = PracticeSession(ExerciseSettings(string=3, fret=5, repetitions=2))
>>> session.expected_label
'muted'
>>> update = session.on_event(E(kind="final", index=0, onset_s=1.0, note=None, pitch_hz=None,
...                             verdict=E(label="muted", confidence=0.9)))
>>> update.feedback.kind, session.expected_label, session.counts["muted"]
('advance', 'buzzy', 1)
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from buzzfinder_app.engine.verdicts import UNSURE
from buzzfinder_app.practice.exercise import (
    Exercise, ExerciseSettings, ExerciseState, ExerciseSummary, Feedback, FreePlay, FreePlayFeedback,
)
from buzzfinder_app.practice.neck_drill import NeckDrill, NeckSettings, NeckState

#: The notes of a run kept for drawing (as many as the chip strip shows).
KEEP_NOTES = 40
#: A note that starts within this many seconds of the note that ended a repetition is not judged (a
#: double pluck, the finger moving back): the next repetition starts by itself after this pause.
REST_S = 1.0
COUNTED = ("clean", "buzzy", "muted", UNSURE)
MODES = ("exercise", "free", "neck")


@dataclass(frozen=True)
class NoteState:
    """One note of the run as the window draws it, after its latest event."""

    index: int
    onset_s: float
    #: "onset" (no verdict yet), "provisional" or "final"
    stage: str
    #: the engine's ``Verdict`` (label, confidence, probabilities); None at the onset
    verdict: object | None
    note: str | None
    pitch_hz: float | None
    #: what the drill expected of this note (None when nothing was expected)
    expected: str | None
    #: played while the player was teaching: an example, not a practice note
    example: bool

    @property
    def label(self) -> str | None:
        return None if self.verdict is None else self.verdict.label

    @property
    def final(self) -> bool:
        return self.stage == "final"


@dataclass(frozen=True)
class NoteUpdate:
    """What one event changed: the note, whether it is the run's newest, and the drill's feedback."""

    note: NoteState
    #: the newest note of the run (a late verdict of an older note is not)
    latest: bool
    #: the drill's answer to a final verdict (None for other events, examples and while paused)
    feedback: Feedback | FreePlayFeedback | None
    #: the exercise target the note was played at ("string:fret"; None for any note or free play)
    target: str | None


@dataclass(frozen=True)
class DrillState:
    """The practice panel's whole state."""

    mode: str
    paused: bool
    #: the ladder (None in free play)
    exercise: ExerciseState | None
    #: repetitions with an outcome
    reps_done: int
    summary: ExerciseSummary | None
    #: (kind, message) of the last exercise note, or (label, message) of the last free-play note
    feedback: tuple[str, str] | None
    free_summary: str
    #: the ladder's round: with ``auto_restart`` a finished exercise starts again by itself
    round: int = 1
    #: the summary of the round just finished, shown until the next round's first note
    last_round: ExerciseSummary | None = None
    #: the neck drill (None in the other modes)
    neck: NeckState | None = None
    #: the ladder's target, finger and count (None in free play): the stage view's target spot
    settings: ExerciseSettings | None = None

    @property
    def expected_label(self) -> str | None:
        ladder = self.neck.ladder if self.neck is not None else self.exercise
        if self.paused or ladder is None or ladder.finished:
            return None
        return ladder.expected_label


class PracticeSession:
    """The drill (pressure ladder or free play) and the notes of the current listening run."""

    def __init__(self, settings: ExerciseSettings | None = None, rest_s: float = REST_S, auto_restart: bool = True):
        self.mode = "exercise"
        self.exercise = Exercise(settings or ExerciseSettings())
        self.rest_s = rest_s
        self.auto_restart = auto_restart
        self.round = 1
        self.last_round: ExerciseSummary | None = None
        self._resting_until: float | None = None  # stream time: notes starting before it are not judged
        self.free_play = FreePlay()
        self.neck = NeckDrill()
        self.paused = False
        #: the last (kind, message) of the ladder, and the last (label, message) of free play
        self.feedback: dict[str, tuple[str, str] | None] = dict.fromkeys(MODES)
        self.notes: OrderedDict[int, NoteState] = OrderedDict()
        self.counts = dict.fromkeys(COUNTED, 0)
        self._latest: int | None = None
        self._examples_upto = -1  # notes up to this index of the run were played as examples

    # ---------------------------------------------------------------------------- intents
    def begin_run(self) -> None:
        """A new listening run: its notes and counts start from nothing (the drill goes on)."""
        self.notes.clear()
        self.counts = dict.fromkeys(COUNTED, 0)
        self._latest = None
        self._examples_upto = -1
        self._resting_until = None

    def start_exercise(self, settings: ExerciseSettings | None = None) -> None:
        """(Re)start the ladder, with new ``settings`` or the current ones."""
        self.exercise = Exercise(settings or self.exercise.settings)
        self.feedback["exercise"] = None
        self.round, self.last_round, self._resting_until = 1, None, None

    def retarget(self, settings: ExerciseSettings) -> None:
        """The player chose another target, finger or count: the ladder starts again on it at once."""
        if settings == self.exercise.settings:
            return
        self.start_exercise(settings)
        self.feedback["exercise"] = ("retarget", f"New target: {settings.target_text} — the ladder starts again.")

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        self.mode = mode

    def start_neck(self, settings: NeckSettings | None = None) -> None:
        """(Re)start the neck drill, on new ``settings`` or the current ones."""
        self.neck = NeckDrill(settings or self.neck.settings)
        self.feedback["neck"] = None
        self._resting_until = None

    def next_repetition(self) -> Feedback | None:
        """Skip to the next repetition of the ladder, or the next spot of the neck drill (counts as not
        succeeded)."""
        if self.mode == "free":
            return None
        fb = self.exercise.skip_repetition() if self.mode == "exercise" else self.neck.skip_spot()
        self.feedback[self.mode] = (fb.kind, fb.message)
        return fb

    def reset_free_play(self) -> None:
        self.free_play.reset()
        self.feedback["free"] = None

    def set_paused(self, paused: bool) -> None:
        """Stop (or go on) judging notes: while the player teaches, notes are examples."""
        self.paused = paused
        self.feedback = dict.fromkeys(MODES)

    # ---------------------------------------------------------------------------- events
    def on_event(self, event) -> NoteUpdate:
        """One engine ``NoteEvent``: the note's new state and, for a final verdict, the drill's feedback."""
        latest = self._latest is None or event.index >= self._latest
        if latest:
            self._latest = event.index
        target = self.target_key
        if event.kind == "onset":
            if self.paused:  # played while teaching: an example, even if judged after the dialog closed
                self._examples_upto = event.index
            return NoteUpdate(self._keep(event, None, self.expected_label), latest, None, target)
        final = event.kind == "final"
        expected = self.expected_label if final else None
        note = self._keep(event, event.verdict, expected)
        feedback = None
        if final:
            label = event.verdict.label
            self.counts[label] += 1
            resting = self._resting_until is not None and event.onset_s < self._resting_until
            if not note.example and not resting:
                feedback = self._judge(label, float(event.verdict.confidence), event.pitch_hz, event)
        return NoteUpdate(note, latest, feedback, target)

    def _keep(self, event, verdict, expected: str | None) -> NoteState:
        note = NoteState(event.index, float(event.onset_s), event.kind, verdict, event.note, event.pitch_hz,
                         expected, event.index <= self._examples_upto)
        self.notes[event.index] = note
        while len(self.notes) > KEEP_NOTES:
            self.notes.popitem(last=False)
        return note

    def _judge(self, label: str, confidence: float, pitch_hz: float | None, event):
        if self.paused:
            return None
        if self.mode == "neck":
            fb = self.neck.on_note(label, confidence, pitch_hz)
            if fb.kind in ("spot_done", "drill_done"):
                self._resting_until = event.onset_s + self.rest_s
            self.feedback["neck"] = (fb.kind, fb.message)
            return fb
        if self.mode == "exercise":
            if self.exercise.state.rep == 1 and not self.exercise.repetitions[0].notes:
                self.last_round = None  # the new round's first note: the last round's summary goes
            fb = self.exercise.on_note(label, confidence, pitch_hz)
            message = fb.message
            if fb.kind in ("rep_done", "exercise_done"):
                self._resting_until = event.onset_s + self.rest_s
            if fb.kind == "exercise_done" and self.auto_restart:
                self.last_round = self.exercise.summary()
                self.exercise = Exercise(self.exercise.settings)
                self.round += 1
                message += f" Round {self.round} starts with your next note."
            self.feedback["exercise"] = (fb.kind, message)
        else:
            fb = self.free_play.on_note(label, confidence, pitch_hz)
            self.feedback["free"] = (label, fb.message)
        return fb

    # ---------------------------------------------------------------------------- reading
    @property
    def expected_label(self) -> str | None:
        """The class the ladder asks for next (None in free play, when finished or paused)."""
        if self.paused or self.mode == "free":
            return None
        if self.mode == "neck":
            return self.neck.expected_label
        return None if self.exercise.finished else self.exercise.state.expected_label

    @property
    def target_key(self) -> str | None:
        """The "string:fret" target stored with notes (None in free play or for any note)."""
        if self.mode == "neck":
            return self.neck.target_key
        return self.exercise.settings.target_key if self.mode == "exercise" else None

    @property
    def session_settings(self) -> dict | None:
        """The drill's settings to store with a session (None in free play)."""
        if self.mode == "neck":
            return self.neck.settings.to_dict()
        return self.exercise.settings.to_dict() if self.mode == "exercise" else None

    def _drill_target(self) -> ExerciseSettings | None:
        """The spot the drill asks for now (the ladder's, or the neck walk's; None in free play)."""
        if self.mode == "exercise":
            return self.exercise.settings
        if self.mode == "neck" and not self.neck.finished:
            string, fret = self.neck.current
            return ExerciseSettings(string=string, fret=fret, finger=self.neck.settings.finger, repetitions=1)
        return None

    def drill(self) -> DrillState:
        ex = self.exercise if self.mode == "exercise" else None
        feedback = self.feedback[self.mode]
        return DrillState(
            mode=self.mode, paused=self.paused, exercise=None if ex is None else ex.state,
            reps_done=0 if ex is None else sum(rep.outcome is not None for rep in ex.repetitions),
            summary=ex.summary() if ex is not None and ex.finished else None, feedback=feedback,
            free_summary=self.free_play.summary().text, round=self.round, last_round=self.last_round,
            neck=self.neck.state if self.mode == "neck" else None,
            settings=self._drill_target())
