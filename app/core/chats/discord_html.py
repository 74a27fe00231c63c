"""Discord channels as DiscordChatExporter writes them in HTML (its default format), the files in
`<name>.html_Files/` beside it when downloaded.

    <div class="chatlog__message-group">
      <div id="chatlog__message-container-12" class="chatlog__message-container" data-message-id="12">
        <div class="chatlog__message"> ...
          <span class="chatlog__author" title="anna_k" data-user-id="3">Anna</span>
          <span class="chatlog__timestamp"><a href="#...">1/15/2024 9:05 PM</a></span>
          <div class="chatlog__content chatlog__markdown"><span class="chatlog__markdown-preserve">hi</span>
            <span class="chatlog__edited-timestamp" title="1/15/2024 9:08 PM">(edited)</span></div>
          <div class="chatlog__attachment"><audio class="chatlog__attachment-media" controls>
            <source src="dm.html_Files/voice-message-1A2B3.ogg" title="Audio: voice-message.ogg (9.75 KB)">
      <div ... class="chatlog__message-container">   (the same author's next message: only a short
          <div class="chatlog__short-timestamp" title="1/15/2024 9:06 PM">9:06 PM</div>   time, full in its title)
    <span class="chatlog__system-notification-author">bob</span> ... <span class="chatlog__system-notification-content">

The time is written as the export's locale writes it, without an offset (the exporting computer's
local time): numeric dates are read with every other date of the file (day or month first decided as
for WhatsApp); one written otherwise keeps its words and no date-time, said. A file's address is the
downloaded file's path (percent-encoded), or Discord's web address when not downloaded: said
missing. The message a reply quotes and embeds' text are not the message's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from app.core.chats import dates
from app.core.chats.discord import local_path
from app.core.chats.html_cut import (
    Held,
    read_up_to_damage,
    with_cut_said,
    with_damage_said,
    with_markup_senders_said,
)
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "discord-html"
_NUMERIC_RE = re.compile(r"^(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}),?\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
                         r"\s*(?P<mark>[AaPp]\.?\s?[Mm]\.?)?$")
_WORDED = ("%d-%b-%y %I:%M %p", "%A, %B %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p", "%d %B %Y %H:%M", "%Y-%m-%d %H:%M")
# What each message's markup writes once, quoted or not (DCE's minifier drops the quotes of a one-token value:
# `<div id=chatlog__message-container-12 class=chatlog__message-container data-message-id=12>`): its container's id
# up to the tag's end, and the tag's end `data-message-id=12>`. Both end at a raw ">", which words never hold (DCE
# writes "&gt;"), so words such as `write class=chatlog__message-container here` count no message; a damaged spot
# inside the tag breaks at most one of them (the id before it, or `data-message-id` when the spot is in it).
_MARKS = (re.compile(r' id="?chatlog__message-container-\d+"?[^<>]*>'), re.compile(r' data-message-id="?\d+"?>'))
_TITLE_RE = re.compile(r"^(?:Audio|Video|Image): (?P<name>.+?)(?: \([^()]*\))?$")
HEADER_UNREAD_NOTE = ("its sender is not read: its header's author element is damaged (it is not taken to be the "
                      "author of the messages before it)")
DAMAGED_TAG_NOTE = ("no words or files read: the page's markup is damaged inside this message (a tag of it holds a "
                    "raw \"<\", which the parser read on past), so its words or files may be lost there")
_SKIP = ("chatlog__reply", "chatlog__embed", "chatlog__attachment-spoiler-caption")
_TEXT = {"chatlog__author": "sender", "chatlog__system-notification-author": "sender",
         "chatlog__system-notification-content": "system", "chatlog__timestamp": "time",
         "chatlog__system-notification-timestamp": "time", "chatlog__markdown-preserve": "text",
         "preamble__entry": "title", "chatlog__attachment-generic-name": "file"}


@dataclass
class _Raw:
    id: str
    pinned: bool
    sender: str | None = None
    account: str = ""
    time: str = ""
    system: bool = False
    parts: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (address, name shown)
    edited: str = ""
    reply: bool = False
    author_read: bool = False  # its own author's element closed (a group's later messages take the group's)
    header: bool = False  # it writes its own header (the first of a group): its author is its own, not the group's
    damaged_tag: bool = False  # a tag of it holds a raw "<" (a damaged spot the parser read on past)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raws: list[_Raw] = []
        self.titles: list[str] = []
        self._stack: list[tuple[str, str | None, bool]] = []  # (tag, section it opens, skipped)
        self._group_sender: tuple[str | None, str] = (None, "")
        self.open_at: int | None = None  # the depth the last message's container opened at, while it is open

    def _section(self) -> str | None:
        return next((s for _, s, _ in reversed(self._stack) if s), None)

    def _skipped(self) -> bool:
        return any(skip for _, _, skip in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if "chatlog__message-group" in classes:
            self._group_sender = (None, "")
        if "chatlog__message-container" in classes:
            self.raws.append(_Raw(a.get("data-message-id", ""), "chatlog__message-container--pinned" in classes,
                                  *self._group_sender))
            self.open_at = len(self._stack)
        raw = self.raws[-1] if self.raws else None
        if raw is not None and "chatlog__header" in classes and not self._skipped():
            raw.header, raw.sender, raw.account = True, None, ""  # the group's author only once its own is read
            self._group_sender = (None, "")
        if raw is not None and not self._skipped():
            self._attributes(raw, tag, a, classes)
            raw.damaged_tag = raw.damaged_tag or "<" in (self.get_starttag_text() or "")[1:]
        if tag in ("br", "img", "source", "use", "meta", "link", "input", "hr"):
            if tag == "br" and self._section() == "text" and raw is not None:
                raw.parts.setdefault("text", []).append("\n")
            return
        section = next((_TEXT[c] for c in classes if c in _TEXT), None)
        self._stack.append((tag, section, any(c in _SKIP for c in classes)))

    def _attributes(self, raw: _Raw, tag: str, a: dict[str, str], classes: list[str]) -> None:
        if "chatlog__author" in classes or "chatlog__system-notification-author" in classes:
            raw.account = a.get("title", "")
            raw.system = "chatlog__system-notification-author" in classes
        if "chatlog__reply" in classes:
            raw.reply = True
        if "chatlog__short-timestamp" in classes:
            raw.time = a.get("title", "")
        if "chatlog__edited-timestamp" in classes:
            raw.edited = a.get("title", "") or "(edited)"
            self._stack.append((tag, None, True))  # "(edited)" is no word of the message
        if tag == "source" and a.get("src") or tag == "img" and "chatlog__attachment-media" in classes:
            shown = _TITLE_RE.match(a.get("title", ""))
            raw.files.append((a.get("src", ""), shown["name"] if shown else ""))
        if tag == "a" and self._section() == "file" and a.get("href"):
            raw.files.append((a["href"], ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "img", "source", "use"):
            return
        while self._stack:
            opened, section, _ = self._stack.pop()
            if section == "sender" and self.raws:
                raw = self.raws[-1]
                raw.sender = "".join(raw.parts.pop("sender", [])).strip() or raw.sender
                raw.author_read = True
                if not raw.system:  # the group's next messages are this author's (no name written)
                    self._group_sender = (raw.sender, raw.account)
            elif section == "time" and self.raws:
                self.raws[-1].time = " ".join("".join(self.raws[-1].parts.pop("time", [])).split())
            if self.open_at is not None and len(self._stack) <= self.open_at:
                self.open_at = None
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        section = self._section()
        if section is None or self._skipped():
            return
        if section == "title":
            self.titles.append(data.strip())
        elif self.raws:
            self.raws[-1].parts.setdefault(section, []).append(data)


def _worded(text: str) -> str | None:
    for form in _WORDED:
        try:
            return datetime.strptime(text, form).isoformat()
        except ValueError:
            continue
    return None


def _iso_8601(time: str) -> str | None:
    """A time written as ISO 8601 (as the JSON export writes it, "2024-01-15T21:05:00.000+00:00"), its offset kept."""
    if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", time.strip()):
        return None
    try:
        return datetime.fromisoformat(time.strip()).isoformat()
    except ValueError:
        return None


def moments(times: list[str]) -> tuple[list[str | None], list[str]]:
    """ISO 8601 per time as DiscordChatExporter writes it in the export's locale (None when it cannot
    be said; numeric dates decided together, as WhatsApp's are) and a note per time."""
    stamps = []
    for time in times:
        match = _NUMERIC_RE.match(time.replace("\u202f", " "))
        stamps.append(dates.read_stamp(match["date"], match["time"], match["mark"] or "") if match else None)
    isos, notes, _ = dates.normalise(stamps)
    for k, time in enumerate(times):
        if stamps[k] is None:
            isos[k] = _iso_8601(time) or _worded(" ".join(time.split()))
            notes[k] = "" if isos[k] else (f"time written as {time!r}, not read" if time else "no time")
    return isos, notes


