"""Calibration maths on synthetic silence and notes, the wizard's step machine, and the store."""

import json
from datetime import datetime, timezone

import numpy as np
import pytest

from buzzfinder_app.practice.calibration import (
    GATE_ABOVE_NOISE_DB,
    GATE_BELOW_NOTE_DB,
    Calibration,
    CalibrationRun,
    CalibrationStore,
    CalibrationStoreError,
    MIN_GATE_DBFS,
    CalibrationWarning,
    LevelMeter,
    NoiseFloor,
    calibrate,
    compute_calibration,
    measure_noise_floor,
)
from buzzfinder_app.practice.levels import DetectedNote, amplitude_to_dbfs, detect_notes

SR = 22050


def noise(seconds, dbfs, seed=0):
    """White noise whose RMS is `dbfs`."""
    return np.random.default_rng(seed).normal(0, 10 ** (dbfs / 20), round(seconds * SR))


def pluck(peak, f0=196.0, seconds=0.9):
    """A decaying plucked tone whose largest sample is `peak`."""
    t = np.arange(int(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3))
    envelope = np.minimum(t / 0.004, 1) * np.exp(-t / 0.35)
    note = tone * envelope
    return note * peak / np.max(np.abs(note))


def take(peaks, noise_dbfs=-75.0, gap=0.4, seed=1):
    """Notes with `peaks`, one after another over a noise floor; returns (audio, note start samples)."""
    parts, starts, at = [], [], int(gap * SR)
    parts.append(np.zeros(at))
    for peak in peaks:
        starts.append(at)
        note = pluck(peak)
        parts += [note, np.zeros(int(gap * SR))]
        at += note.size + int(gap * SR)
    audio = np.concatenate(parts)
    return audio + noise(audio.size / SR, noise_dbfs, seed), starts


def db(amplitude):
    return amplitude_to_dbfs(amplitude)


def test_noise_floor_of_known_noise_within_one_db():
    for dbfs in (-70.0, -50.0):
        meter = LevelMeter(SR)
        meter.feed(noise(3.0, dbfs))
        floor = measure_noise_floor(meter)
        assert floor.rms_dbfs == pytest.approx(dbfs, abs=1.0)
        assert dbfs < floor.percentile_dbfs < dbfs + 3.0


def test_level_meter_is_block_size_invariant():
    audio, _ = take([0.05, 0.1])
    whole, blocks = LevelMeter(SR), LevelMeter(SR)
    whole.feed(audio)
    for start in range(0, audio.size, 100):
        blocks.feed(audio[start:start + 100])
    blocks.feed(np.zeros(0))
    assert blocks.levels_dbfs == pytest.approx(whole.levels_dbfs)
    assert blocks.peaks == pytest.approx(whole.peaks)
    assert len(whole.levels_dbfs) == audio.size // whole.frame_len
    assert whole.max_abs == pytest.approx(np.max(np.abs(audio)))


def test_note_detection_finds_each_note_and_its_peak():
    peaks = [0.02, 0.05, 0.1]
    audio, starts = take(peaks)
    notes = detect_notes(audio, SR, threshold_dbfs=-60)
    assert len(notes) == 3
    for note, start, peak in zip(notes, starts, peaks):
        assert note.start_s == pytest.approx(start / SR, abs=0.03)
        assert note.peak_dbfs == pytest.approx(db(peak), abs=0.5)
        assert note.level_dbfs < note.peak_dbfs


