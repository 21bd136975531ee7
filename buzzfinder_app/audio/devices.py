"""Input devices as PortAudio lists them (:func:`buzzfinder_app.audio.mic.list_input_devices`), and
what the app calls an input: a device, or one input of an interface ("Focusrite · input 2")."""

from __future__ import annotations

from dataclasses import dataclass

#: Sample rates offered for every device, after its own.
COMMON_RATES = (48000, 44100, 22050)


@dataclass(frozen=True)
class InputDevice:
    """One input device: PortAudio's index and name, whether it is the system's default input, how
    many inputs (channels) it has and the rate it runs at unless asked otherwise."""

    index: int
    name: str
    is_default: bool = False
    max_input_channels: int = 1
    default_samplerate: float = 0.0

    @property
    def inputs(self) -> int:
        """How many inputs it offers (at least one)."""
        return max(1, self.max_input_channels)

    @property
    def rates(self) -> list[int]:
        """Sample rates worth offering: its own first, then common ones."""
        own = [int(self.default_samplerate)] if self.default_samplerate else []
        return own + [rate for rate in COMMON_RATES if rate not in own]


def find_device(devices: list[InputDevice], name: str | None) -> InputDevice | None:
    """The device called ``name``, else the default (the first flagged default, else the first);
    None when there are none."""
    for dev in devices:
        if name and dev.name == name:
            return dev
    for dev in devices:
        if dev.is_default:
            return dev
    return devices[0] if devices else None


def input_channel(device: InputDevice | None, channel: int) -> int:
    """The input of ``device`` to use when ``channel`` is chosen: that one, or the first where the
    device has fewer inputs (or is not there)."""
    return channel if device is not None and channel <= device.inputs else 1


def input_name(device_name: str, channel: int) -> str:
    """What the app calls an input: the device's name, with the input's number beyond the first
    ("Focusrite · input 2"). Calibrations, sessions and profiles are kept under this name."""
    return device_name if channel <= 1 else f"{device_name} · input {channel}"


def chosen_input_name(devices: list[InputDevice], device_name: str | None, channel: int) -> str:
    """The name (:func:`input_name`) of the input chosen as ``device_name`` (None: the default
    device) and ``channel`` among ``devices``; a device not there keeps its chosen name."""
    dev = find_device(devices, device_name)
    return input_name(dev.name if dev is not None else (device_name or "no device"), input_channel(dev, channel))
