"""Viber's "Email message history" (Settings → Calls and messages → Email message history): a zip of
CSV files, one per chat, mailed from the phone; five columns, no header line:

    17/08/2014,12:52:56,Sara,+33612345678,Hello
    ="17/08/2014"<TAB>12:52:56<TAB>="Me"<TAB>="+194XXXXXXXXX"<TAB>"Hi"

date, time, the sender's name (`Me` or the phone's language's word for it), the sender's number, the
message (layouts as users reported them: adrz/analysis-viber-logs, main.R and its issue #1; Excel-
proofed `="..."` cells, tab- or comma-separated). Day and month are decided from all of the file's dates,
as for WhatsApp. The history holds no file: a photo, sticker, video or voice message is its
placeholder in the phone's language (`Message photo`, `Autocollant`, `Voice message`...), kept as an
attachment the export does not hold. A sender is named with its number (`Sara (+33612345678)`).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from app.core.chats import csv_rows, dates
from app.core.chats.records import Attachment, Chat, Message

CONTAINER = "viber-csv"
_DATE_RE = re.compile(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}$")
_WORDED_DATE_RE = re.compile(r"^(?=.*[^\W\d_])(?=.*(?<!\d)\d{4}(?!\d))(?=.*(?<!\d)\d{1,2}(?!\d))[\w .,'\-]{6,40}$")
# The sender's number, as the phone wrote it or a user masked it ("+33 6 12 34 56 78", "01XXXXXXXXXXX"), or none: what
# tells a Viber row whose date's comma went unquoted from another app's line of commas ("January 15, 2024, 9:05 PM,
# Anna : Hello, you": KakaoTalk's)
_NUMBER_RE = re.compile(r"^[+\d\s().\-xX]*$")
_MARKERS = dates.AM_MARKERS | dates.PM_MARKERS  # a 12-hour clock's, in the phone's language ("9:14:00 PM", "9:14 p. m.")
UNREAD_TIME_NOTE = ("date and time written as {written!r}: not read (a clock or date of no layout read here); "
                    "date-time left empty")
MEDIA = {
    "audio": ("voice message", "audio message", "message vocal", "sprachnachricht", "mensaje de voz"),
    "video": ("video message", "message vidéo", "videonachricht", "mensaje de video"),
    "image": ("photo message", "message photo", "fotonachricht", "mensaje de foto", "photo"),
    "sticker": ("sticker", "autocollant", "aufkleber"),
}
MIN_ROWS = 2


def _cell(value: str) -> str:
    """A cell as written, its Excel guard (`="..."`) and quotes taken off."""
    value = value.strip()
    if value.startswith('="') and value.endswith('"'):
        value = value[2:-1]
    return value.strip()


def _delimiter(lines: list[str]) -> str:
    """Viber writes commas (tabs where it guards its cells Excel-style); a spreadsheet re-saving the file in a
    European locale writes semicolons: the one that splits a line into a date and a time first."""
    for line in lines:
        for delimiter in ("\t", ",", ";"):
            cells = _joined_date([_cell(c).strip('"') for c in _first_row(line, delimiter)])
            if len(cells) >= 5 and _is_date(cells[0]) and _clock(cells[1]) is not None:
                return delimiter
    first = lines[0] if lines else ""
    return "\t" if first.count("\t") >= 4 else ","


def _first_row(line: str, delimiter: str) -> list[str]:
    """The cells of the line's first row (a lone carriage return ends a row, as in `_rows`)."""
    return next(csv_rows.rows(line, delimiter), [])


def _is_date(cell: str) -> bool:
    """A date cell: numeric ("01/12/2026"), or in words ("1 December 2026", "Dec 1, 2026"; a month's name in a
    language not read too, its date-time then left empty and said): letters, a day and a four-digit year."""
    return len(cell) <= 40 and bool(_DATE_RE.match(dates.numeric_date(cell)) or _WORDED_DATE_RE.match(cell))


def _joined_date(row: list[str]) -> list[str]:
    """A date in words whose commas the file did not quote ("Dec 1, 2026", "Tuesday, December 1, 2026" split over
    two or three cells) made one cell again."""
    for cells in (2, 3):
        if len(row) >= cells + 4 and not _is_date(row[0]) and _is_date(",".join(row[:cells])) \
                and _clock(row[cells]) is not None and _NUMBER_RE.match(_cell(row[cells + 2])):
            return [",".join(row[:cells]), *row[cells:]]
    return row


