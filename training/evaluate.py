"""Numbers that judge a model: accuracy, confusion, calibration, the unsure threshold, and the
held-out schemes (leave one source out, k-fold over real clips) that train their own models.

Then the evaluation stages of ``python -m training all``, each returning its part of the results
that the report renders: calibration and the held-out generated notes, the real clips (as they are,
degraded, cut short, and k-fold fine-tuned), leave one source out, the feature comparison, the
teaching yardstick, the metrics written into the model's metadata, and the recipe experiments
(``python -m training experiments``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import DEFAULT_PARAMS
from training.data import Dataset, split_by_group
from training.recipe import Budget, build_data, train_config
from training.train import TrainConfig, embed, finetune, predict, set_temperature, train

#: Every feature kind of the comparison; the first is the shipped one.
COMPARED_FEATURES = ("logmel_floor_tonality", "logmel_floor", "logmel", "pcen", "mfcc")


def confusion(y_true, y_pred, n: int = len(C.LABELS)) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class."""
    m = np.zeros((n, n), np.int64)
    for t, p in zip(np.asarray(y_true, int), np.asarray(y_pred, int)):
        m[t, p] += 1
    return m


def summarise(probs: np.ndarray, y: np.ndarray) -> dict:
    """Correct count, accuracy and confusion matrix of argmax predictions (JSON-ready)."""
    pred = np.asarray(probs).argmax(axis=1) if len(probs) else np.zeros(0, int)
    correct = int(np.sum(pred == y))
    return {"n": int(len(y)), "correct": correct, "accuracy": correct / len(y) if len(y) else float("nan"),
            "confusion": confusion(y, pred).tolist(), "classes": sorted({C.LABELS[int(k)] for k in y})}


