"""The evaluation report beside the model: ``REPORT.md``, its PNG plots and ``results.json``.

It only renders numbers computed elsewhere (``python -m training all``); sections whose data is
absent are kept with a note saying why.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from training.teach_unseen import DRAWS, WAYS as TEACH_WAYS, totals as teach_totals

#: The yardstick's goals: the most Strat clean notes heard buzzy (as recorded, through each
#: condition either way, stopped by the hand), and the fewest shared clips right under hiss.
STRAT_GOALS = {"plain": 0.01, "condition": 0.05, "hand_damped": 0.10}
HISS_GOALS = {"buzzy/40dB": 5, "buzzy/30dB": 3, "clean/40dB": 5, "clean/30dB": 5}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curves(history: dict, path: Path) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for key, ax in (("loss", axes[0]), ("accuracy", axes[1])):
        for prefix, style in (("", "-"), ("val_", "--")):
            if prefix + key in history:
                ax.plot(np.arange(1, len(history[prefix + key]) + 1), history[prefix + key], style,
                        label="validation" if prefix else "train")
        ax.set_xlabel("epoch")
        ax.set_title(key)
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_confusions(named: dict[str, list], path: Path) -> None:
    """Confusion matrices side by side (rows true, columns predicted)."""
    plt = _plt()
    n = len(named)
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.9 * cols, 2.8 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, (title, m) in zip(axes.flat, named.items()):
        m = np.asarray(m)
        ax.imshow(m, cmap="Blues")
        for i in range(m.shape[0]):
            for j in range(m.shape[1]):
                ax.text(j, i, int(m[i, j]), ha="center", va="center",
                        color="white" if m[i, j] > m.max() / 2 else "black", fontsize=9)
        ax.set_xticks(range(len(C.LABELS)), C.LABELS, fontsize=8)
        ax.set_yticks(range(len(C.LABELS)), C.LABELS, fontsize=8)
        ax.set_title(title, fontsize=9)
    fig.supxlabel("predicted", fontsize=9)
    fig.supylabel("true", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_reliability(rel: dict, threshold: float, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4, 3.6))
    b = rel["bins"]
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
    ax.plot([x["confidence"] for x in b], [x["accuracy"] for x in b], "o-", label="held-out generated")
    for x in b:
        ax.annotate(str(x["n"]), (x["confidence"], x["accuracy"]), fontsize=7, xytext=(2, -9),
                    textcoords="offset points")
    ax.axvline(threshold, color="red", alpha=0.5, label=f"unsure threshold {threshold:.2f}")
    ax.set_xlim(0.3, 1.0)
    ax.set_ylim(0.0, 1.02)
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"reliability (ECE {rel['ece']:.3f})", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _frac(r: dict) -> str:
    return f"{r['correct']}/{r['n']} ({100 * r['accuracy']:.1f} %)"


def _check(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _targets(results: dict) -> list[str]:
    lines = ["## Targets", "", "| target | goal | result | |", "|---|---|---|---|"]
    for case, r in results.get("yardstick", {}).get("hiss", {}).items():
        goal = HISS_GOALS.get(case)
        if goal is not None:
            lines.append(f"| shared {case.replace('/', ' clips, hiss ')} below the peak after 0.5 s: judged right | "
                         f">= {goal}/{r['n']} | {r['correct']}/{r['n']} | {_check(r['correct'] >= goal)} |")
    for case, r in results.get("yardstick", {}).get("strat", {}).items():
        goal = STRAT_GOALS.get(case, STRAT_GOALS["condition"])
        lines.append(f"| Strat clean notes (strings never trained on), {case.replace('/', ', ').replace('_', ' ')}: "
                     f"heard buzzy | <= {100 * goal:.0f} % | {r['buzzy']}/{r['n']} ({100 * r['rate']:.1f} %) | "
                     f"{_check(r['rate'] <= goal)} |")
    h = results["heldout"]
    lines.append(f"| held-out generated notes, all copies (augmented and untouched) | >= 96 % | {_frac(h)} | "
                 f"{_check(h['accuracy'] >= 0.96)} |")
    u = results["heldout_untouched"]
    lines.append(f"| held-out generated notes, untouched only | >= 96 % | {_frac(u)} | {_check(u['accuracy'] >= 0.96)} |")
    if "real" in results:
        r = results["real"]
        lines.append(f"| 15 real clips (model never saw them) | 15/15 | {_frac(r)} | {_check(r['correct'] == r['n'])} |")
        for k, v in results["degradations"].items():
            lines.append(f"| real clips, {k} | >= 13/15 | {_frac(v)} | {_check(v['correct'] >= v['n'] - 2)} |")
        c = results["cuts"]["0.5"]
        lines.append(f"| real clips cut to 0.5 s | >= 13/15 | {_frac(c)} | {_check(c['correct'] >= c['n'] - 2)} |")
    for k, v in results.get("loso", {}).items():
        lines.append(f"| leave-one-source-out: {k} ({', '.join(v['classes'])}) | >= 88 % | {_frac(v)} | "
                     f"{_check(v['accuracy'] >= 0.88)} |")
    for k, v in results.get("loso", {}).items():
        if not v.get("teaching"):
            continue
        both = teach_totals(v["teaching"])
        t, n = both["lean_and_head"], both["clean"]
        heard = t["clean_heard_buzzy"]
        lines.append(f"| taught 5 notes of each kind of a guitar never heard ({k}): its other clean notes heard "
                     f"buzzy (mean of {DRAWS} draws) | <= 5 % | {heard:.1f}/{n} ({100 * heard / max(1, n):.1f} %) | "
                     f"{_check(heard <= 0.05 * n)} |")
        if "shared_clips_fewest" in t:
            lines.append(f"| ... and the 15 shared clips with each such profile | lose nothing (15) | "
                         f"{t['shared_clips_fewest']}/15 at worst | {_check(t['shared_clips_fewest'] >= 15)} |")
    for kind, r in results.get("teaching", {}).items():
        heard = sum(r[w]["after"] for w in TAUGHT_WAYS)
        n = sum(r[w]["n"] for w in TAUGHT_WAYS)
        lines.append(f"| taught 5 notes of each kind through {kind}: other clean notes of that guitar heard buzzy | "
                     f"<= 5 % | {heard}/{n} ({100 * heard / max(1, n):.1f} %) | {_check(heard <= 0.05 * n)} |")
        if "shared_clips" in r:
            c = r["shared_clips"]
            lines.append(f"| ... and the 15 shared clips after that teaching | lose nothing ({c['before']}) | "
                         f"{c['after']}/{c['n']} | {_check(c['after'] >= c['before'])} |")
    return lines + [""]


TAUGHT_WAYS = ("channel_before", "at_note")


def _teaching(results: dict) -> list[str]:
    t = results.get("teaching")
    if not t:
        return []
    lines = ["## Teaching a setup", "",
             "A player's profile taught through each condition with 5 clean, 5 buzzy and 5 muted notes of the "
             "Strat's A string (the app's own setup's lean, personal head and setup gate on the exported model); "
             "then clean notes of its G and high E strings (every second one) through the same condition, judged "
             "with and without the profile, buzzy notes of those strings through it (as live), and the 15 shared "
             "clips of another guitar judged with it.", "",
             "| taught through | head's weight | clean heard buzzy, channel before: base -> taught | clean heard "
             "buzzy, file at the note: base -> taught | buzzy heard buzzy: base -> taught | shared clips right: "
             "base -> taught |", "|---|---|---|---|---|---|"]
    for kind, r in t.items():
        c, b = r.get("shared_clips", {}), r.get("buzzy_heard")
        lines.append(f"| {kind} | {r['blend']:.1f} | " + " | ".join(
            f"{r[w]['before']} -> {r[w]['after']} of {r[w]['n']}" for w in TAUGHT_WAYS)
            + (f" | {b['before']} -> {b['after']} of {b['n']}" if b else " | n/a")
            + (f" | {c['before']} -> {c['after']} of {c['n']} |" if c else " | n/a |"))
    return lines + [""]


def _teaching_unseen(results: dict) -> list[str]:
    groups = {k: teach_totals(v["teaching"]) for k, v in results.get("loso", {}).items() if v.get("teaching")}
    if not groups:
        return []
    lines = ["## Teaching a guitar the model never heard", "",
             "Each leave-one-source-out model (below) is taught 5 buzzy, 5 clean and 5 muted untouched notes of "
             "one guitar of the source it never heard (a soundfont's program, its muted notes from the same "
             "soundfont's muted program, judged with each of its guitars' profiles and so counted once per "
             "guitar; a modelled character or the real Strat strings as a whole), by the "
             f"app's own `PersonalHead`, {DRAWS} times with different notes; its other untouched notes are then "
             "judged (mean over the draws, summed over the source's guitars), and the 15 shared clips of another "
             "guitar with each taught profile (the fewest right over all draws). Three ways: the standard model, "
             "the personal head alone (the app before stop 23) and the app's way now (the setup's lean, then the "
             "head).", "",
             "| left out | clean heard buzzy: standard / head / lean + head | buzz missed: standard / head / "
             "lean + head | muted missed: standard / head / lean + head | shared clips at worst: head / lean + head |",
             "|---|---|---|---|---|"]
    for k, t in groups.items():
        cells = [" / ".join(f"{t[w][key]:.1f}" for w in TEACH_WAYS) + f" of {t[n]}"
                 for key, n in (("clean_heard_buzzy", "clean"), ("buzz_missed", "buzzy"), ("muted_wrong", "muted"))]
        shared = " / ".join(str(t[w].get("shared_clips_fewest", "n/a")) for w in TEACH_WAYS[1:])
        lines.append(f"| {k} | " + " | ".join(cells) + f" | {shared} |")
    return lines + [""]


def _heard_buzzy_rows(yard: dict, part: str) -> list[str]:
    from training.yardstick import STRAT_PARTS, heard_buzzy

    return [f"| Strat {STRAT_PARTS[part]}, {k.replace('/', ', ')} | {heard_buzzy(r)} |" for k, r in yard[part].items()]


def _yardstick(results: dict) -> list[str]:
    y = results.get("yardstick", {})
    if not y:
        return ["## A stranger's setup: the yardstick", "", "Skipped: the shared recordings are absent.", ""]
    lines = ["## A stranger's setup: the yardstick", "",
             "Clean notes of the shared Stratocaster's A, G and high E strings (never trained on: the model "
             "learnt from its low E, D and B strings), through five ordinary conditions: with the channel heard "
             "for 0.5 s before the note (as live) and with the file starting at the note (as `classify` is often "
             "given one); and stopped by the hand 0.1-0.4 s after the pluck. The conditions: a far, quiet "
             "microphone (small room, hiss 37 dB below the peak, -26 dB); a laptop microphone (250 Hz-6 kHz, "
             "pink noise 30 dB below the peak, AGC, soft clipping); a reverberant room (RT60 0.5 s); mains hum "
             "and pink noise at 25 dB SNR; a 16-kHz headset (7 kHz low-pass, 8 bits). Each is heard as the app "
             "hears it: the headset's 8-bit grid is dithered, as a file or (since stop 21) a live input found on "
             "a coarse grid is; `headset_undithered` is the model alone on that grid, at the note. Then the "
             "shared buzzy and clean clips after 0.5 s of white hiss 50, 40 and 30 dB below their peak.", "",
             "| case | heard buzzy |", "|---|---|"]
    lines += _heard_buzzy_rows(y, "strat")
    if y.get("strat_buzzy"):
        lines += ["", "Buzzy notes of the same strings (the recorded string striking a modelled fret, as the "
                  "training's buzzy Strat notes are made), as made and through the same conditions: is the buzz "
                  "still heard?", "", "| case | heard buzzy |", "|---|---|"]
        lines += _heard_buzzy_rows(y, "strat_buzzy")
    lines += ["", "| shared clips under hiss | judged right |", "|---|---|"]
    lines += [f"| {k} | {r['correct']}/{r['n']} |" for k, r in y.get("hiss", {}).items()]
    return lines + [""]


def _per_clip(results: dict) -> list[str]:
    r = results["real"]
    heads = ["as recorded"] + list(results["degradations"]) + ["cut 0.5 s"]
    cols = [r] + list(results["degradations"].values()) + [results["cuts"]["0.5"]]
    if "kfold" in results:
        heads.append("k-fold fine-tuned")
        cols.append(results["kfold"])
    lines = ["| clip | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    for i, name in enumerate(r["files"]):
        cells = []
        for c in cols:
            p = np.asarray(c["probs"][i])
            cells.append(f"{C.LABELS[int(p.argmax())]} {p.max():.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def write(results: dict, out_dir: Path, metadata: dict) -> Path:
    """Render ``results`` (from ``python -m training all``) into ``out_dir``: ``results.json``, the
    plots and ``REPORT.md``, one function per section (in the order they appear)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    _plots(results, out_dir)
    md = [*_header(results, metadata), *_targets(results), *_yardstick(results), *_teaching(results),
          *_teaching_unseen(results),
          *_training_data(results), *_learning_curves(results), *_confusions(results), *_real_clips(results),
          *_left_out(results), *_calibration(results), *_features(results), *_how_chosen(), *_experiments(out_dir),
          *_timings(results)]
    path = out_dir / "REPORT.md"
    path.write_text("\n".join(md))
    return path


