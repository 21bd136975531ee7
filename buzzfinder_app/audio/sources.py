"""Live inputs: the microphone, or a file played in real time as if it were one.

Both are an :class:`InputSource`, which the live view drains on a timer: ``start()``, ``read()``
(whatever arrived since the last read), ``stop()``, what they dropped (``overflows``), whether a file
has ended (``done``) and its length (``duration_s``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.audio.file import FileSource


@runtime_checkable
class InputSource(Protocol):
    """What the live pipeline needs of an input; ``read()`` gives float32 mono at ``sample_rate``."""

    #: shown to the player
    name: str
    sample_rate: int
    #: a recording played as the input (its notes are stored at their time in the file)
    is_file: bool
    #: the recording's path (None for a microphone)
    path: Path | None

    @property
    def overflows(self) -> int:
        """Blocks of audio lost so far because the reader fell behind."""

    @property
    def done(self) -> bool:
        """The input has ended (a file that does not loop); a microphone never is."""

    @property
    def duration_s(self) -> float | None:
        """A file's length, once known; None for a microphone."""

    def start(self) -> None: ...

    def read(self) -> np.ndarray: ...

    def stop(self) -> None: ...


BLOCK = 1024


def stop_quietly(source: InputSource | None) -> None:
    """Stop ``source`` if there is one; a device that is already gone cannot fail a stop."""
    if source is None:
        return
    try:
        source.stop()
    except Exception:  # PortAudio's errors for a vanished device: it is stopped either way
        pass


class FilePlaybackSource:
    """Plays a file as if it were the microphone: ``read()`` returns the samples due by the wall clock.

    Decoding is done by :class:`buzzfinder_app.audio.file.FileSource`, a block at a time. With
    ``loop`` the file starts again when it ends; :attr:`position_s` is always the time in the file
    and :attr:`duration_s` is known once the first pass has ended.
    """

    is_file = True

    def __init__(self, path, sample_rate: int = C.SAMPLE_RATE, loop: bool = False, speed: float = 1.0,
                 clock=time.monotonic):
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.loop = loop
        self.speed = speed
        self.clock = clock
        self.overflows = 0
        self.name = f"file: {self.path.name}"
        self.done = False
        self.loops = 0
        self._blocks = None
        self._pending = np.zeros(0, np.float32)
        self._delivered = 0  # samples delivered since start (all loops)
        self._in_file = 0  # samples delivered of the current pass
        self._t0 = None
        self.duration_s: float | None = None

    def _open(self):
        return iter(FileSource(self.path, sample_rate=self.sample_rate, block=BLOCK))

    def start(self) -> None:
        """Open the file (raises the audio module's error if it cannot be read) and start the clock."""
        self._blocks = self._open()
        self._t0 = self.clock()

    def stop(self) -> None:
        self._blocks = None

    @property
    def position_s(self) -> float:
        """Seconds into the current pass of the file."""
        return self._in_file / self.sample_rate

    def _next_block(self) -> np.ndarray | None:
        while self._blocks is not None:
            block = next(self._blocks, None)
            if block is not None and len(block):
                return np.asarray(block, np.float32).ravel()
            if block is not None:
                continue
            if self.duration_s is None:
                self.duration_s = self._in_file / self.sample_rate
            if not self.loop or self._in_file == 0:  # an empty file would loop forever
                return None
            self.loops += 1
            self._in_file = 0
            self._blocks = self._open()
        return None

    def read(self) -> np.ndarray:
        """Samples due since the last call (empty when none are, or when the file has ended)."""
        if self._t0 is None or self.done:
            return np.zeros(0, np.float32)
        due = int((self.clock() - self._t0) * self.speed * self.sample_rate) - self._delivered
        out = []
        while due > 0:
            if not len(self._pending):
                block = self._next_block()
                if block is None:
                    self.done = True
                    break
                self._pending = block
            take = self._pending[:due]
            self._pending = self._pending[len(take):]
            out.append(take)
            due -= len(take)
            self._in_file += len(take)
            self._delivered += len(take)
        return np.concatenate(out) if out else np.zeros(0, np.float32)


class MicInput:
    """:class:`buzzfinder_app.audio.mic.MicSource` with the same surface as the file source."""

    is_file = False
    path = None
    done = False
    duration_s = None

    #: ``read()`` delivers audio at the model's rate whatever the device runs at.
    sample_rate = C.SAMPLE_RATE

    def __init__(self, device, device_rate: int | None = None, device_name: str | None = None, channel: int = 1):
        from buzzfinder_app.audio.mic import MicSource

        self.mic = MicSource(device, device_rate, channel)
        self.name = device_name or (f"device {device}" if device is not None else "default input")

    @property
    def overflows(self) -> int:
        return int(getattr(self.mic, "overflows", 0))

    def start(self) -> None:
        self.mic.start()

    def read(self) -> np.ndarray:
        return np.asarray(self.mic.read(), np.float32).ravel()

    def stop(self) -> None:
        self.mic.stop()