def reliability(probs: np.ndarray, y: np.ndarray, n_bins: int = 10) -> dict:
    """Accuracy against confidence in equal-width bins, and the expected calibration error."""
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    edges = np.linspace(1.0 / len(C.LABELS), 1.0, n_bins + 1)
    idx = np.clip(np.digitize(conf, edges) - 1, 0, n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        m = idx == b
        if m.any():
            bins.append({"lo": float(edges[b]), "hi": float(edges[b + 1]), "n": int(m.sum()),
                         "confidence": float(conf[m].mean()), "accuracy": float(right[m].mean())})
            ece += m.mean() * abs(conf[m].mean() - right[m].mean())
    return {"bins": bins, "ece": float(ece)}


def fit_temperature(probs: np.ndarray, y: np.ndarray) -> float:
    """The temperature T that makes ``softmax(log(probs) / T)`` most likely on held-out notes
    (temperature scaling, Guo et al. 2017): T > 1 softens an over-confident model."""
    logp = np.log(np.clip(np.asarray(probs, np.float64), 1e-12, 1.0))
    grid = np.exp(np.linspace(np.log(0.25), np.log(4.0), 97))

    def nll(t):
        z = logp / t
        z -= z.max(axis=1, keepdims=True)
        return -np.mean(z[np.arange(len(y)), y] - np.log(np.exp(z).sum(axis=1)))

    return float(grid[int(np.argmin([nll(t) for t in grid]))])


def choose_threshold(probs: np.ndarray, y: np.ndarray, floor: float = 0.8, step: float = 0.05,
                     min_count: int = 5) -> dict:
    """The unsure threshold: the lowest confidence above which every 0.05-wide band of validation
    predictions is still right at least ``floor`` of the time. Below it a verdict is wrong more
    than one time in five and accuracy falls off steeply, so the app says "unsure" instead.

    Bounded to [0.4, 0.8] so that the app neither never nor too often says "unsure".
    """
    conf = probs.max(axis=1)
    right = probs.argmax(axis=1) == y
    grid = np.round(np.arange(0.35, 1.0, step), 2)
    threshold = float(grid[0])
    for t in grid[::-1]:
        band = (conf >= t) & (conf < t + step)
        if band.sum() >= min_count and right[band].mean() < floor:
            threshold = round(float(t + step), 2)
            break
    threshold = float(np.clip(threshold, 0.4, 0.8))
    above = conf >= threshold
    return {"threshold": threshold, "floor": floor, "unsure_fraction": float(1 - above.mean()),
            "accuracy_above": float(right[above].mean()) if above.any() else float("nan"),
            "accuracy_below": float(right[~above].mean()) if (~above).any() else float("nan"),
            "why": (f"lowest confidence above which every {step:.2f}-wide band of held-out generated "
                    f"notes is at least {floor:.0%} right (bands with >= {min_count} notes), within [0.4, 0.8]")}


def source_group(source: str) -> str:
    """The leave-one-source-out unit: a modelled character, a soundfont (all its programs), or real."""
    parts = str(source).split("-")
    return "-".join(parts[:2]) if parts[0] == "sf" else str(source)


def leave_one_source_out(ds: Dataset, config: TrainConfig, val_fraction: float = 0.15, progress=None,
                         shared: Dataset | None = None) -> dict:
    """For each source group: train without it (early stopping on the rest), test on it, and teach its
    guitars to the model that never heard them (:mod:`training.teach_unseen`; with ``shared``, the
    shared clips judged with each taught profile)."""
    from buzzfinder_app.model.features import level_columns
    from buzzfinder_app.personal.gate import setup_descriptor
    from training import teach_unseen

    def outputs(model, part: Dataset):
        probs, emb = embed(model, part.x)
        return probs, emb, setup_descriptor(part.x[..., :level_columns(part.params)])

    groups = np.array([source_group(s) for s in ds.source])
    out = {}
    for name in sorted(set(groups)):
        held = groups == name
        tr, va = split_by_group(ds.subset(~held), val_fraction, config.seed)
        result = train(tr, va, config)
        test = ds.subset(held)
        probs, emb, setup = outputs(result.model, test)
        real = (*outputs(result.model, shared), shared.y) if shared is not None and len(shared) else None
        out[name] = summarise(probs, test.y) | {
            "train_seconds": result.seconds, "epochs": len(result.history["loss"]),
            "teaching": teach_unseen.run(probs, emb, setup, test.y, test.source, test.copy, real)}
        if progress:
            progress(name, out[name])
    return out


def folds(y: np.ndarray, k: int) -> np.ndarray:
    """Stratified fold index of each example (the i-th of each class goes to fold i mod k)."""
    f = np.zeros(len(y), int)
    for lab in np.unique(y):
        ix = np.flatnonzero(y == lab)
        f[ix] = np.arange(len(ix)) % k
    return f


def kfold_finetune(base_model, real_notes, replay: Dataset, config: TrainConfig, k: int = 5, copies: int = 8,
                   progress=None) -> tuple[np.ndarray, np.ndarray]:
    """Each real note judged by the base model fine-tuned on the other folds (never on itself).

    Returns (probabilities, labels) in the order of ``real_notes``.
    """
    from training.sources.real import augmented_real, real_dataset

    labels = np.array([C.LABELS.index(n.label) for n in real_notes])
    fold = folds(labels, k)
    probs = np.zeros((len(real_notes), len(C.LABELS)), np.float32)
    for f in range(k):
        train_notes = [n for n, g in zip(real_notes, fold) if g != f]
        test_notes = [n for n, g in zip(real_notes, fold) if g == f]
        new = augmented_real(train_notes, copies, seed=config.seed + f, params=replay.params)
        model = finetune(base_model, new, replay, config)
        probs[fold == f] = predict(model, real_dataset(test_notes, replay.params).x)
        if progress:
            progress(f, probs[fold == f], labels[fold == f])
    return probs, labels


# ---------------------------------------------------------------- the stages of `python -m training all`


def calibrate(model, va: Dataset) -> dict:
    """Temperature scaling fitted on the held-out notes and written into ``model``: the temperature,
    and the calibration error before it."""
    raw = predict(model, va.x)
    temperature = fit_temperature(raw, va.y)
    set_temperature(model, temperature)
    return {"t": temperature, "ece_before": reliability(raw, va.y)["ece"]}


def heldout(model, va: Dataset) -> dict:
    """The held-out generated notes (all copies, untouched ones, by source), calibration and the unsure threshold."""
    val_probs = predict(model, va.x)
    groups = np.array([source_group(x) for x in va.source])
    return {"heldout": summarise(val_probs, va.y),
            "heldout_untouched": summarise(val_probs[va.copy < 0], va.y[va.copy < 0]),
            "heldout_by_source": {g: summarise(val_probs[m], va.y[m]) for g in sorted(set(groups))
                                  for m in [groups == g]},
            "reliability": reliability(val_probs, va.y),
            "threshold": choose_threshold(val_probs, va.y)}


def real_clips(model, notes, params) -> dict:
    """The real clips as they are, through each fixed degradation, and cut short."""
    from training.augment import DEGRADATIONS, Cut
    from training.sources.real import real_dataset

    def judge(**kw):
        ds = real_dataset(notes, params, **kw)
        probs = predict(model, ds.x)
        return summarise(probs, ds.y) | {"probs": np.round(probs, 3).tolist(), "kept_s": ds.cut_s.tolist()}

    out = {"real": judge() | {"files": [n.path.name for n in notes]}}
    out["degradations"] = {k: judge(degrade_kind=k) for k in DEGRADATIONS}
    out["cuts"] = {str(t): judge(cut=Cut(length_s=t)) for t in (0.25, 0.5, 1.0, 2.0)}
    return out


def real_kfold(model, notes, replay, budget: Budget, seed: int) -> dict:
    """:func:`kfold_finetune` over the real clips with the budget's fine-tuning epochs."""
    config = replace(train_config(budget, seed, budget.finetune_epochs, "plateau"), learning_rate=3e-4)
    probs, labels = kfold_finetune(model, notes, replay, config, k=5,
                                   progress=lambda f, p, y: print(f"  fold {f}: {int((p.argmax(1) == y).sum())}/{len(y)}"))
    return summarise(probs, labels) | {"probs": np.round(probs, 3).tolist()}


def loso(ds: Dataset, budget: Budget, seed: int, real: dict | None, notes=()) -> dict:
    """:func:`leave_one_source_out` with the budget's epochs, and the real clips' result when judged
    (``notes``: the real clips, judged with each profile taught on a left-out guitar)."""
    from training import teach_unseen
    from training.sources.real import real_dataset

    def said(name, r):
        t = teach_unseen.totals(r["teaching"]) if r["teaching"] else None
        taught = (f"; taught its guitars: clean heard buzzy {t['standard']['clean_heard_buzzy']} -> "
                  f"{t['lean_and_head']['clean_heard_buzzy']} of {t['clean']}, buzz missed "
                  f"{t['standard']['buzz_missed']} -> {t['lean_and_head']['buzz_missed']} of {t['buzzy']}") if t else ""
        print(f"  without {name}: {r['correct']}/{r['n']}{taught}", flush=True)

    config = train_config(budget, seed, budget.eval_epochs)
    shared = real_dataset(list(notes), ds.params) if notes else None
    out = leave_one_source_out(ds, config, progress=said, shared=shared)
    if real:  # the shipped model never saw the real clips: it is their leave-out model
        out["real"] = {k: real[k] for k in ("n", "correct", "accuracy", "confusion", "classes")}
    return out


def feature_comparison(budget: Budget, seed: int, cache, notes, dropped, real_dir) -> dict:
    """Each of :data:`COMPARED_FEATURES` on the same small recipe (no Strat strings, to keep the
    time): held-out generated notes,
    leave-steel-out (train on the other sources, test on modelled steel), the real clips when
    present, and the yardstick on every fourth Strat test note (heard buzzy, all conditions
    together) and the shared clips under hiss."""
    from training import yardstick
    from training.sources.real import real_dataset

    out, small = {}, replace(budget, synth_n=budget.feature_n, sf_n=budget.feature_n, strat=False)
    for kind in COMPARED_FEATURES:
        params = DEFAULT_PARAMS.with_kind(kind)
        ds = build_data(small, seed, cache, params, dropped=dropped)
        steel = np.array([source_group(s) == "model-steel" for s in ds.source])
        tr, va = split_by_group(ds.subset(~steel), 0.15, seed)
        t0 = time.time()
        res = train(tr, va, train_config(budget, seed, budget.small_epochs, "plateau"))
        row = {"heldout": summarise(predict(res.model, va.x), va.y)["accuracy"],
               "steel_left_out": summarise(predict(res.model, ds.x[steel]), ds.y[steel])["accuracy"],
               "train_seconds": round(time.time() - t0, 1)}
        if notes:
            r = real_dataset(notes, params)
            row["real"] = summarise(predict(res.model, r.x), r.y)["accuracy"]
        yard = yardstick.run(lambda x: predict(res.model, x), params, real_dir if notes else None, every=4)
        row.update(yardstick.headline(yard))
        out[kind] = row
        print(f"  {kind}: {row}")
    return out


def teaching(model_path: Path, real_notes) -> dict:
    """The teaching yardstick of an exported model (the app's own personal head on the TFLite model)."""
    from buzzfinder_app.model.runtime import Model
    from training import teach_yardstick

    result = teach_yardstick.run(Model.load(model_path), real_notes=real_notes or None)
    print("\n".join("  " + line for line in teach_yardstick.summary_lines(result)), flush=True)
    return result


def key_metrics(results: dict) -> dict:
    """The ``metrics`` entry of the exported model's metadata: the headline figures of ``results``."""
    m = {"heldout_generated_accuracy": results["heldout"]["accuracy"],
         "heldout_generated_untouched_accuracy": results["heldout_untouched"]["accuracy"],
         "ece": results["reliability"]["ece"], "ece_before_temperature": results["temperature"]["ece_before"],
         "unsure_threshold": results["threshold"]["threshold"]}
    if results.get("yardstick"):
        from training.yardstick import headline

        m["yardstick"] = headline(results["yardstick"])
    if "real" in results:
        m["real_clips"] = f"{results['real']['correct']}/{results['real']['n']}"
        m["real_degraded"] = {k: f"{v['correct']}/{v['n']}" for k, v in results["degradations"].items()}
        m["real_cut"] = {k: f"{v['correct']}/{v['n']}" for k, v in results["cuts"].items()}
    if "kfold" in results:
        m["real_kfold_finetuned"] = f"{results['kfold']['correct']}/{results['kfold']['n']}"
    m["leave_one_source_out"] = {k: round(v["accuracy"], 4) for k, v in results.get("loso", {}).items()}
    return m


# ---------------------------------------------------------------- `python -m training experiments`


EXPERIMENTS = {  # name: (soundfonts, augmentation strength)
    "synth + soundfonts, strength 1 (shipped recipe)": (True, 1.0),
    "synth only, strength 1": (False, 1.0),
    "synth + soundfonts, no augmentation": (True, 0.0),
    "synth + soundfonts, strength 0.5": (True, 0.5),
    "synth + soundfonts, strength 1.5": (True, 1.5),
}


def recipe_experiments(budget: Budget, seed: int, cache, notes) -> dict:
    """The recipe experiments (soundfonts on/off, augmentation strength), as the report's log of them."""
    from training.augment import DEGRADATIONS, Cut
    from training.sources.real import real_dataset

    real_sets = {"real": [real_dataset(notes)], "degraded": [real_dataset(notes, degrade_kind=k) for k in DEGRADATIONS],
                 "cut_0.5": [real_dataset(notes, cut=Cut(length_s=0.5))]} if notes else {}
    runs = {}
    for name, (soundfonts, strength) in EXPERIMENTS.items():
        ds = build_data(budget, seed, cache, soundfonts=soundfonts, strength=strength)
        steel = np.array([source_group(s) == "model-steel" for s in ds.source])
        tr, va = split_by_group(ds.subset(~steel), 0.15, seed)
        model = train(tr, va, train_config(budget, seed, budget.small_epochs, "plateau")).model
        acc = lambda x, y: float(np.mean(predict(model, x).argmax(1) == y))  # noqa: E731
        row = {"heldout": acc(va.x, va.y), "steel_left_out": acc(ds.x[steel], ds.y[steel])}
        for key, sets in real_sets.items():
            right = sum(int(np.sum(predict(model, r.x).argmax(1) == r.y)) for r in sets)
            row[key] = f"{right}/{sum(len(r) for r in sets)}"
        runs[name] = row
        print(f"  {name}: {row}", flush=True)
    return {"note": (f"Each run: {budget.synth_n} modelled notes per class (+ {budget.sf_n} sampled per class "
                     f"when used), {budget.copies} augmented copies each, trained without modelled steel notes "
                     f"for at most {budget.small_epochs} epochs, seed {seed}. Decisions were taken on the "
                     "held-out and left-out generated columns; the real columns are a sanity check."),
            "runs": runs}
