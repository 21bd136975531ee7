"""Input devices as ``list_input_devices`` describes them, and what the app calls an input."""

from __future__ import annotations


def device_label(dev) -> str:
    if isinstance(dev, dict):
        return str(dev.get("name", dev))
    return str(getattr(dev, "name", dev))


def device_index(dev):
    if isinstance(dev, dict):
        return dev.get("index", dev.get("name"))
    return getattr(dev, "index", getattr(dev, "name", dev))


def device_inputs(dev) -> int:
    """How many inputs (channels) a device offers."""
    value = dev.get("max_input_channels") if isinstance(dev, dict) else getattr(dev, "max_input_channels", None)
    return max(1, int(value or 1))


def input_name(device_name: str, channel: int) -> str:
    """What the app calls an input: the device's name, with the input's number beyond the first
    (calibrations, sessions and profiles are kept per input)."""
    return device_name if channel <= 1 else f"{device_name} · input {channel}"


def device_rates(dev) -> list[int]:
    """Sample rates worth offering for a device: its default first, then common ones."""
    default = None
    if isinstance(dev, dict):
        default = dev.get("default_samplerate") or dev.get("sample_rate")
    else:
        default = getattr(dev, "default_samplerate", None) or getattr(dev, "sample_rate", None)
    rates = [int(default)] if default else []
    return rates + [r for r in (48000, 44100, 22050) if r not in rates]


def find_device(devices: list, name: str | None):
    """The device called ``name``, else the default (first flagged default, else the first); None
    when there are none."""
    for dev in devices:
        if name and device_label(dev) == name:
            return dev
    for dev in devices:
        if (dev.get("default") if isinstance(dev, dict) else getattr(dev, "default", False)):
            return dev
    return devices[0] if devices else None
