"""A strip of recent notes as coloured chips, newest on the right.

With :attr:`ChipStrip.confirming` on, a final chip shows a small ✓ when hovered: one click keeps the
note as an example of the label the exercise asked for (or, with none asked, of a label picked
from a menu); right-click offers every label.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.pixmaps import clear_pixmap

CHIP_W, CHIP_H, GAP = 46, 50, 6
BADGE = 16  # the ✓ badge in a chip's top-right corner
#: Looks of a chip kept drawn (label, final, note name, badge): a session's worth.
PIXMAP_CACHE = 256


@dataclass
class Chip:
    index: int
    label: str | None
    note: str | None
    final: bool
    confidence: float = 0.0
    expected: str | None = None  # the label the exercise asked for when the note was played
    kept: str | None = None  # the label it was kept as an example of


class ChipStrip(QWidget):
    """Keeps the last ``capacity`` notes; a provisional chip is outlined, a final one is filled."""

    #: The player confirmed note ``index`` as an example of ``label``.
    confirm_requested = Signal(int, str)

    def __init__(self, capacity: int = 40, parent=None):
        super().__init__(parent)
        self.capacity = capacity
        self.chips: list[Chip] = []
        self.confirming = False
        self._hover: int | None = None
        self._pixmaps: dict[tuple, QPixmap] = {}  # each look of a chip, drawn once
        self.setMinimumHeight(CHIP_H + 8)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:
        return QSize(600, CHIP_H + 8)

    def clear(self) -> None:
        self.chips.clear()
        self.update()

    def show_note(self, update) -> None:
        """A live session's ``NoteUpdate``: the note's chip, added or updated."""
        n = update.note
        confidence = float(n.verdict.confidence) if n.verdict is not None else 0.0
        self.upsert(n.index, n.label, n.note, n.final, confidence, expected=n.expected)
        if n.label == "muted":  # a muted note rings no pitch: its chip names none
            self.chip(n.index).note = None

    def upsert(self, index: int, label: str | None, note: str | None, final: bool, confidence: float = 0.0,
               expected: str | None = None) -> None:
        """Add the note ``index`` or update its chip."""
        chip = self.chip(index)
        if chip is not None:
            chip.label, chip.final, chip.confidence = label, final, confidence
            chip.note = note or chip.note
            chip.expected = expected or chip.expected
        else:
            self.chips.append(Chip(index, label, note, final, confidence, expected))
            del self.chips[:-self.capacity]
        self.update()

    def chip(self, index: int) -> Chip | None:
        for chip in reversed(self.chips):
            if chip.index == index:
                return chip
        return None

    def mark_kept(self, index: int, label: str) -> None:
        """Show that note ``index`` was kept as an example of ``label``."""
        chip = self.chip(index)
        if chip is not None:
            chip.kept = label
            self.update()

    # -- confirming ------------------------------------------------------------------------------
    def _confirmable(self, chip: Chip) -> bool:
        return self.confirming and chip.final and chip.kept is None

    def badge_rect(self, index: int) -> QRectF | None:
        """Where the ✓ of note ``index`` is (while its chip is on screen)."""
        for chip, rect in self._rects():
            if chip.index == index:
                return QRectF(rect.right() - BADGE - 1, rect.top() + 1, BADGE, BADGE)
        return None

    def _chip_at(self, pos: QPointF) -> Chip | None:
        for chip, rect in self._rects():
            if rect.contains(pos):
                return chip
        return None

    def confirm(self, index: int, label: str | None = None, at: QPoint | None = None) -> bool:
        """Confirm note ``index`` as ``label`` (default: the label asked for; with none, a menu asks)."""
        chip = self.chip(index)
        if chip is None or not self._confirmable(chip):
            return False
        label = label or chip.expected
        if label is None:
            action = self.menu_for(chip).exec(at or self.mapToGlobal(QPoint(0, 0)))
            label = action.data() if action is not None else None
            if label is None:
                return False
        self.confirm_requested.emit(index, label)
        return True

    def menu_for(self, chip: Chip) -> QMenu:
        """Keep as <label> example, one entry per label (the one asked for first)."""
        menu = QMenu(self)
        order = [chip.expected] if chip.expected else []
        order += [lab for lab in P.DISPLAY_ORDER[::-1] if lab not in order]
        for label in order:
            style = P.style_for(label)
            asked = "  (asked for)" if label == chip.expected else ""
            action = menu.addAction(f"{style.symbol}  Keep as {style.title.lower()} example{asked}")
            action.setData(label)
        return menu

    def mouseMoveEvent(self, ev) -> None:
        chip = self._chip_at(ev.position())
        hover = chip.index if chip is not None and self._confirmable(chip) else None
        if hover != self._hover:
            self._hover = hover
            self.setCursor(Qt.PointingHandCursor if hover is not None else Qt.ArrowCursor)
            self.update()
        super().mouseMoveEvent(ev)

    def leaveEvent(self, ev) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()
        super().leaveEvent(ev)

    def mousePressEvent(self, ev) -> None:
        chip = self._chip_at(ev.position())
        if chip is None or not self._confirmable(chip):
            return super().mousePressEvent(ev)
        badge = self.badge_rect(chip.index)
        if ev.button() == Qt.LeftButton and badge is not None and badge.adjusted(-4, -4, 4, 4).contains(ev.position()):
            self.confirm(chip.index, at=ev.globalPosition().toPoint())
        elif ev.button() == Qt.RightButton:
            action = self.menu_for(chip).exec(ev.globalPosition().toPoint())
            if action is not None:
                self.confirm(chip.index, action.data())

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
                    tip = f"Note {chip.index + 1}{note}: {style.title} ({round(chip.confidence * 100)} %, {state})"
                    if chip.kept:
                        tip += f"\nKept as a {chip.kept} example for this profile"
                    elif self._confirmable(chip):
                        what = f"a {chip.expected} example" if chip.expected else "an example"
                        tip += f"\nClick ✓ to keep it as {what} for this profile (right-click: other labels)"
                    self.setToolTip(tip)
                    break
            else:
                self.setToolTip("")
        return super().event(ev)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        if not self.chips:
            p.setPen(QColor(P.TEXT_DIM))
            p.drawText(self.rect(), Qt.AlignCenter, "Recent notes appear here")
        for chip, rect in self._rects():
            p.drawPixmap(rect.topLeft(), self._chip_pixmap(chip))
        p.end()

    def _chip_pixmap(self, chip: Chip) -> QPixmap:
        """The chip drawn once per look and kept: a strip repainted for every verdict then only
        blits its chips (their antialiased outlines and symbol glyphs cost far more to draw)."""
        badge = bool(chip.kept) or chip.index == self._hover
        ratio = self.devicePixelRatioF()
        key = (chip.label, chip.final, chip.note, chip.kept, badge, ratio)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            return pixmap
        if len(self._pixmaps) >= PIXMAP_CACHE:
            self._pixmaps.clear()
        pixmap = clear_pixmap(CHIP_W, CHIP_H, ratio)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.Antialiasing)
        rect = QRectF(0, 0, CHIP_W, CHIP_H)
        style = P.style_for(chip.label)
        if chip.label is None:
            p.setPen(QPen(QColor(P.BORDER), 1.5, Qt.DashLine))
            p.setBrush(QColor(P.SURFACE_RAISED))
        else:
            pen, brush = P.verdict_pen_and_brush(chip.label, chip.final, 2, 60)
            p.setPen(pen)
            p.setBrush(brush)
        p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 8, 8)
        p.setPen(QColor("#FFFFFF") if chip.label else QColor(P.TEXT_DIM))
        symbol_font = QFont(self.font())
        symbol_font.setPointSizeF(14)
        symbol_font.setBold(True)
        p.setFont(symbol_font)
        p.drawText(rect.adjusted(0, 2, 0, -16), Qt.AlignCenter, style.symbol if chip.label else "…")
        note_font = QFont(self.font())
        note_font.setPointSizeF(7.5)
        p.setFont(note_font)
        p.drawText(rect.adjusted(0, CHIP_H - 20, 0, -3), Qt.AlignCenter, chip.note or style.letter)
        if badge:
            self._paint_badge(p, QRectF(rect.right() - BADGE - 1, rect.top() + 1, BADGE, BADGE), chip)
        p.end()
        self._pixmaps[key] = pixmap
        return pixmap

    def _paint_badge(self, p: QPainter, rect: QRectF, chip: Chip) -> None:
        """A kept note's ✓ (filled white), or the hovered chip's ✓ to click (outlined)."""
        font = QFont(self.font())
        font.setPointSizeF(8)
        font.setBold(True)
        p.setFont(font)
        if chip.kept:
            p.setPen(Qt.NoPen)
            p.setBrush(QColor("#FFFFFF"))
            p.drawEllipse(rect.adjusted(1, 1, -1, -1))
            p.setPen(QColor(P.style_for(chip.kept).color))
        else:
            p.setPen(QPen(QColor("#FFFFFF"), 1.5))
            p.setBrush(QColor(0, 0, 0, 110))
            p.drawEllipse(rect.adjusted(1, 1, -1, -1))
            p.setPen(QColor("#FFFFFF"))
        p.drawText(rect, Qt.AlignCenter, "✓")
