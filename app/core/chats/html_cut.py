"""An HTML chat export cut short (a copy broken off, a dump stopped at a size limit): every exporter read here
closes its page with `</html>`; a page that ends without it lost its end. The messages read from it are kept, the
one the page ends in saying it is likely cut short (the HTML readers read a cut page without complaint).

    with_cut_said(chat, page, newest_first=False) -> chat
    with_page_cuts_said(chat, pages, page_of, newest_first=False) -> chat   (every page of a chat checked)
    read_page(reader, page, name, number=0, pages=1)   (a page the parser cannot read: that page's one line)
    read_pages(new_reader, pages, name) -> [(number, reader)], [reason]; with_damaged_pages_said(chat, reasons)
    is_damaged_page_note(message)   (that note: said on the command line, not counted as a message)
    read_up_to_damage(reader, page) -> damage; with_damage_said(chat, damage, name)   (a chat's only page)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
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


def read_page(reader: HTMLParser, page: str, name: str, number: int = 0, pages: int = 1) -> None:
    """Feed one page to its reader. Python's parser asserts on what it cannot read (a marked section it does not
    know, `<![foo]>`): the page is refused in one line (in a folder, the other pages are still read)."""
    try:
        reader.feed(page)
        reader.close()
    except AssertionError as exc:
        where = f"page {number + 1} of this chat's {pages} pages: " if pages > 1 else ""
        raise ChatError(name, f"{where}damaged HTML, not read ({exc})") from None


NOT_READ_PAST = "not read past it"  # in the note of the last message read before a damaged spot


def read_up_to_damage(reader: HTMLParser, page: str) -> tuple[str, str] | None:
    """Feed a chat's only page to its reader, keeping what it read before a spot the parser cannot read: None when
    the page read whole, else (the refusal's reason, the note for the last message read) for `with_damage_said`."""
    try:
        reader.feed(page)
        reader.close()
    except AssertionError as exc:
        note = (f"the page is damaged HTML at line {reader.getpos()[0]} ({exc}) and was {NOT_READ_PAST}: this "
                "message may be cut there, and what the page holds after it is not in this chat")
        return f"damaged HTML, not read ({exc})", note
    return None


def with_damage_said(chat: Chat, damage: tuple[str, str] | None, name: str) -> Chat:
    """`chat` with its last message saying the page could not be read past a damaged spot; no message read before
    it: the page's one-line refusal (`read_up_to_damage`). A last record none of whose words or files were read
    is left out: the spot fell in its sender or time, and "Ca (+1777)" of "Carl" read as a sender of its own."""
    if damage is None:
        return chat
    messages = chat.messages[:-1] if chat.messages and _nothing_read(chat.messages[-1]) else chat.messages
    if not messages:
        raise ChatError(name, damage[0])
    last = messages[-1]
    last = replace(last, note="; ".join(n for n in (last.note, damage[1]) if n))
    return replace(chat, messages=(*messages[:-1], last))


def _nothing_read(message: Message) -> bool:
    return not message.text.strip() and message.attachment is None and not message.system


Reader = TypeVar("Reader", bound=HTMLParser)


def read_pages(new_reader: Callable[[], Reader], pages: list[str], name: str) -> tuple[list[tuple[int, Reader]],
                                                                                          list[str]]:
    """Each page of a chat read by a reader of its own: (page number, reader). A page the parser cannot read is
    passed over, its reason returned to be said in the chat (`with_damaged_pages_said`); none read: refused."""
    read, damaged = [], []
    for number, page in enumerate(pages):
        reader = new_reader()
        try:
            read_page(reader, page, name, number, len(pages))
        except ChatError as exc:
            damaged.append(exc)
            continue
        read.append((number, reader))
    if damaged and not read:
        raise damaged[0]
    return read, [exc.reason for exc in damaged]


DAMAGED_PAGE_NOTE = "that page's messages are not in this chat"


def with_damaged_pages_said(chat: Chat, reasons: list[str]) -> Chat:
    """A note with no sender or time at the chat's end for each page not read: its messages are not in the chat."""
    notes = tuple(Message(len(chat.messages) + k, None, "", None, "", True, None,
                          f"{reason}: {DAMAGED_PAGE_NOTE}") for k, reason in enumerate(reasons))
    return replace(chat, messages=chat.messages + notes)


def is_damaged_page_note(message: Message) -> bool:
    """Whether the message is `with_damaged_pages_said`'s note for a page not read (no message of the chat)."""
    return message.sender is None and message.system and message.note.endswith(f": {DAMAGED_PAGE_NOTE}")
