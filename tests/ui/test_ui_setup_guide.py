"""The set-up guide page by page (input, calibrate, tune, the ladder and a repetition of it played to
the window), skipping it, remembering it, opening it from the Help menu."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtWidgets import QDialog

from tests.support.inputs import Inputs, tone
from tests.support.ladder_takes import ring_judge, write_take
from tests.support.ui import FakeEvent, make_window, verdict

LOW_E = 82.4069


def calibration(device: str):
    from buzzfinder_app.practice.calibration import Calibration

    return Calibration(device=device, sample_rate=48000, gain_db=6.0, gate_dbfs=-50.0, noise_floor_dbfs=-70.0,
                       noise_percentile_dbfs=-68.0, note_level_dbfs=-18.0, notes_detected=5,
                       created_at=datetime(2026, 12, 1, tzinfo=timezone.utc))


def make_guide(qtbot, inputs=None, calibrate=None):
    from buzzfinder_app.ui.services import Services
    from buzzfinder_app.ui.setup_guide import SetupGuide

    services = Services.open()
    guide = SetupGuide(services, services.settings, calibrate=calibrate, source_factory=inputs or Inputs())
    qtbot.addWidget(guide)
    guide.show()
    return guide, services


def test_the_pages_in_order_back_and_next(qtbot, ui_env, themed_app, one_device):
    inputs = Inputs()
    guide, services = make_guide(qtbot, inputs)
    assert guide.page() is guide.input_page
    assert "1&nbsp;&nbsp;Input" in guide.steps.text() and not guide.back_button.isEnabled()
    page = guide.input_page
    assert page.device_box.currentText() == "Test Interface" and page.channel_box.count() == 2
    assert [s.name for s in inputs.live] == ["Test Interface"]  # the meter shows the input
    qtbot.waitUntil(lambda: guide.input_page.meter.rms_db > -30, timeout=3000)
    page.channel_box.setCurrentIndex(1)
    assert [s.name for s in inputs.live] == ["Test Interface · input 2"]

    guide.next_button.click()
    assert guide.page() is guide.calibrate_page and inputs.live == []  # no listening while it explains
    assert services.settings.device == "Test Interface" and services.settings.channel == 2
    assert guide.next_button.text() == "Skip this step" and "✓&nbsp;Input" in guide.steps.text()
    assert "not calibrated yet" in guide.calibrate_page.status.text()
    guide.back_button.click()
    assert guide.page() is guide.input_page and page.channel == 2
    guide.next_button.click()
    guide.next_button.click()

    assert guide.page() is guide.tune_page
    assert [(s.name, s.started) for s in inputs.live] == [("Test Interface · input 2", True)]
    assert inputs.opened[-1] == (3, "Test Interface · input 2", 2)
    guide.next_button.click()
    assert guide.page() is guide.ladder_page and inputs.live == []
    assert guide.ladder_page.picture.animating
    assert guide.next_button.text() == "Finish"
    guide.next_button.click()
    assert guide.result() == QDialog.Accepted and guide.outcome == "done"
    assert services.settings.setup_guide == "done"
    assert not guide.ladder_page.picture.animating and inputs.live == []


@pytest.mark.parametrize("index", range(4))
def test_skip_set_up_on_any_page(qtbot, ui_env, themed_app, one_device, index):
    inputs = Inputs()
    guide, services = make_guide(qtbot, inputs)
    for _ in range(index):
        guide.next_button.click()
    assert guide.index == index and guide.skip_button.text() == "Skip set-up"
    guide.skip_button.click()
    assert guide.result() == QDialog.Rejected and guide.outcome == "skipped"
    assert services.settings.setup_guide == "skipped" and inputs.live == []
    from buzzfinder_app.ui.settings import AppSettings

    assert AppSettings().setup_guide == "skipped"  # written, not only kept in memory


def test_the_calibrate_step_runs_the_calibration_and_says_what_it_set(qtbot, ui_env, themed_app, one_device):
    calls = []

    def calibrate():
        calls.append(list(inputs.live))  # the guide let go of the input first
        guide.services.calibrations.save(calibration("Test Interface"))

    inputs = Inputs()
    guide, _ = make_guide(qtbot, inputs, calibrate=calibrate)
    guide.next_button.click()
    assert guide.calibrate_page.button.text() == "Calibrate now…"
    guide.calibrate_page.button.click()
    assert calls == [[]]
    status = guide.calibrate_page.status.text()
    assert "Calibrated" in status and "+6.0 dB" in status and "-50 dBFS" in status
    assert guide.next_button.text() == "Next" and guide.calibrate_page.button.text() == "Calibrate again…"


def test_the_tuner_page_shows_the_note_of_a_tone(qtbot, ui_env, themed_app, one_device):
    inputs = Inputs(tone(110.0, cents=-12))
    guide, _ = make_guide(qtbot, inputs)
    guide.go(2)
    tuner = guide.tune_page.tuner
    qtbot.waitUntil(lambda: tuner.reading is not None, timeout=3000)
    assert (tuner.reading.note, tuner.reading.string) == ("A2", 5)
    assert tuner.reading.cents == pytest.approx(-12, abs=1)
    assert tuner.advice == "A string: 12 cents flat — tune up (tighten the string)"
    assert "Listening to Test Interface" in guide.tune_page.status.text()


def test_the_tuner_page_ticks_the_low_e_string_once_in_tune(qtbot, ui_env, themed_app, one_device):
    inputs = Inputs(tone(LOW_E))
    guide, _ = make_guide(qtbot, inputs)
    guide.go(2)
    tuner = guide.tune_page.tuner
    with qtbot.waitSignal(tuner.string_tuned, timeout=4000) as tuned:
        pass
    assert tuned.args == [6] and tuner.reading.note == "E2" and tuner.reading.in_tune
    assert tuner.advice == "✓  low E string: in tune"


def test_without_an_input_every_step_says_so_and_can_be_passed(qtbot, ui_env, themed_app, no_devices):
    inputs = Inputs()
    guide, _ = make_guide(qtbot, inputs)
    assert "No microphone or audio interface was found" in guide.input_page.message.text()
    assert not guide.input_page.device_box.isEnabled()
    guide.next_button.click()
    assert not guide.calibrate_page.button.isEnabled()
    assert "connect one first" in guide.calibrate_page.status.text()
    guide.next_button.click()
    assert "no input device was found" in guide.tune_page.status.text()
    guide.next_button.click()
    guide.next_button.click()
    assert guide.outcome == "done" and inputs.opened == []


def test_an_input_that_fails_is_reported_on_its_page(qtbot, ui_env, themed_app, one_device):
    def broken(device, rate, name, channel=1):
        raise RuntimeError("Invalid sample rate")

    guide, _ = make_guide(qtbot, broken)
    assert "Could not listen to the input: Invalid sample rate" in guide.input_page.message.text()
    guide.go(2)
    assert "Invalid sample rate" in guide.tune_page.status.text()


def test_the_ladder_picture_presses_deeper_at_each_step():
    from buzzfinder_app.ui.ladder_picture import STEPS, Geometry, touches_fret

    for size in ((240, 180), (300, 260)):
        g = Geometry(*size)
        depths = [g.depth_of(step) for step in STEPS]
        assert [step.label for step in STEPS] == ["muted", "buzzy", "clean"]
        assert depths[0] == 0 < depths[1] < depths[2] < 1
        assert [touches_fret(g, d) for d in depths] == [False, False, True]  # buzzy: a hair short of the fret


def ladder_guide(qtbot, tmp_path, heard: list[str]):
    """A window playing a take of C4s (4x speed) that the ring judge hears as ``heard``, and the guide
    over it, listening through the window's session as Help ▸ Set-up guide… opens it."""
    from buzzfinder_app.practice.tuning import expected_pitch_hz
    from buzzfinder_app.ui.setup_guide import SetupGuide

    take = write_take(tmp_path / "ladder.wav", [(expected_pitch_hz(3, 5), kind) for kind in heard])
    w = make_window(input_file=take, speed=4.0)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: not w.profiles.loading, timeout=10000)
    w.live.configure(classify=ring_judge)
    guide = SetupGuide(w.services, w.settings, w, session=w.session, listen=w.start_listening,
                       source_factory=Inputs())
    guide.show()
    return w, guide


