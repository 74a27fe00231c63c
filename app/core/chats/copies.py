"""The case's own copies of a chat export's files (a zip's voice notes, an SMS backup's recordings).

Each writer writes to its own hidden `.NAME.PID.XXXX.part` beside the copy (two commands taking in
one export at once each write theirs), synced before it is named, so a power cut never leaves a named
copy unwritten; what a killed writer left is removed by the next one (never a live writer's)."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from app.core.processes import last_written, left_by_gone_process

PART = ".part"


def write_copy(target: Path, fill: Callable[[BinaryIO], None], read_only: bool = False) -> Path:
    """`fill` writes the copy's bytes; they are put at `target` whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=PART, dir=target.parent)
    partial = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
            out.flush()
            os.fsync(out.fileno())  # on disk before it is named: a power cut leaves no named, unwritten copy
        partial.chmod(0o444 if read_only else 0o644)
        if target.is_file():
            target.chmod(0o644)  # a copy a power cut left unwritten: replaced (Windows will not replace read-only)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def remove_stale_parts(target: Path) -> None:
    """Partial copies of `target` whose writers are gone (killed), and an older Parley's `NAME.part`."""
    for stale in (*target.parent.glob(f".{glob.escape(target.name)}.*{PART}"), target.with_name(target.name + PART)):
        middle = stale.name[len(target.name) + 2:-len(PART)].split(".")
        pid = middle[0] if stale.name.startswith(".") and len(middle) == 2 else ""
        if stale.is_file() and left_by_gone_process(pid, last_written(stale)):
            stale.unlink(missing_ok=True)
