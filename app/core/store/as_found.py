"""The store opened for `verify` as it was found: opening it never changes it, and what is wrong with the
file itself is said as a finding, not as an error that stops every check.

- a rollback journal beside the store (`case.sqlite-journal`, "hot": an unfinished write) is played back
  by SQLite when the store is next opened, changing the file silently. Parley never makes one (its store is
  write-ahead logged), so it is a finding; the store is read as any later opening would leave it, through a
  private copy, and both files are left as found;
- the store's `-wal` (writes not yet moved into the store file: a Parley killed, a copy taken while in use)
  is read with it, but the last connection to close would move it into the store file and delete it: a
  read-only connection held open until after the store's closes keeps both as found, and a note says so;
- a schema that SQLite cannot read (a page of it overwritten: "malformed database schema") refused the case
  in one line; it is now read with what of its schema can be (`PRAGMA writable_schema`, read-only), the
  damage is a finding, and every check runs on what is left.
"""

from __future__ import annotations

import os
import sqlite3
import struct
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import StoreError
from app.core.store import db

JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")
_WAL_HEADER, _WAL_FRAME_HEADER = 32, 24


@dataclass
class AsFound:
    """A connection to the store as found, what is wrong with the file itself, and what was read with it."""

    conn: sqlite3.Connection
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    guard: sqlite3.Connection | None = None  # closed after `conn`: keeps a -wal from being moved into the store
    view_only: bool = False  # a private copy or a damaged schema: nothing of it is written back (the head file)


def open_as_found(case_dir: Path) -> AsFound:
    store = case_dir / db.STORE_NAME
    odd = not_files(store)
    if odd:
        return _beside_odd_files(store, odd)
    journal = store.with_name(store.name + "-journal")
    pages = hot_journal_pages(journal)
    if pages is not None:
        return _through_journal(store, journal, pages)
    unshared = not store.with_name(store.name + "-shm").exists()  # no program had the store open
    guard, wal_pages = _guard(store)
    note = (f"read with its {store.name}-wal ({wal_pages} page(s) written since the store file was last brought "
            "up to date); both left as found")
    notes = [note] if wal_pages else []
    said: list[str] = []
    try:
        conn = db.connect(case_dir, said)
        _schema_read(conn, case_dir)
    except db.SchemaDamaged as exc:
        if guard is not None:
            guard.close()
        return _damaged_schema(store, exc)
    except BaseException:
        if guard is not None:
            guard.close()
        raise
    problems = said + (_log_rewritten_by_wal(store, conn) if wal_pages and unshared else [])
    return AsFound(conn, problems=problems, notes=notes, guard=guard)


_AUDIT_ROWS = "SELECT id, at, actor, action, subject, details_json, prev_hash, hash FROM audit_log ORDER BY id"


def _log_rewritten_by_wal(store: Path, conn: sqlite3.Connection) -> list[str]:
    """The audit entries the store file alone holds that its -wal changes or removes: Parley only appends to
    its log, so a -wal that rewrites it was made outside Parley (a log rewritten and chained again, its head
    file mended, shows here while the store file still holds the log as it was). Only where no program had
    the store open (no -shm): a store being written is read mid-checkpoint, never judged."""
    try:
        alone = _read_only(store, immutable=True)  # immutable: the store file without its -wal
        try:
            before = _audit_rows(alone)
        finally:
            alone.close()
        after = _audit_rows(conn)
    except (sqlite3.Error, StoreError):
        return []  # a store too damaged to read alone: the other checks say what they can
    changed = sorted(i for i, row in before.items() if i in after and after[i] != row)
    gone = sorted(set(before) - set(after))
    said = [f"changes {_numbers(changed)}" if changed else "", f"removes {_numbers(gone)}" if gone else ""]
    if not changed and not gone:
        return []
    return [(f"{store.name}-wal beside the store {' and '.join(x for x in said if x)} of the audit log that the store "
            "file holds: Parley only ever appends to its log, so the -wal was written outside Parley (the store was "
            "read with it; both left as found)")]


def _audit_rows(conn: sqlite3.Connection) -> dict[int, tuple]:
    """Each entry's columns as bytes (text that is not UTF-8 compared, never a decoding error)."""
    factory, conn.text_factory = conn.text_factory, bytes
    try:
        return {row[0]: tuple(row) for row in conn.execute(_AUDIT_ROWS)}
    finally:
        conn.text_factory = factory


def _numbers(ids: list[int], shown: int = 5) -> str:
    return ("entry " if len(ids) == 1 else "entries ") + ", ".join(str(i) for i in ids[:shown]) + (", ..." if len(ids) > shown else "")


