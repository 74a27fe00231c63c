"""Google Voice as Google Takeout exports it (`Takeout/Voice/Calls/`): one HTML page per conversation or call, its
files beside it. The layout as wjcarpenter/gvoice-sms-takeout-xml's test data and DATA_EXAMPLES.md show it.

Texts (`Anna - Text - 2023-09-29T23_40_59Z.html`, `Group Conversation - ….html`), one `div.message` each:

    <div class="message"><abbr class="dt" title="2023-09-29T16:40:59.923-07:00">Sep 29, 2023, 4:40:59 PM
    Pacific Time</abbr>: <cite class="sender vcard"><a class="tel" href="tel:+17323210011"><abbr class="fn"
    title="">Me</abbr></a></cite>: <q>MMS Sent</q><div><img src="Anna - Text - …Z-1-1" alt="Image MMS
    Attachment" /></div></div>

A voicemail, a recorded call, a received, placed or missed call (`Anna - Voicemail - ….html`, with its `.mp3`):
`div.haudio` with the caller (`div.contributor`), the time (`abbr.published`), the length (`abbr.duration`,
"PT28S"), Google's own transcript of a voicemail (`span.full-text`), the recording (`<audio src>`), and what the
page is by its labels (`google.com/voice#voicemail`, `#recorded`, `#received`, `#placed`, `#missed`).

Each time is read with the UTC offset the page gives. A sender is named with its number ("Anna (+17323212222)");
the account's own messages are "Me", as the export writes them. An MMS file is named without its extension (the
file beside it has one): found by its name. Google's transcript of a voicemail is the note's, never the words: the
recording itself is transcribed. A page marked "User Deleted: True" says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from app.core.chats.html_cut import (
    DAMAGED_PAGE_NOTE,
    Held,
    read_up_to_damage,
    with_cut_said,
    with_damage_said,
    with_markup_senders_said,
)
from app.core.chats.records import Attachment, Chat, Message, kind_of, party
from app.core.chats.senders import phone_sender
from app.core.errors import ChatError

CONTAINER = "google-voice-html"
LABEL = "google.com/voice#"
CALLS = {"voicemail": "voicemail", "recorded": "recorded call", "received": "received call",
         "placed": "placed call", "missed": "missed call"}
OWNER = "Me"  # the account's own messages, as the export names them
_DURATION_RE = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")
_FILE_TAGS = {"img": "src", "audio": "src", "video": "src", "source": "src"}
_SPACES_RE = re.compile(r"[ \t\r\n]+")  # the page's; a no-break space the page writes (U+202F before PM) is kept
_BREAK = "\x00"  # a <br> while the text is read (the page's own line ends are spaces, as a browser shows them)
_MMS_NAME_RE = re.compile(r"T\d{2}_\d{2}_\d{2}Z-\d+-\d+$")  # "… - Text - 2023-09-29T23_40_59Z-1-1": message 1, file 1
_VOID = frozenset({"br", "img", "meta", "source", "input", "hr", "link", "wbr"})
# What each text message writes once, in its tag (a raw quote in the words, `class="dt"`, counts no message)
_MARKS = (re.compile(r'<div class="message"'), re.compile(r'<abbr class="dt"'))
_ONLY_OWNER = "the page holds only the account's own messages (\"Me\")"
_ONLY_OWNER_READ = "as far as this damaged page was read, it holds only the account's own messages (\"Me\")"
_TO_A_NAME = (" and does not write whom they were sent to (no number): the chat's name is the page's title or Takeout's "
              "file name, a contact's name as saved, which two people can share")
_TO_A_NUMBER = (" and writes whom they were sent to only in its title and Takeout's file name (the number {number}), not "
                "in its messages")
ONLY_OWNER_NOTE = _ONLY_OWNER + _TO_A_NAME
_TEXT_PAGE_RE = re.compile(r"^(?P<party>.+) - Text - \d{4}-\d{2}-\d{2}T\d{2}_\d{2}_\d{2}Z\.html$")


@dataclass
class _Part:
    """A message (div.message) or the call's page (div.haudio) as read."""

    time_title: str = ""
    time_text: list[str] = field(default_factory=list)
    sender_tel: str = ""
    sender_name: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    sender_whole: bool = False  # its sender's element closed: a name cut by a damaged spot is no sender


