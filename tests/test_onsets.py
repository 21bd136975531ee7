import json

import numpy as np
import pytest
import soundfile as sf
import soxr

from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.engine.onsets import OnsetDetector, detect_onsets

TOLERANCE_S = 0.030
SR = SAMPLE_RATE


def seconds(onsets):
    return np.asarray(onsets) / SR


def assert_matches(found, truth, tolerance=TOLERANCE_S):
    found, truth = seconds(found), np.asarray(truth, dtype=float)
    assert len(found) == len(truth), f"found {np.round(found, 3)}, expected {truth}"
    assert np.all(np.abs(found - truth) <= tolerance), f"found {np.round(found, 3)}, expected {truth}"


def split_randomly(y, rng, sizes=(1, 64, 256, 333, 4096)):
    blocks, i = [], 0
    while i < len(y):
        n = int(rng.choice(sizes)) if rng.random() < 0.8 else int(rng.integers(1, 9000))
        blocks.append(y[i:i + n])
        i += n
    return blocks


def stream(y, blocks, **options):
    detector = OnsetDetector(SR, **options)
    found = []
    for block in blocks:
        found += detector.process(block)
    return found + detector.flush()


# --- synthetic signals ------------------------------------------------------------------

def place(signal, note, at_s):
    start = int(at_s * SR)
    end = min(len(signal), start + len(note))
    signal[start:end] += note[: end - start]
    return signal


def fade_out(note, seconds=0.01):
    n = int(seconds * SR)
    note[-n:] *= np.linspace(1.0, 0.0, n)
    return note


@pytest.mark.parametrize("snr_db", [50, 30, 20])
@pytest.mark.parametrize("level_db", [-3, -20, -35])
def test_plucks_in_noise_are_found_once(pluck, white_noise, snr_db, level_db):
    """Four notes, each softer than the last, in white noise ``snr_db`` below the softest peak."""
    y = white_noise(5 * SR, level_db - 9 - snr_db)
    truth = [0.4, 1.3, 2.1, 3.5]
    for i, at in enumerate(truth):
        place(y, fade_out(pluck(110.0 * 2 ** (i * 5 / 12), 0.75, level_db=level_db - 3 * i, seed=i)), at)
    assert_matches(detect_onsets(y, gate_dbfs=min(-60, level_db - 9 - snr_db + 6)), truth)


def test_damping_a_ringing_note_adds_no_onset(pluck, white_noise):
    y = white_noise(3 * SR, -65)
    note = pluck(147.0, 2.0, level_db=-10)
    damp = int(1.2 * SR)
    note[damp:] *= np.exp(-np.arange(len(note) - damp) / (0.01 * SR))  # the hand stops the string
    click = white_noise(int(0.004 * SR), -30, seed=7) * np.hanning(int(0.004 * SR))
    note[damp:damp + len(click)] += click  # and touches it with a small broadband click
    assert_matches(detect_onsets(place(y, note, 0.3)), [0.3])


@pytest.mark.parametrize("gap_s", [1.0, 2.0])
def test_a_muted_note_over_a_ringing_one_is_found(pluck, white_noise, gap_s):
    """A muted pluck dies within ~0.1 s, so its level soon falls below the ringing note's: being
    loud is enough for it."""
    y = white_noise(5 * SR, -65)
    place(y, pluck(196.0, 4.0, level_db=-8, decay_s=0.8), 0.3)
    place(y, pluck(196.0, 0.5, level_db=-8, decay_s=0.05, seed=3), 0.3 + gap_s)
    assert_matches(detect_onsets(y), [0.3, 0.3 + gap_s])


def test_steady_hum_and_noise_give_no_onsets(white_noise):
    t = np.arange(4 * SR) / SR
    hum = 0.02 * (np.sin(2 * np.pi * 50 * t) + 0.5 * np.sin(2 * np.pi * 150 * t) + 0.3 * np.sin(2 * np.pi * 100 * t))
    assert detect_onsets(hum + white_noise(len(t), -50)) == []
    assert detect_onsets(white_noise(len(t), -40)) == []


