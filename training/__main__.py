"""``python -m training`` (or ``buzzfinder-train``): build data, train, evaluate, export.

    python -m training all --seed 0                 # the shipped model and its report, from nothing
    python -m training all --seed 0 --drop-source MuseScore   # without a source (recorded in the metadata)
    python -m training all --seed 0 --quick         # the same pipeline on a tiny budget (a smoke test)
    python -m training all --seed 0 --large --out big/  # twice the notes (not the shipped recipe; slower)
    python -m training data | train | export | report
    python -m training loso --out assets            # rerun leave one source out (and teaching) into a report
    python -m training features --out assets        # rerun the feature comparison into a report
    python -m training yardstick --model M.tflite   # a model on a stranger's setup (and taught there)
    python -m training yardstick --report assets    # ... the shipped model, its report rewritten with them
    python -m training experiments                  # the recipe experiments logged in the report
    python -m training prepare TAKE.wav --out notes/    # cut a take into notes to sort into class folders
    python -m training finetune FOLDER --out my.tflite  # adapt the model to your guitar and microphone
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from buzzfinder_app.model.features import DEFAULT_PARAMS  # noqa: E402
from training.provenance import run_provenance  # noqa: E402
from training.recipe import FULL, LARGE, QUICK, build_data, model_cache, train_config, training_summary  # noqa: E402
from training.sources.real_strings import STRAT_DIR  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
REAL_DIR = REPO.parent / "shared" / "data" / "real"


def budget_of(args):
    return QUICK if args.quick else LARGE if args.large else FULL


class Stages:
    """Wall time of each named stage, printed as it ends."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        print(f"== {name}", flush=True)
        t0 = time.time()
        yield
        self.seconds[name] = round(time.time() - t0, 1)
        print(f"== {name}: {self.seconds[name]:.1f} s", flush=True)


def recipe_sources(args) -> tuple:
    """The sources dropped on purpose; stops with one line when another recipe source is missing
    (a ``--quick`` smoke test drops whatever is missing, saying so)."""
    from training.provenance import check_sources, missing_sources

    dropped = tuple(args.drop_source or ())
    if args.quick:
        extra = tuple(sorted(set(missing_sources(STRAT_DIR)) - set(dropped)))
        if extra:
            print(f"(quick run without the missing sources {', '.join(extra)})")
        return dropped + extra
    check_sources(STRAT_DIR, dropped)
    return dropped


def _real_dir(args) -> Path:
    return Path(args.real) if args.real else REAL_DIR


def _real_notes(args):
    from training.sources.real import load_labelled_folder

    folder = _real_dir(args)
    if not folder.is_dir():
        print(f"(no real clips at {folder}: their sections are skipped)")
        return []
    return load_labelled_folder(folder)


def _saved_results(out: Path) -> dict:
    """The results a run saved beside its report (``out/report/results.json``)."""
    return json.loads((out / "report" / "results.json").read_text())


def _rewrite_report(out: Path, results: dict) -> None:
    """Render ``out``'s report again from ``results`` and the metadata of ``out``'s model."""
    from training import report

    report.write(results, out / "report", json.loads((out / "buzzfinder.json").read_text()))


# ---------------------------------------------------------------- commands


