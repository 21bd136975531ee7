"""From audio blocks to note events: onset, provisional verdict, final verdict.

The engine runs the audio through an :class:`OnsetDetector` in steps that end at fixed ticks of
``TICK`` samples or at verdict deadlines, so what it reports (and when, in stream time) does not
depend on how the audio is split into blocks. Ticks at which neither the detector
(:meth:`~buzzfinder_app.engine.onsets.OnsetDetector.next_decision`) nor a deadline can report
anything are stepped over, up to ``MAX_STEP`` samples at once: the same events, fewer steps.
For every note it emits three :class:`NoteEvent`:

* ``onset`` when the detector confirms the note (tens of ms after it starts);
* ``provisional`` at onset + ``PROVISIONAL_S`` (0.4 s, so that it is on screen within 0.5 s), judged on the window so far, or earlier
  when the next note starts first (the window is then cut there). The detector reports a note
  about 0.15 s after it starts, so a next note starting just before the deadline is not known yet
  and its attack ends up in this window; the final verdict is cut at it;
* ``final`` at onset + ``WINDOW_S`` (2 s) or when the next note starts, judged on the whole window;
  buzz that the provisional verdict heard stands (:func:`~buzzfinder_app.engine.verdicts.final_verdict`).
  ``classify_clip`` judges a clip's note the same way.

The input's DC offset is removed first (:class:`~buzzfinder_app.audio.dc.PrimedDcBlocker`, which
holds a stream's first 0.1 s back until they are in), so the onsets, the windows and the features see
the same audio whatever offset the interface adds.
Windows shorter than ``MIN_NOTE_S`` are still judged (zero-padded). Only a bounded history of the
stream is kept. Pure numpy; the GUI runs it in a worker thread.

>>> engine = NoteEngine(Model.load())                         # doctest: +SKIP
>>> for block in FileSource("take.wav"): events += engine.feed(block)  # doctest: +SKIP
>>> events += engine.flush()                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from buzzfinder_app.audio.dc import PrimedDcBlocker
from buzzfinder_app.audio.file import SILENT_DBFS
from buzzfinder_app.constants import POST_ROLL, PRE_ROLL, PROVISIONAL_S, SAMPLE_RATE
from buzzfinder_app.decibels import amplitude_to_dbfs, db_to_amplitude
from buzzfinder_app.engine.onsets import OnsetDetector, RiseFinder, attack_power
from buzzfinder_app.engine.pitch import STABLE_PART_S, estimate_pitch, note_name
from buzzfinder_app.engine.verdicts import Verdict, final_verdict
from buzzfinder_app.engine.windows import note_window
from buzzfinder_app.model.features import extract

#: Samples per engine step (46 ms): how often onsets are looked for. Verdict deadlines are met to
#: the sample, so ``at_s`` of a provisional verdict is exactly onset + PROVISIONAL_S unless the next note
#: cut it short.
TICK = 1024
#: The longest step over ticks at which nothing can be reported (0.74 s).
MAX_STEP = 16 * TICK
#: Audio kept in memory: a full window plus room for the onset detector's delay.
HISTORY = PRE_ROLL + POST_ROLL + SAMPLE_RATE
#: The note's level is its peak over this long after the onset.
LEVEL_S = 0.3
PROVISIONAL = int(PROVISIONAL_S * SAMPLE_RATE)
#: A window this long holds all that :func:`estimate_pitch` reads of it.
PITCH_SAMPLES = PRE_ROLL + int(STABLE_PART_S[1] * SAMPLE_RATE)
#: A clip whose peak without its DC offset stays below this holds no note.
SILENT_PEAK = db_to_amplitude(SILENT_DBFS)
#: Windows waiting for their verdict in :func:`analyze_stream`'s second thread, at most (memory stays flat).
WAITING_LIMIT = 16

Classifier = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class NoteEvent:
    """Something the engine learnt about note number ``index`` (from 0) at stream time ``at_s``.

    ``verdict``, ``pitch_hz``, ``note`` and ``level_dbfs`` are None for ``onset`` events;
    ``pitch_hz``/``note`` are None when no pitch could be measured. Inside :func:`analyze_stream`
    the windows are judged in a second thread: ``verdict`` is then a ``Future`` of the verdict, pitch
    and level, which :func:`settled` fills in when the stream ends.
    """

    kind: str  # "onset" | "provisional" | "final"
    index: int
    onset_s: float
    at_s: float
    verdict: Verdict | Future | None = None
    pitch_hz: float | None = None
    note: str | None = None
    level_dbfs: float | None = None
    #: The samples judged (``note_window`` of the stream), with ``NoteEngine(keep_windows=True)``: so
    #: that a note can become a labelled example.
    window: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Note:
    """Everything about one note of an analysed recording."""

    onset_s: float
    verdict: Verdict
    provisional: Verdict
    provisional_at_s: float
    pitch_hz: float | None
    note: str | None
    level_dbfs: float


@dataclass
class _OpenNote:
    index: int
    onset: int  # absolute sample
    end: int | None = None  # the next note's onset, once known
    provisional_given: bool = False
    #: The judgement of the first window that held the whole part of the note the pitch is measured on
    #: (a later window holds the same samples there, so it would measure the same pitch); a ``Future``
    #: when judged aside.
    pitch: _Judged | Future | None = None
    #: The provisional verdict's judgement (the attack's, for :func:`final_verdict`), once given.
    attack: _Judged | Future | None = None


def peak_dbfs(samples: np.ndarray) -> float:
    """Peak level in dBFS (-120 for silence)."""
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    return float(amplitude_to_dbfs(peak))


class NoteEngine:
    """Streaming note analysis; :meth:`feed` blocks, :meth:`flush` at the end of the stream.

    ``classify`` replaces ``model.predict`` (features ``[n, frames, features]`` to probabilities
    ``[n, len(model.labels)]``), e.g. for a personal profile's head. ``unsure_threshold`` (default:
    the model's) may be changed between notes; so may ``detector.gate_dbfs``.
    """

    def __init__(self, model, onset_detector: OnsetDetector | None = None, classify: Classifier | None = None,
                 unsure_threshold: float | None = None, keep_windows: bool = False):
        self.model = model
        self.keep_windows = keep_windows  # final events carry their window (memory grows with the notes kept)
        self.detector = onset_detector or OnsetDetector(SAMPLE_RATE)
        self.classify = classify or model.predict
        self.unsure_threshold = model.unsure_threshold if unsure_threshold is None else float(unsure_threshold)
        self._dc = PrimedDcBlocker(SAMPLE_RATE)
        # The last HISTORY samples or more, in a buffer written in place, with room for as many again (so
        # that moving them to the front, now and then, copies each sample once more at most).
        self._history = np.zeros(HISTORY + max(HISTORY, MAX_STEP), dtype=np.float32)
        self._filled = 0
        self._history_start = 0  # absolute sample index of _history[0]
        self._pending = np.zeros(0, dtype=np.float32)  # less than one tick
        self._samples = 0  # samples processed so far
        self._open: list[_OpenNote] = []
        self._count = 0
        self._aside: ThreadPoolExecutor | None = None  # see judge_aside
        self._waiting: deque[Future] = deque()

    @property
    def time_s(self) -> float:
        """Stream time processed so far."""
        return self._samples / SAMPLE_RATE

    def judge_aside(self, pool: ThreadPoolExecutor | None) -> None:
        """Judge the windows (features and model) in ``pool``'s thread while the stream goes on, or
        again at once (None). The events' verdicts are then ``Future`` objects (see :func:`settled`);
        the same windows, judged by the same code, give the same verdicts, pitches and levels."""
        self._aside = pool
        self._waiting.clear()

    def feed(self, block) -> list[NoteEvent]:
        """Process a block of mono float32 samples at ``SAMPLE_RATE``; return the events it completes."""
        return self._take(self._dc.process(block))

    def _take(self, block: np.ndarray) -> list[NoteEvent]:
        self.detector.add(block)  # analysed at once; each step below judges what is known by its end
        data = np.concatenate([self._pending, block])
        events, used = [], 0
        try:
            while True:
                step = self._next_stop() - self._samples
                if used + step > len(data):  # step to the last tick the data reaches, if it is ahead
                    step = (self._samples + len(data) - used) // TICK * TICK - self._samples
                    if step <= 0:
                        break
                used += step
                events += self._step(data[used - step: used])
        finally:  # a step that failed (the classifier, say) still counts: the detector has its audio
            self._pending = data[used:]
        return events

    def _next_stop(self) -> int:
        """The next tick boundary at which the detector may decide (at most ``MAX_STEP`` ahead) or verdict
        deadline (absolute samples), whichever comes first."""
        decision = self.detector.next_decision()
        stop = self._samples + MAX_STEP if decision is None else max(decision, self._samples + 1)
        stop = min(-(-stop // TICK) * TICK, (self._samples + MAX_STEP) // TICK * TICK)
        for note in self._open:
            if not note.provisional_given:
                stop = min(stop, note.onset + PROVISIONAL)
            stop = min(stop, note.onset + POST_ROLL)
        return max(stop, self._samples + 1)

    def flush(self) -> list[NoteEvent]:
        """End of stream: judge every note still open on the audio there is."""
        events = self._take(self._dc.flush())
        events += self._step(self._pending) if len(self._pending) else []
        self._pending = np.zeros(0, dtype=np.float32)
        events += self._new_onsets(self.detector.flush())
        for note in self._open:
            events += self._close(note, self._samples)
        self._open = []
        return events

    # -- internals ---------------------------------------------------------------------------

    def _step(self, samples: np.ndarray) -> list[NoteEvent]:
        self._remember(samples)
        self._samples += len(samples)
        events = self._new_onsets(self.detector.judge(self._samples))
        for note in list(self._open):
            if note.end is None and not note.provisional_given and self._samples >= note.onset + PROVISIONAL:
                events.append(self._judge(note, "provisional", note.onset + PROVISIONAL))
                note.provisional_given = True
            if note.end is None and self._samples >= note.onset + POST_ROLL:
                events += self._close(note, note.onset + POST_ROLL)
                self._open.remove(note)
        return events

    def _remember(self, samples: np.ndarray) -> None:
        n = len(samples)  # a step: at most MAX_STEP samples, so HISTORY of them plus one step always fit
        if self._filled + n > len(self._history):  # now and then: move the last HISTORY samples to the front
            keep = min(self._filled, HISTORY)
            self._history[:keep] = self._history[self._filled - keep: self._filled]
            self._history_start += self._filled - keep
            self._filled = keep
        self._history[self._filled: self._filled + n] = samples
        self._filled += n

    def _new_onsets(self, onsets: list[int]) -> list[NoteEvent]:
        events = []
        for onset in onsets:
            for note in self._open:
                note.end = onset
                events += self._close(note, min(onset, note.onset + POST_ROLL))
            self._open = [_OpenNote(self._count, onset)]
            events.append(NoteEvent("onset", self._count, onset / SAMPLE_RATE, self.time_s))
            self._count += 1
        return events

    def _close(self, note: _OpenNote, end: int) -> list[NoteEvent]:
        """The final verdict on the window up to ``end``; when the provisional one is still owed (the
        note ended before its deadline, which steps never overrun) it is the same verdict."""
        final = self._judge(note, "final", end)
        if note.provisional_given:
            return [final]
        note.provisional_given = True
        return [NoteEvent("provisional", note.index, final.onset_s, final.at_s, final.verdict, final.pitch_hz,
                          final.note, final.level_dbfs, final.window), final]

    def _judge(self, note: _OpenNote, kind: str, end: int) -> NoteEvent:
        base = self._history_start
        if note.onset - PRE_ROLL < base and base > 0:  # never expected: the history covers a whole window
            raise RuntimeError("note window is older than the engine's history")
        # A copy: the history buffer is overwritten later, the window may be kept.
        window = np.array(note_window(self._history[: self._filled], note.onset - base, end - base))
        # The attack's verdict counts when its window is the start of this one (not when the next note,
        # found after the provisional deadline, cut this one shorter: then it held that note's attack).
        attack = note.attack if kind == "final" and end >= note.onset + PROVISIONAL else None
        judge = partial(_judge_window, self.classify, self.model.params, self.model.labels, self.unsure_threshold,
                        window, note.pitch, attack)
        event = NoteEvent(kind, note.index, note.onset / SAMPLE_RATE, self.time_s,
                          window=window if self.keep_windows else None)
        if self._aside is None:
            judged = judge()
            event = judged.into(event)
        else:
            while self._waiting and (self._waiting[0].done() or len(self._waiting) >= WAITING_LIMIT):
                self._waiting.popleft().result()  # waits (bounded memory); a judge that failed raises here
            judged = self._aside.submit(judge)
            self._waiting.append(judged)
            event = replace(event, verdict=judged)
        if note.pitch is None and len(window) >= PITCH_SAMPLES:
            note.pitch = judged
        if kind == "provisional":
            note.attack = judged
        return event


@dataclass(frozen=True)
class _Judged:
    """What the judgement of a note's window gives its event."""

    verdict: Verdict
    pitch_hz: float | None
    level_dbfs: float

    def into(self, event: NoteEvent) -> NoteEvent:
        return replace(event, verdict=self.verdict, pitch_hz=self.pitch_hz, level_dbfs=self.level_dbfs,
                       note=note_name(self.pitch_hz) if self.pitch_hz else None)


