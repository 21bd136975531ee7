"""Sound cues: off by default, a tick for a final clean verdict and a double blip for a buzzy one, the
volume in the Settings; without an audio output, quiet and said once in the status bar."""

from __future__ import annotations

import pytest

from tests.support.ui import FakeEvent, verdict
from tests.ui.test_ui_stage import _play, _window


class FakeOutput:
    def __init__(self, fail: bool = False):
        self.fail, self.played = fail, []

    def play(self, kind, volume):
        from buzzfinder_app.audio.cues import CueUnavailable

        if self.fail:
            raise CueUnavailable("sound cues are off: no audio output device")
        self.played.append((kind, volume))


def test_settings_turn_cues_on_and_set_their_volume(qtbot, ui_env, themed_app, one_device):
    from buzzfinder_app.ui.settings import AppSettings, SettingsDialog

    settings = AppSettings()
    assert settings.cues_enabled is False and 0 < settings.cues_volume <= 1
    dlg = SettingsDialog(settings, [one_device])
    qtbot.addWidget(dlg)
    box = dlg.cues
    assert not box.enabled.isChecked() and not box.volume.isEnabled()
    box.enabled.setChecked(True)
    assert box.volume.isEnabled()
    box.volume.setValue(60)
    assert box.volume_label.text() == "60 %"
    box.output = FakeOutput(fail=True)
    box.try_button.click()  # no output: said in the box, nothing raised
    assert "no audio output" in box.note.text()
    dlg.accept()
    again = AppSettings()
    assert again.cues_enabled is True and again.cues_volume == pytest.approx(0.6)


def test_sound_cues_play_the_newest_notes_final_clean_or_buzzy_verdict(qtbot, ui_env, themed_app):
    from buzzfinder_app.ui.cues import SoundCues
    from buzzfinder_app.ui.live_session import LiveSession
    from buzzfinder_app.ui.settings import AppSettings

    session = LiveSession(None, None)
    settings = AppSettings()
    cues = SoundCues(session, settings, FakeOutput())
    settings.cues_enabled, settings.cues_volume = True, 0.4
    session.on_event(FakeEvent("onset", 1, 3.0, 3.0))
    session.on_event(FakeEvent("provisional", 1, 3.0, 3.4, verdict("clean")))
    session.on_event(FakeEvent("final", 0, 0.0, 3.5, verdict("buzzy")))  # a late verdict of an older note
    assert cues.output.played == []
    session.on_event(FakeEvent("final", 1, 3.0, 5.0, verdict("clean")))
    assert cues.output.played == [("clean", 0.4)]
    cues.output.fail = True
    with qtbot.waitSignal(cues.unavailable) as said:
        session.on_event(FakeEvent("final", 2, 6.0, 8.0, verdict("buzzy")))
    assert "no audio output" in said.args[0]
    cues.output.fail = False
    session.on_event(FakeEvent("final", 3, 9.0, 11.0, verdict("clean")))
    assert cues.output.played == [("clean", 0.4)]  # off for the rest of the run of the app


def test_cues_are_off_by_default_and_play_for_clean_and_buzzy_finals(qtbot, ui_env, themed_app, no_devices):
    w = _window(qtbot)
    cues = w.stage.cues
    cues.output = FakeOutput()
    assert w.settings.cues_enabled is False
    _play(w, 0, "clean")
    assert cues.output.played == []  # off by default
    w.settings.cues_enabled = True
    w.settings.cues_volume = 0.25
    _play(w, 1, "clean")
    _play(w, 2, "buzzy")
    _play(w, 3, "muted")
    _play(w, 4, "unsure")
    assert cues.output.played == [("clean", 0.25), ("buzzy", 0.25)]  # finals only, one each


def test_without_an_audio_output_cues_go_quiet_with_one_status_note(qtbot, ui_env, themed_app, no_devices,
                                                                     monkeypatch):
    import sounddevice

    def no_output(*_a, **_k):
        raise sounddevice.PortAudioError("Error querying device -1")

    played = []
    monkeypatch.setattr(sounddevice, "query_devices", no_output)
    monkeypatch.setattr(sounddevice, "play", lambda *a, **k: played.append(a))
    w = _window(qtbot)
    w.show()
    w.settings.cues_enabled = True
    _play(w, 0, "clean")
    _play(w, 1, "buzzy")
    assert played == [] and w.stage.cues.off_reason
    notes = [lab for lab in w.statusBar().findChildren(type(w.stage.cue_note)) if "sound cues" in lab.text()]
    assert len(notes) == 1 and "no audio output" in notes[0].text() and notes[0].isVisible()
