"""Screenshots of the app for a look by eye: the live view during the demo take, the recordings
view and the history view. Saved as PNGs in ``$BUZZFINDER_SCREENSHOT_DIR`` or ``tests/screenshots/``
(git-ignored); the path is printed. Runs offscreen by default; on an X display with
``xvfb-run -a env QT_QPA_PLATFORM=xcb python -m pytest tests/ui/test_ui_screenshots.py -s``."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.ui import fill_store, make_window

SIZE = (1360, 860)


def shot_dir() -> Path:
    path = Path(os.environ.get("BUZZFINDER_SCREENSHOT_DIR") or Path(__file__).parents[1] / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(widget, name: str) -> Path:
    path = shot_dir() / name
    assert widget.grab().save(str(path)), f"could not save {path}"
    print(f"\nscreenshot: {path}")
    return path


def demo_take(fallback: Path) -> Path:
    """The bundled self-test take (clean, buzzy and muted notes) when present, else the synthetic one."""
    from buzzfinder_app.model.runtime import assets_dir

    shipped = assets_dir() / "selftest" / "take.flac"
    return shipped if shipped.is_file() else fallback


def test_screenshots(qtbot, ui_env, themed_app, take, no_devices):
    from buzzfinder_app.practice.exercise import ExerciseSettings

    fill_store(days=8)
    take = demo_take(take)
    w = make_window(input_file=take, speed=3.0)
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.show()
    w.exercise_panel.apply_settings(ExerciseSettings(string=3, fret=5, finger=1, repetitions=5))
    w.exercise_panel.start_button.click()
    finals = []
    w.live.note_event.connect(lambda e: finals.append(e) if e.kind == "final" else None)
    assert w.start_listening()
    qtbot.waitUntil(lambda: len(finals) >= 3 and w.card.stage == "provisional", timeout=20000)
    qtbot.wait(150)  # let the waveform redraw
    live = save(w, "main_window_live.png")
    with qtbot.waitSignal(w.file_done, timeout=20000):
        pass

    with qtbot.waitSignal(w.recordings_view.analysis_finished, timeout=20000):
        w.open_recording(str(take))
    w.recordings_view.table.selectRow(1)
    w.recordings_view._highlight(1)
    recordings = save(w, "recordings_view.png")

    with qtbot.waitSignal(w.history_view.refreshed, timeout=10000):
        w.tabs.setCurrentWidget(w.history_view)
    history = save(w, "history_view.png")
    for path in (live, recordings, history):
        assert path.stat().st_size > 20_000


def test_stage_screenshots(qtbot, ui_env, themed_app, take, no_devices):
    """The stage view during the demo take, at a laptop's 1366 x 768 and a desktop's 1920 x 1080: each
    picture at the moment a note's final verdict arrives (its flash settled)."""
    from buzzfinder_app.practice.exercise import ExerciseSettings

    w = make_window(input_file=demo_take(take), speed=2.0)
    qtbot.addWidget(w)
    w.resize(*SIZE)
    w.show()
    w.session.retarget(ExerciseSettings(string=3, fret=5, finger=1, repetitions=5))
    view = w.stage.view  # drawn off screen at each size; F11 shows it full screen (test_ui_stage)
    sizes = [(1366, 768), (1920, 1080)]
    shots, labels = [], []

    def on_note(update) -> None:
        note = update.note
        if not (update.latest and note.final) or not sizes or note.label in labels:
            return  # each picture a different verdict
        view._flasher.stop()
        view._flash = 0.0
        view.resize(*sizes[0])
        shots.append(save(view, f"stage_view_{sizes[0][0]}x{sizes[0][1]}.png"))
        labels.append(note.label)
        sizes.pop(0)

    w.session.note_changed.connect(on_note)
    assert w.start_listening()
    qtbot.waitUntil(lambda: not sizes or not w.session.busy, timeout=30000)
    assert not sizes, f"the take gave too few verdicts for the pictures: {labels}"
    for path in shots:
        assert path.stat().st_size > 20_000


def test_neck_drill_screenshots(qtbot, ui_env, themed_app, no_devices):
    """The neck drill half-way along the G string (frets 1-12): found spots, one that took more
    pressure, one skipped, the current one ringed; at 1366 x 768 and 1920 x 1080."""
    from buzzfinder_app.practice.tuning import expected_pitch_hz
    from tests.support.ui import FakeEvent, verdict

    w = make_window()
    qtbot.addWidget(w)
    panel = w.exercise_panel
    panel.btn_neck.click()
    panel.neck_strings.setCurrentIndex(panel.neck_strings.findText("G string"))
    index = 0
    for fret, labels in ((1, "mbc"), (2, "mbbbc"), (3, "mbc"), (4, "mbbc"), (5, None), (6, "mbc")):
        if labels is None:
            w.session.next_repetition()  # skipped
            continue
        for letter in labels:
            label = {"m": "muted", "b": "buzzy", "c": "clean"}[letter]
            w.session.on_event(FakeEvent("final", index, index * 2.0, index * 2.0 + 2.0, verdict(label, 0.9),
                                         expected_pitch_hz(3, fret), None))
            index += 1
    w.session.on_event(FakeEvent("final", index, index * 2.0, index * 2.0 + 2.0, verdict("muted", 0.9), None, None))
    state = panel.neck_map.state
    assert state.current == (3, 7) and state.found == 5 and state.skipped == 1
    for size in ((1366, 768), (1920, 1080)):
        w.resize(*size)
        w.show()
        qtbot.wait(50)
        save(w, f"neck_drill_{size[0]}x{size[1]}.png")
