"""``ui.app.run``: the self-test hook and ``--input-file --exit-when-done``; settings and About."""

from __future__ import annotations

from argparse import Namespace

from tests.support.ui import make_take


def _args(**kw):
    base = dict(input_file=None, loop=False, exit_when_done=False, model=None, self_test=False)
    base.update(kw)
    return Namespace(**base)


def test_self_test_runs_the_installation_checks(qtbot, ui_env, themed_app, no_devices, capsys):
    from buzzfinder_app.ui.app import run

    run(_args(self_test=True))  # green or not depends on the model in use; the checks must all run
    checks = {ln.split()[1] for ln in capsys.readouterr().out.splitlines() if not ln.startswith("self-test")}
    assert checks == {"model", "take", "onsets", "verdicts", "audio", "qt"}


def test_self_test_fails_without_the_model(qtbot, ui_env, themed_app, no_devices, capsys):
    from buzzfinder_app.ui.app import run

    assert run(_args(self_test=True, model=str(ui_env / "missing.tflite"))) == 1
    assert "self-test FAILED" in capsys.readouterr().out


def test_input_file_exit_when_done_stores_the_session(qtbot, ui_env, themed_app, no_devices, tmp_path):
    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.app import run

    take = make_take(tmp_path / "short.wav", notes=((220.0, False),), note_s=1.0, gap_s=0.3, lead_s=0.2)
    assert run(_args(input_file=str(take), exit_when_done=True)) == 0
    session = SessionStore().sessions()[-1]
    assert session.input == str(take.resolve()) and session.note_count == 1 and session.ended_at


def test_missing_input_file_is_an_error(ui_env, capsys):
    from buzzfinder_app.ui.app import run

    assert run(_args(input_file=str(ui_env / "nope.wav"))) == 2
    assert "not found" in capsys.readouterr().err


def test_settings_dialog_stores_preferences_in_the_config_dir(qtbot, ui_env, themed_app, one_device):
    from buzzfinder_app.ui.settings import AppSettings, SettingsDialog

    settings = AppSettings()
    dlg = SettingsDialog(settings, [one_device], model_threshold=0.55)
    qtbot.addWidget(dlg)
    dlg.device_box.setCurrentIndex(dlg.device_box.findData("Test Interface"))
    assert [dlg.channel_box.itemText(i) for i in range(dlg.channel_box.count())] == ["Input 1", "Input 2"]
    dlg.channel_box.setCurrentIndex(1)
    dlg.override.setChecked(True)
    dlg.threshold.setValue(0.7)
    assert not dlg.fret_box.isEnabled()  # "Any note" has no fret
    dlg.string_box.setCurrentIndex(dlg.string_box.findData(2))
    assert dlg.fret_box.isEnabled()
    dlg.fret_box.setValue(7)
    dlg.reps_box.setValue(8)
    dlg.accept()
    assert (ui_env / "config" / "buzzfinder.ini").is_file()
    again = AppSettings()
    assert again.device == "Test Interface" and again.channel == 2 and again.unsure_threshold == 0.7
    ex = again.exercise_defaults
    assert (ex.string, ex.fret, ex.repetitions) == (2, 7, 8)
    again.unsure_threshold = None
    assert AppSettings().unsure_threshold is None


def test_profile_choices_are_kept_in_the_settings(ui_env):
    from buzzfinder_app.ui.settings import AppSettings

    settings = AppSettings()
    assert settings.personal_head is True and settings.chosen_profiles == {}
    settings.personal_head = False
    settings.chosen_profiles = {"Focusrite · input 2": "Strat", "Built-in": "Nylon"}
    settings.sync()
    again = AppSettings()
    assert again.personal_head is False
    assert again.chosen_profiles == {"Focusrite · input 2": "Strat", "Built-in": "Nylon"}
    again.q.setValue("profiles/selected", "{ not json")  # a damaged file: no choice, not a crash
    assert again.chosen_profiles == {}


def test_unsure_threshold_override_reaches_the_engine(ui_env):
    from buzzfinder_app.model.runtime import Model
    from buzzfinder_app.ui.workers import make_engine

    model = Model.load()
    engine = make_engine(model, gate_db=-45.0, unsure_threshold=0.9)
    assert engine.unsure_threshold == 0.9 and engine.model is model
    assert engine.detector.gate_dbfs == -45.0


def test_about_names_the_model_and_its_metrics(ui_env, no_devices):
    from buzzfinder_app.ui.about import about_text
    from buzzfinder_app.ui.services import Services

    services = Services.open()
    services.model.metadata.metrics = {"accuracy": 0.912, "per_class": {"clean": 0.95, "buzzy": 0.88}}
    text = about_text(services)
    assert services.model.metadata.name in text and services.model.metadata.version in text
    assert "0.912" in text and "clean 0.95" in text and "Per class" in text


def test_about_reads_the_training_metrics_in_words(ui_env, no_devices):
    from buzzfinder_app.ui.about import about_text
    from buzzfinder_app.ui.services import Services

    services = Services.open()
    threshold = services.model.metadata.unsure_threshold
    services.model.metadata.metrics = {"heldout_generated_accuracy": 0.944, "unsure_threshold": threshold,
                                       "leave_one_source_out": {"sf-TimGM6mb": 0.7842}}
    text = about_text(services)
    assert "Held-out generated notes" in text and "94.4%" in text and "sf-TimGM6mb 78.4%" in text
    assert "heldout_generated" not in text and text.count(f"{threshold:.2f}") == 1  # the threshold is shown once


