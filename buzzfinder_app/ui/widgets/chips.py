"""A strip of recent notes as coloured chips, newest on the right."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from buzzfinder_app.ui import palette as P

CHIP_W, CHIP_H, GAP = 46, 50, 6


@dataclass
class Chip:
    index: int
    label: str | None
    note: str | None
    final: bool
    confidence: float = 0.0


class ChipStrip(QWidget):
    """Keeps the last ``capacity`` notes; a provisional chip is outlined, a final one is filled."""

    def __init__(self, capacity: int = 40, parent=None):
        super().__init__(parent)
        self.capacity = capacity
        self.chips: list[Chip] = []
        self.setMinimumHeight(CHIP_H + 8)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(600, CHIP_H + 8)

    def clear(self) -> None:
        self.chips.clear()
        self.update()

    def upsert(self, index: int, label: str | None, note: str | None, final: bool, confidence: float = 0.0) -> None:
        """Add the note ``index`` or update its chip."""
        for chip in reversed(self.chips):
            if chip.index == index:
                chip.label, chip.final, chip.confidence = label, final, confidence
                chip.note = note or chip.note
                break
        else:
            self.chips.append(Chip(index, label, note, final, confidence))
            del self.chips[:-self.capacity]
        self.update()

    def _rects(self):
        x = self.width() - CHIP_W - 2
        for chip in reversed(self.chips):
            if x < 0:
                break
            yield chip, QRectF(x, 4, CHIP_W, CHIP_H)
            x -= CHIP_W + GAP

    def event(self, ev):
        if ev.type() == ev.Type.ToolTip:
            for chip, rect in self._rects():
                if rect.contains(QPointF(ev.pos())):
                    style = P.style_for(chip.label)
                    state = "final" if chip.final else "provisional"
                    note = f" {chip.note}" if chip.note else ""
                    self.setToolTip(f"Note {chip.index + 1}{note}: {style.title} "
                                    f"({round(chip.confidence * 100)} %, {state})")
                    break
            else:
                self.setToolTip("")
        return super().event(ev)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        sym_font = QFont(self.font())
        sym_font.setPointSizeF(14)
        sym_font.setBold(True)
        note_font = QFont(self.font())
        note_font.setPointSizeF(7.5)
        if not self.chips:
            p.setPen(QColor(P.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignCenter, "Recent notes appear here")
        for chip, rect in self._rects():
            style = P.style_for(chip.label)
            colour = QColor(style.color)
            if chip.label is None:
                p.setPen(QPen(QColor(P.BORDER), 1.5, Qt.DashLine))
                p.setBrush(QColor(P.SURFACE_RAISED))
            elif chip.final:
                p.setPen(Qt.NoPen)
                p.setBrush(colour)
            else:
                fill = QColor(colour)
                fill.setAlpha(60)
                p.setPen(QPen(colour, 2, Qt.DashLine))
                p.setBrush(fill)
            p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 8, 8)
            p.setPen(QColor("#FFFFFF") if chip.label else QColor(P.TEXT_DIM))
            p.setFont(sym_font)
            p.drawText(rect.adjusted(0, 2, 0, -16), Qt.AlignCenter, style.symbol if chip.label else "…")
            p.setFont(note_font)
            p.drawText(rect.adjusted(0, CHIP_H - 20, 0, -3), Qt.AlignCenter, chip.note or style.letter)
        p.end()
