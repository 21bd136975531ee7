"""The pitch of a plucked note, from the stable part of its window (YIN).

The attack is noisy and the tail is faint, so the estimate uses 40-300 ms after the onset. YIN's
cumulative-mean-normalised difference takes the first period whose dip is deep enough, which
avoids the octave-too-low error; a much deeper dip at twice that period means the fundamental is
weak and the first dip was its second harmonic (octave too high). A parabola refines the period.

>>> import numpy as np
>>> t = np.arange(22050) / 22050
>>> window = np.concatenate([np.zeros(1024), np.sin(2 * np.pi * 220 * t)])
>>> round(estimate_pitch(window), 1), note_name(220.0)
(220.0, 'A3')
"""

from __future__ import annotations

import math

import numpy as np

from buzzfinder_app.constants import PITCH_MAX_HZ, PITCH_MIN_HZ, PRE_ROLL, SAMPLE_RATE
from buzzfinder_app.decibels import db_to_amplitude

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
#: Part of the note, in seconds after the onset, that the pitch is measured on.
STABLE_PART_S = (0.04, 0.3)
#: A dip in the normalised difference below this is a period; above ``UNVOICED`` there is no pitch.
DIP_THRESHOLD = 0.15
UNVOICED = 0.35
#: Twice the period is taken instead when its dip is this much deeper (ratio and difference).
OCTAVE_RATIO, OCTAVE_MARGIN = 0.3, 0.03
#: Quieter than this (RMS, dBFS) is too faint to measure.
MIN_LEVEL_DBFS = -70.0


def estimate_pitch(window: np.ndarray, sample_rate: int = SAMPLE_RATE, onset: int = PRE_ROLL) -> float | None:
    """Fundamental frequency (Hz) of the note whose onset is at sample ``onset`` of ``window``.

    None when the note is too short, too faint or not periodic, or the pitch is outside E2-E6
    (``PITCH_MIN_HZ``-``PITCH_MAX_HZ``).
    """
    window = np.asarray(window, dtype=np.float64).reshape(-1)
    start = onset + int(STABLE_PART_S[0] * sample_rate)
    part = window[start: onset + int(STABLE_PART_S[1] * sample_rate)]
    min_lag = int(sample_rate / PITCH_MAX_HZ)
    max_lag = int(np.ceil(sample_rate / PITCH_MIN_HZ)) + 1
    span = len(part) - max_lag  # samples compared at every lag
    if span < max_lag or np.sqrt(np.mean(part**2)) < db_to_amplitude(MIN_LEVEL_DBFS):
        return None
    d = _difference(part, span, max_lag)
    cmnd = np.ones_like(d)
    cmnd[1:] = d[1:] * np.arange(1, len(d)) / np.maximum(np.cumsum(d[1:]), 1e-12)
    lag = _first_dip(cmnd, min_lag)
    if lag is None:
        return None
    lag = _check_octave_below(cmnd, lag)
    period = lag + _parabola_offset(cmnd, lag)
    hz = sample_rate / period
    return float(hz) if PITCH_MIN_HZ <= hz <= PITCH_MAX_HZ else None


def note_name(hz: float) -> str:
    """The nearest equal-tempered note, e.g. ``note_name(82.4) == "E2"`` (the app's one spelling)."""
    midi = round(69 + 12 * math.log2(hz / 440.0))
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def _difference(x: np.ndarray, span: int, max_lag: int) -> np.ndarray:
    """YIN difference d(lag) = sum over ``span`` samples of (x[j] - x[j + lag])**2, lags 0..max_lag."""
    n = 1 << int(np.ceil(np.log2(span + max_lag + 1)))
    spectrum_x = np.fft.rfft(x[: span + max_lag + 1], n)
    spectrum_head = np.fft.rfft(x[:span], n)
    correlation = np.fft.irfft(spectrum_x * np.conj(spectrum_head), n)[: max_lag + 1]
    squares = np.concatenate([[0.0], np.cumsum(x[: span + max_lag + 1] ** 2)])
    energy_head = squares[span]
    lags = np.arange(max_lag + 1)
    energy_shifted = squares[lags + span] - squares[lags]
    return np.maximum(energy_head + energy_shifted - 2.0 * correlation, 0.0)


def _first_dip(cmnd: np.ndarray, min_lag: int) -> int | None:
    """The first local minimum below the threshold, else the deepest one if it is deep enough."""
    below = np.flatnonzero(cmnd[min_lag:] < DIP_THRESHOLD)
    if len(below):
        lag = min_lag + int(below[0])
        while lag + 1 < len(cmnd) and cmnd[lag + 1] < cmnd[lag]:
            lag += 1
        return lag
    lag = min_lag + int(np.argmin(cmnd[min_lag:]))
    return lag if cmnd[lag] < UNVOICED else None


def _check_octave_below(cmnd: np.ndarray, lag: int) -> int:
    """Double the period while the dip at twice the lag is much deeper: a strong second harmonic
    (a weak fundamental) makes a shallow dip at half the true period."""
    while 2 * lag + 2 < len(cmnd):
        double = 2 * lag - 2 + int(np.argmin(cmnd[2 * lag - 2: 2 * lag + 3]))
        here, there = _dip_depth(cmnd, lag), _dip_depth(cmnd, double)
        if there > OCTAVE_RATIO * here or here - there < OCTAVE_MARGIN:
            break
        lag = double
    return lag


def _dip_depth(y: np.ndarray, i: int) -> float:
    """The parabola's minimum through y[i-1:i+2]: a dip's depth between lags, fair to short periods."""
    offset = _parabola_offset(y, i)
    return float(y[i] - 0.25 * (y[i - 1] - y[i + 1]) * offset) if 0 < i < len(y) - 1 else float(y[i])


def _parabola_offset(y: np.ndarray, i: int) -> float:
    if i <= 0 or i >= len(y) - 1:
        return 0.0
    denominator = y[i - 1] - 2 * y[i] + y[i + 1]
    return float(0.5 * (y[i - 1] - y[i + 1]) / denominator) if denominator > 0 else 0.0
