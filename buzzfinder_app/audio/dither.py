"""A coarse converter's grid found, and its error made noise again.

An undithered converter of few bits (an 8-bit headset, a file quantised coarsely) rounds every
sample to a grid. Against a decaying note that rounding error is not noise: it repeats with the
note's period, so its spectrum is lines, and the quieter the note the louder it is against it:
heard by the model as a rattle that starts late (clean Strat notes written as 16-kHz files on an
8-bit grid: the stop-18 model heard 8 % of them buzzy, 0 % once dithered). Triangular noise of one
grid step, added where the grid is found, turns that error into flat hiss: in a file found on a grid
in its first seconds (``FileSource``), and in a live input from the moment its sounds show one
(:class:`LiveDither`, in ``MicSource``).

>>> import numpy as np
>>> t = np.arange(8000) / 8000
>>> coarse = np.round(0.5 * np.sin(2 * np.pi * 110 * t) * 128) / 128   # 8 bits
>>> grid_step(coarse.astype(np.float32))
0.0078125
>>> grid_step((0.5 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)) is None
True
"""

from __future__ import annotations

import numpy as np

#: A grid this fine or finer (a 13-bit converter or better) is left alone: its error is below any hiss.
FINEST_COARSE_STEP = 2.0**-12
#: Samples within this share of a step of the grid count as on it (a 16-bit file of a coarse grid).
ON_GRID = 0.05
#: Share of the samples that must sit on the grid.
ON_GRID_SHARE = 0.99
#: The grid is looked for in this many of the first non-zero samples (zero is on every grid).
GRID_SAMPLES = 20_000


def grid_step(samples: np.ndarray) -> float | None:
    """The step of the coarse grid ``samples`` sit on (at least :data:`FINEST_COARSE_STEP`), or None."""
    return _find_grid(samples)[0]


def _find_grid(samples: np.ndarray) -> tuple[float | None, bool]:
    """(:func:`grid_step`; whether the samples tell at all: three distinct levels or more)."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    x = x[x != 0][:GRID_SAMPLES]
    gaps = np.diff(np.sort(x))
    gaps = gaps[gaps > 0]  # between the distinct levels (np.unique would import numpy.ma: 8 ms)
    if len(gaps) < 2:  # silence, or a square wave: nothing to tell a grid by
        return None, False
    step = float(np.min(gaps))
    if step < FINEST_COARSE_STEP:
        return None, True
    off = np.abs(x / step - np.round(x / step))
    return (step if np.mean(off <= ON_GRID) >= ON_GRID_SHARE else None), True


class Dither:
    """Adds triangular noise of ±``step`` to a stream, the same whatever its blocks (seeded)."""

    def __init__(self, step: float, seed: int = 0):
        self.step = float(step)
        self._rng = np.random.default_rng(seed)

    def process(self, block: np.ndarray) -> np.ndarray:
        draws = self._rng.random((len(block), 2))  # two draws a sample, in sample order
        return (block + (draws[:, 0] - draws[:, 1]) * self.step).astype(np.float32)


class LiveDither:
    """:class:`Dither` for a live input, which cannot be probed ahead as a file is: the grid is looked
    for in every :data:`GRID_SAMPLES` non-zero samples that arrive until they tell (a converter's
    digital silence does not), and once a coarse grid is found, the audio from there on is dithered."""

    def __init__(self, seed: int = 0):
        self._seed = seed
        self._unseen = np.zeros(0, dtype=np.float32)  # non-zero samples not looked at yet
        self._dither: Dither | None = None
        self.decided = False

    @property
    def grid_step(self) -> float | None:
        """The coarse grid found (and dithered), or None."""
        return self._dither.step if self._dither is not None else None

    def process(self, block: np.ndarray) -> np.ndarray:
        if not self.decided:
            self._unseen = np.concatenate([self._unseen, block[block != 0]])
            if len(self._unseen) >= GRID_SAMPLES:
                step, self.decided = _find_grid(self._unseen)
                self._unseen = np.zeros(0, dtype=np.float32)
                if step is not None:
                    self._dither = Dither(step, self._seed)
        return block if self._dither is None else self._dither.process(block)
