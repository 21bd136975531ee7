"""History: past sessions, the selected session's summary, charts over time and the buzz map.

Everything is read from :class:`buzzfinder_app.practice.sessions.SessionStore` (its
:meth:`~buzzfinder_app.practice.sessions.SessionStore.history`, a few queries however long the
history) on a thread of its own, over a read-only connection of its own: the window never waits
for the reads, nor for the session recorder's commits. A store that cannot be read shows its
message instead. The table asks only for the rows it shows.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from datetime import datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pyqtgraph as pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget,
)

from buzzfinder_app.practice.progress import DEFAULT_GOAL, parse_time, store_progress
from buzzfinder_app.practice.sessions import SessionStore
from buzzfinder_app.practice.tuning import STRING_NAMES, spot_name
from buzzfinder_app.ui.widgets.tables import read_only_view
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption
from buzzfinder_app.ui.widgets.fretboard import FretboardMap
from buzzfinder_app.ui.widgets.progress_card import ProgressCard
from buzzfinder_app.words import plural

SESSION_COLUMNS = ("Started", "Length", "Mode", "Input", "Notes")
#: Before the reading starts, and between one chart and the next: the window paints meanwhile.
STEP_MS = 1
#: At most this many date ticks under a chart (a third of the window wide holds four).
MAX_DAY_TICKS = 4


def day_x(day) -> float:
    """Where a calendar day sits on the charts' time axis: its local noon."""
    return datetime.combine(day, dtime(12)).astimezone().timestamp()


