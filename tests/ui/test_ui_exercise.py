"""The practice panel reacting to verdicts, and the window routing verdicts to it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from buzzfinder_app.practice.exercise import ExerciseSettings
from tests.support.ui import FakeEvent, make_window, verdict

C4 = 261.63


class Played:
    """A live session without a model and its panel; ``note()`` plays a final verdict into the session."""

    def __init__(self, qtbot, **settings):
        from buzzfinder_app.ui.exercise_panel import ExercisePanel
        from buzzfinder_app.ui.live_session import LiveSession

        self.session = LiveSession(None, None, ExerciseSettings(**settings))
        self.panel = ExercisePanel(self.session, ExerciseSettings(**settings))
        qtbot.addWidget(self.panel)
        self.panel.show()
        self.index = 0
        self.qtbot = qtbot

    def note(self, label: str, confidence: float, pitch_hz: float | None):
        """The drill's feedback to a final verdict of ``label``, as the session published it."""
        event = FakeEvent("final", self.index, float(self.index), self.index + 2.0, verdict(label, confidence), pitch_hz)
        self.index += 1
        with self.qtbot.waitSignal(self.session.note_changed) as published:
            self.session.on_event(event)
        return published.args[0].feedback


def test_ladder_climbs_and_ends_with_a_summary(qtbot, themed_app):
    play = Played(qtbot, string=3, fret=5, finger=2, repetitions=2)
    panel, session = play.panel, play.session
    assert "G string, fret 5 (C4)" in panel.instruction.text()
    assert "Muted" in panel.expected.text()
    with qtbot.waitSignal(session.drill_changed) as sig:
        play.note("muted", 0.9, None)
    assert sig.args[0].feedback[0] == "advance"
    assert session.practice.expected_label == "buzzy" and "Buzzy" in panel.expected.text()
    play.note("buzzy", 0.8, C4)
    assert session.practice.expected_label == "clean"
    play.note("clean", 0.9, C4)
    assert session.practice.drill().feedback[0] == "rep_done"
    assert "Repetition 2 of 2" in panel.rep_label.text() and panel.progress.value() == 1
    assert not panel.summary_card.isVisible()
    for label in ("muted", "buzzy", "clean"):
        play.note(label, 0.9, C4)
    assert session.practice.drill().feedback[0] == "exercise_done"
    assert panel.summary_card.isVisible() and panel.summary_title.text() == "Round 1 complete"
    assert "2 / 2" in panel.summary_score.text()
    # hands-free: the next round is on without a key press
    assert "Round 2" in panel.rep_label.text() and panel.next_button.isEnabled()
    assert "Round 2 starts with your next note" in panel.message.text()
    play.index += 1  # a moment later
    play.note("muted", 0.9, None)
    assert not panel.summary_card.isVisible() and session.practice.expected_label == "buzzy"
    assert session.practice.target_key == "3:5"


def test_a_new_target_takes_effect_at_once_and_is_remembered(qtbot, ui_env, themed_app, no_devices):
    from buzzfinder_app.ui.settings import AppSettings

    w = make_window()
    qtbot.addWidget(w)
    panel = w.exercise_panel
    panel.string_box.setCurrentIndex(panel.string_box.findData(3))
    panel.fret_box.setValue(7)
    assert w.session.practice.target_key == "3:7"
    assert "G string, fret 7 (D4)" in panel.instruction.text()
    assert "New target: G string, fret 7 (D4)" in panel.message.text()
    assert AppSettings().exercise_defaults.target_key == "3:7"  # the next launch starts here
    w.close()
    w2 = make_window()
    qtbot.addWidget(w2)
    assert w2.session.practice.target_key == "3:7" and w2.exercise_panel.string_box.currentData() == 3


def test_the_neck_walk_and_the_left_handed_map_are_remembered(qtbot, ui_env, themed_app, no_devices):
    from buzzfinder_app.practice.neck_drill import NeckSettings
    from buzzfinder_app.ui.settings import AppSettings

    assert AppSettings().neck_defaults == NeckSettings() and not AppSettings().left_handed  # nothing stored yet
    w = make_window()
    qtbot.addWidget(w)
    panel = w.exercise_panel
    panel.btn_neck.click()
    panel.neck_strings.setCurrentIndex(panel.neck_strings.findText("B string"))
    panel.neck_first.setValue(7)
    panel.neck_last.setValue(3)  # a range given high to low is walked low to high
    panel.neck_finger.setCurrentIndex(panel.neck_finger.findData(2))
    panel.left_handed.setChecked(True)
    walk = NeckSettings(strings=(2,), first_fret=3, last_fret=7, finger=2)
    assert w.session.practice.neck.settings == walk
    assert AppSettings().neck_defaults == walk and AppSettings().left_handed  # the next launch starts here
    w.close()
    w2 = make_window()
    qtbot.addWidget(w2)
    again = w2.exercise_panel
    assert again.neck_settings() == walk and w2.session.practice.neck.settings == walk
    assert again.neck_strings.currentText() == "B string" and again.neck_finger.currentData() == 2
    assert again.left_handed.isChecked() and again.neck_map.left_handed
    w2.session.set_mode("neck")
    assert "B string, fret 3" in again.neck_instruction.text() and "Spot 1 of 5" in again.neck_progress.text()
    again.left_handed.setChecked(False)
    assert not AppSettings().left_handed

