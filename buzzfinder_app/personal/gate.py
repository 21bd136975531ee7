"""Does a note come from the setup a profile was taught on? A gate that keeps the head to its setup.

A setup (microphone, room, interface) leaves its mark on every note: the floor under it, with the
setup's hum, hiss and band limits. The descriptor of a note is that floor: per mel band, the 10th
percentile over time of its log-mel features (the floor between and after the partials), leaving out
the silent frames that pad a window cut short by the next note.

The gate is 1 for a note whose descriptor is as close to a taught note's as a typical taught note is
to its nearest other (the median leave-one-out distance), falls linearly to 0 at :data:`RAMP` times
that distance, and is 0 beyond: a note from elsewhere gets the base model alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The gate is fully open up to this percentile of the taught notes' leave-one-out nearest-neighbour
#: distances (50: the median), and falls to 0 at RAMP times that distance.
RADIUS_PERCENTILE = 50.0
RAMP = 3.0
_FLOOR_PERCENTILE = 10.0


def setup_descriptor(features: np.ndarray) -> np.ndarray:
    """Per-note setup descriptor (n, bands) from features (n, frames, bands)."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim == 2:
        f = f[None]
    out = np.zeros((len(f), f.shape[2]))
    for i, note in enumerate(f):
        heard = note[note.max(axis=1) > 0]  # padding is exactly 0 in every band
        if len(heard):
            out[i] = np.percentile(heard, _FLOOR_PERCENTILE, axis=0)
    return out


def _standardise(ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    var = ref.var(axis=0)
    return ref.mean(axis=0), np.sqrt(var + 0.1 * var.mean() + 1e-6)


def _nearest(z: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Mean squared distance of each row of ``z`` to its nearest row of ``ref``."""
    return ((z[:, None, :] - ref[None, :, :]) ** 2).mean(axis=2).min(axis=1)


def _open(distance: np.ndarray, radius: float) -> np.ndarray:
    return np.clip((RAMP * radius - distance) / ((RAMP - 1.0) * radius + 1e-12), 0.0, 1.0)


@dataclass
class SetupGate:
    mean: np.ndarray
    scale: np.ndarray
    taught: np.ndarray  # standardised descriptors of the taught notes
    radius: float  # median leave-one-out nearest-neighbour distance among the taught notes
    loo: np.ndarray | None = None  # each taught note's gate with that note left out (after fitting only)

    @classmethod
    def fit(cls, descriptors) -> "SetupGate":
        """A gate around the descriptors of at least two taught notes."""
        x = np.asarray(descriptors, dtype=np.float64)
        loo = []
        for i in range(len(x)):
            rest = np.delete(x, i, axis=0)
            mean, scale = _standardise(rest)
            loo.append(_nearest((x[i:i + 1] - mean) / scale, (rest - mean) / scale)[0])
        mean, scale = _standardise(x)
        radius = float(np.percentile(loo, RADIUS_PERCENTILE))
        return cls(mean, scale, (x - mean) / scale, radius, _open(np.array(loo), radius))

    def __call__(self, descriptors) -> np.ndarray:
        """Gate values in [0, 1], one per note."""
        z = (np.atleast_2d(np.asarray(descriptors, dtype=np.float64)) - self.mean) / self.scale
        return _open(_nearest(z, self.taught), self.radius)

    def to_arrays(self) -> dict:
        return {"gate_mean": self.mean, "gate_scale": self.scale, "gate_taught": self.taught,
                "gate_radius": np.array(self.radius)}

    @classmethod
    def from_arrays(cls, a) -> "SetupGate":
        return cls(a["gate_mean"], a["gate_scale"], a["gate_taught"], float(a["gate_radius"]))
