"""The DC blocker: the offset goes, the guitar stays, and block sizes do not matter."""

import numpy as np
import pytest

from buzzfinder_app.audio.dc import CHUNK, PRIME_S, DcBlocker, PrimedDcBlocker, remove_dc
from buzzfinder_app.constants import DC_CUTOFF_HZ, SAMPLE_RATE

SR = SAMPLE_RATE


def reference(x, sample_rate=SR, cutoff_hz=DC_CUTOFF_HZ, start=None):
    """The recursion sample by sample: d[n] = r d[n-1] + (1 - r) x[n], y = x - d, from d[-1] = start
    (None: x[0])."""
    r = np.exp(-2 * np.pi * cutoff_hz / sample_rate)
    d, out = float(x[0]) if start is None else start, np.empty(len(x))
    for i, v in enumerate(np.asarray(x, np.float64)):
        d = r * d + (1 - r) * v
        out[i] = v - d
    return out


@pytest.mark.parametrize("rate", [8000, SR, 48000])
def test_equals_the_recursion_sample_by_sample(rate):
    """Also at 8 kHz, where a chunk's terms span the widest range (r ** -CHUNK about 1e28)."""
    x = np.random.default_rng(0).standard_normal(3 * CHUNK + 123).astype(np.float32) * 0.2 + 0.05
    assert np.max(np.abs(DcBlocker(rate).process(x) - reference(x, rate))) < 1e-6
    primed = reference(x, rate, start=float(np.mean(x[: round(PRIME_S * rate)], dtype=np.float64)))
    assert np.max(np.abs(remove_dc(x, rate) - primed)) < 1e-6


def test_any_split_of_the_stream_gives_the_same_samples():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(5 * CHUNK + 77) * 0.1 - 0.03).astype(np.float32)
    whole = remove_dc(x)
    for _ in range(10):
        blocker = DcBlocker()
        cuts = np.sort(rng.integers(0, len(x), rng.integers(1, 40)))
        assert np.array_equal(np.concatenate([blocker.process(part) for part in np.split(x, cuts)]),
                              DcBlocker().process(x))
        primed = PrimedDcBlocker()  # the start held back, whatever the blocks
        cuts = np.r_[np.sort(rng.integers(0, 3000, 20)), cuts]
        assert np.array_equal(np.concatenate([primed.process(part) for part in np.split(x, np.sort(cuts))]
                                             + [primed.flush()]), whole)
    primed.reset()
    assert np.array_equal(primed.process(x), whole) and len(primed.flush()) == 0
    primed.reset()
    short = x[:1000]  # a stream shorter than the start: all of it at the end
    assert len(primed.process(short)) == 0 and np.array_equal(primed.flush(), remove_dc(short))


def test_an_offset_is_gone_within_a_second_and_the_low_e_string_stays():
    t = np.arange(2 * SR) / SR
    late = slice(SR, None)
    assert np.max(np.abs(remove_dc(np.full(2 * SR, 0.05)))) < 1e-6  # from the start: no step
    assert np.max(np.abs(DcBlocker().process(np.full(2 * SR, 0.05)))) < 1e-6
    assert np.max(np.abs(remove_dc(np.r_[np.zeros(SR), np.full(2 * SR, 0.05)])[2 * SR:])) < 1e-6
    assert np.max(np.abs(remove_dc(0.3 * np.sin(2 * np.pi * 82.4 * t))[late])) > 0.3 * 0.995  # -0.02 dB


@pytest.mark.parametrize("phase", np.linspace(0, 2 * np.pi, 8, endpoint=False))
def test_a_stream_that_starts_inside_a_hum_keeps_its_first_cycle(phase):
    """The engine's estimate starts at the mean of the first 0.1 s, not at the first sample: started
    there, a hum caught near its peak
    would come out near silence for its first milliseconds and then rise, the way a note starts.
    (What is left is the estimate's ripple over the first half cycle, a fifth of the peak at most.)"""
    t = np.arange(SR // 2) / SR
    hum = 0.1 * (np.sin(2 * np.pi * 50 * t + phase) + 0.5 * np.sin(2 * np.pi * 150 * t + 3 * phase))
    first_cycle = slice(0, SR // 50)
    assert np.max(np.abs(remove_dc(hum)[first_cycle] - hum[first_cycle])) < 0.2 * np.max(np.abs(hum))


def test_at_other_rates_the_cutoff_stays_in_hz():
    t = np.arange(48000) / 48000
    late = slice(24000, None)
    assert np.max(np.abs(DcBlocker(48000).process(np.full(48000, 0.1))[late])) < 1e-6
    assert np.max(np.abs(DcBlocker(48000).process(np.sin(2 * np.pi * 82.4 * t))[late])) > 0.995


def test_a_bad_sample_does_not_poison_what_follows():
    x = np.full(3 * CHUNK, 0.1)
    x[10] = np.nan
    x[20] = np.inf
    y = DcBlocker().process(x)
    assert np.all(np.isfinite(y)) and np.max(np.abs(y[CHUNK:])) < 0.05
