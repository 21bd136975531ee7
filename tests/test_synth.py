"""The synthetic notes show the physics their labels claim, measured on the audio."""

import json
from functools import lru_cache

import numpy as np
import pytest

from buzzfinder_app.constants import LABELS, SAMPLE_RATE
from training.sources.synth import MIN_BUZZ_DB, MIN_BUZZY_DECAY_S, MIN_RATTLE_DB, SynthNote, draw_params, generate_note, generate_set, hf_fraction
from training.sources.synth_string import design_loop, loss_pole_for, pluck_shape, simulate

SR = SAMPLE_RATE


@lru_cache(maxsize=None)
def buzzy_and_twin(seed: int, buzz_start_s: float = 0.0) -> tuple[SynthNote, SynthNote]:
    """A buzzy note without hard negatives (rattling from the pluck on, or from ``buzz_start_s``) and
    its clean twin (the same note with no fret)."""
    buzzy = generate_note("buzzy", seed, extras=[], buzz_start_s=buzz_start_s)
    return buzzy, generate_note("buzzy", seed, extras=[], barrier_gap=None, redraw=buzzy.params["redraw"])


def attack_hf_db(note: SynthNote, start_s: float = 0.0, seconds: float = 0.3) -> float:
    """Share of energy above 3 kHz (and 4 f0) after the onset, in dB."""
    start = note.onset + int(start_s * SR)
    return 10 * np.log10(hf_fraction(note.audio, SR, note.params["f0"], start, seconds) + 1e-12)


