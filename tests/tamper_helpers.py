"""What the tamper tests' forger does to a case store: statements run past the guard triggers, and the audit
chain computed again so that it agrees with itself and with the head file beside it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from app.core.store.audit import GENESIS, _entry_hash


def forged(folder: Path, *statements: str | tuple[str, tuple]) -> None:
    """The statements (SQL, or SQL and its parameters) run with the guard triggers dropped, then put back."""
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    guards = [r for r in conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger'") if "RAISE" in r[1]]
    for name, _ in guards:
        conn.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        conn.execute(*statement) if isinstance(statement, tuple) else conn.execute(statement)
    for _, sql in guards:
        conn.execute(sql)
    conn.close()


def rechained(folder: Path, *changes: tuple[int, dict]) -> None:
    """Entries' details replaced (`changes`: id, details), every entry's hash computed again from the first, and
    the head file mended to the new last entry."""
    statements: list[str | tuple[str, tuple]] = [
        ("UPDATE audit_log SET details_json=? WHERE id=?", (json.dumps(d, sort_keys=True, ensure_ascii=False), i))
        for i, d in changes]
    forged(folder, *statements)
    conn = sqlite3.connect(folder / "case.sqlite")
    rows = conn.execute("SELECT id, at, actor, action, subject, details_json FROM audit_log ORDER BY id").fetchall()
    conn.close()
    prev, statements = GENESIS, []
    for entry_id, *content in rows:
        digest = _entry_hash(prev, *content)
        statements.append(("UPDATE audit_log SET prev_hash=?, hash=? WHERE id=?", (prev, digest, entry_id)))
        prev = digest
    forged(folder, *statements)
    (folder / "audit-head.json").write_text(json.dumps({"entry": rows[-1][0], "hash": prev}))
