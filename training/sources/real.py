"""Real recordings: labelled folders of notes, and cutting a long take into notes to label.

A labelled folder holds ``buzzy/``, ``clean/`` and ``muted/`` sub-folders of WAV/FLAC files, one
note each. Every file is mixed to mono and resampled to the model rate, then aligned on the onset
the app's detector finds, never fed raw (the recordings differ in rate and onset position).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from buzzfinder_app import constants as C
from buzzfinder_app.audio.dc import DcBlocker
from buzzfinder_app.model.features import DEFAULT_PARAMS, FeatureParams
from training.augment import Cut, degrade
from training.data import Dataset, Recipe, align_onset, cut_window, featurise_notes, note_features

AUDIO_SUFFIXES = (".wav", ".flac")


@dataclass
class RealNote:
    path: Path
    label: str
    audio: np.ndarray  # mono float32 at SAMPLE_RATE
    onset: int  # the note's detected onset (the loudest detection; 0 if none)
    source: str = "real"


def read_native(path: Path) -> tuple[np.ndarray, int]:
    """Mono float64 at the file's own rate, and that rate."""
    y, sr = sf.read(str(path), dtype="float64", always_2d=True)
    return y.mean(axis=1), sr


def at_model_rate(y: np.ndarray, sr: int, sample_rate: int = C.SAMPLE_RATE) -> np.ndarray:
    """Mono float32 at ``sample_rate``, without its DC offset.

    The estimate of the offset starts at the first sample, as it did when the shipped model's data were
    made; the engine's starts at the mean of the first 0.1 s (:class:`~buzzfinder_app.audio.dc.PrimedDcBlocker`).
    These recordings start in near silence, where the two differ by about a thousandth of the peak for a
    few tens of milliseconds; what moves is the first sound of a Strat recording, which the estimate
    started at the first sample makes exactly 0, so that its notes start 1-3 samples later (a model
    retrained on the notes read the engine's way, stop 27, was kept out: see the report).
    """
    y = np.asarray(y, np.float32)
    if sr != sample_rate:
        y = soxr.resample(y, sr, sample_rate)
    return DcBlocker(sample_rate).process(y)


def read_audio(path: Path, sample_rate: int = C.SAMPLE_RATE) -> np.ndarray:
    """A file as the model hears it: mono float32 at ``sample_rate``, without its DC offset."""
    return at_model_rate(*read_native(path), sample_rate)


def load_labelled_folder(path: Path | str) -> list[RealNote]:
    """All notes under ``path/<label>/``, sorted by label then file name."""
    path = Path(path)
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a folder")
    notes = []
    for label in C.LABELS:
        for f in sorted((path / label).glob("*")) if (path / label).is_dir() else []:
            if f.suffix.lower() in AUDIO_SUFFIXES:
                audio = read_audio(f)
                notes.append(RealNote(f, label, audio, align_onset(audio, None)[0]))
    if not notes:
        raise FileNotFoundError(f"no WAV/FLAC files in {path}/{{{','.join(C.LABELS)}}}/")
    return notes


def real_dataset(notes: list[RealNote], params: FeatureParams = DEFAULT_PARAMS, cut: Cut = Cut(),
                 degrade_kind: str | None = None) -> Dataset:
    """Features of real notes as the app computes them, optionally through a fixed degradation."""
    xs, cuts = [], []
    for n in notes:
        audio = n.audio if degrade_kind is None else degrade(n.audio, degrade_kind)
        x, kept = note_features(audio, None, params, cut)
        xs.append(x)
        cuts.append(kept)
    return Dataset(np.stack(xs), np.array([C.LABELS.index(n.label) for n in notes], np.int64),
                   np.array([n.source for n in notes]), np.arange(len(notes), dtype=np.int64),
                   np.zeros(len(notes), np.int64), np.array(cuts, np.float32), np.full(len(notes), -1), params)


def augmented_real(notes: list[RealNote], copies: int, seed: int, params: FeatureParams = DEFAULT_PARAMS,
                   strength: float = 1.0) -> Dataset:
    """Each real note untouched plus ``copies`` augmented versions (for fine-tuning)."""
    return featurise_notes(notes, Recipe(kind="real", copies=copies, seed=seed, strength=strength, params=params),
                           set_seed=seed)


def prepare(take: Path | str, out: Path | str) -> list[Path]:
    """Cut a long take into one file per detected note (as the app windows it) for labelling.

    Sort the written files into ``out/buzzy``, ``out/clean`` and ``out/muted`` afterwards; that
    folder is then what ``python -m training finetune`` reads.
    """
    take, out = Path(take), Path(out)
    y = read_audio(take)
    _, found = align_onset(y, None)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i, onset in enumerate(found):
        window, _ = cut_window(y, onset, found)
        f = out / f"{take.stem}-{i + 1:03d}-{onset / C.SAMPLE_RATE:07.2f}s.wav"
        sf.write(str(f), window, C.SAMPLE_RATE, subtype="PCM_16")
        written.append(f)
    return written