def envelope_db(note: SynthNote, frame_s: float = 0.01) -> np.ndarray:
    """RMS envelope from the onset in dB below its peak, one value per frame."""
    hop = int(frame_s * SR)
    y = note.audio[note.onset :].astype(np.float64)
    rms = np.sqrt(np.mean(y[: len(y) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    return 20 * np.log10(rms / rms.max() + 1e-12)


def decay_30db_s(note: SynthNote, frame_s: float = 0.01) -> float:
    """Seconds from the onset until the envelope stays 30 dB below its peak (inf if it never does)."""
    env = envelope_db(note, frame_s)
    above = np.nonzero(env > -30.0)[0]
    last = above[-1] + 1
    return last * frame_s if last < len(env) else float("inf")


def yin_pitch(y: np.ndarray, fmin: float = 70.0, fmax: float = 1500.0, threshold: float = 0.15) -> float:
    """Fundamental frequency by YIN (cumulative-mean-normalised difference), with parabolic refinement."""
    n = len(y)
    max_lag = int(SR / fmin) + 2
    energy = np.concatenate([[0.0], np.cumsum(y**2)])
    spec = np.fft.rfft(y, 2 * n)
    acf = np.fft.irfft(spec * np.conj(spec))[:max_lag]
    w = n - max_lag
    lags = np.arange(max_lag)
    diff = energy[w] + (energy[lags + w] - energy[lags]) - 2 * acf  # approximate difference function
    cmnd = np.ones(max_lag)
    cmnd[1:] = diff[1:] * lags[1:] / np.maximum(np.cumsum(diff[1:]), 1e-12)
    lo = int(SR / fmax)
    candidates = np.nonzero(cmnd[lo:] < threshold)[0]
    lag = lo + (candidates[0] if len(candidates) else np.argmin(cmnd[lo:]))
    while lag + 1 < max_lag and cmnd[lag + 1] < cmnd[lag]:
        lag += 1
    a, b, c = cmnd[lag - 1], cmnd[lag], cmnd[lag + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    return SR / (lag + shift)


def test_same_seed_same_note_and_different_seeds_differ():
    a, b = generate_note("buzzy", 7), generate_note("buzzy", 7)
    assert np.array_equal(a.audio, b.audio) and a.params == b.params and a.onset == b.onset
    assert not np.array_equal(generate_note("buzzy", 8).audio[: len(a.audio)], a.audio)


@pytest.mark.parametrize("label", LABELS)
def test_output_format(label):
    note = generate_note(label, 3)
    assert note.audio.dtype == np.float32 and note.audio.ndim == 1
    assert len(note.audio) == int(2.5 * SR)
    assert np.all(np.isfinite(note.audio))
    assert 0.1 <= np.max(np.abs(note.audio)) <= 0.9 + 1e-6
    assert note.label == label and note.source in ("model-nylon", "model-steel")
    assert 0.1 * SR <= note.onset <= 0.5 * SR
    assert np.max(np.abs(note.audio[: note.onset])) < 0.05 * np.max(np.abs(note.audio))  # quiet lead-in
    assert isinstance(note.params["extras"], list)
    json.dumps(note.params)


def test_onset_is_where_the_pluck_starts():
    note = generate_note("clean", 11, extras=[])
    y = np.abs(note.audio)
    assert np.max(y[note.onset : note.onset + int(0.02 * SR)]) > 0.3 * y.max()
    assert np.max(y[note.onset - int(0.05 * SR) : note.onset]) < 0.01 * y.max()


def test_generate_set_is_balanced_and_deterministic():
    notes = generate_set(2, seed=5)
    assert [n.label for n in notes].count("buzzy") == 2
    assert sorted(n.label for n in notes) == sorted(LABELS * 2)
    assert {n.source for n in notes} == {"model-nylon", "model-steel"}
    again = generate_set(2, seed=5)
    assert all(np.array_equal(x.audio, y.audio) for x, y in zip(notes, again))


@pytest.mark.parametrize("seed", range(6))
def test_buzz_adds_high_frequency_energy_to_the_attack(seed):
    buzzy, twin = buzzy_and_twin(seed)
    assert buzzy.params["f0"] == twin.params["f0"] and buzzy.onset == twin.onset
    assert attack_hf_db(buzzy) - attack_hf_db(twin) > 1.5


@pytest.mark.parametrize("seed", [0, 2])
def test_buzz_comes_from_the_collision(seed):
    buzzy, twin = buzzy_and_twin(seed)
    chosen = {k: buzzy.params[k] for k in ("redraw", "buzz_planes", "rattle_gain", "barrier_gap", "barrier_gap_2",
                                           "buzz_start_s")}
    again = generate_note("buzzy", seed, extras=[], **chosen)
    assert np.array_equal(again.audio, buzzy.audio)  # the recorded parameters reproduce the note
    assert attack_hf_db(buzzy) - attack_hf_db(twin) > 1.5
    # a fret farther than the pluck height is never touched: the note is exactly its clean twin
    far = generate_note("buzzy", seed, extras=[], **(chosen | {k: chosen[k] and 10.0 for k in ("barrier_gap", "barrier_gap_2")}))
    assert np.array_equal(far.audio, twin.audio)


@pytest.mark.parametrize("seed", [0, 3, 4])
def test_a_late_rattle_starts_after_a_clean_attack(seed):
    """The fret comes within reach only 0.4 s after the pluck: the attack is its clean twin's, and
    the rattle is heard from then on."""
    buzzy, twin = buzzy_and_twin(seed, buzz_start_s=0.4)
    start_s = buzzy.params["buzz_start_s"]
    ramp_s = buzzy.params["buzz_start_ramp_s"]
    assert 0.1 < start_s <= 0.4
    before = buzzy.onset + int((start_s - ramp_s) * SR)
    assert np.array_equal(buzzy.audio[:before], twin.audio[:before])
    assert buzzy.params["last_impact_s"] > start_s - ramp_s
    assert attack_hf_db(buzzy, start_s) - attack_hf_db(twin, start_s) > 1.5
    assert buzzy.params["rattle_db"] >= MIN_RATTLE_DB


def test_some_buzzy_notes_rattle_late():
    starts = [generate_note("buzzy", seed).params["buzz_start_s"] for seed in range(100, 112)]
    assert 0 < sum(s > 0 for s in starts) < len(starts)


def test_every_buzzy_note_is_audibly_buzzy():
    notes = [generate_note("buzzy", seed) for seed in range(100, 106)]
    assert all(n.params["buzz_db"] >= MIN_BUZZ_DB and n.params["rattle_db"] >= MIN_RATTLE_DB for n in notes)
    assert all(n.params["last_impact_s"] > 0 for n in notes)


@pytest.mark.parametrize("seed", range(8))
def test_buzzy_note_still_rings(seed):
    """The collisions do not choke the note: it takes longer to decay than a muted note may."""
    note, _ = buzzy_and_twin(seed)
    assert decay_30db_s(note) >= MIN_BUZZY_DECAY_S


def hf_energy(note: SynthNote, start_s: float, seconds: float = 0.3) -> float:
    """Energy above 3 kHz (and 4 f0) in a window after the onset, relative to the note's first 0.3 s."""
    cutoff = max(3000.0, 4 * note.params["f0"])

    def energy(lo_s, hf_only):
        seg = note.audio[note.onset + int(lo_s * SR) :][: int(seconds * SR)].astype(np.float64)
        spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
        return spec[np.fft.rfftfreq(len(seg), 1 / SR) >= cutoff].sum() if hf_only else spec.sum()

    return energy(start_s, True) / energy(0.0, False)


def test_rattle_is_loudest_in_the_attack():
    """The HF energy a buzzy note has and its twin lacks is far larger early than late, on most notes."""
    ratios = []
    for seed in range(10):
        buzzy, twin = buzzy_and_twin(seed)
        early = hf_energy(buzzy, 0.0) - hf_energy(twin, 0.0)
        late = hf_energy(buzzy, 1.5) - hf_energy(twin, 1.5)
        ratios.append(early > 0 and early > 3 * late)
    assert np.mean(ratios) >= 0.8


def test_string_strikes_the_fret_hardest_and_most_often_in_the_attack():
    design = design_loop(110.0, SR, *loss_pole_for(110.0, 3.0, 0.5, 4000.0, SR), -0.2, 1)
    y0 = pluck_shape(design.m, 0.85, 2)
    _, free_probe, _ = simulate(design, y0, 2 * SR, barrier_idx=design.m // 20)
    gap = 0.3 * -free_probe.min()
    _, _, impacts = simulate(design, y0, 2 * SR, barrier_idx=design.m // 20, gap=np.full(2 * SR, gap), impact_loss=0.1)
    early, late = impacts[: int(0.3 * SR)], impacts[int(1.0 * SR) : int(1.3 * SR)]
    assert np.count_nonzero(early) > np.count_nonzero(late)
    assert early.sum() > 3 * late.sum()
    assert np.all(impacts >= 0)


@pytest.mark.parametrize("seed", range(5))
def test_muted_note_dies_within_0_4_s(seed):
    note = generate_note("muted", seed, extras=[])
    assert decay_30db_s(note) <= 0.4


@pytest.mark.parametrize("seed", range(4))
def test_clean_note_rings(seed):
    note = generate_note("clean", seed, extras=[], release_s=None)
    assert decay_30db_s(note) > 0.5


def test_damped_clean_note_rings_until_released_then_dies():
    note = generate_note("clean", 3, extras=[], release_s=0.6, damp_position=0.3, damp_width=0.03,
                         damp_strength=0.3, damp_ramp_s=0.02)
    env = envelope_db(note)
    assert env[int(0.55 / 0.01)] > -30.0  # still ringing just before the release
    assert 0.6 < decay_30db_s(note) < 1.2


@pytest.mark.parametrize("midi", [40, 47, 52, 59, 64, 71, 76, 83, 88])
def test_clean_pitch_within_a_semitone(midi):
    f0 = 440.0 * 2 ** ((midi - 69) / 12)
    for character in ("nylon", "steel"):
        note = generate_note("clean", midi, character=character, extras=[], release_s=None, f0=f0)
        seg = note.audio[note.onset + int(0.2 * SR) : note.onset + int(0.6 * SR)].astype(np.float64)
        est = yin_pitch(seg)
        assert abs(12 * np.log2(est / f0)) < 1.0, (character, f0, est)


def test_generate_set_does_not_depend_on_workers():
    one = generate_set(1, seed=9)
    two = generate_set(1, seed=9, workers=2)
    assert all(np.array_equal(a.audio, b.audio) and a.params == b.params for a, b in zip(one, two))


def test_clean_notes_carry_recorded_hard_negatives():
    drawn = [draw_params("clean", seed, None, 2.5)["extras"] for seed in range(200)]
    for kind in ("hiss", "scrape", "squeak", "fret-hand"):
        assert any(kind in extras for extras in drawn)
    assert 0.35 < np.mean(["hiss" in extras for extras in drawn]) < 0.65
    seed = next(s for s, extras in enumerate(drawn) if extras == ["hiss"])
    hissy, quiet = generate_note("clean", seed), generate_note("clean", seed, extras=[])
    assert list(hissy.params["extra_levels"]) in (["hiss-white"], ["hiss-pink"])

    def lead_in_db(note):
        lead = note.audio[: note.onset].astype(np.float64)
        return 20 * np.log10(np.sqrt(np.mean(lead**2)) / np.max(np.abs(note.audio)))

    assert lead_in_db(hissy) > lead_in_db(quiet) + 3
