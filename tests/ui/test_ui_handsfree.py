"""A whole ladder repetition and a whole neck drill from a recorded take played as the microphone, with
no key pressed: the stored session's JSON shows each step. The take and its deterministic judge are
in :mod:`tests.support.ladder_takes`.
"""

from __future__ import annotations

import json

from buzzfinder_app.practice.tuning import expected_pitch_hz
from tests.support.ladder_takes import ring_judge, write_take
from tests.support.ui import make_window


def play_through(qtbot, take, setup) -> dict:
    """The take played as the microphone (4x speed), the drill set up by ``setup(window)``; the stored
    session as ``sessions --json`` gives it, with its drill's settings."""
    from buzzfinder_app.practice.sessions import SessionStore

    w = make_window(input_file=take, speed=4.0)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: not w.profiles.loading, timeout=10000)
    w.live.configure(classify=ring_judge)
    setup(w)
    with qtbot.waitSignal(w.file_done, timeout=30000):
        assert w.start_listening()
    store = SessionStore()
    [session] = [s for s in store.export_json() if s["input"] == str(take.resolve())]
    session["settings"] = next(s.settings for s in store.sessions() if s.id == session["id"])
    return session


def test_a_whole_ladder_repetition_hands_free(qtbot, ui_env, themed_app, no_devices, tmp_path):
    from buzzfinder_app.practice.exercise import ExerciseSettings

    c4 = expected_pitch_hz(3, 5)
    take = write_take(tmp_path / "ladder.wav", [(c4, "muted"), (c4, "buzzy"), (c4, "clean")])
    session = play_through(qtbot, take, lambda w: w.exercise_panel.apply_settings(
        ExerciseSettings(string=3, fret=5, repetitions=1)))
    print("\n" + json.dumps(session["notes"], indent=1))
    assert session["mode"] == "exercise" and session["settings"]["fret"] == 5
    steps = [(n["label"], n["step"], n["target"], n["outcome"]) for n in session["notes"]]
    assert steps == [("muted", 1, "3:5", "advance"), ("buzzy", 2, "3:5", "advance"), ("clean", 3, "3:5", "success")]


def test_a_whole_neck_drill_hands_free(qtbot, ui_env, themed_app, no_devices, tmp_path):
    from buzzfinder_app.practice.neck_drill import NeckSettings

    notes = [(expected_pitch_hz(3, fret), kind) for fret in (5, 6) for kind in ("muted", "buzzy", "clean")]
    take = write_take(tmp_path / "neck.wav", notes)

    def neck(w):
        w.session.set_mode("neck")
        w.session.start_neck(NeckSettings(strings=(3,), first_fret=5, last_fret=6))

    session = play_through(qtbot, take, neck)
    print("\n" + json.dumps(session["notes"], indent=1))
    assert session["mode"] == "neck" and session["settings"]["drill"] == "neck"
    steps = [(n["label"], n["step"], n["target"], n["outcome"]) for n in session["notes"]]
    assert steps == [("muted", 1, "3:5", "advance"), ("buzzy", 2, "3:5", "advance"), ("clean", 3, "3:5", "success"),
                     ("muted", 1, "3:6", "advance"), ("buzzy", 2, "3:6", "advance"), ("clean", 3, "3:6", "success")]
