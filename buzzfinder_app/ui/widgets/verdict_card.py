"""The large card that shows the verdict on the last note: provisional first, then final."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.pixmaps import clear_pixmap


class ClassBadge(QWidget):
    """A filled circle in the class colour with the class symbol inside."""

    def __init__(self, size: int = 96, parent=None):
        super().__init__(parent)
        self._label = None
        self._final = True
        self.setFixedSize(size, size)

    def set_label(self, label: str | None, final: bool = True) -> None:
        self._label, self._final = label, final
        self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        r = QRectF(3, 3, self.width() - 6, self.height() - 6)
        if self._label is None:
            p.setPen(QPen(QColor(P.BORDER), 2, Qt.DashLine))
            p.setBrush(Qt.NoBrush)
            p.drawEllipse(r)
            p.end()
            return
        style = P.style_for(self._label)
        pen, brush = P.verdict_pen_and_brush(self._label, self._final, 3, 70)
        p.setPen(pen)
        p.setBrush(brush)
        p.drawEllipse(r)
        f = QFont(self.font())
        f.setPixelSize(int(self.height() * 0.5))
        f.setBold(True)
        p.setFont(f)
        p.setPen(QColor("#FFFFFF"))
        p.drawText(r, Qt.AlignCenter, style.symbol)
        p.end()


class ProbBar(QWidget):
    """One class probability: label, bar in the class colour, percentage."""

    def __init__(self, label: str, parent=None):
        super().__init__(parent)
        self.label = label
        self.value = 0.0
        self._name_pixmap: tuple[tuple, QPixmap] | None = None  # ((width, height, pixel ratio), drawn name)
        self.setMinimumHeight(22)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(240, 22)

    def set_value(self, value: float) -> None:
        value = max(0.0, min(1.0, float(value)))
        if value != self.value:
            self.value = value
            self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        style = P.style_for(self.label)
        h, w = self.height(), self.width()
        name_w, pct_w = 86, 48
        p.drawPixmap(0, 0, self._name(name_w, h))
        trough = QRectF(name_w, h / 2 - 5, max(10, w - name_w - pct_w), 10)
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(P.SURFACE_RAISED))
        p.drawRoundedRect(trough, 5, 5)
        if self.value > 0:
            p.setBrush(QColor(style.color))
            p.drawRoundedRect(QRectF(trough.left(), trough.top(), max(10, trough.width() * self.value), 10), 5, 5)
        p.setPen(QColor(P.TEXT_DIM))
        p.drawText(QRectF(w - pct_w, 0, pct_w, h), Qt.AlignRight | Qt.AlignVCenter, f"{round(self.value * 100)} %")
        p.end()

    def _name(self, width: int, height: int) -> QPixmap:
        """The class's symbol and name, drawn once per size (its symbol glyph is the dear part)."""
        ratio = self.devicePixelRatioF()
        if self._name_pixmap is None or self._name_pixmap[0] != (width, height, ratio):
            style = P.style_for(self.label)
            pixmap = clear_pixmap(width, height, ratio)
            p = QPainter(pixmap)
            p.setFont(self.font())
            p.setPen(QColor(P.TEXT))
            p.drawText(QRectF(0, 0, width, height), Qt.AlignLeft | Qt.AlignVCenter, f"{style.symbol}  {style.title}")
            p.end()
            self._name_pixmap = ((width, height, ratio), pixmap)
        return self._name_pixmap[1]


def _label(text: str = "", name: str | None = None) -> QLabel:
    lab = QLabel(text)
    if name:
        lab.setObjectName(name)
    return lab


