"""What the app says about a note: the most likely class, or ``unsure`` when the model hesitates.

>>> v = Verdict.from_probs([0.2, 0.7, 0.1], ("buzzy", "clean", "muted"), unsure_threshold=0.5)
>>> v.label, round(v.confidence, 2)
('clean', 0.7)
>>> Verdict.from_probs([0.4, 0.35, 0.25], ("buzzy", "clean", "muted"), 0.5).label
'unsure'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

UNSURE = "unsure"


@dataclass(frozen=True)
class Verdict:
    """``label`` is one of the model's labels or ``unsure``; ``confidence`` is the top probability."""

    label: str
    confidence: float
    probs: dict[str, float]

    @classmethod
    def from_probs(cls, probs, labels, unsure_threshold: float) -> "Verdict":
        probs = np.asarray(probs, dtype=np.float64).reshape(-1)
        top = int(np.argmax(probs))
        confidence = float(probs[top])
        label = labels[top] if confidence >= unsure_threshold else UNSURE
        return cls(label, confidence, {name: float(p) for name, p in zip(labels, probs)})
