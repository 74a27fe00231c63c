"""What `verify` asks of the store file itself, beside its records.

- its schema against the one Parley's migrations make: a guard trigger (the ones that keep the audit
  log and revisions append-only, machine drafts sealed and chat messages as read) dropped or
  rewritten, or a table, index or trigger no migration makes, is a store edited outside Parley,
  whatever else it changed; so is a table, index or trigger written otherwise (a CHECK taken out,
  session 15), or missing (an index dropped, a trigger that keeps chat messages searchable dropped, so
  later imports are never found: session 18). Migration 005's objects missing or written otherwise are not
  judged: migration
  005 was rewritten in place while the search index was first built, so a case made then
  holds fewer of them, or older texts, untouched;
- rows that belong to nothing (`PRAGMA foreign_key_check`): a word of no segment, a path of no
  exhibit, an attachment of no message; nothing shows them, and Parley never leaves one;
- its `PRAGMA application_id`, which Parley leaves 0, and its text encoding, UTF-8 (session 19);
- the word indexes' settings (FTS5 `_config`): only the version row FTS5 writes; a setting added there
  (a ranking function, a page size) changes what a search returns or in what order.
"""

from __future__ import annotations

import sqlite3

from app.core.store import db

# FTS5 makes the word indexes' own tables (their text may differ with the SQLite that made them; a change
# in them is FTS5's integrity check's to find)
_SHADOWS = ("search_words_", "search_trigram_")
_SCHEMA_SQL = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"


_REWRITTEN_IN_PLACE = 5  # migration 005: cases made while it changed hold older texts of its objects


def _made_by_parley(version: int | None = None) -> tuple[set[tuple], set[str]]:
    """The schema the migrations make (up to `version`, given), and the names of the objects migration 005 made."""
    fresh = sqlite3.connect(":memory:", isolation_level=None)
    rewritten: set[str] = set()
    try:
        for number, path in db.migrations():
            if version is not None and number > version:
                break
            before = {r[1] for r in fresh.execute(_SCHEMA_SQL)}
            for statement in db.statements(path.read_text(encoding="utf-8")):
                fresh.execute(statement)
            if number == _REWRITTEN_IN_PLACE:
                rewritten = {r[1] for r in fresh.execute(_SCHEMA_SQL)} - before
        return {tuple(r) for r in fresh.execute(_SCHEMA_SQL)}, rewritten
    finally:
        fresh.close()


def schema_differences(conn: sqlite3.Connection) -> list[str]:
    """Each guard trigger missing or changed, each other object (but migration 005's) missing or written otherwise,
    and each table, index or trigger added, as
    `trigger audit_log_no_delete missing`. A store numbered below this Parley's schema where the later migrations
    only add indexes (on read-only media: never migrated) is held to its own number's schema, or to this one's."""
    found = {tuple(r) for r in conn.execute(_SCHEMA_SQL)}
    number = int(conn.execute("PRAGMA user_version").fetchone()[0])
    out = _differences(found, _made_by_parley())
    if out and 0 < number < db.schema_version() and db.indexes_only_since(number):
        out = min(out, _differences(found, _made_by_parley(number)), key=len)
    return out


def _differences(found: set[tuple], made: tuple[set[tuple], set[str]]) -> list[str]:
    expected, rewritten = made
    named = {(t, n): sql for t, n, tbl, sql in expected if not tbl.startswith(_SHADOWS)}
    present = {(t, n): sql for t, n, tbl, sql in found if not tbl.startswith(_SHADOWS)}
    guards = {key: sql for key, sql in named.items() if key[0] == "trigger" and "RAISE" in sql}
    # a table, index or trigger written otherwise (a CHECK taken out by `PRAGMA writable_schema`, a trigger
    # that indexes other words)
    judged = {key: sql for key, sql in named.items() if key[1] not in rewritten}
    out = [f"{t} {n} missing" for t, n in sorted((guards.keys() | judged.keys()) - present.keys())]
    out += [f"{t} {n} changed" for t, n in sorted((guards.keys() | judged.keys()) & present.keys())
            if named[(t, n)] != present[(t, n)]]
    out += [f"{t} {n} added" for t, n in sorted(present.keys() - named.keys())]
    return out