def test_the_ladder_step_judges_a_repetition_played_to_it(qtbot, ui_env, themed_app, no_devices, tmp_path):
    w, guide = ladder_guide(qtbot, tmp_path, ["buzzy", "muted", "buzzy", "clean"])
    page, trial = guide.ladder_page, guide.ladder_page.trial
    assert not w.session.running  # not on the first pages
    guide.go(3)
    assert w.session.running and page.status.text().startswith("Listening")
    assert trial.isVisible() and trial.message.text().startswith("Rest your index finger on a string")
    assert guide.next_button.isEnabled() and guide.next_button.text() == "Finish"  # skippable at once
    with qtbot.waitSignal(trial.completed, timeout=30000):
        pass
    assert trial.judged == [("muted", "buzzy", False), ("muted", "muted", True), ("buzzy", "buzzy", True),
                            ("clean", "clean", True)]
    rows = trial.notes.text().split("<br>")
    assert "✗" in rows[0] and "note 1: the muted step, heard" in rows[0] and "≈ buzzy" in rows[0]
    assert all("✓" in row for row in rows[1:]) and "note 4: the clean step, heard" in rows[3]
    assert trial.message.text().startswith("✓  Repetition complete: muted, buzzy, then clean")
    assert page.picture.step is None and not page.picture.animating  # all three steps lit
    assert guide.next_button.isEnabled()
    guide.next_button.click()
    assert guide.outcome == "done"


