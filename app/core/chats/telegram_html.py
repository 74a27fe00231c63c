"""Telegram Desktop's HTML export (`messages.html`, `messages2.html`, ... beside `css/`, `photos/`...).

    <div class="message default clearfix" id="message12">
      <div class="body">
        <div class="pull_right date details" title="01.04.2021 09:01:10 UTC+03:00">09:01</div>
        <div class="from_name">Oleg</div>
        <div class="text">Привет</div>
        <div class="media_wrap clearfix">
          <a class="media clearfix pull_left block_link media_voice_message"
             href="voice_messages/audio_1@01-04-2021_09-03-00.ogg">...</a>
    <div class="message default clearfix joined" id="message13">   (no from_name)
    <div class="message service" id="message-1"><div class="body details">1 April 2021</div>

A forwarded message's own `from_name` (inside `forwarded body`) names its
original author: said in the note, never taken for the sender.
A "joined" message is Telegram's own way of saying "same sender as the message
above" (it only omits the name), so that sender is kept; a joined message with
no message above it has none. Service messages are the app's notes (often with no time); the date
separators among them (id "message-N") are not messages. The full date is in the `title` of the
date element (dd.mm.yyyy, always day first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from app.core.chats.html_cut import (
    Held,
    is_cut,
    read_pages,
    with_damaged_pages_said,
    with_markup_senders_said,
    with_page_cuts_said,
)
from app.core.chats.records import Attachment, Chat, Message, kind_of
from app.core.chats.senders import told_apart
from app.core.chats.telegram import (
    NO_SENDER_NOTE,
    PINNED_NOTE,
    REPLY_NOTE,
    SIGNED_NOTE,
    PollAnswer,
    poll_note,
    replies_placed,
)

CONTAINER = "telegram-html"
_TITLE_RE = re.compile(
    r"^(?P<d>\d{2})\.(?P<m>\d{2})\.(?P<y>\d{4}) (?P<t>\d{2}:\d{2}:\d{2})(?: UTC(?P<tz>[+-]\d{2}):?(?P<tzm>\d{2}))?")
_LEFT_OUT_RE = re.compile(r"not included|exceeds maximum size|change data exporting settings", re.IGNORECASE)
_GO_TO_RE = re.compile(r"go_to_message(-?\d+)")
_USERPIC_RE = re.compile(r"^userpic\d+$")
# What each message's markup writes once (date lines too): its element's class, its id ("message12", "message-1")
_MARKS = (re.compile(r'class="message (?:default|service)[ "]'), re.compile(r' id="message-?\d+"'))
CALL = "call"
CALL_NOTE = "a call as the export shows it (the app's record of it, not words typed)"
_MEDIA_KINDS = {"media_voice_message": "audio", "media_audio_file": "audio", "media_video": "video",
                "media_video_message": "video", "media_photo": "image", "media_file": "document",
                "media_call": CALL,  # a call: no file, the app's record of it ("Outgoing call", "Ended (1 min 5 sec)")
                "sticker_wrap": "sticker", "animated_wrap": "animation"}  # a GIF: Telegram's silent MP4, no voice
# A file left out, or one linked without a thumbnail (an animated .tgs sticker, a GIF), is a generic block titled by
# what it is; a GIF's and a sticker's carry a video's and a photo's class and are titled exactly "Animation" and
# "Sticker" (a contact or a file merely named "Sticker Mule" is neither)
_LEFT_OUT_TITLES = {("video", "Animation"): "animation", ("image", "Sticker"): "sticker"}


@dataclass
class _Poll:
    """A poll as Telegram Desktop writes it (`media_poll`): its question, then each answer "- Pub" with the votes it
    had ("2 votes", "1 vote, chosen vote"; none written when it had none)."""

    question: str = ""
    status: str = ""  # "Final results" once closed ("Anonymous poll" while open)
    answers: list[list[str]] = field(default_factory=list)  # [words, votes written] of each answer


@dataclass
class _Raw:
    service: bool
    joined: bool
    separator: bool = False  # a date line between days (id "message-N"), not a message
    title: str = ""
    sender: str | None = None  # set when its from_name closes: a name cut by a damaged spot is no sender
    name_read: str = ""  # the from_name's words as far as read
    text: list[str] = field(default_factory=list)
    media: list[tuple[str, str]] = field(default_factory=list)  # (href, kind)
    media_title: list[str] = field(default_factory=list)  # the words of the linked generic block being read
    missing: list[tuple[str, list[str]]] = field(default_factory=list)  # (kind, words) of files left out
    forwarded: str | None = None  # the original author of a forwarded message (not its sender)
    links: list[list[str]] = field(default_factory=list)  # [address, words shown] of links in the text
    id: str | None = None  # Telegram's id of the message ("message12": 12)
    reply_to: str | None = None  # the id of the message it answers
    contacts: list[list[str]] = field(default_factory=list)  # the words shown on a contact's card file
    page: int = 0  # the page (from 0) it was read from
    userpic: str = ""  # the colour Telegram draws the sender's picture in ("userpic3"): one per account
    signature: str = ""  # a channel's post signed ("signature details"): the JSON's `author`
    cut: bool = False  # a damaged spot fell in it (`html_cut.Damage.cut`): what it lacks is said there
    poll: _Poll | None = None


class _Reader(HTMLParser):
    """Collects the messages of one page; `section` says which part of a message we are in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.messages: list[_Raw] = []
        self.stack: list[str] = []  # the role of each open div/a/span ("" when none)
        self.current: _Raw | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = set(a.get("class", "").split())
        if tag == "br" and self._inside("text"):
            self.current.text.append("\n")  # type: ignore[union-attr]
            return
        if tag == "br" and self._inside("poll_question"):
            self.current.poll.question += "\n"  # type: ignore[union-attr]
            return
        if tag in ("img", "br", "hr", "meta", "link", "input"):
            return
        role = self._role(tag, classes, a)
        self.stack.append(role)

    def _role(self, tag: str, classes: set[str], a: dict[str, str]) -> str:
        if tag == "div" and "message" in classes and ("default" in classes or "service" in classes):
            separator = "service" in classes and a.get("id", "").startswith("message-")
            self.current = _Raw("service" in classes, "joined" in classes, separator)
            self.current.id = a.get("id", "").removeprefix("message") or None
            self.messages.append(self.current)
            return "message"
        if self.current is None:
            return ""
        if tag == "div" and not self.current.userpic and not self._inside("forwarded") and (
                colour := next((c for c in classes if _USERPIC_RE.match(c)), None)):
            self.current.userpic = colour  # drawn from the account's id: two colours under one name, two accounts
            return ""
        if tag == "div" and "date" in classes and "details" in classes and a.get("title"):
            self.current.title = a["title"]
            return "date"
        if tag == "div" and (self._inside("from") or "from_name" in classes and self.current.sender is not None
                             and not self._inside("forwarded")):
            # a from_name holds no div and a message has one outside a forwarded block: the markup is damaged
            # (its end tag, or a forwarded block's own tag), so the name read on holds markup, said as such
            self.current.name_read += self.get_starttag_text() or "<div>"
        if tag == "div" and "forwarded" in classes:
            return "forwarded"
        if tag == "div" and "from_name" in classes and self._inside("forwarded"):
            self.current.forwarded = ""
            return "forwarded_from"
        if tag == "span" and "details" in classes and self._inside("forwarded_from"):
            return "forwarded_date"
        if tag == "div" and "from_name" in classes:
            return "from"
        if tag == "div" and "signature" in classes and "details" in classes:
            return "signature"
        if tag == "div" and "text" in classes and not self._inside("reply"):
            return "text"
        if tag == "a" and self._inside("text") and "://" in a.get("href", ""):
            self.current.links.append([a["href"], ""])
            return "text_link"
        if tag == "div" and "reply_to" in classes:
            return "reply"
        if tag == "a" and self._inside("reply") and (found := _GO_TO_RE.search(a.get("href", ""))):
            self.current.reply_to = found.group(1)
            return ""
        if tag == "div" and "body" in classes and "details" in classes and self.current.service:
            return "text"
        if tag == "a" and self.current.service and (found := _GO_TO_RE.search(a.get("href", ""))):
            self.current.reply_to = found.group(1)  # "Ivan pinned <a href="#go_to_message1">this message</a>"
            return ""
        if tag == "a" and self.current.service and "userpic_link" in classes and _local(a.get("href", "")):
            self.current.media.append((a["href"], "image"))  # a group's new photo, with its note
            return ""
        if tag == "div" and "media_wrap" in classes:
            return "media_wrap"
        if not self._inside("media_wrap"):
            return ""
        if tag == "div" and "media_poll" in classes:
            self.current.poll = _Poll()
            return "poll"
        if self._inside("poll"):
            return self._poll_role(tag, classes)
        kind = next((k for c, k in _MEDIA_KINDS.items() if c in classes), "")
        if tag == "a" and _local(a.get("href", "")):
            self.current.media.append((a["href"], kind or kind_of(a["href"])))
            if "media_contact" in classes:  # its card (contacts/contact_1.vcf): the name and number shown
                self.current.contacts.append([])
                return "contact_card"
            self.current.media_title = []
            return "media_block" if "media" in classes else "media"  # the generic block: titled by what it is
        if tag in ("div", "a") and "media" in classes and not self._inside("media") and not self._inside("media_block"):
            # a file left out, or what is no file: a contact, a place (its link kept), a poll
            link = [a["href"]] if a.get("href") else []
            self.current.missing.append((kind or "other", link))
            return "missing"
        return ""

    def _poll_role(self, tag: str, classes: set[str]) -> str:
        if tag == "div" and "question" in classes:
            return "poll_question"
        if tag == "div" and classes == {"details"}:
            return "poll_status"
        if tag == "div" and "answer" in classes:
            self.current.poll.answers.append(["", ""])  # type: ignore[union-attr]
            return "poll_answer"
        return "poll_votes" if tag == "span" and "details" in classes and self._inside("poll_answer") else ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("img", "br", "hr", "meta", "link", "input") or not self.stack:
            return
        role = self.stack.pop()
        if role == "message":
            self.current = None
        elif role == "from" and self.current is not None:
            self.current.sender = self.current.name_read.strip()
        elif role == "media_block" and self.current is not None and self.current.media:
            href, kind = self.current.media[-1]  # a sticker tdesktop drew no thumbnail of (.tgs), a thumbless GIF
            title = self.current.media_title[0] if self.current.media_title else ""
            self.current.media[-1] = (href, _LEFT_OUT_TITLES.get((kind, title), kind))

    def handle_data(self, data: str) -> None:
        if self.current is None:
            return
        if self._inside("forwarded_from") and not self._inside("forwarded_date"):
            self.current.forwarded = ((self.current.forwarded or "") + data).strip()
        elif self._inside("from") and not self._inside("text"):
            self.current.name_read += data
        elif self._inside("signature"):
            self.current.signature = (self.current.signature + data).strip()
        elif self._inside("text"):
            self.current.text.append(data)
            if self._inside("text_link"):
                self.current.links[-1][1] += data
        elif self._inside("poll"):
            self._poll_words(data)
        elif self._inside("media_block") and data.strip():
            self.current.media_title.append(data.strip())
        elif self._inside("missing") and data.strip():
            self.current.missing[-1][1].append(data.strip())
        elif self._inside("contact_card") and data.strip():
            self.current.contacts[-1].append(data.strip())

    def _poll_words(self, data: str) -> None:
        poll = self.current.poll  # type: ignore[union-attr]
        if self._inside("poll_question"):
            poll.question += data
        elif self._inside("poll_status"):
            poll.status += data
        elif self._inside("poll_answer") and poll.answers:
            poll.answers[-1][1 if self._inside("poll_votes") else 0] += data

    def _inside(self, role: str) -> bool:
        return role in self.stack


