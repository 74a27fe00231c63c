"""`verify`, the store file itself: sound as SQLite reads it, and holding only text Parley could write.

- SQLite's own integrity check: a page overwritten or an index that lost rows makes reads return rows
  wrong or not at all, so what the other checks then say ("its status is not complete", "gone from the
  store") would mislead; the damage is said first, in SQLite's words, and every check still runs, each
  saying what it could not read;
- a file shorter than its own header says (cut short by a copy stopped part-way, a disk that filled, `truncate`):
  SQLite's words for it were every table "malformed"; it is said first, in bytes and pages (session 26);
- text that is not UTF-8 (one stray byte written outside Parley) stopped every check with one line
  naming no table or row; it is now read with the bad bytes replaced, so the checks find the record
  changed, and said where it is (`table.column`, rows).
"""

from __future__ import annotations

import os
import stat

from app.core.evidence.finding import Finding
from app.core.store import Case, integrity
from app.core.store.db import STORE_NAME, DatabaseError
from app.core.store.integrity import LenientText, read_text_leniently

__all__ = ["read_text_leniently", "store_damage", "unreadable_text"]

_SHOWN = 5


def store_damage(case: Case) -> list[Finding]:
    problems = integrity.damage(case.conn)
    if not problems:
        return []
    cut = _cut_short(case)
    if cut:
        return [cut]  # the integrity check's page numbers past the end add nothing to it
    said = "; ".join(problems[:_SHOWN]) + ("; ..." if len(problems) > _SHOWN else "")
    return [Finding("case store", f"the file is damaged (SQLite's integrity check: {said}): what the other "
                                  "findings say was read from a damaged file, and may be wrong")]


def _cut_short(case: Case) -> Finding | None:
    """The store file shorter than the pages its header counts, said in bytes; None when it is not (or cannot
    be looked at: its other findings say so)."""
    path = case.folder / STORE_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # never blocks on a FIFO put in its place
        try:
            size = os.fstat(fd).st_size if stat.S_ISREG(os.fstat(fd).st_mode) else None
            header = os.pread(fd, 100, 0)
        finally:
            os.close(fd)
    except OSError:
        return None
    stated = integrity.stated_size(header)
    if size is None or stated is None or size >= stated[0] * stated[1]:
        return None
    pages, page_size = stated
    wal = (" (or a checkpoint stopped part-way by a crash, which case.sqlite-wal beside it would complete)"
           if case.wal_found else "")
    return Finding("case store", f"the file is cut short: {size:,} bytes, where its header counts {pages:,} pages of "
                                 f"{page_size:,} bytes ({pages * page_size:,}){wal}: what was after byte {size:,} "
                                 "is lost, and the other findings were read from what is left")


def unreadable_text(case: Case, decoder: LenientText) -> list[Finding]:
    """One finding per column holding text that is not UTF-8, when the checks met any."""
    if not decoder.seen:
        return []
    try:
        found = integrity.text_not_utf8(case.conn)
    except DatabaseError as exc:
        return [Finding("case store", f"holds text that is not UTF-8, but where could not be read ({exc})")]
    out = []
    for place, rows in sorted(found.items()):
        numbered = [str(r) for r in rows if r is not None]
        where = f"row {', '.join(numbered[:_SHOWN])}{', ...' if len(numbered) > _SHOWN else ''}" if numbered else "a row"
        out.append(Finding(f"case store: {place}", f"{where}: text that is not UTF-8 (Parley writes only UTF-8): "
                                                   "edited outside Parley; read with the bad bytes replaced"))
    return out or [Finding("case store", "holds text that is not UTF-8 (Parley writes only UTF-8): edited outside Parley")]
