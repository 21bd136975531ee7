"""Does teaching fix a guitar the model never heard? On each leave-one-source-out model: 5 notes of
each kind of one of the left-out guitars taught, its other notes judged.

A "guitar" is a sampled program (a soundfont's nylon, steel, jazz or electric guitar; its muted notes
are the same soundfont's muted program), or a left-out modelled character or the real Strat strings as a
whole. Only untouched notes (no augmentation) are taught and judged: one guitar, one clean channel. Each
guitar is taught :data:`DRAWS` times, different notes each time; the figures are the mean over them.
Three ways are compared: the standard model, the personal head alone (as before the setup's lean was
learnt) and the app's way (the lean, then the head), all by the app's own
:class:`~buzzfinder_app.personal.head.PersonalHead`; and the 15 shared clips of another guitar judged
with each taught profile (the fewest of them judged right over all draws).
"""

from __future__ import annotations

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.personal.head import PersonalHead

DRAWS = 20
PER_CLASS = 5
BUZZY, CLEAN, MUTED = (C.LABELS.index(k) for k in ("buzzy", "clean", "muted"))
WAYS = ("standard", "head", "lean_and_head")


def guitars(sources: np.ndarray) -> dict[str, tuple[str, str | None]]:
    """Each guitar of a left-out group: (source of its buzzy and clean notes, source of its muted ones).

    >>> guitars(np.array(["sf-A-jazz", "sf-A-muted-electric", "model-nylon"]))
    {'model-nylon': ('model-nylon', 'model-nylon'), 'sf-A-jazz': ('sf-A-jazz', 'sf-A-muted-electric')}
    """
    names = sorted(set(str(s) for s in sources))
    out = {}
    for s in names:
        if "muted" in s:
            continue
        if s.startswith("sf-"):
            bank = "-".join(s.split("-")[:2]) + "-"
            muted = [m for m in names if m.startswith(bank) and "muted" in m]
            out[s] = (s, muted[0] if muted else None)
        else:
            out[s] = (s, s)
    return out


def _fit(way: str, emb, y, probs, setup):
    return None if way == "standard" else PersonalHead.fit(emb, y, probs, setup, lean=way == "lean_and_head")


def run(probs, emb, setup, y, source, copy, real: tuple | None = None, draws: int = DRAWS, seed: int = 0) -> dict:
    """Per guitar of the left-out group: notes judged, and per way the mean number of clean notes heard
    buzzy, buzzy notes not heard buzzy and muted notes not heard muted; with ``real`` =
    (probs, emb, setup, labels) of the shared clips, the fewest of them right with a taught profile.
    A guitar with fewer than two kinds of note that can be taught (10 untouched notes each) is left out."""
    out = {}
    untouched = np.asarray(copy) == -1
    for guitar, (played, muted) in guitars(source).items():
        pools = {label: np.flatnonzero(untouched & (source == src) & (y == label))
                 for label, src in ((BUZZY, played), (CLEAN, played), (MUTED, muted)) if src}
        pools = {label: idx for label, idx in pools.items() if len(idx) >= 2 * PER_CLASS}
        if len(pools) < 2:  # a profile needs two kinds of note
            continue
        rng = np.random.default_rng(seed)
        sums = {way: np.zeros(3) for way in WAYS}
        real_right = {way: [] for way in WAYS}
        for _ in range(draws):
            picks = {label: rng.choice(idx, PER_CLASS, replace=False) for label, idx in pools.items()}
            taught = np.concatenate(list(picks.values()))
            judged = np.concatenate([np.setdiff1d(pools[label], pick) for label, pick in picks.items()])
            yj = y[judged]
            for way in WAYS:
                head = _fit(way, emb[taught], y[taught], probs[taught], setup[taught])
                heard = probs[judged] if head is None else head.predict(probs[judged], emb[judged], setup[judged])
                heard = heard.argmax(1)
                sums[way] += [np.sum(heard[yj == CLEAN] == BUZZY), np.sum(heard[yj == BUZZY] != BUZZY),
                              np.sum(heard[yj == MUTED] != MUTED)]
                if real is not None:
                    rp, re_, rs, ry = real
                    heard_real = rp if head is None else head.predict(rp, re_, rs)
                    real_right[way].append(int(np.sum(heard_real.argmax(1) == ry)))
        counts = [len(pools[label]) - PER_CLASS if label in pools else 0 for label in (CLEAN, BUZZY, MUTED)]
        out[guitar] = {"clean": counts[0], "buzzy": counts[1], "muted": counts[2], "draws": draws,
                       **{way: {"clean_heard_buzzy": round(float(sums[way][0] / draws), 2),
                                "buzz_missed": round(float(sums[way][1] / draws), 2),
                                "muted_wrong": round(float(sums[way][2] / draws), 2),
                                **({"shared_clips_fewest": min(real_right[way]), "shared_clips": len(real[3])}
                                   if real is not None else {})}
                          for way in WAYS}}
    return out


def totals(result: dict) -> dict:
    """The guitars of one left-out group added up: notes judged, and per way its three error counts."""
    keys = ("clean_heard_buzzy", "buzz_missed", "muted_wrong")
    out = {k: sum(g[k] for g in result.values()) for k in ("clean", "buzzy", "muted")}
    for way in WAYS:
        out[way] = {k: round(sum(g[way][k] for g in result.values()), 1) for k in keys}
        fewest = [g[way]["shared_clips_fewest"] for g in result.values() if "shared_clips_fewest" in g[way]]
        if fewest:
            out[way]["shared_clips_fewest"] = min(fewest)
    return out
