"""A real virtual microphone for end-to-end tests and benchmarks.

A private PulseAudio daemon with ``module-pipe-source`` reads 16-bit PCM (mono, or interleaved
channels: an interface's inputs) from a FIFO; PortAudio
(through ALSA's pulse plugin) sees it as the default input device, so the app captures it exactly
as it would a USB interface. A feeder thread writes to the FIFO in real time, silence when idle
(PulseAudio stalls and ``stream.stop()`` hangs if the pipe runs dry), non-blocking, through a small
pipe so that what is written is heard within a few milliseconds.

>>> with VirtualMic() as mic:                      # doctest: +SKIP
...     env = mic.env()                            # pass to the app's subprocess
...     t0 = mic.play(take)                        # wall time at which the take starts
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

RATE = 48000
CHUNK = 480  # 10 ms
_F_SETPIPE_SZ = 1031


class VirtualMicUnavailable(RuntimeError):
    """PulseAudio or its pipe source cannot be started here."""


class VirtualMic:
    def __init__(self, rate: int = RATE, channels: int = 1):
        self.rate = rate
        self.channels = channels
        self._dir = Path(tempfile.mkdtemp(prefix="buzzfinder-vmic-"))
        self._fifo = self._dir / "mic.fifo"
        self._pending: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._play_started: float | None = None

    def env(self) -> dict:
        """Environment for a process that should hear this microphone."""
        env = dict(os.environ)
        env["PULSE_SERVER"] = f"unix:{self._dir / 'native'}"
        env["PULSE_RUNTIME_PATH"] = str(self._dir / "runtime")
        return env

    def __enter__(self) -> "VirtualMic":
        if not shutil.which("pulseaudio"):
            raise VirtualMicUnavailable("pulseaudio is not installed (tools/bootstrap test installs it)")
        (self._dir / "runtime").mkdir()
        conf = self._dir / "pa.conf"
        conf.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self._dir / 'native'}\n"
            f"load-module module-pipe-source source_name=buzzfinder_virtual_mic file={self._fifo} "
            f"format=s16le rate={self.rate} channels={self.channels}\n"
            "load-module module-null-sink sink_name=buzzfinder_null\n"
            "set-default-source buzzfinder_virtual_mic\nset-default-sink buzzfinder_null\n"
        )
        env = self.env()
        subprocess.run(
            ["pulseaudio", "--daemonize", "-n", "-F", str(conf), "--exit-idle-time=-1",
             "--disable-shm", f"--log-target=file:{self._dir / 'log'}"],
            env=env, check=False, capture_output=True, timeout=20,
        )
        deadline = time.monotonic() + 10
        while not self._fifo.exists():
            if time.monotonic() > deadline:
                log = (self._dir / "log").read_text() if (self._dir / "log").exists() else ""
                self._kill_daemon()
                raise VirtualMicUnavailable(f"PulseAudio pipe source did not start: {log[-500:]}")
            time.sleep(0.05)
        fd = os.open(self._fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            fcntl.fcntl(fd, _F_SETPIPE_SZ, 4096)
        except OSError:
            pass
        self._fd = fd
        self._thread = threading.Thread(target=self._feed, name="virtual-mic-feeder", daemon=True)
        self._thread.start()
        return self

    def play(self, audio: np.ndarray) -> float:
        """Queue float audio at ``self.rate`` (frames × channels, or 1-D on every channel); return the
        wall time (``time.time()``) its first sample entered the pipe."""
        audio = np.asarray(audio)
        frames = np.repeat(audio[:, None], self.channels, axis=1) if audio.ndim == 1 else audio
        pcm = (np.clip(frames, -1.0, 1.0) * 32767).astype("<i2").reshape(-1)
        with self._lock:
            if self._pending:
                raise RuntimeError("the virtual microphone is still playing")
            self._pending.append(pcm)
            self._play_started = None
        while True:
            with self._lock:
                if self._play_started is not None:
                    return self._play_started
            time.sleep(0.001)

    def idle(self) -> bool:
        with self._lock:
            return not self._pending

    def _next_chunk(self) -> bytes:
        with self._lock:
            size = CHUNK * self.channels  # samples of one chunk, all channels
            if not self._pending:
                return bytes(size * 2)
            head = self._pending[0]
            if self._play_started is None:
                self._play_started = time.time()
            chunk, rest = head[:size], head[size:]
            if len(rest):
                self._pending[0] = rest
            else:
                self._pending.pop(0)
            data = chunk.tobytes()
            return data + bytes(size * 2 - len(data))

    def _feed(self) -> None:
        period = CHUNK / self.rate
        next_due = time.monotonic()
        data = b""
        while not self._stop.is_set():
            if not data:
                data = self._next_chunk()
            try:
                written = os.write(self._fd, data)
                data = data[written:]
            except BlockingIOError:
                time.sleep(0.002)
                continue
            except OSError:
                return
            if not data:
                next_due += period
                delay = next_due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -0.5:  # fell far behind (machine stalled): resynchronise
                    next_due = time.monotonic()

    def _kill_daemon(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env(), check=False, capture_output=True, timeout=10)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        try:
            os.close(self._fd)
        except OSError:
            pass
        self._kill_daemon()
        shutil.rmtree(self._dir, ignore_errors=True)
