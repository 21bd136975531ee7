"""Sampled guitar notes from General-MIDI soundfonts (skipped where fluidsynth or the fonts are absent)."""

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from buzzfinder_app.constants import SAMPLE_RATE
from training.sources import soundfonts
from training.sources.soundfonts import available_soundfonts, midi_file, render_set
from training.sources.synth import MAX_MUTED_DECAY_S, MIN_BUZZ_DB, MIN_RATTLE_DB, SynthNote, decay_time

FLUID = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")

needs_fluidsynth = pytest.mark.skipif(
    shutil.which("fluidsynth") is None or not FLUID.is_file(),
    reason="fluidsynth or the FluidR3_GM soundfont (Debian fluid-soundfont-gm) is not installed",
)


def test_midi_file_layout():
    data = midi_file(25, [(0.5, 64, 100, 1.0), (5.5, 40, 60, 0.2)])
    assert data[:4] == b"MThd" and struct.unpack(">IHHH", data[4:14]) == (6, 0, 1, 1000)
    assert data[14:18] == b"MTrk" and struct.unpack(">I", data[18:22])[0] == len(data) - 22
    assert bytes([0xC0, 25]) in data and bytes([0x90, 64, 100]) in data and bytes([0x80, 40, 0]) in data
    assert data.endswith(b"\x00\xff\x2f\x00")
    assert b"\x83\x74\x90\x40\x64" in data  # note on after 500 ms: delta 500 as a variable-length quantity


def test_missing_fluidsynth_gives_empty_list_and_warning(monkeypatch, tmp_path):
    monkeypatch.setattr(soundfonts.shutil, "which", lambda name: None)
    with pytest.warns(UserWarning, match="fluidsynth"):
        assert render_set(2, 0, cache_dir=tmp_path) == []


def test_missing_soundfonts_give_empty_list_and_warning(tmp_path):
    with pytest.warns(UserWarning, match="soundfont"):
        assert render_set(2, 0, cache_dir=tmp_path, soundfonts=[tmp_path / "none.sf2"]) == []


@needs_fluidsynth
def test_available_soundfonts_are_files():
    fonts = available_soundfonts()
    assert FLUID in fonts and all(p.is_file() for p in fonts)
    assert len({p.resolve() for p in fonts}) == len(fonts)


@needs_fluidsynth
def test_rendered_notes(tmp_path):
    notes = render_set(2, seed=3, cache_dir=tmp_path, soundfonts=[FLUID])
    assert [n.label for n in notes] == ["buzzy", "clean", "muted"] * 2
    for note in notes:
        y = np.abs(note.audio)
        assert note.audio.dtype == np.float32 and len(note.audio) == int(2.5 * SAMPLE_RATE)
        assert np.all(np.isfinite(note.audio)) and 0.1 <= y.max() <= 0.9 + 1e-6
        assert note.source.startswith("sf-FluidR3-")
        assert (note.source == "sf-FluidR3-muted-electric") == (note.label == "muted")
        assert 0.1 * SAMPLE_RATE <= note.onset <= 0.5 * SAMPLE_RATE
        # silent before the onset (but for hand noises and squeaks, the hard negatives), sounding right after it
        if not set(note.params["extras"]) & {"squeak", "fret-hand"}:
            assert y[: note.onset - 10].max() < 0.01 * y.max()
        assert y[note.onset : note.onset + int(0.05 * SAMPLE_RATE)].max() > 0.2 * y.max()
        if note.label == "muted":  # only samples that really die quickly, key still held, are kept as muted
            dead_s = decay_time(note.audio[note.onset :].astype(np.float64), SAMPLE_RATE)
            assert dead_s <= min(MAX_MUTED_DECAY_S, note.params["hold_s"])
        if note.label == "buzzy":  # a clean program's note whose string strikes the fret audibly
            assert note.params["program"] in soundfonts.CLEAN_PROGRAMS and note.params["buzz_db"] >= MIN_BUZZ_DB
            assert note.params["rattle_db"] >= MIN_RATTLE_DB
    again = render_set(2, seed=3, cache_dir=tmp_path, soundfonts=[FLUID])  # from the cache
    assert all(np.array_equal(a.audio, b.audio) for a, b in zip(notes, again))
    assert len(list(tmp_path.glob("*.wav"))) >= 2


def test_a_note_ended_by_its_key_is_not_muted():
    """A ringing sample whose key is released after 0.25 s dies as fast as a muted one, but it is a
    clean note damped by the hand; the same decay with the key held is a muted string."""
    t = np.arange(int(2.5 * SAMPLE_RATE)) / SAMPLE_RATE
    release = np.where(t < 0.25, 1.0, np.exp(-np.maximum(t - 0.25, 0) / 0.03))  # the synthesiser's release
    ringing = np.sin(2 * np.pi * 220 * t) * np.exp(-t) * release
    dying = np.sin(2 * np.pi * 220 * t) * np.exp(-t / 0.02)
    note = lambda y, hold_s: SynthNote(y.astype(np.float32), "muted", 0, "sf-test",  # noqa: E731
                                       {"hold_s": hold_s, "sample_rate": SAMPLE_RATE})
    assert not soundfonts._really_muted(note(ringing, 0.25))
    assert soundfonts._really_muted(note(dying, 0.25)) and soundfonts._really_muted(note(dying, 2.0))
    assert not soundfonts._really_muted(note(np.sin(2 * np.pi * 220 * t), 2.0))