class VerdictCard(QFrame):
    """Shows the last note's class (symbol, colour, name), note name, confidence and probabilities."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        self.label: str | None = None
        self.stage: str | None = None  # "provisional" | "final"
        self.note_index: int | None = None

        self.badge = ClassBadge(104)
        self.caption = _label("LAST NOTE", "caption")
        self.stage_label = _label("", "dim")
        self._accent = QColor(P.BORDER)
        self.title = _label("Play a note", "verdictTitle")
        self.title.setTextFormat(Qt.RichText)
        self.note_label = _label("Waiting for the first onset…", "dim")
        nf = QFont(self.note_label.font())
        nf.setPointSizeF(13)
        self.note_label.setFont(nf)
        self.note_label.setWordWrap(True)
        self.hint = _label("", "dim")
        self.hint.setWordWrap(True)
        # heights reserved (two lines of text, one of the stage), so that a verdict never moves the layout
        for lab, lines in ((self.note_label, 2), (self.hint, 2), (self.stage_label, 1)):
            lab.setFixedHeight(lines * lab.fontMetrics().lineSpacing() + 4)
        self.bars = {label: ProbBar(label) for label in P.DISPLAY_ORDER}

        head = QHBoxLayout()
        head.addWidget(self.caption)
        head.addStretch(1)
        head.addWidget(self.stage_label)

        text = QVBoxLayout()
        text.setSpacing(2)
        text.addStretch(1)
        text.addWidget(self.title)
        text.addWidget(self.note_label)
        text.addWidget(self.hint)
        text.addStretch(1)

        bars = QVBoxLayout()
        bars.setSpacing(4)
        bars.addStretch(1)
        for bar in self.bars.values():
            bars.addWidget(bar)
        bars.addStretch(1)
        bars_box = QWidget()
        bars_box.setLayout(bars)
        bars_box.setMinimumWidth(260)
        bars_box.setMaximumWidth(420)

        top = QHBoxLayout()
        top.setSpacing(20)
        top.addWidget(self.badge, 0, Qt.AlignVCenter)
        top.addLayout(text, 1)
        top.addWidget(bars_box, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 12, 20, 14)
        lay.setSpacing(6)
        lay.addLayout(head)
        lay.addLayout(top)
        self._apply_border(None)

    def _apply_border(self, label: str | None) -> None:
        self._accent = QColor(P.style_for(label).color if label else P.BORDER)
        self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.setPen(Qt.NoPen)
        p.setBrush(self._accent)
        p.drawRoundedRect(QRectF(1, 12, 5, self.height() - 24), 2.5, 2.5)
        p.end()

    def _set_title(self, text: str, colour: str | None = None) -> None:
        self.title.setText(f"<span style='color:{colour}'>{text}</span>" if colour else text)

    def clear(self) -> None:
        self.label = self.stage = self.note_index = None
        self.badge.set_label(None)
        self._set_title("Play a note")
        self.note_label.setText("Waiting for the first onset…")
        self.hint.setText("")
        self.stage_label.setText("")
        for bar in self.bars.values():
            bar.set_value(0)
        self._apply_border(None)

    def show_note(self, update) -> None:
        """A live session's ``NoteUpdate``: the card follows the run's newest note."""
        if not update.latest:
            return
        n = update.note
        if n.stage == "onset":
            self.show_onset(n.index, n.note)
        else:
            self.show_verdict(n.index, n.verdict, n.stage, n.note, n.pitch_hz)

    def show_onset(self, index: int, note: str | None) -> None:
        """A note has started; its verdict follows within half a second."""
        self.note_index, self.label, self.stage = index, None, "onset"
        self.badge.set_label(None)
        self._set_title("Listening…")
        self.note_label.setText(f"Note {index + 1}" + (f" · {note}" if note else ""))
        self.hint.setText("")
        self.stage_label.setText("● hearing the note")
        for bar in self.bars.values():
            bar.set_value(0)
        self._apply_border(None)

    def show_verdict(self, index: int, verdict, stage: str, note: str | None = None,
                     pitch_hz: float | None = None) -> None:
        """Show a ``Verdict``; ``stage`` is "provisional" or "final"."""
        style = P.style_for(verdict.label)
        self.note_index, self.label, self.stage = index, verdict.label, stage
        final = stage == "final"
        self.badge.set_label(verdict.label, final)
        self._set_title(style.title, style.text_color)
        parts = [f"Note\u00a0{index + 1}"]
        if verdict.label != "muted":  # a muted note rings no pitch: nothing to name
            if note:
                parts.append(note)
            if pitch_hz:
                parts.append(f"{pitch_hz:.0f}\u00a0Hz")
        probs = dict(getattr(verdict, "probs", {}) or {})
        if verdict.label in P.DISPLAY_ORDER or not probs:  # non-breaking: "92 % confident" stays on one line
            parts.append(f"{round(float(verdict.confidence) * 100)}\u00a0%\u00a0confident")
            self.hint.setText(style.hint.capitalize() + ".")
        else:  # unsure: say what it leaned towards
            guess = max(probs, key=probs.get)
            parts.append(f"best\u00a0guess {P.style_for(guess).title.lower()}\u00a0{round(probs[guess] * 100)}\u00a0%")
            self.hint.setText("Not confident enough to say — play it again.")
        self.note_label.setText("  ·  ".join(parts))
        self.stage_label.setText("✔ final" if final else "◔ provisional — settling…")
        for label, bar in self.bars.items():
            bar.set_value(probs.get(label, 0.0))
        self._apply_border(verdict.label)
