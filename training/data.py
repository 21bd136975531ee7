"""Training sets: generated notes → augmentation → the app's onset detector and window → features.

Each example keeps where it came from (source, label, note seed, a group id shared by all
augmented copies of one note, how long its window was), so validation can be split by note and
reports can be broken down by source. Built sets are cached as ``.npz`` keyed by their parameters.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import DEFAULT_PARAMS, FeatureParams, extract
from training.augment import Augmenter, Cut

#: Bump when the way examples are made changes, so stale caches are not reused.
DATA_VERSION = 3
#: A detected onset further than this from the known one is taken for a false alarm.
ONSET_TOLERANCE_S = 0.1
#: Notes are rendered in this many independent parts (fixed, so results do not depend on workers).
N_PARTS = 8


def default_cache_dir() -> Path:
    return Path(os.environ.get("BUZZFINDER_CACHE", Path.home() / ".cache" / "buzzfinder"))


@dataclass
class Dataset:
    """Feature matrices with labels and per-example metadata (all arrays of the same length)."""

    x: np.ndarray
    y: np.ndarray
    source: np.ndarray
    group: np.ndarray
    seed: np.ndarray
    cut_s: np.ndarray
    copy: np.ndarray  # -1 for the untouched note, else the index of its augmented copy
    params: FeatureParams = DEFAULT_PARAMS

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, mask) -> "Dataset":
        m = np.asarray(mask)
        return Dataset(self.x[m], self.y[m], self.source[m], self.group[m], self.seed[m], self.cut_s[m],
                       self.copy[m], self.params)

    @staticmethod
    def concat(parts: list["Dataset"]) -> "Dataset":
        parts = [p for p in parts if len(p)]
        if not parts:
            return empty()
        # group ids are made unique per part so copies of different notes never share one
        offset, groups = 0, []
        for p in parts:
            groups.append(p.group + offset)
            offset += int(p.group.max()) + 1
        cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
        return Dataset(cat("x"), cat("y"), cat("source"), np.concatenate(groups), cat("seed"), cat("cut_s"),
                       cat("copy"), parts[0].params)

    def counts(self) -> dict:
        """Examples per source and label, for the model's training summary."""
        out: dict = {}
        for s, y in zip(self.source, self.y):
            out.setdefault(str(s), {}).setdefault(C.LABELS[int(y)], 0)
            out[str(s)][C.LABELS[int(y)]] += 1
        return out

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez_compressed(tmp, x=self.x, y=self.y, source=self.source.astype(str), group=self.group,
                            seed=self.seed, cut_s=self.cut_s, copy=self.copy, params=json.dumps(self.params.to_dict()))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "Dataset":
        with np.load(path) as z:
            return cls(z["x"], z["y"], z["source"], z["group"], z["seed"], z["cut_s"], z["copy"],
                       FeatureParams.from_dict(json.loads(str(z["params"]))))


def empty(params: FeatureParams = DEFAULT_PARAMS) -> Dataset:
    return Dataset(np.zeros((0, *params.shape), np.float32), np.zeros(0, np.int64), np.zeros(0, str),
                   np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int64), params)


# ---------------------------------------------------------------- windowing like the app


def align_onset(audio: np.ndarray, known: int | None, sample_rate: int = C.SAMPLE_RATE) -> tuple[int, list[int]]:
    """The detected onset nearest ``known``, and all detections.

    Falls back to ``known`` when nothing is detected within :data:`ONSET_TOLERANCE_S` of it. With
    ``known`` unknown (a labelled recording of one note) the note is the detection followed by the
    loudest attack, as ``classify`` picks it: a finger touching the string before the pluck is not the note.
    """
    from buzzfinder_app.engine.onsets import detect_onsets, strongest_onset

    found = [int(o) for o in detect_onsets(audio, sample_rate=sample_rate)]
    if known is None:
        strongest = strongest_onset(audio, found, sample_rate)
        return (0 if strongest is None else strongest), found
    near = [o for o in found if abs(o - known) <= ONSET_TOLERANCE_S * sample_rate]
    return (min(near, key=lambda o: abs(o - known)) if near else int(known)), found


