"""A scrolling waveform (min/max envelope) of the last seconds of input, with coloured note marks.

:meth:`append` only stores samples (cheap, called from the drain timer); the plot is redrawn by its
own timer at about 20 frames a second. The x axis is fixed ("seconds ago"), so scrolling never
relayouts the axes: the data and the note marks move instead.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor

from buzzfinder_app import constants as C
from buzzfinder_app.ui import palette as P

BIN = 256  # samples per envelope point
REDRAW_MS = 50
#: The vertical scale follows the loudest visible sample, but never zooms in beyond this (-26 dBFS),
#: so that silence stays flat; the level meter shows absolute levels and clipping.
MIN_SCALE = 0.05


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
        self._dirty = True
        self._scale = 1.0
        self._marks: dict[int, tuple[pg.InfiniteLine, pg.TextItem, float]] = {}
        step = BIN / sample_rate
        self._x = np.repeat(-span_s + (np.arange(self.n_points) + 1) * step, 2)
        self._y = np.zeros(2 * self.n_points, np.float32)

        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        self.setMouseEnabled(x=False, y=False)
        item.showGrid(x=True, y=False, alpha=0.12)
        item.setYRange(-1, 1.25, padding=0)
        item.setXRange(-span_s, 0, padding=0)
        item.hideAxis("left")
        item.getAxis("bottom").setPen(pg.mkPen(P.BORDER))
        item.getAxis("bottom").setTextPen(pg.mkPen(P.TEXT_DIM))
        item.getAxis("bottom").setTicks([[(-t, f"{-t:g} s" if t else "now") for t in range(int(span_s), -1, -1)]])
        colour = QColor(P.ACCENT)
        colour.setAlpha(200)
        self._curve = pg.PlotCurveItem(pen=pg.mkPen(colour, width=1.6), connect="pairs", antialias=False)
        item.addItem(self._curve)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()
        self.redraw()

    @property
    def now_s(self) -> float:
        return self.samples_seen / self.sample_rate

    def reset(self) -> None:
        self._hi[:] = 0
        self._lo[:] = 0
        self._pending = np.zeros(0, np.float32)
        self.samples_seen = 0
        for line, tag, _ in self._marks.values():
            self.removeItem(line)
            self.removeItem(tag)
        self._marks.clear()
        self._dirty = True
        self.redraw()

    def append(self, block: np.ndarray) -> None:
        """Add samples (float32, mono); drawn on the next redraw tick."""
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
                self._hi[:-n], self._lo[:-n] = self._hi[n:], self._lo[n:]
                self._hi[-n:], self._lo[-n:] = hi, lo
        self._dirty = True

    def mark(self, index: int, onset_s: float, label: str | None, final: bool = False) -> None:
        """Draw (or recolour) the vertical line of note ``index`` at stream time ``onset_s``."""
        colour = QColor(P.style_for(label).text_color) if label else QColor(P.TEXT_DIM)
        pen = pg.mkPen(colour, width=2.5 if final else 1.5, style=Qt.SolidLine if final else Qt.DashLine)
        text = P.style_for(label).symbol if label else "·"
        if index not in self._marks:
            line = pg.InfiniteLine(pos=onset_s - self.now_s, angle=90, movable=False)
            tag = pg.TextItem(anchor=(-0.15, 0.0))
            font = tag.textItem.font()
            font.setPointSizeF(11)
            font.setBold(True)
            tag.setFont(font)
            self.addItem(line)
            self.addItem(tag)
            self._marks[index] = (line, tag, onset_s)
        line, tag, _ = self._marks[index]
        line.setPen(pen)
        tag.setText(text, colour)
        tag.setPos(onset_s - self.now_s, self._scale * 1.25)
        self._dirty = True

    def redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._y[0::2] = self._lo
        self._y[1::2] = self._hi
        self._curve.setData(self._x, self._y)
        scale = max(MIN_SCALE, float(np.max(self._hi)), float(-np.min(self._lo)))
        if abs(scale - self._scale) > 0.05 * self._scale:
            self._scale = scale
            self.getPlotItem().setYRange(-scale * 1.05, scale * 1.3, padding=0)
        now = self.now_s
        for index, (line, tag, t) in list(self._marks.items()):
            if t < now - self.span_s - 1:
                self.removeItem(line)
                self.removeItem(tag)
                del self._marks[index]
            else:
                line.setPos(t - now)
                tag.setPos(t - now, self._scale * 1.25)
