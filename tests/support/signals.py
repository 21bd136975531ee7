"""The synthetic signals of the tests: one plucked-string synthesiser and white noise."""

from __future__ import annotations

import numpy as np

from buzzfinder_app.constants import SAMPLE_RATE


def synth_pluck(f0: float = 196.0, duration: float = 1.5, *, sr: int = SAMPLE_RATE, level_db: float = -12.0,
                inharmonicity: float = 1e-4, n_harmonics: int = 20, decay_s: float = 0.8,
                fundamental: bool = True, buzz: bool = False, seed: int = 0) -> np.ndarray:
    """A plucked-string-like note: decaying, slightly stretched harmonics plus a short noise attack.

    Peak level about ``level_db`` dBFS. ``fundamental=False`` leaves out the first harmonic; ``buzz`` adds a
    rattle gated by the fundamental's phase (a crude fret buzz).
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(duration * sr)) / sr
    y = np.zeros_like(t)
    for k in range(1 if fundamental else 2, n_harmonics + 1):
        fk = k * f0 * np.sqrt(1.0 + inharmonicity * k * k)
        if fk >= sr / 2:
            break
        amplitude = np.sin(np.pi * k * 0.13) / k  # plucked at 13 % of the string length
        y += amplitude * np.exp(-t * k**0.5 / decay_s) * np.sin(2 * np.pi * fk * t + rng.uniform(0, 2 * np.pi))
    attack = rng.standard_normal(len(t)) * np.exp(-t / 0.004) * 0.3
    y = y + attack
    if buzz:
        y += 0.2 * np.sign(np.sin(2 * np.pi * f0 * t)) * rng.standard_normal(len(t)) * np.exp(-t / 0.3)
    y = y * np.minimum(1.0, t / 0.002)
    return (y * 10 ** (level_db / 20) / np.max(np.abs(y))).astype(np.float32)


def noise(n: int, level_db: float, seed: int = 1) -> np.ndarray:
    """White noise at an RMS level of ``level_db`` dBFS."""
    return (np.random.default_rng(seed).standard_normal(n) * 10 ** (level_db / 20)).astype(np.float32)
