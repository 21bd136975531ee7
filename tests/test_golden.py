"""A refactor must not change a result: ``analyze`` and ``classify`` on the shared recordings, as snapshotted."""

from __future__ import annotations

import json

import pytest

from tests.golden.snapshot import SNAPSHOT, current

TOLERANCE = 1e-4


def _assert_same(got, want, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{where}: keys {sorted(got)} != {sorted(want)}"
        for key in want:
            _assert_same(got[key], want[key], f"{where}.{key}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {len(got)} items, snapshot has {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert got == pytest.approx(want, abs=TOLERANCE), f"{where}: {got} != {want}"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def test_results_on_the_shared_recordings_match_the_snapshot(real_dir):
    want = json.loads(SNAPSHOT.read_text())
    got = current()
    assert got["model_sha256"] == want["model_sha256"], (
        "the shipped model changed: if on purpose, regenerate with `.venv/bin/python -m tests.golden.update`")
    _assert_same(got["analyze"], want["analyze"], "analyze")
    _assert_same(got["classify"], want["classify"], "classify")
    onsets = [n["onset_s"] for n in got["analyze"][0]["notes"]]
    truth = json.loads((real_dir / "takes" / "four_notes.json").read_text())["onsets_s"]
    assert onsets == pytest.approx(truth, abs=0.01)
