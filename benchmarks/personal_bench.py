"""Adapting the model to a player's guitar: the personal head against fine-tuning the whole CNN.

    .venv/bin/python benchmarks/personal_bench.py

For 15 and 60 labelled notes (modelled notes through a dull microphone) it times what the app does
when the player presses "adapt" — read the notes, embed them with the shipped model, fit the head
with its leave-one-out blend — against one epoch of fine-tuning the whole CNN with TensorFlow
(what ``python -m training finetune`` does per epoch, TensorFlow's import excluded).
Target: well under a second. Results go to ``benchmarks/out/personal.json``.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app does, before numpy loads
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))


def notes(n: int) -> list[tuple[np.ndarray, str]]:
    """``n`` modelled notes, a third per class, through a dull microphone, cut as the app cuts them."""
    from buzzfinder_app import constants as C
    from buzzfinder_app.engine.onsets import strongest_onset
    from buzzfinder_app.engine.windows import note_window
    from training.sources.synth import generate_note

    sos = scipy.signal.butter(4, 3500, "low", fs=C.SAMPLE_RATE, output="sos")
    out = []
    for i in range(n):
        label = C.LABELS[i % 3]
        y = scipy.signal.sosfilt(sos, generate_note(label, 9000 + i).audio).astype(np.float32)
        out.append((note_window(y, strongest_onset(y) or 0), label))
    return out


def adapt_seconds(examples, model) -> dict:
    from buzzfinder_app.personal.adapt import fit_profile
    from buzzfinder_app.personal.profiles import ProfileStore

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BUZZFINDER_DATA_DIR"] = tmp
        store = ProfileStore()
        profile = store.create("bench")
        for window, label in examples:
            store.add_note(profile, window, label, "teach")
        t0 = time.perf_counter()
        result = fit_profile(store, profile, model)
        total = time.perf_counter() - t0
    return {"total_s": total, "embed_s": result.embed_seconds, "fit_s": result.seconds,
            "loo_before": result.loo_before, "loo_after": result.loo_after}


def finetune_epoch_seconds(examples) -> float:
    import keras

    from buzzfinder_app import constants as C
    from buzzfinder_app.model.features import extract_batch
    from training.model import build_model

    x = extract_batch([w for w, _ in examples])[..., None]
    y = keras.utils.to_categorical([C.LABELS.index(label) for _, label in examples], 3)
    model = build_model()
    model.compile(optimizer="adam", loss=["categorical_crossentropy", None])
    model.fit(x, [y, np.zeros((len(y), 64))], epochs=1, verbose=0)  # graph building, not counted
    t0 = time.perf_counter()
    model.fit(x, [y, np.zeros((len(y), 64))], epochs=1, batch_size=16, verbose=0)
    return time.perf_counter() - t0


def main() -> None:
    from buzzfinder_app.model.runtime import Model

    OUT.mkdir(parents=True, exist_ok=True)
    model = Model.load()
    results = {}
    for n in (15, 60):
        examples = notes(n)
        results[n] = adapt_seconds(examples, model) | {"finetune_epoch_s": finetune_epoch_seconds(examples)}
    (OUT / "personal.json").write_text(json.dumps(results, indent=2))
    print("| notes | adapt (embed + fit) | one fine-tuning epoch (TensorFlow) | ratio | LOO before -> after | target |")
    print("|---|---|---|---|---|---|")
    for n, r in results.items():
        print(f"| {n} | {r['total_s'] * 1e3:.0f} ms ({r['embed_s'] * 1e3:.0f} + {r['fit_s'] * 1e3:.0f}) | "
              f"{r['finetune_epoch_s'] * 1e3:.0f} ms | {r['finetune_epoch_s'] / r['total_s']:.1f}x faster | "
              f"{r['loo_before']:.0%} -> {r['loo_after']:.0%} | < 1 s |")


if __name__ == "__main__":
    main()