def cut_window(audio: np.ndarray, onset: int, found: list[int], cut: Cut = Cut(),
               sample_rate: int = C.SAMPLE_RATE) -> tuple[np.ndarray, float]:
    """The app's note window at ``onset`` shifted by the cut's jitter, ended by the next detected
    onset or the cut's length, whichever comes first; returns it and the seconds it kept."""
    from buzzfinder_app.engine.windows import note_window

    start = max(0, onset + int(round(cut.jitter_s * sample_rate)))
    end = start + int(round(min(cut.length_s, C.WINDOW_S) * sample_rate))
    later = [o for o in found if o > onset + C.MIN_NOTE_S * sample_rate]
    if later:
        end = min(end, later[0])
    end = min(end, len(audio))
    return note_window(audio, start, end), (end - start) / sample_rate


def note_features(audio, onset: int | None, params: FeatureParams = DEFAULT_PARAMS, cut: Cut = Cut(),
                  sample_rate: int = C.SAMPLE_RATE) -> tuple[np.ndarray, float]:
    """Features of one note as the app would compute them (audio at the model rate)."""
    audio = np.asarray(audio, dtype=np.float32)
    start, found = align_onset(audio, onset, sample_rate)
    window, kept = cut_window(audio, start, found, cut, sample_rate)
    return extract(window, params), kept


# ---------------------------------------------------------------- building sets


@dataclass(frozen=True)
class Recipe:
    """Everything that decides a generated set; its hash names the cache file."""

    kind: str = "synth"  # "synth", "soundfont" or "strat" (n_per_class unused: every training string)
    n_per_class: int = 100
    seed: int = 0
    copies: int = 3  # augmented copies per note (plus one untouched when ``keep_clean``)
    strength: float = 1.0
    keep_clean: bool = True
    characters: tuple = ("nylon", "steel")
    soundfonts: tuple = ("FluidR3", "TimGM6mb", "MuseScore")  # by short name (``kind="soundfont"``)
    params: FeatureParams = field(default=DEFAULT_PARAMS)

    def key(self) -> str:
        """Hash of the parameters and of the code that makes the examples (a changed generator,
        augmentation or windowing makes a new set rather than reusing a stale one)."""
        d = asdict(self)
        d["params"] = self.params.to_dict()
        d["version"] = DATA_VERSION
        d["code"] = _code_hash(self.kind)
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:12]


def _code_hash(kind: str) -> str:
    src = "training/sources/"
    modules = {"synth": [src + "synth.py", src + "synth_string.py", src + "synth_noise.py"],
               "soundfont": [src + "soundfonts.py", src + "sampled_buzz.py", src + "synth.py", src + "synth_string.py",
                             src + "synth_noise.py"],
               "strat": [src + "real_strings.py", src + "sampled_buzz.py", src + "synth.py", src + "synth_noise.py",
                         src + "real.py", "buzzfinder_app/audio/dc.py"]}.get(kind, [])
    modules += ["training/augment.py", "training/data.py", "buzzfinder_app/engine/onsets.py",
                "buzzfinder_app/engine/windows.py", "buzzfinder_app/model/features.py"]
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha1()
    for m in modules:
        f = root / m
        h.update(f.read_bytes() if f.is_file() else b"-")
    return h.hexdigest()[:12]


def _synth_notes(recipe: Recipe, part: int):
    """Part ``part`` of the recipe's modelled notes (each part renders its own seeds)."""
    from training.sources.synth import generate_set

    n = recipe.n_per_class // N_PARTS + (1 if part < recipe.n_per_class % N_PARTS else 0)
    k = part % len(recipe.characters)  # rotate, so small parts do not all start with the same one
    characters = tuple(recipe.characters[k:]) + tuple(recipe.characters[:k])
    return generate_set(n, _set_seed(recipe, part), characters=characters) if n else []


def _set_seed(recipe: Recipe, part: int) -> int:
    return recipe.seed * 1000 + part


def heard_from_s(note) -> float:
    """When a note's class starts to sound after its onset: a late rattle's start, else 0."""
    return float(getattr(note, "params", {}).get("buzz_start_s", 0.0)) if note.label == "buzzy" else 0.0


