"""The stage view: a full-screen page readable from a music stand two metres away.

It shows the last note's verdict as one huge word on a field of its class colour (the whole window:
green clean, amber buzzy, blue muted, grey unsure; half-tone while provisional, neutral from the onset
until the first verdict), the target spot on a fretboard, the pressure ladder with its current step,
the repetition and the streak; nothing else. F11 or the window's button opens it, Escape or F11 leaves
it, ``--stage`` starts in it.

:class:`StageView` draws only what :class:`~buzzfinder_app.ui.live_session.LiveSession` publishes
(``note_changed``, ``drill_changed``, ``run_started``, ``run_stopped``) and keeps nothing but what it
draws. Every text is laid out by :meth:`StageView.texts`, which the painter and the tests share, and
shrunk until it fits its box. :class:`StageMode` puts it into the main window, with the sound cues.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QElapsedTimer, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QFontMetricsF, QKeySequence, QPainter, QPen, QPixmap, QRegion
from PySide6.QtWidgets import QLabel, QWidget

from buzzfinder_app.practice.exercise import Step
from buzzfinder_app.practice.session import DrillState, NoteUpdate
from buzzfinder_app.practice.tuning import STRING_LETTERS
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.cues import SoundCues
from buzzfinder_app.ui.widgets.fretboard import INLAYS

#: The stage's short names of the strings, high E on top as in tablature.
LADDER = (Step.MUTED, Step.BUZZY, Step.CLEAN)
NEUTRAL = P.SURFACE
SPOT = "#FFFFFF"
#: How long a final verdict's flash takes to settle (ms), in steps of FLASH_STEP_MS: a full-screen repaint is
#: costly without a GPU (each frame is 8 MB sent to the display at 1920 x 1080), and a fade read from two
#: metres needs no more than about 13 frames a second (six frames rather than nine).
FLASH_MS = 450
FLASH_STEP_MS = 75
#: The texts drawn on the coloured field itself; the others sit on the panel, drawn once per change.
FIELD_TEXTS = ("word", "hint")


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: QColor) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ink_on(field: QColor) -> QColor:
    """Near-black or white, whichever reads better on ``field``."""
    dark, light = QColor("#111317"), QColor("#FFFFFF")
    return dark if contrast_ratio(dark, field) >= contrast_ratio(light, field) else light


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved ``t`` of the way to ``b``."""
    return QColor.fromRgbF(*(x + (y - x) * t for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


@dataclass(frozen=True)
class Board:
    """The fretboard's geometry: its area, the strings' box, the first fret shown and the spacing."""

    area: QRectF
    rect: QRectF
    first: int
    frets: int
    gap: float
    fret_w: float
    numbers: QRectF
    #: the nut on the right, the string names beside it, as a left-handed player sees the neck
    left_handed: bool = False

    def x(self, frets: float) -> float:
        """The x of a point ``frets`` fret spaces past the first fret line shown."""
        return self.rect.right() - frets * self.fret_w if self.left_handed else self.rect.left() + frets * self.fret_w


@dataclass(frozen=True)
class StageText:
    """One text of the stage: where it goes and the font it fits in."""

    name: str
    text: str
    rect: QRectF
    font: QFont
    colour: QColor
    align: Qt.AlignmentFlag = Qt.AlignCenter


class StageView(QWidget):
    """The verdict, target, ladder, repetition and streak, big enough for a music stand."""

    #: Escape or F11 asked to leave
    leave_requested = Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent, Qt.Window)
        self.setWindowTitle("buzzfinder — stage")
        self.setMinimumSize(640, 400)
        self.setFocusPolicy(Qt.StrongFocus)
        self.session = session
        #: what is drawn: the newest note's label and stage ("idle" before a note of this run)
        self.label: str | None = None
        self.stage = "idle"
        self.running = session.running
        self.left_handed = False
        self.drill: DrillState = session.practice.drill()
        self._flash = 0.0
        self._layout: list | None = None  # texts() as last laid out: fitting fonts is the costly part of a paint
        self._panel: QPixmap | None = None  # the panel as last drawn (None: draw it again)
        self._flasher = QTimer(self)
        self._flasher.setInterval(FLASH_STEP_MS)
        self._flasher.timeout.connect(self._on_flash)
        self._flash_clock = QElapsedTimer()
        session.note_changed.connect(self.show_note)
        session.drill_changed.connect(self.show_drill)
        session.run_started.connect(self._on_run_started)
        session.run_stopped.connect(self._on_run_stopped)

    # ------------------------------------------------------------------------------ state
    def show_note(self, update: NoteUpdate) -> None:
        if not update.latest:
            return  # a late verdict of an older note: the stage shows the newest
        note = update.note
        self.label, self.stage = note.label, note.stage
        if note.final:
            self._flash = 1.0
            self._flash_clock.start()
            self._flasher.start()
        self._changed()

    def show_drill(self, drill: DrillState) -> None:
        self.drill = drill
        self._changed()

    def _on_run_started(self) -> None:
        self.running, self.label, self.stage = True, None, "idle"
        self._changed()

    def _on_run_stopped(self, _reason: str) -> None:
        self.running = False
        self._changed()

    def _changed(self) -> None:
        """What is drawn changed: lay the texts out again at the next paint."""
        self._layout = self._panel = None
        self.update()

    def resizeEvent(self, event) -> None:
        self._layout = self._panel = None
        super().resizeEvent(event)

    def _on_flash(self) -> None:
        left = max(0.0, 1.0 - self._flash_clock.elapsed() / FLASH_MS)
        self._flash = left ** 3  # eases out: bright at once, fading slower at the end
        if not left:
            self._flasher.stop()
            self.update()  # the last frame whole: the panel lets a little of the field through
        else:  # the same texts over a fading flash (no new layout), and only the field around the nearly
            # opaque panel: less than half the screen to paint and send to the display per frame
            self.update(QRegion(self.rect()) - QRegion(self.regions()["panel"].toAlignedRect()))

    # ------------------------------------------------------------------------------ what is drawn
    @property
    def verdict_word(self) -> str:
        if self.stage == "idle":
            return "Play a note" if self.running else "Not listening"
        if self.stage == "onset" or self.label is None:
            return "Listening…"
        style = P.style_for(self.label)
        return f"{style.symbol} {style.title}"

    @property
    def hint(self) -> str:
        """The one line under the word: how to start and leave, while nothing is heard."""
        return "" if self.running else "Space: listen  ·  Esc: leave"

    def field_colour(self) -> QColor:
        """The background: the class colour for a final verdict, half of it while provisional."""
        if self.stage in ("provisional", "final") and self.label is not None:
            colour = QColor(P.style_for(self.label).color)
            return colour if self.stage == "final" else mix(QColor(P.BACKGROUND), colour, 0.5)
        return QColor(NEUTRAL if self.stage == "onset" else P.BACKGROUND)

    def target(self) -> tuple[int, int] | None:
        """(string, fret) of the ladder's target; None for any note and in free play."""
        settings = self.drill.settings
        if self.drill.mode != "exercise" or settings is None or settings.any_note:
            return None
        return settings.string, settings.fret

    def target_text(self) -> str:
        settings = self.drill.settings
        return "Any note" if self.target() is None or settings is None else settings.target_text

    def progress_lines(self) -> list[str]:
        """Repetition (with the round after the first), and the streak."""
        d = self.drill
        if d.mode != "exercise" or d.exercise is None:
            return ["Free play"]  # no repetitions, no streak
        st = d.exercise
        if st.finished:
            lines = ["Exercise complete"]
        else:
            lines = [f"Repetition {min(st.rep, st.repetitions)} of {st.repetitions}"]
            if d.round > 1:
                lines.insert(0, f"Round {d.round}")
        lines.append(f"Streak {st.streak}")
        return lines

    def ladder_step(self) -> Step | None:
        st = self.drill.exercise
        return None if st is None or st.finished or self.drill.paused else st.step

    # ------------------------------------------------------------------------------ layout
    def regions(self) -> dict[str, QRectF]:
        """The boxes of the page at its current size."""
        w, h = float(self.width()), float(self.height())
        m = 0.03 * h
        panel = QRectF(m, 0.43 * h, w - 2 * m, h - 0.43 * h - m)
        pad = 0.03 * h
        inner = panel.adjusted(pad, pad * 0.8, -pad, -pad * 0.8)
        ladder = QRectF(inner.left(), inner.top(), inner.width(), 0.11 * h)
        below = QRectF(inner.left(), ladder.bottom() + 0.03 * h, inner.width(), inner.bottom() - ladder.bottom() - 0.03 * h)
        split = below.left() + below.width() * 0.58
        return {
            "word": QRectF(m, 0.03 * h, w - 2 * m, 0.30 * h),
            "hint": QRectF(m, 0.33 * h, w - 2 * m, 0.07 * h),
            "panel": panel,
            "ladder": ladder,
            "target": QRectF(below.left(), below.top(), split - below.left() - pad, 0.07 * h),
            "board": QRectF(below.left(), below.top() + 0.085 * h, split - below.left() - pad,
                            below.bottom() - below.top() - 0.085 * h),
            "progress": QRectF(split + pad, below.top(), below.right() - split - pad, below.height()),
        }

    def _font(self, px: float, bold: bool = True) -> QFont:
        f = QFont(self.font())
        f.setPixelSize(max(8, int(px)))
        f.setBold(bold)
        return f

    def fitted(self, text: str, rect: QRectF, max_px: float, bold: bool = True) -> QFont:
        """The largest font up to ``max_px`` in which ``text`` fits ``rect`` on one line."""
        px = int(min(max_px, rect.height() / 1.25))
        while px > 8:
            font = self._font(px, bold)
            fm = QFontMetricsF(font)
            if fm.horizontalAdvance(text) <= rect.width() and fm.height() <= rect.height():
                return font
            px = min(px - 1, int(px * 0.97))
        return self._font(8, bold)

    def ladder_boxes(self) -> list[tuple[Step, QRectF]]:
        """The three rungs of the ladder row, arrows between them."""
        row = self.regions()["ladder"]
        arrow = row.height() * 0.7
        width = (row.width() - 2 * arrow) / 3
        return [(step, QRectF(row.left() + i * (width + arrow), row.top(), width, row.height()))
                for i, step in enumerate(LADDER)]

    def texts(self) -> list[StageText]:
        """Every text of the page, with its box, fitted font and colour."""
        h = float(self.height())
        r = self.regions()
        field = self.field_colour()
        ink = ink_on(field)
        out = [StageText("word", self.verdict_word, r["word"], self.fitted(self.verdict_word, r["word"], 0.30 * h),
                         ink)]
        if self.hint:
            out.append(StageText("hint", self.hint, r["hint"], self.fitted(self.hint, r["hint"], 0.05 * h, False),
                                 ink))
        if self.drill.mode == "exercise" and self.drill.exercise is not None and not self.drill.paused:
            step = self.ladder_step()
            for s, box in self.ladder_boxes():
                style = P.style_for(s.expected_label)
                text = f"{style.symbol} {style.title}"
                inset = box.adjusted(box.height() * 0.2, box.height() * 0.12, -box.height() * 0.2, -box.height() * 0.12)
                colour = ink_on(QColor(style.color)) if s == step else QColor(P.TEXT_DIM)
                out.append(StageText(f"rung:{s.name.lower()}", text, inset, self.fitted(text, inset, 0.07 * h), colour))
        else:
            text = "Paused while you teach" if self.drill.paused else "Every note is judged"
            out.append(StageText("ladder", text, r["ladder"], self.fitted(text, r["ladder"], 0.065 * h),
                                 QColor(P.TEXT_DIM)))
        out.append(StageText("target", self.target_text(), r["target"],
                             self.fitted(self.target_text(), r["target"], 0.06 * h), QColor(P.TEXT), Qt.AlignLeft | Qt.AlignVCenter))
        lines = self.progress_lines()
        box = r["progress"]
        line_h = min(box.height() / len(lines), 0.12 * h)
        top = box.top() + (box.height() - line_h * len(lines)) / 2
        rects = [QRectF(box.left(), top + i * line_h, box.width(), line_h) for i in range(len(lines))]
        font = min((self.fitted(line, rect, 0.085 * h) for line, rect in zip(lines, rects)), key=QFont.pixelSize)
        for i, (line, rect) in enumerate(zip(lines, rects)):  # one size for all: they read as one block
            out.append(StageText(f"progress:{i}", line, rect, font,
                                 QColor(P.TEXT if i < len(lines) - 1 else P.TEXT_DIM), Qt.AlignLeft | Qt.AlignVCenter))
        return out

    # ------------------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:
        if self._layout is None:
            self._layout, self._panel = self.texts(), None
        if self._panel is None:
            self._panel = self._paint_panel()
        p = QPainter(self)
        field = self.field_colour()
        if self._flash > 0:  # white laid over the field, mixed here: one opaque fill, not a blend of the screen
            white = int(110 * self._flash) / 255
            field = QColor(*(round(c + (255 - c) * white) for c in (field.red(), field.green(), field.blue())))
        p.fillRect(self.rect(), field)
        # Only the panel's part and the field's texts: the rest of the pixmap is transparent.
        drawn = QRegion(self.regions()["panel"].toAlignedRect())
        for t in self._layout:
            if t.name in FIELD_TEXTS:
                drawn |= QRegion(t.rect.toAlignedRect())
        ratio = self._panel.devicePixelRatio()
        for rect in drawn:  # rectangles that do not overlap: every pixel is laid over once
            p.drawPixmap(rect, self._panel, QRectF(rect.x() * ratio, rect.y() * ratio, rect.width() * ratio,
                                                   rect.height() * ratio).toAlignedRect())
        p.end()

    def _paint_panel(self) -> QPixmap:
        """The panel (ladder, fretboard, target and progress) and the field's texts drawn once per change,
        over transparency: a flash frame only fills the field and lays this over it."""
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.Antialiasing)
        r = self.regions()
        panel = QColor(P.BACKGROUND)
        panel.setAlpha(235)
        p.setPen(Qt.NoPen)
        p.setBrush(panel)
        radius = r["panel"].height() * 0.06
        p.drawRoundedRect(r["panel"], radius, radius)
        if self.drill.mode == "exercise" and self.drill.exercise is not None and not self.drill.paused:
            self._paint_ladder(p)
        self._paint_board(p)
        for t in self._layout:  # the verdict's word too: text this large is drawn as outlines, too dear per flash frame
            p.setFont(t.font)
            p.setPen(t.colour)
            p.drawText(t.rect, t.align, t.text)
        p.end()
        return pixmap

    def _paint_ladder(self, p: QPainter) -> None:
        step = self.ladder_step()
        boxes = self.ladder_boxes()
        for i, (s, box) in enumerate(boxes):
            colour = QColor(P.style_for(s.expected_label).color)
            radius = box.height() * 0.22
            if s == step:
                p.setPen(QPen(colour.lighter(130), 3))
                p.setBrush(colour)
            elif step is not None and s < step:
                tint = QColor(colour)
                tint.setAlpha(45)
                p.setPen(QPen(colour.darker(120), 2))
                p.setBrush(tint)
            else:
                p.setPen(QPen(QColor(P.BORDER), 2))
                p.setBrush(QColor(P.SURFACE_RAISED))
            p.drawRoundedRect(box, radius, radius)
            if i:
                prev = boxes[i - 1][1]
                gap = QRectF(prev.right(), box.top(), box.left() - prev.right(), box.height())
                p.setPen(QColor(P.TEXT_DIM))
                p.setFont(self._font(box.height() * 0.45))
                p.drawText(gap, Qt.AlignCenter, "→")

    def board(self) -> Board:
        """Where the fretboard goes: twelve frets from the nut, or frets 13–24 for a target above 12."""
        area = self.regions()["board"]
        target = self.target()
        numbers_h = area.height() * 0.24
        top = area.top() + area.height() * 0.06
        gap = (area.bottom() - numbers_h - top) / 5
        label_w = gap * 1.1
        rect = QRectF(area.left() + (0 if self.left_handed else label_w), top, area.width() - label_w, 5 * gap)
        first = 12 if target is not None and target[1] > 12 else 0
        numbers = QRectF(rect.left(), rect.bottom() + gap * 0.8, rect.width(), area.bottom() - rect.bottom() - gap * 0.8)
        return Board(area, rect, first, 12, gap, rect.width() / 12, numbers, self.left_handed)

    def set_left_handed(self, left: bool) -> None:
        """Draw the neck mirrored (the nut on the right) for a left-handed player."""
        self.left_handed = bool(left)
        self._panel = None
        self.update()

    def spot_rect(self) -> QRectF | None:
        """The target spot's circle (None when there is no target)."""
        target = self.target()
        if target is None:
            return None
        b = self.board()
        string, fret = target
        cx = b.x(fret - b.first - 0.5)
        cy = b.rect.top() + (string - 1) * b.gap
        rad = min(b.gap * 0.75, b.fret_w * 0.44)
        return QRectF(cx - rad, cy - rad, 2 * rad, 2 * rad)

    def _paint_board(self, p: QPainter) -> None:
        """Six strings (high E on top, as in tablature), frets, inlays, the fret numbers and the spot."""
        b = self.board()
        target = self.target()
        board, gap, fret_w = b.rect, b.gap, b.fret_w
        p.setPen(Qt.NoPen)
        p.setBrush(QColor("#3A302A"))
        p.drawRoundedRect(board.adjusted(0, -gap * 0.35, 0, gap * 0.35), 6, 6)
        p.setBrush(QColor("#5E5147"))
        for fret in INLAYS:
            if not b.first < fret <= b.first + b.frets:
                continue
            cx = b.x(fret - b.first - 0.5)
            dot = min(gap, fret_w) * 0.22
            ys = (board.top() + 1.5 * gap, board.top() + 3.5 * gap) if fret % 12 == 0 else (board.top() + 2.5 * gap,)
            for cy in ys:
                p.drawEllipse(QRectF(cx - dot, cy - dot, 2 * dot, 2 * dot))
        for i in range(b.frets + 1):
            x = b.x(i)
            nut = b.first == 0 and i == 0
            p.setPen(QPen(QColor("#EDE6D3") if nut else QColor("#9AA0A8"),
                          max(3.0, gap * 0.22) if nut else max(1.5, gap * 0.06)))
            p.drawLine(int(x), int(board.top() - gap * 0.35), int(x), int(board.bottom() + gap * 0.35))
        p.setFont(self._font(gap * 0.85))
        for s in range(1, 7):
            y = board.top() + (s - 1) * gap
            p.setPen(QPen(QColor("#D8D0BC"), max(1.0, gap * (0.025 + 0.012 * s))))
            p.drawLine(int(board.left()), int(y), int(board.right()), int(y))
            p.setPen(QColor(P.TEXT) if target and target[0] == s else QColor(P.TEXT_DIM))
            if b.left_handed:  # the string names beside the nut, on the right
                p.drawText(QRectF(board.right() + gap * 0.15, y - gap / 2, b.area.right() - board.right() - gap * 0.15, gap),
                           Qt.AlignLeft | Qt.AlignVCenter, STRING_LETTERS[s])
            else:
                p.drawText(QRectF(b.area.left(), y - gap / 2, board.left() - b.area.left() - gap * 0.15, gap),
                           Qt.AlignRight | Qt.AlignVCenter, STRING_LETTERS[s])
        for fret in range(b.first + 1, b.first + b.frets + 1):
            chosen = target is not None and fret == target[1]
            if fret not in INLAYS and not chosen:
                continue
            x = b.x(fret - b.first - 0.5)
            p.setFont(self._font(b.numbers.height() * (0.95 if chosen else 0.7), chosen))
            p.setPen(QColor(P.TEXT) if chosen else QColor(P.TEXT_DIM))
            p.drawText(QRectF(x - fret_w, b.numbers.top(), 2 * fret_w, b.numbers.height()),
                       Qt.AlignHCenter | Qt.AlignTop, str(fret))
        spot = self.spot_rect()
        if spot is not None:
            p.setPen(QPen(QColor(P.BACKGROUND), max(2.0, spot.width() * 0.09)))
            p.setBrush(QColor(SPOT))
            p.drawEllipse(spot)

    # ------------------------------------------------------------------------------ keys
    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Escape, Qt.Key_F11):
            self.leave_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class StageMode(QObject):
    """The stage view in the main window: its button, F11 and ``--stage``; and the sound cues, which
    also play outside it, with a status-bar note when they cannot."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.view = StageView(window.session, window)
        self.view.leave_requested.connect(self.leave)
        self.action = QAction("Stage &view", window)
        self.action.setShortcut(QKeySequence(Qt.Key_F11))
        self.action.setToolTip("A full-screen view to read from the music stand (F11; Escape leaves)")
        self.action.triggered.connect(self.toggle)
        window.addAction(self.action)
        for name in ("listen_action", "next_action"):  # Space and N work on the stage too
            if hasattr(window, name):
                self.view.addAction(getattr(window, name))
        button = getattr(window, "stage_button", None)
        if button is not None:
            button.setToolTip(self.action.toolTip())
            button.clicked.connect(self.open)
        self.cue_note = QLabel()
        self.cue_note.hide()
        self.cues = SoundCues(window.session, window.settings, parent=self)
        self.cues.unavailable.connect(self._cues_unavailable)
        if getattr(window.options, "stage", False):
            QTimer.singleShot(0, self, self.open)  # once the window is up

    @property
    def active(self) -> bool:
        return self.view.isVisible()

    def toggle(self) -> None:
        self.leave() if self.active else self.open()

    def open(self) -> None:
        screen = self.window.screen()
        if screen is not None:
            self.view.setGeometry(screen.geometry())
        self.view.showFullScreen()
        self.window.waveform.timer.stop()  # the live page is covered: its waveform and meter need not paint
        self.view.raise_()
        self.view.activateWindow()
        self.view.setFocus()

    def leave(self) -> None:
        if self.view.isVisible():
            self.view.hide()
            self.window.waveform.timer.start()
            self.window.activateWindow()

    def _cues_unavailable(self, message: str) -> None:
        self.cue_note.setText(message)
        self.window.statusBar().addWidget(self.cue_note)
        self.cue_note.show()
