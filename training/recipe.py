"""The shipped recipe: how many notes and epochs (a :class:`Budget`), the training configuration,
the training set it builds from every source, and what the model's metadata says of its training."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from buzzfinder_app.model.features import DEFAULT_PARAMS, FeatureParams


@dataclass(frozen=True)
class Budget:
    """Sizes and epochs of one run; ``FULL`` makes the shipped model within 30 minutes on 2 cores,
    ``LARGE`` twice the modelled and sampled notes (not rerun for this recipe), ``QUICK`` is a smoke test."""

    synth_n: int = 600  # modelled notes per class (nylon and steel alternate)
    sf_n: int = 360  # sampled notes per class
    copies: int = 2  # augmented copies per note, plus the untouched note
    strength: float = 1.0
    epochs: int = 28  # the shipped model, with a cosine-decaying rate (a fixed time within the budget)
    patience: int = 8
    eval_epochs: int = 8  # leave-one-source-out models, likewise (the feature comparison, apart, paid for 5 -> 8)
    finetune_epochs: int = 4
    strat: bool = True  # the real Strat strings of the training split, three classes each
    feature_n: int = 40  # notes per class of the feature comparison and the recipe experiments
    small_epochs: int = 15  # their models (small data: epochs are cheap)


FULL = Budget()
QUICK = Budget(synth_n=12, sf_n=6, copies=1, epochs=2, patience=1, eval_epochs=1, finetune_epochs=1, feature_n=6,
               small_epochs=1, strat=False)
#: Twice the notes (its figures: the report's recipe notes).
LARGE = replace(FULL, synth_n=1200, sf_n=720)


def train_config(budget: Budget, seed: int, epochs: int | None = None, schedule: str = "cosine"):
    """The shipped and left-out models decay their rate over a fixed number of epochs; the small
    models of the comparisons and the fine-tuning runs pass ``schedule="plateau"``."""
    from training.train import TrainConfig

    return TrainConfig(epochs=epochs or budget.epochs, patience=budget.patience, seed=seed, schedule=schedule)


def build_data(budget: Budget, seed: int, cache: Path | None, params: FeatureParams = DEFAULT_PARAMS,
               soundfonts: bool = True, strength: float | None = None, dropped=()):
    """Modelled notes, sampled ones and the real Strat strings, with their augmented copies, cached.
    ``dropped``: source names (a soundfont's short name, or ``strat``) left out on purpose."""
    from training.data import Dataset, Recipe, build
    from training.provenance import RECIPE_SOUNDFONTS, STRAT

    common = dict(seed=seed, copies=budget.copies, strength=budget.strength if strength is None else strength,
                  params=params)
    parts = [build(Recipe(kind="synth", n_per_class=budget.synth_n, **common), cache, progress=True)]
    fonts = tuple(name for name, (path, _) in RECIPE_SOUNDFONTS.items() if name not in dropped and Path(path).is_file())
    if soundfonts and budget.sf_n and fonts:
        parts.append(build(Recipe(kind="soundfont", n_per_class=budget.sf_n, soundfonts=fonts, **common), cache,
                           progress=True))
    if budget.strat and STRAT not in dropped:
        parts.append(build(Recipe(kind="strat", n_per_class=0, **common), cache, progress=True))
    return Dataset.concat(parts)


def model_cache(cache: Path | None) -> Path:
    """Where trained Keras models are kept (beside the dataset cache)."""
    from training.data import default_cache_dir

    return (Path(cache) if cache else default_cache_dir()) / "models"


def training_summary(ds, tr, va, budget: Budget, res) -> dict:
    """The ``training`` entry of the exported model's metadata."""
    return {"examples": len(ds), "train_examples": len(tr), "validation_examples": len(va),
            "per_source": ds.counts(), "budget": budget.__dict__, "epochs_run": len(res.history["loss"]),
            "best_epoch": res.best_epoch, "train_seconds": round(res.seconds, 1),
            "augmentation": "every class alike: hand-damped after 0.1-0.4 s (a rub or the string's bright contact), "
                            "mic colouring, gain, a floor of hiss/room tone 24-60 dB below the peak or mains hum of any "
                            "harmonic spectrum 18-60 dB below it, reverb RT60 "
                            "0.1-0.8 s, 8-16 kHz, compression/soft clip, 7-11-bit quantisation, file starting at the "
                            "note, onset jitter ±50 ms, cut after 0.25-2 s (a late rattle is never stopped or cut "
                            "before it has sounded 0.1 s)"}
