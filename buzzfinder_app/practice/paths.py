"""Where the app keeps per-user files; environment variables override the platform defaults."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "buzzfinder"


def config_dir() -> Path:
    """Settings and calibrations: `BUZZFINDER_CONFIG_DIR`; else `BUZZFINDER_DATA_DIR` when that is set (one
    folder then holds everything, e.g. on a USB stick); else the platform's config folder."""
    return Path(os.environ.get("BUZZFINDER_CONFIG_DIR") or os.environ.get("BUZZFINDER_DATA_DIR")
                or user_config_dir(APP_NAME))


def data_dir() -> Path:
    """Practice history: `BUZZFINDER_DATA_DIR`, else the platform's data folder."""
    return Path(os.environ.get("BUZZFINDER_DATA_DIR") or user_data_dir(APP_NAME))