def test_a_slow_string_squeak_is_not_a_note(pluck, white_noise):
    rng = np.random.default_rng(3)
    t = np.arange(int(0.4 * SR)) / SR
    band = np.fft.irfft(np.fft.rfft(rng.standard_normal(len(t))) * (np.abs(np.fft.rfftfreq(len(t), 1 / SR) - 3000) < 1500))
    squeak = band / np.max(np.abs(band)) * 0.02 * np.sin(np.pi * t / t[-1]) ** 2  # swells and fades over 0.4 s
    y = white_noise(3 * SR, -65)
    place(y, pluck(220.0, 1.0, level_db=-12), 0.2)
    place(y, squeak.astype(np.float32), 1.6)
    assert_matches(detect_onsets(y), [0.2])


def test_a_louder_attack_just_after_pick_noise_wins(pluck, white_noise):
    y = white_noise(2 * SR, -70)
    place(y, white_noise(int(0.04 * SR), -40, seed=5), 0.50)  # the pick touches the string
    place(y, pluck(330.0, 1.0, level_db=-8), 0.55)
    assert_matches(detect_onsets(y), [0.55], tolerance=0.005)


def test_gate_ignores_notes_below_it(pluck, white_noise):
    y = place(white_noise(2 * SR, -80), pluck(220.0, 1.0, level_db=-45), 0.5)
    assert_matches(detect_onsets(y, gate_dbfs=-70), [0.5])
    assert detect_onsets(y, gate_dbfs=-40) == []


def test_block_size_does_not_change_the_result(pluck, white_noise):
    y = white_noise(4 * SR, -60)
    for i, at in enumerate([0.0, 0.31, 1.02, 1.1, 2.5, 3.93]):  # two notes at the ends, two close ones
        place(y, fade_out(pluck(98.0 * (i + 1), 0.5, level_db=-10 - 2 * i, seed=i)), at)
    whole = detect_onsets(y)
    assert len(whole) >= 3
    for size in (64, 256, 4096):
        assert stream(y, [y[i:i + size] for i in range(0, len(y), size)]) == whole
    rng = np.random.default_rng(0)
    for _ in range(5):
        assert stream(y, split_randomly(y, rng)) == whole


def test_judging_ahead_of_the_analysis_tells_what_streaming_tells_when(pluck, white_noise):
    """add() everything first, then judge(n) after each block: the same onsets as process(), each
    returned after the same block."""
    y = white_noise(4 * SR, -60)
    for i, at in enumerate([0.0, 0.31, 1.02, 1.1, 2.5, 3.93]):
        place(y, fade_out(pluck(98.0 * (i + 1), 0.5, level_db=-10 - 2 * i, seed=i)), at)
    for blocks in (split_randomly(y, np.random.default_rng(1)), [y[i:i + 64] for i in range(0, len(y), 64)]):
        streaming, ahead = OnsetDetector(SR), OnsetDetector(SR)
        ahead.add(y)
        ends = np.cumsum([len(b) for b in blocks])
        assert [streaming.process(b) for b in blocks] == [ahead.judge(n) for n in ends]
        assert streaming.flush() == ahead.flush()
    # Two plain notes: the first is released only a few frames after it is confirmed, and the
    # second, already analysed, must not hurry it (it is not known yet when streaming).
    t = np.arange(SR) / SR
    note = 0.3 * np.sin(2 * np.pi * 196 * t) * np.exp(-3 * t)
    y = white_noise(3 * SR, -60)
    place(y, note, 0.5)
    place(y, note, 1.86)
    streaming, ahead = OnsetDetector(SR), OnsetDetector(SR)
    ahead.add(y)
    assert [streaming.process(y[i:i + 64]) for i in range(0, len(y), 64)] == [
        ahead.judge(min(i + 64, len(y))) for i in range(0, len(y), 64)]
    with pytest.raises(ValueError):
        OnsetDetector(SR).judge(SR)  # nothing added yet