def _plots(results: dict, out_dir: Path) -> None:
    plot_learning_curves(results["history"], out_dir / "learning_curves.png")
    plot_reliability(results["reliability"], results["threshold"]["threshold"], out_dir / "reliability.png")
    conf = {"held-out generated (all)": results["heldout"]["confusion"],
            "held-out generated (untouched)": results["heldout_untouched"]["confusion"]}
    if "real" in results:
        conf["real clips"] = results["real"]["confusion"]
        if "kfold" in results:
            conf["real, k-fold fine-tuned"] = results["kfold"]["confusion"]
    plot_confusions(conf, out_dir / "confusion_main.png")
    if "real" in results:
        plot_confusions({k: v["confusion"] for k, v in results["degradations"].items()}, out_dir / "confusion_degraded.png")
        plot_confusions({f"cut to {k} s": v["confusion"] for k, v in results["cuts"].items()}, out_dir / "confusion_cut.png")
    if results.get("loso"):
        plot_confusions({f"without {k}": v["confusion"] for k, v in results["loso"].items()}, out_dir / "confusion_loso.png")


def _header(results: dict, metadata: dict) -> list[str]:
    prov = metadata.get("provenance", {})
    return [
        "# buzzfinder model report",
        "",
        f"Model `buzzfinder.tflite` version `{metadata.get('version')}`, made by `{prov.get('command')}` "
        f"(seed {prov.get('seed')}, commit {prov.get('git_commit')}, {prov.get('date')}), "
        f"wall time {results['timings'].get('total', float('nan')):.0f} s."
        + (" **Quick run (smoke-test budget): these numbers mean nothing.**" if results.get("quick") else ""),
        "",
        "Every figure below is from a model that never saw the notes it is judged on. The 15 real clips "
        "(one nylon guitar, one microphone) are a sanity check of transfer, not a tuning set: the shipped "
        "model was trained on modelled and sampled notes and on the shared Stratocaster's low E, D and B "
        "strings; its A, G and high E strings are the yardstick's.",
        "",
    ]


