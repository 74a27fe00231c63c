"""An HTML chat export cut short (a copy broken off, a dump stopped at a size limit): every exporter read here
closes its page with `</html>`; a page that ends without it lost its end. The messages read from it are kept, the
one the page ends in saying it is likely cut short (the HTML readers read a cut page without complaint).

    with_cut_said(chat, page, newest_first=False) -> chat
    with_page_cuts_said(chat, pages, page_of, newest_first=False) -> chat   (every page of a chat checked)
    read_pages(new_reader, pages, last_record) -> [(number, reader)], [damage]; with_damaged_pages_said(chat, damages, page_of, name)
    is_damaged_page_note(message)   (a page of which nothing was read: said on the command line, not counted)
    read_up_to_damage(reader, page) -> damage; with_damage_said(chat, damage, name)   (a chat's only page)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Any, TypeVar

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


NOT_READ_PAST = "not read past it"  # in the note of the last message read before a damaged spot


@dataclass(frozen=True)
class Damage:
    """A spot of a page the parser could not read past (`<![foo]>`: Python's parser asserts on a marked section it
    does not know): the page's one-line refusal when nothing was read before it, else the last message's note."""

    page: int  # from 0
    pages: int
    line: int
    cause: str  # the parser's words
    nothing_read: bool = False  # the spot fell in a message of which nothing was read: it was dropped (`read_pages`)
    file: str = ""  # the page's file name, where the pages are files of their own (Google Voice's)

    @property
    def which(self) -> str:
        named = f" ({self.file})" if self.file else ""
        return f"page {self.page + 1} of this chat's {self.pages} pages{named}" if self.pages > 1 else "the page"

    @property
    def reason(self) -> str:
        said = f"damaged HTML, not read ({self.cause})"
        return f"{self.which}: {said}" if self.pages > 1 else said

    @property
    def note(self) -> str:
        cut = (NOTHING_READ if self.nothing_read else "this message may be cut there")
        return (f"{self.which} is damaged HTML at line {self.line} ({self.cause}) and was {NOT_READ_PAST}: {cut}, "
                f"and what {'that' if self.pages > 1 else 'the'} page holds after it is not in this chat")


NOTHING_READ = ("the next message the page lists is cut there before its sender, time, words or files were read, "
                "so it is not in this chat")


def read_up_to_damage(reader: HTMLParser, page: str, number: int = 0, pages: int = 1,
                      file: str = "") -> Damage | None:
    """Feed one page to its reader, keeping what it read before a spot the parser cannot read: None when the page
    read whole, else where and why it stopped (`with_damage_said`, `with_damaged_pages_said`)."""
    try:
        reader.feed(page)
        reader.close()
    except AssertionError as exc:
        return Damage(number, pages, reader.getpos()[0], str(exc), file=file)
    return None


def with_damage_said(chat: Chat, damage: Damage | None, name: str) -> Chat:
    """`chat` with its last message saying the page could not be read past a damaged spot ("this message may be
    cut there": its sender too, "Ca (+1777)" of "Carl"); no message read before it: the page's one-line refusal
    (`read_up_to_damage`). A last message with no words or file is kept: an iMessage deleted record, a Discord
    sticker, an empty text are whole messages of that kind (session 31 dropped them, and moved the note to the
    message before; review of evidfix31). Multi-page readers know where a message began (`read_pages`)."""
    if damage is None:
        return chat
    return with_damaged_pages_said(chat, [damage], [damage.page] * len(chat.messages), name)


Reader = TypeVar("Reader", bound=HTMLParser)


def read_pages(new_reader: Callable[[], Reader], pages: list[str],
               last_record: Callable[[Reader], tuple[list[Any], Callable[[Any], Iterable[Any]]]],
               ) -> tuple[list[tuple[int, Reader]], list[Damage]]:
    """Each page of a chat read by a reader of its own, up to a spot the parser cannot read: (page number, reader),
    and where each damaged page stopped being read (`with_damaged_pages_said`). `last_record(reader)` gives the
    reader's list of messages and what of one was read (sender, time, words, files); the message the spot fell in
    is dropped only when nothing of it was read (`drop_unread`), else kept, its note saying it may be cut there."""
    read, damages = [], []
    for number, page in enumerate(pages):
        reader = new_reader()
        damage = read_up_to_damage(reader, page, number, len(pages))
        read.append((number, reader))
        damages += [replace(damage, nothing_read=drop_unread(*last_record(reader)))] if damage is not None else []
    return read, damages


def drop_unread(records: list[Any], parts: Callable[[Any], Iterable[Any]]) -> bool:
    """The last of `records` popped when none of its `parts` holds anything; True when it was."""
    if not records or any(_holds(part) for part in parts(records[-1])):
        return False
    records.pop()
    return True


def _holds(part: Any) -> bool:
    """Words (a string or a list of strings) that are not all blanks, or any other value that is not empty."""
    if isinstance(part, str) or (isinstance(part, list) and all(isinstance(p, str) for p in part)):
        return bool("".join(part).strip())
    return bool(part)


DAMAGED_PAGE_NOTE = "that page's messages are not in this chat"


def _noted(message: Message, note: str) -> Message:
    return replace(message, note="; ".join(n for n in (message.note, note) if n))


def with_damaged_pages_said(chat: Chat, damages: list[Damage], page_of: list[int], name: str,
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
