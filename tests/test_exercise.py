"""The light-pressure ladder, step by step, and free play."""

from types import SimpleNamespace

import pytest

from buzzfinder_app.engine.pitch import note_name
from buzzfinder_app.practice.exercise import (
    Exercise,
    ExerciseSettings,
    FreePlay,
    Step,
    parse_finger,
)
from buzzfinder_app.practice.tuning import expected_pitch_hz, midi_to_hz, same_pitch

C4 = midi_to_hz(60)  # string 3, fret 5
D4 = midi_to_hz(62)


def exercise(reps=3, string=3, fret=5, finger="index"):
    return Exercise(ExerciseSettings(string=string, fret=fret, finger=finger, repetitions=reps))


def play(ex, *labels, hz=C4):
    return [ex.on_note(label, 0.9, hz) for label in labels]


def kinds(feedbacks):
    return [f.kind for f in feedbacks]


# tuning


def test_standard_tuning_pitches():
    assert expected_pitch_hz(6, 0) == pytest.approx(82.41, abs=0.01)
    assert expected_pitch_hz(5, 0) == pytest.approx(110.0)
    assert expected_pitch_hz(1, 0) == pytest.approx(329.63, abs=0.01)
    assert expected_pitch_hz(3, 5) == pytest.approx(C4)
    assert expected_pitch_hz(6, 5) == pytest.approx(expected_pitch_hz(5, 0))
    assert expected_pitch_hz(2, 12) == pytest.approx(2 * expected_pitch_hz(2, 0))
    assert note_name(expected_pitch_hz(4, 0)) == "D3"
    assert note_name(expected_pitch_hz(1, 0)) == "E4"


@pytest.mark.parametrize("string, fret", [(0, 1), (7, 1), (3, -1), (3, 25)])
def test_tuning_rejects_impossible_positions(string, fret):
    with pytest.raises(ValueError):
        expected_pitch_hz(string, fret)


def test_same_pitch_is_within_a_semitone():
    assert same_pitch(C4 * 1.02, C4)
    assert same_pitch(midi_to_hz(60.95), C4) and same_pitch(midi_to_hz(59.05), C4)
    assert not same_pitch(midi_to_hz(61.05), C4)
    assert not same_pitch(D4, C4)


def test_settings_validation_and_text():
    settings = ExerciseSettings(string=3, fret=5, finger="Ring", repetitions=4)
    assert settings.finger == 3 and settings.finger_name == "ring"
    assert settings.target_text == "G string, fret 5 (C4)"
    assert settings.target_key == "3:5"
    assert ExerciseSettings.from_dict(settings.to_dict()) == settings
    assert ExerciseSettings().any_note and ExerciseSettings().target_hz is None
    for bad in (dict(string=3), dict(string=3, fret=0), dict(string=9, fret=2), dict(repetitions=0),
                dict(finger=5), dict(finger="thumb")):
        with pytest.raises(ValueError):
            ExerciseSettings(**bad)
    assert parse_finger("2") == 2


# the ladder


def test_full_successful_repetition_climbs_muted_buzzy_clean():
    ex = exercise(reps=2)
    assert ex.state.step is Step.MUTED and ex.state.expected_label == "muted"
    assert "the G string, fret 5 (C4)" in ex.state.instruction and "index" in ex.state.instruction
    first, second, third = play(ex, "muted", "buzzy", "clean")
    assert (first.kind, first.step, first.rep) == ("advance", Step.MUTED, 1)
    assert (second.kind, second.step) == ("advance", Step.BUZZY)
    assert (third.kind, third.step, third.rep) == ("rep_done", Step.CLEAN, 1)
    assert third.succeeded and third.outcome == "success"
    assert not second.succeeded and second.outcome == "advance"
    state = ex.state
    assert (state.rep, state.step, state.successes, state.streak, state.finished) == (2, Step.MUTED, 1, 1, False)
    rep = ex.repetitions[0]
    assert rep.outcome == "success"
    assert [(n.label, n.step, n.outcome) for n in rep.notes] == [
        ("muted", Step.MUTED, "advance"), ("buzzy", Step.BUZZY, "advance"), ("clean", Step.CLEAN, "rep_done")]
    assert rep.notes[2].note == "C4"


def test_last_repetition_finishes_the_exercise():
    ex = exercise(reps=1)
    *_, last = play(ex, "muted", "buzzy", "clean")
    assert last.kind == "exercise_done" and "1 of 1" in last.message
    assert ex.finished and ex.state.finished
    assert last.succeeded
    after = ex.on_note("clean", 0.9, C4)
    assert after.kind == "exercise_done" and not after.succeeded
    assert ex.summary().notes_played == 3