def _judge_window(classify: Classifier, params, labels, unsure_threshold: float, window: np.ndarray,
                  pitch_from: _Judged | Future | None, attack: _Judged | Future | None) -> _Judged:
    """The verdict, pitch and level of a note's ``window``; the pitch is ``pitch_from``'s when given (an
    earlier window that held all of the note the pitch is measured on: this one would measure the same);
    the verdict is the :func:`final_verdict` of this window and the ``attack``'s, when given."""
    verdict = Verdict.from_probs(classify(extract(window, params)[None])[0], labels, unsure_threshold)
    if attack is not None:
        verdict = final_verdict(verdict, _settle(attack).verdict)
    pitch = estimate_pitch(window) if pitch_from is None else _settle(pitch_from).pitch_hz
    return _Judged(verdict, pitch, peak_dbfs(window[PRE_ROLL: PRE_ROLL + int(LEVEL_S * SAMPLE_RATE)]))


def _settle(judged: _Judged | Future) -> _Judged:
    return judged.result() if isinstance(judged, Future) else judged


def settled(events: Iterable[NoteEvent]) -> list[NoteEvent]:
    """``events`` with each window judged aside (its ``verdict`` a ``Future``) given its verdict, pitch and
    level, waiting for them."""
    return [e.verdict.result().into(e) if isinstance(e.verdict, Future) else e for e in events]


