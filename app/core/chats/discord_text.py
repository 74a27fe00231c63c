"""Discord channels as DiscordChatExporter writes them in plain text (`-f PlainText`).

    ==============================================================
    Guild: Direct Messages
    Channel: Private / anna
    ==============================================================

    [1/15/2024 9:05 PM] anna_k
    where are you?

    [1/15/2024 9:06 PM] bob (pinned)

    {Attachments}
    anna.txt_Files\\voice-message-1A2B3.ogg

    {Reactions}
    👍 (2)

A message is its header (the time in the export's locale, the account's name, "(pinned)") after a
blank line, its words, then its sections: `{Attachments}` (each file's path or web address),
`{Embed}` (a link's preview: not the message's words), `{Stickers}`, `{Reactions}`. A line of the
words that looks like a header but whose brackets hold no time stays in the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.core.chats.discord import attachment
from app.core.chats.discord_html import moments
from app.core.chats.records import Chat, Message

CONTAINER = "discord-text"
RULE = "=" * 62
_HEADER_RE = re.compile(r"^\[(?P<when>[^\[\]]{6,40})\] (?P<author>\S.*?)(?P<pinned> \(pinned\))?$")
_SECTIONS = frozenset({"{Attachments}", "{Embed}", "{Stickers}", "{Reactions}"})
_TIME_RE = re.compile(r"\d{1,2}[:.]\d{2}")


@dataclass
class _Raw:
    when: str
    author: str
    pinned: bool
    words: list[str] = field(default_factory=list)
    sections: dict[str, list[str]] = field(default_factory=dict)


def looks_like(text: str) -> bool:
    lines = text.lstrip("\ufeff").split("\n", 3)
    return len(lines) > 2 and lines[0].rstrip("\r") == RULE and lines[1].startswith("Guild: ")


def _header(line: str, blank_before: bool) -> re.Match[str] | None:
    match = _HEADER_RE.match(line) if blank_before else None
    return match if match and _TIME_RE.search(match["when"]) else None


def _read(text: str) -> tuple[str, list[_Raw]]:
    """The channel's name and the messages as written."""
    name, raws, section, blank = "", [], None, True
    for line in text.lstrip("\ufeff").replace("\r\n", "\n").split("\n"):
        if line.startswith(("Guild: ", "Channel: ")) and not raws:
            name = f"{name} / {line.split(': ', 1)[1]}" if name else line.split(": ", 1)[1]
        elif line == RULE:
            section = "end" if raws else None
        elif header := _header(line, blank):
            raws.append(_Raw(header["when"], header["author"], bool(header["pinned"])))
            section = None
        elif raws and line in _SECTIONS:
            section = line
        elif raws and section not in (None, "end") and line.strip():
            raws[-1].sections.setdefault(section, []).append(line.strip())
        elif raws and section is None:
            raws[-1].words.append(line)
        blank = not line.strip()
    return name, raws


def _records(raw: _Raw, index: int, iso: str | None, note: str) -> list[Message]:
    text = "\n".join(raw.words).strip()
    notes = [n for n in (note, "pinned" if raw.pinned else "") if n]
    if raw.sections.get("{Reactions}"):
        notes.append("reactions: " + " ".join(raw.sections["{Reactions}"]))
    if raw.sections.get("{Stickers}"):
        notes.append("sticker: " + ", ".join(raw.sections["{Stickers}"]))
    if raw.sections.get("{Embed}"):
        notes.append("a link's preview: " + " | ".join(raw.sections["{Embed}"])[:300])
    files = [attachment(url) for url in raw.sections.get("{Attachments}", [])] or [None]
    return [Message(index + i, raw.author, raw.when, iso, text if i == 0 else "", False, f, "; ".join(notes))
            for i, f in enumerate(files)]


def parse(text: str, stem: str = "") -> Chat:
    name, raws = _read(text)
    isos, notes = moments([raw.when for raw in raws])
    messages: list[Message] = []
    for raw, iso, note in zip(raws, isos, notes):
        messages += _records(raw, len(messages), iso, note)
    return Chat(name or stem, tuple(messages), "local")
