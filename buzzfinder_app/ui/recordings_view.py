"""Recordings: open an audio file, analyse it in a worker, see every note on a timeline, hear one,
export the list as CSV. Needs no microphone."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFileDialog, QFrame, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from buzzfinder_app import constants as C
from buzzfinder_app.ui.widgets.tables import read_only_table
from buzzfinder_app.ui import palette as P
from buzzfinder_app.ui.widgets.labels import caption
from buzzfinder_app.ui.workers import AnalysisWorker, start_in_thread, stop_thread
from buzzfinder_app.words import plural

AUDIO_FILTER = "Audio (*.wav *.flac *.ogg *.mp3 *.aiff *.aif);;All files (*)"
COLUMNS = ("#", "Time", "Note", "Verdict", "Confidence", "Clean", "Buzzy", "Muted")
NO_OUTPUT = "No audio output device: the note cannot be played."
EMPTY_SECONDS = 10.0


def _play_error(exc: Exception) -> str:
    """What a failed playback says: PortAudio's "Error querying device -1" (no output device) in
    plain words, anything else as it is."""
    text = str(exc)
    lowered = text.lower()
    if "device -1" in lowered or "no default output" in lowered or "no output device" in lowered:
        return NO_OUTPUT
    return f"Could not play the note: {text}"


def envelope(y: np.ndarray, points: int = 4000) -> tuple[np.ndarray, np.ndarray, int]:
    """Min and max per bin so that a long file draws quickly; returns (lo, hi, bin size)."""
    if not len(y):
        return np.zeros(1, np.float32), np.zeros(1, np.float32), 1
    size = max(1, int(np.ceil(len(y) / points)))
    n = len(y) // size
    frames = y[: n * size].reshape(n, size) if n else y[None, :]
    return frames.min(axis=1), frames.max(axis=1), size


def play_audio(samples: np.ndarray, sample_rate: int) -> None:
    """Plays through sounddevice (raises on a missing output device); separate so tests can replace it."""
    import sounddevice as sd

    sd.stop()
    sd.play(samples, sample_rate)


class RecordingsView(QWidget):
    """The recordings tab."""

    analysis_finished = Signal(object)  # RecordingResult
    _analyse = Signal(str)

    def __init__(self, model_path: Path | None, unsure_threshold: float | None = None, parent=None, settings=None):
        super().__init__(parent)
        self.model_path = model_path
        self.unsure_threshold = unsure_threshold
        self.settings = settings  # AppSettings: where Open recording starts (None: the home folder)
        self.result = None
        self.player = play_audio
        self._marks = []

        self.worker = AnalysisWorker(model_path, unsure_threshold)
        self.thread = start_in_thread(self.worker, "buzzfinder-analysis")
        self._analyse.connect(self.worker.analyse)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)

        self.open_button = QPushButton("Open recording…  (Ctrl+O)")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(lambda: self.open_file(None))
        self.file_label = QLabel("Open a WAV, FLAC or other audio file, or drop one here.")
        self.file_label.setObjectName("dim")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(220)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_csv(None))
        top = QHBoxLayout()
        top.setSpacing(10)
        top.addWidget(self.open_button)
        top.addWidget(self.file_label, 1)
        top.addWidget(self.progress)
        top.addWidget(self.cancel_button)
        top.addWidget(self.export_button)

        # a status line of fixed height, always there: a message never moves what is below it
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.message.setFixedHeight(2 * self.message.fontMetrics().lineSpacing() + 4)

        self.plot = pg.PlotWidget(background=P.SURFACE)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setYRange(-1.05, 1.25, padding=0)
        item.hideAxis("left")
        item.getAxis("bottom").setPen(pg.mkPen(P.BORDER))
        item.getAxis("bottom").setTextPen(pg.mkPen(P.TEXT_DIM))
        item.setLabel("bottom", "seconds")
        item.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setMouseEnabled(x=True, y=False)
        colour = QColor(P.ACCENT)
        self._hi = item.plot(pen=pg.mkPen(colour, width=1))
        self._lo = item.plot(pen=pg.mkPen(colour, width=1))
        fill = QColor(colour)
        fill.setAlpha(100)
        item.addItem(pg.FillBetweenItem(self._hi, self._lo, brush=pg.mkBrush(fill)))
        self.scatter = pg.ScatterPlotItem(size=16, pxMode=True, hoverable=True)
        self.scatter.sigClicked.connect(self._on_mark_clicked)
        item.addItem(self.scatter)
        # empty: 0-10 s and a word on what will be there
        item.setXRange(0, EMPTY_SECONDS, padding=0.01)
        self.hint = pg.TextItem("Open a recording to see its notes here", color=P.TEXT_DIM, anchor=(0.5, 0.5))
        self.hint.setPos(EMPTY_SECONDS / 2, 0)
        item.addItem(self.hint)
        timeline = QFrame()
        timeline.setObjectName("card")
        tl = QVBoxLayout(timeline)
        tl.setContentsMargins(14, 10, 14, 10)
        tl.addWidget(caption("TIMELINE — click a note to hear it"))
        tl.addWidget(self.plot, 1)

        self.summary = QLabel("")
        self.summary.setObjectName("h2")

        self.table = read_only_table(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.cellDoubleClicked.connect(lambda row, _c: self.play_note(row))
        self.table.cellClicked.connect(lambda row, _c: self._highlight(row))
        self.play_button = QPushButton("▶  Play selected note")
        self.play_button.setEnabled(False)
        self.play_button.clicked.connect(lambda: self.play_note(self.table.currentRow()))

        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.play_button)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        lay.setSpacing(10)
        lay.addLayout(top)
        lay.addWidget(self.message)
        lay.addWidget(timeline, 2)
        lay.addLayout(bottom)
        lay.addWidget(self.table, 3)

    # ------------------------------------------------------------------ state
    @property
    def busy(self) -> bool:
        return self.progress.isVisible()

    def set_unavailable(self, reason: str) -> None:
        """No model: the view stays visible but cannot analyse."""
        self.open_button.setEnabled(False)
        self._show_message(reason, P.ERROR)

    def _show_message(self, text: str, colour: str = P.TEXT_DIM) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {colour};")

    def open_file(self, path: str | None = None) -> None:
        if not self.open_button.isEnabled() or self.busy:
            return
        if not path:
            start = self.settings.recordings_folder if self.settings is not None else Path.home()
            path, _ = QFileDialog.getOpenFileName(self, "Open recording", str(start), AUDIO_FILTER)
            if not path:
                return
            if self.settings is not None:
                self.settings.recordings_folder = Path(path).parent
        self.worker.unsure_threshold = self.unsure_threshold
        self.file_label.setText(f"Analysing {Path(path).name}…")
        self._show_message("")
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.open_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self._analyse.emit(str(path))

    def cancel(self) -> None:
        self.worker.cancel()

    def _end_busy(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.open_button.setEnabled(True)

    def _on_progress(self, fraction: float) -> None:
        self.progress.setValue(int(fraction * 1000))

    def _on_failed(self, message: str) -> None:
        self._end_busy()
        self.file_label.setText("Could not analyse the file.")
        self._show_message(message, P.ERROR)

    def _on_cancelled(self) -> None:
        self._end_busy()
        self.file_label.setText("Analysis cancelled.")
        self.export_button.setEnabled(self.result is not None)

    def _on_finished(self, result) -> None:
        self._end_busy()
        self.result = result
        self.file_label.setText(f"{result.path.name}  ·  {result.duration_s:.1f} s")
        self._draw(result)
        self._fill_table(result)
        counts = result.counts()
        parts = [plural(len(result.notes), "note")] + [
            f"{P.style_for(k).symbol} {counts[k]} {k}" for k in ("clean", "buzzy", "muted", "unsure") if counts.get(k)]
        self.summary.setText("   ".join(parts))
        self.export_button.setEnabled(True)
        self.play_button.setEnabled(bool(result.notes))
        if not result.notes:
            self._show_message("No notes were found in this recording.", P.WARNING)
        self.analysis_finished.emit(result)

    def _draw(self, result) -> None:
        lo, hi, size = envelope(result.audio)
        x = np.arange(len(lo)) * size / result.sample_rate
        self._hi.setData(x, hi)
        self._lo.setData(x, lo)
        for line in self._marks:
            self.plot.removeItem(line)
        self._marks = []
        spots = []
        for i, e in enumerate(result.notes):
            style = P.style_for(e.verdict.label)
            line = pg.InfiniteLine(pos=e.onset_s, angle=90, pen=pg.mkPen(style.color, width=1.5))
            self.plot.addItem(line)
            self._marks.append(line)
            spots.append({"pos": (e.onset_s, 1.12), "data": i, "brush": pg.mkBrush(style.color),
                          "pen": pg.mkPen(P.SURFACE, width=1.5), "symbol": "o"})
        self.scatter.setData(spots)
        self.hint.setVisible(False)
        self.plot.setXRange(0, max(result.duration_s, 0.1), padding=0.01)

    def _fill_table(self, result) -> None:
        self.table.setRowCount(len(result.notes))
        for row, e in enumerate(result.notes):
            style = P.style_for(e.verdict.label)
            probs = dict(e.verdict.probs or {})
            cells = (str(row + 1), f"{e.onset_s:.2f} s", e.note or "–", f"{style.symbol}  {style.title}",
                     f"{float(e.verdict.confidence):.0%}", f"{probs.get('clean', 0):.0%}",
                     f"{probs.get('buzzy', 0):.0%}", f"{probs.get('muted', 0):.0%}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignCenter)
                if col == 3:
                    item.setForeground(QColor(style.text_color))
                self.table.setItem(row, col, item)

    def _highlight(self, row: int) -> None:
        if self.result is None or not 0 <= row < len(self.result.notes):
            return
        for i, line in enumerate(self._marks):
            e = self.result.notes[i]
            line.setPen(pg.mkPen(P.style_for(e.verdict.label).color, width=4 if i == row else 1.5))

    def _on_mark_clicked(self, _item, points, *_):
        if points is None or not len(points):
            return
        row = int(points[0].data())
        self.table.selectRow(row)
        self._highlight(row)
        self.play_note(row)

    # ------------------------------------------------------------------ actions
    def note_window(self, row: int) -> np.ndarray:
        """The samples of note ``row``: from just before its onset to the next onset (at most 2 s)."""
        e = self.result.notes[row]
        sr = self.result.sample_rate
        start = max(0, int(e.onset_s * sr) - C.PRE_ROLL)
        end = int(e.onset_s * sr) + C.POST_ROLL
        if row + 1 < len(self.result.notes):
            end = min(end, int(self.result.notes[row + 1].onset_s * sr))
        return self.result.audio[start:max(end, start + 1)]

    def play_note(self, row: int) -> bool:
        if self.result is None or not 0 <= row < len(self.result.notes):
            return False
        try:
            self.player(self.note_window(row), self.result.sample_rate)
        except Exception as exc:
            self._show_message(_play_error(exc), P.WARNING)
            return False
        self._show_message("")
        return True

    def export_csv(self, path: str | None = None) -> Path | None:
        if self.result is None:
            return None
        if not path:
            suggested = str(self.result.path.with_suffix(".notes.csv"))
            path, _ = QFileDialog.getSaveFileName(self, "Export notes", suggested, "CSV (*.csv)")
            if not path:
                return None
        try:
            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["index", "onset_s", "note", "pitch_hz", "label", "confidence",
                            "p_clean", "p_buzzy", "p_muted"])
                for i, e in enumerate(self.result.notes):
                    probs = dict(e.verdict.probs or {})
                    w.writerow([i + 1, f"{e.onset_s:.3f}", e.note or "",
                                f"{e.pitch_hz:.1f}" if e.pitch_hz else "", e.verdict.label,
                                f"{float(e.verdict.confidence):.3f}", *(f"{probs.get(k, 0.0):.3f}"
                                                                       for k in ("clean", "buzzy", "muted"))])
        except OSError as exc:
            self._show_message(f"Could not write {path}: {exc.strerror or exc}", P.ERROR)
            return None
        self._show_message(f"Exported {plural(len(self.result.notes), 'note')} to {path}", P.TEXT_DIM)
        return Path(path)

    def shutdown(self) -> None:
        self.worker.cancel()
        stop_thread(self.thread, answers_to=self)
