"""The microphone as a source of mono float32 blocks at the model's sample rate.

A sounddevice ``InputStream`` callback only copies into a :class:`RingBuffer` (and counts the
driver's overflows); the consumer calls :meth:`MicSource.read` to drain it, resampled to
``SAMPLE_RATE`` with a streaming soxr resampler when the device runs at another rate. A converter
found to deliver a coarse grid (an 8-bit headset) is dithered before the resampler, as a file on
one is (:class:`~buzzfinder_app.audio.dither.LiveDither`).

>>> mic = MicSource()                     # default input device    # doctest: +SKIP
>>> mic.start(); block = mic.read(); mic.stop()                     # doctest: +SKIP
"""

from __future__ import annotations

import time

import numpy as np
import soxr

from buzzfinder_app.audio.devices import InputDevice
from buzzfinder_app.audio.dither import LiveDither
from buzzfinder_app.audio.ring import RingBuffer
from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.words import plural

#: Seconds of audio the ring buffer holds before the reader is considered behind.
RING_SECONDS = 4.0
#: A running stream that delivers nothing for this long has lost its device.
STALL_S = 2.0
#: Audio per callback (seconds). Left to the host, PulseAudio calls back every 5 ms: 200 calls a
#: second into Python cost about 2.5 % of a core; 20 ms costs half that and adds at most 20 ms to a
#: verdict that the GUI collects every 40 ms anyway.
CALLBACK_S = 0.02


class MicError(Exception):
    """No usable input device, or the device failed; the message is for the user."""


def _sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # PortAudio library missing
        raise MicError(f"audio input is unavailable: PortAudio could not be loaded ({exc})") from None
    return sounddevice


def list_input_devices(rescan: bool = False) -> list[InputDevice]:
    """The devices that have inputs.

    PortAudio lists devices once, when it starts; ``rescan`` restarts it to see a device plugged in
    since (or plugged back in). That stops any open stream: only when nothing is listening.
    """
    try:
        sd = _sounddevice()
        if rescan:  # the sounddevice author's way to refresh the list (issue #125)
            sd.stop()  # a note still playing holds a stream that the restart would free under it
            try:
                sd._terminate()
            except Exception:  # not initialised (an earlier restart failed half-way)
                pass
            sd._initialize()
        devices = sd.query_devices()
        default = sd.default.device[0]
    except Exception:  # MicError, PortAudioError …: no audio system, so no devices
        return []
    return [InputDevice(index=int(d["index"]), name=str(d["name"]), is_default=int(d["index"]) == default,
                        max_input_channels=int(d["max_input_channels"]),
                        default_samplerate=float(d["default_samplerate"]))
            for d in devices if d["max_input_channels"] > 0]


class MicSource:
    """Live input from ``device`` (index or name; None for the default) at its own or a given rate,
    from one of its inputs: ``channel`` 1 is the first (an interface's input 2 is channel 2)."""

    def __init__(self, device=None, sample_rate: float | None = None, channel: int = 1):
        sd = _sounddevice()
        try:
            info = sd.query_devices(device, "input")
        except (sd.PortAudioError, ValueError) as exc:
            which = "no input device found" if device is None else f"input device {device!r} not found"
            raise MicError(f"{which} ({exc})") from None
        self.device = info["index"] if "index" in info else device
        self.device_name = str(info["name"])
        self.device_rate = int(sample_rate or info["default_samplerate"])
        inputs = int(info.get("max_input_channels", 1))
        if not 1 <= int(channel) <= inputs:
            raise MicError(f"{self.device_name} has {plural(inputs, 'input')}; "
                           f"input {channel} does not exist (choose another in Settings)")
        self.channel = int(channel)
        # At least two channels where there are two: asked for one, some back ends (PulseAudio) mix
        # all inputs down instead of giving the first.
        self._open_channels = max(self.channel, min(2, inputs))
        self._ring = RingBuffer(int(RING_SECONDS * self.device_rate))
        self._input_overflows = 0
        self._stream = None
        self._resampler = None
        self._dither = LiveDither()
        self._last_data = 0.0  # monotonic time of the last read that found audio

    def _callback(self, indata, frames, time, status) -> None:
        if status.input_overflow:
            self._input_overflows += 1
        self._ring.write(indata[:, self.channel - 1])

    def start(self) -> None:
        """Open and start the input stream; raise :class:`MicError` if the device refuses."""
        sd = _sounddevice()
        if self.device_rate != SAMPLE_RATE:
            self._resampler = soxr.ResampleStream(self.device_rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        try:
            self._stream = sd.InputStream(device=self.device, channels=self._open_channels, samplerate=self.device_rate,
                                          blocksize=max(1, round(CALLBACK_S * self.device_rate)),
                                          dtype="float32", callback=self._callback)
            self._stream.start()
            self._last_data = time.monotonic()
        except (sd.PortAudioError, ValueError) as exc:
            self._stream = None
            raise MicError(f"could not open {self.device_name} at {self.device_rate} Hz ({exc})") from None

    def read(self) -> np.ndarray:
        """All audio captured since the last read, mono float32 at ``SAMPLE_RATE``.

        Raises :class:`MicError` when the stream has stopped on its own or has delivered nothing
        for ``STALL_S`` seconds (the device vanished).
        """
        samples = self._ring.read()
        if self._stream is not None:
            ended = not self._stream.active and not self._stream.stopped
            if len(samples):
                self._last_data = time.monotonic()
            elif ended or time.monotonic() - self._last_data > STALL_S:
                raise MicError(f"input device {self.device_name} stopped delivering audio (unplugged?)")
        if len(samples):
            samples = self._dither.process(samples)
        if self._resampler is not None and len(samples):
            samples = self._resampler.resample_chunk(samples)
        return np.asarray(samples, dtype=np.float32)

    @property
    def grid_step(self) -> float | None:
        """The coarse grid the converter was found to deliver (and is dithered), or None."""
        return self._dither.grid_step

    @property
    def overflows(self) -> int:
        """Blocks lost so far: driver overflows plus writes the ring buffer could not take."""
        return self._input_overflows + self._ring.overruns

    @property
    def active(self) -> bool:
        return self._stream is not None and self._stream.active

    def stop(self) -> None:
        """Stop at once (``abort``: ``stop`` can hang on some back ends) and close the stream."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
            stream.close()
        except Exception:  # the device may already be gone; there is nothing left to release
            pass

    def __enter__(self) -> "MicSource":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
