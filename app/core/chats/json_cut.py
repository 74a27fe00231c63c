"""A chat's JSON cut short (a copy broken off, a dump stopped at a size limit): Telegram's `result.json` (one
chat or a whole account), Messenger's and Instagram's `message_N.json`, DiscordChatExporter's, Google Chat's and
Hangouts' files. The JSON does not end, so no JSON reader takes it. The chat's fields before its message list and
every message written whole before the cut are read one by one (the standard library's `raw_decode`); the rest
is said, not guessed.

    salvage(text) -> Salvaged | None     # None: not a single chat's export cut inside its message list
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.errors import ChatError

_MESSAGES_KEY = re.compile(r'"messages"\s*:\s*\[')
_BETWEEN = re.compile(r"[\s,]*")
CUT_JSON_START = "written whole before it"  # in every note of such a cut (`timeline` warns of it)
CUT_JSON_NOTE = ("the export ends here, cut short {where} of its list (at character {at} of {size}): the {count} "
                 "message(s) " + CUT_JSON_START + " are read; nothing after the cut is in the file")
# Messenger's and Instagram's files list the newest first: a cut loses the oldest
NEWEST_FIRST_NOTE = ("this file (its messages listed newest first) was cut short {where} of its list (at character "
                     "{at} of {size}): the {count} newest message(s), " + CUT_JSON_START + ", are read; the older "
                     "ones after the cut are not in the file")


@dataclass(frozen=True)
class Salvaged:
    chat: dict[str, Any]  # the chat's own fields (name, type, id) and the messages written whole
    at: int  # where the cut message starts (a character offset into the text)
    size: int  # the text's length
    key: str = "messages"  # the message list's key in `chat`

    def note(self, template: str = CUT_JSON_NOTE) -> str:
        count = len(self.chat[self.key])
        where = f"after message {count}" if self.at >= self.size else f"inside message {count + 1}"
        return template.format(where=where, at=self.at, size=self.size, count=count)


def _fields(head: str) -> dict[str, Any]:
    """The chat's fields written before its message list (`{"name": "Bob", "type": ..., "id": 5,`)."""
    try:
        found = json.loads(head.rstrip().rstrip(",") + "}")
    except (json.JSONDecodeError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _whole_items(text: str, at: int) -> tuple[list[Any], int]:
    """The values of a JSON list written whole from `at` (just after its `[`), and where the first one that is
    not whole starts; (values, -1) when the list ends (`]`): it is whole, the JSON broken elsewhere."""
    decoder = json.JSONDecoder()
    items: list[Any] = []
    while True:
        at = _BETWEEN.match(text, at).end()  # type: ignore[union-attr]
        if text.startswith("]", at):
            return items, -1
        try:
            value, end = decoder.raw_decode(text, at)
        except (json.JSONDecodeError, RecursionError):
            return items, at
        items.append(value)
        at = end


def salvage(text: str, list_key: str = "messages") -> Salvaged | None:
    """The whole messages before the cut of a one-chat export whose JSON ends inside its message list
    (`list_key`: that list's key; Hangouts calls it "events")."""
    start = text.lstrip("\ufeff \t\n")
    if not start.startswith("{"):
        return None
    key = (_MESSAGES_KEY if list_key == "messages" else re.compile(rf'"{re.escape(list_key)}"\s*:\s*\[')).search(text)
    if key is None:
        return None
    head = text[: key.start()].lstrip("\ufeff \t\n")
    fields = _fields(head)
    messages, at = _whole_items(text, key.end())
    if not messages or at < 0:
        return None
    return Salvaged({**fields, list_key: messages}, at, len(text), list_key)


@dataclass(frozen=True)
class SalvagedArray:
    items: list[Any]  # the values written whole before the cut
    at: int
    size: int

    def note(self) -> str:
        count = len(self.items)
        where = f"after message {count}" if self.at >= self.size else f"inside message {count + 1}"
        return CUT_JSON_NOTE.format(where=where, at=self.at, size=self.size, count=count)


def salvage_array(text: str, allow_empty: bool = False) -> SalvagedArray | None:
    """A file that is one JSON list (sigtop's messages, a Slack day) cut short: the values written whole before
    the cut; None when it does not open as a list, or the list ends (the JSON broken elsewhere)."""
    start = text.lstrip("\ufeff \t\r\n")
    if not start.startswith("["):
        return None
    items, at = _whole_items(text, len(text) - len(start) + 1)
    if at < 0 or not items and not allow_empty:
        return None
    return SalvagedArray(items, at, len(text))


_CHATS_LIST = re.compile(r'"chats"\s*:\s*\{[^\[\]{}]*?"list"\s*:\s*\[')
NO_LATER_CHAT = "no later chat is in the file"
AFTER_LAST_NOTE = ("the export ends after this chat, cut short inside the next chat before any message of it is whole "
                   "(at character {at} of {size}): " + NO_LATER_CHAT)
CUT_JSON_MARKERS = (CUT_JSON_START, NO_LATER_CHAT)  # one of them in every record saying where a JSON is cut


@dataclass(frozen=True)
class SalvagedAccount:
    chats: list[Any]  # the chats written whole before the cut
    cut: Salvaged | None  # the chat the cut fell in, its whole messages (None: the cut is before its messages)
    at: int  # where the chat the cut fell in starts
    size: int


CONVERSATIONS_LIST = re.compile(r'^[\ufeff \t\n]*\{\s*"conversations"\s*:\s*\[')  # Hangouts (Takeout)


def salvage_account(text: str, chats_list: re.Pattern[str] = _CHATS_LIST,
                    list_key: str = "messages") -> SalvagedAccount | None:
    """A full account export (`{"chats": {"list": [...]}}`, or `chats_list`) cut short inside its list of chats:
    the chats written whole, and the one cut (`salvage` with `list_key`)."""
    if not text.lstrip("\ufeff \t\n").startswith("{"):
        return None
    found = chats_list.search(text)
    if found is None:
        return None
    chats, at = _whole_items(text, found.end())
    if at < 0:
        return None
    cut = salvage(text[at:], list_key)
    if cut is not None:
        cut = Salvaged(cut.chat, cut.at + at, len(text), cut.key)
    if not chats and cut is None:
        return None
    return SalvagedAccount(chats, cut, at, len(text))


_LEFT_LIST = re.compile(r'"left_chats"\s*:\s*\{[^\[\]{}]*?"list"\s*:\s*\[')
LEFT_CUT_NOTE = ("the export ends after this chat, cut short {where} (at character {at} of {size}): every chat of its "
                 "list is read; " + NO_LATER_CHAT)


@dataclass(frozen=True)
class SalvagedLeft:
    chats: list[Any]  # the account's chats (`chats.list`), whole
    left: SalvagedAccount | None  # the chats left (`left_chats.list`) written whole, and the one cut
    note: str  # where it ends, when no chat left is read


def salvage_left(text: str) -> SalvagedLeft | None:
    """A full account export whose list of chats is whole, cut short after it (before or inside `left_chats`):
    every chat of the list, and the chats left written whole before the cut (`salvage_account`)."""
    found = _CHATS_LIST.search(text)
    if not text.lstrip("\ufeff \t\n").startswith("{") or found is None:
        return None
    chats, at = _whole_items(text, found.end())
    if at >= 0:  # cut inside the list of chats: `salvage_account`
        return None
    left = _LEFT_LIST.search(text, found.end())
    account = salvage_account(text, _LEFT_LIST) if left else None
    if account is not None:
        return SalvagedLeft(chats, account, "")
    whole, cut = _whole_items(text, left.end()) if left else ([], -1)
    where = ("inside the list of chats left, in its first chat" if left and cut >= 0 and not whole else
             "after the list of chats left" if left else "before its list of chats left")
    note = LEFT_CUT_NOTE.format(where=where, at=cut if cut >= 0 else len(text), size=len(text))
    return SalvagedLeft(chats + whole, None, note) if chats + whole else None


def load_or_salvage(text: str, path: str, load: Callable[[str, str], Any],
                    accepts: Callable[[Any], bool]) -> tuple[Any, str]:
    """(the parsed JSON, "") or, for a file cut short inside its message list whose salvaged fields `accepts`,
    (those fields and its whole messages, the note saying where it ends); the loader's ChatError otherwise."""
    try:
        return load(text, path), ""
    except ChatError:
        found = salvage(text)
        if found is None or not accepts(found.chat):
            raise
        return found.chat, found.note()


_ANY_CONVERSATIONS = re.compile(r'"conversations"\s*:\s*\[')  # Skype's, after its account's fields


def load_or_cut(text: str, path: str, load: Callable[[str, str], Any]) -> Any:
    """The parsed JSON; for a file cut short, what of it is whole: a chat's fields and whole messages, an account's
    chats (`{"chats": {"list": [...]}}`), a list's whole values. Its reader then reads the text again, saying where
    it ends. The loader's ChatError when nothing of it is read so."""
    try:
        return load(text, path)
    except ChatError:
        account = salvage_account(text)
        left = salvage_left(text) if account is None else None
        if account is not None or left is not None:
            chats = account.chats + ([account.cut.chat] if account.cut else []) if account else left.chats  # type: ignore[union-attr]
            return {"chats": {"list": chats}}
        skype = salvage_account(text, _ANY_CONVERSATIONS, "MessageList")
        if skype is not None and (skype.cut is not None or skype.chats):
            return {"conversations": skype.chats + ([skype.cut.chat] if skype.cut else [])}
        found = salvage(text) or salvage(text, "events")
        if found is not None:
            return found.chat
        listed = salvage_array(text)
        if listed is None:
            raise
        return listed.items