def notes_from_events(events: list[NoteEvent]) -> list[Note]:
    """Gather each note's provisional and final events into :class:`Note` records."""
    provisional = {e.index: e for e in events if e.kind == "provisional"}
    return [
        Note(e.onset_s, e.verdict, provisional[e.index].verdict, provisional[e.index].at_s, e.pitch_hz, e.note,
             e.level_dbfs)
        for e in events
        if e.kind == "final"
    ]


def analyze(model, y, **engine_options) -> list[Note]:
    """Every note of a whole signal at ``SAMPLE_RATE``: the engine fed everything, then flushed."""
    return analyze_stream(NoteEngine(model, **engine_options), [y])


class Cancelled(Exception):
    """:func:`analyze_stream` was asked to stop."""


def analyze_stream(engine: NoteEngine, source, progress: Callable[[float], None] | None = None,
                   cancel: Callable[[], bool] | None = None, on_block: Callable[[np.ndarray], None] | None = None,
                   ) -> list[Note]:
    """Every note of a recording streamed from ``source`` (blocks at ``SAMPLE_RATE``) through ``engine``.

    The one file-to-notes path of ``analyze``, the recordings tab and the self-test. ``progress(f)`` gets
    the fraction read (when the source knows ``frames_read`` and ``frames``), ``cancel()`` is asked before
    each block (:class:`Cancelled` when it says yes) and ``on_block`` sees every block (to keep the audio).
    The windows are judged in a second thread (:meth:`NoteEngine.judge_aside`) while the next blocks
    are read and their onsets found: the same notes, sooner where there are two cores.
    """
    total = getattr(source, "frames", None)
    events = []
    pool = ThreadPoolExecutor(1, thread_name_prefix="buzzfinder-judge")
    engine.judge_aside(pool)
    try:
        for block in source:
            if cancel is not None and cancel():
                raise Cancelled()
            block = np.asarray(block, np.float32).ravel()
            if on_block is not None:
                on_block(block)
            events += engine.feed(block)
            if progress is not None and total:
                progress(min(1.0, source.frames_read / total))
        events = settled(events + engine.flush())
    finally:
        engine.judge_aside(None)
        pool.shutdown(cancel_futures=True)
    return notes_from_events(events)


