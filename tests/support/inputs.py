"""Synthetic inputs of the tuner and set-up guide tests: a steady tone, and a source factory that plays it."""

from __future__ import annotations

import numpy as np

from buzzfinder_app.constants import SAMPLE_RATE
from tests.support.ui import ArraySource


def tone(hz: float, seconds: float = 30.0, cents: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f = hz * 2 ** (cents / 1200)
    return (0.2 * np.sin(2 * np.pi * f * t) + 0.05 * np.sin(4 * np.pi * f * t)).astype(np.float32)


class Inputs:
    """A source factory that plays ``y`` and records what was opened; ``live`` are the sources not stopped."""

    def __init__(self, y: np.ndarray | None = None):
        self.y = tone(110.0) if y is None else y
        self.opened: list[tuple] = []
        self.sources: list[ArraySource] = []

    def __call__(self, device, rate, name, channel=1):
        self.opened.append((device, name, channel))
        source = ArraySource(self.y, chunk=882, name=name)
        self.sources.append(source)
        return source

    @property
    def live(self) -> list[ArraySource]:
        return [s for s in self.sources if s.started and not s.stopped]
