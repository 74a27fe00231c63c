"""The case store: one SQLite file per case folder, migrated by number.

Migrations are the numbered .sql files beside this module, applied in order and
tracked with PRAGMA user_version, so the schema's history is auditable.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.core.clock import utc_now  # noqa: F401 - re-exported for the store's modules
from app.core.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")
STORE_NAME = "case.sqlite"
BUSY_WAIT_S = 30  # how long a write waits for another program holding the case
BUSY_NOTICE_MS = 2000  # a hold longer than this is said on stderr before the wait goes on
log = logging.getLogger("parley.store")
# what reading a damaged store, or one edited outside Parley, can raise (`verify` says it, per check)
DatabaseError = sqlite3.DatabaseError


class SchemaDamaged(StoreError):
    """The store's schema cannot be read ("malformed database schema"): `verify` reads what of it can be."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        number = int(path.name.split("_", 1)[0])
        found.append((number, path))
    return found


def schema_version() -> int:
    return migrations()[-1][0]


def connect(case_dir: Path, said: list[str] | None = None) -> sqlite3.Connection:
    """Open (creating if need be) the case store and bring its schema up to date; what was found edited
    on the way (a store numbered otherwise than its schema) is added to `said`.

    A store on read-only media (a case handed over on a write-protected disk) is opened
    read-only as it stands: it can be read and verified, never written."""
    store = case_dir / STORE_NAME
    if store.is_file() and not (os.access(case_dir, os.W_OK) and os.access(store, os.W_OK)):
        return _connect_read_only(store)
    try:
        case_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(case_dir / STORE_NAME, timeout=BUSY_WAIT_S, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{case_dir}: cannot open the case store ({exc})") from None
    conn.row_factory = sqlite3.Row
    try:
        _say_if_busy(conn, case_dir)
        _refuse_foreign(conn, case_dir, said)  # before WAL: switching to it rewrites the file's header
        _write_ahead_log(conn)
        conn.execute("PRAGMA foreign_keys=ON")
        # FULL: each commit is on disk before it returns. With NORMAL (WAL) a power loss can undo the
        # last commits while the audit head file written after them survives: verify would then
        # report the log cut short, tampering, where there was only a power cut.
        conn.execute("PRAGMA synchronous=FULL")
        migrate(conn)
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        _raise_schema_damaged(case_dir, exc)
        raise StoreError(f"{case_dir}: cannot set up the case store ({exc}{_io_hint(exc, case_dir)})") from None
    except UnicodeDecodeError:  # SQLite's message quotes the schema's bytes, and they are not UTF-8
        conn.close()
        raise SchemaDamaged(f"{case_dir}: cannot set up the case store (malformed database schema: text that "
                            "is not UTF-8)", NOT_UTF8) from None
    return conn


TEST_WRITE = 64 << 10  # what SQLite's shared memory and a few log pages need
_CAUSES = {  # a small write's error in the case's folder -> what the disk I/O error was
    errno.ENOSPC: "the disk holding the case is full ({free:,} bytes free); make room on it",
    errno.EDQUOT: "your quota on the disk holding the case is used up; free some of it (or ask for more)",
    errno.EROFS: "the disk holding the case is read-only; make it writable or copy the case to a disk that is",
}


def _io_hint(exc: sqlite3.Error, case_dir: Path) -> str:
    """A disk I/O error setting up the store, named from a small write's error in the case's folder (free space
    misled: a quota is not in it, root writes into reserved blocks): full, quota used up, read-only; the write
    succeeding, a file system that cannot hold SQLite's write-ahead log (fusefat) or a failing disk."""
    if "disk I/O error" not in str(exc):
        return ""
    if (cause := _CAUSES.get(_write_error(case_dir))) is not None:
        return f": {cause.format(free=_free(case_dir))} and open the case again, nothing of it was changed"
    return ": a failing disk, or a file system that cannot hold SQLite's write-ahead log (some FUSE and network " \
           "file systems cannot); keep the case on a local disk"


def _write_error(case_dir: Path) -> int | None:
    """The errno of writing and syncing TEST_WRITE bytes to a temporary file in `case_dir` (removed), None if
    that worked."""
    try:
        with tempfile.TemporaryFile(dir=case_dir) as probe:
            probe.write(bytes(TEST_WRITE))
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        return exc.errno
    return None


def _free(case_dir: Path) -> int:
    try:
        return shutil.disk_usage(case_dir).free
    except OSError:
        return 0


NOT_UTF8 = "malformed database schema: text that is not UTF-8, which Parley never writes"


_SCHEMA_UNREADABLE = ("malformed database schema", "database disk image is malformed")


def schema_unreadable(exc: sqlite3.Error) -> bool:
    """Whether opening the store failed reading its schema (a page of it overwritten, its text edited)."""
    return any(said in str(exc) for said in _SCHEMA_UNREADABLE)


def _raise_schema_damaged(case_dir: Path, exc: sqlite3.Error) -> None:
    if schema_unreadable(exc):
        raise SchemaDamaged(f"{case_dir}: cannot set up the case store ({exc})", str(exc)) from None


def _say_if_busy(conn: sqlite3.Connection, case_dir: Path) -> None:
    """A case held for writing longer than BUSY_NOTICE_MS is said then (a warning on the
    `parley.store` logger, which the CLI prints on stderr), not after a silent wait of BUSY_WAIT_S.
    A hold shorter than that (Parley's own worker committing a row) is not worth a word."""
    patience_ms = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute(f"PRAGMA busy_timeout={min(BUSY_NOTICE_MS, patience_ms)}")
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            patience_ms = _say_busy(case_dir, patience_ms)
    finally:
        conn.execute(f"PRAGMA busy_timeout={patience_ms}")


STOPPED_PATIENCE_MS = 100  # a holder stopped by a signal lets go only when resumed: not worth 30 s a write


def _say_busy(case_dir: Path, patience_ms: int) -> int:
    """Say who holds the case (when the system tells) and what waits: reading goes on, a change waits (it said
    "waiting up to 30 s" to commands that wait for nothing). A holder that is stopped is said so, and a change
    then fails at once rather than after 30 s. Returns the connection's patience from here on."""
    from app.core.store.holder import write_lock_holder

    holder = write_lock_holder(case_dir / STORE_NAME)
    if holder is not None and holder.stopped:
        log.warning("%s: the case is held by %s, which is stopped part-way through writing to it (Ctrl+Z, or a "
                    "debugger); reading it goes on, but no change can be made until it is resumed (`fg` in its "
                    "terminal, or `kill -CONT %d`) or ended", case_dir, holder.named(), holder.pid)
        return min(patience_ms, STOPPED_PATIENCE_MS)
    who = f": {holder.named()} is writing to it" if holder else " (another program or Parley command is writing to it)"
    log.warning("%s: the case is busy%s; reading it goes on, a change to it waits up to %d s",
                case_dir, who, BUSY_WAIT_S)
    return patience_ms


@contextmanager
def patience(conn: sqlite3.Connection, wait_ms: int) -> Iterator[None]:
    """How long this connection waits for another's write lock, for a while (its own BUSY_WAIT_S after)."""
    before = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute(f"PRAGMA busy_timeout={min(wait_ms, before)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout={before}")


def _refuse_foreign(conn: sqlite3.Connection, case_dir: Path, said: list[str] | None = None) -> None:
    """Another program's SQLite database named case.sqlite (schema 0, tables of its own) is never
    migrated into a case: that would write Parley's tables into it. A case store rebuilt by `.dump`
    or `.recover` (which carry no PRAGMA user_version) is Parley's schema numbered 0: its number is
    written back, so it is opened and verified as it stands, never migrated over itself; so is one
    numbered otherwise than the schema it holds (`misnumbered`)."""
    renumbered = misnumbered(conn)  # its number written back likewise (verify says it was changed)
    version = renumbered[1] if renumbered else recognised_version(conn, case_dir)
    if renumbered and _renumbering_logged(conn, *renumbered):
        return
    if renumbered and said is not None:
        said.append(renumbered_text(*renumbered) + " (read as the schema it holds, and its number written back)")
    if version:
        conn.execute(f"PRAGMA user_version={version}")


RENUMBERED = "store.renumbered"


def renumbered_text(numbered: int, held: int) -> str:
    return (f"numbered schema {numbered} (PRAGMA user_version), but it holds schema {held} exactly as Parley's "
            "migrations make it: the number was changed outside Parley")


def _renumbering_logged(conn: sqlite3.Connection, numbered: int, held: int) -> bool:
    """The number written back together with an audit entry saying what was found, so `verify` says it on every
    run, whichever command opened the case first (it was said once, by `verify` alone: any other command
    renumbered it unsaid). False when the store cannot be written (then said only now)."""
    from app.core.store.audit import AuditLog
    try:
        with transaction(conn):
            AuditLog(conn).record(RENUMBERED, "store", {"numbered": numbered, "schema": held})
            conn.execute(f"PRAGMA user_version={held}")
    except (StoreError, sqlite3.Error):
        return False
    return True


def misnumbered(conn: sqlite3.Connection) -> tuple[int, int] | None:
    """(the number, the schema held) for a store whose `PRAGMA user_version` is not the schema it holds
    exactly, but a later one (set to 13 outside Parley over schema 14: every command re-ran migration 014 over
    itself, "duplicate column name", and refused the case); None otherwise, for a schema no migration makes
    exactly (a case made while migration 005 changed is migrated as numbered), and for a number past this
    Parley's (a newer Parley's migration may change no schema: refused as ever)."""
    number = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if not 0 < number < schema_version() or conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None:
        return None
    first, last = _schema_matches(conn)  # never judged below its number
    return (number, last) if first > number else None


def recognised_version(conn: sqlite3.Connection, case_dir: Path) -> int:
    """0 for an empty store (a new case); the schema version of a store numbered 0 whose schema is
    exactly what Parley's migrations make up to some version; a StoreError for any other."""
    if int(conn.execute("PRAGMA user_version").fetchone()[0]) != 0:
        return 0
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name LIMIT 4")]
    if not tables:
        return 0
    version = _schema_matches(conn)[0]
    if version:
        return version
    if "audit_log" in tables:
        raise StoreError(f"{case_dir}: {STORE_NAME} holds Parley's tables but no schema version Parley made "
                         "(rebuilt or edited by another program?); nothing was changed")
    raise StoreError(f"{case_dir}: {STORE_NAME} is not a Parley case (another program's database, tables "
                     f"{', '.join(tables)}); nothing was changed: give a case folder, or an empty one for a new case")


# FTS5's own tables behind the word indexes: their text may differ with the SQLite that made them
_SHADOWS = ("search_words_", "search_trigram_")


def _schema_objects(conn: sqlite3.Connection) -> set[tuple]:
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
    return {tuple(r) for r in rows if not str(r[2]).startswith(_SHADOWS)}


def _schema_matches(conn: sqlite3.Connection) -> tuple[int, int]:
    """(the first, the last) migration after which a fresh store holds exactly this store's schema, (0, 0)
    if none does; they differ where migrations after the first change no schema (016: from it, chunks log
    their resume digests, which a Parley before it would not)."""
    found = _schema_objects(conn)
    fresh = sqlite3.connect(":memory:", isolation_level=None)
    first = last = 0
    try:
        for number, path in migrations():
            for statement in statements(path.read_text(encoding="utf-8")):
                fresh.execute(statement)
            if _schema_objects(fresh) != found:
                if first:
                    break
                continue
            first, last = first or number, number
    except sqlite3.Error:
        return 0, 0
    finally:
        fresh.close()
    return first, last


def _connect_read_only(store: Path) -> sqlite3.Connection:
    # immutable: no -shm can be made beside it; a -wal left by a crash (or by a copy taken while
    # the case was open) must be read, so not then
    wal = store.with_name(store.name + "-wal")
    immutable = "" if wal.exists() else "&immutable=1"
    conn = None
    try:
        conn = sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro{immutable}", uri=True,
                               timeout=BUSY_WAIT_S, isolation_level=None)
        version = _version(conn)
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()  # never left holding the read-only media
        if not wal.exists():
            _raise_schema_damaged(store.parent, exc)
            raise StoreError(f"{store.parent}: cannot open the read-only case store ({exc})") from None
        conn, version = replayed(store, wal)
    if version == 0:
        try:
            version = recognised_version(conn, store.parent)  # a rebuilt store read as it stands
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{store.parent}: cannot read the read-only case store ({exc})") from None
    if version != schema_version() and not indexes_only_since(version):
        conn.close()
        raise StoreError(f"{store.parent}: a read-only case from an older Parley; copy it to a "
                         "writable folder to bring it up to date")
    conn.row_factory = sqlite3.Row
    return conn


