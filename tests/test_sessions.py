"""The SQLite session store: CRUD, statistics, exports, crashes, migrations and faults."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from buzzfinder_app.practice.exercise import Exercise, ExerciseSettings
from buzzfinder_app.practice.sessions import MIGRATIONS, SCHEMA_VERSION, SessionStore, StoreError

REPO = Path(__file__).resolve().parents[1]
C4 = 261.63


class Clock:
    def __init__(self, start):
        self.now = start

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc))


@pytest.fixture
def store(tmp_path, clock):
    with SessionStore(tmp_path / "sessions.sqlite3", clock=clock) as store:
        yield store


def add_free_notes(store, session_id, labels):
    for i, label in enumerate(labels):
        store.add_note(session_id, onset_s=i * 0.5, label=label, confidence=0.8,
                       probs={"buzzy": 0.1, "clean": 0.8, "muted": 0.1}, pitch_hz=C4, note="C4", level_dbfs=-20.0)


def play_exercise(store, settings, reps):
    """Play `reps` (lists of labels, or "skip") through a real Exercise, storing each note."""
    session_id = store.start_session("Mic", "exercise", settings.to_dict())
    exercise = Exercise(settings)
    pitch = settings.target_hz
    for rep in reps:
        for label in rep[:-1] if rep[-1] == "skip" else rep:
            feedback = exercise.on_note(label, 0.9, pitch)
            store.add_note(session_id, onset_s=0.0, label=label, confidence=0.9, pitch_hz=pitch,
                           step=feedback.step, repetition=feedback.rep, target=settings.target_key,
                           outcome=feedback.outcome)
        if rep[-1] == "skip":
            exercise.skip_repetition()
    store.end_session(session_id)
    return session_id


def test_sessions_and_notes_crud(store):
    first = store.start_session("Focusrite 2i2", "free", device="Focusrite 2i2")
    add_free_notes(store, first, ["clean", "buzzy"])
    store.end_session(first)
    second = store.start_session("take.wav", "file")
    settings = {"string": 3, "fret": 5, "finger": 1, "repetitions": 5}
    third = store.start_session("Mic", "exercise", settings)
    sessions = store.sessions()
    assert [s.id for s in sessions] == [first, second, third]
    assert [s.mode for s in sessions] == ["free", "file", "exercise"]
    assert sessions[0].device == "Focusrite 2i2" and sessions[0].note_count == 2
    assert sessions[0].ended_at is not None and sessions[0].ended_at > sessions[0].started_at
    assert sessions[1].ended_at is not None  # closed when the next one started
    assert sessions[2].ended_at is None and sessions[2].settings == settings
    notes = store.notes(first)
    assert [(n.label, n.onset_s, n.p_clean, n.note, n.level_dbfs) for n in notes] == [
        ("clean", 0.0, 0.8, "C4", -20.0), ("buzzy", 0.5, 0.8, "C4", -20.0)]
    assert datetime.fromisoformat(notes[0].created_at).tzinfo is not None
    assert store.notes(second) == []
    with pytest.raises(ValueError, match="no session"):
        store.add_note(999, onset_s=0, label="clean", confidence=1)
    with pytest.raises(ValueError, match="mode"):
        store.start_session("Mic", "jam")


def test_add_event_stores_an_engine_event_with_its_feedback(store):
    session_id = store.start_session("Mic", "exercise")
    verdict = SimpleNamespace(label="muted", confidence=0.7, probs={"buzzy": 0.2, "clean": 0.1, "muted": 0.7})
    event = SimpleNamespace(kind="final", index=0, onset_s=1.25, at_s=3.25, verdict=verdict, pitch_hz=None,
                            note=None, level_dbfs=-31.0)
    feedback = Exercise(ExerciseSettings(string=3, fret=5)).on_event(event)
    store.add_event(session_id, event, feedback, target="3:5")
    [note] = store.notes(session_id)
    assert (note.onset_s, note.label, note.p_muted, note.level_dbfs) == (1.25, "muted", 0.7, -31.0)
    assert (note.step, note.repetition, note.target, note.outcome) == (1, 1, "3:5", "advance")


@pytest.fixture
def known_history(store, clock):
    free = store.start_session("Mic", "free")
    add_free_notes(store, free, ["clean", "clean", "buzzy", "muted", "unsure"])
    store.end_session(free)
    day1 = play_exercise(store, ExerciseSettings(string=3, fret=5, repetitions=3), [
        ["muted", "buzzy", "clean"],
        ["muted", "clean", "buzzy", "skip"],
        ["muted", "buzzy", "clean"],
    ])
    clock.now = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)
    day2 = play_exercise(store, ExerciseSettings(string=6, fret=1, repetitions=2), [
        ["muted", "buzzy", "buzzy", "buzzy", "clean"],
        ["muted", "muted", "unsure", "skip"],
    ])
    return free, day1, day2


def test_summary_numbers(store, known_history):
    free, day1, day2 = known_history
    summary = store.summary(free)
    assert summary.notes == 5
    assert summary.counts == {"buzzy": 1, "clean": 2, "muted": 1, "unsure": 1}
    assert (summary.buzzy_share, summary.muted_share) == (0.25, 0.25)
    assert summary.success_rate is None
    assert summary.text == "5 notes: 2 clean, 1 buzzy (25%), 1 muted (25%), 1 unsure."
    exercise = store.summary(day1)
    assert exercise.counts == {"buzzy": 3, "clean": 3, "muted": 3, "unsure": 0}
    assert (exercise.repetitions, exercise.successes) == (3, 2)
    assert exercise.success_rate == pytest.approx(2 / 3)
    assert exercise.text.endswith("Exercise: 2 of 3 repetitions succeeded (67%).")
    late = store.summary(day2)
    assert late.buzzy_share == pytest.approx(3 / 7) and late.muted_share == pytest.approx(3 / 7)
    assert late.success_rate == pytest.approx(1 / 2)


def test_a_summary_of_one_note_and_one_repetition_is_singular(store):
    one = play_exercise(store, ExerciseSettings(string=3, fret=5, repetitions=1), [["muted", "buzzy", "clean"]])
    assert store.summary(one).text.endswith("Exercise: 1 of 1 repetition succeeded (100%).")
    free = store.start_session("Mic", "free")
    add_free_notes(store, free, ["clean"])
    assert store.summary(free).text.startswith("1 note: 1 clean")

def test_daily_stats(store, known_history):
    days = store.daily_stats(tz=timezone.utc)
    assert [d.day for d in days] == [date(2026, 11, 24), date(2026, 11, 25)]
    first, second = days[0].stats, days[1].stats
    assert first.notes == 14
    assert first.counts == {"buzzy": 4, "clean": 5, "muted": 4, "unsure": 1}
    assert first.buzzy_share == pytest.approx(4 / 13) and first.muted_share == pytest.approx(4 / 13)
    assert first.success_rate == pytest.approx(2 / 3)
    assert (second.notes, second.repetitions, second.successes) == (8, 2, 1)
    far_east = store.daily_stats(tz=timezone(timedelta(hours=14)))
    assert [d.day for d in far_east] == [date(2026, 11, 25), date(2026, 11, 26)]


def test_buzz_map(store, known_history):
    cells = store.buzz_map()
    assert [(c.string, c.fret, c.notes, c.buzzy) for c in cells] == [(3, 5, 9, 3), (6, 1, 8, 3)]
    assert cells[0].buzzy_share == pytest.approx(1 / 3)
    assert cells[1].buzzy_share == pytest.approx(3 / 7)


def test_history_is_read_in_three_queries_however_many_sessions(store, known_history):
    queries = []
    store._conn.set_trace_callback(queries.append)
    history = store.history(tz=timezone.utc)
    store._conn.set_trace_callback(None)
    assert len([q for q in queries if q.lstrip().upper().startswith("SELECT")]) == 3, queries
    assert history.sessions == store.sessions()
    assert history.summaries == {s.id: store.summary(s.id) for s in history.sessions}
    assert history.daily == store.daily_stats(tz=timezone.utc)
    assert history.buzz_map == store.buzz_map()


def test_json_export_contract(store, known_history):
    exported = json.loads(json.dumps(store.export_json()))
    assert [s["id"] for s in exported] == list(known_history)
    assert [s["mode"] for s in exported] == ["free", "exercise", "exercise"]
    starts = [datetime.fromisoformat(s["started_at"]) for s in exported]
    assert starts == sorted(starts)
    for session in exported:
        assert set(session) == {"id", "started_at", "ended_at", "input", "mode", "notes"}
        assert datetime.fromisoformat(session["ended_at"]) >= datetime.fromisoformat(session["started_at"])
        for note in session["notes"]:
            assert set(note) == {"created_at", "onset_s", "label", "confidence", "probs", "pitch_hz", "note",
                                 "level_dbfs", "step", "repetition", "target", "outcome"}
            assert set(note["probs"]) == {"buzzy", "clean", "muted"}
    free_notes = exported[0]["notes"]
    assert [n["label"] for n in free_notes] == ["clean", "clean", "buzzy", "muted", "unsure"]
    assert free_notes[1] == {"created_at": free_notes[1]["created_at"], "onset_s": 0.5, "label": "clean",
                             "confidence": 0.8, "probs": {"buzzy": 0.1, "clean": 0.8, "muted": 0.1}, "pitch_hz": C4,
                             "note": "C4", "level_dbfs": -20.0, "step": None, "repetition": None, "target": None,
                             "outcome": None}
    assert {n["target"] for n in exported[1]["notes"]} == {"3:5"}  # the exercise's fields, as in the CSV
    assert len(exported[1]["notes"]) == 9 and len(exported[2]["notes"]) == 8


def test_csv_export(store, known_history, tmp_path):
    buffer = io.StringIO()
    store.export_csv(buffer)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert len(rows) == 22
    assert rows[0]["mode"] == "free" and rows[0]["label"] == "clean" and float(rows[0]["p_clean"]) == 0.8
    assert [r["outcome"] for r in rows if r["outcome"] == "success"] == ["success"] * 3
    assert {r["target"] for r in rows[5:]} == {"3:5", "6:1"}
    path = tmp_path / "export.csv"
    store.export_csv(path)
    assert path.read_bytes().decode("utf-8") == buffer.getvalue()


def test_session_left_open_is_closed_at_its_last_note(tmp_path, clock):
    path = tmp_path / "sessions.sqlite3"
    crashed = SessionStore(path, clock=clock)
    session_id = crashed.start_session("Mic", "free")
    add_free_notes(crashed, session_id, ["clean", "buzzy", "muted"])
    last_note_at = crashed.notes(session_id)[-1].created_at
    crashed.close()  # no end_session: the app died
    clock.now += timedelta(hours=5)
    store = SessionStore(path, clock=clock)
    assert store.sessions()[0].ended_at is None
    store.start_session("Mic", "free")
    assert store.sessions()[0].ended_at == last_note_at
    store.close()


WRITER = """
import sys
from buzzfinder_app.practice.sessions import SessionStore
store = SessionStore(sys.argv[1])
session_id = store.start_session("Mic", "free")
onset = 0
while True:
    note_id = store.add_note(session_id, onset_s=onset * 0.5, label="clean", confidence=0.9)
    print(note_id, flush=True)
    onset += 1
