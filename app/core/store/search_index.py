"""SQL of the case's search index: tables and triggers are in migrations/005_search.sql.

`search_text` holds the current text of every run (the proofread copy where
there is one, else the machine draft), kept so by triggers; `search_words`
(words, any case and accents) and `search_trigram` (substrings) index it.
Callers pass FTS5 expressions built by app.core.search.query, which quotes
every term.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.core.errors import StoreError
from app.core.store import db

SOURCE_MACHINE = 0  # segments: the machine draft
SOURCE_WORKING = 1  # working_segments: the proofread copy
SOURCE_CHAT = 2  # chat messages (chat_messages, migration 010)

CHAT_TASK = "chat"  # the task a hit from a chat message (no run) is reported with
COLUMNS = (f"d.source, d.ref_id, d.run_id, coalesce(r.task, '{CHAT_TASK}'), r.language, d.exhibit_id,"
            " e.name, d.start_ms, d.end_ms, d.speaker, d.text, cm.time_written, cm.datetime")
JOINS = ("LEFT JOIN runs r ON r.id = d.run_id JOIN exhibits e ON e.id = d.exhibit_id"
         f" LEFT JOIN chat_messages cm ON d.source = {SOURCE_CHAT} AND cm.id = d.ref_id")
_IN_TRIGRAM = "d.id IN (SELECT rowid FROM search_trigram WHERE search_trigram MATCH ?)"
# A chat `translate` took in as a text and `timeline` as a chat holds each message twice: found as the message (the
# text run's proofread copy, where a person edited it, is still found)
_NOT_A_CHAT_COPY = (f"NOT (d.source = {SOURCE_MACHINE} AND d.exhibit_id IN (SELECT exhibit_id FROM chats)"
                    " AND d.run_id IN (SELECT id FROM runs WHERE task = 'text'))")
_CASE_ORDER = "d.exhibit_id, d.run_id, d.start_ms, d.id"
# bm25 ranks every match before the first is returned (about 3 µs each): past this many
# matches, hits come in index order (oldest first) instead, so no query takes long.
RANKED_MAX = 2000


@dataclass(frozen=True)
class IndexedText:
    """One indexed segment (or message) with where it belongs."""

    source: int
    segment_id: int  # or message id, for source SOURCE_CHAT
    run_id: int | None  # None for a chat message that belongs to no run
    task: str
    language: str | None
    exhibit_id: int
    exhibit_name: str
    start_ms: int
    end_ms: int
    speaker: str | None
    text: str
    message_time: str | None = None  # a chat message's time as written (None for other texts)
    message_datetime: str | None = None  # ... and normalised (ISO 8601; None when ambiguous)
    highlighted: str | None = None  # for word queries: `folded` with HIGHLIGHT marks around matches


# Private-use characters around each match in `highlighted` (never in transcripts' text).
HIGHLIGHT = ("\ue000", "\ue001")


def find(conn: sqlite3.Connection, words: str | None, trigram: str | None,
         scan: tuple[str, ...], limit: int) -> list[IndexedText]:
    """Indexed texts matching every condition given (FTS5 expressions; plain substrings).

    With `words`, hits come best first (bm25; in index order past RANKED_MAX
    matches) and their matches marked; otherwise in case order (exhibit, run, time)
    with nothing marked.
    """
    if words is None and trigram is None and not scan:
        return []
    where: list[str] = []
    args: list[object] = []
    if words is not None:
        head = (f"SELECT {COLUMNS}, highlight(search_words, 0, ?, ?) FROM search_words"
                " JOIN search_text d ON d.id = search_words.rowid ")
        args += list(HIGHLIGHT)
        where.append("search_words MATCH ?")
        args.append(words)
        order = "search_words.rank" if _word_matches(conn, words) <= RANKED_MAX else "search_words.rowid"
    elif trigram is not None:
        head = (f"SELECT {COLUMNS}, NULL FROM search_trigram"
                " JOIN search_text d ON d.id = search_trigram.rowid ")
        where.append("search_trigram MATCH ?")
        args.append(trigram)
        order = _CASE_ORDER
    else:
        head = f"SELECT {COLUMNS}, NULL FROM search_text d "
        order = _CASE_ORDER
    if words is not None and trigram is not None:
        where.append(_IN_TRIGRAM)
        args.append(trigram)
    for text in scan:
        where.append("instr(d.text, ?) > 0")
        args.append(text)
    where.append(_NOT_A_CHAT_COPY)
    sql = f"{head}{JOINS} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    args.append(max(0, int(limit)))
    try:
        rows = conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        raise StoreError(f"the search index cannot answer this query ({exc})") from None
    return [IndexedText(*tuple(row)) for row in rows]


def chat_senders(conn: sqlite3.Connection) -> list[str]:
    """Every sender of a chat message in the case, as its export writes the name or number."""
    rows = conn.execute("SELECT DISTINCT sender FROM chat_messages WHERE sender IS NOT NULL").fetchall()
    return [str(r[0]) for r in rows]


def sent_by(conn: sqlite3.Connection, senders: tuple[str, ...], limit: int) -> list[IndexedText]:
    """The chat messages these senders sent, in case order."""
    if not senders:
        return []
    # a message's indexed row is its id * 4 + 2 (migration 010): looked up, not every text scanned
    sql = (f"SELECT {COLUMNS}, NULL FROM search_text d {JOINS} WHERE d.id IN (SELECT id * 4 + {SOURCE_CHAT} FROM"
           f" chat_messages WHERE sender IN ({', '.join('?' * len(senders))})) AND d.source = {SOURCE_CHAT}"
           f" ORDER BY {_CASE_ORDER} LIMIT ?")
    return [IndexedText(*tuple(row)) for row in conn.execute(sql, (*senders, max(0, int(limit)))).fetchall()]


def _word_matches(conn: sqlite3.Connection, words: str) -> int:
    try:
        row = conn.execute("SELECT count(*) FROM search_words WHERE search_words MATCH ?",
                           (words,)).fetchone()
    except sqlite3.OperationalError as exc:
        raise StoreError(f"the search index cannot answer this query ({exc})") from None
    return int(row[0])


def _conditions(words: str | None, trigram: str | None, scan: tuple[str, ...]) -> tuple[str, list[object]]:
    """The WHERE clause (and its arguments) of every condition given, on search_text d."""
    where: list[str] = []
    args: list[object] = []
    if words is not None:
        where.append("d.id IN (SELECT rowid FROM search_words WHERE search_words MATCH ?)")
        args.append(words)
    if trigram is not None:
        where.append(_IN_TRIGRAM)
        args.append(trigram)
    for text in scan:
        where.append("instr(d.text, ?) > 0")
        args.append(text)
    where.append(_NOT_A_CHAT_COPY)
    return " AND ".join(where), args


def count(conn: sqlite3.Connection, words: str | None, trigram: str | None,
          scan: tuple[str, ...]) -> int:
    """How many indexed texts match (every condition given)."""
    if words is None and trigram is None and not scan:
        return 0
    where, args = _conditions(words, trigram, scan)
    try:
        row = conn.execute(f"SELECT count(*) FROM search_text d WHERE {where}", args).fetchone()
    except sqlite3.OperationalError as exc:
        raise StoreError(f"the search index cannot answer this query ({exc})") from None
    return int(row[0])


def matching_messages(conn: sqlite3.Connection, words: str | None, trigram: str | None,
                      scan: tuple[str, ...]) -> list[int]:
    """The chat message row ids among the indexed texts that match (every condition given)."""
    if words is None and trigram is None and not scan:
        return []
    where, args = _conditions(words, trigram, scan)
    try:
        rows = conn.execute(f"SELECT d.ref_id FROM search_text d WHERE d.source = {SOURCE_CHAT} AND {where}"
                            " ORDER BY d.ref_id", args).fetchall()
    except sqlite3.OperationalError as exc:
        raise StoreError(f"the search index cannot answer this query ({exc})") from None
    return [int(r[0]) for r in rows]


def rebuild(conn: sqlite3.Connection) -> None:
    """Rebuild both indexes from search_text (inside the caller's transaction)."""
    conn.execute("INSERT INTO search_words (search_words) VALUES ('rebuild')")
    conn.execute("INSERT INTO search_trigram (search_trigram) VALUES ('rebuild')")


def get_setting(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM settings WHERE key=?", (key,)).fetchone()
    return str(row[0]) if row else None


def all_settings(conn: sqlite3.Connection) -> dict[str, str]:
    """Every key/value of the case's settings table (`verify` reads them against the log)."""
    return {str(r[0]): r[1] for r in conn.execute("SELECT key, value FROM settings")}


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


def check(conn: sqlite3.Connection) -> None:
    """FTS5's own integrity check of both indexes against search_text (StoreError if broken)."""
    try:
        conn.execute("INSERT INTO search_words (search_words, rank) VALUES ('integrity-check', 1)")
        conn.execute("INSERT INTO search_trigram (search_trigram, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"the search index does not match the case's text ({exc})") from None


def words_intact(conn: sqlite3.Connection) -> bool | str:
    """`check` for `verify`: whether both word indexes hold what search_text holds; when it cannot be asked
    (FTS5 checks through a write statement), why not: a store opened read-only, or one another command holds for
    writing (stopped with Ctrl-Z mid-commit, say: it waited the store's 30 s and was then called read-only)."""
    if conn.execute("PRAGMA query_only").fetchone()[0]:
        return READ_ONLY
    try:
        with db.patience(conn, CHECK_WAIT_MS):
            for table in ("search_words", "search_trigram"):
                conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 1)")
    except sqlite3.OperationalError as exc:  # "attempt to write a readonly database", or "database is locked"
        return BUSY if "locked" in str(exc) or "busy" in str(exc) else READ_ONLY
    except sqlite3.DatabaseError:  # "database disk image is malformed": the index is not its texts'
        return False
    return True


READ_ONLY = "this one is read-only"
BUSY = ("another program or Parley command was writing to the case (stopped part-way?); run verify again once "
        "it has finished")
CHECK_WAIT_MS = 2000


# What the triggers of migrations 005, 010 and 013 put in search_text, from the tables they index.
_EXPECTED = (
    "SELECT s.id * 4, 0, s.id, r.exhibit_id, s.run_id, s.start_ms, s.end_ms, s.speaker, s.text"
    " FROM segments s JOIN runs r ON r.id = s.run_id"
    " WHERE NOT EXISTS (SELECT 1 FROM working_transcripts w WHERE w.run_id = s.run_id)"
    " UNION ALL SELECT s.id * 4 + 1, 1, s.id, r.exhibit_id, s.run_id, s.start_ms, s.end_ms, s.speaker, s.text"
    " FROM working_segments s JOIN runs r ON r.id = s.run_id"
    " UNION ALL SELECT m.id * 4 + 2, 2, m.id, c.exhibit_id, NULL, 0, 0, m.sender, m.text"
    " FROM chat_messages m JOIN chats c ON c.id = m.chat_id WHERE trim(m.text) != '' AND NOT EXISTS"
    " (SELECT 1 FROM chats n WHERE n.exhibit_id = c.exhibit_id AND n.position = c.position"
    " AND n.parser_version > c.parser_version)")
_INDEXED = "SELECT id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker, text FROM search_text"


def differences(conn: sqlite3.Connection) -> tuple[set[int], set[int]]:
    """(runs, exhibits) whose rows in search_text are not what the triggers made of their text (a
    row changed, added or removed: a search then finds what is not there, or misses what is);
    an exhibit when the row belongs to no run (a chat message)."""
    expected = f"SELECT * FROM ({_EXPECTED})"  # a compound of its own: EXCEPT binds no tighter than UNION ALL
    rows = conn.execute(f"SELECT * FROM ({expected} EXCEPT {_INDEXED}) UNION ALL"
                        f" SELECT * FROM ({_INDEXED} EXCEPT {expected})").fetchall()
    runs = {int(r[4]) for r in rows if r[4] is not None}
    return runs, {int(r[3]) for r in rows if r[4] is None}