@dataclass
class _Page:
    title: list[str] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)
    call: _Part | None = None
    transcript: list[str] = field(default_factory=list)
    duration: str = ""
    labels: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    participants: list[_Part] = field(default_factory=list)  # a group's (div.participants), before its messages


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self._open: list[tuple[str, list[str] | None]] = []  # (tag, the text it fills)
        self._part: _Part | None = None
        self._in_sender = False
        self._participants_at: int | None = None  # the depth div.participants opened at, while it is read
        self.part_at: int | None = None  # the depth the last message's (or call's) div opened at, while it is open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "div" and ("message" in classes or "haudio" in classes):
            self._part = _Part()
            self.page.parts.append(self._part)
            self.part_at = len(self._open)
            if "haudio" in classes:
                self.page.call = self._part
        if tag == "div" and "participants" in classes and self._part is None:
            self._participants_at = len(self._open)
        if tag == "cite" and "sender" in classes and self._participants_at is not None:
            self._part = _Part()
            self.page.participants.append(self._part)
        if tag in ("cite", "div") and ("sender" in classes or "contributor" in classes):
            if self._part is not None and self._part.sender_whole:  # two messages read as one: neither's sender
                self._part.sender_name.append(self.get_starttag_text() or "<cite>")
            self._in_sender = self._part is not None
        if tag == "a" and "tel" in classes and self._in_sender and self._part is not None:
            self._part.sender_tel = a.get("href", "").removeprefix("tel:")
        if self._in_sender and self._part is not None and "<" in (written := self.get_starttag_text() or "")[1:]:
            # a damaged spot inside a tag of the sender (`<a <![foo]>class="tel"`): its number or name unread, the
            # markup said with the name (`with_markup_senders_said`), not a name or number alone taken as the sender
            self._part.sender_name.append(written)
        if tag == "a" and a.get("rel") == "tag" and LABEL in a.get("href", ""):
            self.page.labels.append(a["href"].split(LABEL, 1)[1])
        self._file(tag, a, classes)
        if tag == "abbr" and "duration" in classes:
            self.page.duration = a.get("title", "")
        if tag == "abbr" and ("dt" in classes or "published" in classes) and self._part is not None:
            self._part.time_title = a.get("title", "")
        if tag == "br" and self._open and self._open[-1][1] is not None:
            self._open[-1][1].append(_BREAK)
        if tag not in _VOID:  # never closed (<br>), or closed as they open (<img ... />)
            self._open.append((tag, self._target(tag, classes)))

    def _file(self, tag: str, a: dict[str, str], classes: list[str]) -> None:
        name = a.get(_FILE_TAGS.get(tag, ""), "") or (a.get("href", "") if tag == "a" and "vcard" in classes else "")
        if name and self._part is not None and name not in (known for known, _ in self._part.files):
            kind = {"img": "image", "audio": "audio", "video": "video"}.get(tag) or kind_of(name)
            self._part.files.append((name, "document" if tag == "a" else kind))

    def _target(self, tag: str, classes: list[str]) -> list[str] | None:
        part = self._part
        if tag == "title":
            return self.page.title
        if part is not None and tag == "q":
            return part.words
        if part is not None and tag == "abbr" and ("dt" in classes or "published" in classes):
            return part.time_text
        if part is not None and self._in_sender and "fn" in classes:
            return part.sender_name
        if "full-text" in classes:
            return self.page.transcript
        if "deletedStatusContainer" in classes:
            return self.page.deleted
        return None

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        while self._open:
            opened, _ = self._open.pop()
            if opened in ("cite", "div") and self._in_sender:
                self._in_sender = False
                if self._part is not None:
                    self._part.sender_whole = True
            if self.part_at is not None and len(self._open) <= self.part_at:
                self.part_at = None
            if self._participants_at is not None and len(self._open) <= self._participants_at:
                self._participants_at, self._part = None, None  # div.participants closed: no message's
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, target in self._open:
            if target is not None:
                target.append(data)


_PAGE_RE = re.compile(r'<div class="(?:hChatLog\b[^"]*|haudio)">')  # the page's own, not the style's (.hChatLog)
_PARTY_MARKS = ('class="tel" href="tel:', 'class="sender vcard"', 'class="contributor vcard"')


def looks_like(text: str) -> bool:
    """A Takeout Voice page, from its top: an HTML document whose chat log or call div and first party are there
    (a long conversation's labels lie far below; a chat quoting the markers is no page: it starts otherwise)."""
    head = text[:65536]
    return head.lstrip("\ufeff \t\r\n").startswith("<") and _PAGE_RE.search(head) is not None and any(
        mark in head for mark in _PARTY_MARKS)


def _flat(pieces: list[str]) -> str:
    """Text as the page shows it: runs of spaces and line ends one space, a <br> a line end."""
    return "\n".join(_SPACES_RE.sub(" ", line).strip() for line in "".join(pieces).split(_BREAK)).strip()


def _iso(title: str) -> str | None:
    """The time as the page gives it (ISO 8601 with its UTC offset), when it reads as one."""
    try:
        return title.strip() if datetime.fromisoformat(title.strip()).tzinfo is not None else None
    except ValueError:
        return None


def _seconds(duration: str) -> str:
    found = _DURATION_RE.match(duration.strip())
    if found is None or not any(found.groups()):
        return ""
    hours, minutes, seconds = (float(g or 0) for g in found.groups())
    return f"{round(hours * 3600 + minutes * 60 + seconds)} s"