def test_gain_brings_notes_near_minus_12_dbfs_and_gate_sits_between_noise_and_notes():
    silence = noise(3.0, -75.0, seed=2)
    audio, _ = take([0.025, 0.03, 0.035, 0.03, 0.028])
    cal = calibrate("Interface", SR, silence, audio)
    assert cal.notes_detected == 5
    assert cal.warnings == ()
    assert cal.gain_db == pytest.approx(-12 - db(0.03), abs=0.5)
    gained_peaks = [n.peak_dbfs for n in detect_notes(audio * cal.linear_gain, SR, threshold_dbfs=-60)]
    assert np.median(gained_peaks) == pytest.approx(-12.0, abs=1.0)
    assert cal.note_level_dbfs == pytest.approx(db(0.03), abs=0.5)
    assert cal.noise_floor_dbfs == pytest.approx(-75.0, abs=1.0)
    quietest_gained = min(n.level_dbfs for n in detect_notes(audio, SR, -60)) + cal.gain_db
    assert cal.gate_dbfs == pytest.approx(cal.noise_percentile_dbfs + cal.gain_db + GATE_ABOVE_NOISE_DB)
    assert cal.gate_dbfs <= quietest_gained - GATE_BELOW_NOTE_DB


def test_a_dc_offset_changes_neither_the_noise_floor_nor_the_notes():
    """A cheap interface's offset (-40 dBFS here) is not noise: the engine removes it, so must this."""
    silence = noise(3.0, -75.0, seed=2)
    audio, _ = take([0.025, 0.03, 0.035, 0.03, 0.028])
    plain = calibrate("Interface", SR, silence, audio)
    offset = calibrate("Interface", SR, silence + 0.01, audio + 0.01)
    assert offset.notes_detected == 5 and offset.warnings == ()
    assert offset.noise_floor_dbfs == pytest.approx(plain.noise_floor_dbfs, abs=0.5)
    assert offset.gate_dbfs == pytest.approx(plain.gate_dbfs, abs=0.5)
    assert offset.gain_db == pytest.approx(plain.gain_db, abs=0.5)


def test_gain_never_lifts_the_loudest_note_above_minus_3_dbfs():
    audio, _ = take([0.01, 0.02, 0.03, 0.04, 0.5])
    cal = calibrate("Interface", SR, noise(3.0, -80.0), audio)
    assert cal.gain_db == pytest.approx(-3 - db(0.5), abs=0.5)


def test_clipping_is_warned_and_gain_lowers_the_level():
    audio, _ = take([1.3] * 5, noise_dbfs=-70)
    cal = calibrate("Interface", SR, noise(3.0, -70.0), np.clip(audio, -1, 1))
    codes = [w.code for w in cal.warnings]
    assert codes == ["clipping"]
    assert "lower the interface gain" in cal.warnings[0].message
    assert cal.gain_db < -8


def test_too_quiet_notes_are_warned_and_gain_is_clamped():
    audio, _ = take([0.004] * 5, noise_dbfs=-100)
    cal = calibrate("Interface", SR, noise(3.0, -100.0), audio)
    assert [w.code for w in cal.warnings] == ["too_quiet"]
    assert "move closer" in cal.warnings[0].message
    assert cal.gain_db == 30.0


def test_noisy_room_is_warned_and_gate_goes_halfway():
    audio, _ = take([0.1] * 5, noise_dbfs=-36, gap=0.6)
    cal = calibrate("Interface", SR, noise(3.0, -36.0), audio)
    assert "noisy" in [w.code for w in cal.warnings]
    noise_gained = cal.noise_percentile_dbfs + cal.gain_db
    quietest_gained = min(n.level_dbfs for n in detect_notes(audio, SR, -30)) + cal.gain_db
    assert noise_gained < cal.gate_dbfs < quietest_gained
    assert cal.gate_dbfs < noise_gained + GATE_ABOVE_NOISE_DB


def test_fewer_notes_than_asked_is_warned():
    audio, _ = take([0.05] * 3)
    cal = calibrate("Interface", SR, noise(3.0, -75.0), audio, notes_asked=5)
    assert [w.code for w in cal.warnings] == ["few_notes"]
    assert "3 of 5" in cal.warnings[0].message
    silent = calibrate("Interface", SR, noise(3.0, -75.0), noise(3.0, -75.0, seed=5))
    assert silent.notes_detected == 0 and silent.note_level_dbfs is None and silent.gain_db == 0.0
    assert [w.code for w in silent.warnings] == ["few_notes"]


