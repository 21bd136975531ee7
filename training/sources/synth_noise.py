"""Everything around the string: guitar body, pluck transients and the noises of playing.

All functions take a ``numpy.random.Generator`` and return float64 arrays; levels are absolute and
are set by the caller relative to the note.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def bandpass(x: np.ndarray, freq: float, q: float, sample_rate: int) -> np.ndarray:
    """Second-order band-pass (0 dB at ``freq``)."""
    w = 2 * np.pi * min(freq, 0.45 * sample_rate) / sample_rate
    alpha = np.sin(w) / (2 * q)
    return lfilter([alpha, 0.0, -alpha], [1 + alpha, -2 * np.cos(w), 1 - alpha], x)


def one_pole_lowpass(x: np.ndarray, cutoff: float, sample_rate: int) -> np.ndarray:
    """Gentle 6 dB/octave low-pass."""
    p = np.exp(-2 * np.pi * cutoff / sample_rate)
    return lfilter([1 - p], [1, -p], x)


def draw_body(rng: np.random.Generator) -> dict:
    """Random body: a few low air/top modes (90-250 Hz), higher plate modes (400-3000 Hz), a treble roll-off."""
    low = [(float(rng.uniform(90, 250)), float(rng.uniform(8, 30)), float(rng.uniform(0.5, 2.0)))
           for _ in range(rng.integers(2, 4))]
    high = [(float(rng.uniform(400, 3000)), float(rng.uniform(4, 15)), float(rng.uniform(0.2, 1.0)))
            for _ in range(rng.integers(3, 7))]
    return {"modes": low + high, "direct": float(rng.uniform(0.3, 1.0)), "rolloff_hz": float(rng.uniform(1500, 6000))}


def apply_body(x: np.ndarray, body: dict, sample_rate: int) -> np.ndarray:
    """Direct sound (rolling off above a few kHz) plus the resonances of the body excited by the bridge."""
    y = body["direct"] * one_pole_lowpass(x, body["rolloff_hz"], sample_rate)
    for freq, q, gain in body["modes"]:
        y += gain * bandpass(x, freq, q, sample_rate)
    return y


def knock(n: int, body: dict, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """The thud of the pluck: a 1-4 ms half-sine force ringing the body's low modes."""
    width = int(rng.uniform(0.001, 0.004) * sample_rate)
    force = np.zeros(n)
    force[:width] = np.sin(np.pi * np.arange(width) / width)
    y = np.zeros(n)
    for freq, q, gain in body["modes"]:
        if freq < 300:
            y += gain * bandpass(force, freq, q, sample_rate)
    return y / (np.max(np.abs(y)) + 1e-12)


def burst(n: int, start: int, length_s: float, centre: float, q: float, sample_rate: int,
          rng: np.random.Generator) -> np.ndarray:
    """Band-passed noise with a fast attack and exponential decay, peak 1."""
    length = max(8, int(length_s * sample_rate))
    noise = rng.standard_normal(length) * np.exp(-np.arange(length) / (0.3 * length))
    shaped = bandpass(noise, centre, q, sample_rate)
    y = np.zeros(n)
    end = min(n, start + length)
    y[start:end] = shaped[: end - start]
    return y / (np.max(np.abs(y)) + 1e-12)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Noise with a 1/f power spectrum, unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    y = np.fft.irfft(spec / np.sqrt(f), n)
    return y / (np.std(y) + 1e-12)


def hiss(n: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """White or pink background noise, unit RMS (amplifier / interface hiss)."""
    if rng.random() < 0.5:
        return rng.standard_normal(n), "hiss-white"
    return pink_noise(n, rng), "hiss-pink"


def pick_scrape(n: int, start: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A pick dragged along a wound string: 30-150 ms of bright noise with a rough, ribbed envelope."""
    length = int(rng.uniform(0.03, 0.15) * sample_rate)
    t = np.arange(length) / sample_rate
    ribs = 0.6 + 0.4 * np.sign(np.sin(2 * np.pi * rng.uniform(80, 400) * t))
    noise = rng.standard_normal(length) * ribs * np.hanning(length)
    shaped = bandpass(noise, rng.uniform(2000, 6000), rng.uniform(1.0, 3.0), sample_rate)
    y = np.zeros(n)
    end = min(n, start + length)
    y[start:end] = shaped[: end - start]
    return y / (np.max(np.abs(y)) + 1e-12)


def squeak(n: int, start: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A finger sliding on a wound string: a short band-passed rising or falling sweep (50-250 ms)."""
    length = int(rng.uniform(0.05, 0.25) * sample_rate)
    f_start, f_end = rng.uniform(600, 2500), rng.uniform(1500, 5000)
    if rng.random() < 0.5:
        f_start, f_end = f_end, f_start
    phase = 2 * np.pi * np.cumsum(np.linspace(f_start, f_end, length)) / sample_rate
    # a wound string sounds through its winding pitch: pulse-like rather than sinusoidal
    tone = np.sign(np.sin(phase)) * np.hanning(length) + 0.3 * rng.standard_normal(length) * np.hanning(length)
    shaped = bandpass(tone, rng.uniform(1000, 4000), rng.uniform(1.0, 4.0), sample_rate)
    y = np.zeros(n)
    end = min(n, start + length)
    y[start:end] = shaped[: end - start]
    return y / (np.max(np.abs(y)) + 1e-12)


def fret_hand_noise(n: int, starts: list[int], sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Fingers touching strings and frets: low thumps with a small click, at the given samples."""
    y = np.zeros(n)
    for s in starts:
        y += rng.uniform(0.4, 1.0) * burst(n, s, rng.uniform(0.01, 0.04), rng.uniform(150, 600), 1.5, sample_rate, rng)
        y += rng.uniform(0.05, 0.3) * burst(n, s, 0.003, rng.uniform(2000, 5000), 1.0, sample_rate, rng)
    return y / (np.max(np.abs(y)) + 1e-12)