def test_a_walk_that_cannot_be_read_back_is_the_default_one(ui_env, themed_app):
    from buzzfinder_app.practice.neck_drill import NeckSettings
    from buzzfinder_app.ui.settings import AppSettings

    settings = AppSettings()
    settings.neck_defaults = NeckSettings(strings=(6,), first_fret=2, last_fret=4)
    assert AppSettings().neck_defaults == NeckSettings(strings=(6,), first_fret=2, last_fret=4)
    settings.q.setValue("neck/strings", "7")  # no such string
    assert AppSettings().neck_defaults == NeckSettings()

def test_pressing_too_hard_off_target_and_skipping(qtbot, themed_app):
    play = Played(qtbot, string=3, fret=5, repetitions=3)
    panel = play.panel
    fb = play.note("clean", 0.9, C4)
    assert fb.kind == "too_hard" and "too hard" in panel.message.text().lower()
    fb = play.note("buzzy", 0.9, 440.0)
    assert fb.kind == "off_target"
    panel.next_button.click()
    kind, message = play.session.practice.drill().feedback
    assert kind == "rep_done" or "skipped" in message.lower()
    assert "Repetition 2 of 3" in panel.rep_label.text()
    panel.start_button.click()
    assert "Repetition 1 of 3" in panel.rep_label.text() and panel.message.text().strip() == ""


def test_one_repetition_and_one_spot_are_singular(qtbot, themed_app):
    play = Played(qtbot, string=3, fret=5, repetitions=1)
    panel = play.panel
    panel.next_button.click()
    assert panel.summary_text.text().startswith("0 of 1 repetition found the lightest clean pressure")
    panel.btn_neck.click()
    panel.neck_strings.setCurrentIndex(panel.neck_strings.findText("G string"))
    panel.neck_first.setValue(5)
    panel.neck_last.setValue(5)
    assert "found on 0 of 1 spot." in panel.neck_progress.text()

def test_free_play_counts_every_note(qtbot, themed_app):
    play = Played(qtbot)
    panel, practice = play.panel, play.session.practice
    panel.btn_free.click()
    assert panel.stack.currentIndex() == 1 and practice.target_key is None and practice.expected_label is None
    for label in ("clean", "buzzy", "clean", "unsure"):
        play.note(label, 0.8, 200.0)
    assert practice.free_play.counts["clean"] == 2
    assert "4 notes" in panel.free_summary.text()
    assert "Not sure" in panel.free_message.text()


def test_window_routes_verdicts_to_card_chips_counters_and_panel(qtbot, ui_env, themed_app, no_devices):
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    w.exercise_panel.apply_settings(ExerciseSettings(string=3, fret=5, repetitions=4))
    w.exercise_panel.start_button.click()
    w.session.on_event(FakeEvent("onset", 0, 1.0, 1.05))
    assert w.card.stage == "onset" and w.chips.chips[-1].label is None
    w.session.on_event(FakeEvent("provisional", 0, 1.0, 1.5, verdict("buzzy", 0.6), None, None))
    assert (w.card.stage, w.card.label) == ("provisional", "buzzy")
    assert "provisional" in w.card.stage_label.text()
    assert w.counters.total_notes == 0  # provisional verdicts are not counted
    w.session.on_event(FakeEvent("final", 0, 1.0, 3.0, verdict("muted", 0.8), None, None))
    assert (w.card.stage, w.card.label) == ("final", "muted")
    assert w.card.bars["muted"].value == 0.8
    assert w.chips.chips[-1].final and w.chips.chips[-1].label == "muted"
    assert w.counters.counts["muted"] == 1
    assert w.session.practice.expected_label == "buzzy"
    # a late verdict of an older note does not take the card from a newer one
    w.session.on_event(FakeEvent("onset", 1, 3.0, 3.05))
    w.session.on_event(FakeEvent("final", 0, 1.0, 3.0, verdict("muted", 0.8)))
    assert w.card.note_index == 1
    # N skips to the next repetition
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    qtbot.keyClick(w.focusWidget() or w, Qt.Key_N)
    assert "Repetition 2 of 4" in w.exercise_panel.rep_label.text()