def test_judging_only_from_the_next_decision_on_tells_the_same_at_the_same_time(pluck, white_noise):
    """A detector judged at every hop, and one judged only where ``next_decision`` says it may decide:
    the same onsets after the same samples (what the engine relies on to step over quiet ticks)."""
    y = white_noise(5 * SR, -60)
    for i, at in enumerate([0.2, 0.9, 0.96, 1.8, 2.5, 3.2, 3.93]):  # two close ones: one held, one dropped
        place(y, fade_out(pluck(98.0 * (i + 1), 0.5, level_db=-10 - i, seed=i)), at)
    place(y, -fade_out(pluck(82.0, 0.3, level_db=-30, seed=9)), 3.0)  # a faint candidate that is rejected
    every, skipping = OnsetDetector(SR), OnsetDetector(SR)
    every.add(y)
    skipping.add(y)
    hop, skipped, found = every.hop, 0, 0
    for n in range(hop, len(y) + 1, hop):
        told = every.judge(n)
        decision = skipping.next_decision()
        if decision is None or n < decision:
            assert told == []
            skipped += 1
        else:
            assert skipping.judge(n) == told
            found += len(told)
    assert every.flush() == skipping.flush()
    assert found == 6 and skipped > 0.8 * (len(y) // hop)


def test_silence_and_empty_input():
    assert detect_onsets(np.zeros(SR, dtype=np.float32)) == []
    assert detect_onsets(np.zeros(0, dtype=np.float32)) == []
    detector = OnsetDetector()
    assert detector.process(np.zeros(10)) == [] and detector.flush() == []


# --- real recordings ----------------------------------------------------------------------

@pytest.mark.real
def test_four_notes_take(real_dir):
    take = real_dir / "takes" / "four_notes.wav"
    y, sr = sf.read(take, dtype="float32")
    assert sr == SR
    truth = json.loads(take.with_suffix(".json").read_text())["onsets_s"]
    found = detect_onsets(y)
    assert_matches(found, truth)  # the hand damps at about 2.1, 6.1 and 10 s are not notes
    rng = np.random.default_rng(1)
    assert stream(y, split_randomly(y, rng)) == found


#: Each real clip's own onset (s), detected on the clip alone and checked by eye on its envelope.
CLIP_ONSETS = {
    "buzzy10": 0.298, "buzzy11": 0.620, "buzzy12": 0.382, "buzzy13": 0.353, "buzzy14": 0.295,
    "clean10": 0.754, "clean11": 0.008, "clean12": 0.884, "clean13": 0.684, "clean14": 0.661,
    "muted10": 0.072, "muted11": 0.066, "muted12": 0.063, "muted13": 0.075, "muted14": 0.060,
}


@pytest.mark.real
def test_take_built_from_the_real_clips(real_dir, white_noise):
    rng = np.random.default_rng(2)
    pieces, truth, at = [], [], 0.0
    for name in rng.permutation(sorted(CLIP_ONSETS)):
        y, sr = sf.read(real_dir / name[:-2] / f"{name}.wav", dtype="float32")
        y = soxr.resample(y, sr, SR).astype(np.float32)
        gap = np.zeros(int(rng.uniform(0.3, 1.0) * SR), dtype=np.float32)
        pieces += [gap, y]
        truth.append(at + len(gap) / SR + CLIP_ONSETS[name])
        at += (len(gap) + len(y)) / SR
    take = np.concatenate(pieces)
    take += white_noise(len(take), -58)
    assert_matches(detect_onsets(take), truth)


@pytest.mark.parametrize("frames", [43, 10, 1])
def test_running_median_gives_numpys_medians(frames):
    det = OnsetDetector()
    det._median_frames = frames
    history = np.random.default_rng(frames).random(frames + 9)
    expected = np.median(np.lib.stride_tricks.sliding_window_view(history[:-1], frames), axis=1)
    assert np.array_equal(det._running_median(history), expected)


def test_median_gives_numpys_median():
    from buzzfinder_app.engine.onsets import _median

    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 14, 17):
        for x in (rng.standard_normal(n), np.round(rng.standard_normal(n), 1), np.full(n, -120.0)):
            assert _median(x) == float(np.median(x))
    x = rng.standard_normal(14)
    x[3] = np.nan
    assert np.isnan(_median(x))
