"""The history view populated from a session store."""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from PySide6.QtCore import Qt

from buzzfinder_app.ui.history_view import SESSION_COLUMNS
from tests.support.ui import fill_store, make_window


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
    charts = view.plots
    # painted only once drawn (an empty chart's first paint held the window), their room kept meanwhile
    assert not any(c.isVisible() for c in charts) and all(c.width() > 200 for c in charts)
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        view.refresh()
    assert all(c.isVisible() for c in charts)
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


def test_every_column_but_the_input_is_as_wide_as_its_texts_on_a_laptop(qtbot, ui_env, themed_app, no_devices):
    """At 1366 x 768 (less a 30-px panel) the Started column ("Wed 18 Nov 18:21") was a pixel short and
    cut its dates off; so was Mode's "exercise"."""
    from buzzfinder_app.ui.main_window import MINIMUM_SIZE, PREFERRED_SIZE, fit_window

    fill_store(days=6)
    w = make_window()
    qtbot.addWidget(w)
    w.resize(*fit_window(PREFERRED_SIZE, MINIMUM_SIZE, (1366, 738))[0])
    w.show()
    view = w.history_view
    with qtbot.waitSignal(view.refreshed, timeout=10000):
        w.tabs.setCurrentWidget(view)
    table, header = view.table, view.table.horizontalHeader()
    assert w.width() <= 1366 and table.isVisible()
    for column in (0, 1, 2, 4):  # Qt's own measure of the texts shown, grid line included
        assert header.sectionSize(column) >= table.sizeHintForColumn(column), SESSION_COLUMNS[column]
    assert header.sectionViewportPosition(4) + header.sectionSize(4) <= table.viewport().width()  # none scrolled away

def test_history_without_a_store_says_so(qtbot, themed_app):
    from buzzfinder_app.ui.history_view import HistoryView

    view = HistoryView(None)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.refreshed, timeout=1000):
        view.refresh()
    assert "not available" in view.message.text()
    assert view.notes_chart.isVisible()  # empty, not a hole


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


@pytest.fixture
def los_angeles():
    import os
    import time

    old = os.environ.get("TZ")
    os.environ["TZ"] = "America/Los_Angeles"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_days_are_the_players_local_days_with_whole_note_ticks_and_no_legend_on_the_data(
        qtbot, ui_env, themed_app, los_angeles):
    from datetime import datetime, timedelta, timezone

    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView

    # 6 Dec, 19:00-21:00 in Los Angeles: 7 Dec in UTC; three sessions in the evening
    now = [datetime(2026, 12, 7, 3, tzinfo=timezone.utc)]
    store = SessionStore(clock=lambda: now[0])
    for count in (1, 2, 3):
        sid = store.start_session("Test Interface", "free")
        for i in range(count):
            now[0] += timedelta(seconds=5)
            store.add_note(sid, onset_s=i, label="clean", confidence=0.9)
        store.end_session(sid)
        now[0] += timedelta(hours=1)
    view = HistoryView(store)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    _refreshed(qtbot, view)
    noon = datetime(2026, 12, 6, 12).timestamp()  # local noon
    for chart in (view.notes_chart, view.share_chart, view.success_chart):
        ticks = chart.getPlotItem().getAxis("bottom")._tickLevels
        assert ticks and [(round(x), text) for x, text in ticks[0]] == [(round(noon), "6 Dec")]
    bars = [i for i in view.notes_chart.getPlotItem().items if isinstance(i, pg.BarGraphItem)][0]
    assert list(bars.opts["height"]) == [6] and bars.opts["width"] >= 0.5 * 86400  # one day's bar
    left = view.notes_chart.getPlotItem().getAxis("left")._tickLevels
    assert left and all(float(v).is_integer() for v, _ in left[0])
    assert view.share_chart.getPlotItem().legend is None  # the title says which line is which
    assert "buzzy" in view.share_chart.getPlotItem().titleLabel.text


def test_one_session_and_one_note_are_singular(qtbot, ui_env, themed_app):
    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView

    store = SessionStore()
    sid = store.start_session("Test Interface", "free")
    store.add_note(sid, onset_s=0, label="clean", confidence=0.9)
    store.end_session(sid)
    view = HistoryView(store)
    qtbot.addWidget(view)
    _refreshed(qtbot, view)
    assert "1 session " in view.totals.text() + " " and "1 note " in view.totals.text() + " "
    assert "sessions" not in view.totals.text() and "1 notes" not in view.totals.text()
    assert view.session_text.text().startswith("1 note ·")


