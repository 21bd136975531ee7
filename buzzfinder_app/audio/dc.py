"""Removing a DC offset: cheap microphones and interfaces add one, and it hides quiet notes.

An offset of a few thousandths of full scale raises the level between notes, so the onset
detector's energy test no longer sees a quiet note rise, and it lands in the lowest mel band the
model looks at. :class:`DcBlocker` subtracts a one-pole low-pass estimate of the offset
(``DC_CUTOFF_HZ``, far below a guitar's lowest note: -0.02 dB at 82 Hz):
``d[n] = r d[n-1] + (1 - r) x[n]``, ``y[n] = x[n] - d[n]``, starting from ``d[-1] = x[0]`` so that
a stream that begins with an offset does not begin with a step.

The engine's streams start from a better estimate (:class:`PrimedDcBlocker`): the mean of their
first ``PRIME_S``. Started at the first sample, a stream that begins inside a strong hum's cycle (a
single coil's, caught near its peak) came out near silence for a few milliseconds and then rose,
as a note does: the onset detector heard a note at 6 ms in hum alone.

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

#: The engine's estimate of a stream's offset starts at the mean of its first this many seconds: whole
#: cycles of 50- and 60-Hz mains (5 and 6) and of their harmonics, so a hum adds nothing to it.
PRIME_S = 0.1

#: Samples per chunk of the vectorised recursion (r ** -CHUNK stays far from float64's limits even at
#: 8 kHz; the running sums lose no precision that the float32 output would keep).
CHUNK = 16384


class DcBlocker:
    """A streaming DC blocker; :meth:`process` blocks in order, :meth:`reset` for a new stream.

    Within a chunk, ``d[k] = (1 - r) r**k (B r / (1 - r) + sum_{j<=k} x[j] r**-j)`` with ``B`` the
    estimate before the chunk: one running sum (a cumulative sum that starts from ``B r / (1 - r)``)
    and one product per sample.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, cutoff_hz: float = DC_CUTOFF_HZ):
        r = float(np.exp(-2.0 * np.pi * cutoff_hz / sample_rate))
        k = np.arange(CHUNK, dtype=np.float64)
        self._weight = (1.0 - r) * r ** k  # turns the running sum back into the estimate
        self._undo = r ** -k  # makes each sample's term of the running sum
        self._carry = r / (1.0 - r)  # the estimate before a chunk, as the start of its running sum
        self.reset()

    def reset(self, offset: float | None = None) -> None:
        """Start a new stream; ``offset``: the estimate before its first sample (None: that sample)."""
        self._start = offset
        self._position = 0  # samples processed
        self._sum = 0.0  # the current chunk's running sum so far (its start included)

    def process(self, block) -> np.ndarray:
        """The block without its offset (float32, same length)."""
        x = np.array(block, dtype=np.float64).reshape(-1)
        if not np.isfinite(np.add.reduce(x)):  # NaN or infinity somewhere (a sum costs less than a test per sample)
            np.nan_to_num(x, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        out = np.empty(len(x), dtype=np.float32)
        if self._position == 0 and len(x):
            self._sum = (float(x[0]) if self._start is None else self._start) * self._carry
        terms = np.empty(min(CHUNK, len(x)) + 1)
        done = 0
        while done < len(x):
            offset = self._position % CHUNK
            n = min(CHUNK - offset, len(x) - done)
            part, sums = x[done:done + n], terms[1:n + 1]
            terms[0] = self._sum
            np.multiply(part, self._undo[offset:offset + n], out=sums)
            np.cumsum(terms[:n + 1], out=terms[:n + 1])  # a sequential sum, continued from the last block's
            self._sum = float(sums[-1])
            estimate = np.multiply(sums, self._weight[offset:offset + n], out=sums)
            np.subtract(part, estimate, out=out[done:done + n])
            self._position += n
            done += n
            if self._position % CHUNK == 0:
                self._sum = float(estimate[-1]) * self._carry
        return out


class PrimedDcBlocker:
    """A :class:`DcBlocker` whose estimate starts at the mean of the stream's first ``PRIME_S``.

    :meth:`process` holds those samples back until they are all in (it returns fewer samples than it
    is given until then, and all of them at once after); :meth:`flush` ends a stream that was shorter.
    The output is the same for any block sizes.

    >>> blocker = PrimedDcBlocker()
    >>> len(blocker.process(np.zeros(1000))), len(blocker.process(np.zeros(2000))), len(blocker.flush())
    (0, 3000, 0)
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, cutoff_hz: float = DC_CUTOFF_HZ):
        self._prime = max(1, int(round(PRIME_S * sample_rate)))
        self._blocker = DcBlocker(sample_rate, cutoff_hz)
        self.reset()

    def reset(self) -> None:
        self._held: list[np.ndarray] | None = []  # None once the estimate has started
        self._count = 0

    def process(self, block) -> np.ndarray:
        """The block without its offset, or what is held back and still owed (float32)."""
        if self._held is None:
            return self._blocker.process(block)
        self._held.append(np.array(block, dtype=np.float32).reshape(-1))
        self._count += len(self._held[-1])
        return self.flush() if self._count >= self._prime else np.zeros(0, np.float32)

    def flush(self) -> np.ndarray:
        """The samples held back, without their offset (none once the stream's start has been given)."""
        if self._held is None:
            return np.zeros(0, np.float32)
        held = np.concatenate(self._held) if self._held else np.zeros(0, np.float32)
        start = np.nan_to_num(held[: self._prime].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        self._held = None
        self._blocker.reset(float(np.mean(start)) if len(start) else None)
        return self._blocker.process(held)


def remove_dc(y, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A whole signal without its offset: the same as streaming it through a new :class:`PrimedDcBlocker`
    (as the engine does)."""
    blocker = PrimedDcBlocker(sample_rate)
    return np.concatenate([blocker.process(y), blocker.flush()])
