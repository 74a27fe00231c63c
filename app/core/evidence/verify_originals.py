"""`verify`, the originals: each path an exhibit was taken in from, re-hashed against its intake record.

Something other than a file in an original's place (a named pipe, a folder, a symlink to `/dev/zero` or to
nothing) was said "original missing ... name its folder: verify --sources DIR", as if the evidence had been
moved: it is now said as what stands there, never read (a pipe would block, a device never end). A symlink
to a file of other bytes names where it leads; one to the same bytes is no finding (evidence is often taken
in through links).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from app.core.evidence.finding import Finding
from app.core.files import LEADS_NOWHERE, symlink_target, what_stands_at
from app.core.hashing import sha256_file
from app.core.store import Case


def original_findings(case: Case, moved_to: Sequence[Path] = ()) -> Iterator[Finding]:
    for exhibit in case.exhibits():
        for path in exhibit.paths:
            found = Path(path) if Path(path).is_file() else moved_original(Path(path), moved_to)
            subject = path if found is None or str(found) == path else f"{path} (found at {found})"
            standing = what_stands_at(path) if found is None else None
            hint = "" if moved_to else " (if the evidence was moved or copied, name its folder: verify --sources DIR)"
            if standing is not None and not standing.endswith(LEADS_NOWHERE):
                yield Finding(path, f"original replaced by {standing} (not read: it is not a file)")
            elif found is None:
                there = f": {standing}" if standing else " (not found at the path it was taken in from)"
                yield Finding(path, f"original missing{there}{hint}")
            # another size is another SHA-256, not hashed: a sparse file of terabytes in its place kept verify
            # hashing zeros for hours
            elif (isinstance(exhibit.source.bytes, int) and found.stat().st_size != exhibit.source.bytes
                  or sha256_file(found) != exhibit.source.sha256):
                link = symlink_target(found)
                subject += "" if link is None else f" (a symlink to {link})"
                yield Finding(subject, f"SHA-256 differs from the one taken at intake ({exhibit.source.sha256})")


def moved_original(path: Path, folders: Sequence[Path]) -> Path | None:
    """An original looked for under each folder named by the longest tail of the path it was taken in from
    (`/police/op17/evidence/phone/note.opus` is `DIR/phone/note.opus` with DIR the evidence folder copied)."""
    parts = path.parts[1:] if path.is_absolute() else path.parts
    for start in range(len(parts)):
        for folder in folders:
            candidate = folder.joinpath(*parts[start:])
            if candidate.is_file():
                return candidate
    return None