def test_clean_from_the_muted_step_is_pressed_too_hard():
    ex = exercise()
    ex.on_note("muted", 0.9, None)
    too_hard = ex.on_note("clean", 0.9, C4)
    assert too_hard.kind == "too_hard" and "buzz" in too_hard.message
    assert ex.state.pressed_too_hard == 1
    assert ex.state.step is Step.BUZZY


def test_clean_straight_away_on_the_first_note_is_too_hard():
    ex = exercise()
    assert ex.on_note("clean", 0.9, C4).kind == "too_hard"
    assert ex.state.step is Step.BUZZY


def test_clean_in_the_buzzy_step_asks_to_back_off_and_stays():
    ex = exercise()
    assert kinds(play(ex, "muted", "clean", "clean")) == ["advance", "too_hard", "too_hard"]
    assert ex.state.step is Step.BUZZY and ex.state.pressed_too_hard == 2
    assert kinds(play(ex, "buzzy", "clean")) == ["advance", "rep_done"]


def test_after_pressing_too_hard_the_buzzy_step_asks_to_ease_off():
    ex = exercise()
    assert ex.state.instruction.startswith("Rest your")
    ex.on_note("muted", 0.9, None)
    assert ex.state.instruction.startswith("Press a little more")
    ex.on_note("clean", 0.9, C4)
    assert ex.state.instruction.startswith("Ease off")
    ex.on_note("unsure", 0.4, C4)  # changes nothing
    assert ex.state.instruction.startswith("Ease off")
    ex.on_note("muted", 0.9, None)  # eased off too far: press again
    assert ex.state.instruction.startswith("Press a little more")
    ex.on_note("clean", 0.9, C4)
    ex.skip_repetition()
    ex.on_note("muted", 0.9, None)
    assert ex.state.instruction.startswith("Press a little more")


def test_muted_when_buzzy_expected_asks_for_a_little_more():
    ex = exercise()
    ex.on_note("muted", 0.9, None)
    feedback = ex.on_note("muted", 0.9, None)
    assert feedback.kind == "retry" and "a little more pressure" in feedback.message
    assert ex.state.step is Step.BUZZY


def test_buzzy_when_clean_expected_asks_for_a_touch_more():
    ex = exercise()
    feedbacks = play(ex, "muted", "buzzy", "buzzy")
    assert feedbacks[-1].kind == "retry" and "a touch more" in feedbacks[-1].message
    assert ex.state.step is Step.CLEAN
    assert ex.on_note("clean", 0.9, C4).kind == "rep_done"


def test_muted_when_clean_expected_goes_back_to_finding_the_buzz():
    ex = exercise()
    feedbacks = play(ex, "muted", "buzzy", "muted")
    assert feedbacks[-1].kind == "retry"
    assert ex.state.step is Step.BUZZY
    # The chain was broken: a clean note now is too hard, not a success.
    assert ex.on_note("clean", 0.9, C4).kind == "too_hard"


def test_buzzy_when_muted_expected_asks_to_only_touch():
    ex = exercise()
    feedback = ex.on_note("buzzy", 0.9, C4)
    assert feedback.kind == "retry" and "only touch" in feedback.message
    assert ex.state.step is Step.MUTED


def test_unsure_changes_nothing_and_does_not_break_the_chain():
    ex = exercise()
    play(ex, "muted", "buzzy")
    unsure = ex.on_note("unsure", 0.4, C4)
    assert unsure.kind == "unsure" and "again" in unsure.message
    assert ex.state.step is Step.CLEAN
    assert ex.on_note("clean", 0.9, C4).kind == "rep_done"
    assert ex.summary().unsure == 1


def test_off_target_notes_ask_for_the_target():
    ex = exercise()
    ex.on_note("muted", 0.9, None)
    off = ex.on_note("buzzy", 0.9, D4)
    assert off.kind == "off_target" and "D4" in off.message and "play the G string, fret 5 (C4)" in off.message
    assert ex.state.step is Step.BUZZY
    # Within a semitone counts as the target (pitch estimates wobble, buzz bends the pitch).
    assert ex.on_note("buzzy", 0.9, C4 * 1.03).kind == "advance"
    assert ex.summary().off_target == 1


def test_muted_notes_and_unknown_pitches_are_never_off_target():
    ex = exercise()
    assert ex.on_note("muted", 0.9, D4 * 2).kind == "advance"  # a touched string rings a harmonic
    assert ex.on_note("buzzy", 0.9, None).kind == "advance"
    assert ex.on_note("clean", 0.9, None).kind == "rep_done"


def test_any_note_locks_the_repetition_to_the_buzzed_pitch():
    ex = Exercise(ExerciseSettings(repetitions=2))
    assert "a string" in ex.state.instruction
    assert kinds(play(ex, "muted", hz=None) + play(ex, "buzzy", hz=D4)) == ["advance", "advance"]
    off = ex.on_note("clean", 0.9, C4 / 2)
    assert off.kind == "off_target" and "D4 you just buzzed" in off.message
    assert ex.on_note("clean", 0.9, D4).kind == "rep_done"
    # The next repetition may use another note.
    assert kinds(play(ex, "muted", "buzzy", "clean", hz=C4)) == ["advance", "advance", "exercise_done"]