def replayed(store: Path, side: Path | None, suffix: str = "-wal",
             query_only: bool = True) -> tuple[sqlite3.Connection, int]:
    """The store with its -wal (or -journal: `suffix`; or alone: `side` None), read through a private copy:
    on read-only media without its -shm (not copied, or stale) SQLite cannot read the -wal in place, and a
    hot -journal is played back into the store by opening it. The copy is read into memory, made
    query-only (unless not `query_only`: verify's FTS5 check writes, to the copy alone), and removed;
    nothing is written beside the evidence."""
    with tempfile.TemporaryDirectory(prefix="parley-ro-") as tmp:
        copy = Path(tmp) / STORE_NAME
        try:
            shutil.copyfile(store, copy)
            if side is not None:
                shutil.copyfile(side, copy.with_name(copy.name + suffix))
            source = sqlite3.connect(copy, isolation_level=None)
            conn = sqlite3.connect(":memory:", isolation_level=None)
            try:
                source.backup(conn)
            finally:
                source.close()
            conn.execute(f"PRAGMA query_only={int(query_only)}")
            return conn, _version(conn)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{store.parent}: cannot read the case store with its {suffix} ({exc})") from None


def _write_ahead_log(conn: sqlite3.Connection, patience_s: float = 30.0) -> None:
    """PRAGMA journal_mode=WAL, retried while another process holds the lock.

    Switching a new database to WAL needs an exclusive lock, and SQLite answers
    "database is locked" at once instead of waiting (the busy timeout does not
    apply): several processes opening a new case together would fail."""
    deadline = time.monotonic() + patience_s
    pause = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(0.2, pause * 2)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply the migrations the store lacks, all in one write transaction.

    The version is read again once the write lock is held (BEGIN IMMEDIATE): of several
    processes opening a new case at once, one migrates and the others wait, then find
    the schema up to date, never applying a migration twice."""
    if _version(conn) == schema_version():
        return  # up to date: no write lock needed
    with transaction(conn):
        current = _version(conn)
        for number, path in migrations():
            if number <= current:
                continue
            for statement in statements(path.read_text(encoding="utf-8")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")


def indexes_only_since(version: int) -> bool:
    """Whether every migration after `version` only adds indexes or changes nothing (016): a store without them (read-only media, where
    nothing can be migrated) holds the same records, and is read as it stands."""
    later = [path for number, path in migrations() if number > version]
    return 0 < version and all(statement.upper().startswith("CREATE INDEX ") for path in later
                               for statement in statements(path.read_text(encoding="utf-8")))


def _version(conn: sqlite3.Connection) -> int:
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if current > schema_version():
        raise StoreError(f"the case store is from a newer Parley (schema {current}; this one reads up to "
                         f"{schema_version()}): open it with that version")
    return current


def statements(script: str) -> Iterator[str]:
    """Split a migration into statements (triggers keep their BEGIN ... END bodies)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()


