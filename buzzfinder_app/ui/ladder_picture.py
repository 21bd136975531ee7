"""One repetition of the pressure ladder as a picture: a fingertip over a string just behind a fret,
seen from the side, in three panels — resting on the string (muted), a little pressure (buzzy), just
enough pressure (clean). While it animates, each step in turn is lit: the finger comes down to its
depth and the string shows what it does (stays dead, rattles on the fret, rings).

Drawn with QPainter only; the geometry is in :func:`string_path` so that it can be checked.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from buzzfinder_app.ui import palette as P


@dataclass(frozen=True)
class Step:
    label: str  # the verdict: "muted", "buzzy", "clean"
    pressure: str  # what the finger does
    sound: str  # what the player hears
    #: How far the finger pushes the string: "rests" on it, until it "reaches" the fret (and rattles
    #: on it), or "holds" it firmly on the fret.
    press: str


STEPS = (
    Step("muted", "Resting on the string", "a dull thud", "rests"),
    Step("buzzy", "A little pressure", "it rattles on the fret", "reaches"),
    Step("clean", "Just enough pressure", "it rings", "holds"),
)
#: Seconds each step is lit while animating, and how long the finger takes to come down.
STEP_S = 2.2
PRESS_S = 0.6
FRAME_MS = 40

WOOD = "#5A3D2B"
WOOD_EDGE = "#7A5640"
FRET = "#C9CED6"
STRING = "#E3E6EA"
SKIN = "#E2B294"
SKIN_EDGE = "#B9856A"
NAIL = "#F4DCCF"


@dataclass(frozen=True)
class Geometry:
    """Where things are in a panel of a given size (y grows downwards)."""

    width: float
    height: float

    @property
    def board_top(self) -> float:
        return self.height * 0.74

    @property
    def fret_x(self) -> float:
        return self.width * 0.68

    @property
    def fret_top(self) -> float:
        """The fret's crown (drawn taller than life, so that the pressures differ to the eye)."""
        return self.board_top - max(10.0, self.height * 0.1)

    @property
    def string_y(self) -> float:
        """The string at rest: its height above the fret is the guitar's action."""
        return self.fret_top - max(12.0, self.height * 0.08)

    @property
    def finger_x(self) -> float:
        """Just behind the fret, where a fingertip should press."""
        return self.width * 0.5

    def tip_y(self, depth: float) -> float:
        """The fingertip's (and the string's) height under it at ``depth`` (0 rests, 1 on the board)."""
        return self.string_y + depth * (self.board_top - 2 - self.string_y)

    @property
    def bridge_x(self) -> float:
        return self.width * 1.1

    @property
    def contact_depth(self) -> float:
        """The depth at which the string, from the fingertip to the bridge, just reaches the fret."""
        along = (self.fret_x - self.finger_x) / (self.bridge_x - self.finger_x)
        tip = (self.fret_top - along * self.string_y) / (1 - along)
        return (tip - self.string_y) / (self.board_top - 2 - self.string_y)

    def depth_of(self, step: "Step") -> float:
        """Resting: 0; reaching the fret: a hair short of it (it rattles); holding: well onto it."""
        contact = self.contact_depth
        return {"rests": 0.0, "reaches": 0.96 * contact, "holds": contact + 0.45 * (1 - contact)}[step.press]


def string_path(g: Geometry, depth: float) -> list[tuple[float, float]]:
    """The string as a polyline: from the nut (off the left edge) to the fingertip, then either
    straight to the bridge (off the right edge) or over the fret's crown when it reaches it."""
    tip = (g.finger_x, g.tip_y(depth))
    left, right = (-g.width * 0.1, g.string_y), (g.bridge_x, g.string_y)
    # Where the straight line from the fingertip to the bridge passes the fret:
    along = (g.fret_x - tip[0]) / (right[0] - tip[0])
    over_fret = tip[1] + along * (right[1] - tip[1])
    if over_fret >= g.fret_top - 1e-6:  # it would pass through the fret: it lies on its crown
        return [left, tip, (g.fret_x, g.fret_top), right]
    return [left, tip, right]


def touches_fret(g: Geometry, depth: float) -> bool:
    return len(string_path(g, depth)) == 4


