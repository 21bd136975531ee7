"""The neck drill's map: every spot of the walk, filled in as the player goes.

A spot waiting is an outline; the current one a ring in the accent colour; a found one is filled,
green when it went from buzz to clean at once, shading to orange the more it still buzzed on the way
(where the player, or the guitar, needs most pressure), with that count inside; a skipped one grey.
``left_handed`` draws the nut on the right, as a left-handed player sees the neck.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from buzzfinder_app.practice.neck_drill import NeckState
from buzzfinder_app.practice.tuning import STRING_LETTERS
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.fretboard import share_colour

#: Still-buzzy counts at or above this are drawn fully orange.
SATURATE_AT = 4


class NeckMap(QWidget):
    """``set_state(NeckState)`` draws the walk; ``left_handed`` mirrors it."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.state: NeckState | None = None
        self.left_handed = False
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(360, 170)

    def set_state(self, state: NeckState | None) -> None:
        self.state = state
        self.update()

    def set_left_handed(self, left: bool) -> None:
        self.left_handed = bool(left)
        self.update()

    def spot_colour(self, spot) -> QColor:
        if spot.outcome == "found":
            return share_colour(min(1.0, spot.still_buzzy / SATURATE_AT) * 0.5)
        return QColor(P.TEXT_DIM)

    def paintEvent(self, _event) -> None:
        if self.state is None:
            return
        settings = self.state.settings
        first, last = settings.first_fret, settings.last_fret
        frets = last - first + 1
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(8)
        p.setFont(small)
        left, right, top, bottom = 22, 10, 12, 22
        w, h = self.width() - left - right, self.height() - top - bottom
        fret_w, gap = w / frets, h / 5

        def x_of(fret: int) -> float:  # the middle of a fret space
            i = fret - first + 0.5
            return left + (frets - i if self.left_handed else i) * fret_w

        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#2A2320"))
        p.drawRoundedRect(QRectF(left, top - 6, w, h + 12), 4, 4)
        for i in range(frets + 1):
            x = left + i * fret_w
            nut = first == 1 and (i == frets if self.left_handed else i == 0)
            p.setPen(QPen(QColor("#E8E2D0") if nut else QColor("#8A8F98"), 4 if nut else 1.2))
            p.drawLine(int(x), top - 6, int(x), top + h + 6)
        for s in range(1, 7):
            y = top + (s - 1) * gap
            p.setPen(QPen(QColor("#C9C2B0"), 0.6 + 0.25 * s))
            p.drawLine(int(left), int(y), int(left + w), int(y))
            p.setPen(QColor(P.TEXT_DIM))
            p.drawText(QRectF(0, y - 8, left - 4, 16), Qt.AlignRight | Qt.AlignVCenter, STRING_LETTERS[s])
        for fret in range(first, last + 1):
            p.setPen(QColor(P.TEXT_DIM))
            p.drawText(QRectF(x_of(fret) - 12, top + h + 7, 24, 14), Qt.AlignCenter, str(fret))
        r = min(fret_w, gap) * 0.42
        for (string, fret), spot in self.state.spots.items():
            cx, cy = x_of(fret), top + (string - 1) * gap
            rect = QRectF(cx - r, cy - r, 2 * r, 2 * r)
            if (string, fret) == self.state.current:
                glow = QColor(P.ACCENT)
                glow.setAlpha(60)
                p.setPen(QPen(QColor(P.ACCENT), 3))
                p.setBrush(glow)
                p.drawEllipse(rect)
            elif spot.outcome is None:
                p.setPen(QPen(QColor(P.TEXT_DIM), 1))
                p.setBrush(Qt.NoBrush)
                p.drawEllipse(rect)
            else:
                colour = self.spot_colour(spot)
                p.setPen(QPen(QColor(P.BACKGROUND), 1.2))
                p.setBrush(colour)
                p.drawEllipse(rect)
                p.setPen(QColor("#15171C") if colour.lightnessF() > 0.55 else QColor("#FFFFFF"))
                mark = "×" if spot.outcome == "skipped" else (str(spot.still_buzzy) if spot.still_buzzy else "✓")
                p.drawText(rect, Qt.AlignCenter, mark)
        p.end()
