"""Every fault buzzfinder survives, and what the user sees: one test per row.

The command line is tested as the user meets it: ``python -m buzzfinder_app`` in a subprocess (exit
status, stdout, stderr); the window with pytest-qt (``test_the_app_*``, in ``tests/ui/test_ui_faults.py``). ``test_the_table_lists_every_test`` keeps the
table and the tests in step.

| fault | what the user sees | test |
|---|---|---|
| model file damaged (bytes overwritten or flipped), SHA-256 in its metadata | one line "model file … is damaged: its SHA-256 differs …", exit 2, nothing on stdout | test_a_damaged_model_is_refused |
| damaged model without a SHA-256 that computes NaN | one line "… gave a non-finite output …", exit 2 (classify and analyze) | test_a_model_that_computes_nan_is_refused_at_run_time |
| an exception nothing caught inside the window (a slot that raised) | an error banner "Something went wrong inside buzzfinder: <function> (<error>) … Details: <log>"; the traceback in buzzfinder.log in the data folder; listening stops, the notes so far are saved | test_the_app_shows_an_uncaught_exception_and_logs_it |
| damaged model in the app | an error banner "The model could not be loaded: … is damaged …"; the status bar says "model: none" | test_the_app_shows_a_damaged_model_in_a_banner |
| metadata "features": "x", a malformed "sha256", JSON nested 200,000 deep | one line naming the metadata problem, exit 2 | test_malformed_metadata_is_one_line_and_exit_2 |
| `--input-file F --exit-when-done` with F text, empty, truncated, NaN, all zeros or 0.1 s long | the app exits 1 at once (after playing F, for zeros) with "buzzfinder: F: <problem>" on stderr | test_exit_when_done_never_hangs_on_a_bad_file |
| `--input-file F --exit-when-done` with the model missing or invalid | exit 2, "buzzfinder: the model could not be loaded: …" on stderr | test_exit_when_done_never_hangs_on_a_bad_model |
| a 10-minute file through classify, teach and analyze | each is streamed: peak RSS under 150 MiB (`benchmarks/memory_bench.py`: an hour, under 200 MB) | test_a_long_file_is_read_in_flat_memory |
| a file that is only a DC offset | classify: "buzzfinder: F: no note: silent once its DC offset is removed", exit 1; analyze: 0 notes | test_a_dc_only_file_is_no_note_everywhere |
| float samples of 1e30 | "buzzfinder: F: contains samples far beyond full scale (1e+30) (first at … s)", exit 1, no RuntimeWarning | test_huge_float_samples_are_refused_quietly |
| a note whose label is not valid UTF-8 (integrity_check still ok) | sessions, --json, --csv: everything else exported; "buzzfinder: note 2 (session 1) of the practice history is damaged … left out", exit 1 | test_a_damaged_row_does_not_stop_the_export |
| a read-only data folder | sessions --json exports the history (SQLite mode=ro, immutable=1), exit 0 | test_a_read_only_data_folder_can_be_exported |
| two apps on one data folder | neither ends the other's live session: each is owned by its process; one left open by a process that died is ended at its last note when the next session starts | test_a_second_app_never_ends_the_first_ones_session |
| a 300-character file name among good files (classify, analyze, teach) | "buzzfinder: NAME: cannot be read (File name too long)", the good files judged, exit 1 | test_an_os_error_is_that_files_error_line |
| a file in a folder without search permission | "buzzfinder: F: cannot be read (Permission denied)", the other files judged, exit 1 | test_a_folder_without_permission_is_that_files_error_line |
| `teach --profile` with a 300-character name | one line "bad profile name …: at most 60 characters", exit 2 | test_a_too_long_profile_name_is_one_line |
| profile names that share a slug ("a/b", "a-b"; "ünï★", "n") or are not Latin ("Гитара", "吉他") | each is its own profile in its own folder | test_profile_names_are_identities_in_any_script |
| a 0-byte head.npz | classify --profile refits the head (exit 0); the app judges with it | test_an_empty_head_file_is_refitted, test_the_app_refits_an_empty_head_file |
| a stored note WAV that cannot be read | left out of the fit: "warning: note ID (PATH) cannot be read: … (left out)" on stderr, exit 0 | test_an_unreadable_note_is_left_out_with_a_warning |
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.support.models import copy_model, flip_bytes, overwrite_middle
from tests.support.signals import synth_pluck
from tests.ui import test_ui_faults as window_faults

from buzzfinder_app.constants import SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[1]


# -- helpers -------------------------------------------------------------------------------------

def cli(*argv, timeout: float = 120, **env) -> subprocess.CompletedProcess:
    """``python -m buzzfinder_app ARGV`` with this checkout's code and the test's environment."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "buzzfinder_app", *map(str, argv)], capture_output=True,
                          text=True, timeout=timeout, env=environment, cwd=ROOT)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    """The single ``buzzfinder: …`` line on stderr (and no traceback)."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("buzzfinder: "), done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A one-note clip: a G3 pluck after 0.3 s of faint noise."""
    y = np.concatenate([np.zeros(int(0.3 * SAMPLE_RATE), np.float32), synth_pluck(196.0, 1.5)])
    y += np.random.default_rng(1).standard_normal(len(y)).astype(np.float32) * 1e-4
    path = tmp_path_factory.mktemp("clips") / "clip.wav"
    sf.write(path, y, SAMPLE_RATE)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """The shipped model with its SHA-256 in its metadata."""
    return copy_model(tmp_path_factory.mktemp("model"))


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    """Empty data and config folders for the app and the subprocesses it starts."""
    monkeypatch.setenv("BUZZFINDER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BUZZFINDER_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


def test_the_table_lists_every_test():
    rows = [line for line in __doc__.splitlines() if line.startswith("| ")]
    listed = [name for row in rows for name in re.findall(r"test_\w+", row.split("|")[-2])]
    defined = [name for name in globals() if name.startswith("test_") and name != "test_the_table_lists_every_test"]
    in_the_window = [name for name in vars(window_faults) if name.startswith("test_the_app_")]
    assert sorted(set(listed)) == sorted(defined + in_the_window)


# -- 1. the model --------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", [overwrite_middle, flip_bytes], ids=["4000-overwritten", "200-flipped"])
def test_a_damaged_model_is_refused(tmp_path, home, clip, damage):
    bad = copy_model(tmp_path, damage=damage)
    done = cli("classify", "--json", clip, "--model", bad)
    assert done.returncode == 2 and done.stdout == ""
    assert one_error_line(done) == (f"buzzfinder: model file {bad} is damaged: its SHA-256 differs from the one "
                                    "in its metadata")


def test_a_model_that_computes_nan_is_refused_at_run_time(tmp_path, home, clip, model):
    good = cli("classify", "--json", clip, "--model", model)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)[0]["label"] in ("buzzy", "clean", "muted", "unsure")
    bad = copy_model(tmp_path, sha256=False, damage=overwrite_middle)
    for command in ("classify", "analyze"):
        done = cli(command, "--json", clip, "--model", bad)
        assert done.returncode == 2 and done.stdout == ""
        assert "gave a non-finite output (NaN or infinity)" in one_error_line(done)


