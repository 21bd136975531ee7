"""A screenshot of a real window on the X display (e.g. Xvfb), taken from outside the app.

The app under test draws through Qt's xcb back end like on a desktop; a child process, also on
xcb, grabs the screen area of the window (found by its title with ``xwininfo``) and saves a PNG.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_GRAB = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(['grab', '-platform', 'xcb'])\n"
    "x, y, w, h = (int(v) for v in sys.argv[2:6])\n"
    "sys.exit(0 if app.primaryScreen().grabWindow(0, x, y, w, h).save(sys.argv[1]) else 1)\n"
)


def unavailable() -> str | None:
    """Why no X screenshot can be taken here, or None."""
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return "no X display (run the tests under xvfb-run)"
    if not shutil.which("xwininfo"):
        return "xwininfo is missing (apt install x11-utils)"
    return None


def window_geometry(title: str, env: dict | None = None) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the top-level window called ``title``."""
    out = subprocess.run(["xwininfo", "-name", title], capture_output=True, text=True, timeout=10, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"no window called {title!r}: {out.stderr.strip()}")
    fields = dict(re.findall(r"^\s*(Absolute upper-left [XY]|Width|Height):\s*(-?\d+)", out.stdout, re.M))
    return tuple(int(fields[k]) for k in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height"))


def grab_window(title: str, path: Path, env: dict | None = None) -> Path:
    """Save what the X screen shows of the window called ``title`` to ``path`` (PNG)."""
    x, y, w, h = window_geometry(title, env)
    child_env = dict(env or os.environ)
    child_env["QT_QPA_PLATFORM"] = "xcb"
    out = subprocess.run([sys.executable, "-c", _GRAB, str(path), str(x), str(y), str(w), str(h)],
                         capture_output=True, text=True, timeout=60, env=child_env)
    if out.returncode != 0:
        raise RuntimeError(f"grabbing the screen failed: {out.stderr.strip()[-500:]}")
    return path
