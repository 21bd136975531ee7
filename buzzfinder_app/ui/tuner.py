"""The tuner on screen: a big note name, a needle over a cents scale, the advice, the six strings.

:class:`TunerView` only draws; its :meth:`TunerView.feed` takes blocks of input at 22 050 Hz (the
live input's ``samples``, or an :class:`InputListener` of its own) and hands them to the Qt-free
:class:`~buzzfinder_app.practice.tuner.Tuner`. :class:`TunerDialog` (Practice ▸ Tuner…) listens to
the live input while the window listens, else opens the chosen input itself.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QSizePolicy, QVBoxLayout, QWidget

from buzzfinder_app import constants as C
from buzzfinder_app.audio.dc import DcBlocker
from buzzfinder_app.audio.sources import stop_quietly
from buzzfinder_app.practice.tuner import IN_TUNE_CENTS, Tuner, TunerReading, TuningProgress
from buzzfinder_app.practice.tuning import OPEN_STRING_MIDI, STRING_NAMES, midi_to_hz, note_name
from buzzfinder_app.ui import palette as P

#: The scale's half width in cents; a needle further out waits at the end with an arrow.
SCALE_CENTS = 50.0
DRAIN_MS = 40
IN_TUNE = P.CLASS_STYLES["clean"].color
OFF = P.WARNING


def advice_text(reading: TunerReading | None) -> str:
    """The line under the needle, in words a beginner can act on."""
    if reading is None:
        return "Pluck one open string and let it ring."
    string = f"{reading.string_name} string"
    if reading.in_tune:
        return f"✓  {string}: in tune"
    cents = abs(round(reading.cents))
    if reading.cents < 0:
        return f"{string}: {cents} cents flat — tune up (tighten the string)"
    return f"{string}: {cents} cents sharp — tune down (loosen the string)"


class TunerView(QWidget):
    """The tuner's face; call :meth:`feed` with blocks of input (or :meth:`show_reading` directly)."""

    #: The reading changed (None: nothing heard lately).
    reading_changed = Signal(object)
    #: A string was heard in tune (its number, 1 = high E … 6 = low E).
    string_tuned = Signal(int)

    def __init__(self, parent=None, sample_rate: int = C.SAMPLE_RATE):
        super().__init__(parent)
        self.tuner = Tuner(sample_rate)
        self.progress = TuningProgress()
        self.sample_rate = sample_rate
        self.reading: TunerReading | None = None
        self.setMinimumSize(440, 300)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAccessibleName("Tuner")

    def sizeHint(self) -> QSize:
        return QSize(620, 360)

    def reset(self) -> None:
        self.tuner.reset()
        self.show_reading(None)

    def feed(self, block) -> None:
        """A block of input (mono, DC removed, at the tuner's rate)."""
        block = np.asarray(block, np.float32).reshape(-1)
        if not block.size:
            return
        reading = self.tuner.feed(block)
        before = set(self.progress.tuned)
        self.progress.add(reading, block.size / self.sample_rate)
        self.show_reading(reading)
        for string in sorted(self.progress.tuned - before):
            self.string_tuned.emit(string)

    def show_reading(self, reading: TunerReading | None) -> None:
        if reading != self.reading:
            self.reading = reading
            self.update()
            self.reading_changed.emit(reading)

    @property
    def advice(self) -> str:
        return advice_text(self.reading)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        r = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        p.setPen(QPen(QColor(P.BORDER), 1))
        p.setBrush(QColor(P.SURFACE))
        p.drawRoundedRect(r, 10, 10)
        inner = r.adjusted(24, 16, -24, -16)
        strings_h = min(66.0, inner.height() * 0.22)
        advice_h = 34.0
        self._paint_strings(p, QRectF(inner.left(), inner.top(), inner.width(), strings_h))
        body = QRectF(inner.left(), inner.top() + strings_h + 6, inner.width(),
                      inner.height() - strings_h - advice_h - 6)
        note_h, target_h = body.height() * 0.5, 22.0
        self._paint_note(p, QRectF(body.left(), body.top(), body.width(), note_h))
        self._paint_target(p, QRectF(body.left(), body.top() + note_h, body.width(), target_h))
        top = body.top() + note_h + target_h
        self._paint_scale(p, QRectF(body.left(), top, body.width(), body.bottom() - top))
        self._paint_advice(p, QRectF(inner.left(), inner.bottom() - advice_h, inner.width(), advice_h))
        p.end()

    def _colour(self) -> QColor:
        if self.reading is None:
            return QColor(P.TEXT_DIM)
        return QColor(IN_TUNE if self.reading.in_tune else OFF)

    def _paint_strings(self, p: QPainter, area: QRectF) -> None:
        """The six open strings, low E to high E: the one heard ringed, the tuned ones ticked."""
        strings = sorted(OPEN_STRING_MIDI, reverse=True)  # 6 (low E) … 1 (high E), as they lie on the neck
        d = min(area.height() - 22, 40.0)
        gap = min(26.0, (area.width() - 6 * d) / 5)
        width = 6 * d + 5 * gap
        x = area.center().x() - width / 2
        font = QFont(self.font())
        font.setPixelSize(int(d * 0.42))
        font.setBold(True)
        small = QFont(self.font())
        small.setPixelSize(max(9, int(d * 0.26)))
        current = self.reading.string if self.reading is not None else None
        for string in strings:
            circle = QRectF(x, area.top(), d, d)
            tuned = string in self.progress.tuned
            if tuned:
                p.setBrush(QColor(IN_TUNE))
                p.setPen(Qt.NoPen)
            else:
                p.setBrush(QColor(P.SURFACE_RAISED))
                p.setPen(QPen(QColor(P.BORDER), 1.5))
            p.drawEllipse(circle)
            if string == current:
                p.setBrush(Qt.NoBrush)
                p.setPen(QPen(self._colour(), 3))
                p.drawEllipse(circle.adjusted(-4, -4, 4, 4))
            p.setFont(font)
            p.setPen(QColor(P.TEXT))
            letter = note_name(midi_to_hz(OPEN_STRING_MIDI[string]))[0]
            p.drawText(circle, Qt.AlignCenter, letter)
            p.setFont(small)
            p.setPen(QColor(IN_TUNE if tuned else P.TEXT_DIM))
            label = "✓" if tuned else str(string)
            p.drawText(QRectF(x - gap / 2, circle.bottom() + 5, d + gap, area.bottom() - circle.bottom()),
                       Qt.AlignHCenter | Qt.AlignTop, label)
            x += d + gap

    def _paint_note(self, p: QPainter, area: QRectF) -> None:
        """The note heard, big: its letter, with the octave small beside it."""
        colour = self._colour()
        if self.reading is None:
            text, octave = "–", ""
        else:
            text, octave = self.reading.note[:-1].replace("#", "♯"), self.reading.note[-1]
        big = QFont(self.font())
        big.setPixelSize(max(24, int(area.height() * 0.78)))
        big.setBold(True)
        p.setFont(big)
        metrics = p.fontMetrics()
        small = QFont(self.font())
        small.setPixelSize(max(12, int(area.height() * 0.26)))
        text_w = metrics.horizontalAdvance(text)
        p.setPen(colour)
        rect = QRectF(area.center().x() - text_w / 2, area.top(), text_w, area.height())
        p.drawText(rect, Qt.AlignCenter, text)
        if octave:
            p.setFont(small)
            p.setPen(QColor(P.TEXT_DIM))
            p.drawText(QRectF(rect.right() + 4, area.top(), 60, area.height() * 0.8),
                       Qt.AlignLeft | Qt.AlignBottom, octave)

    def _paint_target(self, p: QPainter, area: QRectF) -> None:
        """The string the note is nearest and the pitch it should have."""
        if self.reading is None:
            return
        font = QFont(self.font())
        font.setPixelSize(14)
        p.setFont(font)
        p.setPen(QColor(P.TEXT_DIM))
        p.drawText(area, Qt.AlignCenter, f"{STRING_NAMES[self.reading.string]} string should be "
                                         f"{self.reading.target_note} · {self.reading.target_hz:.1f} Hz")

    def _paint_scale(self, p: QPainter, area: QRectF) -> None:
        """−50 … +50 cents; the in-tune band in the middle; the needle at the reading."""
        label_font = QFont(self.font())
        label_font.setPixelSize(13)
        p.setFont(label_font)
        track_y = area.top() + area.height() * 0.42
        left, right = area.left() + 72, area.right() - 72
        half = (right - left) / 2
        middle = left + half

        def x_of(cents: float) -> float:
            return middle + max(-1.0, min(1.0, cents / SCALE_CENTS)) * half

        p.setPen(Qt.NoPen)
        p.setBrush(QColor(P.SURFACE_RAISED))
        p.drawRoundedRect(QRectF(left, track_y - 7, right - left, 14), 7, 7)
        band = QColor(IN_TUNE)
        band.setAlpha(110)
        p.setBrush(band)
        p.drawRoundedRect(QRectF(x_of(-IN_TUNE_CENTS), track_y - 11, x_of(IN_TUNE_CENTS) - x_of(-IN_TUNE_CENTS), 22),
                          4, 4)
        for cents in range(-50, 51, 10):
            x = x_of(cents)
            tall = cents in (-50, 0, 50)
            p.setPen(QPen(QColor(P.TEXT_DIM if tall else P.BORDER), 2 if tall else 1.5))
            p.drawLine(QPointF(x, track_y + 12), QPointF(x, track_y + (22 if tall else 17)))
            if tall:
                p.setPen(QColor(P.TEXT_DIM))
                p.drawText(QRectF(x - 30, track_y + 22, 60, 18), Qt.AlignHCenter | Qt.AlignTop,
                           f"{cents:+d}" if cents else "0")
        p.setPen(QColor(P.TEXT_DIM))
        p.drawText(QRectF(left - 72, track_y - 12, 64, 24), Qt.AlignRight | Qt.AlignVCenter, "♭ flat")
        p.drawText(QRectF(right + 8, track_y - 12, 64, 24), Qt.AlignLeft | Qt.AlignVCenter, "sharp ♯")
        if self.reading is None:
            return
        x = x_of(self.reading.cents)
        colour = self._colour()
        p.setPen(QPen(colour, 4, Qt.SolidLine, Qt.RoundCap))
        p.drawLine(QPointF(x, track_y - 26), QPointF(x, track_y + 10))
        head = QPainterPath()
        head.moveTo(x - 9, track_y - 34)
        head.lineTo(x + 9, track_y - 34)
        head.lineTo(x, track_y - 22)
        head.closeSubpath()
        p.setPen(Qt.NoPen)
        p.setBrush(colour)
        p.drawPath(head)
        if abs(self.reading.cents) > SCALE_CENTS:  # off the scale: an arrow says which way
            p.setPen(colour)
            p.drawText(QRectF(x - 40, track_y - 58, 80, 20), Qt.AlignCenter,
                       "◀ more" if self.reading.cents < 0 else "more ▶")

    def _paint_advice(self, p: QPainter, area: QRectF) -> None:
        font = QFont(self.font())
        font.setBold(self.reading is not None)
        for size in (18, 16, 14, 12):  # the largest that fits
            font.setPixelSize(size)
            p.setFont(font)
            if p.fontMetrics().horizontalAdvance(self.advice) <= area.width():
                break
        p.setPen(self._colour() if self.reading is not None else QColor(P.TEXT_DIM))
        p.drawText(area, Qt.AlignCenter, self.advice)