def _attachment(address: str, shown: str) -> Attachment:
    path = local_path(address)
    if path is None:
        name = shown or PurePosixPath(urlsplit(address).path).name or None
        return Attachment(name, True, kind_of(name), address, None)
    path = unquote(path)
    name = shown or PurePosixPath(path).name
    return Attachment(name, False, kind_of(name), address, path)


def _records(raw: _Raw, index: int, iso: str | None, note: str) -> list[Message]:
    text = "".join(raw.parts.get("system" if raw.system else "text", [])).strip()
    unread = raw.header and not raw.author_read and not raw.system
    lost = raw.damaged_tag and not (text or raw.files)
    notes = [n for n in (note, HEADER_UNREAD_NOTE if unread else "", DAMAGED_TAG_NOTE if lost else "",
                         "a reply (the words it quotes are not its own)" if raw.reply else "",
                         f"edited {raw.edited}" if raw.edited else "", "pinned" if raw.pinned else "") if n]
    sender = f"{raw.sender} ({raw.account})" if raw.sender and raw.account and raw.account != raw.sender else raw.sender
    files: list[Attachment | None] = [_attachment(a, shown) for a, shown in raw.files] or [None]
    return [Message(index + i, sender, raw.time, iso, text if i == 0 else "", raw.system, f, "; ".join(notes))
            for i, f in enumerate(files)]


