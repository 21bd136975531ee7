"""The practice history: sessions and their notes in SQLite.

Every note is committed on its own (WAL, synchronous=FULL), so a crash loses at most the note being
written. A session a crash left open keeps `ended_at` null until the next session starts, which
closes it at its last note; a session is owned by its process ("host:pid"), and one whose owner
still runs (a second app on the same history) is never closed by another. The schema version is `PRAGMA user_version`: the number of
`MIGRATIONS` applied, each in its own transaction.

Text that is not valid UTF-8 (a damaged byte) never stops a read: the row is left out and named in
`damaged` ("note 17", "session 3"), so the rest of the history can still be exported. With
`read_only=True` (the `sessions` command) the database is opened with SQLite's `mode=ro`, and
`immutable=1` where its folder cannot be written: a read-only data folder can still be exported.

Shares of buzzy and muted notes are of the judged notes (clean + buzzy + muted; unsure left out).
An exercise repetition counts once it has a note; it succeeded when one of its notes has the
outcome "success" (a repetition skipped before any note was played is not counted).
"""

from __future__ import annotations

import csv
import errno
import json
import os
import socket
import sqlite3
import threading
from collections import defaultdict
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from pathlib import Path
from typing import Callable, Iterator, TextIO

from buzzfinder_app.practice.paths import data_dir
from buzzfinder_app.practice.exercise import Feedback
from buzzfinder_app.words import plural

FILE_NAME = "sessions.sqlite3"
MODES = ("free", "exercise", "file", "teach", "neck")
JUDGED_LABELS = ("buzzy", "clean", "muted")

#: The schema's history, oldest first; never edit an entry, append a new one.
MIGRATIONS = (
    # v1: the first release — sessions and their notes' verdicts.
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        input TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('free', 'exercise', 'file'))
    );
    CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        onset_s REAL NOT NULL,
        label TEXT NOT NULL,
        confidence REAL NOT NULL,
        pitch_hz REAL
    );
    """,
    # v2: exercise settings and input device; class probabilities, note name, level and the
    # exercise context of each note.
    """
    ALTER TABLE sessions ADD COLUMN settings TEXT;
    ALTER TABLE sessions ADD COLUMN device TEXT;
    ALTER TABLE notes ADD COLUMN p_buzzy REAL;
    ALTER TABLE notes ADD COLUMN p_clean REAL;
    ALTER TABLE notes ADD COLUMN p_muted REAL;
    ALTER TABLE notes ADD COLUMN note TEXT;
    ALTER TABLE notes ADD COLUMN level_dbfs REAL;
    ALTER TABLE notes ADD COLUMN step INTEGER;
    ALTER TABLE notes ADD COLUMN repetition INTEGER;
    ALTER TABLE notes ADD COLUMN target TEXT;
    ALTER TABLE notes ADD COLUMN outcome TEXT;
    CREATE INDEX notes_by_session ON notes (session_id, id);
    """,
    # v3: the process that owns an open session ("host:pid"), so that a second app on the same
    # history never ends the first one's live session.
    """
    ALTER TABLE sessions ADD COLUMN owner TEXT;
    """,
    # v4: "teach" sessions (notes played as examples for a profile) and "neck" drills (the ladder walked
    # across the neck; the settings say which strings and frets). SQLite cannot change a CHECK
    # constraint, so the table is rebuilt (foreign keys are off while migrating: the notes stay).
    """
    CREATE TABLE sessions_v4 (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        input TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('free', 'exercise', 'file', 'teach', 'neck')),
        settings TEXT,
        device TEXT,
        owner TEXT
    );
    INSERT INTO sessions_v4 (id, started_at, ended_at, input, mode, settings, device, owner)
        SELECT id, started_at, ended_at, input, mode, settings, device, owner FROM sessions;
    DROP TABLE sessions;
    ALTER TABLE sessions_v4 RENAME TO sessions;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
#: The oldest schema that read-only access reads as it is (it has every column the reads use).
READABLE_FROM = 2

NOTE_COLUMNS = ("id", "session_id", "created_at", "onset_s", "label", "confidence", "p_buzzy", "p_clean",
                "p_muted", "pitch_hz", "note", "level_dbfs", "step", "repetition", "target", "outcome")


class StoreError(Exception):
    """The practice history could not be read or written; the message says why, for the user."""


@dataclass(frozen=True)
class SessionInfo:
    id: int
    started_at: str
    ended_at: str | None
    input: str
    mode: str
    settings: dict | None
    device: str | None
    note_count: int