def cmd_all(args) -> None:
    """Data → train → evaluate (every held-out scheme) → export → report."""
    from training import evaluate, report, yardstick
    from training.data import split_by_group
    from training.export import export_model, max_abs_difference
    from training.provenance import describe_sources
    from training.train import predict, train

    budget = budget_of(args)
    dropped = recipe_sources(args)
    stages, t_start = Stages(), time.time()
    results: dict = {"budget": budget.__dict__, "quick": bool(args.quick), "dropped_sources": list(dropped)}
    with stages("data"):
        ds = build_data(budget, args.seed, args.cache, dropped=dropped)
    tr, va = split_by_group(ds, 0.15, args.seed)
    results["data"] = {"train": tr.counts(), "validation": va.counts(), "examples": len(ds)}
    with stages("train"):
        res = train(tr, va, train_config(budget, args.seed), progress=True)
    model = res.model
    results["history"], results["best_epoch"] = res.history, res.best_epoch
    with stages("evaluate"):
        results["temperature"] = evaluate.calibrate(model, va)
        model_cache(args.cache).mkdir(parents=True, exist_ok=True)
        model.save(model_cache(args.cache) / f"buzzfinder-seed{args.seed}.keras")
        results.update(evaluate.heldout(model, va))
        notes = _real_notes(args)
        if notes:
            results.update(evaluate.real_clips(model, notes, ds.params))
    with stages("yardstick"):
        results["yardstick"] = yardstick.run(lambda x: predict(model, x), ds.params, _real_dir(args) if notes else None)
        print("\n".join("  " + line for line in yardstick.summary_lines(results["yardstick"])), flush=True)
    if notes:
        with stages("k-fold with real clips"):
            results["kfold"] = evaluate.real_kfold(model, notes, tr, budget, args.seed)
    with stages("leave one source out"):
        results["loso"] = evaluate.loso(ds, budget, args.seed, results.get("real"), notes)
    out = Path(args.out)
    results.update(_earlier_feature_comparison(out))
    results["timings"] = stages.seconds
    with stages("export"):
        meta = export_model(model, out / "buzzfinder.tflite", ds.params,
                            unsure_threshold=results["threshold"]["threshold"], version=f"seed{args.seed}",
                            training=training_summary(ds, tr, va, budget, res) | {
                                "sources": describe_sources(STRAT_DIR, dropped), "dropped_sources": list(dropped),
                                "temperature": results["temperature"]["t"]},
                            metrics=evaluate.key_metrics(results),
                            provenance=run_provenance(args.seed))
        results["export_max_abs_diff"] = max_abs_difference(model, out / "buzzfinder.tflite", va.x[:32])
    if STRAT_DIR.is_dir():
        with stages("teaching"):
            results["teaching"] = evaluate.teaching(out / "buzzfinder.tflite", notes)
    results["timings"] = stages.seconds
    results["timings"]["total"] = round(time.time() - t_start, 1)
    meta.provenance["wall_time_s"] = results["timings"]["total"]
    meta.save(out / "buzzfinder.json")
    report.write(results, out / "report", meta.to_dict())
    print(f"wrote {out / 'buzzfinder.tflite'} and {out / 'report' / 'REPORT.md'} in {results['timings']['total']:.0f} s")


def cmd_yardstick(args) -> None:
    """Judge an exported model (default: the shipped one) on both yardsticks and the teaching one."""
    from buzzfinder_app.model.runtime import Model
    from training import yardstick
    from training.evaluate import teaching

    folder = Path(args.report) if args.report else None
    path = (folder / "buzzfinder.tflite" if folder else Path(args.model) if args.model
            else REPO / "assets" / "buzzfinder.tflite")
    model, notes = Model.load(path), _real_notes(args)
    result = {"model": str(path), "yardstick": yardstick.run(model.predict, model.params, _real_dir(args) if notes else None)}
    print("\n".join(yardstick.summary_lines(result["yardstick"])), flush=True)
    if STRAT_DIR.is_dir():
        result["teaching"] = teaching(path, notes)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    if folder:  # into that run's report, as `all` would have written them
        results = _saved_results(folder)
        results.update({k: v for k, v in result.items() if k != "model"})
        _rewrite_report(folder, results)
        print(f"rewrote {folder / 'report' / 'REPORT.md'} with the yardstick and teaching rerun")


def cmd_data(args) -> None:
    """Build (or find in the cache) the training set and print what it holds."""
    ds = build_data(budget_of(args), args.seed, args.cache)
    print(json.dumps({"examples": len(ds), "per_source": ds.counts()}, indent=1))