def test_every_symbol_the_ui_shows_is_in_an_installed_font(themed_app):
    """A glyph that no font has is drawn as an empty box (as an emoji was on a Linux desktop)."""
    from pathlib import Path

    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics

    import buzzfinder_app

    package = Path(buzzfinder_app.__file__).parent
    symbols = {ch for path in (package / "ui").rglob("*.py") for ch in path.read_text(encoding="utf-8") if ord(ch) > 127}
    assert symbols, "the UI's symbols were not found"
    metrics = [QFontMetrics(QFont(family)) for family in QFontDatabase.families()]
    missing = sorted(ch for ch in symbols if not any(m.inFontUcs4(ord(ch)) for m in metrics))
    assert not missing, f"no installed font draws {missing}"


def test_the_guitar_on_input_2_is_heard_and_kept_apart_from_input_1(qtbot, ui_env, themed_app, one_device,
                                                                     take, monkeypatch):
    """An interface's second input: the microphone opens that channel, and the session, the
    calibration and the status bar name the input (each input has its own calibration)."""
    from datetime import datetime, timezone

    import buzzfinder_app.ui.main_window as mw
    from buzzfinder_app.audio.file import read_audio
    from buzzfinder_app.practice.calibration import Calibration
    from buzzfinder_app.practice.sessions import SessionStore
    from tests.support.ui import ArraySource, make_window

    opened = []

    def mic(device, rate, device_name, channel=1):
        opened.append((device, channel, device_name))
        return ArraySource(read_audio(take), chunk=4096, name=device_name)

    monkeypatch.setattr(mw, "MicInput", mic)
    w = make_window()
    qtbot.addWidget(w)
    w.settings.device, w.settings.channel = "Test Interface", 2
    w.services.calibrations.save(Calibration(
        device="Test Interface · input 2", sample_rate=48000, gain_db=6.0, gate_dbfs=-50.0, noise_floor_dbfs=-70.0,
        noise_percentile_dbfs=-68.0, note_level_dbfs=-18.0, notes_detected=5, created_at=datetime.now(timezone.utc)))
    assert w.start_listening()
    assert opened == [(3, 2, "Test Interface · input 2")]
    assert w.device_status.text() == "input: Test Interface · input 2"
    assert "gain +6.0 dB" in w.gate_label.text()  # input 2's calibration, not input 1's (none)
    w.stop_listening()
    qtbot.waitUntil(lambda: not w.live.running, timeout=10000)
    assert SessionStore().sessions()[-1].input == "Test Interface · input 2"
    w.settings.channel = 3  # the device has two inputs: back to the first
    assert w.services.channel(w.settings) == 1 and w.services.calibration_for(w.settings) is None


def test_the_window_fits_a_laptop_screen_and_squeezes_only_the_waveform(qtbot, ui_env, themed_app, no_devices):
    """1366 x 768 less a panel and a title bar: the verdict card, the chips and the counters keep
    their height (text never overlaps); the waveform gives way."""
    from buzzfinder_app.ui.main_window import MINIMUM_SIZE
    from tests.support.ui import make_window

    w = make_window()
    qtbot.addWidget(w)
    w.show()
    assert MINIMUM_SIZE[0] <= 1366 and MINIMUM_SIZE[1] <= 700
    w.setMinimumSize(*MINIMUM_SIZE)  # the offscreen screen (800 x 800) is smaller than a laptop's
    w.resize(*MINIMUM_SIZE)
    qtbot.wait(50)
    for part in (w.card, w.counters):
        assert part.height() >= part.sizeHint().height(), (part, part.height(), part.sizeHint())
    assert w.waveform.height() >= 60
    for chart in (w.history_view.notes_chart, w.history_view.share_chart, w.history_view.success_chart):
        w.tabs.setCurrentWidget(w.history_view)
        qtbot.wait(20)
        # the plot's own layout (axis + title) fits the width it is given: nothing is cut off
        assert chart.getPlotItem().minimumWidth() <= chart.width(), chart.getPlotItem().minimumWidth()


def test_the_input_cannot_change_under_a_running_session(qtbot, ui_env, themed_app, one_device):
    from buzzfinder_app.ui.settings import AppSettings, SettingsDialog

    dlg = SettingsDialog(AppSettings(), [one_device], listening=True)
    qtbot.addWidget(dlg)
    assert not dlg.device_box.isEnabled() and not dlg.channel_box.isEnabled()
    assert dlg.threshold.parentWidget().isEnabled()  # the rest can still change
    idle = SettingsDialog(AppSettings(), [one_device])
    qtbot.addWidget(idle)
    assert idle.device_box.isEnabled() and idle.channel_box.isEnabled()


def test_the_window_fits_the_screen_it_opens_on(qtbot, ui_env, themed_app, no_devices):
    """The offscreen screen is 800 x 800: the window (and its minimum) must fit its free area with the frame."""
    from buzzfinder_app.ui.main_window import FRAME_ALLOWANCE, fit_window
    from tests.support.ui import make_window

    w = make_window()
    qtbot.addWidget(w)
    w.show()
    free = w.screen().availableGeometry()
    assert w.width() + FRAME_ALLOWANCE[0] <= free.width() and w.height() + FRAME_ALLOWANCE[1] <= free.height()
    assert w.minimumWidth() <= w.width() and w.minimumHeight() <= w.height()
    # a 1366 x 768 laptop with a 30-px panel: no longer 1360 x 860 (the counters and status bar fell off)
    size, minimum = fit_window((1360, 860), (1180, 680), (1366, 738))
    assert size[1] + FRAME_ALLOWANCE[1] <= 738 and minimum == (1180, 680)