@dataclass(frozen=True)
class NoteRow:
    id: int
    session_id: int
    created_at: str
    onset_s: float
    label: str
    confidence: float
    p_buzzy: float | None
    p_clean: float | None
    p_muted: float | None
    pitch_hz: float | None
    note: str | None
    level_dbfs: float | None
    step: int | None
    repetition: int | None
    target: str | None
    outcome: str | None


@dataclass(frozen=True)
class LabelStats:
    """Counts per label, shares of judged notes and the exercise success rate (None: no repetitions)."""

    notes: int
    counts: dict[str, int]
    buzzy_share: float
    muted_share: float
    repetitions: int
    successes: int

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.repetitions if self.repetitions else None

    @property
    def text(self) -> str:
        c = self.counts
        text = (f"{plural(self.notes, 'note')}: {c['clean']} clean, {c['buzzy']} buzzy ({self.buzzy_share:.0%}), "
                f"{c['muted']} muted ({self.muted_share:.0%}), {c['unsure']} unsure.")
        if self.repetitions:
            text += (f" Exercise: {self.successes} of {plural(self.repetitions, 'repetition')} succeeded "
                     f"({self.success_rate:.0%}).")
        return text


@dataclass(frozen=True)
class DayStats:
    day: date
    stats: LabelStats


@dataclass(frozen=True)
class BuzzCell:
    """One fretboard position of the buzz map."""

    string: int
    fret: int
    notes: int
    buzzy: int
    buzzy_share: float


@dataclass(frozen=True)
class History:
    """What the history view shows, read at once: the sessions (oldest first), each one's stats, the
    stats per day and the buzz map."""

    sessions: list[SessionInfo]
    summaries: dict[int, LabelStats]
    daily: list[DayStats]
    buzz_map: list[BuzzCell]


def _label_stats(rows) -> LabelStats:
    """Stats of (label, session_id, repetition, outcome) rows."""
    counts: dict[str, int] = defaultdict(int)
    repetitions, successes = set(), set()
    for label, session_id, repetition, outcome in rows:
        counts[label] += 1
        if repetition is not None:
            repetitions.add((session_id, repetition))
            if outcome == "success":
                successes.add((session_id, repetition))
    judged = sum(counts[label] for label in JUDGED_LABELS)
    return LabelStats(
        notes=sum(counts.values()),
        counts={label: counts[label] for label in (*JUDGED_LABELS, "unsure")},
        buzzy_share=counts["buzzy"] / judged if judged else 0.0,
        muted_share=counts["muted"] / judged if judged else 0.0,
        repetitions=len(repetitions),
        successes=len(successes),
    )


def _daily_stats(rows, tz: tzinfo | None) -> list[DayStats]:
    """Stats per day (in ``tz``) of (id, created_at, label, session_id, repetition, outcome) rows."""
    by_day = defaultdict(list)
    for _, created_at, *rest in rows:
        by_day[datetime.fromisoformat(created_at).astimezone(tz).date()].append(rest)
    return [DayStats(day, _label_stats(by_day[day])) for day in sorted(by_day)]


def _user_message(exc: Exception, path: Path) -> str:
    text = str(exc).lower()
    code = exc.errno if isinstance(exc, OSError) else None
    if "full" in text or code == errno.ENOSPC:
        return (f"The disk holding your practice history ({path}) is full, so the last note was not saved. "
                "Free some space; everything saved before is kept.")
    if "readonly" in text or "read-only" in text or code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"Your practice history at {path} cannot be written (read-only or no permission). "
                "Fix the folder's permissions, or set BUZZFINDER_DATA_DIR to a writable folder.")
    if "unable to open" in text or isinstance(exc, OSError):
        return (f"Your practice history cannot be opened at {path}: {exc}. Check that the folder exists and is "
                "writable, or set BUZZFINDER_DATA_DIR to another folder.")
    return f"Your practice history at {path} could not be used: {exc}."


class _Undecodable(str):
    """Text read from the database that is not valid UTF-8 (shown with replacement characters)."""


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _Undecodable(raw.decode("utf-8", "replace"))


