"""A small personal head on the base model's embeddings, blended with the base model's verdict.

The head is an L2-regularised multinomial logistic regression on standardised embeddings, fitted with
Newton's method in numpy (a few milliseconds for tens of notes). Its verdict is blended geometrically
with the base model's, and only among the classes the player has taught: a class with no notes keeps
the base model's probability. The blend weight ``w`` is chosen by leave-one-out on the profile's own
notes, from a grid that includes ``w = 0`` (the base model alone).

>>> head = PersonalHead.fit(embeddings, labels, base_probs)     # doctest: +SKIP
>>> probs = head.predict(base_probs_new, embeddings_new)        # doctest: +SKIP
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.personal import files

#: Blend weights tried by leave-one-out; 0 is the base model alone, 1 the head alone.
BLENDS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))
#: L2 penalty on the head's weights (per note, on standardised embeddings).
L2 = 0.3
#: Fewest notes a class needs, and fewest classes, before a head can be fitted.
MIN_CLASSES = 2
_EPS = 1e-6


class HeadError(ValueError):
    """The head cannot be fitted or read; the message says why, for the user."""


def label_indices(labels) -> np.ndarray:
    """Labels as indices into :data:`C.LABELS`; accepts names or indices."""
    out = []
    for label in labels:
        if isinstance(label, str):
            if label not in C.LABELS:
                raise HeadError(f"unknown label {label!r} (expected one of {', '.join(C.LABELS)})")
            out.append(C.LABELS.index(label))
        else:
            out.append(int(label))
    idx = np.asarray(out, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= len(C.LABELS)):
        raise HeadError(f"label index out of range 0..{len(C.LABELS) - 1}")
    return idx


def check_enough(labels) -> None:
    """Raise :class:`HeadError` unless at least :data:`MIN_CLASSES` classes have a note each."""
    counts = np.bincount(label_indices(labels), minlength=len(C.LABELS))
    if np.count_nonzero(counts) < MIN_CLASSES:
        have = ", ".join(f"{n} {lab}" for lab, n in zip(C.LABELS, counts)) or "none"
        raise HeadError(f"too few notes to adapt: need at least one note of {MIN_CLASSES} different "
                        f"kinds ({'/'.join(C.LABELS)}); the profile has {have}")


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _fit_logistic(x: np.ndarray, y: np.ndarray, k: int, l2: float) -> np.ndarray:
    """Multinomial logistic regression by damped Newton; returns weights (d + 1, k), bias last."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    onehot = np.eye(k)[y]
    reg = np.full(d + 1, l2)
    reg[-1] = _EPS  # the bias is (almost) free
    w = np.zeros((d + 1, k))

    def loss(w):
        logits = xb @ w
        top = logits.max(axis=1)
        lse = np.log(np.exp(logits - top[:, None]).sum(axis=1)) + top
        return np.mean(lse - (logits * onehot).sum(axis=1)) + 0.5 * np.sum(reg[:, None] * w * w)

    current = loss(w)
    for _ in range(50):
        p = _softmax(xb @ w)
        grad = xb.T @ (p - onehot) / n + reg[:, None] * w
        # Hessian blocks H[a, b] = X^T diag(p_a (δ_ab - p_b)) X / n, plus the penalty.
        coupling = p[:, :, None] * (np.eye(k)[None] - p[:, None, :])
        hess = np.block([[(xb.T * coupling[:, a, b]) @ xb for b in range(k)] for a in range(k)]) / n
        hess += np.diag(np.tile(reg, k))
        step = np.linalg.solve(hess, grad.T.reshape(-1)).reshape(k, d + 1).T
        t = 1.0
        while (candidate := loss(w - t * step)) > current and t > 1e-3:
            t *= 0.5
        if candidate > current:
            break
        w -= t * step
        done = current - candidate < 1e-9
        current = candidate
        if done:
            break
    return w


def blend(base_probs: np.ndarray, head_probs: np.ndarray, classes: np.ndarray, w: float) -> np.ndarray:
    """Geometric blend of base and head among ``classes``; other classes keep the base probability."""
    base = np.clip(np.asarray(base_probs, dtype=np.float64), 1e-7, 1.0)
    base = base / base.sum(axis=1, keepdims=True)
    out = base.copy()
    if w == 0.0 or len(classes) < 2:
        return out
    seen = base[:, classes]
    mixed = np.exp((1.0 - w) * np.log(seen) + w * np.log(np.clip(head_probs, 1e-7, 1.0)))
    out[:, classes] = mixed / mixed.sum(axis=1, keepdims=True) * seen.sum(axis=1, keepdims=True)
    return out


