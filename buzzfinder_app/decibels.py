"""Levels in decibels and back: the app's one set of conversions.

Levels are relative to full scale 1.0 (a full-scale sine's RMS is -3 dBFS) and never fall below a
floor, ``SILENCE_DBFS`` unless said otherwise (the model's log-mel features use librosa's -100 dB).
Scalars and numpy arrays alike.
"""

from __future__ import annotations

import numpy as np

#: The level reported for digital silence: the floor of every level.
SILENCE_DBFS = -120.0


def power_to_dbfs(power, floor_db: float = SILENCE_DBFS):
    """The level of a power (a mean square), ``floor_db`` at the least."""
    return 10.0 * np.log10(np.maximum(power, db_to_power(floor_db)))


#: ``10 log10(x) == DB_PER_NEPER * ln(x)``. numpy vectorises its float32 ``log`` but not ``log10`` (about
#: 8x slower), so float32 arrays on a hot path take their levels through ``np.log``.
DB_PER_NEPER = np.float32(10.0 / np.log(10.0))


def power_to_db32(power, floor_db: float = SILENCE_DBFS) -> np.ndarray:
    """:func:`power_to_dbfs` of a float32 array, in float32 through ``np.log`` (the same to about 1e-6 dB).

    >>> [round(float(v), 3) for v in power_to_db32(np.array([1e-3, 0.0], np.float32), floor_db=-100.0)]
    [-30.0, -100.0]
    """
    return DB_PER_NEPER * np.log(np.maximum(power, np.float32(db_to_power(floor_db))))


def amplitude_to_dbfs(amplitude, floor_db: float = SILENCE_DBFS):
    """The level of an amplitude (an RMS or a peak), ``floor_db`` at the least."""
    return 20.0 * np.log10(np.maximum(amplitude, db_to_amplitude(floor_db)))


def db_to_power(db):
    """The power ratio of a level or gain in dB."""
    return 10.0 ** (db / 10.0)


def db_to_amplitude(db):
    """The amplitude ratio (a linear gain) of a level or gain in dB."""
    return 10.0 ** (db / 20.0)
