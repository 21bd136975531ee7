"""The stage view: the verdict word and colour field, the target spot, the ladder and the counts, F11 /
Escape / ``--stage``, text that fits at laptop and desktop sizes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetricsF

from buzzfinder_app.practice.exercise import ExerciseSettings
from buzzfinder_app.ui import palette as P
from tests.support.ui import FakeEvent, make_window, verdict

C4 = 261.63
SIZES = ((1366, 768), (1920, 1080))


def _window(qtbot, exercise=ExerciseSettings(string=3, fret=5, repetitions=5), **options):
    w = make_window(**options)
    qtbot.addWidget(w)
    w.session.retarget(exercise)
    return w


def _settle(qtbot, view):
    """Wait for a final verdict's flash to fade, so the field shows its own colour."""
    qtbot.waitUntil(lambda: view._flash == 0.0, timeout=3000)


def _pixel(view, x: int, y: int) -> QColor:
    return view.grab().toImage().pixelColor(x, y)


def _play(w, index: int, label: str, kinds=("onset", "provisional", "final"), pitch=C4):
    for kind in kinds:
        at = {"onset": 0.0, "provisional": 0.4, "final": 2.0}[kind]
        v = None if kind == "onset" else verdict(label, 0.4 if label == "unsure" else 0.9)
        w.session.on_event(FakeEvent(kind, index, index * 3.0, index * 3.0 + at, v, pitch))


@pytest.mark.parametrize("label", ["clean", "buzzy", "muted", "unsure"])
def test_the_verdict_is_a_huge_word_on_a_field_of_its_colour(qtbot, ui_env, themed_app, no_devices, label):
    w = _window(qtbot)
    view = w.stage.view
    view.resize(1366, 768)
    view.show()
    style = P.style_for(label)
    assert view.verdict_word == "Not listening" and view.field_colour() == QColor(P.BACKGROUND)

    _play(w, 0, label, ("onset",))
    assert view.verdict_word == "Listening…" and view.field_colour() == QColor(P.SURFACE)  # neutral
    assert _pixel(view, 5, 5) == QColor(P.SURFACE)

    _play(w, 0, label, ("provisional",))
    assert view.verdict_word == f"{style.symbol} {style.title}"
    half = view.field_colour()
    assert half not in (QColor(style.color), QColor(P.BACKGROUND))  # provisional: half the colour

    _play(w, 0, label, ("final",))
    assert view.verdict_word == f"{style.symbol} {style.title}" and view._flash > 0  # the field flashes
    _settle(qtbot, view)
    assert view.field_colour() == QColor(style.color)
    assert _pixel(view, 5, 5) == QColor(style.color)  # the whole background, to the corners
    assert _pixel(view, 1360, 760) == QColor(style.color)
    word = next(t for t in view.texts() if t.name == "word")
    assert word.font.pixelSize() >= 0.12 * 768  # readable from two metres
    # the word is drawn in the ink that reads on the field
    from buzzfinder_app.ui.stage_view import contrast_ratio

    assert contrast_ratio(word.colour, view.field_colour()) >= 4.5


def test_a_late_verdict_of_an_older_note_does_not_replace_the_newest(qtbot, ui_env, themed_app, no_devices):
    w = _window(qtbot)
    view = w.stage.view
    _play(w, 0, "buzzy", ("onset", "provisional"))
    _play(w, 1, "clean", ("onset",))
    _play(w, 0, "buzzy", ("final",))
    assert view.verdict_word == "Listening…"