def application_id(conn: sqlite3.Connection) -> int:
    """The file's `PRAGMA application_id` (its header's mark of the program whose file it is): Parley leaves it 0,
    and neither VACUUM nor `.dump` sets it; another number makes the store another kind of file to a tool that
    reads it (`file`, a forensic suite) and is set only outside Parley."""
    return int(conn.execute("PRAGMA application_id").fetchone()[0])


def text_encoding(conn: sqlite3.Connection) -> str:
    """`PRAGMA encoding`: UTF-8 in every store Parley makes (and in one VACUUMed or rebuilt by `.dump`); another is
    set only by rebuilding the store outside Parley on purpose (`PRAGMA encoding='UTF-16le'` before the tables)."""
    return str(conn.execute("PRAGMA encoding").fetchone()[0])


def orphans(conn: sqlite3.Connection) -> dict[str, int]:
    """Table -> how many of its rows refer to a row that is not in the store."""
    found: dict[str, int] = {}
    for row in conn.execute("PRAGMA foreign_key_check"):
        found[row[0]] = found.get(row[0], 0) + 1
    return found


def index_settings(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Each word index's FTS5 settings rows other than its version."""
    return {table: [tuple(r) for r in conn.execute(f"SELECT k, v FROM {table}_config WHERE k != 'version'")]
            for table in ("search_words", "search_trigram")}


def damage(conn: sqlite3.Connection, limit: int = 5) -> list[str]:
    """What SQLite's own integrity check finds in the file (a page overwritten, an index missing rows:
    reads then return rows wrong or not at all); empty for a sound file."""
    try:
        rows = [str(r[0]) for r in conn.execute(f"PRAGMA integrity_check({int(limit)})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    if rows == ["ok"]:
        return []
    lines = [line.strip() for row in rows for line in row.splitlines()]
    return [line for line in lines if line and not line.startswith("***")]


class LenientText:
    """A connection's text decoder for `verify`: text that is not UTF-8 (Parley writes nothing else)
    read with the bad bytes replaced (U+FFFD), so what reads it finds it changed, and noted (`seen`),
    instead of stopping every check at the first such value."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.seen = True
            return data.decode("utf-8", "replace")


def read_text_leniently(conn: sqlite3.Connection) -> LenientText:
    conn.text_factory = decoder = LenientText()
    return decoder


def text_not_utf8(conn: sqlite3.Connection) -> dict[str, list[int | None]]:
    """`table.column` -> the rows (rowid; None in a table without one) holding text that is not UTF-8."""
    found: dict[str, list[int | None]] = {}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                         "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
    for table in tables:
        for column in [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]:
            for rowid, data in _texts(conn, table, column):
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    found.setdefault(f"{table}.{column}", []).append(rowid)
    return found


def _texts(conn: sqlite3.Connection, table: str, column: str) -> list[tuple[int | None, bytes]]:
    where = f"""FROM "{table}" WHERE typeof("{column}") = 'text'"""
    try:
        return [(r[0], bytes(r[1])) for r in conn.execute(f'SELECT rowid, CAST("{column}" AS BLOB) {where}')]
    except sqlite3.OperationalError:  # WITHOUT ROWID
        return [(None, bytes(r[0])) for r in conn.execute(f'SELECT CAST("{column}" AS BLOB) {where}')]


def stated_size(header: bytes) -> tuple[int, int] | None:
    """(pages, page size) SQLite's header (the file's first 100 bytes) says the store holds, where that count is
    valid (its change counter matches the one it was written with: SQLite's rule); None otherwise."""
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00") or header[24:28] != header[92:96]:
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    return (pages, page_size) if pages and page_size else None

