"""Short-frame levels of an audio stream, and notes picked from the level envelope.

Levels are RMS relative to full scale 1.0 (a full-scale sine is −3 dBFS); peaks are the largest
absolute sample. Everything works block by block, so live input and whole arrays give the same
frames and the same notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from buzzfinder_app.decibels import SILENCE_DBFS, amplitude_to_dbfs, db_to_power, power_to_dbfs

#: Length of one level frame in seconds.
FRAME_S = 0.02
#: A note starts when the level rises this much above the lowest level since the last note...
NOTE_RISE_DB = 6.0
#: ...and its peak is taken once the level has fallen this much below the highest level since.
NOTE_FALL_DB = 3.0


def mean_level_dbfs(levels_dbfs) -> float:
    """The RMS level of a stretch of frames, from their levels (an energy mean, not a dB mean)."""
    levels = np.asarray(levels_dbfs, dtype=np.float64)
    return float(power_to_dbfs(np.mean(db_to_power(levels)))) if levels.size else SILENCE_DBFS


def as_mono(block) -> np.ndarray:
    """A 1-D float64 array; a (frames, channels) block is averaged across channels."""
    block = np.asarray(block, dtype=np.float64)
    return block.mean(axis=1) if block.ndim == 2 else block.reshape(-1)


class LevelMeter:
    """Cuts a stream into `FRAME_S` frames and keeps each frame's level and peak."""

    def __init__(self, sample_rate: int, frame_s: float = FRAME_S) -> None:
        self.sample_rate = sample_rate
        self.frame_len = max(1, round(sample_rate * frame_s))
        self.levels_dbfs: list[float] = []
        self.peaks: list[float] = []
        self.max_abs = 0.0
        self.samples = 0
        self._pending = np.zeros(0)

    @property
    def seconds(self) -> float:
        return self.samples / self.sample_rate

    @property
    def frame_s(self) -> float:
        return self.frame_len / self.sample_rate

    def feed(self, block) -> tuple[np.ndarray, np.ndarray]:
        """Add samples; returns the levels (dBFS) and peaks of the frames they completed."""
        block = as_mono(block)
        self.samples += block.size
        if block.size:
            self.max_abs = max(self.max_abs, float(np.max(np.abs(block))))
        data = np.concatenate([self._pending, block])
        count = data.size // self.frame_len
        frames = data[: count * self.frame_len].reshape(count, self.frame_len)
        self._pending = data[count * self.frame_len:]
        levels = power_to_dbfs(np.mean(frames**2, axis=1))
        peaks = np.max(np.abs(frames), axis=1) if count else np.zeros(0)
        self.levels_dbfs.extend(levels.tolist())
        self.peaks.extend(peaks.tolist())
        return levels, peaks


@dataclass(frozen=True)
class DetectedNote:
    """A note found on the level envelope: when it rose and peaked, its loudest frame and sample."""

    start_s: float
    peak_s: float
    level_dbfs: float
    peak_dbfs: float


class NotePicker:
    """Finds notes as rises of the frame level above `threshold_dbfs`, frame by frame.

    A note starts when a frame is above the threshold and `NOTE_RISE_DB` above the lowest level
    since the previous note (so a note still ringing cannot re-trigger itself); it is reported once
    the level falls `NOTE_FALL_DB` below its highest frame. A note already sounding when the stream
    begins is not counted: its rise was not heard.
    """

    def __init__(self, threshold_dbfs: float, frame_s: float = FRAME_S) -> None:
        self.threshold_dbfs = threshold_dbfs
        self.frame_s = frame_s
        self.notes: list[DetectedNote] = []
        self._frame = 0
        self._valley = math.inf
        self._start: int | None = None
        self._best_level = SILENCE_DBFS
        self._best_frame = 0
        self._best_peak = 0.0
        self._previous_peak = 0.0

    def feed(self, levels_dbfs, peaks) -> list[DetectedNote]:
        """Consume frames (level and peak each); returns the notes they completed."""
        found = []
        for level, peak in zip(levels_dbfs, peaks):
            if self._start is None:
                self._valley = min(self._valley, level)
                if level >= self.threshold_dbfs and level >= self._valley + NOTE_RISE_DB:
                    self._start, self._best_level, self._best_frame = self._frame, level, self._frame
                    self._best_peak = max(peak, self._previous_peak)  # the attack may start a frame early
            else:
                self._best_peak = max(self._best_peak, peak)
                if level > self._best_level:
                    self._best_level, self._best_frame = level, self._frame
                elif level < self._best_level - NOTE_FALL_DB:
                    found.append(DetectedNote(
                        start_s=self._start * self.frame_s,
                        peak_s=self._best_frame * self.frame_s,
                        level_dbfs=float(self._best_level),
                        peak_dbfs=float(amplitude_to_dbfs(self._best_peak)),
                    ))
                    self._start, self._valley = None, level
            self._previous_peak = peak
            self._frame += 1
        self.notes.extend(found)
        return found


def detect_notes(y, sample_rate: int, threshold_dbfs: float) -> list[DetectedNote]:
    """The notes of a whole recording (the same as feeding it block by block)."""
    meter = LevelMeter(sample_rate)
    picker = NotePicker(threshold_dbfs, meter.frame_s)
    picker.feed(*meter.feed(y))
    return picker.notes
