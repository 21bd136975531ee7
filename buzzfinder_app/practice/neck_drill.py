"""The neck drill: the pressure ladder walked across the neck, one spot after another.

At each spot (a string and a fret) the player climbs the ladder once — muted, buzzy, clean — and the
drill moves on by itself to the next fret, string by string. Each spot keeps what it took: how many
times the note still buzzed on the way to clean (the spots that need the most pressure: where a
guitar may want a set-up, or a hand more work), how often it was pressed too hard, and whether it
was found or skipped. The map of spots is what the fretboard draws.

>>> drill = NeckDrill(NeckSettings(strings=(3,), first_fret=5, last_fret=6))
>>> drill.spot_text
'G string, fret 5 (C4)'
>>> [drill.on_note(label, 0.9, 261.6).kind for label in ("muted", "buzzy", "clean")]
['advance', 'advance', 'spot_done']
>>> drill.spot_text, drill.spots[(3, 5)].outcome
('G string, fret 6 (C#4)', 'found')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from buzzfinder_app.practice.exercise import Exercise, ExerciseSettings, ExerciseState, Feedback, parse_finger
from buzzfinder_app.practice.tuning import MAX_FRET, STRINGS, spot_name
from buzzfinder_app.words import plural

ALL_STRINGS = tuple(sorted(STRINGS, reverse=True))  # low E first, as a player walks the neck


@dataclass(frozen=True)
class NeckSettings:
    """Which strings (one, or all six from the low E) and frets to walk, with which finger."""

    strings: tuple[int, ...] = ALL_STRINGS
    first_fret: int = 1
    last_fret: int = 12
    finger: int | str = 1

    def __post_init__(self) -> None:
        if not self.strings or any(s not in STRINGS for s in self.strings):
            raise ValueError(f"strings must be among 1 to 6, got {self.strings}")
        if not 1 <= self.first_fret <= self.last_fret <= MAX_FRET:
            raise ValueError(f"frets must satisfy 1 <= first <= last <= {MAX_FRET}, "
                             f"got {self.first_fret}..{self.last_fret}")
        object.__setattr__(self, "strings", tuple(self.strings))
        object.__setattr__(self, "finger", parse_finger(self.finger))

    @property
    def spots(self) -> list[tuple[int, int]]:
        """(string, fret) in the order they are played."""
        return [(s, f) for s in self.strings for f in range(self.first_fret, self.last_fret + 1)]

    def to_dict(self) -> dict:
        return {"drill": "neck", "strings": list(self.strings), "first_fret": self.first_fret,
                "last_fret": self.last_fret, "finger": self.finger}


@dataclass
class Spot:
    """What one spot took. outcome: None (not reached or in progress), "found" or "skipped"."""

    string: int
    fret: int
    outcome: str | None = None
    notes: int = 0
    still_buzzy: int = 0
    pressed_too_hard: int = 0

    @property
    def key(self) -> str:
        return f"{self.string}:{self.fret}"


@dataclass(frozen=True)
class NeckState:
    """Everything the neck drill's panel and map draw."""

    spots: dict[tuple[int, int], Spot]
    current: tuple[int, int] | None
    ladder: ExerciseState | None
    finished: bool
    found: int
    skipped: int
    settings: NeckSettings = field(default_factory=NeckSettings)

    @property
    def hardest(self) -> list[Spot]:
        """Found spots that buzzed most on the way to clean, most first (ties by place on the neck)."""
        done = [s for s in self.spots.values() if s.outcome == "found" and s.still_buzzy]
        return sorted(done, key=lambda s: (-s.still_buzzy, s.string, s.fret))

    @property
    def text(self) -> str:
        total = len(self.spots)
        line = f"Lightest clean pressure found on {self.found} of {plural(total, 'spot')}"
        if self.skipped:
            line += f" ({self.skipped} skipped)"
        hardest = self.hardest[:3]
        if hardest:
            line += "; most pressure needed at " + ", ".join(
                f"{spot_name(s.string, s.fret).split(' (')[0]}" for s in hardest)
        return line + "."


class NeckDrill:
    """Walks the spots of :class:`NeckSettings`, one ladder climb each."""

    def __init__(self, settings: NeckSettings | None = None):
        self.settings = settings or NeckSettings()
        self.spots = {(s, f): Spot(s, f) for s, f in self.settings.spots}
        self._order = self.settings.spots
        self._index = 0
        self._ladder = self._ladder_for(self._order[0])

    def _ladder_for(self, spot: tuple[int, int]) -> Exercise:
        string, fret = spot
        return Exercise(ExerciseSettings(string=string, fret=fret, finger=self.settings.finger, repetitions=1))

    @property
    def finished(self) -> bool:
        return self._index >= len(self._order)

    @property
    def current(self) -> tuple[int, int] | None:
        return None if self.finished else self._order[self._index]

    @property
    def spot_text(self) -> str:
        return "the whole walk is done" if self.finished else spot_name(*self.current)

    @property
    def target_key(self) -> str | None:
        return None if self.finished else self.spots[self.current].key

    @property
    def expected_label(self) -> str | None:
        return None if self.finished else self._ladder.state.expected_label

    def on_note(self, label: str, confidence: float = 1.0, pitch_hz: float | None = None) -> Feedback:
        """Judge a final verdict at the current spot; a clean note after the buzz moves to the next."""
        if self.finished:
            return Feedback("The neck drill is done — restart to walk it again.", "drill_done", self._ladder.state.step, 1)
        spot = self.spots[self.current]
        fb = self._ladder.on_note(label, confidence, pitch_hz)
        spot.notes += 1
        spot.still_buzzy += fb.kind == "retry" and label == "buzzy" and fb.step.expected_label == "clean"
        spot.pressed_too_hard += fb.kind == "too_hard"
        if fb.succeeded:
            return self._next_spot(spot, "found", fb)
        return fb

    def skip_spot(self) -> Feedback:
        """Leave the current spot without its clean note (it counts as skipped) and go to the next."""
        if self.finished:
            return Feedback("The neck drill is done — restart to walk it again.", "drill_done", self._ladder.state.step, 1)
        spot = self.spots[self.current]
        return self._next_spot(spot, "skipped", Feedback(f"Skipped {spot_name(spot.string, spot.fret)}.", "skipped",
                                                         self._ladder.state.step, 1))

    def _next_spot(self, spot: Spot, outcome: str, fb: Feedback) -> Feedback:
        spot.outcome = outcome
        self._index += 1
        done = spot_name(spot.string, spot.fret).split(" (")[0]
        if self.finished:
            return Feedback(f"{done}: {outcome}. Neck drill done — {self.state.text}", "drill_done", fb.step, 1,
                            fb.succeeded)
        self._ladder = self._ladder_for(self.current)
        return Feedback(f"{done}: {outcome}. Next: {self.spot_text}.", "spot_done", fb.step, 1, fb.succeeded)

    @property
    def state(self) -> NeckState:
        return NeckState(
            spots=dict(self.spots), current=self.current,
            ladder=None if self.finished else self._ladder.state, finished=self.finished,
            found=sum(s.outcome == "found" for s in self.spots.values()),
            skipped=sum(s.outcome == "skipped" for s in self.spots.values()), settings=self.settings)
