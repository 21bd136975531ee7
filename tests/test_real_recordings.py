"""The done-when checks on the real recordings beside the repository (skipped when absent).

`four_notes.wav` is one nylon-string take with four plucked notes, three of them later damped by
hand: `analyze` must report exactly the four onsets (a damping is a release, not a note), and the
app playing the file as its microphone must store exactly those four notes in one session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.real


def buzzfinder(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("buzzfinder")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "buzzfinder_app"]
    return subprocess.run(cmd + list(args), env=env, capture_output=True, text=True, timeout=timeout)


def test_analyze_finds_exactly_the_four_onsets(real_dir):
    take = real_dir / "takes" / "four_notes.wav"
    truth = json.loads((real_dir / "takes" / "four_notes.json").read_text())["onsets_s"]
    out = buzzfinder("analyze", str(take), "--json")
    assert out.returncode == 0, out.stderr
    [result] = json.loads(out.stdout)
    onsets = [n["onset_s"] for n in result["notes"]]
    assert len(onsets) == len(truth), onsets
    assert all(abs(a - b) <= 0.030 for a, b in zip(onsets, truth)), (onsets, truth)
    assert all(n["label"] in ("clean", "buzzy", "muted", "unsure") and n["provisional"]["at_s"] > n["onset_s"]
               for n in result["notes"])


def test_the_app_plays_the_take_into_one_stored_session(real_dir, tmp_path):
    take = real_dir / "takes" / "four_notes.wav"
    truth = json.loads((real_dir / "takes" / "four_notes.json").read_text())["onsets_s"]
    env = dict(os.environ, BUZZFINDER_DATA_DIR=str(tmp_path / "data"), BUZZFINDER_CONFIG_DIR=str(tmp_path / "cfg"))
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    played = buzzfinder("--input-file", str(take), "--exit-when-done", env=env)
    assert played.returncode == 0, played.stdout + played.stderr
    out = buzzfinder("sessions", "--json", env=env)
    assert out.returncode == 0, out.stderr
    [session] = json.loads(out.stdout)
    assert session["input"] == str(take.resolve()) and session["ended_at"]
    onsets = [n["onset_s"] for n in session["notes"]]
    assert len(onsets) == 4 and all(abs(a - b) <= 0.030 for a, b in zip(onsets, truth)), (onsets, truth)
