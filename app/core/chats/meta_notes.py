"""The words Messenger and Instagram write themselves into a message's `content` for an action: "Anna sent an
attachment.", "You unsent a message", "Reacted ❤ to your message", "Anna named the group Crew.", "The video chat
ended." They are the app's, not the sender's: such a record is the app's note (its words kept, said so).

English here; Spanish, Portuguese, French, Italian, German, Dutch, Turkish, Polish, Russian and Arabic in
`meta_words` (from words, not the app's verified strings: the note says so): the language of the account the
download was made in writes them. Another language's stay as the sender's words.

    app_words_note(text, sender) -> str   (the note to add, "" when the words are the sender's)
    settle_bare_you(messages) -> list     (Arabic "أرسلت صورة.", "You sent" or "I sent", decided by the chat)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from app.core.chats.meta_words import BARE_YOU, NAMED, UNNAMED, YOU_ACT
from app.core.chats.meta_words import YOU as _OTHER_YOU
from app.core.chats.meta_words import actor as actor_in_another_language
from app.core.chats.records import Message

APP_WORDS_NOTE = "the app's words for an action (Messenger or Instagram writes them), not the sender's"
FROM_WORDS_NOTE = (APP_WORDS_NOTE + " (read from that language's words for the action, not from strings verified "
                   "against the app)")

# After the sender's name or "You": the action the app names
_SENT = "photo|video|voice message|audio clip|GIF|sticker|link|location|live location|file|post|reel|story"
_ACTIONS = (
    r"sent an attachment\.", rf"sent (?:a|an) (?:{_SENT})\.?", r"unsent a message\.?",
    r"[Rr]eacted .{1,16} to (?:your|a|their|his|her) message\.?", r"liked a message\.?", r"named the group .+",
    r"removed the group name\.?", r"changed the group photo\.?", r"removed the group photo\.?",
    r"set (?:the|your|their|his|her) nickname .+", r"cleared (?:the|your|their|his|her) nickname.*",
    r"set the (?:quick reaction|emoji) to .+", r"changed the (?:chat )?theme(?: to .+)?\.?",
    r"started (?:a|the) (?:video chat|call|video call|audio call)\.?", r"joined the (?:video chat|call|video call)\.?",
    r"missed (?:a|your) (?:video )?call(?: from .+)?\.?", r"added .+ to the group\.?", r"removed .+ from the group\.?",
    r"left the group\.?", r"joined the group\.?", r"created the group\.?", r"pinned a message\.?",
    r"unpinned a message\.?", r"shared a location\.?", r"started sharing (?:their|his|her|your) location\.?",
    r"stopped sharing (?:their|his|her|your) location\.?", r"mentioned you in (?:their|his|her) story\.?",
    r"replied to your story\.?", r"reacted to your story.*", r"turned (?:on|off) disappearing messages.*",
)
_WHOLE = (r"The (?:video chat|call|video call) ended\.?", r"You are now connected on Messenger\.?",
          r"Say hi to your new Facebook friend.*", r"You can now message and call each other.*",
          r"Liked a message\.?", r"Reacted .{1,16} to your message\.?")
_YOU = frozenset({"You", *_OTHER_YOU})
_ACTION_RE = re.compile(r"^(?P<who>.{1,80}?) (?:" + "|".join(_ACTIONS) + r")$", re.DOTALL)
_WHOLE_RE = re.compile(r"^(?:" + "|".join(_WHOLE) + r")$")


AMBIGUOUS_NOTE = ("words Messenger writes for the account holder's action in Arabic (\"You sent …\") that also read "
                  "\"I sent …\": kept as the sender's, the chat not telling whether the sender is the account holder")
HOLDER_NOTE = (FROM_WORDS_NOTE + "; its Arabic verb reads \"you\" or \"I\": the app's \"you\" here, the app writing "
               "\"you\" for this sender elsewhere in the chat (the account holder)")
TYPED_NOTE = ("words Messenger also writes for the account holder's action in Arabic (\"You sent …\"): the sender's "
              "own here (\"I sent …\"), {why} (not the account holder)")
NAMED_WHY = "the app naming this sender elsewhere in the chat"
HOLDER_WHY = "the app writing \"you\" for another sender of the chat"


def _names(sender: str | None) -> set[str]:
    """The names the app calls the sender by: its name, its first name (the app names a first name), "you"."""
    return {*_YOU, sender, sender.split()[0]} if sender and sender.split() else set(_YOU)


def _english_actor(words: str, sender: str | None) -> str:
    if _WHOLE_RE.match(words):
        return UNNAMED
    found = _ACTION_RE.match(words)
    if found is not None and found["who"] in _names(sender):
        return YOU_ACT if found["who"] in _YOU else NAMED
    return ""


def actor(text: str, sender: str | None) -> str:
    """Who acts in the app's words for an action (`meta_words.actor`'s kinds); "" when the words are the sender's."""
    words = " ".join(text.split())
    if not words or "\n" in text.strip():
        return ""
    return _english_actor(words, sender) or actor_in_another_language(words, _names(sender))


def app_words_note(text: str, sender: str | None) -> str:
    """The note saying the message's content is the app's words for an action of the sender's (or "you"), not
    words typed; AMBIGUOUS_NOTE where they read as the sender's too (`settle_bare_you` decides by the chat);
    "" when they are the sender's."""
    acting = actor(text, sender)
    if acting == BARE_YOU:
        return AMBIGUOUS_NOTE
    if not acting:
        return ""
    return APP_WORDS_NOTE if _english_actor(" ".join(text.split()), sender) else FROM_WORDS_NOTE


def is_app_note(note: str) -> bool:
    """The note `app_words_note` gave makes the message the app's (not one that may be the sender's words)."""
    return note in (APP_WORDS_NOTE, FROM_WORDS_NOTE)


def _holder(messages: Sequence[Message]) -> tuple[str | None, set[str]]:
    """(the account holder, the senders the app names): the one sender the app writes "you" for; else, where the
    app names every other sender, the one left."""
    acts: dict[str, set[str]] = {}
    for m in messages:
        if m.sender:
            acts.setdefault(m.sender, set()).add(actor(m.text, m.sender) if m.system else "")
    you = [s for s, kinds in acts.items() if YOU_ACT in kinds]
    named = {s for s, kinds in acts.items() if NAMED in kinds}
    left = [s for s in acts if s not in named]
    holder = you[0] if len(you) == 1 else left[0] if not you and named and len(left) == 1 else None
    return holder, named


def settle_bare_you(messages: Sequence[Message]) -> list[Message]:
    """Arabic words that are the app's "You sent …" and a sender's own "I sent …" ("أرسلت صورة."): the app's where
    the chat shows the sender is the account holder, the sender's where the app names the sender elsewhere (so
    not the holder), else kept as the sender's with a note saying it cannot be told."""
    if not any(AMBIGUOUS_NOTE in m.note for m in messages):
        return list(messages)
    holder, named = _holder(messages)

    def settled(m: Message) -> Message:
        if AMBIGUOUS_NOTE not in m.note or m.sender is None:
            return m
        if m.sender == holder:
            return replace(m, system=True, note=m.note.replace(AMBIGUOUS_NOTE, HOLDER_NOTE))
        if m.sender in named or holder is not None:
            why = NAMED_WHY if m.sender in named else HOLDER_WHY
            return replace(m, note=m.note.replace(AMBIGUOUS_NOTE, TYPED_NOTE.format(why=why)))
        return m
    return [settled(m) for m in messages]
