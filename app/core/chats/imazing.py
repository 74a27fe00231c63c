"""An iPhone's messages as iMazing exports them to CSV: a header line naming the columns, one row per message.

    "Chat Session","Message Date","Delivered Date","Read Date","Edited Date","Service","Type","Sender ID",
    "Sender Name","Status","Replying to","Subject","Text","Attachment","Attachment type"
    "Anna","2024-01-15 21:05:00","","","","iMessage","Incoming","+447700900123","Anna","Read","","","where?","",""
    "Anna","2024-01-15 21:06:10","2024-01-15 21:06:11","","","iMessage","Outgoing","","","Delivered","","","here","",""

(the columns as three independent parsers of iMazing's CSV write them, found with `search`). Every cell quoted, a
message's words over several lines inside its quotes; a spreadsheet saving it again may write semicolons or tabs.
Type `Incoming` is sent by its Sender Name (with its Sender ID, a number or address, beside it), `Outgoing` by this
phone (a name the row writes for it kept in the note); any other type is the app's note. The dates are the
computer's local time as written, year first: no time zone is given and none is assumed. One chat per Chat Session.
The attachment is its file name, looked for beside the CSV; the columns the reader does not show as such (service,
status, delivered, read, edited, replying to, subject, and any column it does not know) are said in the note.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath

from app.core.chats import csv_rows
from app.core.chats.records import THIS_PHONE, Attachment, Chat, Message, kind_of, party

CONTAINER = "imazing-csv"
REQUIRED = ("Chat Session", "Message Date", "Type", "Text")
SHOWN = frozenset({"Chat Session", "Message Date", "Type", "Sender ID", "Sender Name", "Text", "Attachment",
                   "Attachment type"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$")
UNREAD_DATE_NOTE = "date written as {written!r}: not read (iMazing writes year-month-day and a 24-hour clock)"
SHORT_ROW_NOTE = ("the row ends after {count} of the header's {of} columns (the export may be cut short here): "
                  "the columns missing are empty")
OWN_NAME_NOTE = "the row names its sender {named}"  # an outgoing row's or a note's: kept here, not shown as sender
EXTRA_CELLS_NOTE = "the row holds cells beyond the header's columns, kept here: {cells!r}"
REPEATED_NOTE = "the header names {column!r} again: that column's cell kept here: {value!r}"
NO_SENDER_NOTE = "the row names no sender (its Sender Name and Sender ID are empty)"
MIME_KINDS = {"audio": "audio", "video": "video", "image": "image"}


def _delimiter(text: str) -> str | None:
    """The delimiter by which the first line names iMazing's columns (a chat session, the message's date, its type
    and its text): iMazing's comma, or the semicolon or tab of a spreadsheet that saved the file again; None when
    the first line names them by none."""
    first = re.split(r"\r\n?|\n", text.lstrip("\ufeff"), maxsplit=1)[0]
    for delimiter in (",", ";", "\t"):
        header = [cell.strip() for cell in next(csv_rows.rows(first, delimiter), [])]
        if all(column in header for column in REQUIRED):
            return delimiter
    return None


def looks_like(text: str) -> bool:
    return _delimiter(text) is not None


def _iso(written: str) -> str | None:
    if not _DATE_RE.match(written):
        return None
    try:
        return datetime.fromisoformat(written.replace(" ", "T")).isoformat()
    except ValueError:  # a day or hour out of range
        return None


def _sender(cells: dict[str, str]) -> tuple[str | None, bool]:
    """(the sender, whether the row is the app's note) by the row's type."""
    kind = cells.get("Type", "").lower()
    if kind == "outgoing":
        return THIS_PHONE, False
    name, account = cells.get("Sender Name", ""), cells.get("Sender ID", "")
    if kind == "incoming":
        return party(name, account) or None, False
    return None, True


def _attachment(cells: dict[str, str]) -> Attachment | None:
    name = cells.get("Attachment", "")
    if not name:
        return None
    mime = cells.get("Attachment type", "").split("/", 1)[0].lower()
    return Attachment(name, False, MIME_KINDS.get(mime) or kind_of(name), name, None)


def _note(cells: dict[str, str], iso: str | None, system: bool, short: str) -> str:
    named = " / ".join(cells[c] for c in ("Sender Name", "Sender ID") if cells.get(c))
    incoming = cells.get("Type", "").lower() == "incoming"
    unshown = named and not incoming  # the sender shown is this phone, or none
    said = [UNREAD_DATE_NOTE.format(written=cells.get("Message Date", "")) if iso is None else "",
            f"type {cells.get('Type', '')!r}: the app's note" if system else "", short,
            OWN_NAME_NOTE.format(named=named) if unshown else "", NO_SENDER_NOTE if incoming and not named else ""]
    said += [f"{column.lower()}: {value}" for column, value in cells.items() if value and column not in SHOWN]
    return "; ".join(n for n in said if n)


def _message(index: int, cells: dict[str, str], short: str) -> Message:
    written = cells.get("Message Date", "")
    iso = _iso(written)
    sender, system = _sender(cells)
    return Message(index, sender, written, iso, cells.get("Text", ""), system, _attachment(cells),
                   _note(cells, iso, system, short))


def _cells(header: list[str], row: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each column's cell (the words of the Text as written, every other cell trimmed), and what a column the
    header names again holds (said, never dropped)."""
    cells: dict[str, str] = {}
    repeated = []
    for column, value in zip(header, row):
        if column in cells:
            repeated += [REPEATED_NOTE.format(column=column, value=value)] if value.strip() else []
        else:
            cells[column] = value if column == "Text" else value.strip()
    return cells, repeated


def parse(text: str, name: str = "") -> tuple[Chat, ...]:
    rows = list(csv_rows.rows(text.lstrip("\ufeff"), _delimiter(text) or ","))
    header = [cell.strip() for cell in rows[0]] if rows else []
    chats: dict[str, list[Message]] = {}
    for row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        cells, repeated = _cells(header, row)
        short = "; ".join(n for n in (SHORT_ROW_NOTE.format(count=len(row), of=len(header)) if len(row) < len(header)
                                      else EXTRA_CELLS_NOTE.format(cells=row[len(header):]) if len(row) > len(header)
                                      else "", *repeated) if n)
        chat = chats.setdefault(cells.get("Chat Session", "") or PurePosixPath(name).stem, [])
        chat.append(_message(len(chat), cells, short))
    return tuple(Chat(session, tuple(messages), "iso") for session, messages in chats.items())