def cmd_train(args) -> None:
    """Train on the cached data and export (no report)."""
    from training.data import split_by_group
    from training.evaluate import choose_threshold
    from training.export import export_model
    from training.train import predict, train

    budget = budget_of(args)
    ds = build_data(budget, args.seed, args.cache)
    tr, va = split_by_group(ds, 0.15, args.seed)
    res = train(tr, va, train_config(budget, args.seed), progress=True)
    model_cache(args.cache).mkdir(parents=True, exist_ok=True)
    res.model.save(model_cache(args.cache) / f"buzzfinder-seed{args.seed}.keras")
    th = choose_threshold(predict(res.model, va.x), va.y)
    export_model(res.model, Path(args.out) / "buzzfinder.tflite", ds.params, unsure_threshold=th["threshold"],
                 version=f"seed{args.seed}", training=training_summary(ds, tr, va, budget, res),
                 provenance=run_provenance(args.seed))
    print(f"wrote {Path(args.out) / 'buzzfinder.tflite'}")


def cmd_export(args) -> None:
    """Export a saved Keras model (default: the last one trained with this seed)."""
    import keras

    from training.export import export_model

    path = Path(args.model) if args.model else model_cache(args.cache) / f"buzzfinder-seed{args.seed}.keras"
    export_model(keras.models.load_model(path), Path(args.out) / "buzzfinder.tflite", DEFAULT_PARAMS,
                 version=f"seed{args.seed}", provenance=run_provenance(args.seed))
    print(f"wrote {Path(args.out) / 'buzzfinder.tflite'}")


def cmd_report(args) -> None:
    """Re-render the report from the results saved beside the model."""
    out = Path(args.out)
    _rewrite_report(out, _saved_results(out))


def cmd_loso(args) -> None:
    """Rerun leave one source out (and teaching the left-out guitars) into a run's results and report."""
    from training import evaluate

    out = Path(args.out)
    results = _saved_results(out)
    budget = budget_of(args)
    dropped = tuple(results.get("dropped_sources", ()))
    ds = build_data(budget, args.seed, args.cache, dropped=dropped)
    t0 = time.time()
    results["loso"] = evaluate.loso(ds, budget, args.seed, results.get("real"), _real_notes(args))
    results["loso_rerun"] = run_provenance(args.seed) | {"eval_epochs": budget.eval_epochs}
    results.setdefault("timings", {})["leave one source out"] = round(time.time() - t0, 1)
    _rewrite_report(out, results)
    print(f"rewrote {out / 'report' / 'REPORT.md'} with leave one source out rerun ({time.time() - t0:.0f} s)")


def _earlier_feature_comparison(out: Path) -> dict:
    """The feature comparison of the report already in ``out`` (``python -m training features`` makes it;
    `all` leaves it out to spend its time on the left-out models)."""
    earlier = _saved_results(out) if (out / "report" / "results.json").is_file() else {}
    return {k: earlier[k] for k in ("features", "features_run") if k in earlier}


def cmd_features(args) -> None:
    """Rerun the feature comparison (log-mel, floor, tonality, PCEN, MFCC) into a run's results and report."""
    from training import evaluate

    out = Path(args.out)
    results = _saved_results(out)
    dropped = tuple(results.get("dropped_sources", ()))
    t0 = time.time()
    results["features"] = evaluate.feature_comparison(budget_of(args), args.seed, args.cache, _real_notes(args),
                                                      dropped, _real_dir(args))
    results["features_run"] = run_provenance(args.seed) | {"seconds": round(time.time() - t0, 1)}
    _rewrite_report(out, results)
    print(f"rewrote {out / 'report' / 'REPORT.md'} with the feature comparison ({time.time() - t0:.0f} s)")


def cmd_prepare(args) -> None:
    from training.sources.real import prepare

    written = prepare(args.take, args.out)
    print(f"wrote {len(written)} notes to {args.out}; sort them into {args.out}/buzzy, clean and muted")