def test_calibration_run_block_by_block_matches_the_whole_recording():
    silence = noise(3.0, -75.0, seed=3)
    audio, _ = take([0.02, 0.03, 0.04, 0.03, 0.02, 0.05])
    stream = np.concatenate([silence, audio])
    run = CalibrationRun("Mic", SR, silence_s=3.0, notes_asked=5)
    assert run.progress.phase == "silence" and run.progress.fraction == 0.0
    phases, fractions = [], []
    for start in range(0, stream.size, 700):
        progress = run.feed(stream[start:start + 700])
        phases.append(progress.phase)
        fractions.append(progress.fraction)
        if progress.phase == "done":
            break
    assert phases[0] == "silence" and "notes" in phases and phases[-1] == "done"
    notes_fractions = sorted({f for phase, f in zip(phases, fractions) if phase == "notes"})
    assert notes_fractions == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8]) and fractions[-1] == 1.0
    assert run.notes_heard == 5  # stops listening once the notes asked for are heard
    five_notes = audio[: int(6.5 * SR)]  # each note takes 1.3 s, the sixth starts at 6.9 s
    whole = calibrate("Mic", SR, silence, five_notes)
    assert whole.notes_detected == 5
    assert run.result.gain_db == pytest.approx(whole.gain_db, abs=0.01)
    assert run.result.gate_dbfs == pytest.approx(whole.gate_dbfs, abs=0.01)


def test_calibration_run_times_out_and_can_be_finished_early():
    run = CalibrationRun("Mic", SR, silence_s=1.0, notes_asked=5, notes_timeout_s=2.0)
    with pytest.raises(RuntimeError):
        run.finish()
    stereo = np.stack([noise(1.0, -70.0), noise(1.0, -70.0, seed=9)], axis=1)
    assert run.feed(stereo).phase == "notes"
    assert run.feed(noise(2.5, -70.0, seed=4)).phase == "done"
    assert run.result.notes_detected == 0

    early = CalibrationRun("Mic", SR, silence_s=1.0, notes_asked=5)
    early.feed(np.concatenate([noise(1.0, -75.0), take([0.05] * 2)[0]]))
    result = early.finish()
    assert early.phase == "done" and result.notes_detected == 2


def sample_calibration(device="Focusrite 2i2", gain_db=6.0):
    return Calibration(device=device, sample_rate=48000, gain_db=gain_db, gate_dbfs=-55.0, noise_floor_dbfs=-72.0,
                       noise_percentile_dbfs=-69.5, note_level_dbfs=-18.0, notes_detected=4,
                       created_at=datetime(2026, 11, 26, 7, 0, tzinfo=timezone.utc),
                       warnings=(CalibrationWarning("few_notes", "Only 4 of 5 notes were heard."),))


def test_calibration_dict_round_trip():
    cal = sample_calibration()
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal


def test_store_round_trip_per_device(tmp_path, monkeypatch):
    monkeypatch.setenv("BUZZFINDER_CONFIG_DIR", str(tmp_path / "config"))
    store = CalibrationStore()
    assert store.path == tmp_path / "config" / "calibrations.json"
    assert store.get("Focusrite 2i2") is None and store.warning is None
    store.save(sample_calibration("Focusrite 2i2", 6.0))
    store.save(sample_calibration("Built-in Microphone", 20.0))
    store.save(sample_calibration("Focusrite 2i2", 3.0))
    reopened = CalibrationStore()
    assert reopened.devices() == ["Built-in Microphone", "Focusrite 2i2"]
    assert reopened.get("Focusrite 2i2") == sample_calibration("Focusrite 2i2", 3.0)
    assert reopened.get("Built-in Microphone").gain_db == 20.0
    reopened.forget("Built-in Microphone")
    assert CalibrationStore().devices() == ["Focusrite 2i2"]
    assert [p.name for p in (tmp_path / "config").iterdir()] == ["calibrations.json"]