def _sender(part: _Part) -> str | None:
    """The sender as the page names it, once its element closed (a piece of a name or number is no sender)."""
    name, tel = " ".join("".join(part.sender_name).split()), part.sender_tel
    if not part.sender_whole:
        return None
    if name == OWNER:
        return OWNER
    return party(name, tel) or None


def _held(reader: _Reader) -> tuple[list[_Part], Held | None]:
    """The page's messages and what was read of the last when it is still open at a damaged spot
    (`read_up_to_damage`): its sender once its element closed, its time, words and files."""
    parts = reader.page.parts
    if reader.part_at is None or not parts:
        return parts, None
    part = parts[-1]
    piece = "" if part.sender_whole else " ".join("".join(part.sender_name).split()) or part.sender_tel
    return parts, Held((_sender(part) or "") if part.sender_whole else None, part.time_title or None,
                       bool(_flat(part.words) or part.files), piece)


def _messages(part: _Part, index: int, note: str, text: str, system: bool, cut: bool = False) -> list[Message]:
    """A part's records: its words with the first file, each other file one of its own. `cut`: a damaged spot fell
    in it (its note says what was not read)."""
    iso = _iso(part.time_title)
    no_time = not iso and not (cut and not part.time_title)  # cut before its time: the damage's note says so
    said = "; ".join(n for n in (note, f"time given as {part.time_title!r}: not read" if no_time else "") if n)
    written, sender = _flat(part.time_text), _sender(part)
    files = [Attachment(name, False, kind, name, None) for name, kind in part.files] or [None]
    return [Message(index + k, sender, written, iso, text if k == 0 else "", system, f, said)
            for k, f in enumerate(files)]


def _call(page: _Page, part: _Part) -> list[Message]:
    """The call's page as one record: a voicemail is the caller's (Google's transcript said, never the words); a
    placed call the account's, to the party the page names (the number dialled kept)."""
    kind = next((CALLS[label] for label in page.labels if label in CALLS), "call")
    if kind == "placed call":
        kind = f"placed call to {_sender(part) or 'a party the page does not name'}"
        part = _Part(part.time_title, part.time_text, "", [OWNER], part.words, part.files, sender_whole=True)
    length = _seconds(page.duration)
    said = f"{kind}, {length}" if length else kind
    transcript = _flat(page.transcript)
    note = "; ".join(n for n in (
        said, f"Google Voice's own transcript (machine-made): {transcript!r}" if transcript else "") if n)
    return _messages(part, 0, note, "" if kind == "voicemail" else said, kind != "voicemail")


def _title(page: _Page, name: str) -> str:
    """The page's title, with what it leaves out: the number of a party it names by none ("Placed call to",
    "Me to": the party from the file's name, as Takeout names it), a group's members."""
    title = " ".join("".join(page.title).split()) or PurePosixPath(name).stem
    if page.call is not None and not "".join(page.call.sender_name).strip():  # "Received call from" (no name)
        title = f"{title} {page.call.sender_tel}".strip()
    elif page.call is None and title.endswith(" to") and " - Text - " in PurePosixPath(name).stem:
        title = f"{title} {PurePosixPath(name).stem.split(' - Text - ')[0]}"
    members = [s for s in map(_sender, page.participants) if s]
    return f"{title} with {', '.join(members)}" if members else title


def parse(text: str, name: str = "", number: int = 0, pages: int = 1) -> tuple[Chat, ...]:
    """The page's chat; page `number` (from 0) of a party's `pages` text pages, a damaged spot says which."""
    reader = _Reader()
    damage = read_up_to_damage(reader, text, _held, _MARKS, number, pages, PurePosixPath(name).name if pages > 1 else "")
    page = reader.page
    if page.call is not None and page.call in page.parts:  # (left out when the spot came before any of it)
        messages = _call(page, page.call)
    else:
        messages = []
        for k, part in enumerate(page.parts, 1):
            cut = damage is not None and damage.cut and k == len(page.parts)
            messages += _messages(part, len(messages), "", _flat(part.words), False, cut)
    if _deleted(page):
        messages = _noted(messages, "the page is marked deleted by the user (User Deleted: True)")
    title = _title(page, name)
    if page.call is None and not page.participants and messages and all(m.sender == OWNER for m in messages):
        messages = _noted(messages, _only_owner_note(title, damage is not None))
    chat = with_markup_senders_said(with_cut_said(Chat(title, tuple(messages), "iso"), text), [text])
    return (with_damage_said(chat, damage, name),)


