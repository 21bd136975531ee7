"""Objects that live in worker threads: the live engine, and the analysis of a recording.

The GUI thread never runs features or inference; it sends blocks with queued signals and gets
events back the same way.
"""

from __future__ import annotations

import atexit
import threading
import traceback
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QThread, Signal, Slot

from buzzfinder_app import constants as C
from buzzfinder_app.audio.file import FileSource
from buzzfinder_app.engine.engine import Cancelled, NoteEngine, analyze_stream
from buzzfinder_app.engine.onsets import OnsetDetector


class ThreadModel:
    """A model file, loaded the first time a worker needs it, in that worker's thread: each thread
    keeps its own interpreter (an interpreter must not be shared between threads)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._model = None

    def get(self):
        if self._model is None:
            from buzzfinder_app.model.runtime import Model

            self._model = Model.load(self.path)
        return self._model


def make_engine(model, gate_db: float | None = None, unsure_threshold: float | None = None, classify=None):
    """A ``NoteEngine`` for ``model`` with the calibrated onset gate, the unsure threshold override and
    a classifier in place of the model's own (a profile's personal head)."""
    detector = OnsetDetector(C.SAMPLE_RATE, gate_dbfs=gate_db) if gate_db is not None else None
    return NoteEngine(model, onset_detector=detector, classify=classify, unsure_threshold=unsure_threshold,
                      keep_windows=True)


class EngineWorker(QObject):
    """Runs ``NoteEngine.feed`` on blocks of the live input; lives in its own thread.

    Before the events of a batch it emits :attr:`windows`: the note windows of its final verdicts
    (the samples the engine judged).
    """

    events = Signal(list)
    windows = Signal(object)  # {note index: window} of the final verdicts in the next events
    flushed = Signal()
    failed = Signal(str)

    def __init__(self, model, gate_db: float | None = None, unsure_threshold: float | None = None):
        super().__init__()
        self.model = model
        self.gate_db = gate_db
        self.unsure_threshold = unsure_threshold
        self.classify = None  # None: the base model's own predict
        self.engine = None
        self.samples_fed = 0

    @Slot()
    def reset(self) -> None:
        """Start a new stream (a new session)."""
        try:
            self.engine = make_engine(self.model, self.gate_db, self.unsure_threshold, self.classify)
        except Exception as exc:  # the engine refusing is reported, not raised into Qt
            self.engine = None
            self.failed.emit(f"the note engine could not start: {exc}")
        self.samples_fed = 0

    @Slot(object)
    def configure(self, changes: dict) -> None:
        """Set ``gate_db``, ``unsure_threshold`` (both used when the engine is next rebuilt) or ``classify``
        (None: the base model; the running engine takes it at once); runs in the engine's thread."""
        unknown = set(changes) - {"gate_db", "unsure_threshold", "classify"}
        if unknown:
            raise ValueError(f"unknown engine settings: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self, name, value)
        if "classify" in changes and self.engine is not None:
            self.engine.classify = changes["classify"] or self.model.predict

    def _emit(self, out: list) -> None:
        if out:
            windows = {e.index: e.window for e in out if e.kind == "final" and e.window is not None}
            if windows:
                self.windows.emit(windows)
            self.events.emit(list(out))

    @Slot(object)
    def feed(self, block: np.ndarray) -> None:
        try:
            out = self.engine.feed(block) if self.engine is not None else []
        except Exception as exc:
            traceback.print_exc()
            self.failed.emit(f"analysis error: {exc}")
            return
        finally:
            self.samples_fed += len(block)  # analysed, or not analysable: no longer waiting
        self._emit(out)

    @Slot()
    def flush(self) -> None:
        if self.engine is not None:
            try:
                out = self.engine.flush()
            except Exception as exc:
                traceback.print_exc()
                self.failed.emit(f"analysis error: {exc}")
                out = []
            self._emit(out)
        self.flushed.emit()


class AnalysisWorker(QObject):
    """Analyses a whole recording: reads it, runs the engine, reports progress; cancellable."""

    progress = Signal(float)
    finished = Signal(object)  # RecordingResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, model_path: Path | None = None, unsure_threshold: float | None = None):
        super().__init__()
        self.model = ThreadModel(model_path)
        self.unsure_threshold = unsure_threshold
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Thread-safe: asks the running analysis to stop at the next block."""
        self._cancel.set()

    @Slot(str)
    def analyse(self, path: str) -> None:
        self._cancel.clear()
        chunks = []
        try:
            source = FileSource(Path(path), sample_rate=C.SAMPLE_RATE, block=8192)
            engine = make_engine(self.model.get(), unsure_threshold=self.unsure_threshold)
            notes = analyze_stream(engine, source, progress=lambda f: self.progress.emit(min(0.99, f)),
                                   cancel=self._cancel.is_set, on_block=chunks.append)
        except Cancelled:
            self.cancelled.emit()
            return
        except Exception as exc:
            self.failed.emit(str(exc) or exc.__class__.__name__)
            return
        y = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        self.progress.emit(1.0)
        self.finished.emit(RecordingResult(Path(path), y, C.SAMPLE_RATE, notes))


class RecordingResult:
    """The analysed recording: the audio at the model rate and its notes (:class:`~buzzfinder_app.engine.engine.Note`)."""

    def __init__(self, path: Path, audio: np.ndarray, sample_rate: int, notes: list):
        self.path = path
        self.audio = audio
        self.sample_rate = sample_rate
        self.notes = sorted(notes, key=lambda e: e.onset_s)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate

    def counts(self) -> dict[str, int]:
        out = {"clean": 0, "buzzy": 0, "muted": 0, "unsure": 0}
        for e in self.notes:
            out[e.verdict.label] = out.get(e.verdict.label, 0) + 1
        return out


#: Threads started here and not yet stopped; stopped at exit so none is destroyed while running.
_RUNNING: set[QThread] = set()


def start_in_thread(obj: QObject, name: str) -> QThread:
    """Move ``obj`` into a new running thread and return the thread."""
    thread = QThread()
    thread.setObjectName(name)
    obj.moveToThread(thread)
    thread.start()
    _RUNNING.add(thread)
    return thread


def stop_thread(thread: QThread | None, timeout_ms: int = 3000, answers_to: QObject | None = None) -> None:
    """Ask the thread's event loop to end and wait for it (what it is running finishes first).

    ``answers_to``: the owner, which is closing; the answers the worker sent it that have not been
    delivered yet are dropped, so that none redraws a window that is being taken down.
    """
    if thread is None:
        return
    if thread.isRunning():
        thread.quit()
        if not thread.wait(timeout_ms):
            return  # still busy: stopped again at exit
    _RUNNING.discard(thread)
    if answers_to is not None:
        QCoreApplication.removePostedEvents(answers_to, QEvent.MetaCall)


@atexit.register
def _stop_all() -> None:
    for thread in list(_RUNNING):
        stop_thread(thread, 10000)
