"""A scrolling waveform (min/max envelope) of the last seconds of input, with coloured note marks.

:meth:`append` only stores samples (cheap, called from the drain timer); the widget repaints itself
on its own timer, at most ``1000 / REDRAW_MS`` times a second and only when something changed. It
rasterises the envelope with numpy, one run of pixels per column, and blits it: a scrolling
plot costs a few per cent of a core this way, several times less than a general plotting scene.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from buzzfinder_app import constants as C
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.pixmaps import clear_pixmap

BIN = 128  # samples per envelope point (about 6 ms)
REDRAW_MS = 100
#: The vertical scale follows the loudest visible sample, but never zooms in beyond this (-26 dBFS),
#: so that silence stays flat; the level meter shows absolute levels and clipping.
MIN_SCALE = 0.05
AXIS_H = 22  # pixels below the plot for the "seconds ago" labels
TAG_H = 20  # pixels above the plot for the note symbols


class ScrollingWaveform(QWidget):
    """Call :meth:`append` with blocks and :meth:`mark` with note onsets; shows the last ``span_s``."""

    def __init__(self, span_s: float = 6.0, sample_rate: int = C.SAMPLE_RATE, parent=None):
        super().__init__(parent)
        self.span_s = span_s
        self.sample_rate = sample_rate
        self.n_points = int(span_s * sample_rate / BIN)
        self._hi = np.zeros(self.n_points, np.float32)
        self._lo = np.zeros(self.n_points, np.float32)
        self._pending = np.zeros(0, np.float32)
        self.samples_seen = 0
        self._scale = MIN_SCALE
        #: note index -> (onset in stream seconds, label or None, final)
        self._marks: dict[int, tuple[float, str | None, bool]] = {}
        self._dirty = True
        self._background: QPixmap | None = None
        self._symbols: dict[tuple, QPixmap] = {}  # (label, pixel ratio) -> its drawn symbol
        colour = QColor(P.ACCENT)
        self._argb = np.uint32(colour.rgb() | 0xFF000000)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self.redraw)
        self.timer.start()

    def sizeHint(self) -> QSize:
        return QSize(600, 240)

    @property
    def now_s(self) -> float:
        return self.samples_seen / self.sample_rate

    def reset(self) -> None:
        self._hi[:] = 0
        self._lo[:] = 0
        self._pending = np.zeros(0, np.float32)
        self.samples_seen = 0
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

    def show_note(self, update) -> None:
        """A live session's ``NoteUpdate``: the note's onset marked in its class's colour."""
        n = update.note
        self.mark(n.index, n.onset_s, n.label, n.final)

    def mark(self, index: int, onset_s: float, label: str | None, final: bool = False) -> None:
        """Draw (or recolour) the vertical line of note ``index`` at stream time ``onset_s``."""
        self._marks[index] = (onset_s, label, final)
        self._dirty = True

    def redraw(self) -> None:
        """Schedule a repaint if anything changed since the last one."""
        if not self._dirty:
            return
        self._dirty = False
        now = self.now_s
        for index in [i for i, (t, _, _) in self._marks.items() if t < now - self.span_s - 1]:
            del self._marks[index]
        self.update()

    def _plot_rect(self) -> QRectF:
        return QRectF(8, TAG_H, max(10, self.width() - 16), max(10, self.height() - TAG_H - AXIS_H))

    def _x(self, seconds_ago: float, rect: QRectF) -> float:
        return rect.right() - seconds_ago / self.span_s * rect.width()

    def paintEvent(self, _event) -> None:
        rect = self._plot_rect()
        if self._background is None or self._background.size() != self.size():
            self._background = self._render_background(rect)
        p = QPainter(self)
        p.drawPixmap(0, 0, self._background)
        self._paint_envelope(p, rect)
        self._paint_marks(p, rect)
        p.end()

    def _render_background(self, rect: QRectF) -> QPixmap:
        """The parts that only change with the widget's size: surface, grid and time labels."""
        pixmap = QPixmap(self.size())
        pixmap.fill(QColor(P.SURFACE))
        p = QPainter(pixmap)
        self._paint_axis(p, rect)
        p.end()
        return pixmap

    def _paint_axis(self, p: QPainter, rect: QRectF) -> None:
        grid = QColor(P.TEXT_DIM)
        grid.setAlpha(40)
        p.setPen(QPen(grid, 1))
        small = QFont(self.font())
        small.setPointSizeF(8.5)
        p.setFont(small)
        for t in range(int(self.span_s) + 1):
            x = self._x(t, rect)
            p.setPen(QPen(grid, 1))
            p.drawLine(QLineF(x, rect.top(), x, rect.bottom()))
            p.setPen(QColor(P.TEXT_DIM))
            box = QRectF(x - 60, rect.bottom() + 4, 60, AXIS_H - 4) if t == 0 else \
                QRectF(x - 30, rect.bottom() + 4, 60, AXIS_H - 4)
            p.drawText(box, (Qt.AlignRight if t == 0 else Qt.AlignHCenter) | Qt.AlignTop, f"-{t} s" if t else "now")
        p.setPen(QPen(QColor(P.BORDER), 1))
        p.drawLine(QLineF(rect.left(), rect.bottom(), rect.right(), rect.bottom()))

    def _paint_envelope(self, p: QPainter, rect: QRectF) -> None:
        """One vertical run of pixels per column, from the column's minimum to its maximum,
        rasterised with numpy into an image (no per-line Python objects)."""
        width, height = max(1, int(rect.width())), max(1, int(rect.height()))
        edges = np.minimum(np.linspace(0, self.n_points, width + 1).astype(int), self.n_points - 1)
        hi = np.maximum.reduceat(self._hi, edges[:-1])
        lo = np.minimum.reduceat(self._lo, edges[:-1])
        scale = max(MIN_SCALE, float(hi.max()), float(-lo.min()))
        if abs(scale - self._scale) > 0.05 * self._scale:
            self._scale = scale
        half = height / 2 * 0.92 / self._scale
        top = np.clip(np.round(height / 2 - hi * half), 0, height - 1).astype(np.int16)
        bottom = np.clip(np.round(height / 2 - lo * half), 0, height - 1).astype(np.int16)
        rows = np.arange(height, dtype=np.int16)[:, None]
        # a mask times the colour: four times cheaper than assigning through a boolean index
        pixels = ((rows >= top) & (rows <= np.maximum(bottom, top))).astype(np.uint32) * self._argb
        image = QImage(pixels.data, width, height, 4 * width, QImage.Format_ARGB32_Premultiplied)
        p.drawImage(rect.topLeft(), image)

    def _paint_marks(self, p: QPainter, rect: QRectF) -> None:
        now = self.now_s
        for onset_s, label, final in self._marks.values():
            ago = now - onset_s
            if not 0 <= ago <= self.span_s:
                continue
            x = self._x(ago, rect)
            colour = QColor(P.style_for(label).text_color) if label else QColor(P.TEXT_DIM)
            p.setPen(QPen(colour, 2.5 if final else 1.5, Qt.SolidLine if final else Qt.DashLine))
            p.drawLine(QLineF(x, rect.top(), x, rect.bottom()))
            p.drawPixmap(QPointF(x + 3, 0), self._symbol(label))

    def _symbol(self, label: str | None) -> QPixmap:
        """The note's symbol in its class's colour, drawn once (a glyph costs more to draw than to blit, ten times a second)."""
        ratio = self.devicePixelRatioF()
        pixmap = self._symbols.get((label, ratio))
        if pixmap is None:
            pixmap = clear_pixmap(30, TAG_H, ratio)
            bold = QFont(self.font())
            bold.setPointSizeF(11)
            bold.setBold(True)
            p = QPainter(pixmap)
            p.setFont(bold)
            p.setPen(QColor(P.style_for(label).text_color) if label else QColor(P.TEXT_DIM))
            p.drawText(QRectF(0, 0, 30, TAG_H), Qt.AlignLeft | Qt.AlignVCenter, P.style_for(label).symbol if label else "·")
            p.end()
            self._symbols[(label, ratio)] = pixmap
        return pixmap
