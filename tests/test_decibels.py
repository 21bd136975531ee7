"""The one set of dB conversions."""

from __future__ import annotations

import numpy as np
import pytest

from buzzfinder_app.decibels import SILENCE_DBFS, amplitude_to_dbfs, db_to_amplitude, db_to_power, power_to_dbfs


def test_levels_of_amplitudes_and_powers():
    assert amplitude_to_dbfs(1.0) == 0.0 and amplitude_to_dbfs(0.5) == pytest.approx(-6.0206, abs=1e-4)
    assert power_to_dbfs(0.5) == pytest.approx(-3.0103, abs=1e-4)  # a full-scale sine's mean square
    assert amplitude_to_dbfs(0.0) == power_to_dbfs(0.0) == SILENCE_DBFS
    assert power_to_dbfs(0.0, floor_db=-100.0) == -100.0


def test_arrays_alike():
    levels = power_to_dbfs(np.array([1.0, 1e-3, 0.0]))
    assert levels.tolist() == [0.0, pytest.approx(-30.0), SILENCE_DBFS]
    assert amplitude_to_dbfs(np.array([1.0, 0.1])).tolist() == [0.0, pytest.approx(-20.0)]


def test_back_from_db():
    assert db_to_amplitude(-6.0) == pytest.approx(0.5012, abs=1e-4) and db_to_amplitude(0.0) == 1.0
    assert db_to_power(-30.0) == pytest.approx(1e-3)
    for db in (-90.0, -12.5, 0.0, 6.0):
        assert amplitude_to_dbfs(db_to_amplitude(db)) == pytest.approx(db)
        assert power_to_dbfs(db_to_power(db)) == pytest.approx(db)