def _training_data(results: dict) -> list[str]:
    return [
        "## Training data",
        "",
        f"{results['data']['examples']} examples (each note untouched plus {results['budget']['copies']} augmented "
        "copies; validation split by note so that copies of one note never straddle it).",
        "",
        "| source | buzzy | clean | muted |",
        "|---|---|---|---|",
        *[f"| {s} | {c.get('buzzy', 0)} | {c.get('clean', 0)} | {c.get('muted', 0)} |"
          for s, c in sorted(_merge(results["data"]["train"], results["data"]["validation"]).items())],
        "",
    ]


def _learning_curves(results: dict) -> list[str]:
    return [
        "## Learning curves",
        "",
        f"Best epoch {results['best_epoch']} of {len(results['history']['loss'])} (the rate decays over the "
        "planned epochs; the weights of the epoch with the lowest validation loss are kept).",
        "",
        "![learning curves](learning_curves.png)",
        "",
        "Held-out generated notes by source (validation split, all copies):",
        "",
        "| source | classes | result |",
        "|---|---|---|",
        *[f"| {k} | {', '.join(v['classes'])} | {_frac(v)} |" for k, v in results.get("heldout_by_source", {}).items()],
        "",
    ]


def _confusions(results: dict) -> list[str]:
    return [
        "## Confusion matrices",
        "",
        "(a) held-out generated notes; (b) the real clips judged by the shipped model, and by 5-fold "
        "fine-tuning (the shipped model fine-tuned on four fifths of the clips, judging the fifth).",
        "",
        "![confusion](confusion_main.png)",
        "",
    ]


def _real_clips(results: dict) -> list[str]:
    if "real" not in results:
        return ["(b)-(d) skipped: the real clips (../shared/data/real) are absent.", ""]
    return ["(c) the real clips through the five fixed degradations:", "", "![degraded](confusion_degraded.png)", "",
            "(d) windows cut short after the onset:", "",
            "| cut | " + " | ".join(results["cuts"]) + " |", "|---" * (len(results["cuts"]) + 1) + "|",
            "| real clips | " + " | ".join(f"{v['correct']}/{v['n']}" for v in results["cuts"].values()) + " |",
            "", "![cut](confusion_cut.png)", "", "Per clip (prediction and confidence):", "", *_per_clip(results), ""]


def _made_by(run: dict) -> str:
    """The command, commit and day of a run that made part of the results, for the text."""
    return f"`{run['command']}` (commit {run['git_commit']}, {run['date'][:10]}"


def _left_out(results: dict) -> list[str]:
    if not results.get("loso"):
        return []
    rerun = results.get("loso_rerun")
    epochs = (rerun or {}).get("eval_epochs", results["budget"].get("eval_epochs", "?"))
    return ["(e) leave one source out: for each source a model trained without it, tested on it "
            f"({epochs} epochs with a cosine-decaying rate, fewer than the "
            "shipped model's to keep `all` within its time: an underestimate of a fully trained model; the real "
            "clips' left-out model is the shipped one)."
            + (f" Rerun after the shipped model was made, by {_made_by(rerun)}): the same recipe's data and seed."
               if rerun else ""), "",
            "| left out | classes | result | train s |", "|---|---|---|---|",
            *[f"| {k} | {', '.join(v['classes'])} | {_frac(v)} | {v.get('train_seconds', 0):.0f} |"
              for k, v in results["loso"].items()], "", "![loso](confusion_loso.png)", ""]


def _calibration(results: dict) -> list[str]:
    t = results.get("temperature")
    th = results["threshold"]
    return ["## Calibration and the unsure threshold", "",
            (f"Temperature scaling: the logits are divided by **{t['t']:.2f}** (fitted on the held-out generated "
             f"notes and written into the exported model's last layer): expected calibration error "
             f"{t['ece_before']:.3f} -> {results['reliability']['ece']:.3f}. " if t else "")
            + f"Unsure threshold **{th['threshold']:.2f}**: {th['why']}. On held-out generated notes "
            f"{100 * th['unsure_fraction']:.1f} % fall below it; accuracy above it "
            f"{100 * th['accuracy_above']:.1f} %, below it {100 * th['accuracy_below']:.1f} %.", "",
            "![reliability](reliability.png)", ""]


def _features(results: dict) -> list[str]:
    if not results.get("features"):
        return []
    f, run = results["features"], results.get("features_run")
    return ["## Features: log-mel + floor + tonality, log-mel + floor, log-mel, PCEN, MFCC+Δ+ΔΔ", "",
            f"Same small recipe ({results['budget'].get('feature_n', '?')} modelled and sampled notes per class, "
            f"no Strat strings), same seed, at most {results['budget'].get('small_epochs', '?')} epochs; "
            "trained without modelled steel notes; the yardstick on every fourth Strat test note. "
            "`logmel_floor` is log-mel with, beside it, each band's level above the window's own background "
            "(its 10th percentile over the frames that hold sound); `logmel_floor_tonality` (shipped) adds each "
            "band's tonality (arithmetic over geometric mean power of its bins); `pcen` is per-channel energy "
            "normalisation (librosa's constants). Small models: a noisy comparison, one seed; since the late "
            "rattles joined the recipe, 40 notes per class are too few for any of them to learn buzz from a "
            "clean note (Strat clean notes heard buzzy 18-64 %), so this table no longer ranks the features: "
            "the full-size runs in the recipe notes below do."
            + (f" Made by {_made_by(run)}, {run['seconds']:.0f} s); `all` no longer makes it (its time goes to "
               "the left-out models): `python -m training features` reruns it." if run else ""), "",
            "| features | held-out generated | modelled steel left out | real clips | Strat heard buzzy: plain "
            "/ 5 conditions / hand-damped | shared buzzy under hiss 50/40/30 dB | shared clean under hiss "
            "50/40/30 dB | train s |",
            "|---|---|---|---|---|---|---|---|",
            *[f"| {k} | {100 * v['heldout']:.1f} % | {100 * v['steel_left_out']:.1f} % | "
              f"{_pct(v.get('real'))} | {_pct(v.get('strat_plain_buzzy'))} / "
              f"{_pct(v.get('strat_conditions_buzzy'))} / {_pct(v.get('strat_damped_buzzy'))} | "
              f"{' / '.join(str(v.get(f'hiss_buzzy/{d}dB', 'n/a')) for d in (50, 40, 30))} | "
              f"{' / '.join(str(v.get(f'hiss_clean/{d}dB', 'n/a')) for d in (50, 40, 30))} | "
              f"{v['train_seconds']:.0f} |"
              for k, v in f.items()], ""]


