"""Signal's text export (signal-export's Markdown, one `.md` per chat, media in a folder beside it).

    [2019-05-29, 15:04] Me: How is everyone?
    [2019-05-29 15:04] Aya [+12345678901]: We're great!
    [2019-05-29, 15:20] Jim: ![IMG_0001.jpg](./media/2019-05-29_15-20-00_IMG_0001.jpg)
    [2019-05-29, 15:21] Jim: [voice-note.m4a](./media/2019-05-29_15-21-00_voice.m4a)

    [2023-01-05 19:43:00] Bob: look![a.jpg](./media/a.jpg)  [b.m4a](./media/b%20c.m4a)
    [2023-01-05 19:44:00] Me:                      a reply: the quoted text as `> ` lines
    (- Bob: 👍 -)                                  reactions, on a line after the text

Images are `![name](path)`, other attachments `[name](path)`, on lines of their
own or after the text (newer signal-export). A message with several
attachments gives one record per attachment (same sender and time), the
caption staying with the first. Quotes and reactions are said in the note, not
taken for the text. Dates are ISO (year first), never ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import unquote

from app.core.chats import colon_names, dates
from app.core.chats.placeholders import strip_marks
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "signal"
_HEADER_RE = re.compile(
    r"^\[(?P<stamp>(?P<date>\d{4}-\d{2}-\d{2}),? (?P<time>\d{1,2}:\d{2}(?::\d{2})?))\] (?P<rest>.*)$")
_SENDER_RE = re.compile(r"^(?P<sender>[^:\n]{1,120}?):(?:\s(?P<text>.*))?$")
_LINK_RE = re.compile(r"!?\[(?P<name>[^\]\n]*)\]\((?P<path>[^)\s]+)\)")
_REACTIONS_RE = re.compile(r"^\(- (?P<who>.*) -\)$")
DELETED = "(This message was deleted)"
OWN = "Me"  # signal-export's sender of this phone's messages: no other reading of "Me: Address: ..."


def _attachment(match: re.Match[str]) -> Attachment:
    path = unquote(match["path"]).removeprefix("./")
    name = match["name"] or PurePosixPath(path).name
    return Attachment(name, False, kind_of(path), match[0], path)


def _local_links(line: str) -> list[re.Match[str]]:
    return [m for m in _LINK_RE.finditer(line) if "://" not in m["path"]]


def _split_body(lines: list[str]) -> tuple[str, list[Attachment], str]:
    """(text, attachments, note) of a message's lines: links, quote and reactions taken out of the text."""
    attachments: list[Attachment] = []
    kept, quoted, notes = [], [], []
    for line in lines:
        links = _local_links(line)
        attachments += [_attachment(m) for m in links]
        for m in reversed(links):
            line = line[: m.start()] + line[m.end():]
        reactions = _REACTIONS_RE.match(line.strip())
        if reactions:
            notes.append(f"reactions: {reactions['who']}")
        elif line.startswith("> ") and not any(k.strip() for k in kept):
            quoted.append(line[2:].strip())
        else:
            kept.append(line.rstrip())
    if quoted:
        notes.insert(0, "reply to: " + " / ".join(quoted))
    return "\n".join(kept).strip(), attachments, "; ".join(notes)


def _messages(index: int, sender: str | None, written: str, iso: str | None,
              lines: list[str]) -> list[Message]:
    text, attachments, note = _split_body(lines)
    system = sender is None or text == DELETED
    if not attachments:
        return [Message(index, sender, written, iso, text, system, None, note)]
    out = []
    for i, attachment in enumerate(attachments):
        out.append(Message(index + i, sender, written, iso, text if i == 0 else "", system, attachment, note))
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


def _sender(first: str, known: frozenset[str]) -> tuple[str | None, str]:
    """(sender, the first line's text): a name holding a colon ("Work: Bob") whole where the chat bears it out
    (`colon_names`), else up to the first colon."""
    whole = colon_names.leading(first, known)
    if whole is not None:
        return whole, first[len(whole) + 1:].removeprefix(" ")
    match = _SENDER_RE.match(first)
    return (match["sender"].strip(), match["text"] or "") if match else (None, first)


_REACTION_RE = re.compile(r":\s*[^\w\s,]+(?=,\s|\s*-\)$)")  # "(- Work: Bob: 👍, Anna: ❤️ -)": each emoji after its name


def _names_written(entries: list[tuple[str, str, list[str]]], name: str) -> list[str]:
    """Every line of the chat, the reactions' lines with their emoji taken out (so the names reacting stand
    alone: "(- Work: Bob, Anna -)"), and the chat's name: where a name holding a colon is borne out."""
    lines = [line for _, _, lines in entries for line in lines]
    return [*lines, *(_REACTION_RE.sub("", line) for line in lines if _REACTIONS_RE.match(line.strip())), name]


def parse(text: str, name: str = "") -> Chat:
    messages: list[Message] = []
    entries = _entries(text)
    read = colon_names.readings([lines[0] for written, _, lines in entries if written], _names_written(entries, name))
    for written, iso_text, lines in entries:
        date = bool(written)
        stamp = dates.iso_from_text(iso_text) if date else None
        sender, first = _sender(lines[0], read.whole) if date else (None, lines[0])
        batch = _messages(len(messages), sender, written, stamp, [first, *lines[1:]])
        if not date:
            batch = [Message(m.index, None, "", None, m.text, False, m.attachment,
                             "text before the first message header; no sender assigned") for m in batch]
        elif sender != OWN and (doubt := colon_names.doubt_note(sender, lines[0], read.doubtful)):
            batch = [replace(m, note="; ".join(n for n in (m.note, doubt) if n)) for m in batch]
        messages.extend(batch)
    return Chat(name, tuple(messages), "year-first")


def score(text: str, sample_lines: int = 40) -> float:
    lines = [strip_marks(line) for line in text.splitlines() if line.strip()][:sample_lines]
    if not lines:
        return 0.0
    return sum(bool(_HEADER_RE.match(line)) for line in lines) / len(lines)


def has_markdown_media(text: str) -> bool:
    return bool(re.search(r"\]\((?:\./)?media/", text))