def featurise_notes(notes, recipe: Recipe, set_seed: int = 0) -> Dataset:
    """Augmented copies of each note → features; ``seed`` records the note set's seed, ``group``
    the note's index in it (and keeps its copies together)."""
    xs, ys, srcs, groups, seeds, cuts, copies = [], [], [], [], [], [], []
    for i, note in enumerate(notes):
        versions = ([None] if recipe.keep_clean else []) + list(range(recipe.copies))
        for j in versions:
            if j is None:
                audio, onset, cut = note.audio, int(note.onset), Cut()
            else:
                aug = Augmenter(int(np.random.SeedSequence([set_seed, i, j]).generate_state(1)[0]),
                                recipe.strength)
                heard = heard_from_s(note)
                (audio, onset), cut = aug.note(note.audio, int(note.onset), C.SAMPLE_RATE, heard), aug.cut(heard)
            x, kept = note_features(audio, onset, recipe.params, cut)
            xs.append(x)
            ys.append(C.LABELS.index(note.label))
            srcs.append(note.source)
            groups.append(i)
            seeds.append(set_seed)
            cuts.append(kept)
            copies.append(-1 if j is None else j)
    if not xs:
        return empty(recipe.params)
    return Dataset(np.stack(xs), np.array(ys, np.int64), np.array(srcs), np.array(groups, np.int64),
                   np.array(seeds, np.int64), np.array(cuts, np.float32), np.array(copies, np.int64), recipe.params)


def _build_part(args) -> Dataset:
    """One part: (recipe, part) renders modelled notes in the worker; (recipe, part, notes) brings them."""
    recipe, part, *notes = args
    return featurise_notes(notes[0] if notes else _synth_notes(recipe, part), recipe, _set_seed(recipe, part))


def build(recipe: Recipe, cache_dir: Path | None = None, workers: int = 2, progress: bool = False) -> Dataset:
    """The recipe's dataset, from the cache when it was built before.

    Modelled notes are synthesised and featurised in ``workers`` processes, :data:`N_PARTS` parts
    with their own seeds. Sampled notes are rendered once here (fluidsynth loads each soundfont per
    batch, so fewer, larger batches are faster) and featurised in the workers.
    """
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    path = cache_dir / f"{recipe.kind}-{recipe.key()}.npz"
    if path.is_file():
        return Dataset.load(path)
    if recipe.kind == "synth":
        jobs = [(recipe, p) for p in range(N_PARTS)]
    elif recipe.kind == "soundfont":
        from training.provenance import RECIPE_SOUNDFONTS
        from training.sources.soundfonts import render_set

        notes = render_set(recipe.n_per_class, recipe.seed, sample_rate=C.SAMPLE_RATE,
                           cache_dir=cache_dir / "soundfonts", progress=progress,
                           soundfonts=[RECIPE_SOUNDFONTS[name][0] for name in recipe.soundfonts])
        jobs = [(recipe, p, notes[p::N_PARTS]) for p in range(N_PARTS)]
    elif recipe.kind == "strat":
        from training.sources.real_strings import TRAIN_STRINGS, make_notes

        notes = make_notes(TRAIN_STRINGS, recipe.seed)
        jobs = [(recipe, p, notes[p::N_PARTS]) for p in range(N_PARTS)]
    else:
        raise ValueError(f"unknown data kind {recipe.kind!r}")
    if workers > 1:
        with get_context("spawn").Pool(workers) as pool:
            parts = list(_progress(pool.imap(_build_part, jobs), len(jobs), f"{recipe.kind} notes", progress))
    else:
        parts = [_build_part(j) for j in _progress(jobs, len(jobs), f"{recipe.kind} notes", progress)]
    ds = Dataset.concat(parts)
    ds.save(path)
    return ds


def _progress(it, total, desc, enabled):
    if not enabled:
        return it
    from tqdm import tqdm

    return tqdm(it, total=total, desc=desc, unit="part")


def split_by_group(ds: Dataset, val_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """Train/validation split in which all copies of one note land on the same side.

    Groups are drawn per (source, label) so every class of every source appears on both sides.
    """
    rng = np.random.default_rng(seed)
    val = np.zeros(len(ds), bool)
    for src in np.unique(ds.source):
        for lab in np.unique(ds.y):
            m = (ds.source == src) & (ds.y == lab)
            groups = np.unique(ds.group[m])
            if len(groups) < 2:
                continue
            take = rng.choice(groups, size=max(1, int(round(val_fraction * len(groups)))), replace=False)
            val |= m & np.isin(ds.group, take)
    return ds.subset(~val), ds.subset(val)
