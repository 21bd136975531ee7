"""The visible yardstick of "clean stays clean, buzz is still heard" on a stranger's setup.

* **Strat clean notes** of the strings never trained on (:data:`training.sources.real_strings.TEST_STRINGS`),
  brought to a peak of -6 dBFS: as recorded, through each of the five conditions of
  :func:`training.augment.degrade` with the channel heard for 0.5 s before the note (as live) and
  with the file starting at the note (as ``classify`` is often given one), and stopped by the hand
  0.1-0.4 s after the pluck with the slap of the string on the hand (:func:`stopped_by_hand`).
  Counted: how often the most probable class is "buzzy". Every condition is heard as the app hears it
  (:func:`as_heard`: the headset's 8-bit grid is dithered, as a file or a live input on one is); the
  headset undithered is kept beside them (the model alone).
* **Strat buzzy notes** of the same strings (the recorded string striking a modelled fret, as
  :func:`training.sources.real_strings.make_notes` makes them for training): as made and through the
  same conditions both ways. Counted: how often the most probable class is "buzzy" (buzz still heard).
  On the whole window, the model's own judgement: the app's final verdict also keeps buzz that its
  provisional verdict heard in the attack (:func:`buzzfinder_app.engine.verdicts.final_verdict`), which
  these rows do not count.
* **The shared clips under hiss**: the 5 buzzy and 5 clean clips after 0.5 s of white noise 50, 40
  and 30 dB below the clip's peak (as ``../shared/tools/hiss_yardstick.py`` makes them). Counted:
  how often the most probable class is the clip's own.

``predict`` is any function from features (n, frames, features) to probabilities: a Keras model
in training, the shipped TFLite model for the "before" figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.audio.dither import Dither, grid_step
from buzzfinder_app.model.features import FeatureParams
from training.augment import DEGRADATIONS, degrade, high_pass
from training.data import note_features
from training.sources.real import at_model_rate, read_audio, read_native
from training.sources.real_strings import STRAT_DIR, TEST_STRINGS, from_first_sound, make_notes, recordings

PRE_S = 0.5
HISS_DB = (50, 40, 30)
BUZZY = C.LABELS.index("buzzy")
#: Seed of the buzz that the test strings' notes are given (:func:`strat_buzz_yardstick`).
BUZZ_SEED = 3


def under_hiss(y: np.ndarray, sr: int, below_db: float, rng: np.random.Generator, pre_s: float = PRE_S) -> np.ndarray:
    """``y`` scaled to a 0.7 peak after ``pre_s`` of silence, white noise ``below_db`` under that
    peak over all of it, clipped to full scale (at the file's own rate)."""
    x = np.concatenate([np.zeros(int(pre_s * sr)), y / (np.abs(y).max() + 1e-12) * 0.7])
    return np.clip(x + rng.standard_normal(len(x)) * 0.7 * 10 ** (-below_db / 20), -1, 1)


#: The Strat notes (recorded direct, peaks near -28 dBFS) are brought to a microphone recording's
#: level before the conditions, whose gains are relative to it.
STRAT_PEAK = 0.5


def stopped_by_hand(y, onset, after_s, rng, sample_rate=C.SAMPLE_RATE):
    """A clean note stopped by the hand ``after_s`` after the onset, harder than the training's
    :func:`~training.augment.hand_damp`: the sound dies within tens of milliseconds and the string,
    still swinging, slaps the hand and the frets as it lands: a short rattle (noise above a few
    hundred hertz, 5-40 ms) from 30 to 6 dB below the note's level at that moment."""
    y = np.asarray(y, np.float32).copy()
    at = int(onset + after_s * sample_rate)
    if at >= len(y):
        return y
    level = float(np.sqrt(np.mean(y[max(onset, at - sample_rate // 50):at].astype(np.float64) ** 2))) if at > onset else 0.0
    t = np.arange(len(y) - at) / sample_rate
    y[at:] *= np.exp(-t / rng.uniform(0.008, 0.04)).astype(np.float32)
    n = min(len(y) - at, int(0.15 * sample_rate))
    slap = np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / (rng.uniform(0.005, 0.04) * sample_rate))
    slap = high_pass(slap, sample_rate, rng.uniform(200.0, 1500.0), rolloff=6)
    slap *= level * 10 ** (rng.uniform(-30.0, -6.0) / 20) / (np.sqrt(np.mean(slap[: n // 10 or 1] ** 2)) + 1e-12)
    y[at:at + n] += slap.astype(np.float32)
    return y


def strat_notes(folder: Path = STRAT_DIR, strings=TEST_STRINGS) -> list[np.ndarray]:
    """The test strings' recordings at the model rate, each starting at its note, peak at :data:`STRAT_PEAK`."""
    out = []
    for path, _ in recordings(strings, folder):
        y = from_first_sound(read_audio(path))
        out.append((y * (STRAT_PEAK / np.max(np.abs(y)))).astype(np.float32))
    return out


def clip_features(clips, params: FeatureParams) -> np.ndarray:
    """Features of one-note clips as ``classify`` computes them (the note where ``classify`` finds it)."""
    return np.stack([note_features(c, None, params)[0] for c in clips])


def _probs(predict, params: FeatureParams, clips) -> np.ndarray:
    return np.asarray(predict(clip_features(clips, params)))


#: The yardstick's parts of Strat notes and the class of their notes.
STRAT_PARTS = {"strat": "clean", "strat_buzzy": "buzzy"}


def heard_buzzy(r: dict) -> str:
    """A :func:`_buzzy_share` as text, e.g. ``3/198 (1.5 %)``."""
    return f"{r['buzzy']}/{r['n']} ({100 * r['rate']:.1f} %)"


def _buzzy_share(probs: np.ndarray) -> dict:
    heard = int(np.sum(probs.argmax(axis=1) == BUZZY))
    return {"n": len(probs), "buzzy": heard, "rate": heard / max(1, len(probs)),
            "unsure": int(np.sum(probs.max(axis=1) < 0.5))}


def as_heard(y: np.ndarray) -> np.ndarray:
    """A clip as the app reads it: dithered when it sits on a coarse converter's grid (as ``FileSource``
    does with a file, and ``MicSource`` with a live input, from the first seconds on)."""
    step = grid_step(y)
    return y if step is None else Dither(step).process(y)


def through(y: np.ndarray, kind: str, seed: int) -> np.ndarray:
    """``y`` through the condition ``kind`` (:func:`~training.augment.degrade`), as the app hears it."""
    return as_heard(degrade(y, kind, seed=seed))


def _through_conditions(predict, params: FeatureParams, live: list, at_note: list) -> dict:
    """Heard buzzy through each condition: the clips with the channel before the note (``live``) and
    the same notes as files that start at them (``at_note``); clip i gets the condition's seed i."""
    out = {}
    for kind in DEGRADATIONS:
        for way, clips in (("channel_before", live), ("at_note", at_note)):
            out[f"{kind}/{way}"] = _buzzy_share(_probs(predict, params, [through(y, kind, i)
                                                                         for i, y in enumerate(clips)]))
    return out


def strat_yardstick(predict, params: FeatureParams, notes: list[np.ndarray]) -> dict:
    """How often clean Strat notes are heard buzzy: plain, per condition (channel before / file at
    the note) and stopped early by the hand."""
    rng = np.random.default_rng(14)
    pad = np.zeros(int(PRE_S * C.SAMPLE_RATE), np.float32)
    out = {"plain": _buzzy_share(_probs(predict, params, notes))}
    out |= _through_conditions(predict, params, [np.concatenate([pad, n]) for n in notes], notes)
    # The model alone on the headset's grid, undithered (as the yardstick heard it before stop 21).
    out["headset_undithered"] = _buzzy_share(_probs(predict, params, [degrade(n, "headset_16k", seed=i)
                                                                      for i, n in enumerate(notes)]))
    damped = [stopped_by_hand(np.concatenate([pad, n]), len(pad), rng.uniform(0.1, 0.4), rng) for n in notes]
    out["hand_damped"] = _buzzy_share(_probs(predict, params, damped))
    return out


def strat_buzz_yardstick(predict, params: FeatureParams, folder: Path = STRAT_DIR, every: int = 1) -> dict:
    """How often buzzy Strat notes of the test strings are still heard buzzy: as made, and through each
    condition with the channel heard before the note (the note's own lead-in) and as a file that
    starts at the note."""
    notes = [n for n in make_notes(TEST_STRINGS, BUZZ_SEED, folder) if n.label == "buzzy"][::every]
    out = {"plain": _buzzy_share(_probs(predict, params, [n.audio for n in notes]))}
    return out | _through_conditions(predict, params, [n.audio for n in notes], [n.audio[n.onset:] for n in notes])


def hiss_yardstick(predict, params: FeatureParams, real_dir: Path) -> dict:
    """The shared buzzy and clean clips under white hiss: how many are judged as their class."""
    rng = np.random.default_rng(40)
    out = {}
    for label in ("buzzy", "clean"):
        files = sorted((Path(real_dir) / label).glob("*.wav"))
        for db in HISS_DB:
            clips = []
            for f in files:
                y, sr = read_native(f)
                clips.append(at_model_rate(under_hiss(y, sr, db, rng), sr))
            probs = _probs(predict, params, clips) if clips else np.zeros((0, len(C.LABELS)))
            right = int(np.sum(probs.argmax(axis=1) == C.LABELS.index(label))) if len(probs) else 0
            out[f"{label}/{db}dB"] = {"n": len(clips), "correct": right}
    return out


def run(predict, params: FeatureParams, real_dir: Path | None, strat_dir: Path = STRAT_DIR, every: int = 1) -> dict:
    """Both yardsticks where their data is present (the missing ones are left out); ``every``: judge
    only every n-th Strat note (a quicker, coarser figure)."""
    out = {}
    if Path(strat_dir).is_dir():
        out["strat"] = strat_yardstick(predict, params, strat_notes(strat_dir)[::every])
        out["strat_buzzy"] = strat_buzz_yardstick(predict, params, strat_dir, every)
    if real_dir and Path(real_dir).is_dir():
        out["hiss"] = hiss_yardstick(predict, params, real_dir)
    return out


def headline(result: dict) -> dict:
    """The few numbers that sum the yardstick up: Strat clean heard buzzy as recorded, through the
    conditions (both ways, all together) and hand-damped; shared clips right under hiss."""
    out = {}
    strat = result.get("strat", {})
    if strat:
        through = [r for case, r in strat.items() if "/" in case]
        out["strat_plain_buzzy"] = strat["plain"]["rate"]
        out["strat_conditions_buzzy"] = sum(r["buzzy"] for r in through) / max(1, sum(r["n"] for r in through))
        out["strat_damped_buzzy"] = strat["hand_damped"]["rate"]
    buzzy = [r for case, r in result.get("strat_buzzy", {}).items() if "/" in case]
    if buzzy:
        out["strat_buzzy_conditions_heard"] = sum(r["buzzy"] for r in buzzy) / max(1, sum(r["n"] for r in buzzy))
    for case, r in result.get("hiss", {}).items():
        out[f"hiss_{case}"] = f"{r['correct']}/{r['n']}"
    return out


def summary_lines(result: dict) -> list[str]:
    """One line per case, for the console and the report."""
    lines = []
    for part, label in STRAT_PARTS.items():
        for case, r in result.get(part, {}).items():
            lines.append(f"Strat {label} {case}: heard buzzy {heard_buzzy(r)}")
    for case, r in result.get("hiss", {}).items():
        lines.append(f"shared {case} after 0.5 s of hiss: {r['correct']}/{r['n']} judged right")
    return lines
