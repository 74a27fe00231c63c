"""Facebook Messenger's and Instagram's download in HTML (the format Meta offers first): one folder
per chat holding `message_1.html`, `message_2.html`, ... (newest first) and the chat's files in
`audio/`, `photos/`, `videos/`, `files/`.

    <h1>Anna Müller</h1>
    <section class="_a6-g">                                  (older downloads: <div class="pam _3-95 _2ph- _a6-g ...">)
      <h2 class="_2ph_ _a6-h _a6-i">Anna Müller</h2>
      <div class="_2ph_ _a6-p"><div><div>wo bist du?</div>
        <div><audio src="your_facebook_activity/messages/inbox/anna_10158/audio/audioclip170.mp4" controls></audio></div>
        <ul class="_a6-q"><li><span>❤Bob</span></li></ul></div></div>
      <footer class="_3-94 _a6-o"><div class="_a72d">Jan 15, 2024 9:05:12 pm</div></footer>
    </section>

Meta's class names are generated, but these four (`_a6-g` a message, `_a6-h` its sender, `_a6-p` its
content, `_a6-o` its time) have held across years of downloads. A time is written in the account's
time zone without saying which (`Jan 15, 2024 9:05:12 pm`): read as written, no offset; one written
otherwise (another language) keeps its words and no date-time, said. An audio clip is a voice note
whatever its extension (Messenger writes `.mp4`); reactions are said in the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import PurePosixPath

from app.core.chats import same_names
from app.core.chats.html_cut import (
    Held,
    read_pages,
    with_damaged_pages_said,
    with_markup_senders_said,
    with_page_cuts_said,
)
from app.core.chats.meta_notes import app_words_note, is_app_note, settle_bare_you
from app.core.chats.records import Attachment, Chat, Message, kind_of

CONTAINER = "messenger-html"
INSTAGRAM = "instagram-html"
PAGE_RE = re.compile(r"^message_(\d+)\.html$")
_FORMS = ("%b %d, %Y %I:%M:%S %p", "%b %d, %Y, %I:%M %p", "%b %d, %Y %I:%M %p", "%d %b %Y, %H:%M", "%d %B %Y, %H:%M")
_SECTIONS = {"_a6-h": "sender", "_a6-p": "content", "_a6-o": "time", "_a6-q": "reactions"}
_MEDIA = {"audio": "audio", "video": "video", "img": "image"}
_VOID = frozenset({"br", "img", "source", "meta", "link", "input", "hr", "wbr"})
# What each message's markup writes once: its element's class (as `_Reader` opens one), its time's footer; in a tag
# (a raw quote in the words, `say class="x _a6-o"`, counts no message)
_MARKS = tuple(re.compile(rf'<[a-z]+\s[^<>]*?class="[^"<>]*(?<![\w-]){c}(?![\w-])') for c in ("_a6-g", "_a6-o"))


_WHOLE = frozenset({"sender", "time"})  # parts read only once their element closed (a damaged spot may cut them)


@dataclass
class _Raw:
    parts: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, kind)
    closed: set[str] = field(default_factory=set)  # its sections whose element closed
    cut: bool = False  # a damaged spot fell in it (`html_cut.Damage.cut`): what it lacks is said there


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.raws: list[_Raw] = []
        self.title: list[str] = []
        self._stack: list[tuple[str, str | None]] = []
        self._in_h1 = False
        self.open_at: int | None = None  # the depth the last message's element opened at, while it is open

    def _section(self) -> str | None:
        return next((s for _, s in reversed(self._stack) if s), None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if "_a6-g" in classes:
            self.raws.append(_Raw())
            self.open_at = len(self._stack)
        self._in_h1 = self._in_h1 or tag == "h1"
        if self.raws and self._section() == "content":
            self._media(tag, a)
            if tag in ("br", "div", "p") and self.raws[-1].parts.get("content"):
                self.raws[-1].parts["content"].append("\n")
        section = next((_SECTIONS[c] for c in classes if c in _SECTIONS), None)
        if section == "sender" and self.raws and "sender" in self.raws[-1].closed:
            # a second sender in one message: two messages read as one (a damaged spot lost the second's section),
            # the markup said with the names (`with_markup_senders_said`), neither name taken as the sender
            self.raws[-1].parts["sender"].append(self.get_starttag_text() or "<h2>")
        if tag not in _VOID:
            self._stack.append((tag, section))

    def _media(self, tag: str, a: dict[str, str]) -> None:
        src = a.get("src") if tag in _MEDIA else a.get("href") if tag == "a" else None
        if not src or "://" in src or src.startswith(("#", "data:", "mailto:")):
            return
        kind = _MEDIA.get(tag) or kind_of(src)
        if PurePosixPath(src).parent.name == "audio":
            kind = "audio"  # a voice clip, whatever its extension
        raw = self.raws[-1]
        if all(path != src for path, _ in raw.files):  # <a href=x><img src=x></a> is one file
            raw.files.append((src, kind))

    def handle_endtag(self, tag: str) -> None:
        """Closes `tag` and what opened inside it; a void tag's end (`<br />`, `<img … />`) or one never opened closes
        nothing (it closed every open section: the message's words after a line break were lost)."""
        if tag == "h1":
            self._in_h1 = False
        opened = [t for t, _ in self._stack]
        if tag in _VOID or tag not in opened:
            return
        while self._stack:
            open_tag, section = self._stack.pop()
            if section and self.raws:
                self.raws[-1].closed.add(section)
            if self.open_at is not None and len(self._stack) <= self.open_at:
                self.open_at = None
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_h1 and not self.raws:
            self.title.append(data.strip())
        section = self._section()
        if section and self.raws:
            self.raws[-1].parts.setdefault(section, []).append(data)


def _joined(raw: _Raw, part: str) -> str:
    lines = "".join(raw.parts.get(part, [])).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def read_time(text: str) -> str | None:
    for form in _FORMS:
        try:
            return datetime.strptime(text, form).isoformat()
        except ValueError:
            continue
    return None


def _whole(raw: _Raw, part: str) -> str:
    """A sender or time as read once its element closed ("" before: a damaged spot may have cut it)."""
    return _joined(raw, part) if part in raw.closed else ""


def _records(raw: _Raw, index: int) -> list[Message]:
    written = _whole(raw, "time")
    iso = read_time(written) if written else None
    sender = _whole(raw, "sender") or None
    reactions = _joined(raw, "reactions").replace("\n", ", ")  # inside the content, not its words
    text = _joined(raw, "content")
    notes = ([] if iso or raw.cut and "time" not in raw.closed else [f"time written as {written!r}, not read" if written
                                                       else "no time"]) + (
        [f"reactions: {reactions}"] if reactions else [])
    said = app_words_note(text, sender)  # "Anna sent an attachment.": the app's words, not hers
    notes += [said] if said else []
    files: list[Attachment | None] = [Attachment(PurePosixPath(p).name, False, k, p, p) for p, k in raw.files] or [None]
    return [Message(index + i, sender, written, iso, text if i == 0 else "", is_app_note(said), f, "; ".join(notes))
            for i, f in enumerate(files)]


def looks_like(text: str) -> bool:
    return "_a6-g" in text and "_a6-o" in text and "_a6-p" in text


def _held(reader: _Reader) -> tuple[list[_Raw], Held | None]:
    """The page's messages and what was read of the one still open at a damaged spot (`html_cut.read_up_to_damage`):
    its sender and time once their element closed; words, reactions, files."""
    if reader.open_at is None or not reader.raws:
        return reader.raws, None
    raw = reader.raws[-1]
    whole = {part: _joined(raw, part) if part in raw.closed else None for part in _WHOLE}
    content = bool(_joined(raw, "content") or _joined(raw, "reactions") or raw.files)
    piece = "" if "sender" in raw.closed else _joined(raw, "sender")
    return reader.raws, Held(whole["sender"], whole["time"], content, piece)


def parse_pages(pages: list[str], name: str = "") -> Chat:
    """One chat from its pages (message_1.html the newest), oldest message first."""
    raws: list[tuple[int, _Raw]] = []
    title = ""
    read, damages = read_pages(_Reader, pages, _held, _MARKS)
    cut = {damage.page for damage in damages if damage.cut}
    for number, reader in read:
        if number in cut:
            reader.raws[-1].cut = True
        raws += [(number, raw) for raw in reader.raws]
        title = title or " ".join(t for t in reader.title if t)
    messages: list[Message] = []
    page_of: list[int] = []
    for number, raw in reversed(raws):  # listed newest first
        read = _records(raw, len(messages))
        messages += read
        page_of += [number] * len(read)
    messages = same_names.told_apart_by_participants(settle_bare_you(messages),
                                                     same_names.html_participants(pages[0] if pages else ""))
    chat = with_page_cuts_said(Chat(title or name, tuple(messages), "local"), pages, page_of, newest_first=True)
    return with_damaged_pages_said(with_markup_senders_said(chat, pages), damages, page_of, name, newest_first=True)


def parse(text: str, name: str = "") -> tuple[Chat, ...]:
    return (parse_pages([text], PurePosixPath(name).stem),)
