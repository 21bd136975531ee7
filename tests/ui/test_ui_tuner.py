"""Practice ▸ Tuner…: the tuner on a synthetic tone through an input of its own, and on the live input."""

from __future__ import annotations

from tests.support.inputs import Inputs, tone
from tests.support.ui import make_window


def test_the_tuner_dialog_listens_to_an_input_of_its_own(qtbot, ui_env, themed_app, one_device):
    from buzzfinder_app.ui.services import Services
    from buzzfinder_app.ui.tuner import TunerDialog

    services = Services.open()
    inputs = Inputs(tone(196.0, cents=9))
    dialog = TunerDialog(services, services.settings, source_factory=inputs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.view.reading is not None, timeout=3000)
    assert dialog.view.reading.note == "G3" and dialog.view.reading.advice == "tune down"
    assert "Listening to Test Interface" in dialog.status.text()
    dialog.reject()
    assert inputs.live == []


def test_practice_tuner_follows_the_live_input_while_listening(qtbot, ui_env, themed_app, take, monkeypatch):
    """The take's first note is a G3 (196 Hz): the tuner hears it through the window's own input."""
    from buzzfinder_app.ui.tuner import TunerDialog

    dialogs = []
    monkeypatch.setattr(TunerDialog, "exec", lambda d: dialogs.append(d) or 0)
    w = make_window(input_file=take)
    qtbot.addWidget(w)
    assert w.start_listening()
    w.tuner_action.trigger()
    [dialog] = dialogs
    assert dialog.listener.source is None and "live page" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.view.reading is not None, timeout=5000)
    assert dialog.view.reading.string == 3 and dialog.view.reading.note == "G3"
    dialog.reject()
    w.stop_listening()
