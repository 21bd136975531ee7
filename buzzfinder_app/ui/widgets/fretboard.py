"""A fretboard map: each exercised position coloured by how often it buzzed."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from buzzfinder_app.practice.tuning import STRING_LETTERS
from buzzfinder_app.ui import palette as P

INLAYS = (3, 5, 7, 9, 12, 15, 17, 19, 21, 24)
#: A buzzy share at or above this is drawn fully orange.
SATURATE_AT = 0.5


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor(*(int(x + (y - x) * t) for x, y in zip(a.getRgb()[:3], b.getRgb()[:3])))


def share_colour(share: float) -> QColor:
    """Clean green at 0, through Okabe–Ito yellow, to buzzy orange at ``SATURATE_AT`` and above."""
    t = max(0.0, min(1.0, share / SATURATE_AT))
    clean, mid, buzzy = QColor(P.CLASS_STYLES["clean"].color), QColor("#F0E442"), QColor(P.CLASS_STYLES["buzzy"].color)
    return _mix(clean, mid, t * 2) if t < 0.5 else _mix(mid, buzzy, t * 2 - 1)


class FretboardMap(QWidget):
    """``set_cells(cells)`` with objects having string, fret, notes, buzzy, buzzy_share;
    ``set_left_handed`` mirrors it (the nut and the string names on the right)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.cells = {}
        self.frets = 12
        self.left_handed = False
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(640, 200)

    def set_cells(self, cells) -> None:
        self.cells = {(c.string, c.fret): c for c in cells}
        top = max((c.fret for c in cells), default=0)
        self.frets = 12 if top <= 12 else 24
        self.update()

    def cell_at(self, string: int, fret: int):
        return self.cells.get((string, fret))

    def set_left_handed(self, left: bool) -> None:
        self.left_handed = bool(left)
        self.update()

    def _margins(self) -> tuple[int, int]:
        """(left, right): the string names' side is beside the nut."""
        return (14, 26) if self.left_handed else (26, 14)

    def x_of(self, frets: float) -> float:
        """The x of a point ``frets`` fret spaces from the nut."""
        left, right = self._margins()
        fret_w = (self.width() - left - right) / self.frets
        return self.width() - right - frets * fret_w if self.left_handed else left + frets * fret_w

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(8)
        p.setFont(small)
        (left, right), top, bottom = self._margins(), 24, 44
        w = self.width() - left - right
        h = self.height() - top - bottom
        fret_w = w / self.frets
        string_gap = h / 5
        board = QRectF(left, top - 6, w, h + 12)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#2A2320"))
        p.drawRoundedRect(board, 4, 4)
        # inlays
        p.setBrush(QColor("#4A403A"))
        for fret in INLAYS:
            if fret > self.frets:
                continue
            cx = self.x_of(fret - 0.5)
            ys = (top + 1.5 * string_gap, top + 3.5 * string_gap) if fret in (12, 24) else (top + 2.5 * string_gap,)
            for cy in ys:
                p.drawEllipse(QRectF(cx - 4, cy - 4, 8, 8))
        # frets and nut
        for fret in range(self.frets + 1):
            x = self.x_of(fret)
            p.setPen(QPen(QColor("#E8E2D0") if fret == 0 else QColor("#8A8F98"), 4 if fret == 0 else 1.5))
            p.drawLine(int(x), int(board.top()), int(x), int(board.bottom()))
        # strings
        for s in range(1, 7):
            y = top + (s - 1) * string_gap
            p.setPen(QPen(QColor("#C9C2B0"), 0.6 + 0.25 * s))
            p.drawLine(int(left), int(y), int(left + w), int(y))
            p.setPen(QColor(P.TEXT_DIM))
            if self.left_handed:
                p.drawText(QRectF(left + w + 6, y - 8, right - 6, 16), Qt.AlignLeft | Qt.AlignVCenter, STRING_LETTERS[s])
            else:
                p.drawText(QRectF(0, y - 8, left - 6, 16), Qt.AlignRight | Qt.AlignVCenter, STRING_LETTERS[s])
        # fret numbers
        for fret in range(1, self.frets + 1):
            x = self.x_of(fret - 0.5)
            p.setPen(QColor(P.TEXT_DIM))
            p.drawText(QRectF(x - 12, top + h + 8, 24, 14), Qt.AlignCenter, str(fret))
        # cells
        for (string, fret), cell in self.cells.items():
            if not 1 <= fret <= self.frets or string not in STRING_LETTERS:
                continue
            cx = self.x_of(fret - 0.5)
            cy = top + (string - 1) * string_gap
            r = min(fret_w, string_gap) * 0.46
            share = max(0.0, min(1.0, float(cell.buzzy_share)))
            colour = share_colour(share)
            p.setPen(QPen(QColor(P.BACKGROUND), 1.5))
            p.setBrush(colour)
            p.drawEllipse(QRectF(cx - r, cy - r, 2 * r, 2 * r))
            p.setPen(QColor("#15171C") if colour.lightnessF() > 0.55 else QColor("#FFFFFF"))
            p.drawText(QRectF(cx - r, cy - r, 2 * r, 2 * r), Qt.AlignCenter, f"{share:.0%}")
        # legend
        p.setPen(QColor(P.TEXT_DIM))
        legend = "circle colour: share of buzzy notes at that position (✓ green = none, ≈ orange = half or more)"
        p.drawText(QRectF(left, self.height() - 16, w, 14), Qt.AlignLeft | Qt.AlignVCenter,
                   legend if self.cells else "No exercise with a target string and fret yet.")
        p.end()