class InputListener(QObject):
    """Opens an input of its own and hands out its blocks (DC removed) and levels, for the tuner
    and the set-up guide when the window is not listening. ``source_factory(device, rate, name,
    channel)`` makes the source, as for the calibration wizard."""

    samples = Signal(object)
    level = Signal(float, float, bool)
    #: The input could not be opened or stopped: why, for the player.
    failed = Signal(str)

    def __init__(self, source_factory=None, parent=None):
        super().__init__(parent)
        if source_factory is None:
            from buzzfinder_app.ui.calibration_wizard import mic_source as source_factory
        self.source_factory = source_factory
        self.source = None
        self.error: str | None = None
        self._dc = DcBlocker()
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self._drain)

    @property
    def running(self) -> bool:
        return self.source is not None

    def start(self, device, rate: int | None, name: str, channel: int = 1) -> bool:
        """Open and start the input (stopping one already open); False, with :attr:`error`, if it fails."""
        self.stop()
        self._dc.reset()
        try:
            source = self.source_factory(device, rate, name, channel)
            source.start()
        except Exception as exc:
            self.error = str(exc) or exc.__class__.__name__
            self.failed.emit(self.error)
            return False
        self.source, self.error = source, None
        self.timer.start()
        return True

    def _drain(self) -> None:
        from buzzfinder_app.ui.live import meter_reading

        try:
            block = self.source.read()
        except Exception as exc:
            self.stop()
            self.error = str(exc) or exc.__class__.__name__
            self.failed.emit(self.error)
            return
        block = np.asarray(block, np.float32).reshape(-1)
        if block.size:
            heard = self._dc.process(block)
            self.level.emit(*meter_reading(block, heard))
            self.samples.emit(heard)

    def stop(self) -> None:
        self.timer.stop()
        stop_quietly(self.source)
        self.source = None


