"""``buzzfinder sessions`` (the history export contract) and ``buzzfinder teach``/``profiles``."""

import csv
import io
import json

import numpy as np
import pytest
import soundfile as sf

from buzzfinder_app import cli
from buzzfinder_app.constants import SAMPLE_RATE
from buzzfinder_app.practice.sessions import SessionStore


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def add_session(store, input_name, labels):
    sid = store.start_session(input_name, "file")
    for i, label in enumerate(labels):
        probs = {"buzzy": 0.1, "clean": 0.1, "muted": 0.1} | {label: 0.8}
        store.add_note(sid, onset_s=0.5 + 2 * i, label=label, confidence=0.8, probs=probs, pitch_hz=110.0 * (i + 1),
                       note="A2", level_dbfs=-14.0, step=None, repetition=None, target=None, outcome=None)
    store.end_session(sid)
    return sid


def test_sessions_json_is_the_documented_contract(data_dir, capsys):
    with SessionStore() as store:
        first = add_session(store, "take-a.wav", ["clean", "buzzy"])
        second = add_session(store, "take-b.wav", ["muted"])
    assert cli.main(["sessions", "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in sessions] == [first, second]
    assert set(sessions[0]) == {"id", "started_at", "ended_at", "input", "mode", "notes"}
    assert sessions[0]["input"] == "take-a.wav" and sessions[0]["ended_at"] >= sessions[0]["started_at"]
    notes = sessions[0]["notes"]
    assert [n["label"] for n in notes] == ["clean", "buzzy"]
    assert [n["onset_s"] for n in notes] == [0.5, 2.5]
    assert set(notes[0]) >= {"onset_s", "label", "confidence", "probs", "pitch_hz", "note", "level_dbfs"}
    assert notes[1]["probs"] == {"buzzy": 0.8, "clean": 0.1, "muted": 0.1}
    assert notes[1]["pitch_hz"] == 220.0 and notes[1]["level_dbfs"] == -14.0


def test_sessions_csv_has_a_row_per_note_and_the_text_view_summarises(data_dir, capsys):
    with SessionStore() as store:
        add_session(store, "take-a.wav", ["clean", "buzzy", "buzzy"])
    assert cli.main(["sessions", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["label"] for r in rows] == ["clean", "buzzy", "buzzy"]
    assert cli.main(["sessions"]) == 0
    text = capsys.readouterr().out
    assert "take-a.wav" in text and "3 notes" in text


def test_sessions_with_no_history_says_so(data_dir, capsys):
    assert cli.main(["sessions"]) == 0
    assert "no sessions yet" in capsys.readouterr().out
    assert cli.main(["sessions", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_sessions_reports_an_unusable_data_dir(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(blocker / "data"))
    assert cli.main(["sessions", "--json"]) == cli.EXIT_SETUP
    err = capsys.readouterr().err
    assert err.startswith("buzzfinder: ") and "Traceback" not in err


def test_teach_takes_profile_and_label_options(data_dir, placeholder_model_path, pluck, tmp_path, capsys):
    files = []
    for i in range(2):
        path = tmp_path / f"note{i}.wav"
        lead_in = np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.float32)
        sf.write(path, np.concatenate([lead_in, pluck(196.0 * (i + 1), 1.2)]), SAMPLE_RATE)
        files.append(str(path))
    status = cli.main(["teach", "--profile", "my-nylon", "--label", "clean", *files,
                       "--model", str(placeholder_model_path)])
    out = capsys.readouterr().out
    assert status == 0 and "my-nylon" in out
    assert cli.main(["profiles", "--json", "--model", str(placeholder_model_path)]) == 0
    profiles = json.loads(capsys.readouterr().out)["profiles"]
    mine = [p for p in profiles if p["name"] == "my-nylon"]
    assert mine and sum(mine[0]["notes"].values()) == 2
    with pytest.raises(SystemExit):
        cli.main(["teach", "--profile", "x", "--label", "fuzzy", files[0]])
    capsys.readouterr()
    missing = str(tmp_path / "missing.wav")
    status = cli.main(["teach", "--profile", "my-nylon", "--label", "buzzy", files[0], missing,
                       "--model", str(placeholder_model_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == cli.EXIT_BAD_FILES and len(err) == 1 and "missing.wav" in err[0]


def test_sessions_json_and_csv_are_one_schema(data_dir, capsys):
    """Defect 11: ``--json`` lacked the step, repetition, target and outcome that ``--csv`` has. Each CSV
    row is its note's JSON fields and its session's (``id``, ``started_at`` and ``ended_at`` as
    ``session_…``, ``probs`` as ``p_…``), with the same values, and ``sessions --help`` names them all."""
    import re

    session_columns = {"id": "session_id", "started_at": "session_started_at", "ended_at": "session_ended_at",
                       "input": "input", "mode": "mode"}
    with SessionStore() as store:
        sid = store.start_session("Focusrite · input 2", "exercise")
        store.add_note(sid, onset_s=1.5, label="buzzy", confidence=0.7,
                       probs={"buzzy": 0.7, "clean": 0.2, "muted": 0.1}, pitch_hz=261.6, note="C4", level_dbfs=-18.0,
                       step=1, repetition=2, target="3:5",
                       outcome="too_soft")
        store.add_note(sid, onset_s=3.0, label="clean", confidence=0.9, probs=None, step=2, repetition=2,
                       target="3:5", outcome="success")
        store.end_session(sid)
        add_session(store, "take-a.wav", ["muted"])
    assert cli.main(["sessions", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert cli.main(["sessions", "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)

    def as_rows(session):
        head = {session_columns[key]: value for key, value in session.items() if key != "notes"}
        for note in session["notes"]:
            fields = {key: value for key, value in note.items() if key != "probs"}
            yield head | fields | {f"p_{label}": p for label, p in note["probs"].items()}

    flat = [row for session in sessions for row in as_rows(session)]
    assert [set(row) for row in rows] == [set(row) for row in flat]
    assert {"step", "repetition", "target", "outcome", "session_ended_at"} <= set(flat[0])
    assert [{k: "" if v is None else str(v) for k, v in row.items()} for row in flat] == rows
    assert flat[0]["outcome"] == "too_soft" and flat[1]["step"] == 2 and flat[1]["p_clean"] is None

    epilog = cli.build_parser()._subparsers._group_actions[0].choices["sessions"].epilog
    json_part, csv_part = epilog.split("--csv")
    assert set(re.findall(r'"(\w+)"', json_part)) == set(sessions[0]) | set(sessions[0]["notes"][0]) | set(
        sessions[0]["notes"][0]["probs"])
    assert csv_part.split("fields: ")[1].rstrip(".").split(", ") == list(rows[0])