def _schema_read(conn: sqlite3.Connection, case_dir: Path) -> None:
    """A store on read-only media is opened without its schema being read: read it now."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except UnicodeDecodeError:  # SQLite's message quotes the schema's bytes, and they are not UTF-8
        conn.close()
        raise db.SchemaDamaged(f"{case_dir}: cannot read the case store's schema", db.NOT_UTF8) from None
    except sqlite3.DatabaseError as exc:
        conn.close()
        if db.schema_unreadable(exc):
            raise db.SchemaDamaged(f"{case_dir}: cannot set up the case store ({exc})", str(exc)) from None
        raise StoreError(f"{case_dir}: cannot read the case store ({exc})") from None


_SIDE_FILES = ("-journal", "-wal", "-shm")


def not_files(store: Path) -> list[Path]:
    """The files SQLite opens beside the store (journal, -wal, -shm) that are there but not regular files: a
    named pipe blocks whatever opens it (verify hung), a folder makes the store unopenable."""
    beside = [store.with_name(store.name + suffix) for suffix in _SIDE_FILES]
    return [path for path in beside if os.path.lexists(path) and not path.is_file()]


def _beside_odd_files(store: Path, odd: list[Path]) -> AsFound:
    wal = store.with_name(store.name + "-wal")
    names = ", ".join(path.name for path in odd)
    problem = (f"{names} beside the store {'is' if len(odd) == 1 else 'are'} not a regular file (a named pipe, a "
               "folder...): Parley never makes one, and SQLite opening the store would block on it or refuse the "
               f"store; read through a private copy of the store{' and its -wal' if wal not in odd and wal.is_file() else ''}, "
               "left as found")
    try:
        conn, _version = db.replayed(store, wal if wal not in odd and wal.is_file() else None, query_only=False)
    except StoreError as exc:
        raise StoreError(f"{exc}; {problem}") from None
    conn.row_factory = sqlite3.Row
    return AsFound(conn, problems=[problem], view_only=True)


def hot_journal_pages(journal: Path) -> tuple[int, int] | None:
    """(pages it holds, page size) of a rollback journal SQLite would open to play back (any but an empty one or
    one whose first byte is 0: SQLite's "hot"; (0, 0) for one without a journal's header, which SQLite deletes
    on opening the store); None if there is none."""
    try:
        with open(journal, "rb") as fh:
            header = fh.read(28)
            size = fh.seek(0, 2)
    except OSError:
        return None
    if not header or header[0] == 0:
        return None  # empty or zeroed: not hot, SQLite leaves it alone
    if len(header) < 28 or header[:8] != JOURNAL_MAGIC:
        return 0, 0
    count, _nonce, _pages, sector, page_size = struct.unpack(">IIIII", header[8:28])
    record = page_size + 8
    if count in (0, 0xFFFFFFFF) and page_size and sector:
        count = max(0, (size - sector) // record)
    return count, page_size


def _through_journal(store: Path, journal: Path, pages: tuple[int, int]) -> AsFound:
    count, size = pages
    what = (f"is an unfinished write ({count} page(s) of {size} bytes) that Parley never makes (its store is "
            "write-ahead logged): any program opening the store would play it back and change the store file"
            if size else "holds no journal header, which no program makes: any program opening the store would "
            "delete it")
    problem = (f"{journal.name} beside the store {what}; verified as that would leave it, through a private copy, "
               "and both files left as found")
    try:
        conn, _version = db.replayed(store, journal, "-journal", query_only=False)
        conn.row_factory = sqlite3.Row
    except StoreError as exc:
        conn = _read_only(store, immutable=True)
        problem += f" (it could not be played back: {exc}; the store read as it stands)"
    return AsFound(conn, problems=[problem], view_only=True)


def _guard(store: Path) -> tuple[sqlite3.Connection | None, int]:
    """A read-only connection holding the store while a -wal with pages in it is beside it, and its pages."""
    wal = store.with_name(store.name + "-wal")
    try:
        size = wal.stat().st_size
    except OSError:
        return None, 0
    if size <= _WAL_HEADER or not store.is_file():
        return None, 0
    try:
        with open(wal, "rb") as fh:
            page_size = struct.unpack(">I", fh.read(_WAL_HEADER)[8:12])[0]
    except (OSError, struct.error):
        return None, 0
    frames = (size - _WAL_HEADER) // (page_size + _WAL_FRAME_HEADER) if page_size else 0
    try:
        guard = _read_only(store, immutable=False)
    except StoreError:
        return None, frames
    try:
        guard.execute("SELECT count(*) FROM sqlite_master").fetchone()  # holds the store from here
    except (sqlite3.Error, UnicodeDecodeError):  # read-only media without its -shm, a damaged schema
        guard.close()  # never left holding the evidence (read-only media could not be unmounted)
        return None, frames
    return guard, frames


def _damaged_schema(store: Path, exc: db.SchemaDamaged) -> AsFound:
    wal = store.with_name(store.name + "-wal")
    conn = _read_only(store, immutable=not wal.exists())
    conn.execute("PRAGMA writable_schema=ON")  # what of the schema can be read is, the rest left out
    problem = (f"its schema cannot be read as SQLite reads it ({exc.reason}): a page of it was overwritten or "
               "edited outside Parley; the tables whose definitions could be read were checked")
    return AsFound(conn, problems=[problem], view_only=True)


def _read_only(store: Path, immutable: bool) -> sqlite3.Connection:
    mode = "mode=ro&immutable=1" if immutable else "mode=ro"
    try:
        conn = sqlite3.connect(f"{store.resolve().as_uri()}?{mode}", uri=True, isolation_level=None,
                               timeout=db.BUSY_WAIT_S)
    except sqlite3.Error as exc:
        raise StoreError(f"{store.parent}: cannot open the case store ({exc})") from None
    conn.row_factory = sqlite3.Row
    return conn
