"""The calibration wizard on synthetic input, and the window applying and asking for calibration."""

from __future__ import annotations

import numpy as np

from buzzfinder_app.constants import SAMPLE_RATE
from tests.support.signals import synth_pluck as pluck
from tests.support.ui import ArraySource, make_window


def calibration_input(level_db: float = -26.0) -> np.ndarray:
    rng = np.random.default_rng(3)
    parts = [rng.standard_normal(int(3.2 * SAMPLE_RATE)).astype(np.float32) * 10 ** (-68 / 20)]
    for i, f0 in enumerate((196.0, 220.0, 247.0, 262.0, 294.0)):
        parts.append(pluck(f0, 1.0, level_db=level_db, seed=i))
        parts.append(np.zeros(int(0.8 * SAMPLE_RATE), np.float32))
    y = np.concatenate(parts)
    return y + rng.standard_normal(len(y)).astype(np.float32) * 10 ** (-68 / 20)


def _wizard(qtbot, y, fail_after=None):
    from buzzfinder_app.ui.calibration_wizard import CalibrationWizard
    from buzzfinder_app.ui.services import Services

    services = Services.open()
    sources = []

    def factory(device, rate, name, channel=1):
        sources.append((device, rate, name, channel))
        return ArraySource(y, chunk=8192, fail_after=fail_after, name=name)

    wizard = CalibrationWizard(services, services.settings, source_factory=factory)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard, services, sources


def test_wizard_measures_silence_and_notes_and_saves_per_device(qtbot, ui_env, themed_app, one_device):
    wizard, services, sources = _wizard(qtbot, calibration_input())
    assert wizard.device_page.device_box.currentText() == "Test Interface"
    assert wizard.device_page.rate_box.currentData() == 48000
    wizard.next()
    assert wizard.currentPage() is wizard.silence_page
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.notes_page, timeout=5000)
    assert sources == [(3, 48000, "Test Interface", 1)]
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=5000)
    cal = wizard.result
    assert cal.notes_detected == 5
    assert 5 < cal.gain_db < 20
    assert cal.noise_floor_dbfs < -60 < cal.gate_dbfs + cal.gain_db + 40
    shown = wizard.result_page.numbers.text()
    assert "Gain" in shown and f"{cal.gain_db:+.1f} dB" in shown
    # Levels as heard and after the gain, so that the gate (after it) compares with the noise.
    assert f"{cal.noise_floor_dbfs:.0f} dBFS" in shown and f"{cal.noise_floor_dbfs + cal.gain_db:.0f} dBFS" in shown
    assert f"{cal.gate_dbfs:.0f} dBFS" in shown
    wizard.accept()
    assert services.calibrations.get("Test Interface") == cal
    assert services.settings.device == "Test Interface" and services.settings.sample_rate == 48000

    w = make_window()
    qtbot.addWidget(w)
    assert w.live.gain == cal.linear_gain
    assert w.live.worker.gate_db == cal.gate_dbfs
    assert w.meter.gate_db == cal.gate_dbfs
    assert f"{cal.gain_db:+.1f} dB" in w.gate_label.text()


def test_wizard_warns_about_clipping_and_finishes_early(qtbot, ui_env, themed_app, one_device):
    y = calibration_input(level_db=0.0)
    y = np.clip(y * 1.5, -1, 1)[: int(5.5 * SAMPLE_RATE)]  # silence, then only two (clipped) notes
    wizard, services, _ = _wizard(qtbot, y)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.notes_page, timeout=5000)
    qtbot.waitUntil(lambda: wizard.run.notes_heard >= 1, timeout=5000)
    qtbot.wait(200)
    wizard.notes_page.done_button.click()
    assert wizard.currentPage() is wizard.result_page
    codes = {w.code for w in wizard.result.warnings}
    assert "clipping" in codes and "few_notes" in codes
    assert "Advice" in wizard.result_page.warnings.text()


def test_wizard_reports_a_device_that_stops(qtbot, ui_env, themed_app, one_device):
    wizard, _, _ = _wizard(qtbot, calibration_input(), fail_after=SAMPLE_RATE)
    wizard.next()
    qtbot.waitUntil(lambda: "stopped" in wizard.silence_page.message.text(), timeout=5000)
    assert wizard.source is None and not wizard.silence_page.isComplete()


def test_asks_for_calibration_only_for_an_uncalibrated_device(qtbot, ui_env, themed_app, one_device, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from buzzfinder_app.ui.main_window import LaunchOptions, MainWindow

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[1]) or QMessageBox.No)
    w = MainWindow(LaunchOptions())
    qtbot.addWidget(w)
    w.maybe_ask_calibration()
    assert asked == ["Calibrate the input?"]
    f = MainWindow(LaunchOptions(input_file=ui_env / "x.wav"))
    qtbot.addWidget(f)
    f.maybe_ask_calibration()
    assert len(asked) == 1  # never in --input-file mode


def test_wizard_calibrates_the_chosen_input_of_an_interface(qtbot, ui_env, themed_app, one_device):
    wizard, services, sources = _wizard(qtbot, calibration_input())
    page = wizard.device_page
    assert page.channel_box.count() == 2 and page.channel_box.isEnabled()
    page.channel_box.setCurrentIndex(1)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=8000)
    assert sources == [(3, 48000, "Test Interface · input 2", 2)]
    wizard.accept()
    assert services.calibrations.get("Test Interface · input 2") == wizard.result
    assert services.calibrations.get("Test Interface") is None
    assert services.settings.channel == 2 and services.calibration_for(services.settings) == wizard.result


def test_wizard_tells_an_input_that_levels_the_sound_and_shows_it(qtbot, ui_env, themed_app, one_device):
    """Notes through a laptop's automatic gain control hardly fade: the advice says so and how to fix it
    (a screenshot of the result page is saved for a look by eye)."""
    from training.augment import agc

    from tests.ui.test_ui_screenshots import shot_dir

    rng = np.random.default_rng(5)
    parts = [rng.standard_normal(int(4.2 * SAMPLE_RATE)).astype(np.float32) * 10 ** (-60 / 20)]
    for i, f0 in enumerate((110.0, 147.0, 196.0, 247.0, 330.0)):
        parts.append(pluck(f0, 1.8, level_db=-20, seed=i))
    y = agc(np.concatenate(parts), SAMPLE_RATE)
    wizard, _, _ = _wizard(qtbot, np.concatenate([y, y[-SAMPLE_RATE:] * 0]))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=10000)
    codes = [w.code for w in wizard.result.warnings]
    assert "levelled" in codes, codes
    shown = wizard.result_page.warnings.text()
    assert "levels the sound" in shown and "Turn it off" in shown
    path = shot_dir() / "calibration-levelled.png"
    assert wizard.grab().save(str(path))
    print(f"\nscreenshot: {path}")
    wizard.accept()
    # The window keeps saying it while that calibration stands.
    w = make_window()
    qtbot.addWidget(w)
    assert "levels the sound" in w.gate_label.text()
    assert "automatic gain control" in w.gate_label.toolTip().lower()
    w.resize(1366, 728)  # a laptop's screen, less its panel
    w.show()
    qtbot.waitExposed(w)
    path = shot_dir() / "window-levelled-input.png"
    assert w.grab().save(str(path))
    print(f"\nscreenshot: {path}")
