"""What ``buzzfinder teach`` and ``buzzfinder profiles`` do; each returns the text to print.

``cmd_teach`` stores one note per file (the strongest onset, cut as the engine cuts it) and refits the
profile's head. A file that cannot be used is listed in the report's ``errors`` (``"path: problem"``,
for stderr and exit status 1 like the rest of the CLI), not in its text; a stored note that cannot be
read is left out of the fit with a ``warning:`` line. :class:`ProfileError` is raised only when
nothing could be taught at all (bad label, bad profile name, every file failed).
"""

from __future__ import annotations

import json as jsonlib
from pathlib import Path

import numpy as np

from buzzfinder_app import constants as C
from buzzfinder_app.audio.file import AudioFileError, FileSource
from buzzfinder_app.engine.engine import clip_note
from buzzfinder_app.personal.adapt import fit_profile, head_info, head_status
from buzzfinder_app.personal.profiles import Profile, ProfileError, ProfileStore

def strongest_note(y) -> tuple[np.ndarray, int]:
    """The window around the loudest attack of a signal or a stream of blocks (a ``FileSource``: read
    in flat memory), its DC offset removed as the engine does, and that onset; ``ValueError`` if none."""
    onset, window, _ = clip_note([y] if isinstance(y, np.ndarray) else y)
    if onset is None:
        raise ValueError("no note found (is the file silent or only noise?)")
    if len(window) - C.PRE_ROLL < C.MIN_NOTE_S * C.SAMPLE_RATE:
        raise ValueError(f"the note is shorter than {C.MIN_NOTE_S} s")
    return window, onset


class Report(str):
    """The text to print, with ``errors``: one ``"path: problem"`` line per file that could not be used."""

    errors: tuple[str, ...] = ()


def cmd_teach(profile_name: str, label: str, files, model, store: ProfileStore | None = None,
              device: str = "", guitar: str = "") -> Report:
    """Teach ``files`` (one note each) as ``label`` to a profile (created if new) and refit its head."""
    store = store or ProfileStore()
    if label not in C.LABELS:
        raise ProfileError(f"unknown label {label!r} (expected one of {', '.join(C.LABELS)})")
    cut, errors = [], []
    for path in map(Path, files):
        try:
            cut.append((path, *strongest_note(FileSource(path))))
        except (AudioFileError, ValueError) as exc:
            errors.append(f"{path}: {exc.problem if isinstance(exc, AudioFileError) else exc}")
            cut.append((path, None, errors[-1]))
    if len(errors) == len(cut):
        raise ProfileError("\n".join(errors + [f"nothing was taught to profile {profile_name!r}"]))
    lines = []
    profile = store.find(profile_name)  # a damaged profile raises here
    if profile is None:
        profile = store.create(profile_name, guitar=guitar, device=device)
        lines.append(f"created profile {profile.name!r} in {profile.path}")
    for path, window, onset_or_error in cut:
        if window is None:
            continue
        note = store.add_note(profile, window, label, "teach", original=path.resolve())
        lines.append(f"{path}: {label} note at {onset_or_error / C.SAMPLE_RATE:.2f} s (id {note.id})")
    lines.append(_counts_line(store, profile))
    try:
        r = fit_profile(store, profile, model)
    except ProfileError as exc:
        lines.append(f"not adapted yet: {exc}")
    else:
        lines += [f"warning: {problem} (left out)" for problem in r.skipped]
        if r.blend == 0.0:
            lines.append(f"kept the base model: on these notes the personal head does not beat it "
                         f"({r.loo_before:.0%} right by the base model; teach more notes)")
            return _report(lines, errors)
        lines.append(f"adapted: accuracy on its notes {r.loo_before:.0%} (base model) -> {r.loo_after:.0%} "
                     f"(personal, leave-one-out; {r.loo_nested:.0%} with the head weight also left out); "
                     f"head weight {r.blend:.1f}; fitted in {r.seconds:.2f} s")
    return _report(lines, errors)


def _report(lines: list[str], errors: list[str]) -> Report:
    report = Report("\n".join(lines))
    report.errors = tuple(errors)
    return report


def _counts_line(store: ProfileStore, profile: Profile) -> str:
    labels = [n.label for n in store.notes(profile)]
    return f"profile {profile.name!r}: " + ", ".join(f"{labels.count(lab)} {lab}" for lab in C.LABELS)


def profile_summary(store: ProfileStore, profile: Profile, model=None) -> dict:
    """A profile's description, note counts and its head's leave-one-out accuracy (if fitted)."""
    labels = [n.label for n in store.notes(profile)]
    info = head_info(store, profile) or {}
    summary = {**profile.to_dict(), "path": str(profile.path),
               "notes": {lab: labels.count(lab) for lab in C.LABELS},
               "loo_before": info.get("loo_before"), "loo_after": info.get("loo_after"),
               "loo_nested": info.get("loo_nested"),
               "blend": info.get("blend"), "fitted_at": info.get("fitted_at")}
    if model is not None:
        summary["head"] = head_status(store, profile, model)
    return summary


def cmd_profiles(json: bool = False, store: ProfileStore | None = None, model=None) -> str:
    """The profiles with note counts per label and leave-one-out accuracy before/after adaptation."""
    store = store or ProfileStore()
    summaries = [profile_summary(store, p, model) for p in store.list()]
    damaged = [{"folder": folder, "error": reason} for folder, reason in store.damaged()]
    if json:
        return jsonlib.dumps({"root": str(store.root), "profiles": summaries, "damaged": damaged}, indent=2)
    if not summaries and not damaged:
        return f"no profiles yet in {store.root} (create one with: buzzfinder teach --profile NAME --label LABEL FILE...)"
    lines = []
    for s in summaries:
        what = " · ".join(x for x in (s["guitar"], s["device"]) if x)
        lines.append(f"{s['name']}{' (default)' if s['default'] else ''}{': ' + what if what else ''}")
        lines.append("  notes: " + ", ".join(f"{n} {lab}" for lab, n in s["notes"].items()))
        if s["loo_before"] is None:
            lines.append("  not adapted yet")
        else:
            state = {"stale": " (notes changed since: refit)", "other-model": " (base model changed: refit)"}
            lines.append(f"  accuracy on its notes: {s['loo_before']:.0%} base -> {s['loo_after']:.0%} personal "
                         f"(leave-one-out, head weight {s['blend']:.1f}){state.get(s.get('head'), '')}")
    lines += [f"damaged profile folder {d['folder']!r}: {d['error']}" for d in damaged]
    return "\n".join(lines)