class LadderPicture(QWidget):
    """Three panels of the ladder, left to right; :meth:`set_step` lights one and stops the animation,
    :meth:`play` runs it (each step in turn, ``STEP_S`` each)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.step: int | None = 0
        self._started = time.monotonic()
        self.setMinimumSize(600, 250)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAccessibleName("The pressure ladder: muted, buzzy, clean")
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(780, 300)

    @property
    def animating(self) -> bool:
        return self.timer.isActive()

    def play(self) -> None:
        self._started = time.monotonic()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def set_step(self, step: int | None) -> None:
        """Light ``step`` (0 muted, 1 buzzy, 2 clean; None: all three) and hold still."""
        self.timer.stop()
        self.step = step
        self.update()

    def hideEvent(self, event) -> None:
        self.timer.stop()  # no repaints for a page nobody sees
        super().hideEvent(event)

    def _now(self) -> tuple[int | None, float]:
        """The lit step and how far it has got (seconds since it was lit)."""
        if not self.animating:
            return self.step, STEP_S
        elapsed = time.monotonic() - self._started
        self.step = int(elapsed // STEP_S) % len(STEPS)
        return self.step, elapsed % STEP_S

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        lit, since = self._now()
        arrow_w = 30.0
        panel_w = (self.width() - 2 * arrow_w) / 3
        for i, step in enumerate(STEPS):
            x = i * (panel_w + arrow_w)
            on = lit is None or lit == i
            press = min(1.0, since / PRESS_S) if on and self.animating else 1.0
            p.save()
            p.translate(x, 0)
            self._paint_panel(p, QRectF(0, 0, panel_w, self.height()), step, i + 1, on, press, since)
            p.restore()
            if i < len(STEPS) - 1:
                self._paint_arrow(p, QRectF(x + panel_w, 0, arrow_w, self.height()))
        p.end()

    def _paint_arrow(self, p: QPainter, area: QRectF) -> None:
        p.setPen(QPen(QColor(P.TEXT_DIM), 2.5, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        c = area.center()
        p.drawLine(QPointF(c.x() - 8, c.y()), QPointF(c.x() + 8, c.y()))
        p.drawLine(QPointF(c.x() + 2, c.y() - 6), QPointF(c.x() + 8, c.y()))
        p.drawLine(QPointF(c.x() + 2, c.y() + 6), QPointF(c.x() + 8, c.y()))

    def _paint_panel(self, p: QPainter, r: QRectF, step: Step, number: int, on: bool, press: float,
                     since: float) -> None:
        style = P.style_for(step.label)
        colour = QColor(style.color)
        p.setPen(QPen(colour if on else QColor(P.BORDER), 2.5 if on else 1))
        p.setBrush(QColor(P.SURFACE))
        p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 10, 10)
        p.setOpacity(1.0 if on else 0.6)

        head_h = 58.0
        foot_h = 50.0
        title = QFont(self.font())
        title.setPixelSize(20)
        title.setBold(True)
        p.setFont(title)
        p.setPen(QColor(style.text_color))
        p.drawText(QRectF(14, 10, r.width() - 28, 28), Qt.AlignLeft | Qt.AlignVCenter,
                   f"{number}  {style.symbol} {style.title}")
        small = QFont(self.font())
        small.setPixelSize(14)
        p.setFont(small)
        p.setPen(QColor(P.TEXT))
        p.drawText(QRectF(14, 36, r.width() - 28, 20), Qt.AlignLeft | Qt.AlignVCenter, step.pressure)

        scene = QRectF(8, head_h, r.width() - 16, r.height() - head_h - foot_h)
        p.save()
        p.setClipRect(scene)
        p.translate(scene.topLeft())
        g = Geometry(scene.width(), scene.height())
        self._paint_scene(p, g, step, g.depth_of(step) * press, on and press >= 1.0, since)
        p.restore()

        p.setFont(small)
        p.setPen(QColor(style.text_color))
        p.drawText(QRectF(14, r.height() - foot_h, r.width() - 28, foot_h - 10), Qt.AlignLeft | Qt.AlignVCenter,
                   f"You hear: {step.sound}")
        p.setOpacity(1.0)

    def _paint_scene(self, p: QPainter, g: Geometry, step: Step, depth: float, sounding: bool, since: float) -> None:
        # The fretboard, the fret behind the finger's fret (left) and the one it presses towards.
        wood = QLinearGradient(0, g.board_top, 0, g.height)
        wood.setColorAt(0, QColor(WOOD_EDGE))
        wood.setColorAt(0.15, QColor(WOOD))
        wood.setColorAt(1, QColor("#3B281C"))
        p.setPen(Qt.NoPen)
        p.setBrush(wood)
        p.drawRect(QRectF(0, g.board_top, g.width, g.height - g.board_top))
        for x in (g.width * 0.06, g.fret_x):  # a fret wire: its crown above the board, its tang in a slot
            p.setBrush(QColor("#2A1C13"))
            p.drawRect(QRectF(x - 1.5, g.board_top, 3, (g.height - g.board_top) * 0.35))
            p.setBrush(QColor(FRET))
            p.drawRoundedRect(QRectF(x - 5, g.fret_top, 10, g.board_top - g.fret_top + 4), 5, 5)

        points = [QPointF(x, y) for x, y in string_path(g, depth)]
        colour = QColor(P.style_for(step.label).color)
        if sounding and step.label == "clean":  # the free part of the string rings
            self._paint_ringing(p, g, points, colour, since)
        p.setPen(QPen(QColor(STRING), 2.6, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.setBrush(Qt.NoBrush)
        p.drawPolyline(QPolygonF(points))
        if sounding and step.label == "buzzy":
            self._paint_rattle(p, g, colour, since)
        self._paint_finger(p, g, g.tip_y(depth))
        self._paint_pressure(p, g, g.depth_of(step), colour)

    def _paint_ringing(self, p: QPainter, g: Geometry, points: list[QPointF], colour: QColor, since: float) -> None:
        start = points[-2]  # the fret's crown
        end_x = g.width
        fade = QColor(colour)
        p.setBrush(Qt.NoBrush)
        for k, alpha in ((1, 230), (-1, 160)):
            fade.setAlpha(alpha)
            p.setPen(QPen(fade, 2.2))
            path = QPainterPath(start)
            steps = 40
            amplitude = max(8.0, g.height * 0.05) * (0.75 + 0.25 * math.cos(since * 14))
            for i in range(1, steps + 1):
                x = start.x() + (end_x - start.x()) * i / steps
                y = g.string_y + (start.y() - g.string_y) * (1 - i / steps)  # along the string
                y += k * amplitude * math.sin(math.pi * i / steps)
                path.lineTo(QPointF(x, y))
            p.drawPath(path)
        # Sound going out: three arcs over the ringing string.
        centre = QPointF(g.width * 0.84, g.string_y - g.height * 0.2)
        for i, radius in enumerate((8.0, 15.0, 22.0)):
            fade.setAlpha(230 - 50 * i)
            p.setPen(QPen(fade, 2.2, Qt.SolidLine, Qt.RoundCap))
            p.drawArc(QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius), -45 * 16, 90 * 16)

    def _paint_rattle(self, p: QPainter, g: Geometry, colour: QColor, since: float) -> None:
        """Zig-zags where the string slaps the fret."""
        p.setPen(QPen(colour, 2, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        jitter = 2.0 * math.sin(since * 40)
        for side in (-1, 1):
            x0 = g.fret_x + side * 12
            path = QPainterPath(QPointF(x0, g.fret_top - 16 + jitter))
            for i in range(1, 5):
                path.lineTo(QPointF(x0 + side * (4 if i % 2 else 0) + side * i * 2.5, g.fret_top - 16 + i * 5 + jitter))
            p.drawPath(path)

    def _paint_finger(self, p: QPainter, g: Geometry, tip_y: float) -> None:
        """A fingertip coming down from the upper left, its pad on the string at ``tip_y``."""
        width = max(34.0, g.width * 0.16)
        length = g.height * 1.2
        p.save()
        p.translate(g.finger_x, tip_y)
        p.rotate(-24)  # the finger leans back towards the hand
        body = QPainterPath()
        body.addRoundedRect(QRectF(-width / 2, -length, width, length + 1), width / 2, width / 2)
        shade = QLinearGradient(-width / 2, 0, width / 2, 0)
        shade.setColorAt(0, QColor(SKIN_EDGE))
        shade.setColorAt(0.45, QColor(SKIN))
        shade.setColorAt(1, QColor(SKIN_EDGE))
        p.setPen(QPen(QColor(SKIN_EDGE), 1.2))
        p.setBrush(shade)
        p.drawPath(body)  # its rounded end's lowest point is the tip
        nail = QRectF(width * 0.08, -width * 1.45, width * 0.36, width * 0.95)
        p.setPen(QPen(QColor(SKIN_EDGE), 1))
        p.setBrush(QColor(NAIL))
        p.drawRoundedRect(nail, width * 0.16, width * 0.16)
        p.restore()

    def _paint_pressure(self, p: QPainter, g: Geometry, depth: float, colour: QColor) -> None:
        """An arrow over the finger, bigger with more pressure."""
        size = 0.35 + 0.65 * depth
        x = g.finger_x - g.width * 0.34
        top = g.height * 0.08
        length = g.height * (0.12 + 0.18 * size)
        p.setPen(QPen(colour, 2 + 4 * size, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        p.drawLine(QPointF(x, top), QPointF(x, top + length))
        head = 5 + 7 * size
        p.drawLine(QPointF(x - head, top + length - head), QPointF(x, top + length))
        p.drawLine(QPointF(x + head, top + length - head), QPointF(x, top + length))