class NoNote(ValueError):
    """A clip with nothing to judge in it."""


class _Window:
    """``note_window(y, onset)`` of a stream, gathered as the stream goes by."""

    def __init__(self, onset: int):
        self.onset, self.stop = onset, onset + POST_ROLL
        self.parts = [np.zeros(max(PRE_ROLL - onset, 0), np.float32)]
        self.filled = max(onset - PRE_ROLL, 0)  # absolute sample gathered up to

    def take(self, y: np.ndarray, at: int) -> None:
        """Gather what ``y`` (absolute samples from ``at``) holds of the window."""
        lo, hi = max(self.filled, at), min(self.stop, at + len(y))
        if hi > lo:
            self.parts.append(y[lo - at: hi - at].copy())
            self.filled = hi

    @property
    def done(self) -> bool:
        return self.filled >= self.stop

    def samples(self) -> np.ndarray:
        return np.concatenate(self.parts)

    def attack_power(self) -> float:
        """:func:`~buzzfinder_app.engine.onsets.attack_power` at the window's onset."""
        return attack_power(self.samples(), PRE_ROLL)


class StrongestNote:
    """The note of a one-note clip, streamed: :meth:`feed` its blocks, then :meth:`result`.

    The same onset and window as ``strongest_onset`` and ``note_window`` on the whole clip without
    its DC offset (the onset followed by the loudest ``ATTACK_S``, as ``training`` picks it; with no
    onset, the clip's steepest rise), but only the last few seconds are kept: a clip of any length
    is read in flat memory.
    """

    def __init__(self):
        self._dc = PrimedDcBlocker(SAMPLE_RATE)
        self._detector = OnsetDetector(SAMPLE_RATE)
        self._recent = np.zeros(0, np.float32)  # the last HISTORY samples, from absolute _recent_start
        self._recent_start = 0
        self._open = [_Window(0)]  # the clip's start, judged when no onset is found
        self._start: _Window | None = None
        self._best: tuple[float, _Window] | None = None
        self._rise = RiseFinder(SAMPLE_RATE)
        self._rise_window: _Window | None = None  # at the steepest rise so far
        self.peak = 0.0  # of the audio without its DC offset

    def feed(self, block) -> None:
        self._take(self._dc.process(block))

    def _take(self, y: np.ndarray) -> None:
        if len(y):
            self.peak = max(self.peak, float(np.max(np.abs(y))))
        at = self._recent_start + len(self._recent)
        for window in self._open + ([self._rise_window] if self._rise_window else []):
            window.take(y, at)
        self._recent = np.concatenate([self._recent, y])
        if self._rise.add(y):
            self._rise_window = self._window_at(self._rise.split * RiseFinder.SUB)
        self._open_windows(self._detector.process(y))
        if len(self._recent) > HISTORY:
            self._recent_start += len(self._recent) - HISTORY
            self._recent = self._recent[-HISTORY:]
        self._judge([w for w in self._open if w.done])

    def result(self) -> tuple[int | None, np.ndarray]:
        """(the strongest onset, its window); with no onset (the steepest rise, its window), or a soft
        rise whose attack is louder than the clip's start; or (None, the window at the clip's start)."""
        self._take(self._dc.flush())
        self._open_windows(self._detector.flush())
        self._judge(self._open)
        if self._rise.finish():
            self._rise_window = self._window_at(self._rise.split * RiseFinder.SUB)
        if self._best is not None:
            return self._best[1].onset, self._best[1].samples()
        onset = self._rise.note(lambda _: self._rise_window.attack_power() > self._start.attack_power())
        return (onset, self._rise_window.samples()) if onset is not None else (None, self._start.samples())

    def _window_at(self, onset: int) -> _Window:
        """A window at ``onset``, filled with what the recent history holds of it."""
        if max(onset - PRE_ROLL, 0) < self._recent_start:  # never expected: the history covers a whole window
            raise RuntimeError("note window is older than the clip's history")
        window = _Window(onset)
        window.take(self._recent, self._recent_start)
        return window

    def _open_windows(self, onsets: list[int]) -> None:
        self._open += [self._window_at(onset) for onset in onsets]

    def _judge(self, windows: list[_Window]) -> None:
        """Windows complete (or ended by the clip) are compared in onset order; the first loudest wins."""
        for window in list(windows):
            self._open.remove(window)
            if self._start is None:  # the first window opened is the clip's start
                self._start = window
                continue
            energy = window.attack_power()
            if self._best is None or energy > self._best[0]:
                self._best = (energy, window)


