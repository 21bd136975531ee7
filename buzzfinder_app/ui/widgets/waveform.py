"""A scrolling waveform (min/max envelope) of the last seconds of input, with coloured note marks."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from buzzfinder_app import constants as C
from buzzfinder_app.ui import palette as P

BIN = 256  # samples per envelope point


class ScrollingWaveform(pg.PlotWidget):
    """Call :meth:`append` with blocks and :meth:`mark` with note onsets; shows the last ``span_s``."""

    def __init__(self, span_s: float = 6.0, sample_rate: int = C.SAMPLE_RATE, parent=None):
        super().__init__(parent=parent, background=P.SURFACE)
        self.span_s = span_s
        self.sample_rate = sample_rate
        self.n_points = int(span_s * sample_rate / BIN)
        self._hi = np.zeros(self.n_points, np.float32)
        self._lo = np.zeros(self.n_points, np.float32)
        self._pending = np.zeros(0, np.float32)
        self.samples_seen = 0
        self._marks: dict[int, tuple[pg.InfiniteLine, float]] = {}

        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        item.showGrid(x=True, y=False, alpha=0.15)
        item.setYRange(-1, 1, padding=0.02)
        item.getAxis("left").setStyle(showValues=False)
        item.getAxis("left").setWidth(8)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(P.BORDER))
            item.getAxis(axis).setTextPen(pg.mkPen(P.TEXT_DIM))
        item.setLabel("bottom", "seconds")
        colour = QColor(P.ACCENT)
        self._hi_curve = item.plot(pen=pg.mkPen(colour, width=1))
        self._lo_curve = item.plot(pen=pg.mkPen(colour, width=1))
        fill = QColor(colour)
        fill.setAlpha(110)
        item.addItem(pg.FillBetweenItem(self._hi_curve, self._lo_curve, brush=pg.mkBrush(fill)))
        self._redraw()

    @property
    def now_s(self) -> float:
        return self.samples_seen / self.sample_rate

    def reset(self) -> None:
        self._hi[:] = 0
        self._lo[:] = 0
        self._pending = np.zeros(0, np.float32)
        self.samples_seen = 0
        for line, _ in self._marks.values():
            self.removeItem(line)
        self._marks.clear()
        self._redraw()

    def append(self, block: np.ndarray) -> None:
        """Add samples (float32, mono) and scroll."""
        block = np.asarray(block, np.float32).ravel()
        self.samples_seen += len(block)
        data = np.concatenate([self._pending, block]) if len(self._pending) else block
        n = len(data) // BIN
        self._pending = data[n * BIN:].copy()
        if n:
            frames = data[: n * BIN].reshape(n, BIN)
            hi, lo = frames.max(axis=1), frames.min(axis=1)
            if n >= self.n_points:
                self._hi[:], self._lo[:] = hi[-self.n_points:], lo[-self.n_points:]
            else:
                self._hi = np.roll(self._hi, -n)
                self._lo = np.roll(self._lo, -n)
                self._hi[-n:], self._lo[-n:] = hi, lo
        self._redraw()

    def mark(self, index: int, onset_s: float, label: str | None, final: bool = False) -> None:
        """Draw (or recolour) the vertical line of note ``index`` at ``onset_s`` seconds."""
        colour = QColor(P.style_for(label).color) if label else QColor(P.TEXT_DIM)
        pen = pg.mkPen(colour, width=2.5 if final else 1.5, style=pg.QtCore.Qt.SolidLine if final else pg.QtCore.Qt.DashLine)
        if index in self._marks:
            line, _ = self._marks[index]
            line.setPen(pen)
            line.label.setText(P.style_for(label).symbol if label else "")
            line.label.setColor(colour)
            return
        line = pg.InfiniteLine(pos=onset_s, angle=90, pen=pen, movable=False,
                               label=P.style_for(label).symbol if label else "",
                               labelOpts={"position": 0.92, "color": colour, "fill": pg.mkBrush(P.SURFACE)})
        self.addItem(line)
        self._marks[index] = (line, onset_s)
        self._prune()

    def _prune(self) -> None:
        start = self.now_s - self.span_s - 1
        for index in [i for i, (_, t) in self._marks.items() if t < start]:
            self.removeItem(self._marks.pop(index)[0])

    def _redraw(self) -> None:
        end = self.now_s
        x = end - self.span_s + (np.arange(self.n_points) + 1) * (BIN / self.sample_rate)
        self._hi_curve.setData(x, self._hi)
        self._lo_curve.setData(x, self._lo)
        self.setXRange(end - self.span_s, end, padding=0)
        if len(self._marks) > 60:
            self._prune()
