"""Regenerate the golden snapshots of ``analyze --json`` and ``classify --json`` on the shared recordings.

    .venv/bin/python -m tests.golden.update

Run it only when the shipped model or the features change on purpose (say why in the commit); a refactor
must leave the snapshots as they are. The snapshot holds results, not audio: it names the shared files by
their path under ``../shared/data/real`` and records the model's SHA-256.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.golden.snapshot import SNAPSHOT, current

if __name__ == "__main__":
    snap = current()
    SNAPSHOT.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n")
    print(f"wrote {SNAPSHOT}: {len(snap['analyze'])} take(s), {len(snap['classify'])} clips", file=sys.stderr)
