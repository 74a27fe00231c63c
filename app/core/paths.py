"""Where Parley keeps per-user data when no folder is named: $XDG_DATA_HOME/parley."""

from __future__ import annotations

import os
from pathlib import Path


def user_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "parley"
