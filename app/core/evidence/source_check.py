"""The bytes transcribed are the bytes hashed: a file that changed after intake is not transcribed.

An exhibit is hashed when it is taken in and decoded later, by path. Before decoding
and again before its result is stored, the file is re-hashed (and its size compared)
against the intake record; any difference fails the job with the reason, so an
export can never print one SHA-256 above the words of other bytes. A file still
being written when it was taken in shows up here as a changed size.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import MediaError
from app.core.hashing import sha256_file
from app.core.types import SourceInfo

if TYPE_CHECKING:
    from app.core.store import Exhibit


def check_unchanged(source: SourceInfo) -> None:
    """Raise MediaError unless the file at source.path still has the intake size and SHA-256."""
    try:
        size = os.stat(source.path).st_size
    except OSError as exc:
        raise MediaError(source.path, f"cannot be read any more ({exc.strerror or exc})") from None
    if size != source.bytes:
        raise MediaError(source.path, f"the file changed since it was taken in ({source.bytes:,} bytes then, "
                                      f"{size:,} now: still being written, or replaced); not transcribed"
                                      f"{_extracted_note(source.path)}")
    if sha256_file(source.path) != source.sha256:
        raise MediaError(source.path, "the file's content changed since it was taken in (its SHA-256 "
                                      f"differs from the intake record); not transcribed{_extracted_note(source.path)}")


def file_stamp(path: str) -> tuple[int, int, int] | None:
    """The file's size, modification and status-change times (ns), or None if it cannot be read: taken
    at a check, a write after it shows as another stamp (a status change cannot be set back by hand)."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns


def reachable(exhibit: Exhibit) -> Exhibit:
    """The exhibit with a path that still exists (duplicates are linked at other paths)."""
    for path in (exhibit.source.path, *exhibit.paths):
        if Path(path).is_file():
            return exhibit if path == exhibit.source.path else replace(
                exhibit, source=replace(exhibit.source, path=path))
    raise MediaError(exhibit.source.path, "no such file (moved or deleted since it was added)")


def _extracted_note(path: str) -> str:
    """Said of the case's own copy of a chat export's voice note (`<case>/exports/<export's SHA-256>/...`),
    which a power cut can leave its size and zeros: the export still holds it whole."""
    for folder in Path(path).parents:
        if re.fullmatch(r"[0-9a-f]{64}", folder.name) and folder.parent.name == "exports" \
                and (folder.parent.parent / "case.sqlite").is_file():
            return ("; it is the case's own copy of a file in a chat export (a power cut can leave such a copy "
                    "unwritten): `timeline` on that export again writes the copy anew from it and transcribes it")
    return ""
