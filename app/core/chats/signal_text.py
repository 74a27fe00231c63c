"""Signal Desktop's messages as sigtop writes them (`sigtop export-messages -f text|text-short`).

text (one block of fields per message, the body after a blank line):

    Conversation: Alice (+31612345678)

    From: Alice (+31612345678)
    Type: incoming
    Sent: Sun, 31 Jan 2021 12:00:00 +0100
    Received: Sun, 31 Jan 2021 12:00:01 +0100
    Attachment: voice-note.m4a (audio/aac, 12345 bytes)

    Hello there

text-short (one line per message; attachments only counted):

    2021-01-31 12:00 Alice: [1 attachment] Hello there

A message of any type but incoming/outgoing (group changes, calls...) is the
app's own note. Quoted replies (`>` lines) are not the message's text: they
are named in its note. Of an edited message, the newest version is the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath

from app.core.chats import dates
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "signal"
FIELDS = ("From", "Type", "Sent", "Received", "Attachment", "Reaction", "Edited")
_FIELD_RE = re.compile(rf"^(?P<field>{'|'.join(FIELDS)}): (?P<value>.*)$")
_ATTACHMENT_RE = re.compile(r"^(?P<name>.*) \((?P<type>[^,()]+)(?:, (?P<bytes>\d+) bytes)?\)$")
_SHORT_RE = re.compile(
    r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}) (?P<sender>(?![-\u2013\u2014]\s)[^:\n]{1,120}?):"
    r"(?: \[(?P<details>[^\]]*)\])?(?: (?P<text>.*))?$")
_COUNT_RE = re.compile(r"(\d+) attachments?")


@dataclass
class _Block:
    fields: dict[str, list[str]] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def is_sigtop_text(text: str) -> bool:
    head = [line for line in text.splitlines()[:12] if line.strip()]
    return bool(head) and head[0].startswith("Conversation: ") and any(
        _FIELD_RE.match(line) for line in head[1:])


def short_score(text: str, sample_lines: int = 40) -> float:
    lines = [line for line in text.splitlines() if line.strip()][:sample_lines]
    return sum(bool(_SHORT_RE.match(line)) for line in lines) / len(lines) if lines else 0.0


def _starts_block(lines: list[str], i: int) -> bool:
    """A message block: `From:` or `Type:` after a blank line, with `Type:`/`Sent:` right after."""
    if not lines[i].startswith(("From: ", "Type: ")) or (i > 0 and lines[i - 1].strip()):
        return False
    following = lines[i + 1: i + 3]
    return any(line.startswith(("Type: ", "Sent: ")) for line in following)


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    in_fields = False
    for i, line in enumerate(lines):
        if _starts_block(lines, i):
            blocks.append(_Block())
            in_fields = True
        if not blocks:
            continue
        match = _FIELD_RE.match(line) if in_fields else None
        if match:
            blocks[-1].fields.setdefault(match["field"], []).append(match["value"])
        else:
            in_fields = False
            blocks[-1].lines.append(line)
    return blocks


def _body(lines: list[str]) -> tuple[str, str]:
    """(text, note): quoted reply lines become the note; an edit history gives its newest version."""
    quote = [line[1:].strip() for line in lines if line.startswith(">")]
    versions = [line[1:].removeprefix(" ") for line in lines if line.startswith("|")]
    if versions:
        newest = []
        for line in versions[1:]:
            if line.startswith("Version: "):
                break
            if not _FIELD_RE.match(line):
                newest.append(line)
        text = "\n".join(newest)
    else:
        text = "\n".join(line for line in lines if not line.startswith(">"))
    fields = dict(f.split(": ", 1) for f in quote if ": " in f and f.split(": ", 1)[0] in ("From", "Sent"))
    note = f"reply to {fields.get('From', '?')} ({fields.get('Sent', '?')})" if quote else ""
    return text.strip(), note


# The extension sigtop export-attachments gives a file the message names none for (a voice message).
SIGTOP_EXTENSIONS = {"audio/aac": ".aac", "audio/x-m4a": ".m4a", "audio/mp4": ".m4a", "audio/mpeg": ".mp3",
                     "audio/ogg": ".ogg", "image/jpeg": ".jpg", "image/png": ".png", "video/mp4": ".mp4"}


def sigtop_name(sent: str, mime: str) -> str | None:
    """The name sigtop export-attachments writes an unnamed attachment under: `attachment-` and the
    time it was sent (`attachment-2021-01-31-12-00-00.aac`)."""
    try:
        when = parsedate_to_datetime(sent)
    except (TypeError, ValueError, IndexError):
        return None
    return f"attachment-{when:%Y-%m-%d-%H-%M-%S}{SIGTOP_EXTENSIONS.get(mime.split(';')[0].strip().lower(), '')}"


_SIGTOP_FILE_RE = re.compile(r"^attachment-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:-\d+)?(?:\.\w+)?$")
MAX_ZONE_SECONDS = 14 * 3600


def _sigtop_time(name: str) -> datetime | None:
    match = _SIGTOP_FILE_RE.match(name)
    try:
        return datetime.strptime(match[1], "%Y-%m-%d-%H-%M-%S") if match else None
    except ValueError:
        return None


def sigtop_match(wanted: str, rels: list[str]) -> list[str]:
    """The files sigtop export-attachments may have written for `wanted` (its time sent in UTC): the
    same stem, else one whose time differs by a whole time zone (a quarter hour, 14 hours at most)."""
    stem = PurePosixPath(wanted).stem
    same = [rel for rel in rels if PurePosixPath(rel).stem == stem]
    when = _sigtop_time(PurePosixPath(wanted).name)
    if same or when is None:
        return same
    out = []
    for rel in rels:
        other = _sigtop_time(PurePosixPath(rel).name)
        shift = (other - when).total_seconds() if other else None
        if shift is not None and abs(shift) <= MAX_ZONE_SECONDS and shift % 900 == 0:
            out.append(rel)
    return out


def _attachment(value: str, sent: str = "") -> Attachment:
    match = _ATTACHMENT_RE.match(value)
    name = match["name"] if match else value
    mime = match["type"] if match else ""
    kind = mime.split("/")[0] if mime.split("/")[0] in ("audio", "video", "image") else kind_of(name)
    named = name if name and name != "no filename" else None
    if named is None and (exported := sigtop_name(sent, mime)):  # looked for as export-attachments names it
        return Attachment(exported, False, kind, f"Attachment: {value}", None)
    return Attachment(named, named is None, kind, f"Attachment: {value}", named)


def _iso(written: str) -> str | None:
    try:
        return parsedate_to_datetime(written).isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def _first(block: _Block, key: str) -> str:
    return (block.fields.get(key) or [""])[0]


def _messages(start: int, block: _Block) -> list[Message]:
    sent = _first(block, "Sent")
    kind = _first(block, "Type") or "unknown"
    text, note = _body(block.lines)
    system = kind not in ("incoming", "outgoing")
    sender = _first(block, "From") or None
    if system and not text:
        text = f"[{kind} message]"
    if block.fields.get("Edited"):
        note = "; ".join(n for n in (note, f"edited ({_first(block, 'Edited')})") if n)
    attachments = [_attachment(v, sent) for v in block.fields.get("Attachment", [])] or [None]
    return [Message(start + i, sender, sent, _iso(sent), text if i == 0 else "", system, a, note)
            for i, a in enumerate(attachments)]


def parse(text: str, name: str = "") -> Chat:
    lines = text.replace("\r\n", "\n").split("\n")
    title = lines[0].removeprefix("Conversation: ").strip() if lines else name
    messages: list[Message] = []
    for block in _blocks(lines):
        messages.extend(_messages(len(messages), block))
    return Chat(title or name, tuple(messages), "iso")


def _short_message(index: int, match: re.Match[str]) -> Message:
    details = match["details"] or ""
    count = _COUNT_RE.search(details)
    attachment = Attachment(None, True, "other", f"[{details}]") if count else None
    iso = dates.iso_from_text(match["time"].replace(" ", "T"))
    return Message(index, match["sender"].strip(), match["time"], iso, (match["text"] or "").strip(),
                   " message" in details, attachment, details)


def parse_short(text: str, name: str = "") -> Chat:
    messages: list[Message] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        match = _SHORT_RE.match(line)
        if match:
            messages.append(_short_message(len(messages), match))
        elif messages and line.strip():
            last = messages[-1]
            messages[-1] = Message(last.index, last.sender, last.time_as_written, last.datetime,
                                   f"{last.text}\n{line}".strip(), last.system, last.attachment, last.note)
    return Chat(name, tuple(messages), "iso")
