"""Input devices as PortAudio lists them (:func:`buzzfinder_app.audio.mic.list_input_devices`)."""

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
