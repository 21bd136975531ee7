"""Audio files as a stream of mono float32 blocks at the model's sample rate.

Anything libsndfile reads (WAV of any bit depth, FLAC, OGG, MP3 …) at 8-192 kHz: channels are
averaged, the rate is converted with a streaming soxr resampler, and the file is read in chunks
so a long recording never sits in memory whole. :func:`read_audio` is the same stream joined.

>>> source = FileSource("take.flac")            # doctest: +SKIP
>>> source.duration_s, source.source_rate        # doctest: +SKIP
(93.2, 48000)
>>> for block in source: engine.feed(block)      # doctest: +SKIP
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from buzzfinder_app.audio.dither import Dither, grid_step
from buzzfinder_app.constants import MIN_NOTE_S, SAMPLE_RATE
from buzzfinder_app.decibels import amplitude_to_dbfs, db_to_amplitude

MIN_RATE, MAX_RATE = 8_000, 192_000
#: A file whose loudest sample stays below this is treated as silent (16-bit LSB is -90 dBFS).
SILENT_DBFS = -90.0
#: A float sample beyond this (120 dB over full scale) is not audio: refused before it overflows a sum.
MAX_SAMPLE = 1e6
#: Seconds at the start of a file that tell whether it sits on a coarse converter's grid (enough to
#: reach the first note of most clips: digital silence alone tells no grid).
GRID_PROBE_S = 5.0


class AudioFileError(Exception):
    """A file that cannot be analysed; ``str()`` is one line naming the file and the problem."""

    def __init__(self, path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class FileSource:
    """Iterate over a file's audio as mono float32 blocks of about ``block`` samples at ``sample_rate``.

    Opening checks what can be checked cheaply (exists, not empty, readable, rate, length) and raises
    :class:`AudioFileError`; NaN/inf samples and silence are found while reading and raised then.
    ``frames_read`` counts source frames read so far (for progress). A file on a coarse converter's
    grid (:func:`~buzzfinder_app.audio.dither.grid_step`, found in its first seconds; ``grid_step``
    once read) is dithered, so that its rounding error is heard as hiss, not as a rattle.
    """

    def __init__(self, path, sample_rate: int = SAMPLE_RATE, block: int = 8192):
        self.path = Path(path)
        self.sample_rate = int(sample_rate)
        self.block = int(block)
        self.frames_read = 0
        self.grid_step: float | None = None
        try:  # what the OS says (a name too long, a folder without permission) is the file's problem
            if not stat.S_ISREG(self.path.stat().st_mode):
                raise AudioFileError(self.path, "not a file")
            with open(self.path, "rb") as f:
                empty = not f.read(1)
        except FileNotFoundError:
            raise AudioFileError(self.path, "file not found") from None
        except OSError as exc:
            raise AudioFileError(self.path, f"cannot be read ({exc.strerror or exc})") from None
        if empty:
            raise AudioFileError(self.path, "file is empty (0 bytes)")
        try:
            info = sf.info(str(self.path))
        except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
            raise AudioFileError(self.path, f"not an audio file that can be read ({_reason(exc)})") from None
        self.source_rate = int(info.samplerate)
        self.channels = int(info.channels)
        self.frames = int(info.frames)
        if not MIN_RATE <= self.source_rate <= MAX_RATE:
            raise AudioFileError(self.path, f"sample rate {self.source_rate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz")
        if self.frames <= 0:
            raise AudioFileError(self.path, "contains no audio")
        self.duration_s = self.frames / self.source_rate
        if self.duration_s < MIN_NOTE_S:
            raise AudioFileError(self.path, f"too short ({self.duration_s:.2f} s; "
                                            f"a note needs at least {MIN_NOTE_S} s)")

    def __iter__(self) -> Iterator[np.ndarray]:
        resampler = None
        if self.source_rate != self.sample_rate:
            resampler = soxr.ResampleStream(self.source_rate, self.sample_rate, 1, dtype="float32", quality="HQ")
        chunk = max(1, int(np.ceil(self.block * self.source_rate / self.sample_rate)))
        peak = 0.0
        self.frames_read = 0
        try:
            with sf.SoundFile(str(self.path)) as f:
                dither = self._dither(f)
                for raw in f.blocks(blocksize=chunk, dtype="float32", always_2d=True):
                    self.frames_read += len(raw)
                    mono = raw.mean(axis=1, dtype=np.float32) if raw.shape[1] > 1 else raw[:, 0]
                    block_peak = float(np.max(np.abs(mono))) if len(mono) else 0.0  # NaN if there is one
                    if not block_peak <= MAX_SAMPLE:
                        bad = np.flatnonzero(~(np.abs(mono) <= MAX_SAMPLE))[0]
                        at = (self.frames_read - len(mono) + bad) / self.source_rate
                        what = ("NaN or infinite samples" if not np.isfinite(mono[bad]) else
                                f"samples far beyond full scale ({mono[bad]:.3g})")
                        raise AudioFileError(self.path, f"contains {what} (first at {at:.3f} s)")
                    peak = max(peak, block_peak)
                    if dither is not None:
                        mono = dither.process(mono)
                    out = resampler.resample_chunk(mono) if resampler else mono
                    if len(out):
                        yield np.ascontiguousarray(out, dtype=np.float32)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioFileError(self.path, f"could not be read to the end ({_reason(exc)})") from None
        if resampler:
            tail = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if len(tail):
                yield tail.astype(np.float32)
        if peak <= db_to_amplitude(SILENT_DBFS):
            level = "" if peak == 0 else f" (peak {amplitude_to_dbfs(peak):.0f} dBFS)"
            raise AudioFileError(self.path, "is silent" + level)

    def _dither(self, f: sf.SoundFile) -> Dither | None:
        """A :class:`Dither` when the file's first :data:`GRID_PROBE_S` sit on a coarse converter's grid."""
        probe = f.read(min(self.frames, int(GRID_PROBE_S * self.source_rate)), dtype="float32", always_2d=True)
        f.seek(0)
        step = grid_step(probe.mean(axis=1, dtype=np.float32) if probe.shape[1] > 1 else probe[:, 0])
        self.grid_step = step
        return Dither(step) if step else None


def read_audio(path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A whole file as one mono float32 array at ``sample_rate`` (exactly what :class:`FileSource` streams)."""
    blocks = list(FileSource(path, sample_rate))
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.split(": ", 1)[-1] if text.startswith("Error opening") else text