"""


def test_notes_survive_a_killed_process(tmp_path):
    path = tmp_path / "sessions.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    reported = []
    try:
        while len(reported) < 40:
            line = writer.stdout.readline()
            assert line, "the writer stopped before it was killed"
            reported.append(int(line))
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=10)
    reported += [int(line) for line in writer.stdout.read().split()]
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    with SessionStore(path) as store:
        stored = {note.id for note in store.notes()}
        assert set(reported) <= stored
        assert len(stored) <= len(reported) + 1  # at most the note in flight beyond what was reported
        assert store.sessions()[0].ended_at is None


def make_v1_database(path):
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO sessions (started_at, ended_at, input, mode) VALUES "
                 "('2025-01-02T18:00:00.000+00:00', '2025-01-02T18:20:00.000+00:00', 'USB Mic', 'free')")
    conn.executemany("INSERT INTO notes (session_id, created_at, onset_s, label, confidence, pitch_hz) "
                     "VALUES (1, ?, ?, ?, ?, ?)",
                     [("2025-01-02T18:01:00.000+00:00", 1.5, "buzzy", 0.7, 110.0),
                      ("2025-01-02T18:02:00.000+00:00", 4.0, "clean", 0.95, None)])
    conn.commit()
    conn.close()


def test_migration_from_v1_keeps_the_data(tmp_path, clock):
    path = tmp_path / "old.sqlite3"
    make_v1_database(path)
    with SessionStore(path, clock=clock) as store:
        [session] = store.sessions()
        assert (session.input, session.mode, session.ended_at, session.settings, session.device) == (
            "USB Mic", "free", "2025-01-02T18:20:00.000+00:00", None, None)
        notes = store.notes(session.id)
        assert [(n.label, n.confidence, n.pitch_hz, n.p_buzzy) for n in notes] == [
            ("buzzy", 0.7, 110.0, None), ("clean", 0.95, None, None)]
        new = store.start_session("USB Mic", "exercise", {"string": 5, "fret": 2}, device="USB Mic")
        store.add_note(new, onset_s=0.1, label="buzzy", confidence=0.6, probs={"buzzy": 0.6}, target="5:2")
        assert store.buzz_map()[0].string == 5
        assert store.export_json()[0]["notes"][0]["probs"] == {"buzzy": None, "clean": None, "muted": None}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    columns = {row[1] for row in conn.execute("PRAGMA table_info(notes)")}
    assert {"p_buzzy", "p_clean", "p_muted", "note", "level_dbfs", "step", "repetition", "target"} <= columns
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_failed_migration_leaves_the_old_schema_and_data(tmp_path):
    path = tmp_path / "odd.sqlite3"
    make_v1_database(path)
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE notes ADD COLUMN level_dbfs REAL")  # makes v2's ALTER fail half-way
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="duplicate column"):
        SessionStore(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "p_buzzy" not in {row[1] for row in conn.execute("PRAGMA table_info(notes)")}
    assert conn.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 2
    conn.close()


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer buzzfinder"):
        SessionStore(path)


def test_unwritable_data_dir_raises_a_clear_store_error(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(blocker / "buzzfinder"))
    with pytest.raises(StoreError) as error:
        SessionStore()
    message = str(error.value)
    assert str(blocker / "buzzfinder" / "sessions.sqlite3") in message and "BUZZFINDER_DATA_DIR" in message


def test_data_dir_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(tmp_path / "data"))
    with SessionStore() as store:
        assert store.path == tmp_path / "data" / "sessions.sqlite3"
        store.start_session("Mic", "free")
    assert (tmp_path / "data" / "sessions.sqlite3").exists()


def test_a_full_disk_raises_store_error_and_keeps_the_saved_notes(tmp_path, clock):
    path = tmp_path / "sessions.sqlite3"
    store = SessionStore(path, clock=clock)
    session_id = store.start_session("Mic", "free")
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # simulate a disk with room for little more
    saved = []
    with pytest.raises(StoreError, match="full") as error:
        for i in range(10_000):
            saved.append(store.add_note(session_id, onset_s=i, label="clean", confidence=0.9, note="C4" * 50))
    assert "everything saved before is kept" in str(error.value)
    assert saved
    store.close()
    with SessionStore(path) as reopened:
        assert [note.id for note in reopened.notes(session_id)] == saved


def test_a_session_follows_its_drill(store):
    sid = store.start_session("mic", "exercise", settings={"string": None, "fret": None, "finger": 1, "repetitions": 5})
    store.update_session(sid, "exercise", {"string": 3, "fret": 5, "finger": 1, "repetitions": 5})
    assert store.sessions()[-1].settings["fret"] == 5
    store.update_session(sid, "free", None)
    assert (store.sessions()[-1].mode, store.sessions()[-1].settings) == ("free", None)
    with pytest.raises(ValueError):
        store.update_session(sid, "jam", None)


def test_migration_to_v4_keeps_every_note_and_stores_teach_sessions(tmp_path, clock):
    """v4 rebuilds the sessions table (a new mode); foreign keys are off while it does, so no note is lost."""
    path = tmp_path / "v3.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript("".join(MIGRATIONS[:3]) + "PRAGMA user_version = 3;")
    conn.execute("INSERT INTO sessions (started_at, input, mode, owner) VALUES ('2026-01-01T10:00:00+00:00', 'mic', 'free', 'x:1')")
    conn.executemany("INSERT INTO notes (session_id, created_at, onset_s, label, confidence) VALUES (1, '2026-01-01T10:00:01+00:00', ?, 'clean', 0.9)",
                     [(0.5,), (1.5,), (2.5,)])
    conn.commit()
    conn.close()
    with SessionStore(path, clock=clock) as store:
        assert [n.onset_s for n in store.notes(1)] == [0.5, 1.5, 2.5]
        taught = store.start_session("mic", "teach", device="mic")
        store.add_note(taught, onset_s=0.2, label="muted", confidence=0.8)
        assert [s.mode for s in store.sessions()] == ["free", "teach"]
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM sessions WHERE id = 1")  # the notes still belong to their session
    assert conn.execute("SELECT COUNT(*) FROM notes WHERE session_id = 1").fetchone()[0] == 0
    conn.close()