def test_the_ladder_repetition_round_and_streak_follow_the_drill(qtbot, ui_env, themed_app, no_devices):
    from buzzfinder_app.practice.exercise import Step

    w = _window(qtbot, ExerciseSettings(string=3, fret=5, repetitions=2))
    view = w.stage.view
    view.resize(1366, 768)
    assert view.ladder_step() == Step.MUTED
    assert view.progress_lines() == ["Repetition 1 of 2", "Streak 0"]
    _play(w, 0, "muted", pitch=None)
    assert view.ladder_step() == Step.BUZZY
    _play(w, 1, "buzzy")
    _play(w, 2, "clean")
    assert view.ladder_step() == Step.MUTED and view.progress_lines() == ["Repetition 2 of 2", "Streak 1"]
    for i, label in enumerate(("muted", "buzzy", "clean"), start=3):
        _play(w, i, label, pitch=None if label == "muted" else C4)
    assert view.progress_lines() == ["Round 2", "Repetition 1 of 2", "Streak 0"]  # a round has its own streak
    current = next(t for t in view.texts() if t.name == "rung:muted")
    assert current.colour != QColor(P.TEXT_DIM)  # the current step stands out
    assert next(t for t in view.texts() if t.name == "rung:buzzy").colour == QColor(P.TEXT_DIM)
    w.session.set_mode("free")
    assert view.ladder_step() is None and view.progress_lines() == ["Free play"] and view.target() is None
    assert not [t for t in view.texts() if t.name.startswith("rung:")]


def test_the_target_spot_follows_a_new_target(qtbot, ui_env, themed_app, no_devices):
    w = _window(qtbot)
    view = w.stage.view
    view.resize(1366, 768)
    view.show()
    panel = w.exercise_panel
    panel.string_box.setCurrentIndex(panel.string_box.findData(2))
    panel.fret_box.setValue(8)
    assert view.target() == (2, 8) and view.target_text() == "B string, fret 8 (G4)"
    spot = view.spot_rect()
    b = view.board()
    assert b.rect.top() + b.gap * 0.9 < spot.center().y() < b.rect.top() + b.gap * 1.1  # the second string
    assert b.rect.left() + 7 * b.fret_w < spot.center().x() < b.rect.left() + 8 * b.fret_w  # the eighth fret
    assert _pixel(view, int(spot.center().x()), int(spot.center().y())) == QColor("#FFFFFF")

    w.session.retarget(ExerciseSettings(string=6, fret=17, repetitions=5))  # above 12: frets 13-24 shown
    b, spot = view.board(), view.spot_rect()
    assert b.first == 12 and b.rect.left() + 4 * b.fret_w < spot.center().x() < b.rect.left() + 5 * b.fret_w
    old = spot.center()

    panel.string_box.setCurrentIndex(panel.string_box.findData(None))  # any note: no spot
    assert view.target() is None and view.spot_rect() is None and view.target_text() == "Any note"
    assert _pixel(view, int(old.x()), int(old.y())) != QColor("#FFFFFF")


def test_f11_opens_the_stage_and_escape_or_f11_leave_it(qtbot, ui_env, themed_app, no_devices):
    w = _window(qtbot)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    view = w.stage.view
    assert not w.stage.active
    qtbot.keyClick(w.focusWidget() or w, Qt.Key_F11)
    qtbot.waitUntil(lambda: w.stage.active, timeout=2000)
    assert view.isFullScreen() and view.isWindow()
    assert not w.waveform.timer.isActive()  # the covered live page does not paint its waveform and meter
    qtbot.keyClick(view, Qt.Key_Escape)
    assert not w.stage.active and w.waveform.timer.isActive()
    w.stage_button.click()
    assert w.stage.active
    qtbot.keyClick(view, Qt.Key_F11)
    assert not w.stage.active


def test_stage_option_starts_in_the_stage_view(qtbot, ui_env, themed_app, no_devices):
    from buzzfinder_app.cli import build_parser

    assert build_parser().parse_args(["--stage"]).stage is True
    assert build_parser().parse_args([]).stage is False
    w = _window(qtbot, stage=True)
    w.show()
    qtbot.waitUntil(lambda: w.stage.active, timeout=2000)
    assert w.stage.view.isFullScreen()


