"""The audit chain's head kept outside the database, so a truncated or rewritten chain shows.

A hash chain proves nothing against someone who rewrites it from the start: its
head must also live elsewhere. Parley writes it to a small file beside the store
after each write, and into every export's manifest (which leaves the machine with
the exports). `verify` checks each copy it can find against the chain.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

HEAD_FILE = "audit-head.json"


@dataclass(frozen=True)
class AuditHead:
    entry_id: int
    hash: str

    def to_dict(self) -> dict[str, object]:
        return {"entry": self.entry_id, "hash": self.hash}


def write_head_file(case_folder: Path, head: AuditHead | None) -> None:
    """Atomically; never an error for the caller (the store is the record, this a copy)."""
    if head is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=".audit-head.", suffix=".tmp", dir=case_folder)
    except OSError:
        return  # a read-only or full folder: the file keeps its last value
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(head.to_dict(), fh)
            fh.flush()
            os.fsync(fh.fileno())  # whole on disk before it replaces the last one (a power cut: old or new)
        os.replace(tmp, case_folder / HEAD_FILE)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def read_head_file(case_folder: Path) -> AuditHead | None:
    path = case_folder / HEAD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return AuditHead(int(data["entry"]), str(data["hash"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