# per connection (by id, while it lives): what must hold before it writes (`guard_writes`)
_WRITE_GUARDS: dict[int, weakref.WeakMethod] = {}


def guard_writes(conn: sqlite3.Connection, check: Callable[[], None] | None) -> None:
    """`check` (a bound method, held weakly; None: no longer) is called before every write transaction begun on
    `conn` and refuses it by raising: so the queue's writes, made on the connection outside `Case.transaction`, are
    refused as the case's own are (the case folder replaced under an open connection)."""
    for key in [key for key, method in _WRITE_GUARDS.items() if method() is None]:
        del _WRITE_GUARDS[key]
    if check is None:
        _WRITE_GUARDS.pop(id(conn), None)
    else:
        _WRITE_GUARDS[id(conn)] = weakref.WeakMethod(check)  # type: ignore[arg-type]


_WRITING: set[int] = set()  # connections (by id) inside a write transaction of `transaction`


@contextmanager
def transaction(conn: sqlite3.Connection, immediate: bool = True) -> Iterator[sqlite3.Connection]:
    if immediate and (check := _WRITE_GUARDS.get(id(conn))) is not None and (bound := check()) is not None:
        bound()  # before BEGIN: nothing of the change is begun
    conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
    if immediate:
        _WRITING.add(id(conn))
    try:
        yield conn
    except BaseException:
        _WRITING.discard(id(conn))
        conn.execute("ROLLBACK")
        raise
    _WRITING.discard(id(conn))
    try:
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:  # a full disk, a read-only folder: nothing of it is kept
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreError(f"the case store could not be written ({exc}{_likely_cause(exc)}); "
                         "nothing of this change was kept") from None


@contextmanager
def joined(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """transaction(), or, inside a write transaction of this connection, a savepoint of it: kept whole or not at
    all (an exception caught outside it keeps none of it), committed with the transaction. Refused inside a read
    (a snapshot: its writes would take no write lock first, and no write guard)."""
    if not conn.in_transaction:
        with transaction(conn):
            yield conn
        return
    if id(conn) not in _WRITING:
        raise StoreError("a change asked for inside a read of the case (a snapshot): not made")
    conn.execute("SAVEPOINT joined")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO joined")
        conn.execute("RELEASE joined")
        raise
    conn.execute("RELEASE joined")


def _likely_cause(exc: sqlite3.Error) -> str:
    """SQLite says "disk I/O error" when its -wal or the folder turned read-only under it (a disk
    remounted, a permission changed during a run): the words alone send one looking for a broken disk."""
    text = str(exc)
    if "I/O" in text or "readonly" in text:
        return ": the case folder or its files may have become read-only, or the disk full"
    return ""
