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


def amplitude_to_dbfs(amplitude, floor_db: float = SILENCE_DBFS):
    """The level of an amplitude (an RMS or a peak), ``floor_db`` at the least."""
    return 20.0 * np.log10(np.maximum(amplitude, db_to_amplitude(floor_db)))


def db_to_power(db):
    """The power ratio of a level or gain in dB."""
    return 10.0 ** (db / 10.0)


def db_to_amplitude(db):
    """The amplitude ratio (a linear gain) of a level or gain in dB."""
    return 10.0 ** (db / 20.0)
