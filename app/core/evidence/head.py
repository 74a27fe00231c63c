"""The audit chain's head kept outside the database, so a truncated or rewritten chain shows.

A hash chain proves nothing against someone who rewrites it from the start: its
head must also live elsewhere. Parley writes it to a small file beside the store
after each write, and into every export's manifest (which leaves the machine with
the exports). `verify` checks each copy it can find against the chain.

The file beside the store goes with the case folder: a folder put back whole to an older
copy takes its older head file with it. So the head is also kept in the user's own data
folder (`$PARLEY_HEADS_DIR`, else `$XDG_DATA_HOME/parley/heads`), one small file per case,
named by the case folder's path and its log's first entry: the account that worked on a
case remembers how far its log went, and a case put back to an older copy at the same
place shows on the same account. A copy of a case at another path, or on another machine
or account, has no such file: nothing is said of it. The account also keeps, per case folder
alone, the first entry's hash of the log it last wrote there: a log rewritten from its very first
entry (which changes that hash, so the file named by it is never found) shows by that.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from app.core.files import read_regular_text
from app.core.paths import user_data_dir
from app.core.processes import last_written, left_by_gone_process

HEAD_FILE = "audit-head.json"
HEADS_DIR_ENV = "PARLEY_HEADS_DIR"


@dataclass(frozen=True)
class AuditHead:
    entry_id: int
    hash: str

    def to_dict(self) -> dict[str, object]:
        return {"entry": self.entry_id, "hash": self.hash}


def write_head_file(case_folder: Path, head: AuditHead | None) -> None:
    """Atomically; never an error for the caller (the store is the record, this a copy)."""
    if head is not None:
        _write(case_folder / HEAD_FILE, head.to_dict())
        _remove_killed_writes(case_folder)


TMP_PREFIX = ".audit-head."


def _remove_killed_writes(folder: Path) -> None:
    """The temporary files of head writes killed before their rename (`.audit-head.PID.XXXX.tmp`: a
    kill during the fsync each commit makes), never a live writer's; they stayed in the case folder."""
    try:
        leftovers = list(folder.glob(f"{TMP_PREFIX}*.tmp"))
    except OSError:
        return
    for stale in leftovers:
        pid = stale.name[len(TMP_PREFIX):].split(".", 1)[0]
        if pid != str(os.getpid()) and left_by_gone_process(pid, last_written(stale)):
            stale.unlink(missing_ok=True)


def _write(path: Path, data: dict, synced: bool = True) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}.", suffix=".tmp", dir=path.parent)
    except OSError:
        return  # a read-only or full folder: the file keeps its last value
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
            fh.flush()
            if synced:  # whole on disk before it replaces the last one (a power cut: old or new)
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def read_head_file(case_folder: Path) -> AuditHead | None:
    return _read(case_folder / HEAD_FILE)


def _seen_path(case_folder: Path, first_hash: str) -> Path:
    folder = Path(os.environ.get(HEADS_DIR_ENV) or user_data_dir() / "heads")
    key = hashlib.sha256(f"{case_folder}\n{first_hash}".encode()).hexdigest()[:32]
    return folder / f"{key}.json"


def read_seen_head(case_folder: Path, first_hash: str) -> AuditHead | None:
    """The head this account last wrote for the case at this path whose log begins with `first_hash`."""
    return _read(_seen_path(case_folder, first_hash))


def write_seen_head(case_folder: Path, first_hash: str, head: AuditHead, head_file_apart: str | None = None) -> None:
    """Never an error for the caller (a read-only home: the case is still worked on). `head_file_apart`: the
    hash the case's head file named when this account saw the log, where the log did not hold it (a log cut short
    before this account first saw it here: a power cut, a copy without its -wal); kept with what was seen, so the
    head file is not later taken for one put there since."""
    path = _seen_path(case_folder, first_hash)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    extra = {"head_file_apart": head_file_apart} if head_file_apart else {}
    # not synced: one lost to a power cut is older than the store, never ahead of it, and says nothing
    _write(path, {**head.to_dict(), "case": str(case_folder), **extra}, synced=False)


def seen_head_file_apart(case_folder: Path, first_hash: str) -> str | None:
    """The head file's hash this account saw beside the log, apart from it (see write_seen_head), if any."""
    try:
        value = json.loads(read_regular_text(_seen_path(case_folder, first_hash))).get("head_file_apart")
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    return value if _is_sha256(value) else None


def _folder_path(case_folder: Path) -> Path:
    folder = Path(os.environ.get(HEADS_DIR_ENV) or user_data_dir() / "heads")
    return folder / f"{hashlib.sha256(f'{case_folder}'.encode()).hexdigest()[:32]}.folder.json"


@dataclass(frozen=True)
class FolderHead:
    """What this account last saw of the case in a folder: its log's first entry's hash, its head, and
    marks that do not depend on the chain (entry 1's time; the digests of entry 2's and the head's own
    content), which tell this case's log rewritten from its first entry from another case put there."""
    first: str
    head: AuditHead
    marks: dict[str, str]


def read_folder_head(case_folder: Path) -> FolderHead | None:
    path = _folder_path(case_folder)
    head = _read(path)
    try:
        data = json.loads(read_regular_text(path)) if head else {}
        first, marks = data.get("first"), data.get("marks", {})
    except (OSError, ValueError, AttributeError, RecursionError):
        return None
    if head is None or not isinstance(first, str) or not isinstance(marks, dict):
        return None
    return FolderHead(first, head, {str(k): str(v) for k, v in marks.items()})


def folders_seen_beginning(first: str) -> list[str]:
    """The case folders where this account last saw a log begin with `first` (a case moved from one to another)."""
    folder = Path(os.environ.get(HEADS_DIR_ENV) or user_data_dir() / "heads")
    found = []
    try:
        kept = sorted(folder.glob("*.folder.json"))
    except OSError:
        return []
    for path in kept:
        try:
            data = json.loads(read_regular_text(path))
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(data, dict) and data.get("first") == first and isinstance(data.get("case"), str):
            found.append(data["case"])
    return found


def write_folder_head(case_folder: Path, seen: FolderHead) -> None:
    """Never an error for the caller, as `write_seen_head`."""
    path = _folder_path(case_folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    _write(path, {**seen.head.to_dict(), "first": seen.first, "marks": seen.marks, "case": str(case_folder)},
           synced=False)


def _read(path: Path) -> AuditHead | None:
    """The head a file holds; None for one missing, unreadable or not as Parley writes it (an entry that is not
    a whole number SQLite can hold, a hash that is not 64 hex digits, JSON nested past what can be read)."""
    try:
        data = json.loads(read_regular_text(path))
        entry, digest = data["entry"], data["hash"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if type(entry) is not int or not 0 < entry < 2**63 or not _is_sha256(digest):
        return None
    return AuditHead(entry, digest)


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
