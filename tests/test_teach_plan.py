"""The teach planner: clean first, more notes of a kind the judge gets wrong, plain words on why."""

from __future__ import annotations

import pytest

from buzzfinder_app.engine.verdicts import Verdict
from buzzfinder_app.personal.head import check_enough
from buzzfinder_app.personal.teach_plan import (
    FIRST, MOST, REASONS, Heard, explain, next_step, plan,
)

JARGON = ("head", "embedding", "blend", "logit", "leave-one-out")


def right(label: str, n: int, confidence: float = 0.95) -> list[Heard]:
    return [Heard(label, label, confidence) for _ in range(n)]


def steps_of(kept):
    return {s.label: s for s in plan(kept)}


def test_a_fresh_plan_asks_five_clean_then_buzzy_then_muted_notes():
    steps = plan([])
    assert [(s.label, s.need, s.have) for s in steps] == [("clean", 5, 0), ("buzzy", 5, 0), ("muted", 5, 0)]
    assert next_step(steps, 0) == 0
    assert explain(steps, 0) == REASONS["clean"]
    assert "clean note heard as buzzy" in explain(steps, 0)


def test_clean_notes_heard_as_buzzy_ask_for_more_clean_notes_up_to_eight():
    kept = right("clean", 3) + [Heard("clean", "buzzy", 0.9)]
    assert steps_of(kept)["clean"].need == FIRST  # one miss: nothing more yet
    kept.append(Heard("clean", "buzzy", 0.7))
    clean = steps_of(kept)["clean"]
    assert (clean.have, clean.need, clean.done) == (5, 7, False)
    assert clean.why == "Your clean notes are being heard as buzzy (2 of 5) — a few more clean notes will help most."
    assert next_step(plan(kept), 0) == 0  # clean stays asked for
    kept += [Heard("clean", "buzzy", 0.6)] * 4
    assert steps_of(kept)["clean"].need == MOST  # at most three more, however many are wrong
    assert steps_of(kept)["clean"].done and next_step(plan(kept), 0) == 1


def test_only_the_kind_that_was_heard_wrong_grows():
    kept = [Heard("buzzy", "clean", 0.8)] * 2 + right("clean", 5) + [Heard("muted", "buzzy", 0.9)]
    assert [(s.label, s.need) for s in plan(kept)] == [("clean", 5), ("buzzy", 7), ("muted", 5)]


def test_mixed_or_unsure_misses_are_said_without_naming_one_kind():
    kept = [Heard("buzzy", "clean", 0.9), Heard("buzzy", "muted", 0.9)]
    assert steps_of(kept)["buzzy"].why.startswith("Your buzzy notes are not always heard as buzzy (2 of 2)")
    kept = [Heard("muted", "unsure", 0.4)] * 3
    assert steps_of(kept)["muted"].why.startswith("Your muted notes are not always heard as muted (3 of 3)")


def test_a_kind_heard_right_surely_is_said_to_be():
    kept = right("clean", 5)
    steps = plan(kept)
    assert steps[0].done and next_step(steps, 0) == 1
    assert explain(steps, 1) == ("Your clean notes are already heard right by the standard model (5 of 5, sure "
                                 "each time). " + REASONS["buzzy"])
    assert "already heard right by the judge tuned to your guitar" in explain(plan(kept, "the judge tuned to your "
                                                                                      "guitar"), 1)
    unsure = right("clean", 4) + [Heard("clean", "clean", 0.6)]  # right, but not sure every time
    assert plan(unsure)[0].outcome is None and explain(plan(unsure), 1) == REASONS["buzzy"]
    assert plan(right("clean", 4))[0].outcome is None  # not all in yet


def test_a_kind_heard_wrong_is_said_once_its_notes_are_in():
    kept = [Heard("clean", "buzzy", 0.9)] * 2 + right("clean", 5)
    assert explain(plan(kept), 1) == ("Your clean notes were heard as buzzy 2 of 7 times: tuning learns most from "
                                      "those. " + REASONS["buzzy"])


def test_after_the_last_step_the_first_short_one_is_asked_again():
    kept = right("buzzy", 5) + right("muted", 5) + right("clean", 5)
    steps = plan(kept)
    assert next_step(steps, 2) is None
    assert explain(steps, None).count("already heard right") == 3
    steps = plan(kept[1:])  # a buzzy note removed
    assert next_step(steps, 2) == 1


def test_removing_a_note_the_judge_got_wrong_asks_for_fewer_again():
    kept = [Heard("clean", "buzzy", 0.9)] * 2 + right("clean", 4)
    assert steps_of(kept)["clean"].need == 7
    assert steps_of(kept[1:])["clean"].need == 5 and steps_of(kept[1:])["clean"].done


def test_notes_without_a_verdict_count_neither_way():
    kept = [Heard.of("clean", None)] * 5
    clean = steps_of(kept)["clean"]
    assert clean.done and clean.misses == 0 and clean.outcome is None


def test_heard_of_a_verdict():
    v = Verdict.from_probs([0.7, 0.2, 0.1], ("buzzy", "clean", "muted"), 0.5)
    assert Heard.of("clean", v) == Heard("clean", "buzzy", pytest.approx(0.7))
    assert Heard.of("clean", v).missed and not Heard.of("buzzy", v).missed


def test_a_finished_plan_always_has_enough_to_tune():
    for kept in ([], [Heard("clean", "buzzy", 0.9)] * 8):
        steps = plan(kept)
        check_enough([s.label for s in steps for _ in range(s.need)])  # every kind asked for


@pytest.mark.parametrize("kept", [[], right("clean", 5), [Heard("clean", "buzzy", 0.9)] * 3,
                                  [Heard("muted", "unsure", 0.4)] * 8, [Heard("buzzy", "clean", 0.9)] * 8])
def test_the_player_reads_no_jargon(kept):
    steps = plan(kept)
    texts = [explain(steps, i) for i in (0, 1, 2, None)] + [s.why for s in steps]
    assert not [t for t in texts for word in JARGON if word in t.lower()]
