"""Screenshots of the set-up guide's four pages and of the tuner, over the main window as a laptop
(1366 x 768) and a desktop screen (1920 x 1080) show them, for a look by eye. Saved where
:mod:`tests.ui.test_ui_screenshots` saves its own (``$BUZZFINDER_SCREENSHOT_DIR`` or
``tests/screenshots/``); the paths are printed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QColor, QPainter, QPixmap

from tests.support.inputs import Inputs, tone
from tests.support.ui import FakeEvent, make_window, verdict
from tests.ui.test_ui_screenshots import shot_dir

SCREENS = {"1366x768": QSize(1366, 768), "1920x1080": QSize(1920, 1080)}
#: The height a desktop's panel takes: the window and the guide fit in the rest.
PANEL = 40
LOW_E, A, D = 82.4069, 110.0, 146.832


def tuning_take() -> np.ndarray:
    """The low E and A strings in tune, then the D string 12 cents flat (ringing on)."""
    return np.concatenate([tone(LOW_E, 1.2), tone(A, 1.2), tone(D, 30.0, cents=-12)])


def over_window(window, dialog, name: str) -> str:
    """The dialog centred over the (dimmed) window, as a modal dialog looks; saved as ``name``."""
    path = shot_dir() / name
    pixmap = QPixmap(window.size())
    painter = QPainter(pixmap)
    painter.drawPixmap(0, 0, window.grab())
    painter.fillRect(pixmap.rect(), QColor(0, 0, 0, 120))
    frame = dialog.grab()
    painter.drawPixmap(QPoint((pixmap.width() - frame.width()) // 2, (pixmap.height() - frame.height()) // 2), frame)
    painter.setPen(QColor("#343A46"))
    painter.drawRect((pixmap.width() - frame.width()) // 2 - 1, (pixmap.height() - frame.height()) // 2 - 1,
                     frame.width() + 1, frame.height() + 1)
    painter.end()
    assert pixmap.save(str(path)), f"could not save {path}"
    print(f"\nscreenshot: {path}")
    return str(path)


@pytest.mark.parametrize("screen", SCREENS)
def test_setup_guide_and_tuner_screenshots(qtbot, ui_env, themed_app, one_device, screen):
    from buzzfinder_app.ui.setup_guide import SetupGuide
    from buzzfinder_app.ui.tuner import TunerDialog

    available = SCREENS[screen] - QSize(0, PANEL)
    w = make_window()
    qtbot.addWidget(w)
    w.resize(available)
    w.show()
    inputs = Inputs(tuning_take())
    # the window owns it; its session judges the ladder's notes (fed below, so nothing starts listening)
    guide = SetupGuide(w.services, w.settings, w, source_factory=inputs, session=w.session, listen=lambda: True)
    guide.fit_to_screen(available)
    guide.show()
    assert guide.width() <= available.width() and guide.height() <= available.height()
    saved = []
    qtbot.waitUntil(lambda: guide.input_page.meter.rms_db > -30, timeout=3000)
    qtbot.wait(120)
    saved.append(over_window(w, guide, f"setup_1_input_{screen}.png"))
    guide.next()
    saved.append(over_window(w, guide, f"setup_2_calibrate_{screen}.png"))
    guide.next()
    tuner = guide.tune_page.tuner
    qtbot.waitUntil(lambda: tuner.reading is not None and tuner.reading.string == 4 and tuner.progress.tuned == {5, 6},
                    timeout=8000)
    saved.append(over_window(w, guide, f"setup_3_tune_{screen}.png"))
    guide.next()
    guide.ladder_page.picture.set_step(None)  # all three steps lit, as a still picture
    saved.append(over_window(w, guide, f"setup_4_ladder_{screen}.png"))
    page = guide.ladder_page
    assert page.trial.isVisible()  # the window's session judges the repetition played here
    page.trial.restart()  # two notes of the repetition played: muted, then buzzy; clean is asked next
    page.on_final(FakeEvent("final", 0, 1.0, 3.0, verdict("muted", 0.91), None))
    page.on_final(FakeEvent("final", 1, 3.5, 5.5, verdict("buzzy", 0.84), 196.0, "G3"))
    assert [heard for _, heard, _ in page.trial.judged] == ["muted", "buzzy"] and page.trial.step == 2
    page.ensureWidgetVisible(page.trial)
    qtbot.wait(50)
    saved.append(over_window(w, guide, f"setup_5_ladder_played_{screen}.png"))
    guide.reject()

    dialog = TunerDialog(w.services, w.settings, w, source_factory=Inputs(tone(LOW_E, 30.0, cents=7)))
    dialog.resize(640, 520)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.reading is not None, timeout=3000)
    saved.append(over_window(w, dialog, f"tuner_{screen}.png"))
    dialog.reject()
    for path in saved:
        assert Path(path).stat().st_size > 20_000