def cmd_finetune(args) -> None:
    """Fine-tune the whole CNN on a labelled folder (mixed with replayed generated notes) and export."""
    import keras

    from training.export import export_model
    from training.sources.real import augmented_real, load_labelled_folder
    from training.train import finetune

    budget = budget_of(args)
    base = Path(args.base) if args.base else model_cache(args.cache) / f"buzzfinder-seed{args.seed}.keras"
    if not base.is_file():
        sys.exit(f"no Keras base model at {base}: run `python -m training train --seed {args.seed}` first "
                 "(or pass --base)")
    notes = load_labelled_folder(args.folder)
    new = augmented_real(notes, copies=8, seed=args.seed)
    replay = build_data(budget, args.seed, args.cache)
    config = replace(train_config(budget, args.seed, args.epochs, "plateau"), learning_rate=3e-4)
    model = finetune(keras.models.load_model(base), new, replay, config)
    shipped = REPO / "assets" / "buzzfinder.json"  # keep the shipped model's unsure threshold
    threshold = json.loads(shipped.read_text()).get("unsure_threshold", 0.5) if shipped.is_file() else 0.5
    export_model(model, Path(args.out), DEFAULT_PARAMS, unsure_threshold=threshold, version=f"finetuned-seed{args.seed}",
                 training={"base": str(base), "folder": str(args.folder), "notes": len(notes),
                           "epochs": args.epochs}, provenance=run_provenance(args.seed))
    print(f"wrote {args.out}")


def cmd_experiments(args) -> None:
    """The recipe experiments (soundfonts on/off, augmentation strength), logged for the report."""
    from training.evaluate import recipe_experiments

    budget = QUICK if args.quick else replace(FULL, synth_n=60, sf_n=30)
    log = recipe_experiments(budget, args.seed, args.cache, _real_notes(args))
    path = Path(args.out) / "report" / "experiments.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(log, indent=1) + "\n")
    print(f"wrote {path}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def add(name, fn, *, out=True):
        s = sub.add_parser(name, help=(fn.__doc__ or "").splitlines()[0] if fn.__doc__ else None)
        s.add_argument("--seed", type=int, default=0)
        s.add_argument("--cache", type=Path, default=None, help="dataset cache (default ~/.cache/buzzfinder)")
        size = s.add_mutually_exclusive_group()
        size.add_argument("--quick", action="store_true", help="tiny data and epochs (smoke test)")
        size.add_argument("--large", action="store_true", help="twice the modelled and sampled notes (slower; not the shipped recipe)")
        s.add_argument("--real", type=Path, default=None, help=f"labelled real clips (default {REAL_DIR})")
        if out:
            s.add_argument("--out", default=str(REPO / "assets"), help="folder for the model and report")
        s.set_defaults(fn=fn)
        return s

    add("all", cmd_all).add_argument("--drop-source", action="append", metavar="NAME",
                                     help="leave a recipe source out on purpose: FluidR3, TimGM6mb, MuseScore or strat")
    add("data", cmd_data, out=False)
    add("train", cmd_train)
    add("export", cmd_export).add_argument("--model", default=None, help="a saved .keras model")
    add("report", cmd_report)
    add("loso", cmd_loso)
    add("features", cmd_features)
    s = add("yardstick", cmd_yardstick, out=False)
    s.add_argument("--model", default=None, help="an exported .tflite (default: the shipped model)")
    s.add_argument("--json", default=None, help="also write the figures to this file")
    s.add_argument("--report", default=None, metavar="DIR",
                   help="judge DIR's model and rewrite DIR's report with the figures (e.g. assets)")
    add("experiments", cmd_experiments)
    s = add("prepare", cmd_prepare, out=False)
    s.add_argument("take")
    s.add_argument("--out", required=True)
    s = add("finetune", cmd_finetune, out=False)
    s.add_argument("folder")
    s.add_argument("--out", required=True, help="the new .tflite (its .json is written beside it)")
    s.add_argument("--base", default=None, help="the Keras model to start from")
    s.add_argument("--epochs", type=int, default=6)
    args = p.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
