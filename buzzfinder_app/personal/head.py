"""What a profile's taught notes change: the setup's lean, and a small head on the base model's
embeddings blended with the base model's verdict.

First the setup's lean: three numbers added to the base model's log-probabilities (:func:`fit_bias`),
so that a guitar whose clean notes the model leans to hear as buzzy, or a microphone that hides its
rattle, is judged with that lean taken out. It applies to every note judged with the profile: the
lean belongs to the guitar and microphone, and the same guitar's other strings need it as much.
Measured on guitars the model never heard (``training``'s leave-one-source-out models, 5 notes of each
kind taught): it removes about a tenth of the errors on the guitar's other notes, where the head
alone removed a fortieth, and it never cost the 15 shared clips of another guitar a verdict.

Then the head: an L2-regularised multinomial logistic regression on standardised embeddings, fitted in
numpy by Böhning's bound optimisation (milliseconds for tens of notes). Its verdict is blended
geometrically with the base model's, and only among the classes the player has taught: a class with
no notes keeps the base model's probability. The blend weight ``w`` is chosen by leave-one-out on
the profile's own notes from a grid starting at ``w = 0`` (the base model with the lean), kept unless
a larger weight gets more notes right. A :class:`~buzzfinder_app.personal.gate.SetupGate` scales
``w`` down to 0 for notes that do not sound like the taught setup.

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
from buzzfinder_app.personal.gate import SetupGate

#: Blend weights tried by leave-one-out; 0 (first) is the base model alone, 1 the head alone.
BLENDS = tuple(float(w) for w in np.round(np.linspace(0.0, 1.0, 11), 2))
#: L2 penalty on the head's weights (per note, on standardised embeddings).
L2 = 0.3
#: L2 penalty on the setup's lean (per note, on log-probabilities): a kind the model already hears
#: right keeps a lean near 0. On the left-out guitars 0.03 / 0.1 / 0.3 left 182 / 180 / 185 errors.
BIAS_L2 = 0.1
#: Fewest classes with at least one note each before a head can be fitted.
MIN_CLASSES = 2
_EPS = 1e-6
_TOL = 1e-5  # gradient size at which the logistic fit stops
_MAX_STEPS = 5000


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


def _inverse_bound(x: np.ndarray, n: int, l2: float) -> np.ndarray:
    """Inverse of Böhning's bound on the logistic Hessian, ``X^T X / (2 n) + penalty``, for ``x``
    (with its bias column). It also bounds any subset of the rows when ``n`` is their count."""
    reg = np.full(x.shape[1], l2)
    reg[-1] = _EPS  # the bias is (almost) free
    return np.linalg.inv(0.5 * x.T @ x / n + np.diag(reg))


def _fit_logistic(x: np.ndarray, y: np.ndarray, k: int, l2: float, init: np.ndarray | None = None,
                  inverse_bound: np.ndarray | None = None) -> np.ndarray:
    """Multinomial logistic regression with an L2 penalty; returns weights (d + 1, k), bias last.

    Böhning's bound (the softmax Hessian is at most half the identity on class-centred weights)
    gives a fixed curvature matrix, inverted once: each step is monotone and costs three small
    matrix products, with no per-step solve (threaded LAPACK calls are slow on a busy machine).
    """
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    onehot = np.eye(k)[y]
    reg = np.full(d + 1, l2)
    reg[-1] = _EPS
    step = inverse_bound if inverse_bound is not None else _inverse_bound(xb, n, l2)
    w = np.zeros((d + 1, k)) if init is None else init - init.mean(axis=1, keepdims=True)
    for _ in range(_MAX_STEPS):
        grad = xb.T @ (_softmax(xb @ w) - onehot) / n + reg[:, None] * w
        if np.abs(grad).max() < _TOL:
            break
        w -= step @ grad
    return w


def fit_bias(base_probs, labels, l2: float = BIAS_L2) -> np.ndarray:
    """The setup's lean: offsets ``b`` (one per class of :data:`C.LABELS`; 0 for a class not taught) such
    that the base model's probabilities with :func:`with_bias` fit the taught notes best, with an L2
    penalty (Newton's method: convex, at most three unknowns). Like the head, it acts only among the
    taught classes: a class with no notes keeps its probability.

    >>> p = np.array([[0.6, 0.4, 0.0], [0.7, 0.3, 0.0], [0.1, 0.8, 0.1], [0.9, 0.1, 0.0]])
    >>> b = fit_bias(p, ["clean", "clean", "clean", "buzzy"])  # two of three clean notes heard buzzy
    >>> bool(b[C.LABELS.index("clean")] > 0 > b[C.LABELS.index("buzzy")]), float(b[C.LABELS.index("muted")])
    (True, 0.0)
    """
    y = label_indices(labels)
    classes = np.unique(y)
    b = np.zeros(len(C.LABELS))
    if len(classes) < 2:
        return b
    logp = np.log(np.clip(np.asarray(base_probs, dtype=np.float64)[:, classes], 1e-7, 1.0))
    onehot = np.eye(len(classes))[np.searchsorted(classes, y)]
    lean = np.zeros(len(classes))
    for _ in range(50):
        q = _softmax(logp + lean)
        grad = (q - onehot).mean(axis=0) + l2 * lean
        if np.abs(grad).max() < _TOL:
            break
        hess = (np.diag(q.mean(axis=0)) - q.T @ q / len(q)) + l2 * np.eye(len(lean))
        lean -= np.linalg.solve(hess, grad)
    b[classes] = lean
    return b


def _normalised(probs) -> np.ndarray:
    """Probabilities kept off 0 (their logarithms are taken) and summing to 1, float64."""
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-7, 1.0)
    return p / p.sum(axis=1, keepdims=True)


def with_bias(base_probs, bias) -> np.ndarray:
    """``base_probs`` with the setup's lean added to the logarithms of the classes it leans on (those
    with a non-zero offset), renormalised among them: the other classes keep their probability."""
    p = _normalised(base_probs)
    on = np.flatnonzero(np.asarray(bias) != 0)
    if len(on) < 2:
        return p
    seen = p[:, on]
    p[:, on] = _softmax(np.log(seen) + np.asarray(bias)[on]) * seen.sum(axis=1, keepdims=True)
    return p


def blend(base_probs: np.ndarray, head_probs: np.ndarray, classes: np.ndarray, w) -> np.ndarray:
    """Geometric blend of base and head among ``classes``; other classes keep the base probability.

    ``w`` is the head's weight: a number, or one per row as shape (n, 1).
    """
    base = _normalised(base_probs)
    out = base.copy()
    if len(classes) < 2:
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
    loo_before: float = float("nan")  # accuracy of the base model on the profile's notes
    loo_after: float = float("nan")  # leave-one-out accuracy with the head at the chosen blend (>= loo_before)
    loo_nested: float = float("nan")  # the same with the blend also chosen without the held-out note (unbiased)
    gate: SetupGate | None = None  # keeps the head to notes from the taught setup
    bias: np.ndarray | None = None  # the setup's lean (:func:`fit_bias`), on every note; None: no lean

    @property
    def tunes(self) -> bool:
        """Whether the profile changes any verdict's probabilities (a lean, or the head's weight)."""
        return self.w > 0 or (self.bias is not None and bool(np.any(self.bias != 0)))

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
    def fit(cls, embeddings, labels, base_probs, setup=None, l2: float = L2, blends=BLENDS,
            lean: bool = True) -> "PersonalHead":
        """Fit the lean and the head on a profile's notes and choose the blend weight by leave-one-out
        (each note judged with the lean and the head fitted without it).

        ``embeddings`` (n, d) and ``base_probs`` (n, 3) are the base model's outputs for the notes,
        ``labels`` their true labels (names or indices), ``setup`` their
        :func:`~buzzfinder_app.personal.gate.setup_descriptor` (optional: without it the head has no
        gate and applies to every note). ``blends`` are the head weights tried, the first being 0.
        ``lean=False`` fits the head alone (as before the lean was learnt; for comparison).
        Raises :class:`HeadError` when there are too few notes.
        """
        check_enough(labels)
        y = label_indices(labels)
        plain = np.asarray(base_probs, dtype=np.float64)
        bias, base = _loo_lean(plain, y) if lean else (np.zeros(len(C.LABELS)), plain)
        gate = SetupGate.fit(setup) if setup is not None else None
        opened = gate.loo if gate is not None else np.ones(len(y))
        grid = np.asarray(blends, dtype=np.float64)[:, None]
        # blended[i, j]: note i left out, blend weight j (times the gate the note would get)
        blended = np.stack([blend(np.repeat(base[i:i + 1], len(grid), 0), np.repeat(p, len(grid), 0), c,
                                  grid * opened[i])
                            for i, (p, c) in enumerate(_loo_head_probs(np.asarray(embeddings, np.float64), y, l2))])
        correct = (blended.argmax(axis=2) == y[:, None]).T  # (n_blends, n)
        losses = -np.log(blended[np.arange(len(y)), :, y]).T
        best = _choose(correct, losses, np.ones(len(y), dtype=bool))
        nested = np.mean([correct[_choose(correct, losses, np.arange(len(y)) != i), i] for i in range(len(y))])
        head = cls.fit_raw(embeddings, y, blends[best], l2)
        head.loo_before = float(np.mean(plain.argmax(axis=1) == y))
        head.loo_after = float(correct[best].mean())
        head.loo_nested = float(nested)
        head.gate = gate
        head.bias = bias
        return head

    def head_probs(self, embeddings) -> np.ndarray:
        """The head's own probabilities over :attr:`classes`."""
        x = (np.asarray(embeddings, dtype=np.float64) - self.mean) / self.scale
        return _softmax(np.hstack([x, np.ones((len(x), 1))]) @ self.weights)

    def predict(self, base_probs, embeddings, setup=None) -> np.ndarray:
        """Blended probabilities (n, 3) for the base model's probabilities and embeddings of n notes.

        With the notes' setup descriptors the head's weight is scaled by its gate (0 for a note
        unlike the taught setup); without them the gate is open.
        """
        base = np.atleast_2d(np.asarray(base_probs, dtype=np.float64))
        if self.bias is not None:
            base = with_bias(base, self.bias)
        emb = np.atleast_2d(np.asarray(embeddings, dtype=np.float64))
        w = self.w if self.gate is None or setup is None else self.w * self.gate(setup)[:, None]
        return blend(base, self.head_probs(emb), self.classes, w).astype(np.float32)

    def to_arrays(self) -> dict:
        return {"classes": self.classes, "mean": self.mean, "scale": self.scale, "weights": self.weights,
                "scalars": np.array([self.w, self.loo_before, self.loo_after, self.loo_nested]),
                **({"bias": self.bias} if self.bias is not None else {}),
                **(self.gate.to_arrays() if self.gate is not None else {})}

    @classmethod
    def from_arrays(cls, a) -> "PersonalHead":
        w, before, after, nested = (float(v) for v in a["scalars"])
        gate = SetupGate.from_arrays(a) if "gate_radius" in a else None
        bias = np.asarray(a["bias"], dtype=np.float64) if "bias" in a else None
        head = cls(np.asarray(a["classes"], dtype=np.int64), a["mean"], a["scale"], a["weights"], w, before, after,
                   nested, gate, bias)
        d, k = head.weights.shape
        if (head.mean.shape != (d - 1,) or head.scale.shape != (d - 1,) or head.classes.shape != (k,)
                or (bias is not None and bias.shape != (len(C.LABELS),))):
            raise HeadError("the profile's tuning is damaged (its arrays do not fit together)")
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
            raise HeadError(f"the profile's tuning {path} is missing") from None
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile, io.UnsupportedOperation) as exc:
            raise HeadError(f"the profile's tuning {path} is damaged ({exc})") from None