@dataclass
class PersonalHead:
    """A fitted head: standardisation, logistic weights over the taught classes, and the blend weight."""

    classes: np.ndarray  # label indices the head was taught, ascending
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (embedding_dim + 1, len(classes)), bias last
    w: float  # blend weight chosen by leave-one-out
    loo_before: float = float("nan")  # leave-one-out accuracy of the base model on the profile's notes
    loo_after: float = float("nan")  # the same with the personal head (blend chosen without the held-out note)

    @classmethod
    def fit_raw(cls, embeddings, labels, w: float, l2: float = L2) -> "PersonalHead":
        """Fit the logistic part only, with a given blend weight (one class alone gives a no-op head)."""
        x = np.asarray(embeddings, dtype=np.float64)
        y = label_indices(labels)
        classes = np.unique(y)
        mean = x.mean(axis=0)
        # Floor the spread so a dimension that barely varies in a few notes is not blown up.
        scale = np.sqrt(x.var(axis=0) + 0.1 * x.var(axis=0).mean() + _EPS)
        if len(classes) < 2:
            weights = np.zeros((x.shape[1] + 1, len(classes)))
        else:
            weights = _fit_logistic((x - mean) / scale, np.searchsorted(classes, y), len(classes), l2)
        return cls(classes, mean, scale, weights, float(w))

    @classmethod
    def fit(cls, embeddings, labels, base_probs, l2: float = L2, blends=BLENDS) -> "PersonalHead":
        """Fit on a profile's notes and choose the blend weight by leave-one-out.

        ``embeddings`` (n, d) and ``base_probs`` (n, 3) are the base model's outputs for the notes,
        ``labels`` their true labels (names or indices). Raises :class:`HeadError` when too few.
        """
        check_enough(labels)
        y = label_indices(labels)
        base = np.asarray(base_probs, dtype=np.float64)
        loo_head = _loo_head_probs(np.asarray(embeddings, dtype=np.float64), y, l2)
        correct = np.stack([
            np.stack([blend(base[i:i + 1], p, c, w)[0].argmax() == y[i] for i, (p, c) in enumerate(loo_head)])
            for w in blends])  # (n_blends, n)
        losses = np.stack([
            np.stack([-np.log(blend(base[i:i + 1], p, c, w)[0, y[i]]) for i, (p, c) in enumerate(loo_head)])
            for w in blends])
        best = _choose(correct, losses, np.ones(len(y), dtype=bool))
        # Honest estimate: for each note, the blend is chosen on the other notes only.
        after = np.mean([correct[_choose(correct, losses, np.arange(len(y)) != i), i] for i in range(len(y))])
        head = cls.fit_raw(embeddings, y, blends[best], l2)
        head.loo_before = float(np.mean(base.argmax(axis=1) == y))
        head.loo_after = float(after)
        return head

    def head_probs(self, embeddings) -> np.ndarray:
        """The head's own probabilities over :attr:`classes`."""
        x = (np.asarray(embeddings, dtype=np.float64) - self.mean) / self.scale
        return _softmax(np.hstack([x, np.ones((len(x), 1))]) @ self.weights)

    def predict(self, base_probs, embeddings) -> np.ndarray:
        """Blended probabilities (n, 3) for the base model's probabilities and embeddings of n notes."""
        base = np.atleast_2d(np.asarray(base_probs, dtype=np.float64))
        emb = np.atleast_2d(np.asarray(embeddings, dtype=np.float64))
        return blend(base, self.head_probs(emb), self.classes, self.w).astype(np.float32)

    def to_arrays(self) -> dict:
        return {"classes": self.classes, "mean": self.mean, "scale": self.scale, "weights": self.weights,
                "scalars": np.array([self.w, self.loo_before, self.loo_after])}

    @classmethod
    def from_arrays(cls, a) -> "PersonalHead":
        w, before, after = (float(v) for v in a["scalars"])
        head = cls(np.asarray(a["classes"], dtype=np.int64), a["mean"], a["scale"], a["weights"], w, before, after)
        d, k = head.weights.shape
        if head.mean.shape != (d - 1,) or head.scale.shape != (d - 1,) or head.classes.shape != (k,):
            raise HeadError("personal head arrays have inconsistent shapes")
        return head

    def save(self, path: Path) -> None:
        """Write the head to ``path`` (.npz) atomically."""
        files.write_npz(path, self.to_arrays())

    @classmethod
    def load(cls, path: Path) -> "PersonalHead":
        """Read a head written by :meth:`save`; :class:`HeadError` if it is missing or damaged."""
        try:
            with np.load(Path(path), allow_pickle=False) as a:
                return cls.from_arrays({k: a[k] for k in a.files})
        except FileNotFoundError:
            raise HeadError(f"personal head {path} is missing") from None
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, io.UnsupportedOperation) as exc:
            raise HeadError(f"personal head {path} is damaged ({exc})") from None


def _loo_head_probs(x: np.ndarray, y: np.ndarray, l2: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each note, the head fitted on all other notes: (its probabilities for the note, its classes)."""
    out = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        head = PersonalHead.fit_raw(x[keep], y[keep], 1.0, l2)
        out.append((head.head_probs(x[i:i + 1]), head.classes))
    return out


def _choose(correct: np.ndarray, losses: np.ndarray, notes: np.ndarray) -> int:
    """Index of the blend with the best accuracy on ``notes``; ties go to the lower log-loss."""
    acc = correct[:, notes].mean(axis=1)
    loss = losses[:, notes].mean(axis=1)
    candidates = np.flatnonzero(acc >= acc.max() - 1e-12)
    return int(candidates[np.argmin(loss[candidates])])


def leave_one_out(embeddings, labels, base_probs, l2: float = L2, blends=BLENDS) -> tuple[float, float]:
    """Leave-one-out accuracy on a profile's notes: (base model alone, with the personal head)."""
    head = PersonalHead.fit(embeddings, labels, base_probs, l2, blends)
    return head.loo_before, head.loo_after