def test_one_repetition_is_singular(qtbot, ui_env, themed_app):
    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView

    store = SessionStore()
    sid = store.start_session("Test Interface", "exercise", {"string": 3, "fret": 5, "finger": 1, "repetitions": 1})
    for step, label in enumerate(("muted", "buzzy", "clean"), 1):
        store.add_note(sid, onset_s=step, label=label, confidence=0.9, step=step, repetition=1, target="3:5",
                       outcome="success" if label == "clean" else "advance")
    store.end_session(sid)
    view = HistoryView(store)
    qtbot.addWidget(view)
    _refreshed(qtbot, view)
    assert "1 of 1 repetition found the lightest clean pressure" in view.totals.text()
    assert "exercise: 1 of 1 repetition succeeded" in view.session_text.text()

def test_count_and_day_ticks(themed_app):
    from datetime import date

    from buzzfinder_app.ui.history_view import count_ticks, day_ticks

    assert [v for v, _ in count_ticks(3)] == [0, 1, 2, 3]
    assert [t for _, t in count_ticks(23)] == ["0", "5", "10", "15", "20", "25"]
    assert all(float(v).is_integer() for v, _ in count_ticks(1234))
    ticks = day_ticks([date(2026, 11, 1), date(2026, 12, 6)])
    assert len(ticks) <= 4 and ticks[0][1] == "1 Nov"
    assert [t for _, t in day_ticks([date(2026, 12, 6)])] == ["6 Dec"]


def test_progress_card_says_goal_streak_and_spots_in_words(qtbot, ui_env, themed_app):
    from datetime import datetime, timedelta, timezone

    from buzzfinder_app.practice.sessions import SessionStore
    from buzzfinder_app.ui.history_view import HistoryView
    from buzzfinder_app.ui.settings import AppSettings

    now = [datetime(2026, 12, 5, 18, tzinfo=timezone.utc)]
    store = SessionStore(clock=lambda: now[0])
    for day, (target, ok) in enumerate([("3:5", True), ("2:3", False)]):
        now[0] = datetime(2026, 12, 5 + day, 18, tzinfo=timezone.utc)
        sid = store.start_session("Test Interface", "exercise")
        store.add_note(sid, onset_s=0, label="clean", confidence=0.9, target=target, repetition=1,
                       outcome="success" if ok else "fail")
        now[0] += timedelta(minutes=4)
        store.end_session(sid)
    settings = AppSettings()
    assert settings.daily_goal == ("minutes", 10)  # the default
    view = HistoryView(store, settings=settings, clock=lambda: datetime(2026, 12, 6, 20, tzinfo=timezone.utc))
    qtbot.addWidget(view)
    view.show()
    _refreshed(qtbot, view)
    card = view.progress_card
    assert card.goal_text.text() == "Today: 4 of 10 minutes practised."
    assert card.goal_bar.value() == 4 and card.goal_bar.maximum() == 10
    assert card.streak_text.text() == "2 days in a row with practice."
    assert card.spots_text.text() == "Lightest clean pressure found on 1 of 2 spots this week."
    assert sum(1 for m in card.strip.progress.days.values() if m) == 2
    settings.daily_goal = ("repetitions", 1)
    _refreshed(qtbot, view)
    assert card.goal_text.text() == "Today: 1 repetition, the daily goal of 1 is reached."


def test_the_daily_goal_is_set_in_settings(qtbot, ui_env, themed_app):
    from buzzfinder_app.ui.settings import AppSettings, SettingsDialog

    settings = AppSettings()
    dlg = SettingsDialog(settings, [])
    qtbot.addWidget(dlg)
    assert dlg.goal_box.currentData() == "minutes:10"
    dlg.goal_box.setCurrentIndex(dlg.goal_box.findData("repetitions:20"))
    dlg.accept()
    assert AppSettings().daily_goal == ("repetitions", 20)
    settings.q.setValue("practice/daily_goal", "laps:x")
    assert settings.daily_goal == ("minutes", 10)