def _loo_lean(base: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The setup's lean fitted on all taught notes, and each note's base probabilities with the lean
    fitted without it (what leave-one-out judges it by). The lean is dropped (zeros) when, so judged,
    it gets fewer of the taught notes right than the base model alone."""
    loo = np.stack([with_bias(base[i:i + 1], fit_bias(base[np.arange(len(y)) != i], y[np.arange(len(y)) != i]))[0]
                    for i in range(len(y))])
    if np.mean(loo.argmax(axis=1) == y) < np.mean(base.argmax(axis=1) == y):
        return np.zeros(len(C.LABELS)), base
    return fit_bias(base, y), loo


def _loo_head_probs(x: np.ndarray, y: np.ndarray, l2: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each note, the head fitted on all other notes: (its probabilities for the note, its classes).

    For speed every fold uses the standardisation of all notes (it does not use their labels), one
    curvature bound, and starts from the weights fitted on all notes.
    """
    full = PersonalHead.fit_raw(x, y, 1.0, l2)
    z = np.hstack([(x - full.mean) / full.scale, np.ones((len(x), 1))])
    step = _inverse_bound(z, len(y) - 1, l2)
    out = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        classes = np.unique(y[keep])
        if len(classes) < 2:
            out.append((np.ones((1, 1)), classes))
            continue
        weights = _fit_logistic(z[keep, :-1], np.searchsorted(classes, y[keep]), len(classes), l2,
                                init=full.weights[:, np.searchsorted(full.classes, classes)], inverse_bound=step)
        out.append((_softmax(z[i:i + 1] @ weights), classes))
    return out


def _choose(correct: np.ndarray, losses: np.ndarray, notes: np.ndarray) -> int:
    """Index of the blend with the best accuracy on ``notes``, ties to the lower log-loss; the first
    blend (the base model alone) unless another one gets more of the notes right."""
    acc = correct[:, notes].mean(axis=1)
    if acc.max() <= acc[0]:
        return 0
    loss = losses[:, notes].mean(axis=1)
    candidates = np.flatnonzero(acc >= acc.max() - 1e-12)
    return int(candidates[np.argmin(loss[candidates])])


def leave_one_out(embeddings, labels, base_probs, l2: float = L2, blends=BLENDS) -> tuple[float, float]:
    """Accuracy on a profile's notes: (base model alone, personal head by leave-one-out at the chosen blend)."""
    head = PersonalHead.fit(embeddings, labels, base_probs, l2=l2, blends=blends)
    return head.loo_before, head.loo_after