def day_ticks(days) -> list[tuple[float, str]]:
    """Date ticks for the player's local calendar ``days`` (oldest first), each at its day's
    position, every n-th day when there are more than :data:`MAX_DAY_TICKS`."""
    if not days:
        return []
    first, last = days[0], days[-1]
    span = (last - first).days + 1
    step = max(1, -(-span // MAX_DAY_TICKS))
    ticks = []
    for i in range(0, span, step):
        d = first + timedelta(days=i)
        ticks.append((day_x(d), f"{d.day} {d:%b}"))
    return ticks


def count_ticks(top: float, most: int = 5) -> list[tuple[float, str]]:
    """Whole-number ticks from 0 up to ``top``: counts of notes have no halves."""
    step = 1
    while top / step > most:
        step = _next_step(step)
    return [(float(v), str(v)) for v in range(0, int(top) + step, step)]


def _next_step(step: int) -> int:
    """1, 2, 5, 10, 20, 50, ..."""
    lead = int(str(step)[0])
    return step * 2 if lead in (1, 5) else step * 5 // 2



def _length(start: str, end: str | None) -> str:
    a, b = parse_time(start), parse_time(end)
    if a is None or b is None:
        return "–"
    m, s = divmod(max(0, int((b - a).total_seconds())), 60)
    return f"{m}:{s:02d}"


class DayAxis(pg.DateAxisItem):
    """A date axis whose day ticks name the month too ("18 Nov", not a bare "18")."""

    def tickStrings(self, values, scale, spacing):
        if spacing >= 24 * 3600:
            days = [datetime.fromtimestamp(v) if v > 0 else None for v in values]
            return [f"{d.day} {d:%b}" if d else "" for d in days]
        return super().tickStrings(values, scale, spacing)


def _chart(title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background=P.SURFACE, axisItems={"bottom": DayAxis(orientation="bottom")})
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.setTitle(f"<span style='color:{P.TEXT_DIM};font-size:9pt'>{title}</span>")
    item.showGrid(x=False, y=True, alpha=0.15)
    plot.setMouseEnabled(x=False, y=False)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setPen(pg.mkPen(P.BORDER))
        item.getAxis(axis).setTextPen(pg.mkPen(P.TEXT_DIM))
    item.getAxis("left").setWidth(36)
    plot.setMinimumHeight(150)
    # Shown once drawn (:meth:`HistoryView._draw_charts`), its room kept meanwhile: painted empty as
    # the tab first opens, the three charts' axes held the window for 20 ms.
    plot.sizePolicy().setRetainSizeWhenHidden(True)
    plot.hide()
    return plot


def _cells(s) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The table's texts of a session (``SESSION_COLUMNS``) and their tooltips."""
    started = parse_time(s.started_at)
    tips = (started.astimezone().strftime("%a %d %b %H:%M") if started else s.started_at,
            _length(s.started_at, s.ended_at), "exercise" if s.mode == "exercise" else s.mode, s.input,
            str(s.note_count))
    # a file played as the microphone shows its name; the tooltip has the whole path
    shown = Path(s.input).name if Path(s.input).is_absolute() else s.input
    return (*tips[:3], shown, tips[4]), tips


# Looked up once: the view asks for each cell it shows several times over, and a role looked up as
# ``Qt.DisplayRole`` costs more than the rest of the answer (a third of a paint).
_DISPLAY, _TOOLTIP, _ALIGNMENT = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                                  Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


class SessionTable(QAbstractTableModel):
    """The sessions, newest first, with their texts worked out beforehand (off the GUI thread)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def set_rows(self, rows: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        """Each row's texts and tooltips (:func:`_cells`)."""
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(SESSION_COLUMNS)

    def headerData(self, section, orientation, role=_DISPLAY):
        if role == _DISPLAY and orientation == Qt.Orientation.Horizontal:
            return SESSION_COLUMNS[section]
        return None

    def data(self, index, role=_DISPLAY):
        if role == _DISPLAY:
            return self.rows[index.row()][0][index.column()]
        if role == _TOOLTIP:
            return self.rows[index.row()][1][index.column()]
        if role == _ALIGNMENT and index.column() == 4:
            return _RIGHT
        return None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a while. Reading a long history makes a hundred thousand
    short-lived rows; counted by the collector, they set off a full collection of the whole app,
    which holds the GIL, and so the window, for 20-40 ms. Freed as soon as they are used, they never
    need it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _share_axes(chart: pg.PlotWidget, x_range: tuple[float, float] | None) -> None:
    """0-100 % up the side (markers at 0 % stay whole), and the time axis the charts share."""
    item = chart.getPlotItem()
    item.setYRange(-0.04, 1.05, padding=0)
    item.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
    if x_range:
        item.setXRange(*x_range, padding=0.02)


class HistoryView(QWidget):
    #: The history read last is on screen (each :meth:`refresh` ends with it, or with a message).
    refreshed = Signal()
    _read = Signal(object)  # from the reading thread: (History, the table's rows) or the exception

    def __init__(self, store, parent=None, settings=None, clock=None):
        super().__init__(parent)
        self.store = store
        self.settings = settings  # AppSettings, for the daily goal (None: the stored preferences)
        self.clock = clock  # "now" for the progress card (None: the wall clock)
        self._goal = DEFAULT_GOAL
        self.sessions = []
        self.summaries = {}
        self._reader: SessionStore | None = None  # its own read-only connection, on the reading thread
        self._reading: threading.Thread | None = None
        self._again = False  # refreshed while reading: read again once it is done
        self._charts: Iterator[None] | None = None  # the charts still to draw
        self._read.connect(self._show)

        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.hide()
        self.totals = QLabel("")
        self.totals.setObjectName("h2")
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.totals, 1)
        top.addWidget(refresh)

        self.model = SessionTable(self)
        self.table = read_only_view(self.model)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.selectionModel().selectionChanged.connect(self._selected)

        self.session_card = QFrame()
        self.session_card.setObjectName("card")
        sl = QVBoxLayout(self.session_card)
        sl.setContentsMargins(16, 10, 16, 12)
        sl.addWidget(caption("SELECTED SESSION"))
        self.session_title = QLabel("Select a session")
        self.session_title.setObjectName("h2")
        self.session_text = QLabel("")
        self.session_text.setWordWrap(True)
        self.session_text.setTextFormat(Qt.RichText)
        self.session_text.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        sl.addWidget(self.session_title)
        sl.addWidget(self.session_text, 1)
        self.session_card.setMinimumHeight(190)

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(caption("SESSIONS"))
        left.addWidget(self.table, 1)
        left.addWidget(self.session_card)

        self.notes_chart = _chart("Notes per day")
        # the title is the legend: a legend inside the plot covers the data
        buzzy, muted = P.CLASS_STYLES["buzzy"], P.CLASS_STYLES["muted"]
        self.share_chart = _chart(f"<span style='color:{buzzy.color}'>≈ buzzy</span>, "
                                  f"<span style='color:{muted.color}'>■ muted</span> by day")
        self.share_chart.getPlotItem().setYRange(0, 1)
        self.success_chart = _chart("Exercise success, by day")
        self.success_chart.getPlotItem().setYRange(0, 1)
        self.plots = (self.notes_chart, self.share_chart, self.success_chart)
        self.fretboard = FretboardMap()
        self.progress_card = ProgressCard()

        charts = QGridLayout()
        charts.setSpacing(10)
        charts.addWidget(self.notes_chart, 0, 0)
        charts.addWidget(self.share_chart, 0, 1)
        charts.addWidget(self.success_chart, 0, 2)
        board_card = QFrame()
        board_card.setObjectName("card")
        bl = QVBoxLayout(board_card)
        bl.setContentsMargins(14, 10, 14, 10)
        bl.addWidget(caption("WHERE THE BUZZ HAPPENS — exercise targets"))
        bl.addWidget(self.fretboard, 1)
        right = QVBoxLayout()
        right.setSpacing(10)
        right.addLayout(charts, 1)
        right.addWidget(board_card, 1)

        body = QHBoxLayout()
        body.setSpacing(14)
        body.addLayout(left, 5)
        body.addLayout(right, 8)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        lay.setSpacing(10)
        lay.addLayout(top)
        lay.addWidget(self.message)
        lay.addWidget(self.progress_card)
        lay.addLayout(body, 1)

    def _daily_goal(self) -> tuple[str, int]:
        """The goal set in Settings (read at each refresh: a change shows at the next)."""
        if self.settings is None:
            from buzzfinder_app.ui.settings import AppSettings

            self.settings = AppSettings()
        return self.settings.daily_goal

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {P.WARNING};")
        self.message.setVisible(bool(text))

    def refresh(self) -> None:
        """Re-read the store (off the GUI thread) and redraw everything; :attr:`refreshed` follows."""
        if self.store is None:
            self._show_message("The practice history is not available (see the banner above).")
            self._charts = None
            self._show_charts()
            self.refreshed.emit()
            return
        if self._reading is not None:
            self._again = True
            return
        self._goal = self._daily_goal()
        self._reading = threading.Thread(target=self._read_history, name="buzzfinder-history")
        # started once the window has painted (the tab just opened, say): the thread holds the GIL
        # for milliseconds at a time, and the paint calls Python (the charts, the table) often
        QTimer.singleShot(STEP_MS, self, self._reading.start)

    def _read_history(self) -> None:
        """On the reading thread: the history and the table's texts, newest first."""
        try:
            with _collector_paused():
                if self._reader is None:
                    self._reader = SessionStore(self.store.path, read_only=True)
                history = self._reader.history()
                extra = {"clock": self.clock} if self.clock else {}
                progress = store_progress(self._reader, goal=self._goal, **extra)
                result = history, [_cells(s) for s in reversed(history.sessions)], progress
        except Exception as exc:
            result = exc
        try:
            self._read.emit(result)
        except RuntimeError:  # the view was closed while it read
            pass

    def _show(self, result) -> None:
        self._reading.join()
        self._reading = None
        if self._again:  # what was read is already out of date
            self._again = False
            self.refresh()
            return
        if isinstance(result, Exception):
            self._show_message(f"The practice history could not be read: {result}")
            self._charts = None
            self._show_charts()
            self.refreshed.emit()
            return
        history, rows, progress = result
        self.progress_card.set_progress(progress)
        self._show_message("")
        sessions, summaries = history.sessions, history.summaries
        chosen = self._chosen()
        self.sessions = list(reversed(sessions))  # newest first
        self.summaries = summaries
        self.model.set_rows(rows)
        self._fit_columns()
        self.fretboard.set_cells(history.buzz_map)
        notes = sum(s.note_count for s in sessions)
        judged = sum(st.counts.get("clean", 0) + st.counts.get("buzzy", 0) + st.counts.get("muted", 0)
                     for st in summaries.values())
        clean = sum(st.counts.get("clean", 0) for st in summaries.values())
        reps = sum(st.repetitions for st in summaries.values())
        wins = sum(st.successes for st in summaries.values())
        parts = [plural(len(sessions), "session"), plural(notes, "note")]
        if judged:
            parts.append(f"✓ {clean / judged:.0%} clean")
        if reps:
            parts.append(f"{wins} of {plural(reps, 'repetition')} found the lightest clean pressure")
        self.totals.setText("   ·   ".join(parts))
        ids = [s.id for s in self.sessions]
        if ids:  # the session chosen before stays chosen; else the newest
            self.table.selectRow(ids.index(chosen) if chosen in ids else 0)
        self._charts = self._draw_charts(sessions, summaries, history.daily)
        self._next_chart(self._charts)

    def _show_charts(self) -> None:
        for chart in self.plots:
            chart.show()

    def _next_chart(self, charts) -> None:
        """Draw the next chart, after the window has painted what came before (one chart and its
        paint at a time keep the window responsive); :attr:`refreshed` after the last."""
        if charts is not self._charts:
            return  # a newer reading is on its way to the screen
        try:
            next(charts)
        except StopIteration:
            self._charts = None
            self.refreshed.emit()
            return
        QTimer.singleShot(STEP_MS, self, lambda: self._next_chart(charts))

    def _fit_columns(self, rows: int = 40) -> None:
        """Columns as wide as the widest text of the newest ``rows`` rows. The view would measure each
        cell through the model, several calls a cell (5 ms a column); the font finds the widest text
        (to the fraction of a pixel: whole pixels tie and pick a narrower one), the view measures that
        one cell, and the grid line beside it takes a pixel more."""
        header, metrics = self.table.horizontalHeader(), QFontMetricsF(self.table.font())
        grid = 1 if self.table.showGrid() else 0
        for column in (0, 1, 2, 4):
            texts = [shown[column] for shown, _ in self.model.rows[:rows]]
            if not texts:
                header.resizeSection(column, header.sectionSizeHint(column))
                continue
            widest = max(range(len(texts)), key=lambda row: metrics.horizontalAdvance(texts[row]))
            cell = self.table.sizeHintForIndex(self.model.index(widest, column)).width() + grid
            header.resizeSection(column, max(cell, header.sectionSizeHint(column)))

    def _chosen(self) -> int | None:
        """The id of the session selected in the table (None: none is)."""
        rows = self.table.selectionModel().selectedRows()
        return self.sessions[rows[0].row()].id if rows and rows[0].row() < len(self.sessions) else None

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.sessions):
            return
        s = self.sessions[rows[0].row()]
        st = self.summaries.get(s.id)
        if st is None:
            return
        started = parse_time(s.started_at)
        self.session_title.setText(started.astimezone().strftime("%A %d %B, %H:%M") if started else s.started_at)
        chips = "  ".join(
            f"<span style='color:{P.style_for(k).text_color}'><b>{P.style_for(k).symbol} {st.counts.get(k, 0)}</b> {k}</span>"
            for k in ("clean", "buzzy", "muted", "unsure"))
        lines = [f"{plural(st.notes, 'note')} · {_length(s.started_at, s.ended_at)} · {s.mode} · "
                 f"<span style='color:{P.TEXT_DIM}'>{s.input}</span>", chips,
                 f"buzzy {st.buzzy_share:.0%} · muted {st.muted_share:.0%} of judged notes"]
        if st.success_rate is not None:
            lines.append(f"exercise: {st.successes} of {plural(st.repetitions, 'repetition')} succeeded "
                         f"({st.success_rate:.0%})")
        if s.settings:
            string, fret = s.settings.get("string"), s.settings.get("fret")
            target = spot_name(string, fret) if string in STRING_NAMES and fret else "any note"
            lines.append(f"<span style='color:{P.TEXT_DIM}'>target: {target}</span>")
        self.session_text.setText("<br>".join(lines))

    def _draw_charts(self, sessions, summaries, daily) -> Iterator[None]:
        """Draws the charts, one each step. A day is the player's local calendar day (the store's
        :meth:`~buzzfinder_app.practice.sessions.SessionStore.daily_stats`), drawn at its noon, its
        date tick under it."""
        xs = [day_x(d.day) for d in daily]
        # one time axis for the three, a day's room either side
        x_range = (min(xs) - 43200, max(xs) + 43200) if xs else None
        ticks = [day_ticks([d.day for d in daily])]
        for chart in self.plots:
            chart.getPlotItem().getAxis("bottom").setTicks(ticks if xs else None)
        sym = dict(symbolSize=8)

        item = self.notes_chart.getPlotItem()
        item.clear()
        if x_range:  # the range first: items added after it are laid out once
            item.setXRange(*x_range, padding=0.02)
        if xs:
            heights = [d.stats.notes for d in daily]
            top = max(max(heights), 1)
            item.setYRange(-0.03 * top, top * 1.05, padding=0)  # room for the 0's tick label
            item.getAxis("left").setTicks([count_ticks(top)])
            self.notes_chart.addItem(pg.BarGraphItem(x=xs, height=heights, width=0.6 * 86400,
                                                     brush=pg.mkBrush(P.ACCENT), pen=pg.mkPen(None)))
        else:
            item.getAxis("left").setTicks(None)
        self.notes_chart.show()
        yield

        self.share_chart.getPlotItem().clear()
        _share_axes(self.share_chart, x_range)
        if xs:
            buzzy = [d.stats.buzzy_share for d in daily]
            muted = [d.stats.muted_share for d in daily]
            self.share_chart.plot(xs, buzzy, pen=pg.mkPen(P.CLASS_STYLES["buzzy"].color, width=2),
                                  symbol="t", symbolBrush=P.CLASS_STYLES["buzzy"].color, name="≈ buzzy", **sym)
            self.share_chart.plot(xs, muted, pen=pg.mkPen(P.CLASS_STYLES["muted"].color, width=2,
                                                             style=Qt.DashLine),
                                  symbol="s", symbolBrush=P.CLASS_STYLES["muted"].color, name="■ muted", **sym)
        self.share_chart.show()
        yield

        self.success_chart.getPlotItem().clear()
        _share_axes(self.success_chart, x_range)
        rate = [(x, d.stats.success_rate) for x, d in zip(xs, daily) if d.stats.success_rate is not None]
        if rate:
            self.success_chart.plot([r[0] for r in rate], [r[1] for r in rate],
                                    pen=pg.mkPen(P.CLASS_STYLES["clean"].color, width=2), symbol="o",
                                    symbolBrush=P.CLASS_STYLES["clean"].color, **sym)
        self.success_chart.show()