def listen_to_chosen_input(listener: InputListener, services, settings) -> bool:
    """Start ``listener`` on the input chosen in the settings; False when there is none or it failed."""
    if not services.devices:
        listener.error = "no input device was found"
        listener.failed.emit(listener.error)
        return False
    return listener.start(services.device_id(settings.device), settings.sample_rate,
                          services.input_name(settings), services.channel(settings))


class TunerDialog(QDialog):
    """Practice ▸ Tuner…: the live input's blocks when ``live_samples`` (a signal) is given, else an
    input of its own (the one chosen in the settings)."""

    def __init__(self, services, settings, parent=None, live_samples=None, source_factory=None):
        super().__init__(parent)
        self.setWindowTitle("Tuner")
        self.setMinimumSize(560, 440)
        self.view = TunerView()
        self.status = QLabel()
        self.status.setObjectName("dim")
        self.status.setWordWrap(True)
        self.listener = InputListener(source_factory, self)
        self.listener.samples.connect(self.view.feed)
        self.listener.failed.connect(lambda why: self.status.setText(f"Could not listen to the input: {why}"))
        self._live_samples = live_samples
        if live_samples is not None:
            live_samples.connect(self.view.feed)
            self.status.setText("Listening through the live page's input.")
        elif listen_to_chosen_input(self.listener, services, settings):
            self.status.setText(f"Listening to {services.input_name(settings)}.")
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        hint = QLabel("Standard tuning, low to high: E A D G B E. Pluck one open string at a time and turn its "
                      "peg until the needle rests in the green band.")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.status)
        lay.addWidget(buttons)

    def done(self, result: int) -> None:
        self.listener.stop()
        if self._live_samples is not None:
            try:
                self._live_samples.disconnect(self.view.feed)
            except (RuntimeError, TypeError):
                pass
            self._live_samples = None
        super().done(result)


def open_tuner(window) -> TunerDialog:
    """The tuner over ``window``: fed by the live input while it listens, else by an input of its own."""
    live = window.live if window.live is not None and window.live.running else None
    dialog = TunerDialog(window.services, window.settings, window,
                         live_samples=live.samples if live is not None else None)
    dialog.exec()
    return dialog