def _only_owner_note(title: str, damaged: bool) -> str:
    """What a page of the account's messages alone leaves unwritten: whom they went to. Takeout titles the page of a
    party saved as no contact by its number ("+17325551234", a short code "22395"), of a contact by the name saved.
    A damaged page is said only as far as it was read (the other party's messages may be past the spot)."""
    by_number = phone_sender(title) is not None or title.isdigit()
    return (_ONLY_OWNER_READ if damaged else _ONLY_OWNER) + (
        _TO_A_NUMBER.format(number=title) if by_number else _TO_A_NAME)


def _deleted(page: _Page) -> bool:
    return _flat(page.deleted).endswith("True")


def _noted(messages: list[Message], note: str) -> list[Message]:
    return [replace(m, note="; ".join(n for n in (m.note, note) if n)) for m in messages]


def media_match(wanted: str, rels: list[str]) -> list[str]:
    """The file beside the page for an MMS file the page names without its extension ("… - Text - …Z-1-1" lies
    there as "… - Text - …Z-1-1.jpg")."""
    name = PurePosixPath(wanted).name
    if not _MMS_NAME_RE.search(name):  # only Takeout's own MMS names: another export's name is matched as written
        return []
    return [rel for rel in rels if PurePosixPath(rel).stem == name]


def text_pages(path: Path) -> list[Path]:
    """One party's text pages in the page's folder, oldest first: Takeout writes a page per conversation thread
    (`Anna - Text - 2021-01-22T01_33_43Z.html`, `Anna - Text - 2021-02-03T09_10_11Z.html`); [path] for any other."""
    key = _thread(PurePosixPath(path.name))
    if key is None:
        return [path]
    try:
        found = [p for p in path.parent.iterdir() if _thread(PurePosixPath(p.name)) == key and p.is_file()
                 and not p.is_symlink()]
    except OSError:
        return [path]
    return sorted(found) if path in found else [path]  # the time in each name orders them


def _thread(path: PurePosixPath) -> tuple[PurePosixPath, str] | None:
    """The folder and party of a text page's name (`Anna - Text - 2021-01-22T01_33_43Z.html`), None for another:
    the pages of one key are one party's threads (`text_pages` for files, `threads` for a zip's names)."""
    match = _TEXT_PAGE_RE.match(path.name)
    return (path.parent, match["party"]) if match else None


def threads(names: list[str]) -> list[list[int]]:
    """`names` (paths, "/"-separated) grouped as `text_pages` groups files: one party's text pages in one folder,
    each group's indices oldest first; any other name a group of its own. In the order each group's first is met."""
    groups: dict[object, list[int]] = {}
    for i, name in enumerate(names):
        groups.setdefault(_thread(PurePosixPath(name)) or i, []).append(i)
    return [sorted(group, key=lambda i: names[i]) for group in groups.values()]


def is_later_text_page(path: Path) -> bool:
    """A later text page of a party whose first page reads as Google Voice's: read with it, not as a chat alone."""
    pages = text_pages(path)
    if len(pages) < 2 or pages[0] == path:
        return False
    try:
        with open(pages[0], "rb") as handle:
            return looks_like(handle.read(65536).decode("utf-8", "replace"))
    except OSError:
        return False


def _parties(chat: Chat) -> frozenset[str]:
    """Who the page is with: its senders other than the account, each with the number the page gives."""
    return frozenset(m.sender for m in chat.messages if m.sender and m.sender != OWNER and not m.system)


def _joined(chats: list[Chat]) -> Chat:
    messages = tuple(replace(m, index=i) for i, m in enumerate(m for chat in chats for m in chat.messages))
    return Chat(chats[0].name, messages, "iso")


def parse_pages(texts: list[str], names: list[str]) -> tuple[Chat, ...]:
    """A party's text pages (Takeout names a page by the contact's name) as one chat, in their order; pages whose
    senders' numbers differ (two contacts of one name) are a chat each, and a page of the account's messages alone
    is a chat of its own (whom they were sent to is not written on it: the name may be two people's, as "Mum").
    A page that cannot be read is said by a note with no sender or time at the first chat's
    end (its messages are in no chat); none read: the first page's refusal."""
    chats: list[Chat] = []
    unread: list[str] = []
    for number, (text, name) in enumerate(zip(texts, names, strict=True)):
        try:
            chats += parse(text, name, number, len(texts))
        except ChatError as exc:
            unread.append(exc.reason)
    if not chats:
        raise ChatError(names[0], unread[0])
    keys = [_parties(chat) for chat in chats]
    groups = [[c for c, k in zip(chats, keys) if k == key] for key in dict.fromkeys(k for k in keys if k)] + [
        [c] for c, k in zip(chats, keys) if not k]
    first = _joined(groups[0])
    notes = tuple(Message(len(first.messages) + k, None, "", None, "", True, None, f"{reason}: {DAMAGED_PAGE_NOTE}")
                  for k, reason in enumerate(unread))
    return (replace(first, messages=first.messages + notes), *(_joined(g) for g in groups[1:]))
