"""``buzzfinder --self-test`` from the source tree: green on the shipped model, red (non-zero, a
clear FAIL line) for a missing or wrong model and for a take whose labels or onsets were tampered
with. Each run is a fresh interpreter, as the command would be."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buzzfinder_app.constants import LABELS, SAMPLE_RATE, WINDOW_S
from buzzfinder_app.model.features import DEFAULT_PARAMS
from buzzfinder_app.model.metadata import ModelMetadata
from buzzfinder_app.model.runtime import default_model_path
from buzzfinder_app.selftest import ONSET_TOLERANCE_MS, default_take_path, match_onsets

ROOT = Path(__file__).resolve().parents[1]
#: Runs the self-test and fails it if TensorFlow or librosa got imported on the way.
RUN = ("import sys\n"
       "from buzzfinder_app.selftest import main\n"
       "rc = main(sys.argv[1:])\n"
       "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'tensorflow', 'librosa', 'keras', 'scipy'})\n"
       "print('heavy imports:', heavy or 'none')\n"
       "sys.exit(rc or bool(heavy))\n")


def self_test(*args: str, cwd: Path = ROOT) -> tuple[int, str]:
    """(exit status, stdout) of a self-test run in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if k != "BUZZFINDER_SELFTEST_TAKE"}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    done = subprocess.run([sys.executable, "-c", RUN, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    return done.returncode, done.stdout


def line(output: str, name: str) -> str:
    """The output line of check ``name``."""
    found = [ln for ln in output.splitlines() if ln[5:].split(" ")[0] == name]
    assert len(found) == 1, output
    return found[0]


@pytest.fixture(scope="module")
def model() -> Path:
    """The model the app would load ($BUZZFINDER_MODEL or the shipped one), or skip."""
    path = default_model_path()
    if not path.is_file():
        pytest.skip(f"no model at {path} yet (training ships assets/buzzfinder.tflite)")
    return path


@pytest.fixture
def take_copy(tmp_path) -> Path:
    """A copy of the built-in take in tmp, to tamper with."""
    source = default_take_path()
    shutil.copy(source, tmp_path / "take.json")
    shutil.copy(source.parent / json.loads(source.read_text())["audio"], tmp_path)
    return tmp_path / "take.json"


def edit_notes(take: Path, change) -> None:
    data = json.loads(take.read_text())
    change(data["notes"])
    take.write_text(json.dumps(data))


def test_take_is_small_and_balanced():
    take = default_take_path()
    notes = json.loads(take.read_text())["notes"]
    assert sorted(n["label"] for n in notes) == ["buzzy", "buzzy", "clean", "clean", "muted", "muted"]
    assert (take.parent / "take.flac").stat().st_size < 300_000


def test_match_onsets_pairs_each_note_once_within_tolerance():
    tol = ONSET_TOLERANCE_MS / 1000
    expected = [(1.0, "clean"), (2.0, "buzzy"), (3.0, "muted")]
    found = [(1.0 + tol / 2, "clean"), (1.0 + tol * 0.9, "clean"), (2.0 + 2 * tol, "buzzy"), (3.0, "muted")]
    pairs, missed, extra = match_onsets(expected, found)
    assert pairs == [(0, 0), (2, 3)]
    assert missed == [1]
    assert extra == [1, 2]


def test_passes_on_the_model_without_heavy_imports(model, tmp_path):
    rc, out = self_test("--model", str(model), cwd=tmp_path)
    assert rc == 0, out
    assert [ln.split()[1] for ln in out.splitlines()[:6]] == ["model", "take", "onsets", "verdicts", "audio", "qt"]
    assert line(out, "model").startswith("ok   model    ")
    assert "6 of 6 within 30 ms" in line(out, "onsets") and "none extra" in line(out, "onsets")
    assert line(out, "audio").split()[0] in ("ok", "warn")  # no microphone is only a warning
    assert "self-test passed" in out and "heavy imports: none" in out


def test_fails_when_the_model_is_missing(tmp_path):
    rc, out = self_test("--model", str(tmp_path / "nowhere.tflite"))
    assert rc != 0
    assert line(out, "model").startswith("FAIL model") and "not found" in line(out, "model")
    assert line(out, "verdicts").startswith("FAIL verdicts")
    assert "self-test FAILED: model, verdicts" in out


def test_fails_when_the_model_file_is_corrupt(tmp_path):
    fake = tmp_path / "buzzfinder.tflite"
    fake.write_bytes(b"not a flatbuffer" * 100)
    ModelMetadata(labels=LABELS, sample_rate=SAMPLE_RATE, window_s=WINDOW_S, features=DEFAULT_PARAMS,
                  embedding_dim=64).save(tmp_path / "buzzfinder.json")
    rc, out = self_test("--model", str(fake))
    assert rc != 0
    assert line(out, "model").startswith("FAIL model") and "not a valid TFLite model" in line(out, "model")


def test_fails_when_the_model_does_not_match_this_app(model, tmp_path):
    shutil.copy(model, tmp_path / "buzzfinder.tflite")
    meta = json.loads(model.with_suffix(".json").read_text())
    meta["labels"] = meta["labels"][::-1]
    (tmp_path / "buzzfinder.json").write_text(json.dumps(meta))
    rc, out = self_test("--model", str(tmp_path / "buzzfinder.tflite"))
    assert rc != 0
    assert line(out, "model").startswith("FAIL model") and "does not match" in line(out, "model")


def test_fails_when_two_labels_are_tampered_with(model, take_copy):
    def swap(notes):  # a clean note called buzzy and a buzzy one called clean
        first_clean = next(n for n in notes if n["label"] == "clean")
        first_buzzy = next(n for n in notes if n["label"] == "buzzy")
        first_clean["label"], first_buzzy["label"] = "buzzy", "clean"

    edit_notes(take_copy, swap)
    rc, out = self_test("--model", str(model), "--take", str(take_copy))
    assert rc != 0
    verdicts = line(out, "verdicts")
    assert verdicts.startswith("FAIL verdicts") and "2 differ (1 allowed)" in verdicts, out


def test_one_disagreement_is_allowed_and_shown(model, take_copy):
    edit_notes(take_copy, lambda notes: notes[-1].update(label="clean" if notes[-1]["label"] != "clean" else "muted"))
    rc, out = self_test("--model", str(model), "--take", str(take_copy))
    verdicts = line(out, "verdicts")
    assert rc == 0, out
    assert verdicts.startswith("ok   verdicts 5 of 6") and "1 allowed" in verdicts and "note 6 at" in verdicts


def test_fails_when_an_onset_is_moved(model, take_copy):
    edit_notes(take_copy, lambda notes: notes[2].update(onset_s=notes[2]["onset_s"] + 0.05))
    rc, out = self_test("--model", str(model), "--take", str(take_copy))
    onsets = line(out, "onsets")
    assert rc != 0
    assert onsets.startswith("FAIL onsets   5 of 6") and "note 3 at" in onsets and "extra onset" in onsets


def test_fails_on_an_unusable_take(tmp_path):
    take = tmp_path / "take.json"
    take.write_text('{"audio": "take.flac", "notes": [{"onset_s": 0.3, "label": "twangy"}]}')
    rc, out = self_test("--take", str(take))
    assert rc != 0
    assert line(out, "take").startswith("FAIL take") and "twangy" in line(out, "take")
