"""Chats in the case store: the messages of an export exhibit and the files they carry.

    save_chats(case, exhibit_id, exports, parser_version, links) -> list[chat id]
    stored_chats(case, exhibit_id) -> list[StoredChat]
    chat_messages(case, chat_id) -> list[StoredMessage]
    attachment_exhibits(case, exhibit_id) -> list[exhibit id of each voice note or video taken in]
    messages_sha256(case, exhibit_id, parser_version) -> SHA-256 of every chat, message and attachment
        stored (logged when they are, so `verify` can tell a changed row)

An export read again with the same parser version gives back the chats
already stored; messages are never changed (the store refuses it).
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.core.chats.records import Attachment, Chat, ChatExport, Message
from app.core.store import chat_shift, db
from app.core.store.case import Case


@dataclass(frozen=True)
class AttachmentLink:
    """What became of one attachment: its own exhibit, or why it has none."""

    exhibit_id: int | None
    error: str | None = None
    sha256: str | None = None  # of the file, when the export holds it


@dataclass(frozen=True)
class StoredChat:
    id: int
    exhibit_id: int
    position: int
    container: str
    name: str
    source: str
    date_order: str


@dataclass(frozen=True)
class StoredMessage:
    id: int
    message: Message
    attachment_exhibit_id: int | None
    attachment_error: str | None
    attachment_sha256: str | None = None


def _existing(case: Case, exhibit_id: int, parser_version: int) -> list[int]:
    rows = case.conn.execute(
        "SELECT id FROM chats WHERE exhibit_id=? AND parser_version=? ORDER BY position",
        (exhibit_id, parser_version)).fetchall()
    return [int(r[0]) for r in rows]


def save_chats(case: Case, exhibit_id: int, exports: Sequence[ChatExport], parser_version: int,
               links: dict[tuple[int, int], AttachmentLink]) -> list[int]:
    """Store every chat of the exports of one file (a zip's chats and the SMS backup beside them in it) in one
    transaction, positions running on across them; `links` is keyed (chat position, index).
    Taken in already (by an earlier run, or by another process meanwhile): those chats, not again."""
    ids = []
    with case.transaction():  # looked for under the write lock: two imports at once store it once
        existing = _existing(case, exhibit_id, parser_version)
        if existing:
            return existing
        now = db.utc_now()
        placed = [(export, chat) for export in exports for chat in export.chats]
        for position, (export, chat) in enumerate(placed):
            ids.append(_insert_chat(case.conn, exhibit_id, position, export, chat, parser_version, links, now))
        joined = ChatExport.joined(exports)
        case.audit.record("chat.imported", f"exhibit/{exhibit_id}",
                          {"container": joined.container, "chats": len(ids), "messages": len(joined.messages),
                           "source": joined.source, "parser_version": parser_version,
                           "messages_sha256": messages_sha256(case, exhibit_id, parser_version),
                           "created_at": now})  # since session 13
    return ids


def _insert_chat(conn: sqlite3.Connection, exhibit_id: int, position: int, export: ChatExport,
                 chat: Chat, parser_version: int, links: dict[tuple[int, int], AttachmentLink], now: str) -> int:
    cur = conn.execute(
        "INSERT INTO chats (exhibit_id, position, container, name, source, date_order, parser_version,"
        " created_at) VALUES (?,?,?,?,?,?,?,?)",
        (exhibit_id, position, export.container, chat.name, export.source, chat.date_order,
         parser_version, now))
    chat_id = int(cur.lastrowid)
    for m in chat.messages:
        message_id = int(conn.execute(
            "INSERT INTO chat_messages (chat_id, idx, sender, time_written, datetime, text, system, note)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (chat_id, m.index, m.sender, m.time_as_written, m.datetime, m.text, int(m.system), m.note),
        ).lastrowid)
        if m.attachment is not None:
            link = links.get((position, m.index), AttachmentLink(None))
            a = m.attachment
            conn.execute(
                "INSERT INTO chat_attachments (message_id, name, kind, missing, placeholder, path,"
                " exhibit_id, error, sha256) VALUES (?,?,?,?,?,?,?,?,?)",
                (message_id, a.name, a.kind, int(a.missing), a.placeholder, a.path, link.exhibit_id,
                 link.error, link.sha256))
    return chat_id


def messages_sha256(case: Case, exhibit_id: int, parser_version: int) -> str:
    """SHA-256 over the chats of one import, their messages and attachments, row by row (a file's
    SHA-256 where one was stored: the rows of imports made before there was one hash as they did)."""
    rows = case.conn.execute(
        "SELECT c.position, c.container, c.name, c.source, c.date_order, m.idx, m.sender, m.time_written,"
        " m.datetime, m.text, m.system, m.note, a.name, a.kind, a.missing, a.placeholder, a.path,"
        " a.exhibit_id, a.error, a.sha256 FROM chats c LEFT JOIN chat_messages m ON m.chat_id=c.id"
        " LEFT JOIN chat_attachments a ON a.message_id=m.id WHERE c.exhibit_id=? AND c.parser_version=?"
        " ORDER BY c.position, m.idx, m.id", (exhibit_id, parser_version)).fetchall()
    data = json.dumps([list(r)[:-1] if r[-1] is None else list(r) for r in rows], ensure_ascii=False,
                      separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def import_times(case: Case) -> dict[tuple[int, int], set[str]]:
    """(exhibit id, parser version) -> when its chats were stored (one time per import since session 13)."""
    found: dict[tuple[int, int], set[str]] = {}
    for r in case.conn.execute("SELECT exhibit_id, parser_version, created_at FROM chats"):
        found.setdefault((int(r[0]), int(r[1])), set()).add(r[2])
    return found


def imports(case: Case) -> set[tuple[int, int]]:
    """(exhibit id, parser version) of every import stored."""
    return {(int(r[0]), int(r[1])) for r in case.conn.execute("SELECT DISTINCT exhibit_id, parser_version FROM chats")}


def taken_in_part(case: Case) -> list[tuple[int, str]]:
    """(id, name) of each chat export or text whose take-in stopped before its messages or text were
    stored (its command killed): an exhibit with no chats, no run and no `chat.imported` entry."""
    rows = case.conn.execute(
        "SELECT e.id, e.name FROM exhibits e WHERE e.kind != 'media'"
        " AND NOT EXISTS (SELECT 1 FROM chats c WHERE c.exhibit_id = e.id)"
        " AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.exhibit_id = e.id)"
        " AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'chat.imported'"
        " AND a.subject = 'exhibit/' || e.id) ORDER BY e.id").fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


PART_WAY = ("taken in part-way (its command stopped before its messages or text were stored): nothing of it is searched "
            "or written; `timeline` on the export (a text: `translate`) takes it in")


def part_way_notes(case: Case) -> list[str]:
    """One line for each export taken in part-way (`search`, `entities`, `exhibits` say them)."""
    return [f"note: exhibit {exhibit_id} ({name}): {PART_WAY}" for exhibit_id, name in taken_in_part(case)]


def stored_chats(case: Case, exhibit_id: int | None = None) -> list[StoredChat]:
    sql = "SELECT * FROM chats"
    args: tuple = ()
    if exhibit_id is not None:
        sql += " WHERE exhibit_id=?"
        args = (exhibit_id,)
    rows = case.conn.execute(sql + " ORDER BY exhibit_id, parser_version DESC, position", args)
    return [StoredChat(r["id"], r["exhibit_id"], r["position"], r["container"], r["name"], r["source"],
                       r["date_order"]) for r in rows]


def chat_exhibit_of(case: Case, sha256: str) -> int | None:
    """The exhibit of these bytes when its chats are stored (taken in by `timeline`), else None."""
    row = case.conn.execute("SELECT e.id FROM exhibits e WHERE e.sha256=? AND EXISTS"
                            " (SELECT 1 FROM chats c WHERE c.exhibit_id=e.id)", (sha256,)).fetchone()
    return int(row[0]) if row else None


def chat_messages(case: Case, chat_id: int) -> list[StoredMessage]:
    rows = case.conn.execute(
        "SELECT m.*, a.message_id AS a_id, a.name AS a_name, a.kind AS a_kind, a.missing AS a_missing,"
        " a.placeholder AS a_placeholder, a.path AS a_path, a.exhibit_id AS a_exhibit, a.error AS a_error,"
        " a.sha256 AS a_sha256"
        " FROM chat_messages m LEFT JOIN chat_attachments a ON a.message_id=m.id"
        " WHERE m.chat_id=? ORDER BY m.idx", (chat_id,)).fetchall()
    return [_stored_message(r) for r in rows]


def _stored_message(r: sqlite3.Row) -> StoredMessage:
    attachment = None
    if r["a_id"] is not None:
        attachment = Attachment(r["a_name"], bool(r["a_missing"]), r["a_kind"], r["a_placeholder"],
                                r["a_path"])
    message = Message(r["idx"], r["sender"], r["time_written"], r["datetime"], r["text"],
                      bool(r["system"]), attachment, r["note"])
    return StoredMessage(r["id"], message, r["a_exhibit"], r["a_error"], r["a_sha256"])


def attachment_exhibits(case: Case, exhibit_id: int) -> list[int]:
    """The exhibits an export's attachments were taken in as (voice notes, videos), in chat order."""
    rows = case.conn.execute(
        "SELECT a.exhibit_id FROM chat_attachments a JOIN chat_messages m ON m.id = a.message_id"
        " JOIN chats c ON c.id = m.chat_id WHERE c.exhibit_id = ? AND a.exhibit_id IS NOT NULL"
        " ORDER BY c.parser_version DESC, c.position, m.idx", (exhibit_id,)).fetchall()
    return list(dict.fromkeys(int(r[0]) for r in rows))


def attachment_sha256s(case: Case, exhibit_id: int) -> set[str]:
    """The SHA-256 of every file an export's messages carry that the export holds (photos and documents too)."""
    rows = case.conn.execute(
        "SELECT a.sha256 FROM chat_attachments a JOIN chat_messages m ON m.id = a.message_id"
        " JOIN chats c ON c.id = m.chat_id WHERE c.exhibit_id = ? AND a.sha256 IS NOT NULL", (exhibit_id,))
    return {str(r[0]) for r in rows}


@dataclass(frozen=True)
class SentIn:
    """A chat message that carries an exhibit (a voice note, a video) as its attachment."""

    chat_exhibit: str  # the export's exhibit name
    sender: str | None
    time_written: str
    datetime: str | None  # ISO 8601; None when ambiguous


def messages_carrying(case: Case, exhibit_id: int) -> list[SentIn]:
    """Every message (of the newest reading of each export) that carries the exhibit, in case order."""
    rows = case.conn.execute(
        "SELECT e.name, m.sender, m.time_written, m.datetime, c.exhibit_id, c.parser_version"
        " FROM chat_attachments a JOIN chat_messages m ON m.id = a.message_id"
        " JOIN chats c ON c.id = m.chat_id JOIN exhibits e ON e.id = c.exhibit_id"
        " WHERE a.exhibit_id = ? ORDER BY c.exhibit_id, c.parser_version DESC, c.position, m.idx",
        (exhibit_id,)).fetchall()
    newest: dict[int, int] = {}
    for r in rows:
        newest.setdefault(int(r[4]), int(r[5]))
    return [SentIn(r[0], r[1], r[2], r[3]) for r in rows if newest[int(r[4])] == int(r[5])]


def translation_runs(case: Case, parent_run_id: int, task: str) -> list[int]:
    """Complete translation runs made from one transcript run, newest first."""
    rows = case.conn.execute(
        "SELECT id FROM runs WHERE parent_run_id=? AND task=? AND status='complete' ORDER BY id DESC",
        (parent_run_id, task)).fetchall()
    return [int(r[0]) for r in rows]


@dataclass(frozen=True)
class Echo:
    """The same message in another export of the case (the chat exported twice, or from both phones)."""

    exhibit_id: int
    export: str  # that export's exhibit name
    index: int  # the message's place in that export's chat (from 0, as the JSON's "index")
    sender: str | None = None  # the sender's name in that export (the other phone may save them otherwise)
    shift_minutes: int = 0  # how much later that export writes its times (its phone's clock or zone differs)

    @property
    def number(self) -> int:
        """The message's number as a person counts it (from 1): what a line shown to a reader says."""
        return self.index + 1


_NEWEST_MESSAGES = (
    "SELECT m.id, m.idx, c.exhibit_id, m.sender, m.text, COALESCE(m.datetime, m.time_written) AS moment,"
    " substr(COALESCE(m.datetime, m.time_written), 1, 16) AS minute, m.time_written AS written,"
    " COALESCE(a.kind, '') AS kind, COALESCE(a.exhibit_id, 0) AS file, COALESCE(a.sha256, '') AS sha,"
    " substr(c.container, 1, instr(c.container || '-', '-') - 1) AS app"
    " FROM chat_messages m JOIN chats c ON c.id = m.chat_id"
    " LEFT JOIN chat_attachments a ON a.message_id = m.id"
    " WHERE c.parser_version = (SELECT MAX(n.parser_version) FROM chats n"
    " WHERE n.exhibit_id = c.exhibit_id AND n.position = c.position)")


@dataclass(frozen=True)
class OtherBytes:
    """The same message (moment, sender, text and kind of file) in another export of the same chat, its file of other
    bytes: a file swapped or changed in one of the two exports. Not 'also in'; said, never passed over."""

    exhibit_id: int
    export: str  # that export's exhibit name
    index: int  # the message's place in that export's chat (from 0)
    file_exhibit_id: int  # this export's file
    sha256: str
    their_file_exhibit_id: int  # that export's file
    their_sha256: str

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class Matches:
    """Per message row id of an export, the same message in the case's other exports (`echoes`), and the same
    message holding a file of other bytes there (`OtherBytes`)."""

    echoes: dict[int, list[Echo]]
    other_bytes: dict[int, list[OtherBytes]]


def echoes(case: Case, exhibit_id: int) -> dict[int, list[Echo]]:
    """Per message row id of the export, the same message in the case's other exports (`matches`)."""
    return matches(case, exhibit_id).echoes


def matches(case: Case, exhibit_id: int) -> Matches:
    """Per message row id of the export (its newest reading), the same message in the case's other
    exports of the same app (`whatsapp`, `whatsapp-zip`; `telegram-json`, `telegram-html`): same moment,
    sender, text and kind of attachment (the file's name is not compared: iOS numbers a chat's files anew
    in every export; a voice note in a WhatsApp and in a LINE chat in one minute are two messages).
    Android writes the minute, iOS the second: a time written without seconds is the same moment as
    any second of its minute. The chat exported from both phones names people as each phone has them
    saved ("Bob Smith" on one, "Bob" on the other, each owner under their own name): a sender is the
    same as another export's where the two exports share typed messages, or one voice note or file (the
    same exhibit: the same bytes), under that pair of names alone (`_same_people`). Another export is the
    same chat only where a match is more than a voice note or file with no words whose bytes are not known
    the same (`_weak`); two files of other bytes are two messages, said (`_sorted_out`)."""
    rows = case.conn.execute(_ECHOES.format(on="theirs.minute = mine.minute", other=""), (exhibit_id,)).fetchall()
    rows = [(*r, 0) for r in rows if r[4] == r[5] or _to_the_minute(r[6], r[4]) or _to_the_minute(r[7], r[5])]
    near = Counter(int(r[1]) for r in rows)  # exports already of this clock: no shift looked for
    skip = ",".join(str(other) for other, n in near.items() if n >= chat_shift.SHIFT_MIN) or "-1"
    pairs = case.conn.execute(_SHIFT_PAIRS.format(skip=skip),
                              (chat_shift.SHARED_FILE_WEIGHT, exhibit_id, chat_shift.SHIFT_TEXT))
    for other, minutes in chat_shift.shifts(pairs).items():
        found = case.conn.execute(_ECHOES.format(on=_SHIFTED, other=" AND theirs.exhibit_id = ?"),
                                  (f"{minutes:+d} minutes", exhibit_id, other)).fetchall()
        rows += [(*r, minutes) for r in found if (at := chat_shift.shifted(r[4], minutes)) is not None and (
            r[5] == at or _to_the_minute(r[6], at) or _to_the_minute(r[7], r[5]))]
    people = _same_people(rows)
    return _sorted_out([r for r in rows if r[8] == r[9] or (int(r[1]), r[8], r[9]) in people])


def _other_bytes(row: tuple) -> bool:
    return bool(row[11]) and bool(row[12]) and row[11] != row[12]


def _weak(row: tuple) -> bool:
    """A match of a voice note or file with no words whose bytes are not known the same (one export or both do not
    hold its file): every chat may hold one from its sender in some minute, so it makes no two exports one chat."""
    return not str(row[10] or "").strip() and not (row[11] and row[11] == row[12])


def _sorted_out(rows: list[tuple]) -> Matches:
    """The matches of each other export holding one that is not weak (the same typed words, or a file of the same
    bytes): its others are echoes, but a file of other bytes is said (`OtherBytes`), unless the message (here or
    there) is echoed otherwise (two voice notes of one minute)."""
    chat = {int(r[1]) for r in rows if not _weak(r) and not _other_bytes(r)}
    kept = [r for r in rows if int(r[1]) in chat]
    out: dict[int, list[Echo]] = {}
    for r in kept:
        if not _other_bytes(r):
            out.setdefault(int(r[0]), []).append(Echo(int(r[1]), str(r[2]), int(r[3]), r[9], r[15]))
    mine = {(int(r[0]), int(r[1])) for r in kept if not _other_bytes(r)}
    theirs = {(int(r[1]), int(r[3])) for r in kept if not _other_bytes(r)}
    other: dict[int, list[OtherBytes]] = {}
    for r in kept:
        if _other_bytes(r) and (int(r[0]), int(r[1])) not in mine and (int(r[1]), int(r[3])) not in theirs:
            other.setdefault(int(r[0]), []).append(
                OtherBytes(int(r[1]), str(r[2]), int(r[3]), int(r[11]), str(r[13]), int(r[12]), str(r[14])))
    return Matches(out, other)


_ECHOES = (
    f"WITH msgs AS ({_NEWEST_MESSAGES}) SELECT mine.id, theirs.exhibit_id, e.name, theirs.idx,"
    " mine.moment, theirs.moment, mine.written, theirs.written, mine.sender, theirs.sender, mine.text,"
    " mine.file, theirs.file, mine.sha, theirs.sha"
    " FROM msgs mine JOIN msgs theirs ON {on} AND theirs.text = mine.text"
    " AND theirs.kind = mine.kind AND theirs.app = mine.app"
    " AND theirs.exhibit_id != mine.exhibit_id"
    " JOIN exhibits e ON e.id = theirs.exhibit_id"
    " WHERE mine.exhibit_id = ? AND mine.moment != ''{other} ORDER BY mine.id, theirs.exhibit_id, theirs.idx")
_SHIFTED = "theirs.minute = strftime('%Y-%m-%dT%H:%M', mine.minute || ':00', ?)"  # the other phone's clock
# Messages of the same longer words in another export of the app, wherever their times: how far its clock is off
# (or a voice note or file of the same bytes, which weighs as SHARED_FILE_WEIGHT of them: a short chat's)
_SHIFT_PAIRS = (
    f"WITH msgs AS ({_NEWEST_MESSAGES}) SELECT theirs.exhibit_id, mine.minute, theirs.minute,"
    " CASE WHEN mine.file != 0 AND mine.file = theirs.file THEN ? ELSE 1 END"
    " FROM msgs mine JOIN msgs theirs ON theirs.text = mine.text AND theirs.kind = mine.kind"
    " AND theirs.app = mine.app AND theirs.exhibit_id != mine.exhibit_id"
    " WHERE mine.exhibit_id = ? AND (length(trim(mine.text)) >= ? OR (mine.file != 0 AND mine.file = theirs.file))"
    " AND mine.moment != '' AND theirs.moment != ''"
    " AND theirs.exhibit_id NOT IN ({skip}) LIMIT 100000")


SAME_PEOPLE_MIN = 2  # typed messages a pair of differing names must share to be taken as one sender


def _same_people(rows: list) -> set[tuple[int, str | None, str | None]]:
    """(other export, sender here, sender there) pairs of differing names that are one person: at least
    SAME_PEOPLE_MIN typed messages at one moment with the same text under that pair (or one file of the
    same bytes), and neither name paired so with any other name (two people saying "ok" in one minute
    make no pair)."""
    support: dict[tuple[int, str | None, str | None], int] = {}
    for r in rows:
        if r[8] == r[9] or not r[8] or not r[9]:
            continue
        same_file = bool(r[11]) and r[11] == r[12]
        if same_file or str(r[10] or "").strip():
            key = (int(r[1]), r[8], r[9])
            support[key] = support.get(key, 0) + (SAME_PEOPLE_MIN if same_file else 1)
    pairs = [k for k, n in support.items() if n >= SAME_PEOPLE_MIN]
    mine = [(k[0], k[1]) for k in pairs]
    theirs = [(k[0], k[2]) for k in pairs]
    strong = {k for k in pairs if mine.count((k[0], k[1])) == 1 and theirs.count((k[0], k[2])) == 1}
    return strong | _one_message_pairs(rows, support, strong)


def _one_message_pairs(rows: list, support: dict[tuple[int, str | None, str | None], int],
                       strong: set[tuple[int, str | None, str | None]]) -> set[tuple[int, str | None, str | None]]:
    """Pairs of names sharing one typed message only, where the two exports are already the same chat
    (SAME_PEOPLE_MIN messages shared under one name, or under names paired above) and each name has no
    other candidate: not paired above, not a sender of the same name in both, in no other pair of names."""
    shared: dict[int, int] = {}
    same_names: set[tuple[int, str | None]] = set()
    for r in rows:
        if r[8] == r[9] or (int(r[1]), r[8], r[9]) in strong:
            shared[int(r[1])] = shared.get(int(r[1]), 0) + 1
            same_names.add((int(r[1]), r[8]))
    taken = {(k[0], k[1]) for k in strong} | {(k[0], k[2]) for k in strong} | same_names
    weak = [k for k, n in support.items() if n < SAME_PEOPLE_MIN and shared.get(k[0], 0) >= SAME_PEOPLE_MIN]
    named = Counter([(k[0], k[1]) for k in support] + [(k[0], k[2]) for k in support])
    return {k for k in weak if (k[0], k[1]) not in taken and (k[0], k[2]) not in taken
            and named[(k[0], k[1])] + named[(k[0], k[2])] == 2}


def message_places(case: Case, message_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per chat message row id, its export exhibit and its place in that export's chat."""
    ids = sorted(set(message_ids))
    out: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        rows = case.conn.execute(
            "SELECT m.id, c.exhibit_id, m.idx FROM chat_messages m JOIN chats c ON c.id = m.chat_id"
            f" WHERE m.id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
        out.update({int(r[0]): (int(r[1]), int(r[2])) for r in rows})
    return out


_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?!.*\d[:.]\d{2})")


def _to_the_minute(written: str | None, moment: str) -> bool:
    """A time written without its seconds ("15/01/2024, 21:05"; its moment second 00); not one
    written as ISO 8601 (Telegram's JSON, which has them)."""
    if not written or "T" in written or moment[17:19] != "00":
        return False
    written = re.sub(r"\s*UTC[+-]\d{2}:?\d{2}$", "", written)  # Telegram's HTML: the offset is no clock
    clock = _CLOCK.search(written.split(",")[-1] if "," in written else written[-12:])
    return clock is not None and clock.group(3) is None