_VIA_RE = re.compile(r"^(?P<name>.*?\S)\s+via (?P<bot>@\w{3,})$")


def _via(name: str | None) -> tuple[str | None, str]:
    """(the name, the bot) of a name Telegram Desktop writes with the inline bot a message was sent through
    ("Bob via @gif": the sender is Bob; the bot said in the note, as the JSON's `via_bot` is)."""
    found = _VIA_RE.match(name or "")
    return (found["name"], found["bot"]) if found else (name, "")


def _local(href: str) -> bool:
    """A file of the export (not a link out, an anchor or another page)."""
    return bool(href) and "://" not in href and not href.startswith(("#", "mailto:", "tel:")) \
        and not href.endswith(".html")


def _iso(title: str) -> str | None:
    match = _TITLE_RE.match(title)
    if match is None:
        return None
    try:
        moment = datetime.strptime(f"{match['y']}-{match['m']}-{match['d']}T{match['t']}", "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    if match["tz"]:
        sign = -1 if match["tz"].startswith("-") else 1
        offset = timedelta(hours=int(match["tz"][1:]), minutes=int(match["tzm"] or 0))
        moment = moment.replace(tzinfo=timezone(sign * offset))
    return moment.isoformat()


def _about(raw: _Raw) -> str:
    """What a message says of the one it links to: answers it, or (the app's note) pinned it."""
    pinned = raw.service and "pinned" in _text(raw).lower()
    return f"{PINNED_NOTE if pinned else REPLY_NOTE}{raw.reply_to}" if pinned or not raw.service else \
        f"about message id {raw.reply_to}"


def _text(raw: _Raw) -> str:
    return re.sub(r"[ \t]*\n[ \t]*", "\n", "".join(raw.text)).strip()


def _poll_said(poll: _Poll | None) -> tuple[str, list[str]]:
    """A poll's question (its message's words) and its answers with their votes said in the note, as the JSON
    reader says them."""
    if poll is None:
        return "", []
    answers = [PollAnswer(words.strip().removeprefix("-").strip(),
                          int(found[0]) if (found := re.search(r"\d+", votes)) else 0, "chosen vote" in votes)
               for words, votes in poll.answers]
    return "\n".join(" ".join(line.split()) for line in poll.question.splitlines() if line.strip()), [
        poll_note(answers, poll.status.strip() == "Final results")]


NO_TIME_NOTE = ("the export writes no time for this app's note (Telegram's HTML gives its notes none): its place among "
                "the messages is kept, its date-time left empty")
NO_TIME_MESSAGE_NOTE = "the export writes no time for this message; its date-time left empty"


JOINED_NOTE = ("its sender is named only on a message before it that is not in this file (Telegram names the "
               "sender once for messages in a row)")


def _records(raws: list[_Raw], cut: frozenset[int] = frozenset()) -> tuple[list[Message], list[str | None], list[int]]:
    """The messages, Telegram's id of each (a message with several files is several records) and its page.
    `cut`: the pages cut short; a "joined" message opening the page after one does not take the sender of the
    last message read (the messages lost in the cut may be another's)."""
    messages: list[Message] = []
    ids: list[str | None] = []
    pages: list[int] = []
    pics: list[str] = []
    previous_sender: str | None = None
    previous_pic = previous_via = ""
    opened: set[int] = set()  # the pages whose first message has been read
    for raw in raws:
        if raw.separator:
            continue
        if raw.page - 1 in cut and raw.page not in opened:
            previous_sender, previous_pic = None, ""  # the first message of a page after a cut one
        opened.add(raw.page)
        own, via = _via(raw.sender)
        sender = own if own else (previous_sender if raw.joined else None)
        pic = raw.userpic if raw.sender else (previous_pic if raw.joined else "")
        via = via if raw.sender else (previous_via if raw.joined else "")  # joined: the same bot (tdesktop)
        if not raw.service:
            previous_sender, previous_pic, previous_via = sender, pic, via
        iso = _iso(raw.title)
        forwarded, forwarded_via = _via(raw.forwarded)
        notes = ([] if iso or not raw.title else ["date not in Telegram's layout"]) + (
            [f"sent via {via}"] if via else []) + ([SIGNED_NOTE.format(author=raw.signature)] if raw.signature else []) + (
            [f"forwarded from {forwarded}" + (f" (sent via {forwarded_via})" if forwarded_via else "")]
            if forwarded else []) + (
            [_about(raw)] if raw.reply_to else []) + [
            f"link {shown.strip()!r} goes to {href}" for href, shown in raw.links if shown.strip() != href] + [
            "contact " + " ".join(words) for words in raw.contacts if words] + (
            [JOINED_NOTE if raw.joined else NO_SENDER_NOTE] if sender is None and not raw.service and not (
                raw.cut and raw.sender is None and not raw.joined) else []) + (
            [] if iso or raw.title or raw.cut else [NO_TIME_NOTE if raw.service else NO_TIME_MESSAGE_NOTE])
        attachments: list[Attachment | None] = [
            Attachment(href.rsplit("/", 1)[-1], False, kind, href, href) for href, kind in raw.media]
        calls = [": ".join(words) for kind, words in raw.missing if kind == CALL and words]
        notes += [CALL_NOTE] if calls else []
        for kind, words in raw.missing:
            if kind == CALL:
                continue
            kind = _LEFT_OUT_TITLES.get((kind, words[0] if words else ""), kind)
            if kind != "other" or _LEFT_OUT_RE.search(" ".join(words)):  # a file the export did not include
                attachments.append(Attachment(None, True, kind, " ".join(words)))
            elif words:  # a contact, a place, a poll: what the export shows, said in the note
                notes.append("shown as: " + " ".join(words))
        question, poll_answers = _poll_said(raw.poll)
        note = "; ".join(notes + poll_answers)
        for i, attachment in enumerate(attachments or [None]):
            text = "\n".join(t for t in (_text(raw) or question, *calls) if t)
            messages.append(Message(len(messages), sender, raw.title, iso, text if i == 0 else "",
                                    raw.service or bool(calls), attachment, note))
            ids.append(raw.id if i == 0 else None)
            pages.append(raw.page)
            pics.append(pic)
    return _told_apart(messages, pics), ids, pages


PICTURE_NOTE = ("two or more accounts are named {name!r} in this chat: Telegram draws each account's picture in a "
                "colour of its own (this one's: {colour}), so they are told apart by it (two accounts drawn in one "
                "colour would not be)")


def _told_apart(messages: list[Message], pics: list[str]) -> list[Message]:
    """Accounts under one name drawn in different colours are different senders: "Anna (picture colour 2)"."""
    accounts = [f"picture colour {pic.removeprefix('userpic')}" if pic else "" for pic in pics]
    out = told_apart(messages, accounts)
    return [m if m.sender == was.sender else replace(m, note="; ".join(n for n in (m.note, PICTURE_NOTE.format(
        name=was.sender, colour=account.removeprefix("picture colour "))) if n))
        for m, was, account in zip(out, messages, accounts)]


def _held(reader: _Reader) -> tuple[list[_Raw], Held | None]:
    """The page's messages and what was read of the one still open at a damaged spot (`html_cut.read_up_to_damage`):
    a date line is no message (a spot in one falls between messages); a joined message's sender and a service
    message's sender and time are none to read."""
    raw = reader.current
    if raw is None or raw.separator:
        return reader.messages, None
    sender = "" if raw.sender is None and (raw.joined or raw.service) else raw.sender
    content = bool(_text(raw) or raw.media or raw.missing or raw.contacts or raw.forwarded or raw.poll)
    return reader.messages, Held(sender, raw.title if raw.title or raw.service else None, content,
                                 raw.name_read.strip() if raw.sender is None else "")


def parse_pages(pages: list[str], name: str = "") -> Chat:
    """One chat from its pages in order (messages.html, messages2.html, ...)."""
    raws: list[_Raw] = []
    title = name
    read, damages = read_pages(_Reader, pages, _held, _MARKS)
    cut = {damage.page for damage in damages if damage.cut}
    for number, reader in read:
        for raw in reader.messages:
            raw.page = number
        if number in cut:
            reader.messages[-1].cut = True
        raws.extend(reader.messages)
        match = re.search(r'<div class="text bold">\s*([^<]+?)\s*</div>', pages[number])
        if match and title == name:
            title = match.group(1)
    broken = frozenset(n for n, page in enumerate(pages) if is_cut(page)) | {d.page for d in damages}
    messages, ids, page_of = _records(raws, broken)  # a page after one read only in part starts afresh
    chat = with_page_cuts_said(Chat(title, tuple(replies_placed(messages, ids)), "day-first"), pages, page_of)
    return with_damaged_pages_said(with_markup_senders_said(chat, pages), damages, page_of, name)


def looks_like(text: str) -> bool:
    head = text[:20000]
    return "<html" in head.lower() and 'class="message ' in head and "history" in head


def parse(text: str, name: str = "") -> tuple[Chat, ...]:
    return (parse_pages([text], name),)
