"""Buzzy notes from sampled guitars: the sampled string strikes a modelled fret.

Without them every buzzy training note would be a modelled one, and the model could learn the
shortcut "a real instrument's timbre is never buzzy". Here a clean sample's own waveform, reduced
to its lowest partials, stands for the string's swing at the fret. A fret lies a gap below the
string; while the swing reaches it the string strikes it once per period:

* each strike rings the fret and neck (the same click as the waveguide model's, scaled by the
  speed at which the string arrives) and jolts the string itself: a pulse as long as the contact,
  once per period, which feeds the string's middle partials as well as its highest,
* the part of the swing beyond the fret is cut off (the string cannot pass through it), which
  adds the upper partials of a one-sided clip,
* each strike takes energy from the string, in proportion to its speed, so a buzzing note
  sustains less than its clean twin (the collision's loss, which survives a dull microphone that
  hides the rattle itself),

so the rattle is strongest in the loud attack and stops when the note has decayed below the gap,
as in :mod:`training.sources.synth`; or, as there, it starts late (the fret comes within reach while
the note rings) and is measured from its start — the same collision reduced to one contact point, on the timbres of
real instruments. The gap may wander (an intermittent rattle) and the rattle's share of the
attack's energy above 3 kHz is drawn from faint (:data:`~training.sources.synth.MIN_RATTLE_DB`) to obvious.

>>> import numpy as np
>>> t = np.arange(22050) / 22050
>>> note = np.exp(-3 * t) * np.sin(2 * np.pi * 196 * t)
>>> buzzy, params = add_fret_buzz(note, 0, 196.0, np.random.default_rng(0), 22050)
>>> params["buzz_db"] >= 3.0 and params["rattle_db"] >= -32.0
True
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

from training.sources.synth import (LATE_MIN_S, LATE_SHARE, LATE_START_S, MIN_RATTLE_DB, decay_time, fret_click,
                                    hf_fraction)
from training.sources.synth_string import ring_impacts

#: The rattle's share of the attack's energy above 3 kHz (dB), drawn from this range.
RATTLE_DB_RANGE = (MIN_RATTLE_DB, -14.0)
#: How much the strikes lower the note's sustain, all strikes together (dB).
LOSS_DB_RANGE = (1.0, 12.0)


def swing(x: np.ndarray, f0: float, sample_rate: int) -> np.ndarray:
    """The string's swing, as far as the sound tells it: the lowest partials, normalised to peak 1."""
    sos = butter(2, min(1.6 * f0, 0.45 * sample_rate), "low", fs=sample_rate, output="sos")
    d = sosfiltfilt(sos, x)
    return d / (np.max(np.abs(d)) + 1e-12)


def _gap_for(d: np.ndarray, buzz_s: float, f0: float, sample_rate: int) -> float:
    """The gap at which the downward swing stops reaching the fret about ``buzz_s`` after the onset."""
    period = max(1, int(sample_rate / f0))
    frames = len(d) // period
    lows = -d[: frames * period].reshape(frames, period).min(axis=1)  # deepest swing of each period
    k = min(frames - 1, int(buzz_s * sample_rate / period))
    return float(np.clip(lows[k], 0.05, 0.9) if frames else 0.5)


def strike_response(modes, contact_s: float, jolt: float, sample_rate: int) -> np.ndarray:
    """What one strike sounds like: the fret's click (``modes``, see
    :func:`training.sources.synth.fret_click`) plus the jolt to the string, a half-sine force pulse
    ``contact_s`` long (broadband up to about 1.5 / ``contact_s``), ``jolt`` times the click's energy."""
    click = fret_click(modes, sample_rate)
    n = max(1, round(contact_s * sample_rate))
    pulse = np.sin(np.pi * np.arange(0.5, n) / n)
    out = click / np.linalg.norm(click)
    out[:n] += np.sqrt(jolt) * pulse / np.linalg.norm(pulse)
    return out


def _sustain_lost(impacts: np.ndarray, loss_db: float, f0: float, sample_rate: int) -> np.ndarray:
    """The note's gain as the strikes take ``loss_db`` from it, each in proportion to its speed.

    Smoothed over one period, so that the steps do not click.
    """
    share = np.cumsum(impacts) / (impacts.sum() + 1e-12)
    period = max(1, int(sample_rate / f0))
    share = np.convolve(np.concatenate([np.zeros(period - 1), share]), np.ones(period) / period, "valid")
    return 10 ** (-loss_db * share / 20)