def _how_chosen() -> list[str]:
    """What was tried on the way to this recipe, and what it did (written by hand, not computed)."""
    return ["## How the recipe was chosen", "",
            "- Retrained at stop 27 and not kept: the same recipe with the real recordings read the way the engine "
            "now reads a stream (the DC offset's estimate starting at the mean of the first 0.1 s, not at the first "
            "sample, which had made a stream that began inside a hum's cycle start near silence and then rise into a "
            "phantom note). Only the Strat set changed: its notes start 1-3 samples earlier. The run (3849 s, seed 0) "
            "against the shipped model: held-out 93.5 % (93.3), untouched 98.8 % (98.3); Strat buzz heard through "
            "the laptop 63.5 / 65.5 % (58.9 / 55.3), the headset 92.4 / 91.9 % (87.8 / 92.9), the room 98.0 % "
            "(97.0), the far microphone 85.8 / 86.8 % (86.3 / 87.3); clean Strat notes stopped by the hand heard "
            "buzzy 1.5 % (3.0), the undithered headset 5.1 % (6.6), the far microphone live 0 % (1.0); left out "
            "82.9 / 85.9 / 90.0 / 91.8 / 89.4 / 84.7 % (82.4 / 85.7 / 89.5 / 91.9 / 90.5 / 84.3); but the shared "
            "clips through the laptop 13 of 15 (15: buzzy10 and clean10 heard muted), profiles of a guitar never "
            "heard lose shared clips (12 / 14 / 13 of 15 at worst for modelled nylon, the Strat and TimGM6mb; "
            "15 before) and MuseScore's taught clean notes heard buzzy 6.8 % (4.1). Four figures of the targets "
            "met before would not be, none not met before would be, and the yardstick itself moves as much when "
            "only its Strat notes start 1-3 samples earlier (the shipped model: laptop buzz at the note 55.3 -> "
            "58.4 %, the undithered headset 6.6 -> 6.1 %): the two models differ by training's noise. The shipped "
            "model stays, and training reads the recordings as its data were made (the Strat set bit for bit the "
            "same); the app's engine starts its estimate the new way, which leaves every yardstick line and the "
            "shipped model's figures as they were.",
            "- Mains hum of any harmonic spectrum (stop 26, shipped). The model before (stop 18's recipe; the "
            "figures in the notes below that say \"shipped\" are its) heard a string touched, not fretted, as clean "
            "under the hum a single-coil pickup or a ground loop brings: the training's hum was a transformer's, its "
            "third harmonic about a sixth of the fundamental, and a third harmonic half as loud rings on at 150 Hz, "
            "beside the D string's 147 Hz, after the thud. Training's hum now draws each harmonic anywhere from 30 dB "
            "under the fundamental to as loud as it, and may lie 18-60 dB under the note's peak (other floors "
            "24-60 dB: hum hides no rattle), every class alike, from the same random draws as before (the data "
            "differ only in those floors; the yardstick's transformer hum is unchanged). Measured through "
            "`classify_clip` on 20 modelled notes of each kind from a set training never made, under a 50-Hz hum "
            "with its third harmonic at half (RMS 21 / 27 dB under the peak; 0.5 s of channel before / the file at "
            "the note): muted notes heard clean 8 / 7 / 6 / 3 -> 4 / 2 / 0 / 0 of 20, buzzy notes heard clean 3 / 0 "
            "/ 2 / 0 -> 0, clean notes 20 of 20 clean both ways (muted notes heard buzzy with the channel before at "
            "21 dB: 5 -> 6 of 20: `classify` judged the hum at the clip's start, not the thud, which rises only 3-6 dB "
            "over the hum, or took the hum's first milliseconds for an onset at 6 ms; the first is fixed at this stop "
            "in `classify` and `teach`, a soft rise whose attack is louder than the clip's start being the note: 40 "
            "such notes, hum 21 dB down at random phases, judged at the start 6 -> 3, heard buzzy 6 -> 3). The full "
            "run against the stop-18 model: held-out "
            "93.3 % (93.2), the 15 shared clips through the laptop 15 (14), left out 82.4 / 85.7 / 89.5 / 91.9 / 90.5 / "
            "84.3 % (84.1 / 85.6 / 89.7 / 92.3 / 88.5 / 83.9), a guitar never heard taught: clean notes heard buzzy "
            "3.2 / 6.2 / 2.2 / 4.6 / 4.1 / 5.5 % (1.5 / 5.8 / 2.8 / 5.6 / 5.5 / 6.5), TimGM6mb's profiles keep all 15 "
            "shared clips (13); `hiss_yardstick.py` buzzy at 30 dB 5 / 5 (4 / 5); Strat buzz through the laptop heard "
            "58.9 / 55.3 % (52.8 / 54.3), through the headset 87.8 / 92.9 % (92.4 / 94.4), the room 97.0 % (98.5); "
            "clean Strat notes stopped by the hand heard buzzy 3.0 % (0.5), the undithered headset 6.6 % (3.0; the "
            "app dithers such input: 0 / 0 %).",
            "- The left-out models train 8 epochs since stop 24 (5 before): the feature comparison (294 s) runs "
            "apart (`python -m training features`) and its time goes to them. The same recipe, 5 -> 8 epochs: "
            "modelled nylon 80.0 -> 84.1 %, steel 83.1 -> 85.6 %, Strat 87.4 -> 89.7 %, FluidR3 90.2 -> 92.3 %, "
            "MuseScore 86.4 -> 88.5 %, TimGM6mb 81.6 -> 83.9 %: the table above understates the shipped model "
            "less. Tried at stop 24 and not kept (8-epoch left-out models, seed 0, the shipped data): "
            "(1) source families balanced in the batches (a class's examples drawn in proportion to their family's "
            "count to the power -0.5, so that the two modelled characters, half of every class, no longer drown the "
            "sampled and real guitars): left out 83.8 / 85.6 / 91.0 / 92.2 / 90.6 / 84.7 % (the order above), "
            "clean notes of the soundfonts and the Strat heard buzzy by the standard model 41.7 -> 28.7 of 493 "
            "(MuseScore 14.4 -> 6.0, TimGM6mb 11.9 -> 6.8; FluidR3 10.7 -> 12.1, modelled nylon 2.0 -> 9.8 of "
            "295), their buzz missed 32.3 -> 24.5; a full run of it (1633 s): held-out 93.2 % (untouched 98.7 %), "
            "the yardstick's conditions unchanged, shared clips under hiss 5/5/5, but clean Strat notes stopped by "
            "the hand heard buzzy 0.5 -> 2.5 % (with the tests' stop times, 0.12 / 0.25 / 0.38 s on every sixth "
            "test note: 0 -> 7 of 99), the undithered headset 3.0 -> 7.6 %, and profiles taught on MuseScore's jazz "
            "guitar kept as few as 13 of the 15 shared clips. The left-out gain held with a second training seed "
            "(seed 1, plain -> balanced: 84.8 / 87.2 / 89.5 / 92.3 / 90.6 / 84.1 -> 83.2 / 86.8 / 91.2 / 94.2 / "
            "91.5 / 83.6 %; clean notes of the soundfonts and the Strat heard buzzy 39.1 -> 20.5 of 493, their buzz "
            "missed 33.6 -> 28.5), but the one full model's hand-stopped notes were not remeasured on another seed, "
            "and a real guitar's notes stopped by the hand weigh more than sampled ones: not shipped yet. (2) The weights averaged over the second half of the steps "
            "(stochastic weight averaging, for a flatter optimum that carries to an unseen domain; batch-norm "
            "statistics recomputed after): 83.1 / 85.0 / 89.6 / 91.5 / 88.2 / 82.9 %, below the plain recipe on "
            "every source. Stop 25 made the full model of the balanced recipe with seed 1 (its own data, 28 epochs): "
            "held-out 94.2 % (untouched 99.0 %; on seed 1's own held-out notes, not the shipped ones), clean Strat "
            "notes through the conditions heard buzzy 0-0.5 % (as shipped), stopped by the hand 1.0 % (shipped 0.5), "
            "the undithered headset 9.1 % (3.0; the app dithers such input: 0 / 0 %), Strat buzz through the laptop's "
            "gain control heard 69.0 / 64.5 % (52.8 / 54.3), through the far microphone 84.8 / 89.3 % (87.8 / 87.3), "
            "the headset 89.8 / 92.9 % (92.4 / 94.4); but the shared buzzy clips under hiss 30 dB down 3 / 5 (5 / 5), "
            "the 15 shared clips through the far microphone 14 and the laptop 13 (15 and 14), and modelled notes "
            "through a dull microphone with mains hum 25 dB down (the teaching test's setup) judged 50 / 60 % right, "
            "nylon / steel (78 / 80 %), every muted note heard clean (8 of 20 each; for the shipped model it is the hum: "
            "alone it makes 11 of 20 muted notes clean, 1 of 20 at 35 dB down, the dull microphone alone none). It "
            "hears the real Strat's buzz better and the real nylon clips and muted notes under hum worse: not shipped.",
            "- The tonality plane (stop 18). The log-mel planes tell how much energy sits above the "
            "background, not whose it is. A fret rattle is struck once per swing of the string, so it repeats "
            "at the string's period and its spectrum is lines; the hand's slap on a stopped string, hiss and a "
            "room's diffuse tail are flat. Measured on the shared clips with 1-kHz bands above 2 kHz "
            "(arithmetic over geometric mean power, dB; white noise 2.5): buzzy14 from 0.3 s on 12-21 dB, "
            "the clean clips 2.3-2.9 dB (their high bands hold only the recording's noise by then). A third "
            "plane, each mel band's tonality over at least 7 bins (+0.3 ms per window). Train-only, seed 0, "
            "the stop-14 recipe with the plane: the 15 shared clips 15/15, hiss buzzy 5/5/2, clean 5/5/5, but "
            "hand-stopped 9.1 % (the slap) and the 8-bit headset 9.6 / 9.1 % (an undithered converter's error is "
            "tonal and grows against the decaying note). With the late rattles and the hand's bright contact "
            "back in (below), which without the plane had cost 19-59 % hand-stopped: hand-stopped 0.0 %, "
            "headset 4.0 / 3.5 %, hiss buzzy 5/5/5: shipped. Full run, seed 0, against the stop-14 model: the 15 "
            "shared clips 14 -> 15, through the conditions 66 -> 74/75, hiss buzzy 4/4/3 -> 5/5/5 and clean "
            "5/5/4 -> 5/5/5, hand-stopped 1.5 -> 0.5 %, reverberant room 0.5 / 2.5 -> 0 / 0 %, headset 0 / 0 -> "
            "3.5 / 3.0 %, held-out 94.6 -> 93.2 % (untouched 99.4 -> 98.3 %; a harder set, with late rattles), "
            "left-out sources 77.6-86.8 -> 80.1-91.4 %. Tried and not kept: a "
            "coarse converter on a quarter of the copies (6-11 bits) instead of a tenth (7-11): headset "
            "11.1 / 13.1 %, hand-stopped 2.0 %. Stop 19, train-only, seed 0: up to 4 neighbouring mel bands "
            "zeroed in every plane of half the training examples (every class alike): held-out 93.2 -> 93.8 %, "
            "but hand-stopped 0.5 -> 4.0 % and headset 3.5 / 3.0 -> 6.6 / 6.6 %; and the shipped model averaged "
            "with the same recipe's seed-1 model (a two-model ensemble): headset 7.1 / 6.6 %, hand-stopped 0.0 %, "
            "hiss buzzy 5/5/4 (the seed-1 model alone: 22.2 / 21.2 %, 1.0 %, 5/5/4), no better than the "
            "shipped model on any row.",
            "- A stranger's setup (issue 14). The model before stop 14, on the yardstick above: Strat clean notes cut at "
            "the note heard buzzy 52.5 % through the far microphone, 80.8 % through the laptop's AGC, 9.1 % "
            "through the headset (7.6 % live), 14.1 % when stopped by the hand; the shared buzzy clips under hiss "
            "50/40/30 dB heard buzzy 4/2/0 of 5. Its training noise was drawn 15-50 dB below the note's *mean* "
            "power, which for a decaying pluck is 35-75 dB below its peak: it had never heard hiss 30-40 dB below "
            "the peak, and never a file that starts at the note, so noise that starts with the note was buzz. "
            "What changed: noise as a floor 24-60 dB below the peak; a quarter of the copies of every class "
            "starting at the note; a hand stopping the string on 15 %; 7-11-bit converters; the Strat strings as "
            "a source of all three classes; the floor plane beside the log-mel; temperature scaling. Now: every "
            "condition either way <= 2.5 %, hand-stopped 1.5 %, hiss 4/4/3; the 15 shared clips 15 -> 14 (buzzy14, "
            "the faintest, heard clean), through the conditions 57 -> 66/75.",
            "- Buzz that starts late: tried and not kept at stop 16, kept since stop 18 with the tonality plane. The faintest shared buzzy clip (buzzy14) "
            "has a clean attack (its share of energy above 3 kHz -41 dB in the first 0.3 s, the clean clips' -46 "
            "to -57 dB) and rattles from about 0.3 s on (-20 to -29 dB): the fret comes within reach while the "
            "note rings, as when a player eases the finger off; every training buzzy note rattles from the "
            "pluck. A fifth of the modelled and sampled buzzy notes rattling late (0.15-0.7 s, while the note "
            "still sounds, for at least 0.3 s), the training's hand landing on the string as a bright contact "
            "as well as a dull rub, and a late rattle never stopped or cut before it has sounded 0.1 s (commits "
            "ca436c3, d1b29d6, reverted). Full run, seed 0: shared buzzy clips under hiss 50/40/30 dB 4/4/3 -> "
            "5/5/5, clean 5/5/4 -> 5/5/5, the 15 shared clips 14 -> 15, through the conditions 66 -> 72/75; "
            "but clean Strat notes stopped by the hand with the string's slap heard buzzy 1.5 -> 19.2 % (56 % "
            "before the bright contact was trained), the reverberant room live 0.5 -> 5.1 %, headset 0 -> 2 %, "
            "held-out 94.6 -> 90.6 % (a harder set), left-out sources 76.3-86.0 %, two synthetic self-test clean "
            "notes unsure. More clean notes heard buzzy is the error strangers already meet most, so the model "
            "was not shipped; telling a late rattle from a reverberant tail or a slap is the open problem. "
            "Stop 17 tried one more rule on top of them: a late rattle never stopped or cut before it has sounded "
            "0.4 s rather than 0.1 s (a rattle heard for a tenth of a second and then stopped is the slap itself). "
            "Train-only, seed 0: hand-stopped 52.0 %, headset 7.1 %, reverberant room 2.0 %, shared buzzy "
            "clips under hiss 5/4/3: worse, not better. Five train-only runs of these recipes gave 27-59 % "
            "hand-stopped (the full run 19.2 %), so the confusion is not one augmentation rule; it needs a cue the log-mel planes do "
            "not carry well (a rattle repeats with the string's period, a slap does not): the tonality plane "
            "(first note above).",
            "- `classify` judged a clip's first two seconds when the onset detector confirmed no note in it: a "
            "note under the detector's -60 dBFS gate, or in noise that an automatic gain control had lifted to "
            "near the note. With a compressor that squashed the note to its noise floor, 177 of 198 Strat notes "
            "heard live were called buzzy by either model; a clip is now judged where its level jumps "
            "(`RiseFinder`), and the laptop condition became a laptop's AGC (gain that climbs in the quiet, "
            "an attack that it soft-clips) rather than that compressor.",
            "- Feature comparison on the first run of this recipe (its small models also trained on the Strat "
            "strings): Strat notes heard buzzy through the conditions log-mel + floor 9.0 %, log-mel 22.2 %, "
            "PCEN 7.2 %, MFCC 27.4 %; shared buzzy clips under hiss 50/40/30 dB heard buzzy 3/3/2, 5/4/3, 3/3/2, "
            "4/2/0; held-out 89.8, 88.2, 91.1, 80.3 %. The floor plane was kept (PCEN is as good on the "
            "yardstick; log-mel hears buzz under hiss better but calls noisy clean notes buzzy). The comparison "
            "that `all` reruns (above) leaves the Strat strings out to keep the reproduction within 30 minutes; "
            "at that size (held-out 72-76 %) it says little.",
            "- Tried and not kept: an AGC that soft-clips the attack (20 % of the copies) and a loud slap of the "
            "string on the hand (6-30 dB below the note) in training, for every class: the yardstick was no "
            "better (every condition <= 2.5 % either way, hand-stopped 0 %) but faint buzz suffered (shared clips "
            "14 -> 13/15, hiss 30 dB 3 -> 2/5). The slap stays in the yardstick as its harder hand-stopped test.",
            "- Teaching: the setup gate closes for strings that were not taught (its descriptor, the floor of each "
            "band, follows the pitch): with the previous model and its laptop condition the head, taught on the A "
            "string, left 56 of 66 other clean notes buzzy with the gate and 2 without it; a per-setup class bias "
            "(three numbers fitted to the taught notes) moved 0-2 notes and cost a shared clip. With this model "
            "the taught notes are already judged right, so leave-one-out gives the head weight 0. Where the "
            "standard model does err (stop 19: the seed-1 model of this recipe through the headset hears 13 of "
            "the 66 judged G and high E clean notes as buzzy), the A string's notes show nothing to learn "
            "(weight 0, 13 -> 13); clean notes of the misheard strings do, once there are three of them: taught "
            "1 / 2 / 3 / 5 clean notes that it heard as buzzy (with A-string buzzy and muted notes): 13 -> 13 / "
            "11-12 / 6-7 / 3. Played as the teach dialog asks (more clean notes after two misses, at most 8; ten "
            "random orders of the G and high E notes not judged): 13 -> 8.2 on average (0-13; five of ten fixed "
            "nothing), and two of the ten lost a shared clip (15 -> 14 at weight 0.9): not yet a fix a player "
            "can count on. The setup gate stayed fully open (1.0) for the shared clips, a nylon guitar recorded "
            "cleanly: the floor of the peak-normalised level planes does not tell that setup from the 8-bit "
            "headset, so the gate did not keep the head to its setup. Stop 20, other heads on the same case, taught "
            "as issue 14 describes (5 clean, 5 buzzy and 5 muted notes of the judged strings' other recordings, "
            "12 random draws; judged 66 notes of each kind, base: 13 clean heard buzzy, 1 buzzy missed): the shipped "
            "head 13 -> 9.0 clean heard buzzy (0-13) but buzz missed 1 -> 2.1 (up to 6); leave-one-out log-loss "
            "instead of accuracy 8.5 / 2.2; nearest class prototypes 9.5 / 2.2 (log-loss 8.1 / 2.8); a residual on "
            "the base model's logits (the base is its prior) 9.0 / 2.5 (log-loss 7.2 / 3.2; without the gate 6.6 / "
            "3.8 and a shared clip lost); the head's weight capped at 0.6 9.9 / 1.7; a stronger penalty (1.0) "
            "10.7 / 1.4. Every head trades clean notes fixed for buzz missed along one curve (11-12 of 198 wrong "
            "against 14); none was kept. Stop 23 measured teaching where it matters, on guitars a model never "
            "heard (the leave-one-source-out models, \"Teaching a guitar the model never heard\" above; a trial "
            "on 8-epoch left-out models, 15 guitars, 20 draws each): the head alone took 205 errors to 200; a "
            "per-setup lean on the base model's log-probabilities (three offsets, L2 0.1) to 180 with no "
            "shared clip lost, and never lower with the head's weight capped (0.3: 182) or a nearest-prototype "
            "head (191); the lean chosen by leave-one-out over its penalty 190. Kept: the lean (dropped when "
            "leave-one-out loses a taught note: 182), then the head as before (a cap would undo the synthetic "
            "done-when setup, whose embedding does tell its notes apart).",
            "- Tried and not kept (stop 20): another body under every note of every class (3-12 narrow modes, "
            "90 Hz-3 kHz, Q 8-40, mixed at -12 to +6 dB or taken out down to -10 dB, before the microphone, on "
            "40 % of the copies), for guitars whose bodies no source has (an archtop, a luthier's). Train-only, "
            "seed 0: Strat clean notes heard buzzy far microphone 1.0 / 0.5 %, headset 5.6 / 5.1 % (shipped "
            "0.5 / 0.5 %, 3.5 / 3.0 %), hand-stopped 0.0 %, shared buzzy clips under hiss 5/5/4 (shipped 5/5/5); "
            "MuseScore left out (10-epoch models, tested on the shipped recipe's copies of its notes): 90.8 % "
            "against 90.5 % without the bodies (untouched 95.5 / 95.7 %). Bodies are not what the left-out "
            "instruments lack: its clean steel and nylon notes are heard buzzy (29 %, 22 %) and its buzzy electric "
            "and jazz notes clean (47 %, 32 %) either way. A treble shelf on half the copies of every class (±12 dB "
            "above 0.8-4 kHz, retried with the floor and tonality planes): headset 23.7 / 25.3 %, far microphone "
            "1.0 / 1.5 %, hiss 5/5/5, MuseScore left out 89.3 %: not kept. The headset's figures swing with the "
            "seed alone (the shipped recipe: 3.5 % with seed 0, 22.2 % with seed 1), so one run per recipe cannot "
            "rank recipes on it.",
            "- Buzz through the conditions (stop 20): the yardstick's buzzy rows were added at stop 20 and "
            "measured on the shipped model. Through the laptop's AGC over its pink noise it misses about half of "
            "the buzzy notes (104 / 107 of 197 heard), through the far microphone one in eight; the room, hum "
            "and headset keep 96-99 %. The misses are the fainter rattles (through the laptop: 10 of 60 heard "
            "at -25 to -40 dB above 3 kHz, 81 of 121 at -15 to -25 dB), and it takes the noise and the AGC "
            "together: the band limits alone keep 190, the noise alone 183, the AGC alone 189, noise and AGC "
            "117. The AGC lifts the noise before the note to about 26 dB under the clipped attack, where the "
            "rattle sits. No clean note is heard buzzy there, so the judge is one-sided under that channel. "
            "Tried (stop 20, train-only, seed 0): that AGC on a fifth of the copies of every class (the note "
            "brought to -30 to -10 dBFS, a target of -18 to -6 dBFS, at most 12-30 dB of gain): buzz through the "
            "laptop heard 52.8 / 54.3 -> 78.2 / 74.1 %, clean through it still 0 %, far microphone buzz 87.8 / 87.3 "
            "-> 85.8 / 83.8 %; but clean notes through the undithered 8-bit headset heard buzzy 3.5 / 3.0 -> 20.2 / "
            "22.2 % (0 of 198 for both models once dithered, as the app dithers a file on a coarse grid), "
            "hand-stopped 0.5 -> 2.5 %, the shared buzzy clips under hiss 5/5/5 -> 5/5/3. Averaged with the shipped "
            "model: laptop buzz 63.5 / 63.5 %, headset 7.1 / 7.6 %, hiss 5/5/5, at twice the inference. Seed 1 of "
            "the same recipe: laptop buzz only 54.3 / 59.9 %, far microphone 83.8 / 83.2 %, headset clean 27.3 / "
            "27.8 %, hand-stopped 0.5 %, hiss 5/5/4. The gain did not hold across seeds and the headset was worse "
            "with both: not shipped. Hearing rattle above noise that an AGC pumps needs more than the copies. "
            "Stop 21, a third pair (seed 2, train-only): the shipped recipe hears 49.2 / 67.5 % of that buzz, the "
            "AGC recipe 56.3 / 68.5 %; over the three seeds the shipped recipe averages 52.4 / 62.8 %, the AGC "
            "recipe 62.9 / 67.5 %, most of it seed 0's. The AGC recipe lost shared buzzy clips under hiss 30 dB "
            "below the peak in two of the three pairs (5, 4, 4 heard against 3, 4, 2) and the far microphone "
            "stayed as it was (seed 2: 79.7 / 82.2 against 80.2 / 83.8 %): not shipped. The undithered headset "
            "is a seed's luck, not a recipe's: the shipped recipe's seeds 1 and 2 hear 22.2 and 22.7 % of its "
            "clean notes buzzy (seed 0: 3.5 %), the AGC recipe's 20.2-29.8 %; the app dithers that grid. It is "
            "the AGC's gain that pumps the noise (the noise rising as the note decays) that hides the rattle: "
            "the same gain without the clipping keeps 117 of 197 heard, as the whole AGC does, the clipping "
            "alone 171, the noise added after the AGC 163; and levelling the clip first changes nothing (90 of "
            "99 far-microphone notes heard at any level). As the app shows verdicts (unsure below 0.8), the "
            "shipped model tells 54 of those 197 buzzy notes \"clean\", 62 \"buzzy\" and 81 \"unsure\"; a "
            "\"clean\" that also needed p(buzzy) under 0.15 (the most that keeps 98 % of the held-out clean "
            "verdicts) would have made only 6 of the 54 unsure: those misses are confident. Not kept. Kept "
            "(stop 21, in the app, not the model): the final verdict keeps buzz the provisional verdict heard in "
            "the note's first 0.4 s (`final_verdict`), where the rattle is struck and the pumped noise has not "
            "risen yet. Through the laptop, live, all 197: shown buzzy 62 -> 82, unsure 83 -> 63, clean 52 -> "
            "52 (most probable class 105 -> 136); far microphone 150 -> 150, hum 184 -> 185, headset 160 -> 162; "
            "clean notes shown buzzy: 1 of 198 stopped by the hand (0 before), none through any condition, none "
            "of the shared clips under hiss, none of 150 augmented modelled clean notes. The yardstick's rows "
            "above count the whole window's most probable class, as before.",
            "- Until stop 24 the left-out models trained 5 epochs so that `all` stayed within 30 minutes. Trained 10 "
            "(stop 20, seed 0, the shipped recipe's data, outside `all`): modelled nylon 80.1 -> 85.1 %, modelled "
            "steel 82.9 -> 86.5 %, real Strat 87.2 -> 90.5 %, FluidR3 91.4 -> 92.7 %, MuseScore 86.9 -> 90.5 %, "
            "TimGM6mb 81.2 -> 85.0 % (untouched copies 91.3-96.8 %). The table understates the recipe by 1-5 "
            "points; even so, three of the six sources stay under 88 %.",
            "- Stop 20 computes the tonality plane in float32 on the power scaled to its peak (a full window's "
            "features 2.0 -> 1.6 ms); the features move by at most 3e-6 and the shipped model's yardstick above is "
            "the same before and after (rerun with `python -m training yardstick`).",
            "- Stop 21: the app dithers a live input found on a coarse grid too (it already dithered such a "
            "file), so the yardstick hears every condition as the app does, and the shipped model's yardstick "
            "was rerun that way (`python -m training yardstick`; the figures above): clean notes through the "
            "headset heard buzzy 3.5 / 3.0 -> 0 / 0 %, buzzy notes through it heard 95.9 / 97.0 -> 92.4 / 94.4 % "
            "(the dither's noise hides a little rattle); every other row the same. The model alone on the "
            "undithered grid is kept as its own row (3.0 %). A window cut short now computes its planes on the "
            "frames that hold sound (the features move by at most 2e-6).",
            "- Features: 64-band log-mel, peak-normalised per window (an earlier trial: it transferred best "
            "from modelled to real notes; mean normalisation hurt). The MFCC+Δ+ΔΔ comparison above is rerun by "
            "every `all`.",
            "- White-noise augmentation and ±50 ms onset jitter cured clean-heard-as-buzzy under hiss (earlier "
            "trial); both are in the augmentation mix.",
            "- Windows are cut exactly as the app cuts them: the app's onset detector on the augmented audio "
            "(falling back to the known onset), the app's `note_window`, cut short at the next detected onset "
            "or after 0.25-2 s in 30 % of the copies.",
            "- Soundfont notes and augmentation strength: see the experiments below (decided on the generated "
            "columns, not on the real clips).",
            "- Buzzy notes must still ring (30-dB decay >= 0.3 s, as the real buzzy clips do): a quarter of the "
            "modelled buzzy notes had died within 0.15 s, like muted ones. Full budget, seed 0: buzzy heard as "
            "muted on held-out notes 21 -> 1 of 120, left-out modelled nylon 65 -> 78 %.",
            "- Buzzy notes from sampled guitars (the sample's swing strikes a modelled fret), hard negatives on "
            "sampled notes, and a floor on the rattle's share of the attack's energy above 3 kHz (-32 dB; "
            "fainter rattle was label noise). Full budget, seed 0: held-out untouched 92.8 -> 94.3 %, real "
            "clips 11 -> 14/15, under the degradations 48 -> 59/75; left-out modelled nylon fell 78 -> 70 % "
            "(its clean notes heard as buzzy), an open problem.",
            "- Twice the sampled notes (120 per class) with 2 augmented copies each instead of 3 (the same "
            "number of examples, more instruments): held-out 89.8 -> 90.3 %, sampled guitars held out "
            "80-81 -> 88-89 % (FluidR3, MuseScore), left-out modelled nylon 70.3 -> 73.2 %, left-out TimGM6mb "
            "48.9 -> 55.8 %; real clips 14/15 both, under the degradations 59 -> 61/75.",
            "- Twice the notes (400 modelled and 240 sampled per class, 2 augmented copies each: 5760 examples). "
            "Full budget, seed 0, against 200/120 per class: held-out 90.3 -> 92.0 % (untouched 94.5 -> 96.2 %), "
            "left-out modelled nylon (16 epochs each) 73.2 -> 86.9 %, left-out TimGM6mb 55.8 -> 67.0 %, real clips "
            "14/15 both, degradations 61/75 both (laptop AGC 10 -> 13, reverberant room 14 -> 11), cut 0.5 s "
            "13 -> 14/15. Within the 15-minute budget the shipped model trains at most 40 epochs (50 gave 92.0 % "
            "held-out, 40 gives 90.8 %) and the left-out models a few epochs with a cosine-decaying rate (after "
            "8 epochs: left-out nylon 71 % when the rate is halved on plateaus, 80 % with cosine decay).",
            "- The CNN pools each filter's response over time only (max and mean), so each band keeps its "
            "place; it used to pool over time and frequency, leaving the dense layers unable to tell where in "
            "the spectrum a response was. Full budget, seed 0: held-out 90.8 -> 93.9 % (untouched 95.5 -> "
            "97.6 %), real clips 14 -> 15/15, degradations 62 -> 64/75, cut 0.5 s 13 -> 15/15, left-out "
            "TimGM6mb 53 -> 71 %, left-out modelled nylon 80 -> 79 % (7 cosine epochs each). 89 k parameters "
            "instead of 32 k; the same time per epoch.",
            "- A sampled \"muted\" note must die while its key is held: TimGM6mb's muted guitar is a ringing "
            "sample, and a key released after 0.2-0.4 s let it pass as muted (the model rightly heard these "
            "clean notes damped by the hand as clean).",
            "- A random spectral tilt (±2 dB per octave about 1 kHz) on half the augmented copies, for "
            "guitars and microphones of other brightness: held-out 93.5 -> 94.8 % (untouched 98.6 -> 99.0 %), "
            "left-out TimGM6mb 71.0 -> 72.7 %, modelled nylon 79.3 -> 78.7 %, real clips 15/15 both, "
            "degradations 64 -> 63/75, cut 0.5 s 15 -> 14/15: about neutral, kept for the strangers' guitars.",
            "- The modelled characters overlap, as guitars do: nylon plucked with nails (sharp, bright attack), "
            "dull old steel strings, fingertips on steel (decay at 4 kHz 0.03-0.4 s for nylon, 0.08-1.2 s for "
            "steel; pluck width and attack ranges widened likewise). Full budget, seed 0: left-out modelled "
            "nylon 78.7 -> 82.1 %, TimGM6mb 72.7 -> 73.1 %, degradations 63 -> 66/75, real clips 15/15 both, "
            "held-out 94.8 -> 94.6 % (a different held-out set: the notes changed).",
            "- A sampled buzzy note loses energy to its strikes (1-12 dB of sustain, each strike in proportion "
            "to its speed), as the modelled collision does. Full budget, seed 0 (left-out models 7 cosine "
            "epochs): left-out modelled nylon 82.1 -> 83.3 %, TimGM6mb 73.1 -> 74.5 %, degradations 66 -> 67/75, "
            "real clips 15 -> 14/15; held-out 94.6 -> 92.9 % (that run stopped early, at epoch 23).",
            "- Each strike also jolts the string: a half-sine force pulse as long as the contact (0.1-0.6 ms), "
            "which feeds the middle partials as well as the fret's ring above 3 kHz. Sampled buzz had been "
            "heard only above 5 kHz, so a dull microphone hid it: sampled buzzy notes judged right under a "
            "4-6 kHz low-pass 75 -> 88 %, pink noise at 15-25 dB 60 -> 78 %, an 8-12 kHz sample rate 62 -> 68 % "
            "(white noise at 15-25 dB: 55 -> 53 %); left-out TimGM6mb 80.3 -> 82.7 %, nylon 87.3 % both, "
            "degradations 60 -> 59/75, real clips 15 -> 14/15, held-out 94.2 -> 93.5 %.",
            "- 1.5 times the notes (600 modelled and 360 sampled per class, 2 augmented copies each: 8640 "
            "examples), which the faster batches below pay for. Seed 0, 7-epoch left-out models: left-out "
            "modelled nylon 83.3 -> 87.3 %, TimGM6mb 74.5 -> 80.3 %, held-out 93.9 -> 94.2 % (untouched 96.9 -> "
            "98.1 %), real clips 14 -> 15/15, cut 0.5 s 14 -> 15/15, but degradations 64 -> 60/75 (buzzy clips "
            "through the laptop and far microphones heard as clean or muted; 61/75 with seed 1, against 64-67 "
            "for three runs on the smaller set). Kept: the left-out sources are thousands of notes of "
            "instruments the model never heard, the degradations 25 judgements of five buzzy clips of one guitar.",
            "- Batches gathered in the graph (tf.data) instead of a Python data source: 1.7 times faster per "
            "epoch on 2 cores, the same balanced batches. The shipped model now decays its rate over 28 epochs "
            "(cosine) instead of halving it on plateaus for up to 40 (time fixed within the budget; 30 cosine "
            "epochs against early stopping at epoch 23: held-out 92.9 -> 93.9 %, degradations 67 -> 64/75), "
            "and the left-out models 5 epochs on 1.5 times the data (about the steps of 7 on the old set; with 8 "
            "epochs they reached 86.4 / 89.0 / 88.8 / 87.8 / 82.6 % on modelled nylon / steel / FluidR3 / "
            "MuseScore / TimGM6mb, but the reproduction took 16 minutes).",
            "- Twice the notes (1200 modelled and 720 sampled per class; `all --large`, about 30 minutes, so not "
            "the shipped recipe), seed 0, against the 15-minute recipe: held-out 94.4 -> 96.6 % (untouched 98.6 -> 98.8 %), "
            "left-out sources with 8 cosine epochs 84.5-92.4 % (modelled nylon 90.7, steel 92.4, FluidR3 90.9, "
            "MuseScore 90.5, TimGM6mb 84.5 %), but real clips 15 -> 14/15, degradations 65 -> 61/75 and cut "
            "0.5 s 15 -> 14/15: the faintest real buzzy clip is heard as clean under every condition.",
            "- Tried and not kept: a microphone colouring drawn afresh for every batch (a smooth random EQ of up "
            "to ±6 dB with a tilt, added to the log-mel of half the examples): held-out 94.4 -> 95.0 %, "
            "degradations 65 -> 60/75, left-out modelled nylon 84.0 -> 82.9 %, TimGM6mb 78.4 -> 79.9 %; a wider "
            "last conv block (96 filters instead of 64): held-out 94.4 % both, degradations 65 -> 63/75, "
            "left-out 83.7 / 80.1 %, real clips 15 -> 14/15 (training accuracy is 96.9 %: capacity is not "
            "the limit).",
            "- Tried and not kept: noise kept below a faint rattle (a buzzy copy's noise no louder above 3 kHz "
            "than its rattle, so that no buzzy label sits on a buzz buried in hiss): held-out 94.2 -> 93.7 %, "
            "left-out nylon 87.3 -> 86.6 %, TimGM6mb 80.3 -> 80.6 %, degradations 60 -> 63/75, real clips 15 -> "
            "14/15: no gain; the held-out errors are not buried rattles.",
            "- Tried and not kept: SpecAugment-style masks (a random band and stretch of time set to the mean "
            "in half the training examples, fresh every epoch): held-out 94.8 -> 93.4 %, left-out nylon 78.7 -> "
            "77.2 %, TimGM6mb 72.7 -> 71.0 %; dropout 0.5 instead of 0.3 (the dense layer now has 1024 inputs): "
            "held-out 94.8 -> 93.5 %, degradations 63 -> 62/75.",
            "- Tried and not kept: 1.5 times as many notes with one augmented copy each (600/360 per class): "
            "held-out 93.3 % but real clips 12/15, degradations 53/75, left-out nylon 85.2 % (86.9 % with two "
            "copies); narrower conv layers (16, 24, 48 filters): held-out 89.6 %, degradations 56/75, only 16 % "
            "faster; cosine decay over 30 epochs for the shipped model (on the recipe of the time): held-out "
            "87.0 %; XLA compilation (slower "
            "on this CPU).",
            "- Tried and not kept: a modelled pick/nail burst on every sampled note (no change: held-out 89.3 %, "
            "left-out nylon 66.5 %); a random treble shelf (±12 dB above 0.8-4 kHz) on half the copies, "
            "which raised left-out modelled nylon 73.2 -> 83.6 % but lowered held-out 90.3 -> 88.5 % and the "
            "real clips 14 -> 12/15 (degradations 61 -> 54/75); wider CNN, MFCC, other learning rates and "
            "dropout (earlier trials).", ""]