def test_a_note_played_while_teaching_stays_an_example_when_its_verdict_comes_later(qtbot, ui_env, themed_app,
                                                                                   no_devices):
    w = make_window()
    qtbot.addWidget(w)
    session = w.session
    session.start_exercise()
    session.set_paused(True)  # the teach dialog is open
    w.session.on_event(FakeEvent("onset", 0, 1.0, 1.1, note="C4"))
    session.set_paused(False)  # closed before the note's final verdict, 2 s after its onset
    w.session.on_event(FakeEvent("final", 0, 1.0, 3.0, verdict("muted"), pitch_hz=C4, note="C4"))
    assert not any(rep.notes for rep in session.practice.exercise.repetitions)
    w.session.on_event(FakeEvent("onset", 1, 4.0, 4.1, note="C4"))
    w.session.on_event(FakeEvent("final", 1, 4.0, 6.0, verdict("muted"), pitch_hz=C4, note="C4"))
    assert [n.label for n in session.practice.exercise.repetitions[0].notes] == ["muted"]


def test_the_stored_session_follows_a_target_changed_while_listening(qtbot, ui_env, themed_app, no_devices):
    import numpy as np

    from buzzfinder_app.practice.sessions import SessionStore
    from tests.support.ui import ArraySource

    w = make_window()
    qtbot.addWidget(w)
    assert w.session.start(ArraySource(np.zeros(22050, np.float32)), "Test Interface")
    panel = w.exercise_panel
    panel.string_box.setCurrentIndex(panel.string_box.findData(2))
    panel.fret_box.setValue(3)
    with qtbot.waitSignal(w.session.saved, timeout=10000):
        w.session.stop()
    stored = SessionStore().sessions()[-1]
    assert stored.mode == "exercise" and (stored.settings["string"], stored.settings["fret"]) == (2, 3)


def test_the_neck_drill_page_walks_and_fills_its_map(qtbot, themed_app):
    from buzzfinder_app.practice.tuning import expected_pitch_hz

    play = Played(qtbot)
    panel, session = play.panel, play.session
    panel.btn_neck.click()
    assert panel.stack.currentIndex() == 2 and session.practice.mode == "neck"
    panel.neck_strings.setCurrentIndex(panel.neck_strings.findText("G string"))
    panel.neck_first.setValue(5)
    panel.neck_last.setValue(6)
    assert session.practice.target_key == "3:5" and "G string, fret 5 (C4)" in panel.neck_instruction.text()
    for label in ("muted", "buzzy", "buzzy", "clean"):
        play.note(label, 0.9, expected_pitch_hz(3, 5))
    assert session.practice.target_key == "3:6" and "Spot 2 of 2" in panel.neck_progress.text()
    spot = panel.neck_map.state.spots[(3, 5)]
    assert (spot.outcome, spot.still_buzzy) == ("found", 1) and panel.neck_map.state.current == (3, 6)
    assert "G string, fret 5: found" in panel.neck_message.text()
    panel.left_handed.setChecked(True)
    assert panel.neck_map.left_handed
    panel.neck_skip.click()
    assert "Neck drill done" in panel.neck_message.text() and not panel.neck_skip.isEnabled()
    assert "found on 1 of 2 spots (1 skipped)" in panel.neck_progress.text()


def test_a_muted_note_shows_no_pitch_and_the_confidence_stays_on_one_line(qtbot, ui_env, themed_app, no_devices):
    w = make_window()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.session.on_event(FakeEvent("onset", 0, 1.0, 1.05, note="F2"))
    assert w.chips.chips[-1].note == "F2"
    w.session.on_event(FakeEvent("final", 0, 1.0, 3.0, verdict("muted", 0.92), 86.0, "F2"))
    text = w.card.note_label.text()
    assert "F2" not in text and "Hz" not in text and w.chips.chips[-1].note is None
    w.session.on_event(FakeEvent("final", 1, 3.0, 5.0, verdict("clean", 0.92), 196.0, "G3"))
    text = w.card.note_label.text()
    assert "G3" in text and "196\u00a0Hz" in text and "92\u00a0%\u00a0confident" in text
    fm = w.card.note_label.fontMetrics()
    assert fm.horizontalAdvance(text) <= w.card.note_label.width(), "the note line must not wrap at 1366 x 768"
