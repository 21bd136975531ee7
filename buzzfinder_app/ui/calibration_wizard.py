"""The calibration wizard: device and rate, 3 s of silence, five notes, then gain, gate and advice.

The measuring and the maths are :class:`buzzfinder_app.practice.calibration.CalibrationRun`; the
wizard only feeds it the input and shows its progress. The result is remembered per device.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox, QFormLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWizard, QWizardPage,
)

from buzzfinder_app import constants as C
from buzzfinder_app.audio.devices import input_name
from buzzfinder_app.practice.calibration import CalibrationRun, CalibrationStoreError
from buzzfinder_app.ui import palette as P
from buzzfinder_app.practice.levels import as_mono
from buzzfinder_app.ui.live import meter_reading
from buzzfinder_app.audio.sources import MicInput, stop_quietly
from buzzfinder_app.ui.widgets.input_box import InputBox
from buzzfinder_app.ui.widgets.level_meter import LevelMeter

DRAIN_MS = 25


def mic_source(device, sample_rate: int, name: str, channel: int = 1):
    return MicInput(device, sample_rate, device_name=name, channel=channel)


def _text(text: str, name: str | None = None) -> QLabel:
    lab = QLabel(text)
    lab.setWordWrap(True)
    if name:
        lab.setObjectName(name)
    return lab


class DevicePage(QWizardPage):
    def __init__(self, wizard: "CalibrationWizard"):
        super().__init__()
        self.w = wizard
        self.setTitle("Input")
        self.setSubTitle("Choose the microphone or interface you practise with.")
        self.device_box = QComboBox()
        self.channel_box = InputBox()
        self.rate_box = QComboBox()
        for dev in wizard.services.devices:
            self.device_box.addItem(dev.name, dev)
        current = wizard.services.device_name(wizard.settings.device)
        self.device_box.setCurrentIndex(max(0, self.device_box.findText(current)))
        self.device_box.currentIndexChanged.connect(lambda _: self._fill(1))
        self._fill(wizard.services.channel(wizard.settings))
        form = QFormLayout(self)
        form.addRow("Device", self.device_box)
        form.addRow("Input", self.channel_box)
        form.addRow("Sample rate", self.rate_box)
        form.addRow(_text("Calibration measures your room's background noise and how loud your notes are, "
                          "then sets a digital gain and the note-detection threshold for this device.", "dim"))

    def _fill(self, channel: int) -> None:
        """The chosen device's inputs and sample rates."""
        dev = self.device_box.currentData()
        self.channel_box.show_inputs(dev, channel)
        self.rate_box.clear()
        for rate in dev.rates if dev is not None else [C.SAMPLE_RATE]:
            self.rate_box.addItem(f"{rate} Hz", rate)

    @property
    def channel(self) -> int:
        return self.channel_box.channel

    def isComplete(self) -> bool:
        return self.device_box.count() > 0


class MeasurePage(QWizardPage):
    """Silence or notes: starts the run on entry and completes when its phase is over."""

    def __init__(self, wizard: "CalibrationWizard", phase: str):
        super().__init__()
        self.w = wizard
        self.phase = phase
        if phase == "silence":
            self.setTitle("Silence")
            self.setSubTitle("Keep the room quiet and the strings still for 3 seconds.")
        else:
            self.setTitle("Five notes")
            self.setSubTitle("Play five single notes at your normal strength, letting each one ring.")
        self.message = _text("")
        f = self.message.font()
        f.setPointSizeF(13)
        self.message.setFont(f)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.meter = LevelMeter()
        self.meter.setMinimumHeight(140)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addWidget(self.bar)
        if phase == "notes":
            self.done_button = QPushButton("Done — use the notes heard so far")
            self.done_button.clicked.connect(self.w.finish_notes)
            lay.addWidget(self.done_button, 0, Qt.AlignLeft)
        lay.addWidget(self.meter, 1, Qt.AlignHCenter)

    def initializePage(self) -> None:
        if self.phase == "silence":
            self.w.start_run()
        self.update_progress()

    def update_progress(self) -> None:
        run = self.w.run
        if run is None:
            return
        prog = run.progress
        self.message.setText(prog.message if prog.phase != "done" or self.phase == "notes" else "")
        frac = prog.fraction if prog.phase == self.phase else (1.0 if prog.phase != "silence" else 0.0)
        self.bar.setValue(int(frac * 1000))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        run = self.w.run
        if run is None:
            return False
        return run.phase != "silence" if self.phase == "silence" else run.phase == "done"


def result_table(cal) -> str:
    """The measured levels as heard and after the gain, then the gain and gate (both after it)."""
    def level(db):
        return "–" if db is None else f"{db:.0f} dBFS"

    def after(db):
        return None if db is None else db + cal.gain_db

    dim = f"style='color:{P.TEXT_DIM}'"
    rows = [f"<tr><td></td><td {dim}>as heard</td><td {dim}>after the gain</td></tr>"]
    for name, db in (("Noise floor", cal.noise_floor_dbfs), ("Note peaks", cal.note_level_dbfs)):
        rows.append(f"<tr><td {dim}>{name}</td><td>{level(db)}</td><td><b>{level(after(db))}</b></td></tr>")
    rows.append(f"<tr><td {dim}>Gain</td><td colspan='2'><b>{cal.gain_db:+.1f} dB</b> "
                f"<span {dim}>(digital, applied to the input)</span></td></tr>")
    rows.append(f"<tr><td {dim}>Onset gate</td><td colspan='2'><b>{level(cal.gate_dbfs)}</b> "
                f"<span {dim}>(after the gain: a note must rise above it)</span></td></tr>")
    rows.append(f"<tr><td {dim}>Notes heard</td><td colspan='2'><b>{cal.notes_detected}</b></td></tr>")
    return "<table cellpadding='4'>" + "".join(rows) + "</table>"


