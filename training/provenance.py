"""What the recipe was made of: each source's files, their Debian package and version, and checksums.

The shipped recipe uses three General-MIDI soundfonts and the shared Stratocaster recordings. A
reproduction that silently lacked one would train another model than the one shipped, so
:func:`check_sources` stops ``python -m training all`` with one line naming what is missing,
unless that source is dropped on purpose (``--drop-source NAME``, recorded in the metadata).
:func:`run_provenance` records the run itself: seed, commit, command line and date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

#: The recipe's soundfonts (short name -> file, as training.sources.soundfonts names them) and their packages.
RECIPE_SOUNDFONTS = {
    "FluidR3": ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "fluid-soundfont-gm"),
    "TimGM6mb": ("/usr/share/sounds/sf2/TimGM6mb.sf2", "timgm6mb-soundfont"),
    "MuseScore": ("/usr/share/sounds/sf3/MuseScore_General.sf3", "musescore-general-soundfont"),
}
STRAT = "strat"
REPO = Path(__file__).resolve().parents[1]


class MissingSource(SystemExit):
    """A recipe source is not installed (the message says which and how to get it)."""


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def package_version(package: str) -> str | None:
    if shutil.which("dpkg-query") is None:
        return None
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() or None if out.returncode == 0 else None


def folder_digest(files: list[Path]) -> str:
    """One SHA-256 over the names and checksums of ``files`` (sorted)."""
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f"{f.name} {sha256_of(f)}\n".encode())
    return h.hexdigest()


def missing_sources(strat_dir: Path) -> dict[str, str]:
    """Recipe sources that are not installed: name -> what is missing and how to get it."""
    missing = {name: f"soundfont {name} ({path}; apt-get install {pkg})"
               for name, (path, pkg) in RECIPE_SOUNDFONTS.items() if not Path(path).is_file()}
    if shutil.which("fluidsynth") is None:
        missing |= {name: "fluidsynth (apt-get install fluidsynth)" for name in RECIPE_SOUNDFONTS}
    if not any(Path(strat_dir).glob("*.flac")):
        missing[STRAT] = f"the shared Stratocaster notes ({strat_dir})"
    return missing


def check_sources(strat_dir: Path, dropped=()) -> None:
    """Raise :class:`MissingSource` when a source the recipe needs (and was not told to drop) is absent."""
    missing = sorted({why for name, why in missing_sources(strat_dir).items() if name not in dropped})
    if missing:
        raise MissingSource("training: the recipe needs " + "; ".join(missing) + " — run `tools/bootstrap test`, or "
                            "leave a source out on purpose with --drop-source NAME (recorded in the model's metadata)")


def describe_sources(strat_dir: Path, dropped=()) -> dict:
    """Each source used, with its package version and checksum, for the model's metadata."""
    out = {}
    for name, (path, pkg) in RECIPE_SOUNDFONTS.items():
        if name in dropped:
            out[name] = {"dropped": True}
        else:
            out[name] = {"file": path, "package": pkg, "version": package_version(pkg), "sha256": sha256_of(Path(path))}
    if STRAT in dropped:
        out[STRAT] = {"dropped": True}
    else:
        files = sorted(Path(strat_dir).glob("*.flac"))
        out[STRAT] = {"folder": "../shared/data/other_guitars/strat_di_clean", "files": len(files),
                      "sha256_of_files": folder_digest(files)}
    out["fluidsynth"] = {"package": "fluidsynth", "version": package_version("fluidsynth")}
    return out


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "training"], cwd=REPO, capture_output=True,
                               text=True).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def run_provenance(seed: int) -> dict:
    """The ``provenance`` entry of the exported model's metadata: seed, commit, command line and date."""
    return {"seed": seed, "git_commit": git_commit(), "command": "python -m training " + shlex.join(sys.argv[1:]),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
