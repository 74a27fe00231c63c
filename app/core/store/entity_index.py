"""SQL of the entity cache (tables in migrations/005_search.sql).

`entity_scanned` lists the search_text rows whose entities are stored in
`entity_mentions`; triggers drop both when a text changes or goes. The finders
themselves live in app.core.search.entities.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from app.core.store.search_index import COLUMNS, JOINS, IndexedText, get_setting, set_setting

SCANNED_WITH = "entities.scanned_with"


@dataclass(frozen=True)
class StoredMention:
    kind: str
    value: str
    as_written: str
    where: IndexedText


def scanned_with(conn: sqlite3.Connection) -> str | None:
    return get_setting(conn, SCANNED_WITH)


def reset(conn: sqlite3.Connection, tag: str) -> None:
    """Forget every stored entity (inside the caller's transaction): scanned anew under `tag`."""
    conn.execute("DELETE FROM entity_mentions")
    conn.execute("DELETE FROM entity_scanned")
    set_setting(conn, SCANNED_WITH, tag)


def unscanned(conn: sqlite3.Connection, after_id: int, batch: int) -> list[tuple[int, str]]:
    """(id, text) of up to `batch` indexed texts not yet scanned, by id after `after_id`."""
    return [(int(r[0]), str(r[1])) for r in conn.execute(
        "SELECT d.id, d.text FROM search_text d WHERE d.id > ?"
        " AND NOT EXISTS (SELECT 1 FROM entity_scanned s WHERE s.text_id = d.id)"
        " ORDER BY d.id LIMIT ?", (after_id, batch))]


def save(conn: sqlite3.Connection, text_ids: Iterable[int],
         mentions: Iterable[tuple[int, str, str, str, int, int]]) -> None:
    """Mark texts scanned and store their mentions (text_id, kind, value, as_written, start, end)."""
    conn.executemany("INSERT OR IGNORE INTO entity_scanned (text_id) VALUES (?)",
                     [(i,) for i in text_ids])
    conn.executemany("INSERT INTO entity_mentions (text_id, kind, value, as_written, char_start,"
                     " char_end) VALUES (?, ?, ?, ?, ?, ?)", list(mentions))


def mentions(conn: sqlite3.Connection, kinds: tuple[str, ...]) -> list[StoredMention]:
    """Every stored mention of the given kinds, in case order (exhibit, run, time, position)."""
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT m.kind, m.value, m.as_written, {COLUMNS}, NULL FROM entity_mentions m"
        f" JOIN search_text d ON d.id = m.text_id {JOINS} WHERE m.kind IN ({marks})"
        " ORDER BY d.exhibit_id, d.run_id, d.start_ms, d.id, m.char_start", kinds).fetchall()
    return [StoredMention(r[0], r[1], r[2], IndexedText(*tuple(r)[3:])) for r in rows]


def scanned_texts(conn: sqlite3.Connection) -> dict[int, tuple[str, int | None, int]]:
    """{text id: (text, run, exhibit)} of every indexed text marked scanned, for `verify`."""
    return {int(r[0]): (str(r[1]), r[2], int(r[3])) for r in conn.execute(
        "SELECT d.id, d.text, d.run_id, d.exhibit_id FROM search_text d JOIN entity_scanned s ON s.text_id = d.id")}


def stored_by_text(conn: sqlite3.Connection) -> dict[int, list[tuple[str, str, str, int, int]]]:
    """{text id: sorted (kind, value, as_written, start, end)} of every stored mention, for `verify`
    (a mention of a text not scanned, or gone, included)."""
    out: dict[int, list[tuple[str, str, str, int, int]]] = {}
    for r in conn.execute("SELECT text_id, kind, value, as_written, char_start, char_end FROM entity_mentions"):
        out.setdefault(int(r[0]), []).append((r[1], r[2], r[3], r[4], r[5]))
    return {text_id: sorted(found, key=repr) for text_id, found in out.items()}
