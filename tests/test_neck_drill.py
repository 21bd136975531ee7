"""The neck drill without Qt: walking the spots, what each spot took, the summary."""

from __future__ import annotations

import pytest

from buzzfinder_app.practice.neck_drill import ALL_STRINGS, NeckDrill, NeckSettings
from buzzfinder_app.practice.tuning import expected_pitch_hz


def climb(drill: NeckDrill, *labels: str):
    """Play ``labels`` at the current spot's pitch; the last feedback."""
    hz = expected_pitch_hz(*drill.current)
    for label in labels:
        fb = drill.on_note(label, 0.9, hz)
    return fb


def test_spots_are_walked_string_by_string_fret_by_fret():
    assert NeckSettings().spots[:2] == [(6, 1), (6, 2)] and len(NeckSettings().spots) == 72
    drill = NeckDrill(NeckSettings(strings=(2, 1), first_fret=3, last_fret=4))
    seen = []
    while not drill.finished:
        seen.append(drill.current)
        climb(drill, "muted", "buzzy", "clean")
    assert seen == [(2, 3), (2, 4), (1, 3), (1, 4)]
    assert drill.state.found == 4 and drill.target_key is None and drill.expected_label is None


def test_each_spot_keeps_what_it_took_and_the_hardest_are_named():
    drill = NeckDrill(NeckSettings(strings=(3,), first_fret=1, last_fret=3))
    assert climb(drill, "muted", "buzzy", "clean").kind == "spot_done"
    fb = climb(drill, "muted", "buzzy", "buzzy", "buzzy", "clean")
    assert fb.kind == "spot_done" and "Next: G string, fret 3 (A#3)" in fb.message
    skipped = drill.skip_spot()
    assert skipped.kind == "drill_done" and drill.finished
    spots = drill.state.spots
    assert (spots[(3, 1)].outcome, spots[(3, 1)].still_buzzy, spots[(3, 1)].notes) == ("found", 0, 3)
    assert (spots[(3, 2)].outcome, spots[(3, 2)].still_buzzy) == ("found", 2)
    assert spots[(3, 3)].outcome == "skipped"
    assert [s.key for s in drill.state.hardest] == ["3:2"]
    assert drill.state.text == ("Lightest clean pressure found on 2 of 3 spots (1 skipped); most pressure "
                                "needed at G string, fret 2.")


def test_pressing_too_hard_is_counted_and_the_spot_stays():
    drill = NeckDrill(NeckSettings(strings=(6,), first_fret=5, last_fret=5))
    assert climb(drill, "clean").kind == "too_hard" and drill.current == (6, 5)
    assert drill.expected_label == "buzzy"
    climb(drill, "buzzy", "clean")
    assert drill.spots[(6, 5)].pressed_too_hard == 1 and drill.finished
    assert drill.on_note("clean").kind == "drill_done"


def test_a_walk_of_one_spot_says_spot():
    drill = NeckDrill(NeckSettings(strings=(6,), first_fret=5, last_fret=5))
    assert drill.state.text == "Lightest clean pressure found on 0 of 1 spot."

def test_settings_are_checked_and_stored_as_a_neck_drill():
    with pytest.raises(ValueError):
        NeckSettings(strings=(7,))
    with pytest.raises(ValueError):
        NeckSettings(first_fret=5, last_fret=4)
    assert NeckSettings(strings=(1,), finger="ring").to_dict() == {
        "drill": "neck", "strings": [1], "first_fret": 1, "last_fret": 12, "finger": 3}
    assert ALL_STRINGS == (6, 5, 4, 3, 2, 1)
