"""The practice session without Qt: notes, counts, the drill's feedback, examples while teaching."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from buzzfinder_app.practice.exercise import ExerciseSettings
from buzzfinder_app.practice.session import KEEP_NOTES, PracticeSession

C4 = 261.63


def event(kind: str, index: int, label: str | None = None, pitch_hz: float | None = C4, onset_s: float | None = None):
    """A note event; notes start 2 s apart and are final 2 s after their onset."""
    verdict = None if label is None else SimpleNamespace(label=label, confidence=0.9, probs={label: 0.9})
    onset = index * 2.0 if onset_s is None else onset_s
    at = onset + {"onset": 0.0, "provisional": 0.4, "final": 2.0}[kind]
    return SimpleNamespace(kind=kind, index=index, onset_s=onset, at_s=at, note="C4", pitch_hz=pitch_hz,
                           verdict=verdict)


def play(session: PracticeSession, index: int, label: str):
    session.on_event(event("onset", index))
    session.on_event(event("provisional", index, label))
    return session.on_event(event("final", index, label))


@pytest.fixture
def session():
    return PracticeSession(ExerciseSettings(string=2, fret=1, repetitions=2))


def test_a_note_goes_from_onset_to_final_and_only_finals_count(session):
    onset = session.on_event(event("onset", 0))
    assert onset.note.stage == "onset" and onset.note.label is None and onset.latest
    assert onset.note.expected == "muted" and onset.feedback is None
    provisional = session.on_event(event("provisional", 0, "buzzy"))
    assert provisional.note.expected is None and sum(session.counts.values()) == 0
    final = session.on_event(event("final", 0, "muted"))
    assert final.note.final and final.note.expected == "muted" and final.target == "2:1"
    assert final.feedback.kind == "advance" and session.counts["muted"] == 1
    assert session.drill().feedback == ("advance", final.feedback.message)


def test_a_late_verdict_of_an_older_note_is_not_the_latest(session):
    session.on_event(event("onset", 0))
    session.on_event(event("onset", 1))
    assert not session.on_event(event("final", 0, "muted")).latest
    assert session.on_event(event("final", 1, "muted")).latest


def test_notes_played_while_teaching_are_examples_even_when_judged_after(session):
    session.set_paused(True)
    session.on_event(event("onset", 0))
    session.set_paused(False)
    late = session.on_event(event("final", 0, "muted"))
    assert late.note.example and late.feedback is None and session.counts["muted"] == 1
    assert not any(rep.notes for rep in session.exercise.repetitions)
    assert play(session, 1, "muted").feedback.kind == "advance"


def test_paused_the_drill_judges_nothing_and_expects_nothing(session):
    session.set_paused(True)
    assert session.expected_label is None and session.drill().paused
    assert session.on_event(event("final", 0, "muted")).feedback is None


def test_free_play_keeps_its_own_feedback_and_no_target(session):
    play(session, 0, "muted")
    session.set_mode("free")
    assert session.target_key is None and session.session_settings is None and session.drill().feedback is None
    update = play(session, 1, "clean")
    assert update.feedback.label == "clean" and session.drill().feedback[0] == "clean"
    assert "1 note" in session.drill().free_summary
    session.set_mode("exercise")
    assert session.drill().feedback[0] == "advance"
    with pytest.raises(ValueError):
        session.set_mode("jam")


def test_the_ladder_finishes_with_a_summary_and_restarts():
    session = PracticeSession(ExerciseSettings(string=2, fret=1, repetitions=2), auto_restart=False)
    for i, label in enumerate(("muted", "buzzy", "clean") * 2):
        play(session, i, label)
    drill = session.drill()
    assert drill.exercise.finished and drill.summary.successes == 2 and drill.reps_done == 2
    assert session.expected_label is None and drill.expected_label is None
    session.start_exercise(ExerciseSettings(string=3, fret=5, repetitions=4))
    drill = session.drill()
    assert not drill.exercise.finished and drill.exercise.repetitions == 4 and drill.feedback is None
    assert session.target_key == "3:5"


def test_hands_free_a_finished_round_starts_the_next_by_itself(session):
    for i, label in enumerate(("muted", "buzzy", "clean") * 2):
        update = play(session, i, label)
    assert update.feedback.kind == "exercise_done"
    drill = session.drill()
    assert drill.round == 2 and not drill.exercise.finished and drill.exercise.rep == 1
    assert drill.last_round.successes == 2 and "Round 2 starts with your next note" in drill.feedback[1]
    assert session.expected_label == "muted"
    assert play(session, 6, "muted").feedback.kind == "advance"
    assert session.drill().last_round is None  # the new round's first note: the summary goes


def test_a_note_started_right_after_a_repetition_is_not_judged(session):
    for i, label in enumerate(("muted", "buzzy", "clean")):
        play(session, i, label)  # the clean note that ends the repetition starts at 4 s
    double = session.on_event(event("final", 3, "buzzy", onset_s=4.0 + session.rest_s - 0.1))
    assert double.feedback is None and session.expected_label == "muted"
    assert session.on_event(event("final", 4, "muted", onset_s=4.0 + session.rest_s + 0.1)).feedback.kind == "advance"


def test_a_new_target_restarts_the_ladder_at_once_and_says_so(session):
    play(session, 0, "muted")
    session.retarget(ExerciseSettings(string=3, fret=5, repetitions=2))
    drill = session.drill()
    assert session.target_key == "3:5" and drill.exercise.rep == 1 and session.expected_label == "muted"
    assert drill.feedback == ("retarget", "New target: G string, fret 5 (C4) — the ladder starts again.")
    session.retarget(ExerciseSettings(string=3, fret=5, repetitions=2))  # the same: nothing restarts
    play(session, 1, "muted")
    session.retarget(ExerciseSettings(string=3, fret=5, repetitions=2))
    assert session.expected_label == "buzzy"


def test_skipping_a_repetition(session):
    skipped = session.next_repetition()
    assert session.drill().exercise.rep == 2 and session.drill().feedback == (skipped.kind, skipped.message)
    session.set_mode("free")
    assert session.next_repetition() is None


def test_a_new_run_starts_its_notes_and_counts_afresh_but_keeps_the_drill(session):
    play(session, 0, "muted")
    session.begin_run()
    assert not session.notes and sum(session.counts.values()) == 0
    assert session.expected_label == "buzzy"
    assert session.on_event(event("onset", 0)).latest


def test_only_the_last_notes_are_kept(session):
    for i in range(KEEP_NOTES + 5):
        session.on_event(event("onset", i))
    assert len(session.notes) == KEEP_NOTES and min(session.notes) == 5


def test_the_neck_drill_is_a_mode_of_the_session():
    from buzzfinder_app.practice.neck_drill import NeckSettings

    session = PracticeSession()
    session.set_mode("neck")
    session.start_neck(NeckSettings(strings=(3,), first_fret=5, last_fret=6))
    assert session.target_key == "3:5" and session.expected_label == "muted"
    assert session.session_settings == {"drill": "neck", "strings": [3], "first_fret": 5, "last_fret": 6, "finger": 1}
    for i, label in enumerate(("muted", "buzzy", "clean")):
        update = play(session, i, label)
    assert update.feedback.kind == "spot_done" and update.target == "3:5" and session.target_key == "3:6"
    drill = session.drill()
    assert drill.neck.found == 1 and drill.neck.current == (3, 6) and drill.expected_label == "muted"
    assert drill.feedback[0] == "spot_done" and drill.exercise is None
    skipped = session.next_repetition()
    assert skipped.kind == "drill_done" and session.drill().neck.finished and session.expected_label is None


def test_the_drill_names_its_target_for_whoever_draws_it(session):
    assert session.drill().settings == ExerciseSettings(string=2, fret=1, repetitions=2)
    session.retarget(ExerciseSettings(repetitions=3))
    assert session.drill().settings.any_note
    session.set_mode("free")
    assert session.drill().settings is None
    session.set_mode("neck")
    assert session.drill().settings == ExerciseSettings(string=6, fret=1, repetitions=1)  # the walk's spot
