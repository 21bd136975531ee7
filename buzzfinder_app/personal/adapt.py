"""Glue between profiles, the base model and the personal head: embed, fit, load, classify.

>>> store = ProfileStore()                                              # doctest: +SKIP
>>> result = fit_profile(store, store.get("Nylon + USB mic"), model)    # doctest: +SKIP
>>> head = profile_head(store, store.get("Nylon + USB mic"), model)     # doctest: +SKIP
>>> engine = NoteEngine(model, classify=profile_classifier(model, head))  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.model.features import extract_batch, level_columns
from buzzfinder_app.personal import files
from buzzfinder_app.personal.gate import setup_descriptor
from buzzfinder_app.personal.head import HeadError, PersonalHead, check_enough
from buzzfinder_app.personal.profiles import Profile, ProfileError, ProfileStore


@dataclass
class FitResult:
    loo_before: float  # accuracy of the base model alone on the profile's notes
    loo_after: float  # leave-one-out accuracy with the personal head at the chosen blend (>= loo_before)
    loo_nested: float  # the same with the blend also chosen without the held-out note (unbiased, can be lower)
    n_notes: int
    seconds: float  # time to fit the head and its gate (leave-one-out included), embeddings excluded
    embed_seconds: float  # time to read the notes and compute their features and embeddings
    blend: float  # weight of the head in the blend (0 = base model only)
    counts: dict  # notes per label
    skipped: tuple[str, ...] = ()  # one "note ID (path) cannot be read: …" per note left out
    lean: tuple[float, ...] = ()  # the setup's lean per label (:func:`~buzzfinder_app.personal.head.fit_bias`)

    @property
    def tunes(self) -> bool:
        """Whether what was taught changes the verdicts (a lean, or the head's weight)."""
        return self.blend > 0 or any(self.lean)


@lru_cache(maxsize=4)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_fingerprint(model) -> dict:
    """What identifies the base model a head was fitted on: its version and the file's SHA-256."""
    st = Path(model.path).stat()
    return {"version": model.metadata.version, "sha256": _file_sha256(str(model.path), st.st_size, st.st_mtime_ns)}


def notes_digest(notes) -> str:
    """A short hash of which notes, with which labels, a head was fitted on."""
    return hashlib.sha256(";".join(f"{n.id}={n.label}" for n in notes).encode()).hexdigest()[:16]


def embed_notes(model, windows) -> tuple[np.ndarray, np.ndarray]:
    """Base-model probabilities (n, 3) and embeddings (n, d) of note windows (arrays at SAMPLE_RATE)."""
    probs, emb, _ = embed_features(model, extract_batch(list(windows), model.params))
    return probs, emb


def embed_features(model, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base-model probabilities, embeddings and setup descriptors (from the level planes alone: a
    note's tonality is the string's, not the setup's) of a batch of feature matrices."""
    levels = features[..., :level_columns(model.params)]
    if not len(features):
        return (np.zeros((0, len(C.LABELS)), np.float32), np.zeros((0, model.metadata.embedding_dim), np.float32),
                np.zeros((0, levels.shape[-1])))
    probs, emb = model.predict_with_embedding(features)
    return probs, emb, setup_descriptor(levels)


def fit_profile(store: ProfileStore, profile: Profile | str, model) -> FitResult:
    """Fit the profile's head on its notes, save it beside them and report leave-one-out accuracy.

    A note whose WAV cannot be read is left out (listed in ``skipped`` and in ``head.json``).
    Raises :class:`ProfileError` when the profile has too few readable notes or the head cannot be written.
    """
    profile = store.resolve(profile)
    notes = store.notes(profile)
    start = time.perf_counter()
    windows, used, skipped = [], [], []
    for note in notes:
        try:
            windows.append(note.read())
            used.append(note)
        except ProfileError as exc:
            skipped.append(str(exc))
    labels = [n.label for n in used]
    counts = {label: labels.count(label) for label in C.LABELS}
    try:
        check_enough(labels)
    except HeadError as exc:
        raise ProfileError(f"profile {profile.name!r}: {exc}" + "".join(f"; {s}" for s in skipped)) from None
    probs, emb, setup = embed_features(model, extract_batch(windows, model.params))
    embedded = time.perf_counter()
    head = PersonalHead.fit(emb, labels, probs, setup)
    seconds = time.perf_counter() - embedded
    result = FitResult(head.loo_before, head.loo_after, head.loo_nested, len(used), seconds, embedded - start,
                       head.w, counts, tuple(skipped), tuple(float(b) for b in head.bias))
    npz, info = store.head_paths(profile)
    try:
        head.save(npz)
        files.write_json(info, {
            "base_model": model_fingerprint(model), "notes": notes_digest(notes), "n_notes": len(used),
            "skipped": skipped,
            "counts": counts, "blend": head.w, "lean": list(result.lean), "tunes": result.tunes,
            "loo_before": head.loo_before, "loo_after": head.loo_after,
            "loo_nested": head.loo_nested,
            "fit_seconds": round(seconds, 4), "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        })
    except files.StorageError as exc:
        raise ProfileError(str(exc)) from None
    return result


def head_info(store: ProfileStore, profile: Profile | str) -> dict | None:
    """The saved ``head.json`` of a profile, or ``None`` if it has no (readable) head."""
    try:
        return files.read_json(store.head_paths(profile)[1])
    except files.StorageError:
        return None


def head_status(store: ProfileStore, profile: Profile | str, model) -> str:
    """``"current"``, ``"none"``, ``"stale"`` (notes changed), ``"other-model"`` (base model changed) or
    ``"old-fit"`` (fitted before the setup's lean was learnt)."""
    profile = store.resolve(profile)
    info = head_info(store, profile)
    if info is None or not store.head_paths(profile)[0].is_file():
        return "none"
    if info.get("base_model") != model_fingerprint(model):
        return "other-model"
    if info.get("notes") != notes_digest(store.notes(profile)):
        return "stale"
    if "lean" not in info:
        return "old-fit"
    return "current"


def load_head(store: ProfileStore, profile: Profile | str, model) -> PersonalHead:
    """The saved head, refused (:class:`ProfileError`) unless fitted on this model and these notes."""
    profile = store.resolve(profile)
    status = head_status(store, profile, model)
    reasons = {"none": "is not tuned yet", "stale": "has notes it was not tuned on",
               "other-model": "was tuned with another standard model",
               "old-fit": "was tuned by an older buzzfinder"}
    if status != "current":
        raise ProfileError(f"profile {profile.name!r} {reasons[status]}: tune it again")
    try:
        return PersonalHead.load(store.head_paths(profile)[0])
    except HeadError as exc:
        raise ProfileError(str(exc)) from None


def profile_head(store: ProfileStore, profile: Profile | str, model) -> PersonalHead | None:
    """The profile's head for this model, refitted if the notes or the base model changed;
    ``None`` while the profile has too few notes to adapt."""
    profile = store.resolve(profile)
    if head_status(store, profile, model) == "current":
        try:
            return load_head(store, profile, model)
        except ProfileError:
            pass  # damaged head file: fit again below
    try:
        check_enough([n.label for n in store.notes(profile)])
    except HeadError:
        return None
    fit_profile(store, profile, model)
    return load_head(store, profile, model)


def profile_classifier(model, head: PersonalHead | None):
    """A ``classify(features[n, 89, 64]) -> probs[n, 3]`` for ``NoteEngine(classify=...)``."""
    if head is None:
        return model.predict

    def classify(features: np.ndarray) -> np.ndarray:
        features = np.asarray(features, dtype=np.float32)
        probs, emb, setup = embed_features(model, features[None] if features.ndim == 2 else features)
        return head.predict(probs, emb, setup)

    return classify
