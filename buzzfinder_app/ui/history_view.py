"""History: past sessions, the selected session's summary, charts over time and the buzz map.

Everything is read from :class:`buzzfinder_app.practice.sessions.SessionStore`; a store that
cannot be read shows its message instead.
"""

from __future__ import annotations

from datetime import datetime, time as dtime, timezone
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget,
)

from buzzfinder_app.ui.widgets.tables import read_only_table
from buzzfinder_app.practice.tuning import STRING_NAMES, spot_name
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption
from buzzfinder_app.ui.widgets.fretboard import FretboardMap

SESSION_COLUMNS = ("Started", "Length", "Mode", "Input", "Notes")



def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        dt = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _length(start: str, end: str | None) -> str:
    a, b = _parse(start), _parse(end)
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
    return plot


class HistoryView(QWidget):
    def __init__(self, store, parent=None):
        super().__init__(parent)
        self.store = store
        self.sessions = []

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

        self.table = read_only_table(SESSION_COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)

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

        self.notes_chart = _chart("Notes per session")
        self.share_chart = _chart("Buzzy and muted, by day")
        self.share_chart.getPlotItem().setYRange(0, 1)
        self.success_chart = _chart("Exercise success, by day")
        self.success_chart.getPlotItem().setYRange(0, 1)
        legend = self.share_chart.getPlotItem().addLegend(offset=(6, 6), labelTextColor=P.TEXT_DIM)
        legend.setBrush(pg.mkBrush(P.qcolor(P.SURFACE, 200)))
        self.fretboard = FretboardMap()

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
        lay.addLayout(body, 1)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {P.WARNING};")
        self.message.setVisible(bool(text))

    def refresh(self) -> None:
        """Re-read the store and redraw everything."""
        if self.store is None:
            self._show_message("The practice history is not available (see the banner above).")
            return
        try:
            sessions = self.store.sessions()
            daily = self.store.daily_stats()
            cells = self.store.buzz_map()
            summaries = {s.id: self.store.summary(s.id) for s in sessions}
        except Exception as exc:
            self._show_message(f"The practice history could not be read: {exc}")
            return
        self._show_message("")
        self.sessions = list(reversed(sessions))  # newest first
        self._fill_table()
        self._draw_charts(sessions, summaries, daily)
        self.fretboard.set_cells(cells)
        notes = sum(s.note_count for s in sessions)
        judged = sum(st.counts.get("clean", 0) + st.counts.get("buzzy", 0) + st.counts.get("muted", 0)
                     for st in summaries.values())
        clean = sum(st.counts.get("clean", 0) for st in summaries.values())
        reps = sum(st.repetitions for st in summaries.values())
        wins = sum(st.successes for st in summaries.values())
        parts = [f"{len(sessions)} sessions", f"{notes} notes"]
        if judged:
            parts.append(f"✓ {clean / judged:.0%} clean")
        if reps:
            parts.append(f"{wins} of {reps} repetitions found the lightest clean pressure")
        self.totals.setText("   ·   ".join(parts))
        if self.sessions and not self.table.selectedItems():
            self.table.selectRow(0)

    def _fill_table(self) -> None:
        self.table.setRowCount(len(self.sessions))
        for row, s in enumerate(self.sessions):
            started = _parse(s.started_at)
            cells = (started.astimezone().strftime("%a %d %b %H:%M") if started else s.started_at,
                     _length(s.started_at, s.ended_at), "exercise" if s.mode == "exercise" else s.mode,
                     s.input, str(s.note_count))
            for col, text in enumerate(cells):
                # a file played as the microphone shows its name; the tooltip has the whole path
                item = QTableWidgetItem(Path(text).name if col == 3 and Path(text).is_absolute() else text)
                item.setToolTip(text)
                if col == 4:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(row, col, item)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.store is None:
            return
        s = self.sessions[rows[0].row()]
        try:
            st = self.store.summary(s.id)
        except Exception as exc:
            self.session_text.setText(f"Could not read the session: {exc}")
            return
        started = _parse(s.started_at)
        self.session_title.setText(started.astimezone().strftime("%A %d %B, %H:%M") if started else s.started_at)
        chips = "  ".join(
            f"<span style='color:{P.style_for(k).text_color}'><b>{P.style_for(k).symbol} {st.counts.get(k, 0)}</b> {k}</span>"
            for k in ("clean", "buzzy", "muted", "unsure"))
        lines = [f"{st.notes} notes · {_length(s.started_at, s.ended_at)} · {s.mode} · "
                 f"<span style='color:{P.TEXT_DIM}'>{s.input}</span>", chips,
                 f"buzzy {st.buzzy_share:.0%} · muted {st.muted_share:.0%} of judged notes"]
        if st.success_rate is not None:
            lines.append(f"exercise: {st.successes} of {st.repetitions} repetitions succeeded "
                         f"({st.success_rate:.0%})")
        if s.settings:
            string, fret = s.settings.get("string"), s.settings.get("fret")
            target = spot_name(string, fret) if string in STRING_NAMES and fret else "any note"
            lines.append(f"<span style='color:{P.TEXT_DIM}'>target: {target}</span>")
        self.session_text.setText("<br>".join(lines))

    def _draw_charts(self, sessions, summaries, daily) -> None:
        for chart in (self.notes_chart, self.share_chart, self.success_chart):
            chart.getPlotItem().clear()
        xs, ys = [], []
        for s in sessions:
            t = _parse(s.started_at)
            if t is not None:
                xs.append(t.timestamp())
                ys.append(s.note_count)
        if xs:
            span = (max(xs) - min(xs)) or 86400.0
            width = max(span / max(len(xs), 1) * 0.6, 1800.0)
            self.notes_chart.addItem(pg.BarGraphItem(x=xs, height=ys, width=width,
                                                     brush=pg.mkBrush(P.ACCENT), pen=pg.mkPen(None)))
        day_x = [datetime.combine(d.day, dtime(12)).astimezone().timestamp() for d in daily]
        buzzy = [d.stats.buzzy_share for d in daily]
        muted = [d.stats.muted_share for d in daily]
        sym = dict(symbolSize=8)
        if day_x:
            self.share_chart.plot(day_x, buzzy, pen=pg.mkPen(P.CLASS_STYLES["buzzy"].color, width=2),
                                  symbol="t", symbolBrush=P.CLASS_STYLES["buzzy"].color, name="≈ buzzy", **sym)
            self.share_chart.plot(day_x, muted, pen=pg.mkPen(P.CLASS_STYLES["muted"].color, width=2,
                                                             style=Qt.DashLine),
                                  symbol="s", symbolBrush=P.CLASS_STYLES["muted"].color, name="■ muted", **sym)
            rate = [(x, d.stats.success_rate) for x, d in zip(day_x, daily) if d.stats.success_rate is not None]
            if rate:
                self.success_chart.plot([r[0] for r in rate], [r[1] for r in rate],
                                        pen=pg.mkPen(P.CLASS_STYLES["clean"].color, width=2), symbol="o",
                                        symbolBrush=P.CLASS_STYLES["clean"].color, **sym)
        for chart in (self.share_chart, self.success_chart):
            chart.getPlotItem().setYRange(-0.04, 1.05, padding=0)  # markers at 0 % stay whole
            chart.getPlotItem().getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        if day_x:
            lo, hi = min(day_x + xs) - 43200, max(day_x + xs) + 86400  # room for the last marker
            for chart in (self.notes_chart, self.share_chart, self.success_chart):
                chart.getPlotItem().setXRange(lo, hi, padding=0.02)
