"""The tuner's core on synthetic tones at known offsets from standard tuning."""

import numpy as np
import pytest

from buzzfinder_app.practice.tuner import (
    HOLD_S, IN_TUNE_CENTS, Tuner, cents_between, nearest_string, reading_for,
)
from buzzfinder_app.practice.tuning import OPEN_STRING_MIDI, midi_to_hz
from tests.support.signals import noise, synth_pluck

SR = 22050
LOW_E = 82.4069  # E2


def tone(hz, seconds=1.0, level=0.3, harmonics=1):
    """A steady tone with `harmonics` exact harmonics (1/k amplitudes)."""
    t = np.arange(round(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * hz * k * t + k) / k for k in range(1, harmonics + 1))
    return (level * y / np.max(np.abs(y))).astype(np.float32)


def offset(hz, cents):
    return hz * 2 ** (cents / 1200)


def listen(y, block=882):
    """The tuner's reading after hearing `y` in blocks of `block` (the live input's 40 ms)."""
    tuner = Tuner()
    for start in range(0, len(y), block):
        tuner.feed(y[start:start + block])
    return tuner.reading


@pytest.mark.parametrize("string", sorted(OPEN_STRING_MIDI))
@pytest.mark.parametrize("cents", [-30.0, -8.0, -3.0, 0.0, 4.0, 9.0, 40.0])
def test_each_string_at_known_cents(string, cents):
    target = midi_to_hz(OPEN_STRING_MIDI[string])
    reading = listen(tone(offset(target, cents), harmonics=6))
    assert reading is not None
    assert reading.string == string and reading.target_hz == pytest.approx(target)
    assert reading.cents == pytest.approx(cents, abs=0.5)
    expected = "in tune" if abs(cents) <= IN_TUNE_CENTS else "tune up" if cents < 0 else "tune down"
    assert reading.advice == expected and reading.in_tune == (expected == "in tune")


def test_the_low_e_string_at_82_4_hz():
    reading = listen(tone(LOW_E))
    assert (reading.note, reading.string, reading.string_name, reading.target_note) == ("E2", 6, "low E", "E2")
    assert reading.hz == pytest.approx(LOW_E, rel=1e-4) and reading.advice == "in tune"
    flat = listen(tone(offset(LOW_E, -12)))
    assert flat.note == "E2" and flat.cents == pytest.approx(-12, abs=0.5) and flat.advice == "tune up"


@pytest.mark.parametrize("string", [6, 3, 1])
def test_a_plucked_string_reads_its_offset_from_the_first_reading(string):
    """A plucked string (harmonics decaying at their own rates, a noisy attack, upper partials a little
    sharp of the harmonics as on a real string), 7 cents sharp: every reading says so, from the first."""
    target = midi_to_hz(OPEN_STRING_MIDI[string])
    pluck = synth_pluck(offset(target, 7.0), 2.0, inharmonicity=1e-4, seed=2, level_db=-18)
    tuner, readings = Tuner(), []
    for start in range(0, pluck.size, 882):
        reading = tuner.feed(pluck[start:start + 882])
        if reading is not None:
            readings.append(reading)
    assert len(readings) > 30 and {r.string for r in readings} == {string}
    assert all(r.cents == pytest.approx(7.0, abs=1.5) and r.advice == "tune down" for r in readings)


def test_a_string_a_semitone_or_two_out_still_finds_its_string():
    reading = listen(tone(offset(midi_to_hz(45), -100)))  # the A string tuned down to G#2
    assert (reading.note, reading.string) == ("G#2", 5)
    assert reading.cents == pytest.approx(-100, abs=0.5) and reading.advice == "tune up"
    assert nearest_string(offset(LOW_E, 240)) == 6 and nearest_string(offset(LOW_E, 260)) == 5
    assert reading_for(midi_to_hz(64) * 1.01).string == 1


def test_any_split_into_blocks_gives_the_same_reading():
    y = np.concatenate([tone(offset(196.0, 6), 0.7, harmonics=4), tone(offset(246.94, -15), 0.7, harmonics=4)])
    readings = []
    for block in (100, 882, 4096, len(y)):
        readings.append(listen(y, block))
    assert all(r == readings[0] for r in readings)
    assert readings[0].string == 2 and readings[0].cents == pytest.approx(-15, abs=0.5)  # it followed the B string


def test_silence_and_noise_give_no_reading():
    assert listen(np.zeros(SR, np.float32)) is None
    assert listen(noise(SR, -30)) is None


def test_the_reading_lasts_a_moment_after_the_note_then_goes():
    tuner = Tuner()
    tuner.feed(tone(110.0))
    assert tuner.feed(np.zeros(int(0.8 * HOLD_S * SR), np.float32)).string == 5  # between two plucks
    assert tuner.feed(np.zeros(int(0.5 * HOLD_S * SR), np.float32)) is None
    tuner.feed(tone(110.0))
    tuner.reset()
    assert tuner.reading is None


def test_cents_between():
    assert cents_between(440.0, 220.0) == pytest.approx(1200)
    assert cents_between(offset(100.0, -7), 100.0) == pytest.approx(-7)


def test_a_string_counts_as_tuned_once_it_reads_in_tune_for_half_a_second():
    from buzzfinder_app.practice.tuner import TuningProgress

    progress = TuningProgress()
    in_tune, flat = reading_for(LOW_E), reading_for(offset(110.0, -20))
    for _ in range(10):
        progress.add(in_tune, 0.04)
    progress.add(None, 0.04)  # a break: counted again from nothing
    for _ in range(5):
        progress.add(in_tune, 0.04)
    progress.add(flat, 1.0)
    assert progress.tuned == set()
    for _ in range(13):
        progress.add(in_tune, 0.04)
    assert progress.tuned == {6} and not progress.all_tuned
    for string in range(1, 6):
        progress.add(reading_for(midi_to_hz(OPEN_STRING_MIDI[string])), 0.6)
    assert progress.all_tuned
