"""Discord channels as DiscordChatExporter writes them in CSV (`-f Csv`).

    AuthorID,Author,Date,Content,Attachments,Reactions
    "111","anna_k","1/15/2024 9:05 PM","where are you?","",""
    "222","bob","1/15/2024 9:06 PM","","anna.csv_Files\\voice-message-1A2B3.ogg","👍 (2)"

Every cell quoted, a message's words over several lines inside its quotes; the time in the export's locale
(read as the plain text's is), the files' paths (or web addresses) joined with commas. The sender is the
account's name; two accounts of one name are told apart by their ids (`anna_k (333)`). A system message
is written by its fallback words ("Started a call that lasted 2 minutes."): the app's note.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.core.chats import csv_rows
from app.core.chats.discord import attachment
from app.core.chats.discord_html import moments
from app.core.chats.records import LIKELY_CUT, Chat, Message

CONTAINER = "discord-csv"
HEADER = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
_SYSTEM_RE = re.compile(
    r"^(?:Started a call that lasted \d+ minutes?\.|Added (?:a recipient|.+ to the group)\.|Removed (?:a recipient|"
    r".+ from the group)\.|Left the group\.|Changed the channel name(?:: .*|\.)|Changed the channel icon\.|"
    r"Pinned a message\.|Joined the server\.|Started a thread\.|A poll has closed\.)$", re.DOTALL)


def looks_like(text: str) -> bool:
    first = re.split(r"\r\n?|\n", text.lstrip("\ufeff"), maxsplit=1)[0].strip()  # any line end (an old Mac's \r)
    return next(csv_rows.rows(first), []) == HEADER


def _files(cell: str) -> list[str]:
    """The files of a message: a comma starts the next one only where a web address or the first's folder does."""
    if not cell.strip():
        return []
    first = cell.split(",", 1)[0]
    folder = re.split(r"[\\/]", first)[0] if re.search(r"[\\/]", first) and "://" not in first else ""
    starts = ["https://", "http://"] + ([folder] if folder else [])
    out: list[str] = []
    for piece in cell.split(","):
        if out and not piece.startswith(tuple(starts)):
            out[-1] += "," + piece  # a comma inside a file's name
        else:
            out.append(piece)
    return [p.strip() for p in out if p.strip()]


def _senders(rows: list[list[str]]) -> list[str | None]:
    ids: dict[str, set[str]] = {}
    for row in rows:
        ids.setdefault(row[1], set()).add(row[0])
    return [(f"{row[1]} ({row[0]})" if len(ids[row[1]]) > 1 and row[0] else row[1] or row[0]) or None for row in rows]


def parse(text: str, stem: str = "") -> Chat:
    rows = list(csv_rows.rows(text.lstrip("\ufeff")))[1:]
    rows = [(r + [""] * 6)[:6] for r in rows if any(cell.strip() for cell in r)]
    isos, notes = moments([r[2] for r in rows])
    messages: list[Message] = []
    for row, sender, iso, note in zip(rows, _senders(rows), isos, notes):
        words = row[3].strip()
        system = bool(_SYSTEM_RE.match(words))
        said = [n for n in (note, "the app's note" if system else "",
                            f"reactions: {row[5]}" if row[5].strip() else "") if n]
        files = [attachment(f) for f in _files(row[4])] or [None]
        messages += [Message(len(messages) + i, sender, row[2], iso, words if i == 0 else "", system, f, "; ".join(said))
                     for i, f in enumerate(files)]
    if messages and not text.endswith(("\n", "\r")):  # the exporter ends every row with a line end
        last = messages[-1]
        messages[-1] = replace(last, note="; ".join(n for n in (last.note, CUT_ROW_NOTE) if n))
    return Chat(stem, tuple(messages), "local")


CUT_ROW_NOTE = ("the export ends in this message's row, with no line end after it (the exporter ends every row with "
                "one): " + LIKELY_CUT + "; the row may go on beyond what is written")
