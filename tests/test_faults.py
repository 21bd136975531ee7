"""Every fault buzzfinder survives, and what the user sees: one test per row.

The command line is tested as the user meets it: ``python -m buzzfinder_app`` in a subprocess (exit
status, stdout, stderr); the window with pytest-qt. ``test_the_table_lists_every_test`` keeps the
table and the tests in step.

| fault | what the user sees | test |
|---|---|---|
| model file damaged (bytes overwritten or flipped), SHA-256 in its metadata | one line "model file … is damaged: its SHA-256 differs …", exit 2, nothing on stdout | test_a_damaged_model_is_refused |
| damaged model without a SHA-256 that computes NaN | one line "… gave a non-finite output …", exit 2 (classify and analyze) | test_a_model_that_computes_nan_is_refused_at_run_time |
| damaged model in the app | an error banner "The model could not be loaded: … is damaged …"; the status bar says "model: none" | test_the_app_shows_a_damaged_model_in_a_banner |
| metadata "features": "x", a malformed "sha256", JSON nested 200,000 deep | one line naming the metadata problem, exit 2 | test_malformed_metadata_is_one_line_and_exit_2 |
| `--input-file F --exit-when-done` with F text, empty, truncated, NaN, all zeros or 0.1 s long | the app exits 1 at once (after playing F, for zeros) with "buzzfinder: F: <problem>" on stderr | test_exit_when_done_never_hangs_on_a_bad_file |
| `--input-file F --exit-when-done` with the model missing or invalid | exit 2, "buzzfinder: the model could not be loaded: …" on stderr | test_exit_when_done_never_hangs_on_a_bad_model |
"""

from __future__ import annotations

import hashlib
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

from tests.conftest import synth_pluck
from tests.ui_conftest import *  # noqa: F401,F403  (fixtures: ui_env, themed_app, no_devices, ...)
from tests.ui_conftest import make_window

from buzzfinder_app.constants import SAMPLE_RATE

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "assets" / "buzzfinder.tflite"


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


def copy_model(folder: Path, *, sha256: bool = True, damage=None) -> Path:
    """A copy of the shipped model in ``folder``, its metadata carrying the SHA-256 of the good bytes;
    ``damage(bytearray)`` then changes the copy's bytes."""
    if not SHIPPED.is_file():
        pytest.skip("assets/buzzfinder.tflite is not there yet")
    folder.mkdir(parents=True, exist_ok=True)
    content = bytearray(SHIPPED.read_bytes())
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    meta.pop("sha256", None)
    if sha256:
        meta["sha256"] = hashlib.sha256(content).hexdigest()
    if damage is not None:
        damage(content)
    path = folder / "model.tflite"
    path.write_bytes(bytes(content))
    path.with_suffix(".json").write_text(json.dumps(meta))
    return path


def overwrite_middle(content: bytearray, n: int = 4000) -> None:
    """``n`` bytes in the middle of the file set to 0xff (a NaN in every float they cover)."""
    mid = len(content) // 2
    content[mid - n // 2: mid + n // 2] = b"\xff" * n


def flip_bytes(content: bytearray, n: int = 200) -> None:
    for i in np.random.default_rng(0).choice(np.arange(len(content) // 4, len(content)), n, replace=False):
        content[i] ^= 0xFF


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
    listed = re.findall(r"\| (test_\w+) \|", __doc__)
    defined = [name for name in globals() if name.startswith("test_") and name != "test_the_table_lists_every_test"]
    assert sorted(set(listed)) == sorted(defined)


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


def test_the_app_shows_a_damaged_model_in_a_banner(qtbot, ui_env, themed_app, no_devices, monkeypatch):
    bad = copy_model(ui_env / "bad", damage=flip_bytes)
    monkeypatch.setenv("BUZZFINDER_MODEL", str(bad))
    w = make_window()
    qtbot.addWidget(w)
    text = w.banner.messages()["model"]
    assert text.startswith("The model could not be loaded: model file") and "is damaged" in text
    assert w.live is None and w.model_status.text() == "model: none"


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
