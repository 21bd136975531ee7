"""The light-pressure exercise, and free play.

Each repetition climbs a ladder of three steps: touch the string and pluck (muted), press a little
more (buzzy), just enough more (clean). A repetition succeeds when a buzzy note is followed directly
by a clean one on the same pitch: the least pressure that sounds clean.

Every final verdict is judged against the current step:

=============  ==============================  ============================  ========================
step \\ note    muted                           buzzy                         clean
=============  ==============================  ============================  ========================
1 muted        advance to 2                    retry: only touch the string  too_hard: go to 2
2 buzzy        retry: a little more pressure   advance to 3                  too_hard: stay at 2
3 clean        retry: too light, back to 2     retry: a touch more, stay     rep_done (success)
=============  ==============================  ============================  ========================

* ``unsure`` verdicts ask to play again and change nothing.
* A buzzy or clean note more than a semitone from the reference pitch is ``off_target`` and changes
  nothing. The references are the target's pitch (unless "any note") and, at step 3, the pitch of
  the buzzy note that got there. Muted notes and notes without a pitch are never off target: a
  touched string gives no reliable pitch (often a harmonic).
* Notes that change nothing (unsure, off target) do not break "buzzy directly followed by clean".
* After a note that pressed too hard, the buzzy step asks to ease off rather than press more, until
  a buzzy or muted note shows where the player now is.
* A streak counts repetitions in a row that succeeded without pressing too hard; a skipped
  repetition or one that pressed too hard ends it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from buzzfinder_app.constants import LABELS
from buzzfinder_app.engine.pitch import note_name
from buzzfinder_app.engine.verdicts import UNSURE
from buzzfinder_app.practice.tuning import MAX_FRET, STRINGS, expected_pitch_hz, same_pitch, spot_name
from buzzfinder_app.words import plural

KNOWN_LABELS = (*LABELS, UNSURE)
FINGER_NAMES = {1: "index", 2: "middle", 3: "ring", 4: "little"}


class Step(IntEnum):
    """A rung of the pressure ladder; its name is the class it should sound as."""

    MUTED = 1
    BUZZY = 2
    CLEAN = 3

    @property
    def expected_label(self) -> str:
        return self.name.lower()


def parse_finger(finger: int | str) -> int:
    """A fretting finger as 1–4, from its number or its name ("index", "Middle", "3")."""
    if isinstance(finger, str):
        text = finger.strip().lower()
        by_name = {name: number for number, name in FINGER_NAMES.items()}
        if text in by_name:
            return by_name[text]
        if not text.isdigit():
            raise ValueError(f"unknown finger {finger!r}: use 1–4 or index, middle, ring, little")
        finger = int(text)
    if finger not in FINGER_NAMES:
        raise ValueError(f"finger must be 1 to 4, got {finger}")
    return finger


def _check_label(label: str) -> None:
    if label not in KNOWN_LABELS:
        raise ValueError(f"unknown label {label!r}: expected one of {', '.join(KNOWN_LABELS)}")


@dataclass(frozen=True)
class ExerciseSettings:
    """What to practise. `string` and `fret` both None means "any note".

    Fret 0 is refused: an open string cannot be pressed, so it has no pressure ladder.
    """

    string: int | None = None
    fret: int | None = None
    finger: int | str = 1
    repetitions: int = 5

    def __post_init__(self) -> None:
        if (self.string is None) != (self.fret is None):
            raise ValueError("give both string and fret, or neither for any note")
        if self.string is not None and self.string not in STRINGS:
            raise ValueError(f"string must be 1 to 6, got {self.string}")
        if self.fret is not None and not 1 <= self.fret <= MAX_FRET:
            raise ValueError(f"fret must be 1 to {MAX_FRET} (an open string cannot be pressed), got {self.fret}")
        if self.repetitions < 1:
            raise ValueError(f"repetitions must be at least 1, got {self.repetitions}")
        object.__setattr__(self, "finger", parse_finger(self.finger))

    @property
    def any_note(self) -> bool:
        return self.string is None

    @property
    def target_hz(self) -> float | None:
        return None if self.any_note else expected_pitch_hz(self.string, self.fret)

    @property
    def target_key(self) -> str | None:
        """"string:fret", e.g. "3:5", as stored with each note; None for any note."""
        return None if self.any_note else f"{self.string}:{self.fret}"

    @property
    def target_text(self) -> str:
        if self.any_note:
            return "any note"
        return spot_name(self.string, self.fret)

    @property
    def finger_name(self) -> str:
        return FINGER_NAMES[self.finger]

    def to_dict(self) -> dict:
        return {"string": self.string, "fret": self.fret, "finger": self.finger, "repetitions": self.repetitions}

    @classmethod
    def from_dict(cls, d: dict) -> "ExerciseSettings":
        return cls(string=d.get("string"), fret=d.get("fret"), finger=d.get("finger", 1),
                   repetitions=d.get("repetitions", 5))


@dataclass(frozen=True)
class Feedback:
    """What to tell the player about one note; `step` and `rep` are what the note was judged against.

    kind: "advance" | "retry" | "too_hard" | "unsure" | "off_target" | "rep_done" | "exercise_done".
    `succeeded` is True only for the clean note that completed a repetition.
    """

    message: str
    kind: str
    step: Step
    rep: int
    succeeded: bool = False

    @property
    def outcome(self) -> str:
        """What the session store keeps for the note: "success", or the kind."""
        return "success" if self.succeeded else self.kind


@dataclass(frozen=True)
class NoteRecord:
    label: str
    confidence: float
    pitch_hz: float | None
    step: Step
    outcome: str

    @property
    def note(self) -> str | None:
        return None if self.pitch_hz is None else note_name(self.pitch_hz)


@dataclass
class Repetition:
    """One climb of the ladder. outcome: None while in progress, then "success" or "skipped"."""

    number: int
    notes: list[NoteRecord] = field(default_factory=list)
    outcome: str | None = None

    @property
    def pressed_too_hard(self) -> int:
        return sum(note.outcome == "too_hard" for note in self.notes)


@dataclass(frozen=True)
class ExerciseState:
    """Everything the exercise screen shows between notes."""

    rep: int
    repetitions: int
    step: Step
    instruction: str
    expected_label: str
    successes: int
    streak: int
    best_streak: int
    pressed_too_hard: int
    finished: bool


@dataclass(frozen=True)
class ExerciseSummary:
    """The end-of-exercise card. `score` is successes over the repetitions completed so far."""

    target: str
    finger: str
    repetitions: int
    completed: int
    successes: int
    skipped: int
    score: float
    best_streak: int
    pressed_too_hard: int
    notes_played: int
    unsure: int
    off_target: int

    @property
    def text(self) -> str:
        return (
            f"{self.successes} of {plural(self.completed, 'repetition')} found the lightest clean pressure "
            f"({self.score:.0%}) on {self.target} with your {self.finger} finger. "
            f"Best streak: {self.best_streak}. Pressed too hard: {plural(self.pressed_too_hard, 'time')}. "
            f"Skipped: {self.skipped}."
        )


_UNSURE_MESSAGE = "Not sure what that was — play it again."
_FINISHED_MESSAGE = "The exercise is finished — restart to go again."


class Exercise:
    """The light-pressure exercise state machine: feed it final verdicts, show what it says."""

    def __init__(self, settings: ExerciseSettings) -> None:
        self.settings = settings
        self.restart()

    def restart(self) -> None:
        """Start again from repetition 1 with the same settings."""
        self.repetitions: list[Repetition] = [Repetition(1)]
        self._step = Step.MUTED
        self._buzzy_hz: float | None = None
        self._from_above = False  # the last counted note pressed too hard: the buzz is below it
        self._streak = 0
        self._best_streak = 0
        self.finished = False

    @property
    def _current(self) -> Repetition:
        return self.repetitions[-1]

    @property
    def successes(self) -> int:
        return sum(rep.outcome == "success" for rep in self.repetitions)

    @property
    def pressed_too_hard(self) -> int:
        return sum(rep.pressed_too_hard for rep in self.repetitions)

    def instruction(self, step: Step | None = None) -> str:
        """The large text for a step (the current one by default)."""
        step = self._step if step is None else step
        if step is Step.MUTED:
            where = "a string" if self.settings.any_note else f"the {self.settings.target_text}"
            return (f"Rest your {self.settings.finger_name} finger on {where} without pressing, "
                    "and pluck: it should sound muted.")
        if step is Step.BUZZY:
            if self._from_above:
                return "Ease off a little, just until the note buzzes."
            return "Press a little more, just until the note buzzes."
        return "Now just enough more pressure for a clean note."

    @property
    def state(self) -> ExerciseState:
        return ExerciseState(
            rep=self._current.number,
            repetitions=self.settings.repetitions,
            step=self._step,
            instruction=_FINISHED_MESSAGE if self.finished else self.instruction(),
            expected_label=self._step.expected_label,
            successes=self.successes,
            streak=self._streak,
            best_streak=self._best_streak,
            pressed_too_hard=self.pressed_too_hard,
            finished=self.finished,
        )

    def on_event(self, event) -> Feedback | None:
        """Judge an engine `NoteEvent`; only final verdicts count, others give None."""
        if event.kind != "final":
            return None
        return self.on_note(event.verdict.label, event.verdict.confidence, event.pitch_hz)

    def on_note(self, label: str, confidence: float = 1.0, pitch_hz: float | None = None) -> Feedback:
        """Judge one final verdict against the current step and move the ladder."""
        _check_label(label)
        rep, step = self._current, self._step
        if self.finished:
            return Feedback(_FINISHED_MESSAGE, "exercise_done", step, rep.number)
        kind, message = self._judge(label, pitch_hz)
        if kind not in ("unsure", "off_target"):
            self._from_above = kind == "too_hard"
        rep.notes.append(NoteRecord(label, confidence, pitch_hz, step, kind))
        succeeded = kind == "rep_done"
        if succeeded:
            kind, message = self._end_repetition("success", message)
        return Feedback(message, kind, step, rep.number, succeeded)

    def skip_repetition(self) -> Feedback:
        """Give up on the current repetition (it counts as not succeeded) and go to the next."""
        rep, step = self._current, self._step
        if self.finished:
            return Feedback(_FINISHED_MESSAGE, "exercise_done", step, rep.number)
        kind, message = self._end_repetition("skipped", f"Repetition {rep.number} skipped.")
        return Feedback(message, kind, step, rep.number)

    def summary(self) -> ExerciseSummary:
        completed = [rep for rep in self.repetitions if rep.outcome is not None]
        notes = [note for rep in self.repetitions for note in rep.notes]
        return ExerciseSummary(
            target=self.settings.target_text,
            finger=self.settings.finger_name,
            repetitions=self.settings.repetitions,
            completed=len(completed),
            successes=self.successes,
            skipped=sum(rep.outcome == "skipped" for rep in completed),
            score=self.successes / len(completed) if completed else 0.0,
            best_streak=self._best_streak,
            pressed_too_hard=self.pressed_too_hard,
            notes_played=len(notes),
            unsure=sum(note.outcome == "unsure" for note in notes),
            off_target=sum(note.outcome == "off_target" for note in notes),
        )

    def _judge(self, label: str, pitch_hz: float | None) -> tuple[str, str]:
        if label == UNSURE:
            return "unsure", _UNSURE_MESSAGE
        if label != "muted" and pitch_hz is not None:
            for reference_hz, what in self._pitch_references():
                if not same_pitch(pitch_hz, reference_hz):
                    return "off_target", f"That was {note_name(pitch_hz)} — play {what}."
        if self._step is Step.MUTED:
            return self._judge_muted_step(label)
        if self._step is Step.BUZZY:
            return self._judge_buzzy_step(label, pitch_hz)
        return self._judge_clean_step(label, pitch_hz)

    def _pitch_references(self) -> list[tuple[float, str]]:
        references = []
        if not self.settings.any_note:
            references.append((self.settings.target_hz, f"the {self.settings.target_text}"))
        if self._step is Step.CLEAN and self._buzzy_hz is not None:
            references.append((self._buzzy_hz, f"the {note_name(self._buzzy_hz)} you just buzzed"))
        return references

    def _judge_muted_step(self, label: str) -> tuple[str, str]:
        if label == "muted":
            self._step = Step.BUZZY
            return "advance", "Muted — good. Now press a little more, until it buzzes."
        if label == "buzzy":
            return "retry", "That buzzed — lighter: only touch the string, for a muted note."
        self._step = Step.BUZZY
        return "too_hard", "Pressed too hard: that rang clean straight away. Back off and find the buzz first."

    def _judge_buzzy_step(self, label: str, pitch_hz: float | None) -> tuple[str, str]:
        if label == "muted":
            return "retry", "Still muted — a little more pressure."
        if label == "buzzy":
            self._step, self._buzzy_hz = Step.CLEAN, pitch_hz
            return "advance", "Buzzy — that's the edge. Now just enough more for a clean note."
        return "too_hard", "Pressed too hard: clean without the buzz. Back off and find the buzz first."

    def _judge_clean_step(self, label: str, pitch_hz: float | None) -> tuple[str, str]:
        if label == "muted":
            self._step, self._buzzy_hz = Step.BUZZY, None
            return "retry", "Muted — too light. Press until it buzzes again."
        if label == "buzzy":
            self._buzzy_hz = pitch_hz
            return "retry", "Still buzzy — a touch more."
        return "rep_done", "Clean — that's the lightest clean pressure."

    def _end_repetition(self, outcome: str, message: str) -> tuple[str, str]:
        rep = self._current
        rep.outcome = outcome
        if outcome == "success" and rep.pressed_too_hard == 0:
            self._streak += 1
            self._best_streak = max(self._best_streak, self._streak)
        else:
            self._streak = 0
        if rep.number >= self.settings.repetitions:
            self.finished = True
            summary = self.summary()
            return "exercise_done", f"{message} Exercise done: {summary.successes} of {summary.completed}."
        self.repetitions.append(Repetition(rep.number + 1))
        self._step, self._buzzy_hz, self._from_above = Step.MUTED, None, False
        return "rep_done", f"{message} Repetition {rep.number} done."


@dataclass(frozen=True)
class FreePlayFeedback:
    label: str
    message: str
    confidence: float
    pitch_hz: float | None

    @property
    def note(self) -> str | None:
        return None if self.pitch_hz is None else note_name(self.pitch_hz)


@dataclass(frozen=True)
class FreePlaySummary:
    """Running counts; shares are of the judged notes (clean + buzzy + muted), unsure left out."""

    total: int
    counts: dict[str, int]
    clean_share: float
    buzzy_share: float
    muted_share: float

    @property
    def text(self) -> str:
        c = self.counts
        return (f"{plural(self.total, 'note')}: {c['clean']} clean ({self.clean_share:.0%}), "
                f"{c['buzzy']} buzzy ({self.buzzy_share:.0%}), {c['muted']} muted "
                f"({self.muted_share:.0%}), {c[UNSURE]} unsure.")


_FREE_PLAY_MESSAGES = {
    "clean": "Clean.",
    "buzzy": "Buzzy — a touch more pressure, close behind the fret.",
    "muted": "Muted — press the string down to the fret.",
    UNSURE: _UNSURE_MESSAGE,
}


class FreePlay:
    """Judges every note on its own and keeps running counts."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.counts = dict.fromkeys(KNOWN_LABELS, 0)

    def on_event(self, event) -> FreePlayFeedback | None:
        """Judge an engine `NoteEvent`; only final verdicts count, others give None."""
        if event.kind != "final":
            return None
        return self.on_note(event.verdict.label, event.verdict.confidence, event.pitch_hz)

    def on_note(self, label: str, confidence: float = 1.0, pitch_hz: float | None = None) -> FreePlayFeedback:
        _check_label(label)
        self.counts[label] += 1
        return FreePlayFeedback(label, _FREE_PLAY_MESSAGES[label], confidence, pitch_hz)

    def summary(self) -> FreePlaySummary:
        judged = sum(self.counts[label] for label in LABELS)

        def share(label: str) -> float:
            return self.counts[label] / judged if judged else 0.0

        return FreePlaySummary(
            total=sum(self.counts.values()),
            counts=dict(self.counts),
            clean_share=share("clean"),
            buzzy_share=share("buzzy"),
            muted_share=share("muted"),
        )
