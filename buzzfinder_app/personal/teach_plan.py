"""What "Teach it your guitar" asks for, in which order, how many of each kind and why, from the
notes kept so far and what the judge heard of them.

Clean notes come first: a clean note heard as buzzy is the mistake that costs a player's trust most,
and clean notes are the easiest to play when asked. Buzzy notes follow, then muted ones. Each kind is
asked :data:`FIRST` times. Once the judge has heard :data:`MORE_AFTER` or more of a kind's notes as
something else, one more note of that kind is asked per such note, up to :data:`MOST`: those notes
are what tuning learns from. A kind heard right every time, and surely, is said to be.

>>> steps = plan([Heard("clean", "buzzy", 0.9), Heard("clean", "clean", 0.9), Heard("clean", "buzzy", 0.6)])
>>> [(s.label, s.have, s.need) for s in steps]
[('clean', 3, 7), ('buzzy', 0, 5), ('muted', 0, 5)]
>>> steps[0].why
'Your clean notes are being heard as buzzy (2 of 3) — a few more clean notes will help most.'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from buzzfinder_app.engine.verdicts import UNSURE

#: The kinds asked for, in order.
ORDER = ("clean", "buzzy", "muted")
#: Notes of each kind asked for at first; with every kind taught, tuning always has enough to work on.
FIRST = 5
#: The most notes of one kind asked for.
MOST = 8
#: Notes of a kind heard as something else before more of that kind are asked for.
MORE_AFTER = 2
#: The judge's confidence from which a note heard right counts as heard surely.
SURE = 0.8

REASONS = {
    "clean": "Clean notes first: a clean note heard as buzzy is the mistake that matters most, and clean "
             "notes are the easiest to play when asked.",
    "buzzy": "Then buzzy notes: they show where clean ends on your guitar.",
    "muted": "Last, muted notes: they show what a stopped string sounds like on your guitar.",
}


@dataclass(frozen=True)
class Heard:
    """A kept note: the kind it was played as, and what the judge heard (a label or ``unsure``, and
    its confidence; ``None`` when it gave no verdict)."""

    label: str
    heard: str | None = None
    confidence: float = 0.0

    @classmethod
    def of(cls, label: str, verdict) -> "Heard":
        """From a :class:`~buzzfinder_app.engine.verdicts.Verdict` (or ``None``)."""
        return cls(label) if verdict is None else cls(label, verdict.label, float(verdict.confidence))

    @property
    def missed(self) -> bool:
        return self.heard is not None and self.heard != self.label


@dataclass(frozen=True)
class Step:
    """One kind to ask for: the notes of it kept so far and who judged them (``judge``, in words)."""

    label: str
    kept: tuple[Heard, ...]
    judge: str

    @property
    def have(self) -> int:
        return len(self.kept)

    @property
    def misses(self) -> int:
        return sum(h.missed for h in self.kept)

    @property
    def need(self) -> int:
        return min(MOST, FIRST + self.misses) if self.misses >= MORE_AFTER else FIRST

    @property
    def done(self) -> bool:
        return self.have >= self.need

    @property
    def heard_right(self) -> bool:
        """At least :data:`FIRST` notes, every one heard as its kind, surely."""
        return self.have >= FIRST and all(h.heard == self.label and h.confidence >= SURE for h in self.kept)

    def _mistaken_for(self) -> str | None:
        """The one kind the misses were all heard as; None when they differ or the judge was unsure."""
        kinds = {h.heard for h in self.kept if h.missed}
        return kinds.pop() if len(kinds) == 1 and UNSURE not in kinds else None

    @property
    def why(self) -> str:
        """Why this kind is asked for now, in plain words."""
        if self.misses < MORE_AFTER:
            return REASONS[self.label]
        kind = self._mistaken_for()
        heard = f"being heard as {kind}" if kind else f"not always heard as {self.label}"
        return (f"Your {self.label} notes are {heard} ({self.misses} of {self.have}) — a few more "
                f"{self.label} notes will help most.")

    @property
    def outcome(self) -> str | None:
        """What this kind's notes showed, once they are all in (None when nothing is worth saying)."""
        if self.heard_right:
            return (f"Your {self.label} notes are already heard right by {self.judge} ({self.have} of "
                    f"{self.have}, sure each time).")
        if self.done and self.misses >= MORE_AFTER:
            kind = self._mistaken_for()
            heard = f"heard as {kind}" if kind else f"not heard as {self.label}"
            return (f"Your {self.label} notes were {heard} {self.misses} of {self.have} times: tuning learns most "
                    f"from those.")
        return None


def plan(kept: Iterable[Heard], judge: str = "the standard model") -> tuple[Step, ...]:
    """The steps, in :data:`ORDER`, with the notes kept so far (``judge``: who heard them, in words)."""
    kept = tuple(kept)
    return tuple(Step(label, tuple(h for h in kept if h.label == label), judge) for label in ORDER)


def next_step(steps: tuple[Step, ...], current: int) -> int | None:
    """The step to ask for: ``current`` or the first after it short of notes, else the first one short
    of notes; ``None`` once every step has its notes."""
    short = [i for i, s in enumerate(steps) if not s.done]
    return next((i for i in short if i >= current), short[0] if short else None)


def explain(steps: tuple[Step, ...], current: int | None) -> str:
    """What the steps with all their notes showed, then why step ``current`` is asked for (if any)."""
    said = [s.outcome for i, s in enumerate(steps) if i != current and s.done and s.outcome]
    return " ".join(said + ([steps[current].why] if current is not None else []))
