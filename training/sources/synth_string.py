"""A plucked string as a digital waveguide, with a fret barrier and a damping finger.

The string is two delay lines of displacement waves (right- and left-going) between a rigid
fretted end (position 0) and the bridge (position ``M - 1``). All frequency-dependent behaviour is
lumped into the bridge reflection: a one-pole loss filter, a cascade of first-order allpasses for
stiffness (dispersion, stretched partials) and a first-order allpass for the fractional delay that
tunes the loop. Two point interactions act on the travelling waves inside the loop:

* a one-sided **barrier** (a fret under the string): when the displacement at that point goes below
  ``-gap`` the barrier pushes it back — with stiffness 1 the waves are mirrored about the barrier
  (a hard bounce), with 0.5 the string is stopped at it, below 0.5 it sinks in a little (a soft,
  grazing contact) — and an impact costs a fraction of the waves' energy. This collision is the
  only source of buzz;
* a **damper** (a finger lying on the string): the displacement there is pulled towards zero with a
  per-sample strength, which drains every partial that does not have a node at that point.

Everything here is linear except the barrier, so amplitudes are in units of the pluck height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


#: Largest round-trip gain of the loss filter (at DC), so that no component grows or lingers.
MAX_DC_GAIN = 0.99999


@dataclass(frozen=True)
class LoopDesign:
    """Delay-line length and bridge-filter coefficients that tune a string to ``f0``."""

    m: int  # samples in each delay line
    loss_gain: float  # DC gain of the one-pole loss filter per round trip
    loss_pole: float  # its pole (0 = flat; towards 1 = darker)
    disp_coef: float  # coefficient of each dispersion allpass (negative = stretched partials)
    n_disp: int  # number of dispersion allpasses
    frac_coef: float  # coefficient of the fractional-delay allpass
    extra_delay: int  # 0 or 1 extra sample at the bridge


def _one_pole_delay(pole: float, w: float) -> float:
    """Phase delay (samples) of g(1-p)/(1 - p z^-1) at angular frequency ``w``."""
    return np.arctan2(pole * np.sin(w), 1.0 - pole * np.cos(w)) / w


def _allpass_delay(coef: float, w: float) -> float:
    """Phase delay (samples) of (c + z^-1)/(1 + c z^-1) at ``w``."""
    return 1.0 - 2.0 * np.arctan2(coef * np.sin(w), 1.0 + coef * np.cos(w)) / w


def _allpass_for_delay(delay: float, w: float) -> float:
    """First-order allpass coefficient whose phase delay at ``w`` equals ``delay`` (0.5..1.5)."""
    theta = (1.0 - delay) * w / 2.0
    return float(np.sin(theta) / np.sin(w - theta))


def _pole_for_ratio(ratio: float, w_a: float, w_b: float) -> float:
    """Pole of a one-pole low-pass whose gain at ``w_b`` is ``ratio`` (< 1) times its gain at ``w_a`` < ``w_b``."""
    # ratio^2 (1 - 2p cos w_b + p^2) = 1 - 2p cos w_a + p^2, a quadratic in p
    r2 = ratio**2
    roots = np.roots([r2 - 1.0, 2.0 * (np.cos(w_a) - r2 * np.cos(w_b)), r2 - 1.0])
    real = [r.real for r in roots if abs(r.imag) < 1e-9 and 0.0 <= r.real < 0.995]
    return min(real) if real else 0.95


def loss_pole_for(f0: float, t60_f0: float, t60_high: float, f_high: float, sample_rate: int) -> tuple[float, float]:
    """One-pole loss filter (gain, pole) giving decay times ``t60_f0`` at f0 and ``t60_high`` at ``f_high``.

    The filter's gain is largest at DC, which must still decay: on a high note that limits how much
    faster than f0 the treble can die.
    """
    period = sample_rate / f0
    g0 = 10.0 ** (-3.0 * period / (sample_rate * t60_f0))
    gh = 10.0 ** (-3.0 * period / (sample_rate * max(t60_high, 1e-3)))
    w0, wh = 2 * np.pi * f0 / sample_rate, 2 * np.pi * f_high / sample_rate
    pole = _pole_for_ratio(gh / g0, w0, wh) if gh < g0 and wh > w0 else 0.0
    pole = min(pole, _pole_for_ratio(g0 / MAX_DC_GAIN, 0.0, w0)) if g0 < MAX_DC_GAIN else 0.0
    mag_w0 = (1 - pole) / np.sqrt(1 - 2 * pole * np.cos(w0) + pole**2)
    return float(g0 / mag_w0), float(pole)


def design_loop(f0: float, sample_rate: int, loss_gain: float, loss_pole: float, disp_coef: float, n_disp: int) -> LoopDesign:
    """Split the period ``sample_rate / f0`` into delay lines and bridge filters so the string is in tune.

    Dispersion is reduced when its delay would take more than a quarter of a short (high) string.
    """
    w = 2 * np.pi * f0 / sample_rate
    period = sample_rate / f0
    while n_disp > 0 and n_disp * _allpass_delay(disp_coef, w) > 0.25 * period:
        n_disp -= 1
    fixed = _one_pole_delay(loss_pole, w) + n_disp * _allpass_delay(disp_coef, w)
    m = int(np.floor((period - fixed - 0.5) / 2.0))
    rest = period - fixed - 2 * m  # in [0.5, 2.5)
    extra = 1 if rest >= 1.5 else 0
    return LoopDesign(m, loss_gain, loss_pole, disp_coef, n_disp, _allpass_for_delay(rest - extra, w), extra)


@njit(cache=True)
def _run(y0, n_samples, loss_gain, loss_pole, disp_coef, n_disp, frac_coef, extra_delay,
         barrier_idx, gap, stiffness, impact_loss, damp_idx, damp_width, damp):
    """Simulate the string; return (wave at the bridge, displacement at the barrier, impact speeds)."""
    m = y0.shape[0]
    rbuf = np.empty(m)
    lbuf = np.empty(m)
    # r[i] = rbuf[(ptr - i) % m], l[i] = lbuf[(ptr + i) % m]; ptr = 0 at the start
    for i in range(m):
        rbuf[(-i) % m] = 0.5 * y0[i]
        lbuf[i] = 0.5 * y0[i]
    out = np.empty(n_samples)
    probe = np.empty(n_samples)
    impacts = np.zeros(n_samples)
    last_disp = 0.0
    disp_state = np.zeros(max(n_disp, 1))
    loss_state = 0.0
    frac_state = 0.0
    delay_state = 0.0
    touching = False
    ptr = 0
    b0 = loss_gain * (1.0 - loss_pole)
    for n in range(n_samples):
        nxt = (ptr + 1) % m
        r_end = rbuf[nxt]  # r[m-1] before the shift
        l_start = lbuf[ptr]  # l[0] before the shift
        # bridge reflection: loss, dispersion, fractional delay, optional unit delay, inversion
        x = b0 * r_end + loss_pole * loss_state
        loss_state = x
        for k in range(n_disp):
            y = disp_coef * x + disp_state[k]
            disp_state[k] = x - disp_coef * y
            x = y
        y = frac_coef * x + frac_state
        frac_state = x - frac_coef * y
        if extra_delay:
            y, delay_state = delay_state, y
        rbuf[nxt] = -l_start  # rigid fretted end
        lbuf[ptr] = -y
        ptr = nxt
        out[n] = r_end
        # fret barrier below the string at -gap[n]
        ir = (ptr - barrier_idx) % m
        il = (ptr + barrier_idx) % m
        disp = rbuf[ir] + lbuf[il]
        probe[n] = disp
        floor = -gap[n]
        if disp < floor:
            excess = disp - floor
            keep = 1.0 if touching else 1.0 - impact_loss  # energy is lost when the string strikes
            rbuf[ir] = (rbuf[ir] - stiffness * excess) * keep
            lbuf[il] = (lbuf[il] - stiffness * excess) * keep
            if not touching:
                impacts[n] = last_disp - disp  # downward speed (per sample) when the string strikes
            touching = True
        else:
            touching = False
        last_disp = disp
        # damping finger
        c = damp[n]
        if c > 0.0:
            for j in range(damp_width):
                jr = (ptr - damp_idx - j) % m
                jl = (ptr + damp_idx + j) % m
                d = c * (rbuf[jr] + lbuf[jl])
                rbuf[jr] -= d
                lbuf[jl] -= d
    return out, probe, impacts


def pluck_shape(m: int, position: float, smoothing: int) -> np.ndarray:
    """Initial displacement of ``m`` points: a triangle peaking at ``position`` (fraction from the fret).

    ``smoothing`` (points) rounds the corner: a fingertip is wide, a pick is sharp. Peak is 1.
    """
    x = np.arange(m) + 0.5
    apex = np.clip(position * m, 1.0, m - 1.0)
    tri = np.where(x < apex, x / apex, (m - x) / (m - apex))
    if smoothing > 1:
        kernel = np.hanning(smoothing + 2)[1:-1]
        tri = np.convolve(tri, kernel / kernel.sum(), mode="same")
    return tri / np.max(np.abs(tri))


def simulate(design: LoopDesign, y0: np.ndarray, n_samples: int, *, barrier_idx: int = 1, gap=None,
             stiffness: float = 1.0, impact_loss: float = 0.0, damp_idx: int = 1, damp_width: int = 1, damp=None):
    """Run the string. ``gap``/``damp`` are per-sample arrays (``None``: no barrier / no damping).

    Returns (bridge wave, displacement at the barrier point, impacts: the string's downward speed
    per sample at each first sample of a contact, zero elsewhere).
    """
    m = design.m
    gap_arr = np.full(n_samples, np.inf) if gap is None else np.ascontiguousarray(gap, dtype=np.float64)
    damp_arr = np.zeros(n_samples) if damp is None else np.ascontiguousarray(damp, dtype=np.float64)
    return _run(np.ascontiguousarray(y0, dtype=np.float64), n_samples, design.loss_gain, design.loss_pole,
                design.disp_coef, design.n_disp, design.frac_coef, design.extra_delay,
                int(np.clip(barrier_idx, 0, m - 1)), gap_arr, stiffness, impact_loss,
                int(np.clip(damp_idx, 0, m - 1)), int(max(1, min(damp_width, m - damp_idx))), damp_arr)


@njit(cache=True)
def ring_impacts(impacts, response):
    """Sum of ``response`` started at every nonzero impact, scaled by it (a sparse convolution)."""
    n, k = impacts.shape[0], response.shape[0]
    out = np.zeros(n)
    for i in range(n):
        v = impacts[i]
        if v != 0.0:
            for j in range(min(k, n - i)):
                out[i + j] += v * response[j]
    return out
