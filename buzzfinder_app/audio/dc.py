"""Removing a DC offset: cheap microphones and interfaces add one, and it hides quiet notes.

An offset of a few thousandths of full scale raises the level between notes, so the onset
detector's energy test no longer sees a quiet note rise, and it lands in the lowest mel band the
model looks at. :class:`DcBlocker` subtracts a one-pole low-pass estimate of the offset
(``DC_CUTOFF_HZ``, far below a guitar's lowest note: -0.02 dB at 82 Hz):
``d[n] = r d[n-1] + (1 - r) x[n]``, ``y[n] = x[n] - d[n]``, starting from ``d[-1] = x[0]`` so that
a stream that begins with an offset does not begin with a step.

The recursion is evaluated in numpy over chunks aligned to absolute stream positions, and the
sums run in the same order however the stream is split, so the output is bit for bit the same
for any block sizes (as the engine requires of everything before it).

>>> import numpy as np
>>> x = np.full(22050, 0.01, dtype=np.float32)      # one second of pure offset
>>> float(abs(DcBlocker().process(x)[-1])) < 1e-4
True
"""

from __future__ import annotations

import numpy as np

from buzzfinder_app.constants import DC_CUTOFF_HZ, SAMPLE_RATE

#: Samples per chunk of the vectorised recursion (r ** -CHUNK stays small: no loss of precision).
CHUNK = 4096


class DcBlocker:
    """A streaming DC blocker; :meth:`process` blocks in order, :meth:`reset` for a new stream."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, cutoff_hz: float = DC_CUTOFF_HZ):
        r = float(np.exp(-2.0 * np.pi * cutoff_hz / sample_rate))
        k = np.arange(CHUNK, dtype=np.float64)
        self._decay = r ** (k + 1)  # weight of the offset estimate before the chunk
        self._weight = (1.0 - r) * r ** k  # turns the running sum back into the estimate
        self._undo = r ** -k  # makes each sample's term of the running sum
        self.reset()

    def reset(self) -> None:
        self._position = 0  # samples processed
        self._before = 0.0  # the offset estimate just before the current chunk
        self._sum = 0.0  # running sum of the current chunk's terms

    def process(self, block) -> np.ndarray:
        """The block without its offset (float32, same length)."""
        x = np.array(block, dtype=np.float64).reshape(-1)
        if not np.isfinite(x).all():  # (one test is cheaper than nan_to_num's three)
            np.nan_to_num(x, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        out = np.empty(len(x), dtype=np.float32)
        if self._position == 0 and len(x):
            self._before = float(x[0])
        done = 0
        while done < len(x):
            offset = self._position % CHUNK
            n = min(CHUNK - offset, len(x) - done)
            part = x[done:done + n]
            terms = np.empty(n + 1)
            terms[0] = self._sum
            np.multiply(part, self._undo[offset:offset + n], out=terms[1:])
            sums = np.cumsum(terms)[1:]  # a sequential sum, continued from the last block's
            estimate = self._decay[offset:offset + n] * self._before
            estimate += self._weight[offset:offset + n] * sums
            np.subtract(part, estimate, out=out[done:done + n])
            self._sum = float(sums[-1])
            self._position += n
            done += n
            if self._position % CHUNK == 0:
                self._before, self._sum = float(estimate[-1]), 0.0
        return out


def remove_dc(y, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A whole signal without its offset: the same as streaming it through a new :class:`DcBlocker`."""
    return DcBlocker(sample_rate).process(y)