@pytest.mark.parametrize("change, message", [
    (lambda meta: meta.update(features="x"), '"features" must be an object'),
    (lambda meta: meta.update(sha256="not-a-digest"), '"sha256" must be 64 lower-case hex digits'),
    (lambda meta: "[" * 200_000 + "]" * 200_000, "nested too deeply"),
], ids=["features-x", "sha256-malformed", "200000-deep"])
def test_malformed_metadata_is_one_line_and_exit_2(tmp_path, home, clip, model, change, message):
    path = copy_model(tmp_path)
    meta = json.loads(path.with_suffix(".json").read_text())
    text = change(meta)
    path.with_suffix(".json").write_text(text if isinstance(text, str) else json.dumps(meta))
    done = cli("classify", clip, "--model", path)
    assert done.returncode == 2 and done.stdout == ""
    assert message in one_error_line(done)


# -- 8. --exit-when-done -------------------------------------------------------------------------

def app_run(*argv, timeout: float = 40) -> tuple[subprocess.CompletedProcess, float]:
    """The app on a file as its microphone, offscreen; (the process, its wall time)."""
    start = time.monotonic()
    done = cli(*argv, "--exit-when-done", timeout=timeout, QT_QPA_PLATFORM="offscreen")
    return done, time.monotonic() - start