def _rows(text: str) -> list[list[str]]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    delimiter = _delimiter([line for line in text[:65536].split("\n") if line.strip()][:6])
    out, blanks = [], 0
    # newline="": a lone carriage return (a file of mixed line ends) ends a row, as csv expects
    for row in csv_rows.rows(text, delimiter):
        row = _joined_date(row)
        if not row:  # a blank line: in a message of several lines the file did not quote, between its paragraphs
            blanks += 1
            continue
        if len(row) >= 5:
            out.append([_cell(c) for c in row[:4]] + [delimiter.join(row[4:]).strip()])
        elif out:  # a message of several lines the file did not quote
            out[-1][4] += "\n" * (blanks + 1) + delimiter.join(row)
        elif any(cell.strip() for cell in row):  # before the first message: kept, said by `parse`
            out.append(["", "", "", "", delimiter.join(row).strip()])
        blanks = 0
    return out


_TIME_CELL_RE = re.compile(r"^(?P<pre>[^\d:]{0,16}?)\s?(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s?(?P<post>[^\d:]{0,16})$")


def _clock(cell: str) -> tuple[str, str] | None:
    """(time, 12-hour marker as written, "" for none) of a time cell: "21:14:00", "9:14:00 PM", "9:14 p. m.",
    "午後9:14"; None when the cell is no time."""
    found = _TIME_CELL_RE.match(" ".join(cell.replace("\u202f", " ").split()))
    if found is None or (found["pre"].strip() and found["post"].strip()):
        return None
    return found["time"], (found["pre"] or found["post"]).strip()


def _is_row(row: list[str]) -> bool:
    return _is_date(row[0]) and _clock(row[1]) is not None


def _stamp(row: list[str]) -> tuple[dates.Stamp | None, str]:
    """The row's date and time read (a marker of no language read here: none, said)."""
    time, marker = _clock(row[1]) or ("", "")
    known = not marker or " ".join(marker.lower().split()) in _MARKERS
    stamp = dates.read_stamp(dates.numeric_date(row[0]), time, marker) if known else None
    return stamp, "" if stamp else UNREAD_TIME_NOTE.format(written=f"{row[0]} {row[1]}")


def looks_like(text: str) -> bool:
    """Several rows of five cells, a date and a time first (a CSV Viber wrote)."""
    rows = _rows(text[:65536])
    rows = rows[1:] if rows and _is_header(rows[0]) else rows
    good = sum(1 for r in rows if _is_row(r))
    return good >= MIN_ROWS and good >= len(rows) * 0.8


def _message(index: int, row: list[str], iso: str | None, note: str) -> Message:
    date, time, sender, number, body = row
    written = f"{date} {time}"
    notes = [note] if note else []
    sender = f"{sender} ({number})" if sender and number and number != sender else sender or number
    kind = next((k for k, labels in MEDIA.items() if body.strip().lower() in labels), None)
    if kind is not None:
        return Message(index, sender or None, written, iso, "", False,
                       Attachment(None, True, kind, body.strip(), None), "; ".join(notes))
    return Message(index, sender or None, written, iso, body.strip(), not sender, None, "; ".join(notes))


def parse(text: str, name: str = "") -> Chat:
    rows = _rows(text)
    read = [_stamp(r) if _is_row(r) else (None, "") for r in rows]
    isos, notes, basis = dates.normalise([stamp for stamp, _ in read])
    notes = ["; ".join(n for n in (said, note) if n) for (_, said), note in zip(read, notes)]
    messages = tuple(_message(i, r, isos[i], notes[i]) if _is_row(r) else _not_a_row(i, r) for i, r in enumerate(rows))
    return Chat(PurePosixPath(name).stem, messages, basis)


NOT_A_ROW_NOTE = "a row without Viber's date and time first: kept as found, no sender or time assigned"
HEADER_NOTE = "the file's first row names its columns (a header a spreadsheet or a tool added): not a message"


def _not_a_row(index: int, row: list[str]) -> Message:
    """A row kept as found: the columns' names heading the file (the app's, not a message), or a row of no layout
    read (no sender or time assigned)."""
    found = ",".join(c for c in row if c)
    if index == 0 and _is_header(row):
        return Message(index, None, "", None, found, True, None, HEADER_NOTE)
    return Message(index, None, "", None, found, False, None, NOT_A_ROW_NOTE)


def _is_header(row: list[str]) -> bool:
    """A first row of five short cells of words, no digit in any: the columns' names ("Date,Time,Sender,...")."""
    return all(cell.strip() and len(cell) <= 40 and not any(ch.isdigit() for ch in cell) for cell in row)