@pytest.mark.parametrize("content", ["{not json", '{"devices": {"Mic": {"gain_db": 3}}}', "[1, 2]"])
def test_corrupt_store_file_gives_an_empty_store_and_a_warning(tmp_path, content):
    path = tmp_path / "calibrations.json"
    path.write_text(content)
    store = CalibrationStore(path)
    assert store.devices() == []
    assert "calibrate again" in store.warning and str(path) in store.warning
    store.save(sample_calibration())
    assert store.warning is None
    assert CalibrationStore(path).get("Focusrite 2i2") == sample_calibration()


def test_store_that_cannot_be_written_raises_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = CalibrationStore(blocker / "calibrations.json")
    with pytest.raises(CalibrationStoreError, match="Could not save the calibration"):
        store.save(sample_calibration())


# ---------------------------------------------------------------------------------------------------
# A perfectly silent input while the room is measured: a gated microphone, the computer's noise
# suppression, or a guitar with its volume down. The noise floor is then the converter's zero, and
# neither the note detector nor the gate may be set just above it.

def leaks(seconds, dbfs=-85.0, burst_s=0.08, every_s=0.3, seed=11):
    """What a noise suppressor lets through of a quiet room: bursts of faint hiss over digital zero,
    and the converter's last bit flickering in between."""
    rng = np.random.default_rng(seed)
    out = np.zeros(round(seconds * SR))
    burst, step = round(burst_s * SR), round(every_s * SR)
    for start in range(step // 2, out.size - burst, step):
        out[start:start + burst] = rng.normal(0, 10 ** (dbfs / 20), burst)
    flicker = rng.random(out.size) < 0.01
    out[flicker] += rng.choice([-1, 1], flicker.sum()) / 32768
    return out


def plucks_over(floor, peaks, gap=0.4):
    """Notes with `peaks` one after another, `floor` (an array as long as needed) between and under them."""
    parts = [np.zeros(int(gap * SR))]
    for peak in peaks:
        parts += [pluck(peak), np.zeros(int(gap * SR))]
    audio = np.concatenate(parts)
    return audio + floor(audio.size / SR)


def test_digital_silence_then_notes_counts_the_notes_and_keeps_a_sane_gate():
    audio = plucks_over(leaks, [0.05, 0.06, 0.07, 0.06, 0.05])
    cal = calibrate("Gated mic", SR, np.zeros(3 * SR), audio)
    assert cal.notes_detected == 5
    assert cal.gate_dbfs >= MIN_GATE_DBFS  # not 10 dB above the converter's zero (it was −112 dBFS)
    assert cal.gain_db == pytest.approx(-12 - db(0.06), abs=0.5)
    assert "silent_input" in [w.code for w in cal.warnings]
    assert "noise suppression" in cal.warnings[[w.code for w in cal.warnings].index("silent_input")].message


def test_digital_silence_then_nothing_hears_no_notes():
    run = CalibrationRun("Gated mic", SR, silence_s=3.0, notes_asked=5, notes_timeout_s=2.0)
    run.feed(np.zeros(3 * SR))
    assert run.phase == "notes"
    for start in range(0, 2 * SR, 1024):  # it used to say "5 notes heard" within these 2 s
        run.feed(leaks(2.0)[start:start + 1024])
        assert run.notes_heard == 0
    assert run.phase == "done"
    cal = run.result
    assert cal.notes_detected == 0 and cal.gain_db == 0.0
    assert cal.gate_dbfs == MIN_GATE_DBFS
    assert {w.code for w in cal.warnings} == {"few_notes", "silent_input"}


def test_a_loud_input_over_digital_silence_is_never_called_very_quiet():
    audio = plucks_over(leaks, [0.9, 0.95, 0.9, 0.85, 0.9])
    cal = calibrate("Gated mic", SR, np.zeros(3 * SR), audio)
    assert cal.notes_detected == 5
    assert cal.gain_db < 0
    assert cal.gate_dbfs >= MIN_GATE_DBFS
    assert not any("quiet" in w.message and "very" in w.message for w in cal.warnings)


def test_the_advice_agrees_with_the_gain():
    """Quiet notes and one very loud one: the loudest note holds the gain below 0 dB, so the advice is
    about the uneven playing, never "very quiet" beside a negative gain."""
    notes = [DetectedNote(i, i + 0.05, peak - 5, peak) for i, peak in enumerate([-46, -45, -44, -1, -0.5])]
    cal = compute_calibration("Mic", SR, NoiseFloor(-80.0, -78.0), notes, 5, max_abs=0.95)
    assert cal.gain_db < 0
    codes = [w.code for w in cal.warnings]
    assert "too_quiet" not in codes and "uneven" in codes
    assert not any("very quiet" in w.message for w in cal.warnings)
    quiet = [DetectedNote(i, i + 0.05, -55, -50) for i in range(5)]
    lifted = compute_calibration("Mic", SR, NoiseFloor(-100.0, -98.0), quiet, 5, max_abs=0.003)
    assert lifted.gain_db > 0 and [w.code for w in lifted.warnings] == ["too_quiet"]


def test_the_gate_floor_is_the_detectors_default_gate():
    import inspect

    from buzzfinder_app.engine.onsets import OnsetDetector

    assert MIN_GATE_DBFS == inspect.signature(OnsetDetector).parameters["gate_dbfs"].default


def long_take(peaks, tau_s, gap_s=1.6, noise_dbfs=-70.0):
    """Notes that ring ``gap_s`` each (decay time constant ``tau_s``) after 1 s of room, then 3 s of room."""
    t = np.arange(int(gap_s * SR)) / SR
    tone = sum(np.sin(2 * np.pi * 147.0 * k * t) / k for k in (1, 2, 3))
    note = tone * np.minimum(t / 0.004, 1) * np.exp(-t / tau_s)
    parts = [np.zeros(SR)] + [note * p / np.max(np.abs(note)) for p in peaks]
    audio = np.concatenate(parts)
    return np.concatenate([noise(3.0, noise_dbfs, seed=3), audio + noise(audio.size / SR, noise_dbfs, seed=4)])


def test_an_input_that_levels_the_sound_is_told_to_turn_it_off():
    """A laptop's automatic gain control keeps the notes from fading: the player is told, and the low
    signal-to-noise ratio it causes is put down to it; strings that fade, even slowly, are not."""
    from training.augment import agc

    peaks = [0.3, 0.5, 0.2, 0.4, 0.3]
    for tau_s in (0.35, 1.0):  # a nylon string; a long-ringing electric (7 dB in 0.8 s)
        plain = calibrate("Interface", SR, *np.split(long_take(peaks, tau_s), [3 * SR]))
        assert "levelled" not in [w.code for w in plain.warnings]
    for tau_s in (1.0, 2.0):  # (the AGC's gain rises at most 17 dB a second: slower fades it flattens)
        levelled = calibrate("Laptop", SR, *np.split(agc(long_take(peaks, tau_s), SR).astype(np.float64), [3 * SR]))
        codes = [w.code for w in levelled.warnings]
        assert "levelled" in codes, codes
        message = levelled.warnings[codes.index("levelled")].message
        assert "automatic gain control" in message.lower() and "turn it off" in message.lower()
        if "noisy" in codes:
            assert "levels them" in levelled.warnings[codes.index("noisy")].message
    # Notes played too quickly to ring a second on their own are not judged.
    quick = calibrate("Laptop", SR, *np.split(agc(long_take(peaks, 2.0, gap_s=0.8), SR).astype(np.float64),
                                              [3 * SR]))
    assert "levelled" not in [w.code for w in quick.warnings]