def test_stage_keys_reach_the_window(qtbot, ui_env, themed_app, no_devices, take):
    """Space starts and stops listening on the stage too; what it shows comes from the session."""
    w = _window(qtbot, input_file=take)
    w.stage.open()
    view = w.stage.view
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=2000)
    assert view.verdict_word == "Not listening" and view.hint
    qtbot.keyClick(view, Qt.Key_Space)
    assert w.session.running and view.verdict_word == "Play a note" and not view.hint
    with qtbot.waitSignal(w.live.stopped, timeout=5000):
        qtbot.keyClick(view, Qt.Key_Space)
    assert view.hint and view.verdict_word != "Play a note"  # stopped: how to start again


def _states(w):
    """The stage in each of its looks: idle, listening, each verdict, a long target, rounds, free play."""
    yield "idle"
    w.session.retarget(ExerciseSettings(string=6, fret=17, repetitions=50))
    _play(w, 0, "buzzy", ("onset",))
    yield "listening"
    for i, label in enumerate(("muted", "buzzy", "clean", "unsure"), start=1):
        _play(w, i, label)
        yield label
    w.session.practice.round = 12
    w.session.drill_changed.emit(w.session.practice.drill())
    yield "round 12"
    w.session.set_paused(True)
    yield "paused"
    w.session.set_paused(False)
    w.session.set_mode("free")
    yield "free play"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_fits_its_box_and_the_screen(qtbot, ui_env, themed_app, no_devices, size):
    w = _window(qtbot)
    view = w.stage.view
    view.resize(*size)
    view.show()
    width, height = size
    for state in _states(w):
        texts = view.texts()
        assert texts, state
        for t in texts:
            fm = QFontMetricsF(t.font)
            where = f"{state}: {t.name} {t.text!r} at {size}"
            assert fm.horizontalAdvance(t.text) <= t.rect.width() + 0.5, where
            assert fm.height() <= t.rect.height() + 0.5, where
            assert 0 <= t.rect.left() and t.rect.right() <= width and 0 <= t.rect.top() and t.rect.bottom() <= height, where
            assert t.font.pixelSize() >= 0.035 * height, where  # nothing small: it is read from afar
        boxes = [t.rect for t in texts]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.intersects(b), f"{state}: texts overlap at {size}"
        spot = view.spot_rect()
        if spot is not None:
            assert view.regions()["panel"].contains(spot), state
        word = next(t for t in texts if t.name == "word")
        if state in ("muted", "buzzy", "clean", "unsure"):
            assert word.font.pixelSize() >= 0.2 * height, state


def test_a_left_handed_player_sees_every_neck_mirrored(qtbot, ui_env, themed_app, no_devices):
    """The drill's left-handed switch mirrors the stage's fretboard and the History's map too (the
    setting itself is remembered: ``test_the_neck_walk_and_the_left_handed_map_are_remembered``)."""
    from buzzfinder_app.ui.settings import AppSettings

    w = _window(qtbot)
    view, history = w.stage.view, w.history_view.fretboard
    view.resize(1366, 768)
    view.show()
    history.resize(640, 200)
    panel = w.exercise_panel
    panel.string_box.setCurrentIndex(panel.string_box.findData(2))
    panel.fret_box.setValue(2)
    right_handed = view.spot_rect().center().x()
    b = view.board()
    assert right_handed < b.rect.center().x() and history.x_of(0.5) < history.width() / 2  # fret 1 near the left
    assert _pixel(view, int(right_handed), int(view.spot_rect().center().y())) == QColor("#FFFFFF")

    panel.left_handed.setChecked(True)  # (the switch sits on the neck drill's page)
    b, spot = view.board(), view.spot_rect()
    assert b.left_handed and history.left_handed and AppSettings().left_handed
    assert b.rect.right() - 2 * b.fret_w < spot.center().x() < b.rect.right() - b.fret_w  # the second fret, from the right
    assert _pixel(view, int(spot.center().x()), int(spot.center().y())) == QColor("#FFFFFF")
    assert _pixel(view, int(right_handed), int(spot.center().y())) != QColor("#FFFFFF")
    assert history.x_of(0.5) > history.width() / 2  # fret 1 near the right