def test_clean_must_match_the_buzzy_pitch_even_when_both_are_near_the_target():
    ex = exercise()
    play(ex, "muted")
    ex.on_note("buzzy", 0.9, midi_to_hz(59.2))
    assert ex.on_note("clean", 0.9, midi_to_hz(60.8)).kind == "off_target"


def test_streaks_count_clean_successes_in_a_row():
    ex = exercise(reps=5)
    play(ex, "muted", "buzzy", "clean")
    play(ex, "muted", "buzzy", "clean")
    assert (ex.state.streak, ex.state.best_streak) == (2, 2)
    play(ex, "muted", "clean", "buzzy", "clean")  # succeeded, but pressed too hard on the way
    assert (ex.state.streak, ex.state.best_streak, ex.state.successes) == (0, 2, 3)
    play(ex, "muted", "buzzy", "clean")
    assert ex.state.streak == 1
    skipped = ex.skip_repetition()
    assert skipped.kind == "exercise_done" and ex.finished
    assert (ex.state.streak, ex.state.best_streak) == (0, 2)


def test_skip_moves_to_the_next_repetition():
    ex = exercise(reps=3)
    play(ex, "muted", "buzzy")
    feedback = ex.skip_repetition()
    assert (feedback.kind, feedback.rep) == ("rep_done", 1)
    assert (ex.state.rep, ex.state.step) == (2, Step.MUTED)
    assert ex.repetitions[0].outcome == "skipped"


def test_summary_numbers():
    ex = exercise(reps=4, finger=2)
    play(ex, "muted", "buzzy", "clean")                   # success, clean streak 1
    play(ex, "muted", "unsure", "clean", "buzzy", "clean")  # success after pressing too hard
    ex.on_note("buzzy", 0.9, D4)                          # off target
    ex.skip_repetition()
    play(ex, "muted", "buzzy", "buzzy", "clean")          # success, streak 1
    summary = ex.summary()
    assert ex.finished
    assert (summary.repetitions, summary.completed, summary.successes, summary.skipped) == (4, 4, 3, 1)
    assert summary.score == pytest.approx(0.75)
    assert (summary.best_streak, summary.pressed_too_hard) == (1, 1)
    assert (summary.notes_played, summary.unsure, summary.off_target) == (13, 1, 1)
    assert summary.finger == "middle" and summary.target == "G string, fret 5 (C4)"
    assert "3 of 4" in summary.text and "75%" in summary.text and "Pressed too hard: 1 time." in summary.text


def test_a_count_of_one_is_singular():
    ex = exercise(reps=1)
    ex.skip_repetition()
    assert ex.summary().text.startswith("0 of 1 repetition found the lightest clean pressure")
    assert "Pressed too hard: 0 times." in ex.summary().text
    free = FreePlay()
    free.on_note("clean")
    assert free.summary().text.startswith("1 note: 1 clean")

def test_restart_clears_everything():
    ex = exercise(reps=1)
    play(ex, "muted", "clean", "buzzy", "clean")
    ex.restart()
    state = ex.state
    assert (state.rep, state.step, state.successes, state.pressed_too_hard, state.finished) == (
        1, Step.MUTED, 0, 0, False)
    assert ex.summary().notes_played == 0


def test_engine_events_only_final_verdicts_count():
    ex = exercise()
    verdict = SimpleNamespace(label="muted", confidence=0.8, probs={})
    provisional = SimpleNamespace(kind="provisional", verdict=verdict, pitch_hz=None)
    final = SimpleNamespace(kind="final", verdict=verdict, pitch_hz=None)
    assert ex.on_event(provisional) is None
    assert ex.on_event(final).kind == "advance"


def test_unknown_label_is_refused():
    with pytest.raises(ValueError):
        exercise().on_note("loud")


# free play


def test_free_play_counts_and_summary():
    free = FreePlay()
    labels = ["clean", "clean", "buzzy", "muted", "clean", "unsure"]
    feedbacks = [free.on_note(label, 0.8, C4) for label in labels]
    assert feedbacks[2].message.startswith("Buzzy") and feedbacks[0].note == "C4"
    summary = free.summary()
    assert summary.total == 6
    assert summary.counts == {"buzzy": 1, "clean": 3, "muted": 1, "unsure": 1}
    assert summary.clean_share == pytest.approx(0.6)
    assert summary.buzzy_share == pytest.approx(0.2) and summary.muted_share == pytest.approx(0.2)
    assert summary.text == "6 notes: 3 clean (60%), 1 buzzy (20%), 1 muted (20%), 1 unsure."
    free.reset()
    assert free.summary().total == 0 and free.summary().clean_share == 0.0
