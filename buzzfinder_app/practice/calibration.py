"""Calibration: how loud the room and the notes are, and the gain and onset gate that follow.

From a few seconds of silence we measure the noise floor (its RMS level and the 95th percentile of
20 ms frame levels, which is what an onset gate must stay above); from a few normal notes, their
peaks. Then:

* gain: brings the median note peak to −12 dBFS, but never lifts the loudest note above −3 dBFS,
  clamped to −12..+30 dB. It is a digital gain applied before the engine.
* gate (dBFS, 20 ms RMS frames of the gained signal): 10 dB above the gained noise percentile, as
  long as that is at least 15 dB below the quietest note; in a room too noisy for both, halfway
  between the noise and the quietest note (and the noisy-room warning says so). Never below the
  onset detector's own default gate (−60 dBFS): a perfectly silent input (a gated microphone, the
  computer's noise suppression, a guitar with its volume down) measures the converter's zero, and a
  gate 10 dB above that would let any flicker through.

An input that levels the sound (a laptop's automatic gain control, a phone's "enhancements", a
compressor) is told by how little the notes fade: from 0.1-0.2 s to 0.9-1.0 s after their peak, the
median over the notes that rang that long on their own. Five Stratocaster notes recorded direct (among
the longest-ringing strings) fade 5.4-17.1 dB, as recorded and through a far microphone, a room, hum
or a headset (100 simulated calibrations, ``tools/levelled_yardstick.py``); through a laptop
microphone's AGC 0.3-6.8 dB, under 4 dB in 17 of 20. Such a gain also lifts the background between
notes, and buzz under it is missed about half the time (the model's report), so the player is told
to turn it off.

Notes are counted where the level rises 6 dB above the noise percentile, and never below −80 dBFS
(the gate's floor less the largest gain, with 10 dB to spare): over digital silence, what a noise
suppressor lets through of the room is not a note.

Levels are RMS relative to full scale 1.0, measured without the input's DC offset (as the engine
hears it), clipping on the input as it is; `noise_floor_dbfs` and `note_level_dbfs` are as measured
(before the gain), `gate_dbfs` applies after it.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from buzzfinder_app.audio.dc import DcBlocker
from buzzfinder_app.decibels import db_to_amplitude
from buzzfinder_app.practice.levels import (
    DetectedNote,
    LevelMeter,
    NotePicker,
    as_mono,
    mean_level_dbfs,
)
from buzzfinder_app.practice.paths import config_dir
from buzzfinder_app.words import plural

TARGET_PEAK_DBFS = -12.0
LOUDEST_PEAK_DBFS = -3.0
MIN_GAIN_DB, MAX_GAIN_DB = -12.0, 30.0
NOISE_PERCENTILE = 95
GATE_ABOVE_NOISE_DB = 10.0
GATE_BELOW_NOTE_DB = 15.0
#: Notes are looked for this far above the noise percentile during calibration...
DETECT_ABOVE_NOISE_DB = 6.0
#: ...and never below this: 10 dB above what the gate's floor lets through at the largest gain.
DETECT_FLOOR_DBFS = -80.0
#: The lowest gate (after the gain): the onset detector's default, which works uncalibrated.
MIN_GATE_DBFS = -60.0
#: A noise percentile this low is no room, microphone or preamp: the input was digitally silent.
SILENT_INPUT_DBFS = -110.0
CLIP_AMPLITUDE = 0.99
TOO_QUIET_DBFS = -40.0
MIN_SNR_DB = 20.0
#: Notes that fade less than this (median, dB from 0.1-0.2 s to 0.9-1.0 s after the peak) were levelled...
LEVELLED_FADE_DB = 4.0
#: ...judged on at least this many notes that rang a second on their own.
LEVELLED_MIN_NOTES = 3
#: The stretches after a note's peak whose median levels its fade compares (seconds).
FADE_FROM_S, FADE_TO_S = (0.1, 0.2), (0.9, 1.0)

SILENCE_S = 3.0
NOTES_ASKED = 5
NOTES_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class CalibrationWarning:
    """code: "clipping" | "too_quiet" | "uneven" | "noisy" | "levelled" | "few_notes" | "silent_input";
    message: advice for the player."""

    code: str
    message: str


@dataclass(frozen=True)
class NoiseFloor:
    rms_dbfs: float
    percentile_dbfs: float


@dataclass(frozen=True)
class Calibration:
    device: str
    sample_rate: int
    gain_db: float
    gate_dbfs: float
    noise_floor_dbfs: float
    noise_percentile_dbfs: float
    note_level_dbfs: float | None
    notes_detected: int
    created_at: datetime
    warnings: tuple[CalibrationWarning, ...] = field(default_factory=tuple)

    @property
    def linear_gain(self) -> float:
        """The factor to multiply samples by."""
        return db_to_amplitude(self.gain_db)

    def warning(self, code: str) -> CalibrationWarning | None:
        """The advice of that ``code`` ("levelled", "noisy", ...), if the calibration gave it."""
        return next((w for w in self.warnings if w.code == code), None)

    def to_dict(self) -> dict:
        return {
            "device": self.device,
            "sample_rate": self.sample_rate,
            "gain_db": self.gain_db,
            "gate_dbfs": self.gate_dbfs,
            "noise_floor_dbfs": self.noise_floor_dbfs,
            "noise_percentile_dbfs": self.noise_percentile_dbfs,
            "note_level_dbfs": self.note_level_dbfs,
            "notes_detected": self.notes_detected,
            "created_at": self.created_at.isoformat(),
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Calibration":
        """Raises KeyError, TypeError or ValueError for a malformed dict."""
        note_level = d["note_level_dbfs"]
        return cls(
            device=str(d["device"]),
            sample_rate=int(d["sample_rate"]),
            gain_db=float(d["gain_db"]),
            gate_dbfs=float(d["gate_dbfs"]),
            noise_floor_dbfs=float(d["noise_floor_dbfs"]),
            noise_percentile_dbfs=float(d["noise_percentile_dbfs"]),
            note_level_dbfs=None if note_level is None else float(note_level),
            notes_detected=int(d["notes_detected"]),
            created_at=datetime.fromisoformat(d["created_at"]),
            warnings=tuple(CalibrationWarning(str(w["code"]), str(w["message"])) for w in d.get("warnings", ())),
        )


def measure_noise_floor(meter: LevelMeter) -> NoiseFloor:
    """The noise floor of the frames a meter has seen."""
    levels = np.asarray(meter.levels_dbfs)
    if not levels.size:
        raise ValueError("no complete frame of silence to measure")
    return NoiseFloor(mean_level_dbfs(levels), float(np.percentile(levels, NOISE_PERCENTILE)))


def compute_gain_db(notes: list[DetectedNote]) -> float:
    """The gain that puts the median note peak near −12 dBFS without lifting any above −3 dBFS."""
    if not notes:
        return 0.0
    peaks = [note.peak_dbfs for note in notes]
    gain = min(TARGET_PEAK_DBFS - statistics.median(peaks), LOUDEST_PEAK_DBFS - max(peaks))
    return float(np.clip(gain, MIN_GAIN_DB, MAX_GAIN_DB))


def compute_gate_dbfs(noise: NoiseFloor, notes: list[DetectedNote], gain_db: float) -> float:
    """The onset gate on the gained signal (see the module docstring)."""
    noise_dbfs = noise.percentile_dbfs + gain_db
    gate = noise_dbfs + GATE_ABOVE_NOISE_DB
    if notes:
        quietest = min(note.level_dbfs for note in notes) + gain_db
        if gate > quietest - GATE_BELOW_NOTE_DB:
            gate = (noise_dbfs + quietest) / 2
    return float(max(gate, MIN_GATE_DBFS))


def detection_threshold_dbfs(noise: NoiseFloor) -> float:
    """The level a 20 ms frame must reach to start a note during calibration."""
    return max(noise.percentile_dbfs + DETECT_ABOVE_NOISE_DB, DETECT_FLOOR_DBFS)


def note_fades_db(levels_dbfs, frame_s: float, notes: list[DetectedNote]) -> list[float]:
    """How far each note's level falls from 0.1-0.2 s to 0.9-1.0 s after its peak (median frame levels,
    dB), for the notes that ring that long on their own (before the next note, within ``levels_dbfs``).

    >>> frames = [-80.0] * 5 + [-10.0 - 10.0 * k * 0.02 for k in range(100)]  # falls 10 dB a second
    >>> note = DetectedNote(start_s=0.1, peak_s=0.1, level_dbfs=-10.0, peak_dbfs=-7.0)
    >>> [round(f, 1) for f in note_fades_db(frames, 0.02, [note])]
    [8.0]
    """
    levels = np.asarray(levels_dbfs, dtype=np.float64)
    fades = []
    for i, note in enumerate(notes):
        ends = notes[i + 1].start_s if i + 1 < len(notes) else len(levels) * frame_s
        if note.peak_s + FADE_TO_S[1] > ends:
            continue
        early, late = (levels[round((note.peak_s + a) / frame_s): round((note.peak_s + b) / frame_s)]
                       for a, b in (FADE_FROM_S, FADE_TO_S))
        fades.append(float(np.median(early) - np.median(late)))
    return fades


def calibration_warnings(noise: NoiseFloor, notes: list[DetectedNote], notes_asked: int,
                         max_abs: float, gain_db: float | None = None, fades_db=()) -> list[CalibrationWarning]:
    """Advice for the player; ``gain_db`` is the gain set (computed from the notes when None), so that
    the advice never contradicts it; ``fades_db``: :func:`note_fades_db` of the notes."""
    gain = compute_gain_db(notes) if gain_db is None else gain_db
    warnings = []
    if max_abs >= CLIP_AMPLITUDE:
        warnings.append(CalibrationWarning(
            "clipping", "The input clipped: lower the interface gain or move back from the microphone."))
    if noise.percentile_dbfs <= SILENT_INPUT_DBFS:
        warnings.append(CalibrationWarning(
            "silent_input", "The input was perfectly silent while the room was measured: a noise gate, the "
                            "computer's noise suppression or the guitar's volume knob may be cutting it off. "
                            "The note detector uses its default threshold; turn noise suppression off if quiet "
                            "notes go unheard."))
    if not notes:
        warnings.append(CalibrationWarning(
            "few_notes", "No notes were heard: check the input, then play each note on its own and let it ring."))
        return warnings
    if len(notes) < notes_asked:
        warnings.append(CalibrationWarning(
            "few_notes", f"Only {len(notes)} of {plural(notes_asked, 'note')} were heard: play each note on its own "
                         "and let it ring before the next."))
    note_peak = statistics.median(note.peak_dbfs for note in notes)
    if note_peak < TOO_QUIET_DBFS and gain > 0:
        warnings.append(CalibrationWarning(
            "too_quiet", f"Your notes peak at {note_peak:.0f} dBFS, which is very quiet (a gain of {gain:+.0f} dB "
                         "lifts them): move closer to the microphone or raise the interface gain."))
    elif note_peak < TOO_QUIET_DBFS:
        loudest = max(note.peak_dbfs for note in notes)
        warnings.append(CalibrationWarning(
            "uneven", f"Your notes ranged from {min(note.peak_dbfs for note in notes):.0f} to {loudest:.0f} dBFS: "
                      f"the loudest keeps the gain at {gain:+.0f} dB, so the quiet ones stay quiet. Calibrate "
                      "again playing every note at the same, normal strength."))
    levelled = len(fades_db) >= LEVELLED_MIN_NOTES and statistics.median(fades_db) < LEVELLED_FADE_DB
    if levelled:
        warnings.append(CalibrationWarning(
            "levelled", f"Your input levels the sound: your notes hardly fade ({statistics.median(fades_db):.0f} dB "
                        "in their first second; a string alone fades 5 dB or more). Automatic gain control (AGC, "
                        "sound “enhancements”) or a compressor does this, and it lifts the background "
                        "between notes: buzz is missed more often through it. Turn it off in the computer's sound "
                        "settings, or use another input, then calibrate again."))
    snr = statistics.median(note.level_dbfs for note in notes) - noise.rms_dbfs
    if snr < MIN_SNR_DB:
        warnings.append(CalibrationWarning(
            "noisy", f"Notes are only {snr:.0f} dB above the background: "
                     + ("the gain that levels them lifts it in the quiet." if levelled else
                        "quieten the room or move closer to the microphone.")))
    return warnings


def compute_calibration(device: str, sample_rate: int, noise: NoiseFloor, notes: list[DetectedNote],
                        notes_asked: int, max_abs: float, created_at: datetime | None = None,
                        fades_db=()) -> Calibration:
    """Gain, gate and warnings from the measurements; `max_abs` is the largest sample heard, ``fades_db``
    how much the notes fade (:func:`note_fades_db`)."""
    gain = compute_gain_db(notes)
    return Calibration(
        device=device,
        sample_rate=sample_rate,
        gain_db=gain,
        gate_dbfs=compute_gate_dbfs(noise, notes, gain),
        noise_floor_dbfs=noise.rms_dbfs,
        noise_percentile_dbfs=noise.percentile_dbfs,
        note_level_dbfs=float(statistics.median(n.peak_dbfs for n in notes)) if notes else None,
        notes_detected=len(notes),
        created_at=created_at or datetime.now(timezone.utc),
        warnings=tuple(calibration_warnings(noise, notes, notes_asked, max_abs, gain, fades_db)),
    )


@dataclass(frozen=True)
class CalibrationProgress:
    """What the wizard shows: phase "silence" | "notes" | "done", and how far it has got (0–1)."""

    phase: str
    fraction: float
    notes_heard: int
    notes_asked: int
    message: str


class CalibrationRun:
    """The calibration wizard's steps: feed audio blocks, show the progress, take the result.

    First `silence_s` seconds of silence, then notes until `notes_asked` are heard or
    `notes_timeout_s` passes (or `finish()` is called, e.g. from a Done button).
    """

    def __init__(self, device: str, sample_rate: int, silence_s: float = SILENCE_S,
                 notes_asked: int = NOTES_ASKED, notes_timeout_s: float = NOTES_TIMEOUT_S) -> None:
        self.device = device
        self.sample_rate = sample_rate
        self.notes_asked = notes_asked
        self.notes_timeout_s = notes_timeout_s
        self._silence_samples = round(silence_s * sample_rate)
        self._dc = DcBlocker(sample_rate)  # levels as the engine will see them, without the offset
        self._max_abs = 0.0  # clipping is judged on the input itself
        self.heard = np.zeros(0, np.float32)  # the last block fed, without its offset (for a level meter)
        self._silence = LevelMeter(sample_rate)
        self._notes = LevelMeter(sample_rate)
        self._picker: NotePicker | None = None
        self._noise: NoiseFloor | None = None
        self.result: Calibration | None = None

    @property
    def phase(self) -> str:
        if self.result is not None:
            return "done"
        return "silence" if self._noise is None else "notes"

    @property
    def notes_heard(self) -> int:
        return len(self._picker.notes) if self._picker else 0

    def feed(self, block) -> CalibrationProgress:
        """Add a block of input (mono, or frames × channels) and say where the run stands."""
        block = as_mono(block)
        if block.size:
            self._max_abs = max(self._max_abs, float(np.max(np.abs(block))))
        block = self.heard = self._dc.process(block)
        if self.phase == "silence":
            needed = self._silence_samples - self._silence.samples
            self._silence.feed(block[:needed])
            block = block[needed:]
            if self._silence.samples >= self._silence_samples:
                self._noise = measure_noise_floor(self._silence)
                self._picker = NotePicker(detection_threshold_dbfs(self._noise), self._notes.frame_s)
        if self.phase == "notes" and len(block):
            self._picker.feed(*self._notes.feed(block))
            if self.notes_heard >= self.notes_asked or self._notes.seconds >= self.notes_timeout_s:
                self.finish()
        return self.progress

    @property
    def fades_db(self) -> list[float]:
        """How much each note heard so far fades in its first second (:func:`note_fades_db`)."""
        return note_fades_db(self._notes.levels_dbfs, self._notes.frame_s, self._picker.notes) if self._picker else []

    def finish(self) -> Calibration:
        """End the notes phase now and compute the result (from the notes heard so far)."""
        if self._noise is None:
            raise RuntimeError("the silence has not been measured yet")
        if self.result is None:
            self.result = compute_calibration(
                self.device, self.sample_rate, self._noise, self._picker.notes, self.notes_asked, self._max_abs,
                fades_db=self.fades_db)
        return self.result

    @property
    def progress(self) -> CalibrationProgress:
        phase = self.phase
        if phase == "silence":
            left = (self._silence_samples - self._silence.samples) / self.sample_rate
            fraction = self._silence.samples / self._silence_samples
            message = f"Stay quiet while the room is measured… {left:.0f} s"
        elif phase == "notes":
            fraction = self.notes_heard / self.notes_asked
            message = (f"Play {plural(self.notes_asked, 'note')}, one at a time, as you normally would — "
                       f"{self.notes_heard} of {self.notes_asked} heard.")
        else:
            fraction = 1.0
            message = "Calibration done." if not self.result.warnings else "Calibration done, with advice below."
        return CalibrationProgress(phase, min(fraction, 1.0), self.notes_heard, self.notes_asked, message)


def calibrate(device: str, sample_rate: int, silence, notes, notes_asked: int = NOTES_ASKED) -> Calibration:
    """Calibrate from whole recordings of silence and of notes."""
    run = CalibrationRun(device, sample_rate, silence_s=len(silence) / sample_rate, notes_asked=notes_asked,
                         notes_timeout_s=float("inf"))
    run.feed(silence)
    run.feed(notes)
    return run.finish()


class CalibrationStoreError(Exception):
    """Calibrations could not be saved; the message says why, for the user."""


class CalibrationStore:
    """The latest calibration of each input device, in a JSON file in the user's config folder.

    A file that cannot be read gives an empty store and a `warning` (it is replaced on the next
    save); writes go to a temporary file that atomically replaces the old one.
    """

    FILE_NAME = "calibrations.json"
    FORMAT_VERSION = 1

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else config_dir() / self.FILE_NAME
        self.warning: str | None = None
        self._calibrations: dict[str, Calibration] = {}
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as exc:
            self.warning = f"Saved calibrations could not be read from {self.path} ({exc.strerror}); calibrate again."
            return
        try:
            devices = json.loads(text)["devices"]
            self._calibrations = {name: Calibration.from_dict(d) for name, d in devices.items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.warning = (f"Saved calibrations in {self.path} are damaged ({type(exc).__name__}) and were "
                            "ignored; calibrate again.")

    def get(self, device: str) -> Calibration | None:
        return self._calibrations.get(device)

    def devices(self) -> list[str]:
        return sorted(self._calibrations)

    def save(self, calibration: Calibration) -> None:
        """Remember `calibration` for its device (replacing an older one) and write the file."""
        self._calibrations[calibration.device] = calibration
        self._write()

    def forget(self, device: str) -> None:
        if self._calibrations.pop(device, None) is not None:
            self._write()

    def _write(self) -> None:
        data = {"format_version": self.FORMAT_VERSION,
                "devices": {name: cal.to_dict() for name, cal in sorted(self._calibrations.items())}}
        temp_name = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent, prefix=".calibrations-",
                                             suffix=".tmp", delete=False) as temp:
                temp_name = temp.name
                json.dump(data, temp, indent=2)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, self.path)
        except OSError as exc:
            if temp_name is not None and os.path.exists(temp_name):
                os.unlink(temp_name)
            raise CalibrationStoreError(
                f"Could not save the calibration to {self.path}: {exc.strerror or exc}. "
                "Check that the folder is writable, or set BUZZFINDER_CONFIG_DIR to another folder.") from exc
        self.warning = None