class ResultPage(QWizardPage):
    def __init__(self, wizard: "CalibrationWizard"):
        super().__init__()
        self.w = wizard
        self.setTitle("Result")
        self.setSubTitle("Finish saves this for the device; recalibrate when the room or the setup changes.")
        self.numbers = QLabel()
        self.numbers.setTextFormat(Qt.RichText)
        self.warnings = _text("")
        self.warnings.setTextFormat(Qt.RichText)
        lay = QVBoxLayout(self)
        lay.addWidget(self.numbers)
        lay.addWidget(self.warnings)
        lay.addStretch(1)

    def initializePage(self) -> None:
        cal = self.w.result
        if cal is None:
            return
        self.numbers.setText(result_table(cal))
        if cal.warnings:
            items = "".join(f"<li>{w.message}</li>" for w in cal.warnings)
            self.warnings.setText(f"<p style='color:{P.WARNING}'><b>⚠ Advice</b></p><ul>{items}</ul>")
        else:
            self.warnings.setText(f"<p style='color:{P.CLASS_STYLES['clean'].color}'>✓ Levels look good.</p>")


class CalibrationWizard(QWizard):
    """``source_factory(device, sample_rate, name, channel)`` makes the input (the microphone by default)."""

    def __init__(self, services, settings, parent=None, source_factory=mic_source, run_options: dict | None = None):
        super().__init__(parent)
        self.services = services
        self.settings = settings
        self.source_factory = source_factory
        self.run_options = run_options or {}
        self.run: CalibrationRun | None = None
        self.source = None
        self.result = None
        self.error: str | None = None
        self.setWindowTitle("Calibrate input")
        self.setWizardStyle(QWizard.ModernStyle)
        self.setMinimumSize(560, 440)
        self.device_page = DevicePage(self)
        self.silence_page = MeasurePage(self, "silence")
        self.notes_page = MeasurePage(self, "notes")
        self.result_page = ResultPage(self)
        for page in (self.device_page, self.silence_page, self.notes_page, self.result_page):
            self.addPage(page)
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self._drain)

    @property
    def device_name(self) -> str:
        return self.device_page.device_box.currentText()

    @property
    def input_name(self) -> str:
        """The device and input being calibrated (what the calibration is stored under)."""
        return input_name(self.device_name, self.device_page.channel)

    def start_run(self) -> None:
        dev = self.device_page.device_box.currentData()
        rate = self.device_page.rate_box.currentData() or C.SAMPLE_RATE
        self.stop_source()
        self.result = None
        try:
            self.source = self.source_factory(dev.index if dev is not None else None, rate, self.input_name,
                                              self.device_page.channel)
            self.source.start()
        except Exception as exc:
            self.source = None
            self.error = str(exc) or exc.__class__.__name__
            self.silence_page.message.setText(f"Could not open the input: {self.error}")
            self.silence_page.message.setStyleSheet(f"color: {P.ERROR};")
            return
        rate = int(getattr(self.source, "sample_rate", None) or getattr(getattr(self.source, "mic", None),
                                                                         "sample_rate", rate))
        self.run = CalibrationRun(self.input_name, rate, **self.run_options)
        self.timer.start()

    def _drain(self) -> None:
        if self.source is None or self.run is None:
            return
        try:
            block = self.source.read()
        except Exception as exc:
            self.stop_source()
            page = self.currentPage()
            if isinstance(page, MeasurePage):
                page.message.setText(f"The input stopped: {exc}")
                page.message.setStyleSheet(f"color: {P.ERROR};")
            return
        if len(block):
            phase = self.run.phase
            self.run.feed(block)
            page = self.currentPage()
            if isinstance(page, MeasurePage):
                page.meter.set_level(*meter_reading(as_mono(block), self.run.heard))  # what the run measured
                page.update_progress()
            if self.run.phase == "done":
                self._done()
            elif phase == "silence" and self.run.phase == "notes" and self.currentPage() is self.silence_page:
                self.next()

    def finish_notes(self) -> None:
        if self.run is not None and self.run.phase == "notes":
            self.run.finish()
            self._done()

    def _done(self) -> None:
        self.stop_source()
        self.result = self.run.result
        self.notes_page.update_progress()
        if self.currentPage() is self.notes_page:
            self.next()

    def stop_source(self) -> None:
        self.timer.stop()
        stop_quietly(self.source)
        self.source = None

    def accept(self) -> None:
        if self.result is not None:
            store = self.services.calibrations
            try:
                if store is None:
                    raise CalibrationStoreError("the calibration store could not be opened")
                store.save(self.result)
            except CalibrationStoreError as exc:
                self.error = str(exc)
            self.settings.device = self.device_name
            self.settings.channel = self.device_page.channel
            self.settings.sample_rate = self.device_page.rate_box.currentData()
            self.settings.last_device_seen = self.input_name
        super().accept()

    def reject(self) -> None:
        self.stop_source()
        super().reject()

    def done(self, result: int) -> None:
        self.stop_source()
        super().done(result)
