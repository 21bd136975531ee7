"""A vertical input level meter with the onset gate line and a latched clipping mark."""

from __future__ import annotations

import time

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from buzzfinder_app.ui import palette as P

FLOOR_DB = -60.0
CLIP_HOLD_S = 1.5
PEAK_HOLD_S = 1.0
#: Repaint at most this often while levels stream in (the eye does not need more).
REPAINT_MS = 80


class LevelMeter(QWidget):
    """Shows RMS (bar) and peak (tick) in dBFS from -60 to 0, the gate, and a CLIP lamp."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rms_db = FLOOR_DB
        self.peak_db = FLOOR_DB
        self.gate_db: float | None = None
        self._clip_until = 0.0
        self._held_peak = FLOOR_DB
        self._held_at = 0.0
        self._dirty = False
        self._background: QPixmap | None = None
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setMinimumWidth(64)
        self.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Expanding)
        self.setToolTip("Input level (dBFS). Dashed line: onset threshold (gate). Red lamp: clipping.")
        self.timer = QTimer(self)
        self.timer.setInterval(REPAINT_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()

    def follow(self, clock: QTimer) -> None:
        """Repaint on ``clock`` instead of an own timer: widgets repainted on the same tick share
        one paint and one flush of the window."""
        self.timer.stop()
        clock.timeout.connect(self.refresh)

    def sizeHint(self) -> QSize:
        return QSize(64, 200)

    @property
    def clipping(self) -> bool:
        return time.monotonic() < self._clip_until

    def set_gate(self, gate_db: float | None) -> None:
        self.gate_db = gate_db
        self.update()

    def set_level(self, rms_db: float, peak_db: float, clipped: bool = False) -> None:
        """Store a level; painted on the next frame (at once when clipping starts)."""
        now = time.monotonic()
        self.rms_db = max(FLOOR_DB, min(0.0, rms_db))
        self.peak_db = max(FLOOR_DB, min(0.0, peak_db))
        if self.peak_db >= self._held_peak or now - self._held_at > PEAK_HOLD_S:
            self._held_peak, self._held_at = self.peak_db, now
        if clipped:
            if not self.clipping:
                self.update()
            self._clip_until = now + CLIP_HOLD_S
        self._dirty = True

    def refresh(self) -> None:
        """Frame tick: repaint if a level arrived since the last one."""
        if self._dirty:
            self._dirty = False
            self.update()

    def reset(self) -> None:
        self.rms_db = self.peak_db = self._held_peak = FLOOR_DB
        self._clip_until = 0.0
        self.update()

    def _y(self, db: float, top: float, height: float) -> float:
        frac = (max(FLOOR_DB, min(0.0, db)) - FLOOR_DB) / -FLOOR_DB
        return top + height * (1.0 - frac)

    def _geometry(self) -> tuple[QRectF, QRectF]:
        """The clip lamp and the meter's trough for the current size."""
        lamp_h, bottom_pad = 18.0, 6.0
        top = lamp_h + 8
        return QRectF(2, 2, self.width() - 4, lamp_h), QRectF(6, top, 18, self.height() - top - bottom_pad)

    def _render_background(self, bar: QRectF) -> QPixmap:
        """Trough and dB scale: they change only with the size, so they are painted once."""
        pixmap = QPixmap(self.size())
        pixmap.fill(QColor(P.SURFACE))  # opaque, so that Qt need not repaint the card behind it
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(P.SURFACE_RAISED))
        p.drawRoundedRect(bar, 4, 4)
        small = QFont(self.font())
        small.setPointSizeF(7.5)
        p.setFont(small)
        p.setPen(QColor(P.TEXT_DIM))
        for db in (0, -12, -24, -36, -48, -60):
            ty = self._y(db, bar.top(), bar.height())
            p.drawLine(int(bar.right() + 2), int(ty), int(bar.right() + 5), int(ty))
            p.drawText(QRectF(bar.right() + 7, ty - 7, self.width() - bar.right() - 7, 14),
                       Qt.AlignLeft | Qt.AlignVCenter, f"{db}")
        p.end()
        return pixmap

    def paintEvent(self, _event) -> None:
        lamp, bar = self._geometry()
        if self._background is None or self._background.size() != self.size():
            self._background = self._render_background(bar)
        p = QPainter(self)
        p.drawPixmap(0, 0, self._background)
        p.setRenderHint(QPainter.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(7.5)
        p.setFont(small)
        # clip lamp
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(P.METER_CLIP) if self.clipping else QColor(P.SURFACE_RAISED))
        p.drawRoundedRect(lamp, 4, 4)
        p.setPen(QColor("#FFFFFF") if self.clipping else QColor(P.TEXT_DIM))
        p.drawText(lamp, Qt.AlignCenter, "CLIP")
        # level bar
        grad = QLinearGradient(0, bar.bottom(), 0, bar.top())
        grad.setColorAt(0.0, QColor(P.METER_OK))
        grad.setColorAt(0.75, QColor(P.METER_OK))
        grad.setColorAt(0.9, QColor(P.METER_HOT))
        grad.setColorAt(1.0, QColor(P.METER_CLIP))
        y = self._y(self.rms_db, bar.top(), bar.height())
        p.setPen(Qt.NoPen)
        p.setBrush(grad)
        p.drawRoundedRect(QRectF(bar.left(), y, bar.width(), bar.bottom() - y), 4, 4)
        # peak hold tick
        py = self._y(self._held_peak, bar.top(), bar.height())
        p.setPen(QPen(QColor(P.TEXT), 2))
        p.drawLine(int(bar.left()), int(py), int(bar.right()), int(py))
        # gate
        if self.gate_db is not None:
            gy = self._y(self.gate_db, bar.top(), bar.height())
            p.setPen(QPen(QColor(P.ACCENT), 2, Qt.DashLine))
            p.drawLine(int(bar.left() - 4), int(gy), int(bar.right() + 4), int(gy))
        p.end()
