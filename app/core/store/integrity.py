"""What `verify` asks of the store file itself, beside its records.

- its schema against the one Parley's migrations make: a guard trigger (the ones that keep the audit
  log and revisions append-only, machine drafts sealed and chat messages as read) dropped or
  rewritten, or a table, index or trigger no migration makes, is a store edited outside Parley,
  whatever else it changed. Other objects missing or written otherwise are not judged: migration
  005 was rewritten in place while the search index was first built, so a case made then
  holds fewer of them, or older texts, untouched;
- rows that belong to nothing (`PRAGMA foreign_key_check`): a word of no segment, a path of no
  exhibit, an attachment of no message; nothing shows them, and Parley never leaves one;
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


def _made_by_parley() -> set[tuple]:
    fresh = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for _number, path in db.migrations():
            for statement in db.statements(path.read_text(encoding="utf-8")):
                fresh.execute(statement)
        return {tuple(r) for r in fresh.execute(_SCHEMA_SQL)}
    finally:
        fresh.close()


def schema_differences(conn: sqlite3.Connection) -> list[str]:
    """Each guard trigger missing or changed, and each table, index or trigger added, as
    `trigger audit_log_no_delete missing`."""
    expected, found = _made_by_parley(), {tuple(r) for r in conn.execute(_SCHEMA_SQL)}
    named = {(t, n): sql for t, n, tbl, sql in expected if not tbl.startswith(_SHADOWS)}
    present = {(t, n): sql for t, n, tbl, sql in found if not tbl.startswith(_SHADOWS)}
    guards = {key: sql for key, sql in named.items() if key[0] == "trigger" and "RAISE" in sql}
    out = [f"{t} {n} missing" for t, n in sorted(guards.keys() - present.keys())]
    out += [f"{t} {n} changed" for t, n in sorted(guards.keys() & present.keys()) if guards[(t, n)] != present[(t, n)]]
    out += [f"{t} {n} added" for t, n in sorted(present.keys() - named.keys())]
    return out


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