def _timings(results: dict) -> list[str]:
    lines = ["## Wall time of each stage", "", "| stage | seconds |", "|---|---|",
             *[f"| {k} | {v:.1f} |" for k, v in results["timings"].items()], ""]
    if results.get("loso_rerun"):
        lines += ["Leave one source out: the rerun's time (above); the total is the run that made the model.", ""]
    if "export_max_abs_diff" in results:
        lines += [f"Exported TFLite against Keras: largest probability difference {results['export_max_abs_diff']:.2e}.", ""]
    return lines


def _merge(a: dict, b: dict) -> dict:
    out = {s: dict(c) for s, c in a.items()}
    for s, c in b.items():
        for k, v in c.items():
            out.setdefault(s, {})[k] = out.get(s, {}).get(k, 0) + v
    return out


def _experiments(out_dir: Path) -> list[str]:
    """The log of ``python -m training experiments`` when it was written beside the report."""
    exp = out_dir / "experiments.json"
    if not exp.is_file():
        return []
    log = json.loads(exp.read_text())
    lines = ["## Recipe experiments", "", log.get("note", ""), "",
             "| experiment | held-out generated | leave-steel-out | real clips | real, 5 degradations | real cut 0.5 s |",
             "|---|---|---|---|---|---|"]
    for name, r in log.get("runs", {}).items():
        lines.append(f"| {name} | {100 * r['heldout']:.1f} % | {100 * r['steel_left_out']:.1f} % | "
                     f"{r.get('real', 'n/a')} | {r.get('degraded', 'n/a')} | {r.get('cut_0.5', 'n/a')} |")
    return lines + [""]
