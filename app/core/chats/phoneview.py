"""An iPhone's messages as PhoneView (Ecamm, macOS) saves them to CSV (Archives > Save Messages, "CSV File"):
no header line, one row per message.

    Received,"Jul 23, 2011 6:12:54 AM",Anna,+447700900123,"where are you?",iMessage
    Sent,"Jul 23, 2011 6:15:54 AM",Anna,+447700900123,"at the docks",SMS

The direction (`Received` or `Sent`), the Mac's local time as written (month by name: never ambiguous; older versions
write a 24-hour clock followed by AM/PM, "Nov 11, 2012 15:34:01 PM", read as the 24-hour time it is), the other
party's name as the phone's contacts had it (else the number again), the number, the words, and the service
(`SMS`, `iMessage` or `WhatsApp`; older versions leave the column out). The layout as
jlumbroso/text-message-analysis-notebook documents it (docs/PhoneView.md, phoneview_helper.py). One chat per number;
a sent message's sender is this phone. No time zone is given and none is assumed.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath

from app.core.chats import csv_rows, dates
from app.core.chats.records import THIS_PHONE, Chat, Message, party
from app.core.chats.senders import phone_sender

CONTAINER = "phoneview-csv"
DIRECTIONS = ("Received", "Sent")
HEADER = ["direction", "timestamp", "name", "number", "content", "type"]  # a header a user added (the docs show one)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STAMP_RE = re.compile(r"^(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2}), (?P<year>\d{4}) "
                       r"(?P<time>\d{1,2}:\d{2}:\d{2})(?:[ \u202f\u00a0](?P<marker>[AP]M))?$")
MIN_SHARE = 0.8  # of the file's rows: PhoneView's, not a table that happens to hold one such row


def _rows(text: str) -> list[list[str]]:
    rows = [r for r in csv_rows.rows(text.lstrip("\ufeff")) if any(cell.strip() for cell in r)]
    return rows[1:] if rows and [c.strip().lower() for c in rows[0]][:5] == HEADER[:5] else rows


def _iso(written: str) -> str | None:
    found = _STAMP_RE.match(written.strip())
    if found is None or found["month"] not in MONTHS:
        return None
    clock = dates.read_time(found["time"], found["marker"] or "")
    day = int(found["day"])
    if clock is None or not 1 <= day <= 31 or clock[0] > 23:
        return None
    try:
        return datetime(int(found["year"]), MONTHS.index(found["month"]) + 1, day, *clock).isoformat()
    except ValueError:  # 31 February
        return None


def _clock_note(written: str) -> str:
    """An AM after an afternoon hour ("13:34:01 AM"): read as the 24-hour time it writes, the contradiction said."""
    found = _STAMP_RE.match(written.strip())
    if found is None or found["marker"] != "AM" or int(found["time"].split(":")[0]) <= 12:
        return ""
    return "the time writes an afternoon hour marked AM: read as the 24-hour time written, the AM disregarded"


def _is_row(row: list[str]) -> bool:
    return len(row) >= 5 and row[0].strip() in DIRECTIONS and _STAMP_RE.match(row[1].strip()) is not None


def looks_like(text: str) -> bool:
    rows = _rows(text[:65536])
    good = sum(1 for r in rows if _is_row(r))
    return good >= 1 and good >= len(rows) * MIN_SHARE


def _party(name: str, number: str) -> str:
    return party(name, number) or "(no number)"


def _message(index: int, row: list[str], chat: str) -> Message:
    """A row of the chat named `chat`: a row naming the other party otherwise (renamed, spaced) says how."""
    direction, written, name, number, words = (cell.strip() for cell in row[:5])
    iso = _iso(written)
    row_party = _party(name, number)
    said = ["" if iso else f"date written as {written!r}: not read; date-time left empty", _clock_note(written),
            f"the other party written as {row_party!r} in this row" if row_party != chat else "",
            f"service: {row[5].strip()}" if len(row) > 5 and row[5].strip() else "",
            f"cells beyond the six columns, kept here: {row[6:]!r}" if len(row) > 6 else ""]
    sender = THIS_PHONE if direction == "Sent" else _party(name, number)
    return Message(index, sender, written, iso, words, False, None, "; ".join(n for n in said if n))


NOT_A_ROW_NOTE = "a row not in PhoneView's layout (direction, time, name, number, words): kept as found, no sender"


def parse(text: str, name: str = "") -> tuple[Chat, ...]:
    chats: dict[str, tuple[str, list[Message]]] = {}
    current: list[Message] | None = None  # the chat of the row above: a row of no layout is kept with it
    for row in _rows(text):
        if _is_row(row):
            number = row[3].strip()
            key = phone_sender(number) or number or row[2].strip()
            title, current = chats.setdefault(key, (_party(row[2].strip(), number), []))
            current.append(_message(len(current), row, title))
        else:  # never dropped: with the chat above it, or a chat of the file's name before any
            current = current if current is not None else chats.setdefault("", (PurePosixPath(name).stem, []))[1]
            current.append(Message(len(current), None, "", None, csv_rows.line(row), False, None, NOT_A_ROW_NOTE))
    return tuple(Chat(title, tuple(messages), "month-named") for title, messages in chats.values())
