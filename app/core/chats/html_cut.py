"""An HTML chat export cut short (a copy broken off, a dump stopped at a size limit): every exporter read here
closes its page with `</html>`; a page that ends without it lost its end. The messages read from it are kept, the
one the page ends in saying it is likely cut short (the HTML readers read a cut page without complaint).

    with_cut_said(chat, page, newest_first=False) -> chat
    with_markup_senders_said(chat, pages) -> chat   (a sender holding a piece of markup is no sender)
    with_page_cuts_said(chat, pages, page_of, newest_first=False) -> chat   (every page of a chat checked)
    read_pages(new_reader, pages, held_at_spot, marks) -> [(number, reader)], [damage or unseen]
    with_damaged_pages_said(chat, damages, page_of, name)
    is_damaged_page_note(message)   (a page of which nothing was read: said on the command line, not counted)
    read_up_to_damage(reader, page, held_at_spot, marks) -> damage; with_damage_said(chat, damage, name)   (a chat's only page)
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import TypeVar

from app.core.chats.records import LIKELY_CUT, Chat, Message
from app.core.errors import ChatError

HTML_CUT_NOTE = ("the page ends without its closing </html> (its exporter writes one): " + LIKELY_CUT + "; this "
                 "message may go on beyond what is written, and what the page held after it is not in the file")
NEWEST_FIRST_CUT_NOTE = ("the page ends without its closing </html> (its exporter writes one): " + LIKELY_CUT +
                         "; this message (the page lists the newest first) may go on beyond what is written, and "
                         "the older ones are not in the file")


PAGE_CUT_NOTE = ("page {page} of this chat's {pages} pages ends without its closing </html> (its exporter writes "
                 "one): " + LIKELY_CUT + "; this message may go on beyond what is written, and what that page held "
                 "after it is not in the file (the next page goes on with the messages after the page's own)")
NEWEST_FIRST_PAGE_CUT_NOTE = ("page {page} of this chat's {pages} pages ends without its closing </html> (its "
                              "exporter writes one): " + LIKELY_CUT + "; this message (the pages list the newest "
                              "first) may go on beyond what is written, and the older ones that page held are not "
                              "in the file")


def is_cut(page: str) -> bool:
    return bool(page.strip()) and "</html>" not in page[-4096:].lower()


def with_cut_said(chat: Chat, page: str, newest_first: bool = False) -> Chat:
    """`chat`, the message its (last) page ends in saying it is likely cut short when that page is cut."""
    if not chat.messages or not is_cut(page):
        return chat
    at = 0 if newest_first else len(chat.messages) - 1
    said = NEWEST_FIRST_CUT_NOTE if newest_first else HTML_CUT_NOTE
    message = chat.messages[at]
    message = replace(message, note="; ".join(n for n in (message.note, said) if n))
    return replace(chat, messages=(*chat.messages[:at], message, *chat.messages[at + 1:]))


def with_page_cuts_said(chat: Chat, pages: list[str], page_of: list[int], newest_first: bool = False) -> Chat:
    """`chat` read from `pages` (page_of: the page, from 0, each message was read from), the message each cut page
    ends in saying so: every page is checked, not only the last. One page alone: `with_cut_said`."""
    if len(pages) <= 1:
        return with_cut_said(chat, pages[0] if pages else "", newest_first)
    messages = list(chat.messages)
    for number, page in enumerate(pages):
        if not is_cut(page):
            continue
        read = [i for i, p in enumerate(page_of) if p <= number]  # what was read up to this page's end
        if not read:
            continue
        at = min(read) if newest_first else max(read)
        said = (NEWEST_FIRST_PAGE_CUT_NOTE if newest_first else PAGE_CUT_NOTE).format(page=number + 1,
                                                                                     pages=len(pages))
        messages[at] = replace(messages[at], note="; ".join(n for n in (messages[at].note, said) if n))
    return replace(chat, messages=tuple(messages))


MARKUP_SENDER_SAID = "its sender is not read: the page's markup is damaged there"
MARKUP_SENDER_NOTE = MARKUP_SENDER_SAID + (" (read as {read!r}, a piece of markup with the name: not taken as a "
                                           "sender)")


_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _one_form(page: str) -> str:
    """`page` with every entity written one way: each exporter escapes a name's quotes its own way (tdesktop
    "&apos;" and "&quot;", DCE "&#x27;", Google "&#39;"), so each is the character itself, and "<", ">", "&" (however
    written) are "&lt;", "&gt;", "&amp;"."""
    return _ENTITY.sub(lambda entity: html.escape(html.unescape(entity[0]), quote=False), page)


def _angled_words(sender: str) -> list[str]:
    return [word for word in sender.split() if "<" in word or ">" in word]


def with_markup_senders_said(chat: Chat, pages: list[str]) -> Chat:
    """`chat` with each sender that holds a piece of the page's markup (a damaged spot inside a tag the parser read
    on past) made unknown, its note saying what was read: a sender is the one the page names, or none. A raw "<" or
    ">" of the markup was read into a sender when a word of it holding one is written escaped on no page ("Anna
    div>", ">Anna", 'title="anna_k" data-user-id="3">Anna', "Anna (tel<![foo]>:+1…)"): every exporter writes a
    name's own "<" and ">" as "&lt;" and "&gt;", its quotes each its own way (`_one_form`, pages brought to one
    form only when a sender holds one)."""
    angled = {sender: words for sender in {m.sender for m in chat.messages} if sender
              and (words := _angled_words(sender))}
    plain = [_one_form(page) for page in pages] if angled else []
    markup = {sender for sender, words in angled.items()
              if any(not any(html.escape(word, quote=False) in page for page in plain) for word in words)}
    return replace(chat, messages=tuple(
        replace(m, sender=None, note="; ".join(n for n in (m.note, MARKUP_SENDER_NOTE.format(read=m.sender)) if n))
        if m.sender in markup else m for m in chat.messages))


NOT_READ_PAST = "not read past it"  # in the note of the last message read before a damaged spot
READ_ON_PAST = "damaged HTML the parser read on past"  # in the note of a page that lost messages so (`Unseen`)


@dataclass(frozen=True)
class Held:
    """What a reader holds of the record still open at a damaged spot (the last of its records). `sender` and
    `time` are None while their element had not closed there: a name cut by the spot is no sender, "Anna" of
    "Anna Smith" (`sender_piece` keeps it for the note); "" when the record closed them empty or has none."""

    sender: str | None
    time: str | None
    content: bool  # any of its words or files read
    sender_piece: str = ""

    @property
    def nothing(self) -> bool:
        return not (self.sender or self.time or self.content)

    def unread(self) -> str:
        """What the note says the spot came before: "; its sender and time are not read (...)", or ""."""
        said: list[str] = []
        parts = ["time"] if self.time is None else []
        if self.sender is None and self.sender_piece:
            said.append(f"its sender's name is cut there (read as far as {self.sender_piece!r}: not taken as a sender)")
        elif self.sender is None:
            parts.insert(0, "sender")
        if parts:
            one = len(parts) == 1
            said.append(f"its {' and '.join(parts)} {'is' if one else 'are'} not read (the damaged spot comes before "
                        f"{'it' if one else 'them'})")
        return "".join(f"; {s}" for s in said)


@dataclass(frozen=True)
class Damage:
    """A spot of a page the parser could not read past (`<![foo]>`: Python's parser asserts on a marked section it
    does not know): the page's one-line refusal when nothing was read before it, else the last message's note.
    `held`: what was read of the record still open at the spot (None: the spot fell between records, or in a
    Telegram date line); `dropped`: nothing of it was read, so it was left out (`read_up_to_damage`)."""

    page: int  # from 0
    pages: int
    line: int
    cause: str  # the parser's words
    held: Held | None = None
    dropped: bool = False
    file: str = ""  # the page's file name, where the pages are files of their own (Google Voice's)

    @property
    def cut(self) -> bool:
        """The page's last record is the one the spot fell in, kept: its reader leaves out its own "no time" or
        "no sender" note (this note says what the spot came before)."""
        return self.held is not None and not self.dropped

    @property
    def which(self) -> str:
        return _page_named(self.page, self.pages, self.file)

    @property
    def reason(self) -> str:
        return _page_said(self, f"damaged HTML, not read ({self.cause})")

    @property
    def note(self) -> str:
        if self.held is None:
            what = WHOLE_BEFORE
        elif self.dropped:
            piece = self.held.sender_piece
            what = NOTHING_READ + (f" (its sender's name read only as far as {piece!r})" if piece else "")
        else:
            what = "this message may be cut there" + self.held.unread()
        return (f"{self.which} is damaged HTML at line {self.line} ({self.cause}) and was {NOT_READ_PAST}: {what}, "
                f"and what {'that' if self.pages > 1 else 'the'} page holds after it is not in this chat")


NOTHING_READ = ("the next message the page lists is cut there before its sender, time, words or files were read, "
                "so it is not in this chat")
WHOLE_BEFORE = "the spot comes after this message, which is read whole"

Reader = TypeVar("Reader", bound=HTMLParser)
Record = TypeVar("Record")
HeldAtSpot = Callable[[Reader], tuple[list[Record], Held | None]]


@dataclass(frozen=True)
class Unseen:
    """A page the parser read to its end that opens more records in its markup than were read: damage it read on
    past (`<s<![foo]>ection …`) lost or merged a message with nothing else to see. Said as a `Damage` is."""

    page: int  # from 0
    pages: int
    opened: int  # the records its markup opens
    read: int
    file: str = ""  # the page's file name, where the pages are files of their own (Google Voice's)
    cut = False  # no record is known to be the one cut (`Damage.cut`)

    @property
    def which(self) -> str:
        return _page_named(self.page, self.pages, self.file)

    @property
    def note(self) -> str:
        return (f"{self.which} is {READ_ON_PAST}: its markup opens {self.opened} messages, "
                f"{self.read} of them read, so a message of it may be missing or misread with nothing else said of it")

    @property
    def reason(self) -> str:
        return _page_said(self, f"damaged HTML: {self.opened} messages opened in its markup, {self.read} read")


def _page_named(page: int, pages: int, file: str) -> str:
    """A damaged page as a note names it: "page 2 of this chat's 3 pages (its file)", or "the page" alone."""
    named = f" ({file})" if file else ""
    return f"page {page + 1} of this chat's {pages} pages{named}" if pages > 1 else "the page"


def _page_said(damage: Damage | Unseen, said: str) -> str:
    """Why a damaged page was not read, with which page it is where the chat has several."""
    return f"{damage.which}: {said}" if damage.pages > 1 else said


def read_up_to_damage(reader: Reader, page: str, held_at_spot: HeldAtSpot[Reader, Record],
                      marks: tuple[re.Pattern[str], ...], number: int = 0, pages: int = 1,
                      file: str = "") -> Damage | Unseen | None:
    """Feed one page to its reader, keeping what it read before a spot the parser cannot read: None when the page
    read whole, else where and why it stopped (`with_damage_said`, `with_damaged_pages_said`). One rule for every
    HTML reader: `held_at_spot(reader)` gives its records and what it holds of the last one when that one is still
    open at the spot (a sender counts only once its element closed); that record is left out when nothing of it
    was read, else kept and said cut; a record that closed before the spot is neither. A page read to its end is
    damaged too when its markup opens more records than were read: `marks` are what each record's markup writes
    once (its element's class, its id), independent of each other, so a spot breaking one is seen by another; the
    most any of them counts is how many the page opens."""
    try:
        reader.feed(page)
        reader.close()
    except AssertionError as exc:
        records, held = held_at_spot(reader)
        dropped = held is not None and held.nothing and bool(records)
        if dropped:
            records.pop()
        return Damage(number, pages, reader.getpos()[0], str(exc), held, dropped, file)
    opened, read = max(len(mark.findall(page)) for mark in marks), len(held_at_spot(reader)[0])
    return Unseen(number, pages, opened, read, file) if opened > read else None


def with_damage_said(chat: Chat, damage: Damage | Unseen | None, name: str) -> Chat:
    """`chat` (a single page's) with its last message saying where the page could not be read past a damaged spot
    (`read_up_to_damage` decided what of the record the spot fell in is kept); no message read before it: the
    page's one-line refusal."""
    if damage is None:
        return chat
    return with_damaged_pages_said(chat, [damage], [damage.page] * len(chat.messages), name)


def read_pages(new_reader: Callable[[], Reader], pages: list[str], held_at_spot: HeldAtSpot[Reader, Record],
               marks: tuple[re.Pattern[str], ...]) -> tuple[list[tuple[int, Reader]], list[Damage | Unseen]]:
    """Each page of a chat read by a reader of its own, up to a spot the parser cannot read (`read_up_to_damage`):
    (page number, reader), and where each damaged page stopped being read (`with_damaged_pages_said`)."""
    read, damages = [], []
    for number, page in enumerate(pages):
        reader = new_reader()
        damage = read_up_to_damage(reader, page, held_at_spot, marks, number, len(pages))
        read.append((number, reader))
        damages += [damage] if damage is not None else []
    return read, damages


DAMAGED_PAGE_NOTE = "that page's messages are not in this chat"


def _noted(message: Message, note: str) -> Message:
    return replace(message, note="; ".join(n for n in (message.note, note) if n))


def with_damaged_pages_said(chat: Chat, damages: list[Damage | Unseen], page_of: list[int], name: str,
                            newest_first: bool = False) -> Chat:
    """Each damaged page said: by the last message read from it before the spot (the page's first in time when its
    pages list the newest first), or, none read from it, by a note with no sender or time at the chat's end (its
    messages are not in the chat). No message read from any page: the first damage's one-line refusal."""
    if damages and not chat.messages:
        raise ChatError(name, damages[0].reason)
    messages, unread = list(chat.messages), []
    for damage in damages:
        of_page = [i for i, page in enumerate(page_of) if page == damage.page]
        if not of_page:
            unread.append(damage)
            continue
        at = min(of_page) if newest_first else max(of_page)
        messages[at] = _noted(messages[at], damage.note)
    notes = tuple(Message(len(messages) + k, None, "", None, "", True, None,
                          f"{d.reason}: {DAMAGED_PAGE_NOTE}") for k, d in enumerate(unread))
    return replace(chat, messages=tuple(messages) + notes)


def is_damaged_page_note(message: Message) -> bool:
    """Whether the message is `with_damaged_pages_said`'s note for a page not read (no message of the chat)."""
    return message.sender is None and message.system and message.note.endswith(f": {DAMAGED_PAGE_NOTE}")
