"""Append-only, hash-chained audit log, and its verifier.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own
canonical JSON, so removing, reordering or editing any entry breaks the chain
from that point on. SQLite triggers refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from app.core.clock import utc_now
from app.core.evidence.head import AuditHead, FolderHead

GENESIS = "0" * 64
_EXHIBIT_MARKS = 100  # the exhibits a folder's case is known by: the first 100, by 16 hex digits each


def current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def account_label(account: str) -> str:
    """Who did it, where no person's name was given: the computer account, said to be one ("Exported by root"
    reads as a person's name to a court)."""
    return f"computer account '{account}' (no name was given)"


def person_or_account(actor: str | None) -> str:
    """Who made a change a record prints as a person's ("Corrected by", a revision's author): the name given,
    else this computer's account said to be one ("Corrected by root" read as a proofreader named root)."""
    return (actor or "").strip() or account_label(current_user())


def is_account_label(name: str) -> bool:
    """Whether `name` is this computer's account said to be one (no person's name was given)."""
    return name.strip() == account_label(current_user())


NO_NAME = "no_name_given"  # in an entry whose change a record signs with the account said to be one (session 27)


def _entry_hash(prev_hash: str, at: str, actor: str, action: str, subject: str, details: str) -> str:
    canonical = json.dumps([prev_hash, at, actor, action, subject, details], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    hash: str

    @property
    def signed_by(self) -> str:
        """Who the store's rows name for this change (a revision's author, who gave interview details): the
        actor, or the account said to be one where no name was given (the actor column holds the bare account)."""
        return account_label(self.actor) if self.details.get(NO_NAME) is True else self.actor


def _parsed(text: object) -> dict[str, Any] | None:
    """An entry's details; None for text that is not a JSON object (never written by Parley)."""
    try:
        details = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):  # not JSON, or nested past what can be read
        return None
    return details if isinstance(details, dict) else None


def _details(text: object) -> dict[str, Any]:
    """An entry's details as the checks read them: none when they are not a JSON object (`verify`
    says so; the checks reading them find nothing they expect)."""
    details = _parsed(text)
    return {} if details is None else details


def _entry(r: sqlite3.Row) -> AuditEntry:
    return AuditEntry(r["id"], r["at"], r["actor"], r["action"], r["subject"], _details(r["details_json"]), r["hash"])


