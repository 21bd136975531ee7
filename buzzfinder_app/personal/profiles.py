"""Profiles: one guitar played into one input device, with the notes the player labelled for it.

Layout under the app's data folder (:func:`buzzfinder_app.practice.paths.data_dir`)::

    profiles/<folder>/profile.json           name, guitar, device, created_at, default
    profiles/<folder>/notes.json             index: id, label, source, created_at, original
    profiles/<folder>/notes/<label>/<id>.wav the note window (float WAV at SAMPLE_RATE)
    profiles/<folder>/head.npz, head.json    the fitted personal head and what it was fitted on

A profile is its name (any letters, in any script; the same name whatever its case or Unicode
form), stored in ``profile.json``; the folder is only where it lives: the name's slug, with a
number added when another profile holds that folder, so two names never share one. Every file is
written atomically. A damaged ``notes.json`` is rebuilt from the WAV files; a damaged
``profile.json`` makes that profile unusable (listed by :meth:`ProfileStore.damaged`) without
hiding the others.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import soundfile as sf

from buzzfinder_app import constants as C
from buzzfinder_app.personal import files
from buzzfinder_app.practice.paths import data_dir

SOURCES = ("teach", "exercise", "file")
MAX_NAME = 60
_ID = re.compile(r"[A-Za-z0-9_-]+")
#: Serialises changes to notes indexes within this process (the UI and its worker thread may both add).
_INDEX_LOCK = threading.Lock()


class ProfileError(Exception):
    """A profile operation that cannot be done; the message says why, for the user."""


def slugify(name: str) -> str:
    """A folder name for a profile: its letters and digits (any script) in lower case, dashes between,
    at most 40 characters."""
    return re.sub(r"[\W_]+", "-", name_key(name)).strip("-")[:40].strip("-")


def name_key(name: str) -> str:
    """What makes two profile names the same name: case and Unicode form do not count."""
    return unicodedata.normalize("NFC", (name or "").strip()).casefold()


def check_name(name: str) -> str:
    """The name, stripped, or :class:`ProfileError` saying why it cannot name a profile."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not any(ch.isalnum() for ch in name):
        raise ProfileError(f"bad profile name {name[:20]!r}: use at least one letter or digit")
    if len(name) > MAX_NAME:
        raise ProfileError(f"bad profile name {name[:20]!r}…: at most {MAX_NAME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ProfileError(f"bad profile name {name[:20]!r}: no control characters")
    return name


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Profile:
    name: str
    guitar: str
    device: str
    created_at: str
    default: bool
    path: Path

    @property
    def slug(self) -> str:
        return self.path.name

    def to_dict(self) -> dict:
        d = asdict(self)
        del d["path"]
        return d


@dataclass
class Note:
    id: str
    label: str
    source: str
    created_at: str
    original: str | None
    path: Path

    def to_dict(self) -> dict:
        d = asdict(self)
        del d["path"]
        return d

    def read(self) -> np.ndarray:
        """The stored note window, float32 mono at SAMPLE_RATE."""
        try:
            audio, rate = sf.read(self.path, dtype="float32", always_2d=True)
        except (OSError, sf.LibsndfileError, RuntimeError) as exc:
            raise ProfileError(f"note {self.id} ({self.path}) cannot be read: {exc}") from None
        if rate != C.SAMPLE_RATE:
            raise ProfileError(f"note {self.id} ({self.path}) is at {rate} Hz, expected {C.SAMPLE_RATE} Hz")
        return audio.mean(axis=1)


class ProfileStore:
    """Profiles on disk under ``root`` (default: :func:`data_dir`)."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else data_dir()
        self.profiles_dir = self.root / "profiles"

    # -- profiles -------------------------------------------------------------------------------
    def list(self) -> list[Profile]:
        """Readable profiles, sorted by name (damaged ones are reported by :meth:`damaged`)."""
        out = []
        for folder in self._folders():
            try:
                out.append(self._read_profile(folder))
            except ProfileError:
                continue
        return sorted(out, key=lambda p: p.name.lower())

    def damaged(self) -> list[tuple[str, str]]:
        """``(folder, reason)`` for each profile folder whose ``profile.json`` cannot be used."""
        out = []
        for folder in self._folders():
            try:
                self._read_profile(folder)
            except ProfileError as exc:
                out.append((folder.name, str(exc)))
        return out

    def create(self, name: str, guitar: str = "", device: str = "", default: bool = False) -> Profile:
        """Create a profile in a folder of its own; :class:`ProfileError` for a bad or taken name."""
        name = check_name(name)
        existing = self.find(name)
        if existing is not None:
            raise ProfileError(f"a profile named {existing.name!r} already exists (folder {existing.path})")
        folder = self._claim_folder(slugify(name) or "profile")
        profile = Profile(name, guitar.strip(), device.strip(), _now(), default, folder)
        try:
            self._write_profile(profile)
            self._write_index(profile, [])
        except ProfileError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return profile

    def find(self, name: str) -> Profile | None:
        """The profile with this name, None if there is none; :class:`ProfileError` when the folder such
        a name would have holds a damaged profile."""
        damaged = None
        for folder in self._folders():
            try:
                profile = self._read_profile(folder)
            except ProfileError as exc:
                damaged = exc if folder.name == slugify(name) else damaged
                continue
            if name_key(profile.name) == name_key(name):
                return profile
        if damaged is not None:
            raise damaged
        return None

    def get(self, name: str) -> Profile:
        """The profile with this name; :class:`ProfileError` if there is none."""
        profile = self.find(name)
        if profile is None:
            known = ", ".join(p.name for p in self.list()) or "none yet"
            raise ProfileError(f"unknown profile {name[:80]!r} (profiles: {known})")
        return profile

    def delete(self, profile: Profile | str) -> None:
        """Delete a profile and its notes (a damaged one too, by its folder's name)."""
        if isinstance(profile, Profile):
            folder = profile.path
        elif profile and profile in {name for name, _ in self.damaged()}:
            folder = self.profiles_dir / profile
        else:
            folder = self.get(profile).path
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            raise ProfileError(files.describe(exc, folder, "delete")) from None

    def default_for(self, device: str, guitar: str = "") -> Profile:
        """The default profile of an input device, created on first use."""
        for p in self.list():
            if p.default and p.device == device:
                return p
        base = f"{device or 'Default input'}"[:MAX_NAME - 4]
        taken = {name_key(p.name) for p in self.list()}
        name = next(n for n in [base, *(f"{base} {i}" for i in range(2, 1000))] if name_key(n) not in taken)
        return self.create(name, guitar=guitar, device=device, default=True)

    def update(self, profile: Profile | str, *, guitar: str | None = None, device: str | None = None) -> Profile:
        """Change a profile's guitar or device description."""
        profile = self.resolve(profile)
        if guitar is not None:
            profile.guitar = guitar.strip()
        if device is not None:
            profile.device = device.strip()
        self._write_profile(profile)
        return profile

    # -- notes ----------------------------------------------------------------------------------
    def notes(self, profile: Profile | str) -> list[Note]:
        """The profile's notes in the order they were added (entries whose WAV is gone are skipped)."""
        profile = self.resolve(profile)
        return [n for n in self._read_index(profile) if n.path.is_file()]

    def add_note(self, profile: Profile | str, audio_window: np.ndarray, label: str, source: str,
                 original: str | Path | None = None) -> Note:
        """Store a note window (float mono at SAMPLE_RATE, cut around its onset) with its label."""
        profile = self.resolve(profile)
        _check_label(label)
        if source not in SOURCES:
            raise ProfileError(f"unknown note source {source!r} (expected one of {', '.join(SOURCES)})")
        audio = np.asarray(audio_window, dtype=np.float32).reshape(-1)
        if audio.size == 0 or not np.all(np.isfinite(audio)):
            raise ProfileError("the note window is empty or contains invalid samples")
        note_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        note = Note(note_id, label, source, _now(), str(original) if original else None,
                    _note_path(profile, label, note_id))
        self._guard(lambda: files.write_wav(note.path, audio, C.SAMPLE_RATE))
        try:
            with _INDEX_LOCK:
                self._write_index(profile, self._read_index(profile) + [note])
        except ProfileError:
            note.path.unlink(missing_ok=True)
            raise
        return note

    def relabel(self, profile: Profile | str, note_id: str, label: str) -> Note:
        """Give a note another label (its WAV moves to the new label's folder)."""
        profile = self.resolve(profile)
        _check_label(label)
        with _INDEX_LOCK:
            return self._relabel(profile, note_id, label)

    def _relabel(self, profile: Profile, note_id: str, label: str) -> Note:
        index = self._read_index(profile)
        note = _find(index, note_id)
        if note.label == label:
            return note
        target = _note_path(profile, label, note.id)
        old = note.path

        def move():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)

        self._guard(move, old, "move")
        note.label, note.path = label, target
        try:
            self._write_index(profile, index)
        except ProfileError:
            os.replace(target, old)
            raise
        return note

    def delete_note(self, profile: Profile | str, note_id: str) -> None:
        profile = self.resolve(profile)
        with _INDEX_LOCK:
            index = self._read_index(profile)
            note = _find(index, note_id)
            self._write_index(profile, [n for n in index if n.id != note_id])
        note.path.unlink(missing_ok=True)

    # -- head files -----------------------------------------------------------------------------
    def head_paths(self, profile: Profile | str) -> tuple[Path, Path]:
        """``(head.npz, head.json)`` of a profile."""
        folder = self.resolve(profile).path
        return folder / "head.npz", folder / "head.json"

    # -- internals ------------------------------------------------------------------------------
    def _claim_folder(self, slug: str) -> Path:
        """A new, empty folder for a profile: ``slug``, else ``slug-2``, ``slug-3``… (made at once, so
        two processes never get the same one)."""
        try:
            self.profiles_dir.mkdir(parents=True, exist_ok=True)
            for n in range(1, 10_000):
                folder = self.profiles_dir / (slug if n == 1 else f"{slug}-{n}")
                try:
                    folder.mkdir()
                    return folder
                except FileExistsError:
                    continue
        except OSError as exc:
            raise ProfileError(files.describe(exc, self.profiles_dir, "write")) from None
        raise ProfileError(f"too many profile folders named {slug!r}…")

    def _folders(self) -> list[Path]:
        if not self.profiles_dir.is_dir():
            return []
        return sorted(p for p in self.profiles_dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def resolve(self, profile: Profile | str) -> Profile:
        """A profile given as itself or by name."""
        return self.get(profile) if isinstance(profile, str) else profile

    def _guard(self, write, path: Path | None = None, action: str = "write") -> None:
        """Run ``write``; turn storage failures into :class:`ProfileError`."""
        try:
            write()
        except files.StorageError as exc:
            raise ProfileError(str(exc)) from None
        except OSError as exc:
            raise ProfileError(files.describe(exc, path, action)) from None

    def _write_profile(self, profile: Profile) -> None:
        self._guard(lambda: files.write_json(profile.path / "profile.json", profile.to_dict()))

    def _read_profile(self, folder: Path) -> Profile:
        try:
            d = files.read_json(folder / "profile.json")
            return Profile(str(d["name"]), str(d.get("guitar", "")), str(d.get("device", "")),
                           str(d.get("created_at", "")), bool(d.get("default", False)), folder)
        except files.StorageError as exc:
            raise ProfileError(f"profile {folder.name!r} is unusable: {exc}") from None
        except (KeyError, TypeError) as exc:
            raise ProfileError(f"profile {folder.name!r} is unusable: profile.json lacks {exc}") from None

    def _read_index(self, profile: Profile) -> list[Note]:
        try:
            rows = files.read_json(profile.path / "notes.json")
            notes = [Note(str(r["id"]), str(r["label"]), str(r["source"]), str(r["created_at"]), r.get("original"),
                          _note_path(profile, str(r["label"]), str(r["id"]))) for r in rows]
        except (files.StorageError, KeyError, TypeError):
            return self._rebuild_index(profile)
        if not all(n.label in C.LABELS and _ID.fullmatch(n.id) for n in notes):
            return self._rebuild_index(profile)
        return notes

    def _rebuild_index(self, profile: Profile) -> list[Note]:
        """Recover the index from the WAV files on disk (labels from their folders)."""
        notes = []
        for label in C.LABELS:
            for wav in sorted((profile.path / "notes" / label).glob("*.wav")):
                made = datetime.fromtimestamp(wav.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
                notes.append(Note(wav.stem, label, "unknown", made, None, wav))
        notes.sort(key=lambda n: n.created_at)
        try:
            self._write_index(profile, notes)
        except ProfileError:
            pass  # read-only or full disk: the recovered index still serves this read
        return notes

    def _write_index(self, profile: Profile, notes: list[Note]) -> None:
        self._guard(lambda: files.write_json(profile.path / "notes.json", [n.to_dict() for n in notes]))


def _check_label(label: str) -> None:
    if label not in C.LABELS:
        raise ProfileError(f"unknown label {label!r} (expected one of {', '.join(C.LABELS)})")


def _note_path(profile: Profile, label: str, note_id: str) -> Path:
    return profile.path / "notes" / label / f"{note_id}.wav"


def _find(index: list[Note], note_id: str) -> Note:
    for n in index:
        if n.id == note_id:
            return n
    raise ProfileError(f"no note {note_id!r} in this profile")
