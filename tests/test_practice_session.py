"""The practice session without Qt: notes, counts, the drill's feedback, examples while teaching."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from buzzfinder_app.practice.exercise import ExerciseSettings
from buzzfinder_app.practice.session import KEEP_NOTES, PracticeSession

C4 = 261.63


def event(kind: str, index: int, label: str | None = None, pitch_hz: float | None = C4):
    verdict = None if label is None else SimpleNamespace(label=label, confidence=0.9, probs={label: 0.9})
    return SimpleNamespace(kind=kind, index=index, onset_s=index * 2.0, note="C4", pitch_hz=pitch_hz,
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
        session.set_mode("neck")


def test_the_ladder_finishes_with_a_summary_and_restarts(session):
    for i, label in enumerate(("muted", "buzzy", "clean") * 2):
        play(session, i, label)
    drill = session.drill()
    assert drill.exercise.finished and drill.summary.successes == 2 and drill.reps_done == 2
    assert session.expected_label is None and drill.expected_label is None
    session.start_exercise(ExerciseSettings(string=3, fret=5, repetitions=4))
    drill = session.drill()
    assert not drill.exercise.finished and drill.exercise.repetitions == 4 and drill.feedback is None
    assert session.target_key == "3:5"


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