class AuditLog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.intact_to: AuditHead | None = None  # the last entry an export found the chain intact up to
        self.appended: AuditHead | None = None  # the last entry this connection appended (its transaction may yet fail)

    def record(self, action: str, subject: str, details: dict[str, Any] | None = None,
               actor: str | None = None) -> str:
        """Append an entry. Call inside the transaction that makes the change it records."""
        row = self.conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        prev = row[0] if row else GENESIS
        at, who = utc_now(), actor or current_user()
        if is_account_label(who):  # no name given: the actor column holds the bare account, as every other entry
            who, details = current_user(), {**(details or {}), NO_NAME: True}
        text = json.dumps(details or {}, sort_keys=True, ensure_ascii=False)
        digest = _entry_hash(prev, at, who, action, subject, text)
        cursor = self.conn.execute(
            "INSERT INTO audit_log (at, actor, action, subject, details_json, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (at, who, action, subject, text, prev, digest),
        )
        self.appended = AuditHead(int(cursor.lastrowid or 0), digest)
        return digest

    def entries(self, subject_prefix: str = "") -> list[AuditEntry]:
        rows = self.conn.execute(
            "SELECT * FROM audit_log WHERE subject LIKE ? ORDER BY id", (subject_prefix + "%",)
        ).fetchall()
        return [_entry(r) for r in rows]

    def entries_about(self, subject: str) -> list[AuditEntry]:
        """Every entry of exactly this subject (`run/1`, not `run/10` and `run/100` too), oldest first."""
        rows = self.conn.execute("SELECT * FROM audit_log WHERE subject=? ORDER BY id", (subject,)).fetchall()
        return [_entry(r) for r in rows]

    def entries_of(self, action: str, subject: str | None = None, **details: int | str) -> list[AuditEntry]:
        """Every entry of one action (`run.started`...), oldest first; of that `subject` alone, and holding those
        `details` alone (`exhibit=3`), when given: read in SQL, not every entry of the action parsed."""
        sql, args = "SELECT * FROM audit_log WHERE action=?", [action]
        if subject is not None:
            sql, args = sql + " AND subject=?", [*args, subject]
        for key, value in details.items():  # CASE: json_extract never meets details that are not JSON
            sql += f" AND CASE WHEN json_valid(details_json) THEN json_extract(details_json, '$.{key}') END=?"
            args.append(value)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_entry(r) for r in rows]

    def entries_after(self, entry_id: int, *actions: str) -> list[AuditEntry]:
        """The entries of these actions after `entry_id`, oldest first (what a reader kept up to date reads anew)."""
        rows = self.conn.execute(f"SELECT * FROM audit_log WHERE id > ? AND action IN ({','.join('?' * len(actions))})"
                                 " ORDER BY id", (entry_id, *actions)).fetchall()
        return [_entry(r) for r in rows]

    def last_holding(self, subject: str, action_glob: str, key: str) -> AuditEntry | None:
        """The newest entry of exactly `subject` whose action matches `action_glob` (`transcript.*`) and whose
        details hold `key`: read newest first until found, not every entry of the subject."""
        rows = self.conn.execute("SELECT * FROM audit_log WHERE subject=? AND action GLOB ? ORDER BY id DESC",
                                 (subject, action_glob))
        for r in rows:
            entry = _entry(r)
            if key in entry.details:
                return entry
        return None

    def digests_logged_before(self, entry_id: int) -> bool:
        """Whether an entry before `entry_id` holds a transcript's digest (`content_sha256`, logged by every run's
        finish and every revision since session 9): the Parley that logged `entry_id` logged them too, so one
        missing from it was taken out, not never written (an older case's)."""
        row = self.conn.execute(
            "SELECT 1 FROM audit_log WHERE id < ? AND (action = 'run.complete' OR action GLOB 'transcript.*')"
            " AND instr(details_json, '\"content_sha256\"') > 0 LIMIT 1", (entry_id,)).fetchone()
        return row is not None

    def head(self) -> AuditHead | None:
        """The last entry's id and hash (None for an empty log)."""
        row = self.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        return AuditHead(int(row[0]), str(row[1])) if row else None

    def chained_head(self, after: AuditHead | None = None) -> AuditHead | None:
        """The last entry of the walk `verify` accepts, from just after `after` (an entry found in the chain
        before: the head file's) or from the first: the head, unless entries that do not chain, are numbered
        out of place or hold no JSON object were appended after it (forged rows `verify` names are never
        recorded as the head, a second one chained to the first neither: taken out again, the genuine log
        was read as put back to an older copy)."""
        head, prev, number = (None, GENESIS, 0) if after is None else (after, after.hash, after.entry_id)
        for r in self.conn.execute("SELECT * FROM audit_log WHERE id > ? ORDER BY id", (number,)):
            number += 1
            if _faults(r, prev, number):
                break
            prev = str(r["hash"])
            head = AuditHead(number, prev)
        return head

    def hash_of(self, entry_id: int) -> str | None:
        row = self.conn.execute("SELECT hash FROM audit_log WHERE id=?", (entry_id,)).fetchone()
        return str(row[0]) if row else None

    def hash_as_written(self, entry_id: int) -> str | None:
        """The entry's hash computed again from its stored link and content (its hash column aside)."""
        row = self.conn.execute("SELECT prev_hash, at, actor, action, subject, details_json FROM audit_log WHERE id=?",
                                (entry_id,)).fetchone()
        return _entry_hash(*row) if row else None

    def content_digest(self, entry_id: int) -> str | None:
        """SHA-256 of an entry's own content (time, actor, action, subject, details), not its place in the
        chain: the same in a log chained again after an earlier entry was changed."""
        row = self.conn.execute("SELECT at, actor, action, subject, details_json FROM audit_log WHERE id=?",
                                (entry_id,)).fetchone()
        return _entry_hash("", *row) if row else None

    def ids_at(self, at: str) -> list[int]:
        """The ids of the entries logged at exactly this time."""
        return [int(r[0]) for r in self.conn.execute("SELECT id FROM audit_log WHERE at=? ORDER BY id", (at,))]

    def time_of(self, entry_id: int) -> str | None:
        row = self.conn.execute("SELECT at FROM audit_log WHERE id=?", (entry_id,)).fetchone()
        return str(row[0]) if row else None

    def folder_head(self) -> FolderHead | None:
        """What the account keeps of this log for its case folder (`FolderHead`); None for an empty log."""
        head, first = self.head(), self.hash_of(1)
        if head is None or first is None:
            return None
        marks = {"at1": self.time_of(1) or ""}
        marks.update({str(n): digest for n in (2, head.entry_id) if (digest := self.content_digest(n))})
        marks["at_head"] = self.time_of(head.entry_id) or ""  # since session 21: the head entry itself, edited too
        exhibits = self.conn.execute(f"SELECT substr(sha256, 1, 16) FROM exhibits ORDER BY id LIMIT {_EXHIBIT_MARKS}")
        marks["exhibits"] = ",".join(str(row[0]) for row in exhibits)  # since session 18
        return FolderHead(first, head, marks)

    def shared_exhibits(self, seen: FolderHead) -> int:
        """How many of the exhibits the log seen was of (its first `_EXHIBIT_MARKS`) this case holds too."""
        kept = [p for p in seen.marks.get("exhibits", "").split(",") if len(p) == 16][:_EXHIBIT_MARKS]
        if not kept:
            return 0
        row = self.conn.execute(f"SELECT count(*) FROM exhibits WHERE substr(sha256, 1, 16) IN "
                                f"({','.join('?' * len(kept))})", kept).fetchone()
        return int(row[0])

    def holds_marks_of(self, seen: FolderHead) -> bool:
        """Whether this log holds what marked the one seen (entry 1's time, or entry 2's or the seen head's
        content): the same case's log, whatever its hashes now."""
        if seen.marks.get("at1") and self.time_of(1) == seen.marks["at1"]:
            return True
        return any(key.isdigit() and self.content_digest(int(key)) == digest for key, digest in seen.marks.items())

    def entries_with_hash(self, prefix: str) -> list[int]:
        """The ids of entries whose hash starts with `prefix` (lower-case hex)."""
        rows = self.conn.execute("SELECT id FROM audit_log WHERE substr(hash, 1, ?) = ? ORDER BY id",
                                 (len(prefix), prefix.lower())).fetchall()
        return [int(r[0]) for r in rows]

    def verify(self, after: AuditHead | None = None) -> list[str]:
        """Problems found walking the chain (from just after `after`, an entry found intact before, when given);
        an empty list means it is intact."""
        problems, prev, number = [], GENESIS, 0
        if after is not None:
            prev, number = after.hash, after.entry_id
        rows = self.conn.execute("SELECT * FROM audit_log ORDER BY id") if after is None else \
            self.conn.execute("SELECT * FROM audit_log WHERE id > ? ORDER BY id", (number,))
        for r in rows:
            number += 1
            problems += _faults(r, prev, number)
            number, prev = r["id"], r["hash"]  # numbered out of place: the walk goes on from where it is
        return problems


def _faults(r: sqlite3.Row, prev: str, number: int) -> list[str]:
    """What is wrong with an entry walked as the `number`th after the hash `prev`: its place, its chain, its
    details (`verify` lists them all; `chained_head` stops at the first entry with any)."""
    problems = []
    if r["id"] != number:  # numbered 1, 2, 3... as appended: manifests and head files name entries so
        problems.append(f"audit entry {r['id']} ({r['action']}) is numbered out of sequence (entry {number} "
                        "expected): entries renumbered or removed")
    expected = _entry_hash(prev, r["at"], r["actor"], r["action"], r["subject"], r["details_json"])
    if r["prev_hash"] != prev or r["hash"] != expected:
        problems.append(f"audit entry {r['id']} ({r['action']}) does not match the chain")
    elif _parsed(r["details_json"]) is None:  # chained as written, but not what Parley writes
        problems.append(f"audit entry {r['id']} ({r['action']}): its details are not a JSON object")
    return problems
