"""`verify`, the store file itself: sound as SQLite reads it, and holding only text Parley could write.

- SQLite's own integrity check: a page overwritten or an index that lost rows makes reads return rows
  wrong or not at all, so what the other checks then say ("its status is not complete", "gone from the
  store") would mislead; the damage is said first, in SQLite's words, and every check still runs, each
  saying what it could not read;
- text that is not UTF-8 (one stray byte written outside Parley) stopped every check with one line
  naming no table or row; it is now read with the bad bytes replaced, so the checks find the record
  changed, and said where it is (`table.column`, rows).
"""

from __future__ import annotations

from app.core.evidence.finding import Finding
from app.core.store import Case, integrity
from app.core.store.db import DatabaseError
from app.core.store.integrity import LenientText, read_text_leniently

__all__ = ["read_text_leniently", "store_damage", "unreadable_text"]

_SHOWN = 5


def store_damage(case: Case) -> list[Finding]:
    problems = integrity.damage(case.conn)
    if not problems:
        return []
    said = "; ".join(problems[:_SHOWN]) + ("; ..." if len(problems) > _SHOWN else "")
    return [Finding("case store", f"the file is damaged (SQLite's integrity check: {said}): what the other "
                                  "findings say was read from a damaged file, and may be wrong")]


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