_OWNER = f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str | None) -> bool:
    """Whether the process that opened a session still runs (another host's: assumed so)."""
    host, _, pid = (owner or "").rpartition(":")
    if not owner or not pid.isdigit():
        return False  # written before sessions had owners
    if host != socket.gethostname():
        return True
    if int(pid) == os.getpid():
        return False  # this process's own session left open: it is not running any more
    if os.name == "nt":  # os.kill(pid, 0) would end the process there
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, int(pid))  # PROCESS_QUERY_LIMITED_INFORMATION
        code = ctypes.c_ulong()
        alive = bool(handle) and ctypes.windll.kernel32.GetExitCodeProcess(handle, ctypes.byref(code)) \
            and code.value == 259  # STILL_ACTIVE
        if handle:
            ctypes.windll.kernel32.CloseHandle(handle)
        return bool(alive)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _settings(text: str | None) -> dict | None:
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None


class SessionStore:
    """Sessions and notes in `path` (default: `sessions.sqlite3` in the user's data folder).

    Safe to share between threads; every method raises `StoreError` when the database fails.
    """

    def __init__(self, path: str | os.PathLike | None = None, clock: Callable[[], datetime] = _utc_now,
                 read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else data_dir() / FILE_NAME
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        #: Rows left out of reads because their text is not valid UTF-8 ("note 17", "session 3").
        self.damaged: list[str] = []
        try:
            with self._guard():
                if read_only:
                    self._open_read_only()
                else:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                                 timeout=5.0)
                    self._conn.execute("PRAGMA journal_mode = WAL")
                    self._conn.execute("PRAGMA synchronous = FULL")
                    self._migrate()  # before foreign keys are on: a rebuilt table must not cascade
                    self._conn.execute("PRAGMA foreign_keys = ON")
                self._conn.text_factory = _decode
        except StoreError:
            self.close()
            raise

    def _open_read_only(self) -> None:
        """Open for reading only; no history yet reads as an empty one (nothing is created)."""
        try:
            self.path.stat()  # a folder in the path that is a file, say, is an error (OSError)
        except FileNotFoundError:
            self._conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            self._conn.executescript("".join(MIGRATIONS))
            return
        writable = os.access(self.path.parent, os.W_OK)
        uri = f"{self.path.resolve().as_uri()}?mode=ro" + ("" if writable else "&immutable=1")
        self._conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=5.0)
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if not READABLE_FROM <= version <= SCHEMA_VERSION:
            raise StoreError(f"Your practice history at {self.path} has schema {version}, this buzzfinder reads "
                             f"{SCHEMA_VERSION}; open it once with the app of the same version to update it.")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> "SessionStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Serialise access and turn database and file errors into `StoreError`."""
        with self._lock:
            try:
                yield
            except (sqlite3.Error, OSError) as exc:
                if self._conn is not None and self._conn.in_transaction:
                    with suppress(sqlite3.Error):  # best effort: the original error is the one to report
                        self._conn.execute("ROLLBACK")
                raise StoreError(_user_message(exc, self.path)) from exc

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"Your practice history at {self.path} was written by a newer buzzfinder "
                             f"(schema {version}, this one knows {SCHEMA_VERSION}); update buzzfinder.")
        for number in range(version, SCHEMA_VERSION):
            self._conn.executescript(f"BEGIN; {MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;")

    def _now(self) -> str:
        return self._clock().astimezone(timezone.utc).isoformat(timespec="milliseconds")

    def start_session(self, input: str, mode: str, settings: dict | None = None, device: str | None = None) -> int:
        """Open a new session (closing any a crash left open) and return its id.

        input: the device name or file path; mode: "free" | "exercise" | "file" | "teach" (notes played as
        examples for a profile) | "neck" (the neck drill); settings: the drill's settings
        (`ExerciseSettings.to_dict()`, `NeckSettings.to_dict()`).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        with self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            self._close_open_sessions()
            cursor = self._conn.execute(
                "INSERT INTO sessions (started_at, input, mode, settings, device, owner) VALUES (?, ?, ?, ?, ?, ?)",
                (self._now(), input, mode, None if settings is None else json.dumps(settings), device, _OWNER))
            self._conn.execute("COMMIT")
            return cursor.lastrowid

    def _close_open_sessions(self) -> None:
        """End the sessions left open by processes that no longer run (a crash), at their last note."""
        rows = self._conn.execute("SELECT id, owner FROM sessions WHERE ended_at IS NULL").fetchall()
        for session_id in (sid for sid, owner in rows if not _owner_alive(owner)):
            self._conn.execute(
                """UPDATE sessions SET ended_at = COALESCE(
                       (SELECT MAX(created_at) FROM notes WHERE notes.session_id = sessions.id), started_at)
                   WHERE id = ?""", (session_id,))

    def update_session(self, session_id: int, mode: str, settings: dict | None) -> None:
        """The drill changed during the session (another target, free play): the session says so."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        with self._guard():
            self._conn.execute("UPDATE sessions SET mode = ?, settings = ? WHERE id = ?",
                               (mode, None if settings is None else json.dumps(settings), session_id))

    def end_session(self, session_id: int) -> None:
        with self._guard():
            self._conn.execute("UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                               (self._now(), session_id))

    def add_note(self, session_id: int, *, onset_s: float, label: str, confidence: float,
                 probs: dict[str, float] | None = None, pitch_hz: float | None = None, note: str | None = None,
                 level_dbfs: float | None = None, step: int | None = None, repetition: int | None = None,
                 target: str | None = None, outcome: str | None = None) -> int:
        """Store one final verdict, committed before returning; returns the note's id.

        target: "string:fret" (e.g. "3:5") for exercise notes; outcome: `Feedback.outcome`.
        """
        probs = probs or {}
        values = (session_id, self._now(), onset_s, label, confidence, probs.get("buzzy"), probs.get("clean"),
                  probs.get("muted"), pitch_hz, note, level_dbfs, None if step is None else int(step),
                  repetition, target, outcome)
        with self._guard():
            try:
                cursor = self._conn.execute(
                    f"INSERT INTO notes ({', '.join(NOTE_COLUMNS[1:])}) VALUES ({', '.join('?' * len(values))})",
                    values)
            except sqlite3.IntegrityError:
                raise ValueError(f"there is no session {session_id}") from None
            return cursor.lastrowid

    def add_event(self, session_id: int, event, feedback=None, target: str | None = None,
                  onset_s: float | None = None) -> int:
        """Store an engine ``NoteEvent`` (a final one): the one event-to-row mapping of the app.

        An exercise's :class:`~buzzfinder_app.practice.exercise.Feedback` gives the step, repetition and
        outcome (free play's feedback has none); ``onset_s`` replaces the event's (a looped file's notes
        are stored at their time in the file).
        """
        verdict = event.verdict
        exercise = feedback if isinstance(feedback, Feedback) else None
        return self.add_note(
            session_id, onset_s=float(event.onset_s if onset_s is None else onset_s), label=verdict.label,
            confidence=float(verdict.confidence), probs=dict(verdict.probs or {}), pitch_hz=event.pitch_hz,
            note=event.note, level_dbfs=event.level_dbfs, step=None if exercise is None else int(exercise.step),
            repetition=None if exercise is None else exercise.rep, target=target,
            outcome=None if exercise is None else exercise.outcome)

    def _readable(self, rows, what: Callable[[tuple], str]) -> list[tuple]:
        """The rows whose text is valid UTF-8; the others are named in :attr:`damaged`."""
        good = []
        for row in rows:
            if any(isinstance(value, _Undecodable) for value in row):
                if what(row) not in self.damaged:
                    self.damaged.append(what(row))
            else:
                good.append(row)
        return good

    def sessions(self) -> list[SessionInfo]:
        """All sessions, oldest first (damaged ones left out: see :attr:`damaged`)."""
        with self._guard():
            rows = self._conn.execute(
                """SELECT s.id, s.started_at, s.ended_at, s.input, s.mode, s.settings, s.device,
                          (SELECT COUNT(*) FROM notes n WHERE n.session_id = s.id)
                   FROM sessions s ORDER BY s.started_at, s.id""").fetchall()
        return [SessionInfo(r[0], r[1], r[2], r[3], r[4], _settings(r[5]), r[6], r[7])
                for r in self._readable(rows, lambda r: f"session {r[0]}")]

    def notes(self, session_id: int | None = None, since: datetime | None = None) -> list[NoteRow]:
        """The notes of one session (all sessions when None; played at ``since`` or later when given),
        in the order they were played (damaged ones left out: see :attr:`damaged`)."""
        query = f"SELECT {', '.join(NOTE_COLUMNS)} FROM notes"
        with self._guard():
            if session_id is None and since is not None:
                after = since.astimezone(timezone.utc).isoformat(timespec="milliseconds")
                rows = self._conn.execute(f"{query} WHERE created_at >= ? ORDER BY session_id, id",
                                          (after,)).fetchall()
            elif session_id is None:
                rows = self._conn.execute(f"{query} ORDER BY session_id, id").fetchall()
            else:
                rows = self._conn.execute(f"{query} WHERE session_id = ? ORDER BY id", (session_id,)).fetchall()
        return [NoteRow(*row) for row in self._readable(rows, lambda r: f"note {r[0]} (session {r[1]})")]

    def note_times(self) -> list[str]:
        """When each note was played (ISO 8601, UTC), in no order: the days practised, read cheaply."""
        with self._guard():
            return [r[0] for r in self._conn.execute("SELECT created_at FROM notes").fetchall()]

    def summary(self, session_id: int) -> LabelStats:
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, label, session_id, repetition, outcome FROM notes WHERE session_id = ?",
                (session_id,)).fetchall()
        return _label_stats(r[1:] for r in self._readable(rows, lambda r: f"note {r[0]} (session {r[2]})"))

    def _stat_rows(self) -> list[tuple]:
        """(id, created_at, label, session_id, repetition, outcome) of every readable note."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, created_at, label, session_id, repetition, outcome FROM notes").fetchall()
        return self._readable(rows, lambda r: f"note {r[0]} (session {r[3]})")

    def daily_stats(self, tz: tzinfo | None = None) -> list[DayStats]:
        """Stats per day (in `tz`, local time by default) on which notes were played, oldest first."""
        return _daily_stats(self._stat_rows(), tz)

    def history(self, tz: tzinfo | None = None) -> History:
        """The sessions, each one's :meth:`summary`, the :meth:`daily_stats` and the :meth:`buzz_map`
        in three queries, however many sessions there are."""
        sessions = self.sessions()
        rows = self._stat_rows()
        by_session = defaultdict(list)
        for _, _, label, session_id, repetition, outcome in rows:
            by_session[session_id].append((label, session_id, repetition, outcome))
        return History(sessions, {s.id: _label_stats(by_session[s.id]) for s in sessions}, _daily_stats(rows, tz),
                       self.buzz_map())

    def buzz_map(self) -> list[BuzzCell]:
        """Per exercise target (string and fret): notes played and the share of judged ones that buzzed."""
        with self._guard():
            rows = self._conn.execute(
                f"""SELECT target, COUNT(*), SUM(label = 'buzzy'),
                           SUM(label IN ({', '.join('?' * len(JUDGED_LABELS))}))
                    FROM notes WHERE target IS NOT NULL GROUP BY target""", JUDGED_LABELS).fetchall()
        cells = []
        for target, count, buzzy, judged in rows:
            string, fret = (int(part) for part in target.split(":"))
            cells.append(BuzzCell(string, fret, count, buzzy, buzzy / judged if judged else 0.0))
        return sorted(cells, key=lambda cell: (cell.string, cell.fret))

    def export_json(self) -> list[dict]:
        """Every readable session with its readable notes, oldest first, in the documented export format:
        a note has every stored column (the probabilities as ``probs``), as the CSV rows do."""
        notes_by_session = defaultdict(list)
        for note in self.notes():
            fields = {}
            for column in NOTE_COLUMNS[2:]:
                if column.startswith("p_"):
                    fields.setdefault("probs", {})[column[2:]] = getattr(note, column)
                else:
                    fields[column] = getattr(note, column)
            notes_by_session[note.session_id].append(fields)
        return [{"id": s.id, "started_at": s.started_at, "ended_at": s.ended_at, "input": s.input, "mode": s.mode,
                 "notes": notes_by_session[s.id]} for s in self.sessions()]

    def export_csv(self, file: str | os.PathLike | TextIO) -> None:
        """One row per note, with its session's id, start, end, input and mode, to a path or an open text
        file: the fields of :meth:`export_json`, the probabilities as ``p_buzzy``, ``p_clean``, ``p_muted``."""
        if isinstance(file, (str, os.PathLike)):
            try:
                with open(file, "w", newline="", encoding="utf-8") as handle:
                    self.export_csv(handle)
            except OSError as exc:
                raise StoreError(f"Could not write {file}: {exc.strerror or exc}.") from exc
            return
        sessions = {s.id: s for s in self.sessions()}
        writer = csv.writer(file)
        writer.writerow(["session_id", "session_started_at", "session_ended_at", "input", "mode", *NOTE_COLUMNS[2:]])
        for note in self.notes():
            session = sessions.get(note.session_id)
            if session is None:  # a damaged session: named in `damaged`
                continue
            writer.writerow([session.id, session.started_at, session.ended_at, session.input, session.mode,
                             *(getattr(note, column) for column in NOTE_COLUMNS[2:])])