def clip_note(blocks) -> tuple[int | None, np.ndarray, float]:
    """:class:`StrongestNote` of a clip given as blocks (a :class:`FileSource`, or ``[y]``): (onset or None,
    window, peak without the DC offset)."""
    finder = StrongestNote()
    for block in blocks:
        finder.feed(block)
    return (*finder.result(), finder.peak)


def classify_clip(model, blocks, classify: Classifier | None = None) -> tuple[float, Verdict]:
    """One verdict for a clip holding one note: (onset_s, verdict) of its strongest onset, or of its start.

    ``blocks``: a whole signal, or its blocks (a ``FileSource``: read in flat memory). The clip's
    DC offset is removed first, as the engine does. :class:`NoNote` when nothing is left without the
    offset: ``analyze`` finds no note there either.
    """
    onset, window, peak = clip_note([blocks] if isinstance(blocks, np.ndarray) else blocks)
    if peak <= SILENT_PEAK:
        raise NoNote("no note: silent once its DC offset is removed")
    attack = window[: PRE_ROLL + PROVISIONAL]  # the provisional verdict's window, as the engine cuts it
    probs = (classify or model.predict)(np.stack([extract(window, model.params), extract(attack, model.params)]))
    whole, heard_first = (Verdict.from_probs(p, model.labels, model.unsure_threshold) for p in probs)
    return (onset or 0) / SAMPLE_RATE, final_verdict(whole, heard_first if len(window) > len(attack) else None)
