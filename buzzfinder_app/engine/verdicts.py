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


#: The label whose hearing in the attack alone stands (:func:`final_verdict`).
BUZZY = "buzzy"


def final_verdict(whole: Verdict, attack: Verdict | None) -> Verdict:
    """A note's final verdict: its whole window's, unless the window of its first moments (the
    provisional verdict's, ``attack``) heard buzz that the whole window does not; then the attack's.

    Buzz is time-locked to the attack. Over the whole window a noise floor that rises as the note
    decays (a laptop's AGC pumping its noise) can outweigh it: through the laptop condition the
    shipped model showed 62 of 197 buzzy Strat notes buzzy on the whole window, 82 this way (most
    probable class: 105 -> 136). It made one of 198 clean Strat notes stopped by the hand buzzy, and
    no other clean note (the Strat's through every condition, the shared clips, 150 augmented
    modelled notes). And a note shown buzzy at first is not then called clean.

    >>> attack = Verdict.from_probs([0.9, 0.1, 0.0], ("buzzy", "clean", "muted"), 0.8)
    >>> whole = Verdict.from_probs([0.3, 0.7, 0.0], ("buzzy", "clean", "muted"), 0.8)
    >>> final_verdict(whole, attack).label, final_verdict(whole, None).label
    ('buzzy', 'unsure')
    """
    if attack is not None and attack.label == BUZZY and whole.label != BUZZY:
        return attack
    return whole
