"""Atomic file writes for the personal store: a file is either the old version or the new one, never half.

Each writer writes a temporary file beside the target, flushes it to disk and renames it over the target
(``os.replace`` is atomic on one file system). Failures become :class:`StorageError` with a message
that names the file and says what went wrong, disk full included.
"""

from __future__ import annotations

import errno
import io
import json
import os
from pathlib import Path

import numpy as np
import soundfile as sf


class StorageError(OSError):
    """A file of the personal store could not be written or read; the message is for the user."""


def describe(exc: OSError, path: Path, action: str) -> str:
    """A user-facing sentence for an ``OSError`` met while ``action``-ing ``path``."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"cannot {action} {path}: the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot {action} {path}: permission denied"
    return f"cannot {action} {path}: {exc.strerror or exc}"


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, creating parent folders."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(describe(exc, path, "write")) from None


def write_json(path: Path, data) -> None:
    write_bytes(path, (json.dumps(data, indent=2) + "\n").encode())


def read_json(path: Path):
    """The parsed JSON in ``path``; :class:`StorageError` if missing, unreadable or damaged."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise StorageError(f"{path} is missing") from None
    except OSError as exc:
        raise StorageError(describe(exc, path, "read")) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StorageError(f"{path} is damaged (not valid JSON: {exc})") from None


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write mono float audio as a 32-bit float WAV (lossless for the model), atomically."""
    buf = io.BytesIO()
    sf.write(buf, np.asarray(audio, dtype=np.float32), sample_rate, format="WAV", subtype="FLOAT")
    write_bytes(path, buf.getvalue())


def write_npz(path: Path, arrays: dict) -> None:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    write_bytes(path, buf.getvalue())
