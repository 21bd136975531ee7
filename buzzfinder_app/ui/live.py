"""The live pipeline on the Qt side: a timer drains the source, a worker thread runs the engine.

The drain runs on the GUI thread and only copies, scales and measures the level (without the DC
offset, as the engine hears it; clipping on the input as it is); everything heavy happens in
:class:`~buzzfinder_app.ui.workers.EngineWorker`.

Back-pressure: the engine's lag is the audio sent to it and not yet analysed. When it exceeds
:data:`MAX_LAG_S` (a computer too slow for the engine, or a stall), the drained block is dropped and
counted instead of queued, so verdicts never drift behind the playing; :attr:`LiveController.dropped`
reports the input's overflows and the engine's drops, :attr:`LiveController.lag` the lag.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from buzzfinder_app import constants as C
from buzzfinder_app.audio.dc import DcBlocker
from buzzfinder_app.audio.sources import InputSource, stop_quietly
from buzzfinder_app.practice.levels import amplitude_to_dbfs
from buzzfinder_app.ui.workers import EngineWorker, start_in_thread, stop_thread

DRAIN_MS = 40
#: Audio queued for the engine beyond this is dropped (and counted) rather than analysed late.
MAX_LAG_S = 1.0
CLIP_LEVEL = 0.999
#: Final notes whose windows are kept (as many as the chip strip shows).
KEEP_WINDOWS = 40


def meter_reading(block: np.ndarray, heard: np.ndarray) -> tuple[float, float, bool]:
    """(RMS dBFS, peak dBFS) of ``heard`` (the block without its DC offset), and whether the input
    ``block`` itself clipped."""
    peak = float(np.max(np.abs(heard)))
    rms = float(np.sqrt(np.mean(np.square(heard, dtype=np.float64))))
    return amplitude_to_dbfs(rms), amplitude_to_dbfs(peak), float(np.max(np.abs(block))) >= CLIP_LEVEL


class LiveController(QObject):
    """Owns the source, the drain timer and the engine thread for one listening run at a time."""

    level = Signal(float, float, bool)  # rms dBFS, peak dBFS, clipped
    samples = Signal(object)  # the scaled block, for the waveform
    note_event = Signal(object)  # NoteEvent
    started = Signal()
    stopped = Signal(str)  # reason: "user" | "ended" | "error"
    source_failed = Signal(str)
    engine_failed = Signal(str)
    #: (blocks the input dropped, blocks dropped because the engine was behind)
    dropped = Signal(int, int)
    #: seconds of audio sent to the engine and not analysed yet
    lag = Signal(float)

    _feed = Signal(object)
    _flush = Signal()
    _reset = Signal()
    _configure = Signal(object)

    def __init__(self, model, parent=None, gate_db: float | None = None, unsure_threshold: float | None = None):
        super().__init__(parent)
        self.gain = 1.0
        self.source = None
        self.running = False
        self._stop_reason = None
        self._flushing = False
        self._overflows = 0
        self.engine_drops = 0
        self._sent = 0  # samples sent to the engine in this run
        self.windows: OrderedDict[int, np.ndarray] = OrderedDict()  # final notes' windows, newest last
        self._dc = DcBlocker()  # for the meter and the waveform; the engine has its own
        self.worker = EngineWorker(model, gate_db, unsure_threshold)
        self.thread = start_in_thread(self.worker, "buzzfinder-engine")
        self._feed.connect(self.worker.feed)
        self._flush.connect(self.worker.flush)
        self._reset.connect(self.worker.reset)
        self._configure.connect(self.worker.configure)
        self.worker.windows.connect(self._on_windows)
        self.worker.events.connect(self._on_events)
        self.worker.flushed.connect(self._on_flushed)
        self.worker.failed.connect(self.engine_failed)
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self.drain)

    @property
    def stopping(self) -> bool:
        """Stopped, but the engine is still giving the last verdicts."""
        return self._flushing

    def configure(self, **changes) -> None:
        """Change the engine worker's ``gate_db``, ``unsure_threshold`` or ``classify`` (a profile's head;
        None: the base model), in order with the audio, in its own thread. The gate and the threshold
        apply from the next listening run (the engine is rebuilt on start), ``classify`` from the next note.
        """
        self._configure.emit(changes)

    @property
    def lag_s(self) -> float:
        """Audio sent to the engine and not analysed yet (the worker's count is read as it stands)."""
        return max(0, self._sent - self.worker.samples_fed) / C.SAMPLE_RATE

    def window_for(self, index: int) -> np.ndarray | None:
        """The window of final note ``index`` of this run, while it is among the last kept."""
        return self.windows.get(index)

    def start(self, source: InputSource) -> bool:
        """Start ``source`` and listen; False while a run is on or still ending (stop it first and wait
        for :attr:`stopped`: a run started during the flush would lose the end of the last one). Raises
        whatever the source raises on start."""
        if self.running or self._flushing:
            return False
        source.start()
        self.source = source
        self.running = True
        self._overflows = 0
        self.engine_drops = 0
        self._sent = 0  # samples sent to the engine in this run
        self.windows.clear()
        self._dc.reset()
        self._reset.emit()
        self.timer.start()
        self.started.emit()
        return True

    def stop(self, reason: str = "user") -> None:
        """Stop the source, flush the engine; :attr:`stopped` follows once the last verdicts are in."""
        if not self.running or self._flushing:
            return
        self.timer.stop()
        stop_quietly(self.source)
        self._stop_reason = reason
        self._flushing = True
        self._flush.emit()

    def drain(self) -> None:
        """Timer slot: copy what the source has, measure it, send it to the engine."""
        src = self.source
        try:
            block = src.read()
        except Exception as exc:  # MicError, PortAudioError: the device is gone
            self.source_failed.emit(str(exc) or exc.__class__.__name__)
            self.stop("error")
            return
        overflows = int(src.overflows)
        if overflows != self._overflows:
            self._overflows = overflows
            self.dropped.emit(overflows, self.engine_drops)
        if len(block):
            if self.gain != 1.0:
                block = block * np.float32(self.gain)
            block = np.asarray(block, np.float32)
            heard = self._dc.process(block)
            self.level.emit(*meter_reading(block, heard))
            self.samples.emit(heard)
            lag = self.lag_s
            self.lag.emit(lag)
            if lag > MAX_LAG_S:
                self.engine_drops += 1
                self.dropped.emit(self._overflows, self.engine_drops)
                return
            self._sent += len(block)
            self._feed.emit(block)
        elif src.done:
            self.stop("ended")

    def _on_windows(self, windows: dict) -> None:
        self.windows.update(windows)
        while len(self.windows) > KEEP_WINDOWS:
            self.windows.popitem(last=False)

    def _on_events(self, events: list) -> None:
        for event in events:
            self.note_event.emit(event)

    def _on_flushed(self) -> None:
        if not self._flushing:
            return
        self._flushing = False
        self.running = False
        self.stopped.emit(self._stop_reason or "user")

    def shutdown(self) -> None:
        self.timer.stop()
        if self.running:
            stop_quietly(self.source)
        self.running = False
        stop_thread(self.thread, answers_to=self)