def _held(reader: _Reader) -> tuple[list[_Raw], Held | None]:
    """The messages and what was read of the last when it is still open at a damaged spot (`read_up_to_damage`):
    its author once its element closed (a group's later message has none to read: the group's), time, words, files."""
    if reader.open_at is None or not reader.raws:
        return reader.raws, None
    raw = reader.raws[-1]
    sender = raw.sender if raw.author_read else "" if raw.sender is not None else None
    content = bool(raw.files or "".join(raw.parts.get("system" if raw.system else "text", [])).strip())
    piece = "" if sender is not None else "".join(raw.parts.get("sender", [])).strip()
    return reader.raws, Held(sender, raw.time or None, content, piece)


def looks_like(text: str) -> bool:
    return "chatlog__message-container" in text and "chatlog__" in text[:200000]


def parse(text: str, name: str = "") -> tuple[Chat, ...]:
    reader = _Reader()
    damage = read_up_to_damage(reader, text, _held, _MARKS)
    isos, notes = moments([raw.time for raw in reader.raws])
    if damage is not None and damage.cut and not reader.raws[-1].time:
        notes[-1] = ""  # cut before its time: the damage's note says it
    messages: list[Message] = []
    for raw, iso, note in zip(reader.raws, isos, notes):
        messages += _records(raw, len(messages), iso, note)
    title = " / ".join(t for t in reader.titles if t) or PurePosixPath(name).stem
    chat = with_markup_senders_said(with_cut_said(Chat(title, tuple(messages), "local"), text), [text])
    return (with_damage_said(chat, damage, name),)
