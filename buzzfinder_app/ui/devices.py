"""The input devices of :func:`buzzfinder_app.audio.mic.list_input_devices`, and what the app calls an input."""

from __future__ import annotations

from buzzfinder_app.audio.devices import InputDevice


def input_name(device_name: str, channel: int) -> str:
    """What the app calls an input: the device's name, with the input's number beyond the first
    (calibrations, sessions and profiles are kept per input)."""
    return device_name if channel <= 1 else f"{device_name} · input {channel}"


def find_device(devices: list[InputDevice], name: str | None) -> InputDevice | None:
    """The device called ``name``, else the default (first flagged default, else the first); None
    when there are none."""
    for dev in devices:
        if name and dev.name == name:
            return dev
    for dev in devices:
        if dev.is_default:
            return dev
    return devices[0] if devices else None
