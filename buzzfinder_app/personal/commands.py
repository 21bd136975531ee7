"""What ``buzzfinder teach`` and ``buzzfinder profiles`` do; each returns the text to print.

``cmd_teach`` stores one note per file (the strongest onset, cut as the engine cuts it) and refits the
profile's head. A file that cannot be used is listed in the report's ``errors`` (``"path: problem"``,
for stderr and exit status 1 like the rest of the CLI), not in its text; a stored note that cannot be
read is left out of the fit with a ``warning:`` line. :class:`ProfileError` is raised only when
nothing could be taught at all (bad label, bad profile name, every file failed).

What they print speaks the player's language: the head is "what you taught", fitting it "tuning to
your guitar", the base model "the standard model"; the JSON keeps the code's names.
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
        lines.append(f"not tuned yet: {str(exc).removeprefix(f'profile {profile.name!r}: ')}")
    else:
        lines += [f"warning: {problem} (left out)" for problem in r.skipped]
        before, after, strict = (right_count(share, r.n_notes) for share in (r.loo_before, r.loo_after, r.loo_nested))
        if not r.tunes:
            lines.append(f"judged by the standard model: it judged {before} of your notes right and what you "
                         f"taught did not do better (teach more notes)")
            return _report(lines, errors)
        lines.append(f"tuned to your guitar: {after} of your notes judged right, was "
                     f"{right_count(r.loo_before, r.n_notes, of=False)} (each note judged as if it had not been "
                     f"taught; {strict} counted more strictly); tuned in {r.seconds:.2f} s")
    return _report(lines, errors)


def right_count(share, n, of: bool = True) -> str:
    """A share of ``n`` notes judged right in words: "12 of 15" ("12" without ``of``); a percentage
    when ``n`` is unknown, "?" when the share is."""
    if not isinstance(share, (int, float)):
        return "?"
    if not isinstance(n, int) or n <= 0:
        return f"{share:.0%}"
    return f"{round(share * n)} of {n}" if of else f"{round(share * n)}"


def _report(lines: list[str], errors: list[str]) -> Report:
    report = Report("\n".join(lines))
    report.errors = tuple(errors)
    return report


def _counts_line(store: ProfileStore, profile: Profile) -> str:
    labels = [n.label for n in store.notes(profile)]
    return f"profile {profile.name!r}: " + ", ".join(f"{labels.count(lab)} {lab}" for lab in C.LABELS)


def profile_summary(store: ProfileStore, profile: Profile, model=None) -> dict:
    """A profile's description, note counts and its head's leave-one-out accuracy on the ``fitted_notes``
    it was fitted on (if fitted)."""
    labels = [n.label for n in store.notes(profile)]
    info = head_info(store, profile) or {}
    summary = {**profile.to_dict(), "path": str(profile.path),
               "notes": {lab: labels.count(lab) for lab in C.LABELS},
               "loo_before": info.get("loo_before"), "loo_after": info.get("loo_after"),
               "loo_nested": info.get("loo_nested"), "fitted_notes": info.get("n_notes"),
               "blend": info.get("blend"), "tunes": info.get("tunes", (info.get("blend") or 0) > 0),
               "fitted_at": info.get("fitted_at")}
    if model is not None:
        summary["head"] = head_status(store, profile, model)
    return summary


def cmd_profiles(json: bool = False, store: ProfileStore | None = None, model=None) -> str:
    """The profiles with note counts per label and how many of their notes are judged right before and
    after tuning (leave-one-out)."""
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
        state = {"stale": " (its notes changed since)", "other-model": " (with another standard model)",
                 "old-fit": " (by an older version)"}
        n = s["fitted_notes"]
        if s["loo_before"] is None:
            lines.append("  not tuned yet" if any(s["notes"].values()) else "  not taught yet")
        elif not s["tunes"]:
            lines.append(f"  judged by the standard model: {right_count(s['loo_before'], n)} of its notes right, "
                         f"what was taught did not do better{state.get(s.get('head'), '')}")
        else:
            lines.append(f"  tuned to your guitar: {right_count(s['loo_after'], n)} of its notes judged right, was "
                         f"{right_count(s['loo_before'], n, of=False)}{state.get(s.get('head'), '')}")
    lines += [f"damaged profile folder {d['folder']!r}: {d['error']}" for d in damaged]
    return "\n".join(lines)
