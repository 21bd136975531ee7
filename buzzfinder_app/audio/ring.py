"""A single-producer, single-consumer ring buffer of float32 samples.

The audio callback writes, one consumer thread reads. Neither side locks: each index is written by
one side only (a Python int assignment is atomic), and the writer publishes new samples only after
copying them. When the reader falls behind, samples that do not fit are dropped and counted as an
overrun; the callback never waits.

>>> ring = RingBuffer(8)
>>> ring.write(np.arange(5, dtype=np.float32)); ring.read()
array([0., 1., 2., 3., 4.], dtype=float32)
>>> ring.write(np.ones(10, dtype=np.float32)); ring.overruns, ring.dropped
(1, 2)
"""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """Fixed-capacity float32 FIFO: :meth:`write` from the producer, :meth:`read` from the consumer."""

    def __init__(self, capacity: int):
        self.capacity = int(capacity)
        self._data = np.zeros(self.capacity, dtype=np.float32)
        self._written = 0  # total samples ever written; changed by the producer only
        self._read = 0  # total samples ever read; changed by the consumer only
        self.overruns = 0  # writes that lost samples (producer side)
        self.dropped = 0  # samples lost in them

    def __len__(self) -> int:
        return self._written - self._read

    def write(self, samples: np.ndarray) -> None:
        """Append what fits; never blocks. Call from the producer only."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        free = self.capacity - (self._written - self._read)
        if len(samples) > free:
            self.overruns += 1
            self.dropped += len(samples) - free
            samples = samples[:free]
        n = len(samples)
        if n == 0:
            return
        start = self._written % self.capacity
        first = min(n, self.capacity - start)
        self._data[start:start + first] = samples[:first]
        self._data[: n - first] = samples[first:]
        self._written += n  # publish only after the copy

    def read(self) -> np.ndarray:
        """Everything written and not yet read (a copy). Call from the consumer only."""
        end = self._written
        n = end - self._read
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        start = self._read % self.capacity
        first = min(n, self.capacity - start)
        out = np.concatenate([self._data[start:start + first], self._data[: n - first]])
        self._read = end
        return out