def bad_file(folder: Path, kind: str) -> Path:
    """A file of ``kind``: text, empty, truncated (a header and 16 bytes), nan, zeros (2 s) or short (0.1 s)."""
    path = folder / f"{kind}.wav"
    tone = (0.3 * np.sin(np.arange(2 * SAMPLE_RATE) * 0.05)).astype(np.float32)
    if kind == "text":
        path.write_text("not audio at all\n" * 30)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        sf.write(path, tone, SAMPLE_RATE, subtype="PCM_16")
        path.write_bytes(path.read_bytes()[:60])
    elif kind == "nan":
        tone[1000] = np.nan
        sf.write(path, tone, SAMPLE_RATE, subtype="FLOAT")
    elif kind == "zeros":
        sf.write(path, np.zeros_like(tone), SAMPLE_RATE)
    elif kind == "short":
        sf.write(path, tone[: SAMPLE_RATE // 10], SAMPLE_RATE)
    return path


@pytest.mark.parametrize("kind, problem", [
    ("text", "not an audio file that can be read"), ("empty", "file is empty (0 bytes)"),
    ("truncated", "too short (0.00 s"), ("nan", "contains NaN or infinite samples"), ("zeros", "is silent"),
    ("short", "too short (0.10 s"),
])
def test_exit_when_done_never_hangs_on_a_bad_file(tmp_path, home, model, kind, problem):
    path = bad_file(tmp_path, kind)
    done, seconds = app_run("--input-file", path, "--model", model)
    assert done.returncode == 1 and f"buzzfinder: {path}: {problem}" in done.stderr.splitlines()[-1]
    assert seconds < 25  # the zeros are played (2 s) before they are known to be silent


def test_exit_when_done_never_hangs_on_a_bad_model(tmp_path, home, clip):
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"junk")
    junk.with_suffix(".json").write_text("{}")
    for model, reason in ((tmp_path / "none.tflite", "not found"), (junk, "malformed")):
        done, seconds = app_run("--input-file", clip, "--model", model)
        assert done.returncode == 2 and seconds < 25
        last = done.stderr.splitlines()[-1]
        assert last.startswith("buzzfinder: the model could not be loaded: model ") and reason in last


# -- 4. filesystem errors of one input -----------------------------------------------------------

def test_an_os_error_is_that_files_error_line(tmp_path, home, clip, model):
    long_name = tmp_path / ("x" * 300 + ".wav")
    for command in ("classify", "analyze", "teach"):
        extra = ["--profile", "p", "--label", "clean"] if command == "teach" else ["--json"]
        done = cli(command, *extra, long_name, clip, "--model", model)
        assert done.returncode == 1, done.stderr
        assert done.stderr.splitlines() == [f"buzzfinder: {long_name}: cannot be read (File name too long)"]
        if command == "teach":
            assert f"{clip}: clean note at" in done.stdout
        else:
            assert [r.get("error") for r in json.loads(done.stdout)] == ["cannot be read (File name too long)", None]


def test_a_folder_without_permission_is_that_files_error_line(tmp_path, home, clip, model, capsys, monkeypatch):
    """A folder without search permission; as root (which may search any folder) the OS's refusal is
    injected into ``Path.stat`` of the files in it, in process."""
    locked = tmp_path / "locked"
    locked.mkdir()
    shutil.copy(clip, locked / "note.wav")
    if os.geteuid() != 0:
        locked.chmod(0o600)
        try:
            done = cli("classify", "--json", locked / "note.wav", clip, "--model", model)
        finally:
            locked.chmod(0o700)
        status, out, err = done.returncode, done.stdout, done.stderr
    else:
        real_stat = Path.stat

        def stat(path, *args, **kwargs):
            if path.parent == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return real_stat(path, *args, **kwargs)

        monkeypatch.setattr(Path, "stat", stat)
        from buzzfinder_app import cli as buzzfinder_cli

        status = buzzfinder_cli.main(["classify", "--json", str(locked / "note.wav"), str(clip), "--model", str(model)])
        out, err = capsys.readouterr()
    assert status == 1 and err.splitlines() == [f"buzzfinder: {locked / 'note.wav'}: cannot be read (Permission denied)"]
    assert [r.get("error") for r in json.loads(out)] == ["cannot be read (Permission denied)", None]


def test_a_too_long_profile_name_is_one_line(home, clip, model):
    done = cli("teach", "--profile", "p" * 300, "--label", "clean", clip, "--model", model)
    assert done.returncode == 2 and done.stdout == ""
    assert one_error_line(done) == f"buzzfinder: bad profile name {'p' * 20!r}…: at most 60 characters"


# -- 9. profiles ---------------------------------------------------------------------------------

def teach(name: str, label: str, *files, model) -> subprocess.CompletedProcess:
    done = cli("teach", "--profile", name, "--label", label, *files, "--model", model)
    assert done.returncode == 0, done.stderr
    return done


def profiles_json(model) -> dict:
    done = cli("profiles", "--json", "--model", model)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_profile_names_are_identities_in_any_script(home, clip, model):
    names = ["a/b", "a-b", "ünï★", "n", "Гитара", "吉他"]
    for name in names:
        assert f"created profile {name!r}" in teach(name, "clean", clip, model=model).stdout
    listed = profiles_json(model)["profiles"]
    assert sorted(p["name"] for p in listed) == sorted(names)
    assert len({p["path"] for p in listed}) == len(names)
    assert all(p["notes"]["clean"] == 1 for p in listed)
    again = teach("ГИТАРА", "muted", clip, model=model)  # the same name in other case: the same profile
    assert "created" not in again.stdout and "profile 'Гитара': 0 buzzy, 1 clean, 1 muted" in again.stdout
    judged = cli("classify", "--json", clip, "--profile", "吉他", "--model", model)
    assert judged.returncode == 0, judged.stderr


@pytest.fixture()
def taught(home, clip, model) -> Path:
    """Profile "Strat" with a clean and a muted note and a fitted head; returns its folder."""
    teach("Strat", "clean", clip, model=model)
    teach("Strat", "muted", clip, model=model)
    [profile] = profiles_json(model)["profiles"]
    assert profile["head"] == "current"
    return Path(profile["path"])


def test_an_empty_head_file_is_refitted(taught, clip, model):
    (taught / "head.npz").write_bytes(b"")
    done = cli("classify", "--json", clip, "--profile", "Strat", "--model", model)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert (taught / "head.npz").stat().st_size > 0


def test_an_unreadable_note_is_left_out_with_a_warning(taught, clip, model):
    teach("Strat", "clean", clip, model=model)
    bad = next((taught / "notes" / "clean").glob("*.wav"))
    bad.write_bytes(b"RIFF torn")
    more = teach("Strat", "muted", clip, model=model)  # the refit leaves it out
    assert f"warning: note {bad.stem} ({bad}) cannot be read" in more.stdout
    done = cli("classify", "--json", clip, "--profile", "Strat", "--model", model)
    assert done.returncode == 0 and json.loads(done.stdout)[0]["label"]
    assert re.fullmatch(rf"buzzfinder: warning: profile 'Strat': note {bad.stem} \({re.escape(str(bad))}\) cannot be "
                        r"read: .* \(left out\)", done.stderr.strip()), done.stderr


# -- 3 and 10. long files, odd samples -----------------------------------------------------------

def peak_rss_mib(*argv) -> tuple[subprocess.CompletedProcess, float]:
    """The CLI in a child that prints its own peak RSS (MiB) as the last line of stderr: VmHWM, the peak of
    this process image (getrusage's ru_maxrss would also count the pytest process it was forked from)."""
    code = ("import re, sys; from buzzfinder_app.cli import main; status = main(sys.argv[1:]); "
            "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
            "print(int(hwm) / 1024, file=sys.stderr); sys.exit(status)")
    done = subprocess.run([sys.executable, "-c", code, *map(str, argv)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    return done, float(done.stderr.splitlines()[-1])


def test_a_long_file_is_read_in_flat_memory(tmp_path, home, clip, model):
    note, _ = sf.read(clip, dtype="float32")
    take = np.tile(np.concatenate([note, np.zeros(SAMPLE_RATE, np.float32)]), int(600 / (len(note) / SAMPLE_RATE + 1)))
    path = tmp_path / "ten-minutes.wav"
    sf.write(path, take, SAMPLE_RATE, subtype="PCM_16")
    del take
    for argv in (["classify", "--json", path], ["teach", "--profile", "long", "--label", "clean", path],
                 ["analyze", "--json", path]):
        done, mib = peak_rss_mib(*argv, "--model", model)
        assert done.returncode == 0, done.stderr
        assert mib < 150, (argv[0], mib)  # the whole file at 22050 Hz alone is 50 MiB as float32


def test_a_dc_only_file_is_no_note_everywhere(tmp_path, home, model):
    path = tmp_path / "dc.wav"
    sf.write(path, np.full(2 * SAMPLE_RATE, 0.3, np.float32), SAMPLE_RATE, subtype="FLOAT")
    done = cli("classify", "--json", path, "--model", model)
    assert done.returncode == 1
    assert one_error_line(done) == f"buzzfinder: {path}: no note: silent once its DC offset is removed"
    assert json.loads(done.stdout) == [{"path": str(path), "error": "no note: silent once its DC offset is removed"}]
    analyzed = cli("analyze", "--json", path, "--model", model)
    assert analyzed.returncode == 0 and json.loads(analyzed.stdout)[0]["notes"] == []


def test_huge_float_samples_are_refused_quietly(tmp_path, home, clip, model):
    y, _ = sf.read(clip, dtype="float32")
    y[500] = 1e30
    path = tmp_path / "huge.wav"
    sf.write(path, y, SAMPLE_RATE, subtype="FLOAT")
    for command in ("classify", "analyze"):
        done = cli(command, path, clip, "--model", model, PYTHONWARNINGS="error")
        assert done.returncode == 1 and "clip.wav" in done.stdout
        assert one_error_line(done) == (f"buzzfinder: {path}: contains samples far beyond full scale (1e+30) "
                                        "(first at 0.023 s)")


# -- 6 and 7. the practice history ---------------------------------------------------------------

def two_sessions(home: Path) -> Path:
    """Sessions 1 (clean, buzzy, muted) and 2 (clean) in the data folder; returns the database."""
    from buzzfinder_app.practice.sessions import SessionStore

    with SessionStore() as store:
        for labels in (["clean", "buzzy", "muted"], ["clean"]):
            sid = store.start_session("take.wav", "file")
            for i, label in enumerate(labels):
                store.add_note(sid, onset_s=float(i), label=label, confidence=0.9)
            store.end_session(sid)
        return store.path


def test_a_damaged_row_does_not_stop_the_export(home):
    import sqlite3

    path = two_sessions(home)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE notes SET label = CAST(X'62757aff7a79' AS TEXT) WHERE id = 2")
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    line = "buzzfinder: note 2 (session 1) of the practice history is damaged (text that is not UTF-8) and was left out"
    for fmt in ("--json", "--csv", None):
        done = cli("sessions", *([fmt] if fmt else []))
        assert done.returncode == 1 and one_error_line(done) == line
        if fmt == "--json":
            assert [[n["label"] for n in s["notes"]] for s in json.loads(done.stdout)] == [["clean", "muted"], ["clean"]]
        elif fmt == "--csv":
            assert [row.split(",")[0] for row in done.stdout.splitlines()[1:]] == ["1", "1", "2"]
        else:
            assert "2 notes:" in done.stdout and "1 note:" in done.stdout


def test_a_read_only_data_folder_can_be_exported(home):
    data = two_sessions(home).parent
    argv = [sys.executable, "-m", "buzzfinder_app", "sessions", "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if os.geteuid() == 0:  # root writes anywhere: mount the folder read-only in a mount namespace of its own
        if shutil.which("unshare") is None:
            pytest.skip("unshare is needed to make a read-only folder as root")
        argv = ["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && touch "$0/x" 2>/dev/null; exec "$@"',
                str(data), *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
        if "mount" in done.stderr:
            pytest.skip(f"cannot mount read-only here: {done.stderr.strip()}")
    else:
        data.chmod(0o555)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
        finally:
            data.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert [len(s["notes"]) for s in json.loads(done.stdout)] == [3, 1]
    assert not (data / "x").exists()


def test_a_second_app_never_ends_the_first_ones_session(home):
    from buzzfinder_app.practice.sessions import SessionStore

    first = subprocess.Popen(  # the first app: a session open, a note whenever asked, then it dies
        [sys.executable, "-c", "import os, sys\n"
         "from buzzfinder_app.practice.sessions import SessionStore\n"
         "store = SessionStore(); sid = store.start_session('mic', 'free'); print(sid, flush=True)\n"
         "for line in sys.stdin:\n"
         "    store.add_note(sid, onset_s=float(line), label='clean', confidence=0.9); print('ok', flush=True)\n"
         "os._exit(9)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    try:
        theirs = int(first.stdout.readline())
        with SessionStore() as store:
            ours = store.start_session("file.wav", "file")  # the second app starts a session
            assert store.sessions()[0].ended_at is None
            for at in ("1.0", "2.0"):
                first.stdin.write(at + "\n")
                first.stdin.flush()
                assert first.stdout.readline().strip() == "ok"
            store.end_session(ours)
            [a, b] = store.sessions()
            assert (a.id, a.ended_at, a.note_count) == (theirs, None, 2) and b.ended_at is not None
    finally:
        first.stdin.close()
        first.wait(timeout=30)
    with SessionStore() as store:  # the first app is gone: its session is ended at its last note
        store.start_session("file.wav", "file")
        a = store.sessions()[0]
        assert a.ended_at == store.notes(a.id)[-1].created_at
