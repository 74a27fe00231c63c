"""Signal's text export (signal-export's Markdown, one `.md` per chat, media in a folder beside it).

    [2019-05-29, 15:04] Me: How is everyone?
    [2019-05-29 15:04] Aya [+12345678901]: We're great!
    [2019-05-29, 15:20] Jim: ![IMG_0001.jpg](./media/2019-05-29_15-20-00_IMG_0001.jpg)
    [2019-05-29, 15:21] Jim: [voice-note.m4a](./media/2019-05-29_15-21-00_voice.m4a)

Images are `![name](path)`, other attachments `[name](path)`. A message with
several attachments gives one record per attachment (same sender and time),
the caption staying with the first. Dates are ISO (year first), never ambiguous.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import unquote

from app.core.chats import dates
from app.core.chats.placeholders import strip_marks
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "signal"
_HEADER_RE = re.compile(
    r"^\[(?P<stamp>(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{1,2}:\d{2}(?::\d{2})?))\] (?P<rest>.*)$")
_SENDER_RE = re.compile(r"^(?P<sender>[^:\n]{1,120}?):(?:\s(?P<text>.*))?$")
_LINK_RE = re.compile(r"^!?\[(?P<name>[^\]]*)\]\((?P<path>[^)\s]+)\)$")


def _attachment(line: str) -> Attachment | None:
    match = _LINK_RE.match(line.strip())
    if match is None or "://" in match["path"]:
        return None
    path = unquote(match["path"]).removeprefix("./")
    name = match["name"] or PurePosixPath(path).name
    return Attachment(name, False, kind_of(path), line.strip(), path)


def _messages(index: int, sender: str | None, written: str, iso: str | None,
              lines: list[str]) -> list[Message]:
    attachments = [a for a in (_attachment(line) for line in lines) if a is not None]
    text = "\n".join(line for line in lines if _attachment(line) is None).strip()
    system = sender is None
    if not attachments:
        return [Message(index, sender, written, iso, text, system)]
    out = []
    for i, attachment in enumerate(attachments):
        out.append(Message(index + i, sender, written, iso, text if i == 0 else "", system, attachment))
    return out


def _entries(text: str) -> list[tuple[str, str, list[str]]]:
    """(time as written, ISO text, lines) per message."""
    entries: list[tuple[str, str, list[str]]] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = strip_marks(raw)
        match = _HEADER_RE.match(line)
        if match:
            entries.append((match["stamp"], f'{match["date"]}T{match["time"]}', [match["rest"]]))
        elif entries:
            entries[-1][2].append(line)
        elif line.strip():
            entries.append(("", "", [line]))
    return entries


def parse(text: str, name: str = "") -> Chat:
    messages: list[Message] = []
    for written, iso_text, lines in _entries(text):
        date = bool(written)
        stamp = dates.iso_from_text(iso_text) if date else None
        match = _SENDER_RE.match(lines[0])
        sender = match["sender"].strip() if match and date else None
        first = (match["text"] or "") if match and date else lines[0]
        batch = _messages(len(messages), sender, written, stamp, [first, *lines[1:]])
        if not date:
            batch = [Message(m.index, None, "", None, m.text, False, m.attachment,
                             "text before the first message header; no sender assigned") for m in batch]
        messages.extend(batch)
    return Chat(name, tuple(messages), "year-first")


def score(text: str, sample_lines: int = 40) -> float:
    lines = [strip_marks(line) for line in text.splitlines() if line.strip()][:sample_lines]
    if not lines:
        return 0.0
    return sum(bool(_HEADER_RE.match(line)) for line in lines) / len(lines)


def has_markdown_media(text: str) -> bool:
    return bool(re.search(r"\]\((?:\./)?media/", text))
