"""The longest gap in the window's event loop (a 5-ms timer that records its longest interval) while
the app listens, during a device rescan and during a history refresh.

Run by ``app_bench.py`` with a virtual microphone as the default input (calibrated) and an empty
data folder: it writes ``--history`` sessions there (``bulk_history``), prints ``listening`` when
the microphone is open, measures for ``--seconds`` while the parent plays notes, then goes on alone
and prints one JSON line:

* ``idle`` / ``listening``: the window before listening (its own floor) and while listening (with
  ``engine_lag_ms``: the audio sent to the engine and not analysed yet, its max and median, and the
  blocks dropped because it passed ``MAX_LAG_S``);
* ``rescan``: Settings opened (PortAudio restarted to list the devices; the dialog itself is not
  shown), and ``rescan_on_gui_thread``: the same rescan called on the GUI thread;
* ``history_first`` / ``history_again``: the History tab opened, then (one session later) its
  Refresh button, and
  ``history_reads_on_gui_thread``: the history read session by session on the GUI thread (the
  window's reads before they left it).

Each figure is the longest interval in milliseconds (5 for a loop that never waits).
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests.support (buzzfinder_app: as installed)

from tests.support.ui import bulk_history  # noqa: E402

TICK_MS = 5


class GapProbe:
    """A 5-ms timer on the GUI thread; ``longest`` is its longest interval (ms) since ``reset``."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.reset()
        self.timer.start()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, (now - self.last) * 1000)
        self.last = now


def spin(seconds: float, until=None) -> None:
    """Run the event loop for ``seconds``, or until ``until()`` is true (checked every 10 ms)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    deadline = time.perf_counter() + seconds
    check = QTimer()
    check.setInterval(10)
    check.timeout.connect(lambda: (until is not None and until() or time.perf_counter() > deadline) and loop.quit())
    check.start()
    loop.exec()
    check.stop()


def measure(probe: GapProbe, action, done=lambda: True, settle_s: float = 0.3, timeout_s: float = 600) -> float:
    """The longest interval from just before ``action`` (run from the event loop) until ``done()``
    and ``settle_s`` after it."""
    from PySide6.QtCore import QTimer

    spin(settle_s)
    probe.reset()
    QTimer.singleShot(0, action)
    spin(timeout_s, done)
    spin(settle_s)
    return probe.longest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="how long to measure while listening")
    ap.add_argument("--repeats", type=int, default=5, help="rescans measured (the longest gap counts)")
    ap.add_argument("--history", type=int, default=1000, help="sessions written to the history first")
    args = ap.parse_args()
    faulthandler.enable()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    bulk_history(args.history)

    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui import live, main_window as mw
    from buzzfinder_app.ui.app import make_application

    app = make_application()
    w = mw.MainWindow(mw.LaunchOptions(ask_calibration=False))
    w.show()
    probe = GapProbe()
    result = {}
    spin(1.0)
    probe.reset()
    spin(3.0)
    result["idle"] = probe.longest

    assert w.start_listening(), w.banner.messages()
    print("listening", flush=True)
    spin(2.0)  # the first notes reach the engine
    probe.reset()
    lags = []
    w.live.lag.connect(lags.append)  # audio sent to the engine and not analysed yet, at every drain
    spin(args.seconds - 2.0)
    w.live.lag.disconnect(lags.append)
    result["listening"] = probe.longest
    result["listened_s"] = args.seconds - 2.0
    result["engine_lag_ms"] = {"max": 1000 * max(lags, default=0.0),
                               "median": 1000 * sorted(lags)[len(lags) // 2] if lags else 0.0,
                               "drops": w.live.engine_drops, "drain_ms": live.DRAIN_MS,
                               "limit_ms": 1000 * live.MAX_LAG_S}
    w.stop_listening()
    spin(10, lambda: not w.listening)

    opened = []
    mw.SettingsDialog.exec = lambda dlg: opened.append(dlg) or 0  # the rescan, not the dialog, is measured
    result["rescan"] = max(measure(probe, w.open_settings, lambda n=i: len(opened) > n)
                           for i in range(args.repeats))
    result["rescan_on_gui_thread"] = max(measure(probe, lambda: w.services.refresh_devices(rescan=True))
                                         for _ in range(args.repeats))

    view = w.history_view
    sessions = len(SessionStore().sessions())
    rows = lambda: view.table.model().rowCount() == sessions  # noqa: E731
    result["history_first"] = measure(probe, lambda: w.tabs.setCurrentWidget(view), rows)
    refreshed = []
    if hasattr(view, "refreshed"):  # the view reads off the GUI thread and says when it has shown it
        view.refreshed.connect(lambda: refreshed.append(1))
    else:
        view.refresh = (lambda refresh: lambda: (refresh(), refreshed.append(1)))(view.refresh)
    store = w.services.store  # one session more, so that the refresh has something new to show
    store.end_session(store.start_session("Test Interface", "free"))
    result["history_again"] = measure(probe, view.refresh, lambda: refreshed)

    def read_one_by_one():
        store = w.services.store
        sessions = store.sessions()
        store.daily_stats(), store.buzz_map(), {s.id: store.summary(s.id) for s in sessions}

    result["history_reads_on_gui_thread"] = measure(probe, read_one_by_one)
    result["history_sessions"] = sessions
    result["devices"] = [d["name"] if isinstance(d, dict) else d.name for d in w.services.devices]
    w.close()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
