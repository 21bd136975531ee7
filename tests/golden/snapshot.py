"""What ``analyze --json`` and ``classify --json`` say about the shared recordings, in a comparable form."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from buzzfinder_app import cli
from buzzfinder_app.model.runtime import default_model_path, metadata_path
from tests.conftest import REAL_DIR

SNAPSHOT = Path(__file__).with_name("shared_recordings.json")


def _run(argv: list[str]) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = cli.main(argv)
    if status != 0:
        raise RuntimeError(f"buzzfinder {' '.join(argv)} exited {status}")
    return json.loads(out.getvalue())


def _relative(results: list[dict]) -> list[dict]:
    for r in results:
        r["path"] = Path(r["path"]).relative_to(REAL_DIR).as_posix()
    return results


def current() -> dict:
    """The shipped model's results on ``../shared/data/real`` now (the take and the 15 clips)."""
    takes = sorted(str(p) for p in (REAL_DIR / "takes").glob("*.wav"))
    clips = sorted(str(p) for p in REAL_DIR.glob("*/*.wav") if p.parent.name != "takes")
    return {"model_sha256": json.loads(metadata_path(default_model_path()).read_text())["sha256"],
            "analyze": _relative(_run(["analyze", "--json", *takes])),
            "classify": _relative(_run(["classify", "--json", *clips]))}
