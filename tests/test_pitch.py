import numpy as np
import pytest
import soundfile as sf
import soxr

from buzzfinder_app.constants import PRE_ROLL, SAMPLE_RATE
from buzzfinder_app.engine.onsets import detect_onsets
from buzzfinder_app.engine.pitch import estimate_pitch, note_name
from buzzfinder_app.engine.windows import note_window


def cents(found, expected):
    return 1200 * np.log2(found / expected)


def as_window(note, noise_db=-70.0):
    rng = np.random.default_rng(0)
    y = np.concatenate([np.zeros(PRE_ROLL, np.float32), note])
    return y + (rng.standard_normal(len(y)) * 10 ** (noise_db / 20)).astype(np.float32)


@pytest.mark.parametrize("midi", range(40, 89, 3))  # E2 .. E6
@pytest.mark.parametrize("inharmonicity", [0.0, 2e-4])
@pytest.mark.parametrize("fundamental", [True, False])
def test_plucked_tones_within_a_semitone(pluck, midi, inharmonicity, fundamental):
    hz = 440 * 2 ** ((midi - 69) / 12)
    note = pluck(hz, 0.5, inharmonicity=inharmonicity, fundamental=fundamental, seed=midi)
    found = estimate_pitch(as_window(note))
    assert found is not None and abs(cents(found, hz)) < 50, (hz, found)
    assert note_name(found) == note_name(hz)


def test_note_names():
    assert [note_name(f) for f in (82.41, 110.0, 261.63, 440.0, 466.16, 1318.5)] == ["E2", "A2", "C4", "A4", "A#4", "E6"]
    assert note_name(450.0) == "A4" and note_name(455.0) == "A#4"


def test_no_pitch_for_noise_silence_or_too_little(white_noise, pluck):
    assert estimate_pitch(as_window(white_noise(SAMPLE_RATE, -20))) is None
    assert estimate_pitch(np.zeros(PRE_ROLL + SAMPLE_RATE, np.float32)) is None
    assert estimate_pitch(as_window(pluck(220.0, 0.05))) is None  # cut short before the stable part
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    assert estimate_pitch(as_window(np.sin(2 * np.pi * 40 * t).astype(np.float32))) is None  # below E2


def test_a_short_window_still_gets_a_pitch(pluck):
    assert abs(cents(estimate_pitch(as_window(pluck(330.0, 0.2))), 330.0)) < 50


@pytest.mark.real
def test_real_clips_have_plausible_pitches(real_dir):
    """Each clip's pitch lies on the guitar, close to an equal-tempered note, and is stable in time."""
    found = {}
    for path in sorted(real_dir.glob("[bcm]*/*.wav")):
        y, sr = sf.read(path, dtype="float32")
        y = soxr.resample(y, sr, SAMPLE_RATE).astype(np.float32)
        onsets = detect_onsets(y) or [0]
        onset = max(onsets, key=lambda o: float(np.mean(y[o:o + 2205] ** 2)))
        window = note_window(y, onset)
        hz = estimate_pitch(window)
        found[path.stem] = hz
        if path.parent.name == "muted":
            continue  # a muted note may have no steady pitch at all
        assert hz is not None, path.name
        assert 75 <= hz <= 1400
        midi = 69 + 12 * np.log2(hz / 440)
        assert abs(midi - round(midi)) < 0.5
        later = estimate_pitch(window, onset=PRE_ROLL + int(0.2 * SAMPLE_RATE))  # the same note 200 ms on
        assert later is not None and abs(cents(later, hz)) < 50, (path.name, hz, later)
    assert sum(v is not None for v in found.values()) >= 10, found
