"""The recordings view: analyse a file in a worker, timeline marks, play a note, CSV, errors, cancel."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from tests.support.ui import make_take, make_window, model_path


def _view(qtbot):
    from buzzfinder_app.ui.recordings_view import RecordingsView

    view = RecordingsView(model_path())
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    return view


def test_analyses_a_file_and_plays_and_exports_notes(qtbot, ui_env, themed_app, take, tmp_path):
    view = _view(qtbot)
    progress = []
    view.worker.progress.connect(progress.append)
    with qtbot.waitSignal(view.analysis_finished, timeout=20000) as sig:
        view.open_file(str(take))
        assert view.busy and view.cancel_button.isVisible()
    result = sig.args[0]
    assert not view.busy and progress and progress[-1] == 1.0
    assert [round(e.onset_s, 1) for e in result.notes] == [0.4, 2.2, 4.0]
    assert view.table.rowCount() == 3
    assert len(view.scatter.points()) == 3 and len(view._marks) == 3
    assert "3 notes" in view.summary.text()

    played = []
    view.player = lambda samples, rate: played.append((len(samples), rate))
    view._on_mark_clicked(view.scatter, [view.scatter.points()[1]])
    assert view.table.currentRow() == 1
    n = int((result.notes[2].onset_s - result.notes[1].onset_s) * 22050) + 1024
    assert played and abs(played[0][0] - n) <= 2 and played[0][1] == 22050

    def broken(*_):
        raise RuntimeError("the stream is busy")

    view.player = broken
    assert not view.play_note(0)
    assert "the stream is busy" in view.message.text()  # shown, not raised

    out = view.export_csv(str(tmp_path / "notes.csv"))
    rows = list(csv.DictReader(open(out)))
    assert [r["index"] for r in rows] == ["1", "2", "3"]
    assert {r["label"] for r in rows} <= {"clean", "buzzy", "muted", "unsure"}
    assert abs(float(rows[1]["onset_s"]) - 2.2) < 0.05
    view.shutdown()


def test_unreadable_file_shows_the_reason(qtbot, ui_env, themed_app, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"this is not audio at all" * 10)
    view = _view(qtbot)
    with qtbot.waitSignal(view.worker.failed, timeout=10000):
        view.open_file(str(bad))
    qtbot.waitUntil(lambda: not view.busy)
    assert "bad.wav" in view.message.text() and view.open_button.isEnabled()
    view.shutdown()


def test_cancel_stops_a_long_analysis(qtbot, ui_env, themed_app, tmp_path):
    long_take = make_take(tmp_path / "long.wav", notes=[(196.0 + 10 * i, False) for i in range(40)])
    view = _view(qtbot)
    with qtbot.waitSignal(view.worker.cancelled, timeout=20000):
        view.open_file(str(long_take))
        qtbot.waitUntil(lambda: view.progress.value() > 0, timeout=10000)
        view.cancel()
    # the view hears the worker's signal in its own slot, which may run after the test's
    qtbot.waitUntil(lambda: not view.busy and "cancelled" in view.file_label.text(), timeout=5000)
    view.shutdown()


def test_window_opens_recordings_without_a_microphone(qtbot, ui_env, themed_app, take, no_devices):
    w = make_window()
    qtbot.addWidget(w)
    assert "device" in w.banner.messages()
    with qtbot.waitSignal(w.recordings_view.analysis_finished, timeout=20000):
        w.open_recording(str(take))
    assert w.tabs.currentWidget() is w.recordings_view
    assert w.recordings_view.table.rowCount() == 3
    assert np.isfinite(w.recordings_view.result.duration_s)


def test_an_empty_timeline_reads_0_to_10_seconds_with_a_hint(qtbot, ui_env, themed_app):
    view = _view(qtbot)
    lo, hi = view.plot.getPlotItem().viewRange()[0]
    assert -0.5 <= lo <= 0 and 10 <= hi <= 10.5
    axis = view.plot.getPlotItem().getAxis("bottom")
    assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    assert view.hint.isVisible() and "Open a recording" in view.hint.toPlainText()
    view.shutdown()


def test_no_output_device_is_said_in_plain_words_and_the_layout_keeps_still(qtbot, ui_env, themed_app, take):
    import sounddevice as sd

    view = _view(qtbot)
    with qtbot.waitSignal(view.analysis_finished, timeout=20000):
        view.open_file(str(take))
    assert not view.hint.isVisible()
    top = view.plot.mapTo(view, view.plot.rect().topLeft()).y()

    def no_device(*_):
        raise sd.PortAudioError("Error querying device -1")

    view.player = no_device
    assert not view.play_note(1)
    assert view.message.text() == "No audio output device: the note cannot be played."
    qtbot.wait(50)
    assert view.plot.mapTo(view, view.plot.rect().topLeft()).y() == top
    view.shutdown()


def test_open_recording_starts_in_the_last_folder_or_the_music_or_home_folder(qtbot, ui_env, themed_app, monkeypatch,
                                                                               tmp_path):
    """Not the folder the app was started from (the repository, for a developer)."""
    from PySide6.QtWidgets import QFileDialog

    from buzzfinder_app.ui.recordings_view import RecordingsView
    from buzzfinder_app.ui.settings import AppSettings

    settings = AppSettings()
    view = RecordingsView(None, settings=settings)
    qtbot.addWidget(view)
    view.open_button.setEnabled(True)
    asked = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a: asked.append(a[2]) or ("", ""))
    view.open_file()
    assert asked[-1] and Path(asked[-1]).is_dir() and Path(asked[-1]) != Path.cwd()
    settings.recordings_folder = tmp_path
    view.open_file()
    assert asked[-1] == str(tmp_path)


def test_one_data_folder_holds_the_settings_too(monkeypatch, tmp_path):
    """BUZZFINDER_DATA_DIR alone puts the settings and calibrations beside the history."""
    from buzzfinder_app.practice.paths import config_dir
    from buzzfinder_app.ui.settings import make_qsettings

    monkeypatch.delenv("BUZZFINDER_CONFIG_DIR", raising=False)
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(tmp_path / "portable"))
    assert config_dir() == tmp_path / "portable"
    assert Path(make_qsettings().fileName()) == tmp_path / "portable" / "buzzfinder.ini"
    monkeypatch.setenv("BUZZFINDER_CONFIG_DIR", str(tmp_path / "config"))
    assert Path(make_qsettings().fileName()) == tmp_path / "config" / "buzzfinder.ini"
