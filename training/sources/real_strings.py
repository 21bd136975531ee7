"""Real strings recorded dry: the shared Stratocaster notes as notes of all three classes.

``../shared/data/other_guitars/strat_di_clean/`` holds clean notes of every string, open to fret 21,
three takes each, recorded direct (no microphone, no room): the augmentation gives them a
microphone, a room and noise like any other note. Each recording becomes three notes, so that
the guitar's timbre is no shortcut to a class:

* **clean** — as recorded;
* **buzzy** — the recorded string strikes a modelled fret (:func:`training.sources.sampled_buzz.add_fret_buzz`,
  as the soundfont notes get theirs);
* **muted** — the string damped from the pluck on: a fast decay that takes the upper partials
  first, as a finger resting on the string does.

Each gets a lead-in of quiet room tone and the hard negatives of its class (pick scrape, squeaks,
fret-hand noise), as the other sources do. The split is by string: :data:`TRAIN_STRINGS` are
trained on, :data:`TEST_STRINGS` only judged (never trained on), so a figure on them is a figure
on notes the model has not heard.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from training.sources import synth_noise as noise
from training.sources.sampled_buzz import add_fret_buzz
from training.sources.synth import MAX_MUTED_DECAY_S, SynthNote, add_extras, decay_time, draw_extras, is_audible

STRAT_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "other_guitars" / "strat_di_clean"
#: Strings trained on, and strings kept for judging (file names start with the string's name).
TRAIN_STRINGS = ("E2", "D", "B")
TEST_STRINGS = ("A", "G", "E4")
SOURCE = "real-strat"
_NAME = re.compile(r"^(?P<string>[A-G][0-9]?)_(?P<note>[A-G]b?[0-9])_")
_PITCH = {"C": 0, "Db": 1, "D": 2, "Eb": 3, "E": 4, "F": 5, "Gb": 6, "G": 7, "Ab": 8, "A": 9, "Bb": 10, "B": 11}


def midi_of(note: str) -> int:
    """``"Ab3"`` -> 56."""
    return 12 * (int(note[-1]) + 1) + _PITCH[note[:-1]]


def recordings(strings, folder: Path = STRAT_DIR) -> list[tuple[Path, float]]:
    """(file, fundamental in Hz) of every recording of ``strings``, sorted by name."""
    out = []
    for f in sorted(Path(folder).glob("*.flac")):
        m = _NAME.match(f.name)
        if m and m["string"] in strings:
            out.append((f, 440.0 * 2 ** ((midi_of(m["note"]) - 69) / 12)))
    return out


def from_first_sound(y: np.ndarray) -> np.ndarray:
    """A recording from its first sample above -60 dB of its peak (the recordings start at the pluck)."""
    return y[int(np.argmax(np.abs(y) > 1e-3 * np.max(np.abs(y)))):]


def damp_from_pluck(note: np.ndarray, rng: np.random.Generator, sample_rate: int = C.SAMPLE_RATE) -> np.ndarray:
    """A muted version of a ringing note: gone (-30 dB) within 50-300 ms, dull from the start."""
    t = np.arange(len(note)) / sample_rate
    dead_s = rng.uniform(0.05, min(0.3, MAX_MUTED_DECAY_S))
    dull = noise.one_pole_lowpass(note, rng.uniform(400.0, 1500.0), sample_rate)
    bright_share = rng.uniform(0.1, 0.4)
    mixed = (bright_share * note * np.exp(-t * 6.9 / (0.3 * dead_s)) + (1 - bright_share) * dull)
    return mixed * np.exp(-t * 6.9 / (2 * dead_s))  # 30 dB in dead_s (a 60-dB decay takes 2 dead_s)


def make_notes(strings, seed: int, folder: Path = STRAT_DIR, sample_rate: int = C.SAMPLE_RATE) -> list[SynthNote]:
    """Three notes (buzzy, clean, muted) of every recording of ``strings``; [] when the folder is absent.

    A buzzy note whose rattle cannot be heard is left out (as for the soundfonts)."""
    from training.sources.real import read_audio

    if not Path(folder).is_dir():
        return []
    notes = []
    for k, (path, f0) in enumerate(recordings(strings, folder)):
        ring = from_first_sound(read_audio(path, sample_rate).astype(np.float64))
        for label in C.LABELS:
            rng = np.random.default_rng([seed, k, C.LABELS.index(label)])
            lead = int(rng.uniform(0.1, 0.5) * sample_rate)
            y = np.zeros(lead + len(ring))
            y[lead:] = ring / np.max(np.abs(ring))
            params = {"file": path.name, "f0": f0, "sample_rate": sample_rate}
            if label == "buzzy":
                y, buzz = add_fret_buzz(y, lead, f0, rng, sample_rate)
                params |= buzz
                if not is_audible(params):
                    continue
            elif label == "muted":
                y[lead:] = damp_from_pluck(y[lead:], rng, sample_rate)
                if decay_time(y[lead:], sample_rate) > MAX_MUTED_DECAY_S:
                    continue
            params["extras"] = draw_extras(rng, label)
            add_extras(y, lead, float(np.sqrt(np.mean(y[lead:lead + sample_rate // 2] ** 2))), params, sample_rate, rng)
            room = noise.one_pole_lowpass(noise.pink_noise(len(y), rng), 3000.0, sample_rate)
            y += 10 ** (rng.uniform(-80, -55) / 20) * room / (np.std(room) + 1e-12)
            y *= rng.uniform(0.1, 0.9) / np.max(np.abs(y))
            notes.append(SynthNote(y.astype(np.float32), label, lead, SOURCE, params))
    return notes
