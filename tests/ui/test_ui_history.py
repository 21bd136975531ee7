"""The history view populated from a session store."""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from PySide6.QtCore import Qt

from tests.support.ui import fill_store


def shown(view, row: int, column: int, role=Qt.DisplayRole):
    """What the sessions table shows (or its tooltip) at ``row``, ``column``."""
    return view.model.index(row, column).data(role)


def test_history_shows_sessions_summary_charts_and_buzz_map(qtbot, ui_env, themed_app):
    from buzzfinder_app.ui.history_view import HistoryView

    store = fill_store(days=6)
    view = HistoryView(store)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        view.refresh()
    sessions = store.sessions()
    assert view.model.rowCount() == len(sessions) == 6
    assert shown(view, 0, 4) == str(sessions[-1].note_count)  # newest first
    assert "6 sessions" in view.totals.text() and "repetitions" in view.totals.text()
    assert view.session_title.text() != "Select a session"  # the newest is selected
    view.table.selectRow(5)
    oldest = store.summary(sessions[0].id)
    assert f"{oldest.notes} notes" in view.session_text.text()
    assert "exercise:" in view.session_text.text() and "target: G string, fret 5 (C4)" in view.session_text.text()
    bars = [i for i in view.notes_chart.getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert len(bars) == 1
    assert len(view.share_chart.getPlotItem().listDataItems()) == 2
    assert len(view.success_chart.getPlotItem().listDataItems()) == 1
    cell = view.fretboard.cell_at(3, 5)
    assert cell is not None and 0 <= cell.buzzy_share <= 1
    assert len(view.fretboard.cells) == len(store.buzz_map())


def test_history_without_a_store_says_so(qtbot, themed_app):
    from buzzfinder_app.ui.history_view import HistoryView

    view = HistoryView(None)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=1000):
        view.refresh()
    assert "not available" in view.message.text()


def test_day_ticks_name_the_month(themed_app):
    from datetime import datetime

    from buzzfinder_app.ui.history_view import DayAxis

    noon = datetime(2026, 11, 18, 12).timestamp()
    axis = DayAxis(orientation="bottom")
    assert axis.tickStrings([noon, noon + 5 * 86400], 1.0, 86400) == ["18 Nov", "23 Nov"]


def test_a_file_session_shows_the_file_name_and_keeps_the_path_as_tooltip(qtbot, ui_env, themed_app, tmp_path):
    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView

    store = SessionStore()
    path = str(tmp_path / "takes" / "monday.wav")
    store.end_session(store.start_session(path, "free"))
    store.end_session(store.start_session("Scarlett 2i2 · input 2", "exercise"))
    view = HistoryView(store)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        view.refresh()
    texts = {shown(view, r, 3): shown(view, r, 3, Qt.ToolTipRole) for r in range(2)}
    assert texts == {"monday.wav": path, "Scarlett 2i2 · input 2": "Scarlett 2i2 · input 2"}


def _refreshed(qtbot, view):
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        view.refresh()


def test_after_a_refresh_the_details_show_the_highlighted_session(qtbot, ui_env, themed_app):
    from datetime import datetime, timedelta, timezone

    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView

    now = [datetime(2026, 12, 1, 18, tzinfo=timezone.utc)]
    store = SessionStore(clock=lambda: now[0])
    for day in range(4):
        now[0] += timedelta(days=1)
        sid = store.start_session("Test Interface", "free")
        for i in range(day + 2):
            store.add_note(sid, onset_s=i, label="clean", confidence=0.9)
        store.end_session(sid)
    view = HistoryView(store)
    qtbot.addWidget(view)
    view.show()
    _refreshed(qtbot, view)
    view.table.selectRow(2)
    chosen = view.sessions[2]
    now[0] += timedelta(days=1)
    store.end_session(store.start_session("Test Interface", "free"))  # a new row above it
    _refreshed(qtbot, view)
    row = view.table.selectionModel().selectedRows()[0].row()
    assert view.sessions[row].id == chosen.id
    started = datetime.fromisoformat(chosen.started_at).astimezone()
    assert view.session_title.text() == started.strftime("%A %d %B, %H:%M")
    assert view.session_text.text().startswith(f"{chosen.note_count} notes")