def test_leaving_the_ladder_step_stops_its_listening_and_coming_back_listens_again(
        qtbot, ui_env, themed_app, no_devices, tmp_path):
    w, guide = ladder_guide(qtbot, tmp_path, ["muted", "buzzy", "clean"])
    page = guide.ladder_page
    guide.go(3)
    assert w.session.running
    guide.back()
    assert guide.page() is guide.tune_page and w.session.stopping  # the tuner needs the input
    guide.next()  # back before the last run has ended: the page listens once it has
    assert page.status.text() == "Getting ready to listen…"
    qtbot.waitUntil(lambda: w.session.running and not w.session.stopping, timeout=10000)
    assert page.status.text().startswith("Listening")
    with qtbot.waitSignal(page.trial.completed, timeout=30000):
        pass
    assert [heard for _, heard, _ in page.trial.judged] == ["muted", "buzzy", "clean"]
    guide.next_button.click()
    page.trial.restart()
    w.session.final_note.emit(FakeEvent("final", 9, 30.0, 32.0, verdict("muted")), None)
    assert page.trial.judged == []  # closed, the guide has let go of the window's session

# ------------------------------------------------------------------------ the window
@pytest.fixture
def guides(monkeypatch):
    """SetupGuide.exec records each guide and skips it (no modal loop in tests)."""
    from buzzfinder_app.ui.setup_guide import SetupGuide

    shown = []

    def exec_(guide):
        shown.append(guide)
        guide.reject()
        return 0

    monkeypatch.setattr(SetupGuide, "exec", exec_)
    return shown


def test_the_first_launch_opens_the_guide_once(qtbot, ui_env, themed_app, one_device, guides, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.No)
    monkeypatch.setattr(MainWindow, "start_listening", lambda self: False)
    w = MainWindow(LaunchOptions())
    qtbot.addWidget(w)
    w.start_on_launch()
    assert len(guides) == 1 and asked == []  # the guide, not the calibration question on top of it
    assert w.settings.setup_guide == "skipped"
    again = MainWindow(LaunchOptions())
    qtbot.addWidget(again)
    again.start_on_launch()
    assert len(guides) == 1 and asked == ["Calibrate the input?"]  # remembered: the next launch asks as before


def test_the_guide_never_opens_by_itself_in_tests_for_files_or_for_a_calibrated_input(
        qtbot, ui_env, themed_app, one_device, take, guides, monkeypatch):
    from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow
    from buzzfinder_app.ui.setup_guide import is_first_launch, show_on_first_launch

    tested = make_window()  # ask_calibration=False
    qtbot.addWidget(tested)
    played = make_window(LaunchOptions(input_file=take))
    qtbot.addWidget(played)
    played.options.ask_calibration = True  # even when asked: never with --input-file
    for w in (tested, played):
        assert not is_first_launch(w) and not show_on_first_launch(w)
    w = MainWindow(LaunchOptions())
    qtbot.addWidget(w)
    assert is_first_launch(w)
    w.services.calibrations.save(calibration("Test Interface"))  # someone who used the app before
    assert not is_first_launch(w)
    assert guides == []


def test_help_opens_the_guide_again(qtbot, ui_env, themed_app, one_device, guides):
    w = make_window()
    qtbot.addWidget(w)
    w.settings.setup_guide = "done"
    help_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if a.text() == "&Set-up guide…")
    action.trigger()
    assert len(guides) == 1 and guides[0].parent() is w
    assert w.settings.setup_guide == "done"  # closing it again does not undo "done"
    action.trigger()
    assert len(guides) == 2


def test_the_guide_takes_the_input_from_a_listening_window(qtbot, ui_env, themed_app, take, guides):
    w = make_window(input_file=take)
    qtbot.addWidget(w)
    assert w.start_listening() and w.listening
    w.setup_action.trigger()
    assert len(guides) == 1
    qtbot.waitUntil(lambda: not w.listening, timeout=10000)
