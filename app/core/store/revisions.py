"""Revisions of a working copy in the case store: one row per edit, never changed.

    add(case, run_id, actor, op, params, before, after, reverts) -> revision id
    for_run(case, run_id) -> list[Revision];  get(case, revision_id) -> Revision | None
    run_ids(case) -> set of the runs that have revisions
    digest(revision) -> SHA-256 of the whole row (logged with it, so `verify` can tell it changed)
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from app.core.store.case import Case
from app.core.store.db import utc_now


@dataclass(frozen=True)
class Revision:
    id: int
    run_id: int
    at: str
    actor: str
    op: str
    params: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]
    reverts: int | None


def _to_revision(r: sqlite3.Row) -> Revision:
    return Revision(r["id"], r["run_id"], r["at"], r["actor"], r["op"], json.loads(r["params_json"]),
                    json.loads(r["before_json"]), json.loads(r["after_json"]), r["reverts"])


def add(case: Case, run_id: int, actor: str, op: str, params: dict[str, Any],
        before: dict[str, Any], after: dict[str, Any], reverts: int | None = None) -> int:
    cur = case.conn.execute(
        "INSERT INTO revisions (run_id, at, actor, op, params_json, before_json, after_json, reverts)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (run_id, utc_now(), actor, op, json.dumps(params, ensure_ascii=False),
         json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False), reverts))
    return int(cur.lastrowid)


def digest(rev: Revision) -> str:
    """SHA-256 over everything the row holds: who, when, what, before and after."""
    row = [rev.run_id, rev.at, rev.actor, rev.op, rev.params, rev.before, rev.after, rev.reverts]
    data = json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def for_run(case: Case, run_id: int) -> list[Revision]:
    rows = case.conn.execute("SELECT * FROM revisions WHERE run_id=? ORDER BY id", (run_id,))
    return [_to_revision(r) for r in rows]


def ops_for_run(case: Case, run_id: int) -> list[Revision]:
    """The run's revisions without their before/after segments (left empty): what was done, not
    to what. A rename or replace-all holds every segment it touched; reading those on each
    refresh of the speaker list cost a long transcript's window its responsiveness."""
    rows = case.conn.execute(
        "SELECT id, run_id, at, actor, op, params_json, reverts FROM revisions WHERE run_id=? ORDER BY id",
        (run_id,))
    return [Revision(r["id"], r["run_id"], r["at"], r["actor"], r["op"], json.loads(r["params_json"]), {}, {},
                     r["reverts"]) for r in rows]


def get(case: Case, revision_id: int) -> Revision | None:
    row = case.conn.execute("SELECT * FROM revisions WHERE id=?", (revision_id,)).fetchone()
    return _to_revision(row) if row else None


def latest_id(case: Case, run_id: int) -> int | None:
    """The run's newest revision (None: the machine draft, never edited)."""
    row = case.conn.execute("SELECT max(id) FROM revisions WHERE run_id=?", (run_id,)).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def run_ids(case: Case) -> set[int]:
    return {int(r[0]) for r in case.conn.execute("SELECT DISTINCT run_id FROM revisions")}