def add_fret_buzz(audio: np.ndarray, onset: int, f0: float, rng: np.random.Generator, sample_rate: int,
                  length_s: float | None = None, late_share: float = LATE_SHARE) -> tuple[np.ndarray, dict]:
    """``audio`` with a fret rattle from ``onset`` on, and the drawn parameters.

    ``length_s``: how long the note lasts after the onset (default: to the end), which bounds how
    long the rattle may last. ``late_share``: the chance that the rattle starts late.
    """
    x = np.asarray(audio, np.float64)
    note = x[onset:]
    length_s = length_s or len(note) / sample_rate
    d = swing(note, f0, sample_rate)
    buzz_s = float(np.exp(rng.uniform(np.log(0.1), np.log(max(0.11, length_s)))))
    late_s = float(rng.uniform(*LATE_START_S)) if rng.random() < late_share else 0.0
    late_s = min(late_s, 0.5 * decay_time(note, sample_rate))  # while the note still sounds
    ramp_s = float(rng.uniform(0.05, 0.3))
    gap = _gap_for(d, late_s + max(buzz_s, LATE_MIN_S) if late_s else buzz_s, f0, sample_rate)
    wander = float(rng.uniform(0.0, 0.3)) if rng.random() < 0.4 else 0.0
    t = np.arange(len(d)) / sample_rate
    gaps = gap * (1.0 + wander * np.sin(2 * np.pi * rng.uniform(0.5, 6.0) * t + rng.uniform(0, 2 * np.pi)))
    gaps += 2.0 * np.clip((late_s - t) / ramp_s, 0.0, 1.0)  # out of the swing's reach (peak 1) until late_s
    below = d < -gaps
    strikes = np.flatnonzero(below[1:] & ~below[:-1]) + 1
    impacts = np.zeros(len(d))
    impacts[strikes] = np.maximum(d[strikes - 1] - d[strikes], 0.0)  # downward speed on arrival
    loss_db = float(rng.uniform(*LOSS_DB_RANGE))
    envelope = _sustain_lost(impacts, loss_db, f0, sample_rate)
    impacts *= envelope
    modes = [(float(rng.uniform(1500, 8000)), float(rng.uniform(0.2, 2.0)), float(rng.uniform(0.3, 1.0)))
             for _ in range(rng.integers(2, 4))]
    contact_s, jolt = float(rng.uniform(0.1e-3, 0.6e-3)), float(rng.uniform(0.3, 1.5))
    rattle = ring_impacts(impacts, strike_response(modes, contact_s, jolt, sample_rate))
    # the swing beyond the fret is cut off; scaled like the note (d is normalised to peak 1)
    clip_depth = float(rng.uniform(0.0, 0.6))
    cut = clip_depth * np.minimum(d + gaps, 0.0) * np.max(np.abs(note))
    clipped = (note - cut) * envelope

    start = int(late_s * sample_rate)  # the rattle's levels are those of its first 0.3 s
    free_hf = hf_fraction(note, sample_rate, f0, start)
    # on a bright sample the rattle must at least match what the strings already have up there
    target_db = max(float(rng.uniform(*RATTLE_DB_RANGE)), float(10 * np.log10(max(free_hf, 1e-12))) + 1.0)
    heard = slice(start, start + int(0.3 * sample_rate))

    def hf(gain: float) -> float:
        return hf_fraction(clipped[heard] + gain * rattle[heard], sample_rate, f0, 0)

    scale = np.max(np.abs(note)) / (np.max(np.abs(rattle)) + 1e-12)
    lo, hi = 0.0, 2.0 * scale  # rattle peak up to twice the note's: beyond that it is not a note any more
    for _ in range(30):  # the HF share grows with the rattle's gain: bisect to the drawn level
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if 10 * np.log10(max(hf(mid) - free_hf, 1e-12)) < target_db else (lo, mid)
    gain, heard_hf = hi, hf(hi)
    out = x.copy()
    out[onset:] = clipped + gain * rattle
    params = {"buzz_s": buzz_s, "buzz_start_s": late_s, "gap": gap, "gap_wander": wander, "clip_depth": clip_depth, "strikes": int(len(strikes)),
              "loss_db": loss_db, "contact_ms": 1e3 * contact_s, "jolt": jolt,
              "last_strike_s": float(strikes[-1] / sample_rate) if len(strikes) else 0.0,
              "target_rattle_db": target_db, "rattle_db": float(10 * np.log10(max(heard_hf - free_hf, 1e-12))),
              "buzz_db": float(10 * np.log10(heard_hf / max(free_hf, 1e-30))), "rattle_gain": float(gain / scale)}
    return out, params
