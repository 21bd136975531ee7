"""Does teaching fix a player's setup? Five notes of each kind taught through one condition, then
clean notes of that guitar through the same condition, judged with and without the personal profile.

The "player" is the shared Stratocaster's A string (never trained on): 5 clean notes as recorded,
5 buzzy (the recorded string striking a modelled fret) and 5 muted (damped from the pluck), all
through one of the five conditions of :func:`training.augment.degrade` (as the app hears them:
:func:`training.yardstick.through`) with the channel heard before the note. Judged: clean notes of
its G and high E strings (never taught, never trained on) through the same condition, both as live
and as files that start at the note; buzzy notes of those strings through it, as live (is their buzz
still heard?); and the 15 shared clips of another guitar, which the profile must not spoil. The app's own code does the teaching
(:class:`~buzzfinder_app.personal.head.PersonalHead` with its setup gate) on the shipped TFLite model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.personal.adapt import embed_features
from buzzfinder_app.personal.head import PersonalHead
from training.augment import DEGRADATIONS
from training.sources.real_strings import STRAT_DIR, make_notes
from training.yardstick import BUZZ_SEED, BUZZY, PRE_S, clip_features, strat_notes, through

TEACH_STRING = ("A",)
JUDGE_STRINGS = ("G", "E4")
PER_CLASS = 5


def taught_notes(folder: Path = STRAT_DIR, seed: int = 7) -> list:
    """5 notes of each class of the teaching string, spread over its frets."""
    notes = make_notes(TEACH_STRING, seed, folder)
    out = []
    for label in C.LABELS:
        mine = [n for n in notes if n.label == label]
        out += [mine[int(i)] for i in np.linspace(0, len(mine) - 1, PER_CLASS)]
    return out


def _buzzy(probs: np.ndarray) -> int:
    return int(np.sum(probs.argmax(axis=1) == BUZZY))


def run(model, folder: Path = STRAT_DIR, real_notes=None, every: int = 2) -> dict:
    """Per condition: clean notes of the judged strings heard buzzy before and after teaching
    (``every``: every n-th judged note), their buzzy notes heard buzzy, the head's blend weight and the
    setup's lean, and the shared clips right before/after."""
    from training.sources.real import real_dataset

    taught = taught_notes(folder)
    labels = [n.label for n in taught]
    judged = strat_notes(folder, JUDGE_STRINGS)[::every]
    buzzy = [n for n in make_notes(JUDGE_STRINGS, BUZZ_SEED, folder) if n.label == "buzzy"][::every]
    pad = np.zeros(int(PRE_S * C.SAMPLE_RATE), np.float32)
    shared = real_dataset(real_notes, model.params) if real_notes else None
    out = {}
    for kind in DEGRADATIONS:
        feats = clip_features([through(n.audio, kind, i) for i, n in enumerate(taught)], model.params)
        probs, emb, setup = embed_features(model, feats)
        head = PersonalHead.fit(emb, labels, probs, setup)
        row = {"blend": head.w, "lean": [round(float(b), 3) for b in head.bias], "loo_before": head.loo_before,
               "loo_after": head.loo_after}
        for way, clips in (("channel_before", [through(np.concatenate([pad, n]), kind, 100 + i)
                                               for i, n in enumerate(judged)]),
                           ("at_note", [through(n, kind, 100 + i) for i, n in enumerate(judged)])):
            p, e, s = embed_features(model, clip_features(clips, model.params))
            row[way] = {"n": len(clips), "before": _buzzy(p), "after": _buzzy(head.predict(p, e, s))}
        p, e, s = embed_features(model, clip_features([through(n.audio, kind, 200 + i) for i, n in enumerate(buzzy)],
                                                      model.params))
        row["buzzy_heard"] = {"n": len(buzzy), "before": _buzzy(p), "after": _buzzy(head.predict(p, e, s))}
        if shared is not None:
            p, e, s = embed_features(model, shared.x)
            row["shared_clips"] = {"n": len(shared), "before": int(np.sum(p.argmax(1) == shared.y)),
                                   "after": int(np.sum(head.predict(p, e, s).argmax(1) == shared.y))}
        out[kind] = row
    return out


def summary_lines(result: dict) -> list[str]:
    lines = []
    for kind, r in result.items():
        ways = "; ".join(f"{w}: heard buzzy {r[w]['before']}/{r[w]['n']} -> {r[w]['after']}/{r[w]['n']}"
                         for w in ("channel_before", "at_note"))
        shared = r.get("shared_clips")
        lines.append(f"taught through {kind} (blend {r['blend']:.1f}): {ways}"
                     + (f"; shared clips right {shared['before']} -> {shared['after']}/{shared['n']}" if shared else ""))
    return lines
