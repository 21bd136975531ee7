"""Faults become banners, never crashes: no device, model missing, microphone unplugged, store failing."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app.audio.devices import InputDevice
from buzzfinder_app.constants import SAMPLE_RATE
from tests.support.models import copy_model, flip_bytes
from tests.support.signals import synth_pluck
from tests.support.ui import ArraySource, make_window


@pytest.fixture
def clip(tmp_path):
    """A one-note clip: a G3 pluck after 0.3 s of faint noise."""
    y = np.concatenate([np.zeros(int(0.3 * SAMPLE_RATE), np.float32), synth_pluck(196.0, 1.5)])
    y += np.random.default_rng(1).standard_normal(len(y)).astype(np.float32) * 1e-4
    sf.write(tmp_path / "clip.wav", y, SAMPLE_RATE)
    return tmp_path / "clip.wav"


def test_no_input_device_still_opens_with_recordings_and_history(qtbot, ui_env, themed_app, no_devices):
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    assert "No microphone" in w.banner.messages()["device"]
    assert w.listen_button.isEnabled() and not w.calibrate_button.isEnabled()  # starting looks again
    assert w.recordings_view.open_button.isEnabled()
    assert "no device" in w.device_status.text()
    w.toggle_listening()  # Space looks for a device again, finds none, does nothing harmful
    qtbot.waitUntil(lambda: not w.services.scanning, timeout=10000)
    assert not w.live.running and "No microphone" in w.banner.messages()["device"]
    with qtbot.waitSignal(w.history_view.refreshed, timeout=10000):
        w.tabs.setCurrentWidget(w.history_view)
    assert w.history_view.model.rowCount() == 0 and not w.history_view.message.isVisible()


def test_a_microphone_plugged_in_after_launch_is_found_when_listening_starts(qtbot, ui_env, themed_app, take,
                                                                             monkeypatch):
    """PortAudio lists devices when it starts: pressing Start listening asks it again (rescan)."""
    import buzzfinder_app.audio.mic as mic
    import buzzfinder_app.ui.main_window as mw
    from buzzfinder_app.audio.file import read_audio

    dev = InputDevice(index=3, name="USB Mic", is_default=True, max_input_channels=1, default_samplerate=48000.0)
    plugged, scans = [], []

    def devices(rescan=False):
        scans.append(rescan)
        return [dev] if plugged else []

    monkeypatch.setattr(mic, "list_input_devices", devices)
    monkeypatch.setattr(mw, "MicInput", lambda device, rate, device_name, channel=1: ArraySource(
        read_audio(take), chunk=2048, name=device_name))
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    assert "No microphone" in w.banner.messages()["device"] and scans == [False]
    plugged.append(True)
    assert not w.start_listening()  # it looks for devices first, off the GUI thread, then listens
    qtbot.waitUntil(lambda: w.live.running, timeout=10000)
    assert scans == [False, True] and "device" not in w.banner.messages()
    assert w.device_status.text() == "input: USB Mic" and w.calibrate_button.isEnabled() is False  # listening
    w.stop_listening()
    qtbot.waitUntil(lambda: not w.live.running, timeout=10000)
    assert w.start_listening() and scans == [False, True]  # a device is known: no rescan
    w.stop_listening()
    qtbot.waitUntil(lambda: not w.live.running, timeout=10000)


def test_missing_model_disables_analysis_with_the_reason(qtbot, ui_env, themed_app, one_device, monkeypatch):
    monkeypatch.setenv("BUZZFINDER_MODEL", str(ui_env / "nowhere" / "buzzfinder.tflite"))
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    text = w.banner.messages()["model"]
    assert "not found" in text and "nowhere" in text
    assert w.live is None and not w.listen_button.isEnabled()
    assert not w.recordings_view.open_button.isEnabled()
    assert "cannot be analysed" in w.recordings_view.message.text()
    assert w.model_status.text() == "model: none"
    from buzzfinder_app.ui.about import about_text

    assert "not loaded" in about_text(w.services)


def test_refused_model_names_the_problem(qtbot, ui_env, themed_app, no_devices, monkeypatch):
    bad = ui_env / "bad.tflite"
    bad.write_bytes(b"junk")
    (ui_env / "bad.json").write_text("{ not json")
    monkeypatch.setenv("BUZZFINDER_MODEL", str(bad))
    w = make_window()
    qtbot.addWidget(w)
    assert "not readable JSON" in w.banner.messages()["model"]


def test_microphone_unplugged_mid_session_stops_and_saves(qtbot, ui_env, themed_app, one_device, take, monkeypatch):
    from buzzfinder_app.audio.file import read_audio
    from buzzfinder_app.practice.sessions import SessionStore
    import buzzfinder_app.ui.main_window as mw

    y = read_audio(take)
    monkeypatch.setattr(mw, "MicInput",
                        lambda device, rate, device_name, channel=1: ArraySource(y, chunk=2048, fail_after=int(3.0 * 22050),
                                                                      name=device_name))
    w = make_window()
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.session.saved, timeout=15000):
        assert w.start_listening()
    assert "Microphone disconnected" in w.banner.messages()["device"]
    assert not w.live.running and not w.listen_button.isChecked()
    session = SessionStore().sessions()[-1]
    assert session.input == "Test Interface" and session.device == "Test Interface"
    assert session.ended_at is not None and session.note_count >= 1
    # Plugged back in, Space starts again: PortAudio is asked for the devices anew first.
    import buzzfinder_app.audio.mic as mic

    scans = []
    monkeypatch.setattr(mic, "list_input_devices", lambda rescan=False: scans.append(rescan) or [one_device])
    assert not w.start_listening()  # it looks for devices first, then listens
    qtbot.waitUntil(lambda: w.live.running, timeout=10000)
    assert scans == [True] and "device" not in w.banner.messages()
    w.stop_listening()
    qtbot.waitUntil(lambda: not w.live.running, timeout=10000)


def test_unwritable_data_dir_keeps_listening_without_saving(qtbot, ui_env, themed_app, no_devices, take,
                                                           monkeypatch):
    blocker = ui_env / "not-a-dir"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(blocker))
    w = make_window(input_file=take, speed=4.0)
    qtbot.addWidget(w)
    assert "cannot be saved" in w.banner.messages()["store"]
    assert w.store_status.text() == "history: not saving"
    with qtbot.waitSignal(w.file_done, timeout=20000):
        assert w.start_listening()
    assert w.counters.total_notes == 3


def test_store_failing_mid_session_shows_a_banner_once(qtbot, ui_env, themed_app, no_devices, take):
    from buzzfinder_app.practice.sessions import StoreError

    w = make_window(input_file=take, speed=4.0)
    qtbot.addWidget(w)
    calls = []

    def full(*a, **k):
        calls.append(1)
        raise StoreError("The disk holding your practice history is full.")

    w.services.store.add_note = full
    with qtbot.waitSignal(w.file_done, timeout=20000):
        assert w.start_listening()
    assert "disk holding your practice history is full" in w.banner.messages()["store"]
    assert "Listening continues" in w.banner.messages()["store"]
    assert len(calls) == 1 and w.counters.total_notes == 3


def test_the_app_shows_a_damaged_model_in_a_banner(qtbot, ui_env, themed_app, no_devices, monkeypatch):
    bad = copy_model(ui_env / "bad", damage=flip_bytes)
    monkeypatch.setenv("BUZZFINDER_MODEL", str(bad))
    w = make_window()
    qtbot.addWidget(w)
    text = w.banner.messages()["model"]
    assert text.startswith("The model could not be loaded: model file") and "is damaged" in text
    assert w.live is None and w.model_status.text() == "model: none"


def test_the_app_refits_an_empty_head_file(qtbot, ui_env, themed_app, one_device, clip):
    from buzzfinder_app.audio.file import read_audio
    from buzzfinder_app.model.runtime import Model
    from buzzfinder_app.personal.adapt import fit_profile
    from buzzfinder_app.personal.commands import strongest_note
    from buzzfinder_app.personal.profiles import ProfileStore

    store = ProfileStore()
    profile = store.create("Strat", device="Test Interface")
    window, _ = strongest_note(read_audio(clip))
    for label in ("clean", "muted", "clean"):
        store.add_note(profile, window, label, "teach")
    fit_profile(store, profile, Model.load())
    store.head_paths(profile)[0].write_bytes(b"")
    w = make_window()
    qtbot.addWidget(w)
    w.profiles.select("Strat")
    qtbot.waitUntil(lambda: not w.profiles.loading, timeout=20000)
    assert w.profiles.head is not None and w.profiles.head_enabled
    assert "not tuned to your guitar yet" not in w.profiles.status_text()
    assert store.head_paths(profile)[0].stat().st_size > 0


@pytest.mark.qt_no_exception_capture
def test_the_app_shows_an_uncaught_exception_and_logs_it(qtbot, ui_env, themed_app, take, no_devices):
    """A slot that raises (here the verdict card, on the first verdict) while a file plays: a banner says
    what failed and where the log is, the traceback is in the data folder's log, listening stops, and
    the notes heard so far are saved."""
    from buzzfinder_app.practice.paths import data_dir
    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.fault_log import LOG_NAME, installed

    w = make_window(input_file=take)
    qtbot.addWidget(w)
    original = w.card.show_verdict

    def broken(index, verdict, stage, *args):
        if stage == "final":
            raise ValueError("cannot convert float NaN to integer")
        return original(index, verdict, stage, *args)

    w.card.show_verdict = broken
    with installed(data_dir()), qtbot.waitSignal(w.session.saved, timeout=15000):
        assert w.start_listening()
    text = w.banner.messages()["fault"]
    log = data_dir() / LOG_NAME
    assert "verdict_card.show_note (ValueError: cannot convert float NaN to integer)" in text and str(log) in text
    assert "Traceback" in log.read_text() and "cannot convert float NaN" in log.read_text()
    assert not w.listen_button.isChecked()
    session = SessionStore().sessions()[-1]
    assert session.ended_at is not None and session.note_count >= 1


def test_the_calibrate_button_and_menu_agree(qtbot, ui_env, themed_app, no_devices):
    """No device: both are off and say why (the menu used to open a wizard with an empty device list)."""
    w = make_window()
    qtbot.addWidget(w)
    for control in (w.calibrate_button, w.calibrate_action):
        assert not control.isEnabled() and control.toolTip() == "No input device to calibrate"
    assert w.open_calibration() is False


def test_answers_still_on_their_way_when_the_window_closes_are_dropped(qtbot, ui_env, themed_app, no_devices):
    """Closing while the profile's head is being loaded: its answer, already sent, must not redraw the
    tabs being taken down (it once did, and a view's table was gone under it)."""
    w = make_window()
    qtbot.addWidget(w)
    control = w.profiles
    assert control.loading  # the worker thread is loading the head; its answer comes as an event
    redrawn = []
    control.changed.connect(lambda: redrawn.append(control.loading))
    w.close()  # stops the worker: the answer, if not delivered yet, waits in the queue
    qtbot.wait(300)
    assert redrawn == [] and control.head is None
