"""The live view driven by a file played in real time: verdict card, chips, store, GUI stalls."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from buzzfinder_app.constants import PROVISIONAL_S

from tests.support.ui import make_window


class StallWatchdog:
    """A 10 ms timer on the GUI thread.

    ``worst_ms``: the largest lateness of a tick (wall clock, includes the OS scheduler and GIL
    waits on a loaded machine); ``worst_busy_ms``: the most CPU time the GUI thread itself spent
    between two ticks (our own work: drain, redraw, event handlers, painting).
    """

    def __init__(self, interval_ms: int = 10):
        self.interval = interval_ms / 1000
        self.lateness: list[float] = []
        self.busy: list[float] = []
        self._last = self._last_cpu = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self):
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self.timer.start()

    def stop(self):
        self.timer.stop()

    def _tick(self):
        now, cpu = time.perf_counter(), time.thread_time()
        self.lateness.append(max(0.0, (now - self._last - self.interval) * 1000))
        self.busy.append((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu

    @property
    def worst_ms(self) -> float:
        return max(self.lateness, default=0.0)

    @property
    def worst_busy_ms(self) -> float:
        return max(self.busy, default=0.0)

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.lateness, q)) if self.lateness else 0.0

    def report(self) -> str:
        return (f"GUI thread over {len(self.lateness)} ticks: busy at most {self.worst_busy_ms:.1f} ms; "
                f"timer lateness p50 {self.percentile_ms(50):.1f} ms, p95 {self.percentile_ms(95):.1f} ms, "
                f"p99 {self.percentile_ms(99):.1f} ms, max {self.worst_ms:.1f} ms")


def muted_judge(features: np.ndarray) -> np.ndarray:
    """A deterministic classifier: every window is muted (0.9), so every verdict shown can be checked."""
    return np.tile(np.array([[0.05, 0.05, 0.9]], np.float32), (len(features), 1))  # buzzy, clean, muted


def test_file_plays_through_the_engine_into_a_stored_session(qtbot, ui_env, take, themed_app, no_devices):
    from buzzfinder_app.practice.sessions import SessionStore

    w = make_window(input_file=take)
    qtbot.addWidget(w)
    w.show()
    assert w.live is not None, w.banner.messages()
    qtbot.waitUntil(lambda: not w.profiles.loading, timeout=10000)  # the profile sets its own judge first
    w.live.configure(classify=muted_judge)
    assert "device" not in w.banner.messages()  # file mode never complains about the microphone
    shown, arrived = [], {}
    w.live.note_event.connect(lambda e: shown.append((e.kind, e.index, w.card.stage, w.card.label)))
    w.live.note_event.connect(lambda e: arrived.setdefault((e.kind, e.index), (time.monotonic(), e.onset_s)))
    dog = StallWatchdog()
    dog.start()
    assert w.start_listening()
    assert w.listen_button.isChecked()
    with qtbot.waitSignal(w.file_done, timeout=20000):
        pass
    dog.stop()
    print("\n" + dog.report())

    kinds = [(k, i) for k, i, _, _ in shown]
    for i in range(3):
        assert ("onset", i) in kinds and ("provisional", i) in kinds and ("final", i) in kinds
        assert kinds.index(("provisional", i)) < kinds.index(("final", i))
    # the provisional verdict is on the card within about 0.5 s of the note's start (wall clock)
    t0 = w.live.source._t0
    delays = [arrived[("provisional", i)][0] - (t0 + arrived[("provisional", i)][1]) for i in range(3)]
    print(f"\nprovisional verdict shown {', '.join(f'{d:.3f}' for d in delays)} s after each onset")
    # PROVISIONAL_S of audio plus the drain and the engine (about 30 ms more on an idle machine; a CPU
    # shared four ways delays it): always well before the final verdict, 2 s after the onset.
    assert all(PROVISIONAL_S - 0.01 < d < 1.5 for d in delays), delays
    stages = [(stage, i) for k, i, stage, _ in shown if k != "onset"]
    assert ("provisional", 0) in stages and ("final", 2) in stages
    assert w.card.stage == "final" and w.card.note_index == 2
    assert w.card.label == "muted" and w.card.bars["muted"].value == pytest.approx(0.9)
    assert [c.index for c in w.chips.chips] == [0, 1, 2] and all(c.final for c in w.chips.chips)
    assert [c.label for c in w.chips.chips] == ["muted"] * 3
    assert w.counters.total_notes == 3 and w.counters.counts["muted"] == 3
    assert not w.listen_button.isChecked()

    store = SessionStore()
    session = store.sessions()[-1]
    assert session.input == str(take.resolve())
    assert session.ended_at is not None
    notes = store.notes(session.id)
    assert [n.label for n in notes] == ["muted"] * 3
    assert np.allclose([n.onset_s for n in notes], [0.4, 2.2, 4.0], atol=0.05)
    saved = w.statusBar().currentMessage()
    assert saved.startswith("Session saved: 3 notes (3 muted)") and "History" in saved, saved
    # Our own work never blocks the GUI thread for 50 ms; wall-clock lateness also counts the OS
    # scheduler on a shared, loaded machine, so only its 95th percentile is held to the same bound.
    assert dog.worst_busy_ms < 50, dog.report()
    assert dog.percentile_ms(95) < 50, dog.report()
    w.close()


def test_playback_source_paces_by_the_clock_and_loops(take):
    from buzzfinder_app.audio.sources import FilePlaybackSource

    now = [0.0]
    src = FilePlaybackSource(take, loop=True, clock=lambda: now[0])
    src.start()
    assert len(src.read()) == 0
    now[0] = 0.5
    assert len(src.read()) == 11025
    now[0] = 10.0  # longer than the take: wraps around
    got = src.read()
    assert len(got) == 22050 * 10 - 11025
    assert src.loops >= 1 and src.duration_s and not src.done

    once = FilePlaybackSource(take, clock=lambda: now[0])
    now[0] = 0.0
    once.start()
    now[0] = 100.0
    y = once.read()
    assert once.done and abs(len(y) / 22050 - once.duration_s) < 1e-6
    assert len(once.read()) == 0


def test_the_meter_shows_levels_without_the_dc_offset_and_clipping_as_it_is(qtbot, ui_env, themed_app):
    from buzzfinder_app.model.runtime import Model
    from buzzfinder_app.ui.live import LiveController
    from tests.support.ui import ArraySource

    rng = np.random.default_rng(0)
    hiss = (rng.standard_normal(22050) * 1e-4).astype(np.float32)  # -80 dBFS
    live = LiveController(Model.load())
    readings = []
    live.level.connect(lambda rms, peak, clipped: readings.append((rms, peak, clipped)))
    live.start(ArraySource(np.r_[hiss + 0.05, np.ones(2048, np.float32)], chunk=2048))  # -26 dBFS of offset
    qtbot.waitUntil(lambda: len(readings) >= 11, timeout=5000)
    live.shutdown()
    assert max(rms for rms, _, _ in readings[2:10]) < -70
    assert not any(clipped for *_, clipped in readings[:10]) and readings[10][2]


def test_an_engine_slower_than_the_input_drops_and_counts_instead_of_drifting(qtbot, ui_env, themed_app):
    """A judge that takes 0.4 s per look (a computer too slow for the model): the queue for the engine
    never holds much more than MAX_LAG_S of audio; what could not wait is dropped and counted."""
    from buzzfinder_app.model.runtime import Model
    from buzzfinder_app.ui.live import MAX_LAG_S, LiveController
    from tests.support.signals import synth_pluck
    from tests.support.ui import ArraySource

    model = Model.load()

    def slow(features):
        time.sleep(0.4)
        return model.predict(features)

    y = np.concatenate([np.concatenate([synth_pluck(196.0, 0.6, seed=i), np.zeros(2000, np.float32)])
                        for i in range(12)])
    live = LiveController(model)
    live.configure(classify=slow)
    lags, drops, events = [], [], []
    live.lag.connect(lags.append)
    live.dropped.connect(lambda by_input, by_engine: drops.append(by_engine))
    live.note_event.connect(events.append)
    assert live.start(ArraySource(y, chunk=1024))
    qtbot.waitUntil(lambda: live.source.pos >= len(y), timeout=20000)
    live.stop()
    qtbot.waitUntil(lambda: not live.running, timeout=20000)
    block_s = 1024 / 22050
    assert max(lags) <= MAX_LAG_S + block_s + 1e-6, max(lags)
    assert live.engine_drops > 0 and drops[-1] == live.engine_drops
    assert any(e.kind == "final" for e in events)
    live.shutdown()


def test_a_run_cannot_start_while_the_last_one_is_still_ending(qtbot, ui_env, themed_app, no_devices):
    """Stop, then Start before the last verdicts are in: refused, and the stopped session is saved."""
    from tests.support.signals import synth_pluck
    from tests.support.ui import ArraySource

    w = make_window()
    qtbot.addWidget(w)
    y = np.concatenate([np.zeros(3000, np.float32), synth_pluck(196.0, 1.0)])
    assert w.session.start(ArraySource(y, chunk=4096), "Test Interface")
    qtbot.waitUntil(lambda: w.live.source.pos >= len(y), timeout=10000)
    with qtbot.waitSignal(w.session.saved, timeout=10000) as saved:
        w.session.stop()
        assert w.session.busy and not w.session.start(ArraySource(y), "Test Interface")
    assert saved.args[0] == 1
    assert w.services.store.sessions()[-1].ended_at is not None
    assert w.session.start(ArraySource(y), "Test Interface")
