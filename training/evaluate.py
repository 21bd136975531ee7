"""Numbers that judge a model: accuracy, confusion, calibration, the unsure threshold, and the
held-out schemes (leave one source out, k-fold over real clips) that train their own models."""

from __future__ import annotations

import numpy as np

from buzzfinder_app import constants as C
from training.data import Dataset, split_by_group
from training.train import TrainConfig, finetune, predict, train


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


def leave_one_source_out(ds: Dataset, config: TrainConfig, val_fraction: float = 0.15, progress=None) -> dict:
    """For each source group: train without it (early stopping on the rest), test on it."""
    groups = np.array([source_group(s) for s in ds.source])
    out = {}
    for name in sorted(set(groups)):
        held = groups == name
        tr, va = split_by_group(ds.subset(~held), val_fraction, config.seed)
        result = train(tr, va, config)
        test = ds.subset(held)
        out[name] = summarise(predict(result.model, test.x), test.y) | {"train_seconds": result.seconds,
                                                                         "epochs": len(result.history["loss"])}
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
