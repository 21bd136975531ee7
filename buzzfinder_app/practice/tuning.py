"""Standard tuning: which pitch a string and fret should sound, and whether two pitches match.

Strings are numbered the guitarist's way: 1 is the high E (E4), 6 the low E (E2). A pitch's name
is :func:`buzzfinder_app.engine.pitch.note_name`.
"""

from __future__ import annotations

import math

from buzzfinder_app.engine.pitch import note_name

#: MIDI note number of each open string in standard tuning (E2 A2 D3 G3 B3 E4).
OPEN_STRING_MIDI = {6: 40, 5: 45, 4: 50, 3: 55, 2: 59, 1: 64}
STRINGS = tuple(sorted(OPEN_STRING_MIDI))
#: What players call each string.
STRING_NAMES = {1: "high E", 2: "B", 3: "G", 4: "D", 5: "A", 6: "low E"}
#: The one-letter names a fretboard diagram puts beside its strings (tab's "e" for the high E).
STRING_LETTERS = {1: "e", 2: "B", 3: "G", 4: "D", 5: "A", 6: "E"}
MAX_FRET = 24
#: Two pitches closer than this (in semitones, inclusive) count as the same note.
PITCH_TOLERANCE_SEMITONES = 1.0


def midi_to_hz(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12)


def expected_pitch_hz(string: int, fret: int) -> float:
    """The fundamental of `string` (1–6) stopped at `fret` (0–24) in standard tuning."""
    if string not in OPEN_STRING_MIDI:
        raise ValueError(f"string must be 1 to 6, got {string}")
    if not 0 <= fret <= MAX_FRET:
        raise ValueError(f"fret must be 0 to {MAX_FRET}, got {fret}")
    return midi_to_hz(OPEN_STRING_MIDI[string] + fret)


def spot_name(string: int, fret: int) -> str:
    """A place on the neck as players say it.

    >>> spot_name(3, 5)
    'G string, fret 5 (C4)'
    >>> spot_name(6, 1)
    'low E string, fret 1 (F2)'
    """
    return f"{STRING_NAMES[string]} string, fret {fret} ({note_name(expected_pitch_hz(string, fret))})"


def semitones_between(a_hz: float, b_hz: float) -> float:
    """Signed distance from `b_hz` up to `a_hz` in semitones."""
    return 12 * math.log2(a_hz / b_hz)


def same_pitch(a_hz: float, b_hz: float, tolerance: float = PITCH_TOLERANCE_SEMITONES) -> bool:
    """True when the two pitches are within `tolerance` semitones of each other."""
    return abs(semitones_between(a_hz, b_hz)) <= tolerance
