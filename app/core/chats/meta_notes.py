"""The words Messenger and Instagram write themselves into a message's `content` for an action: "Anna sent an
attachment.", "You unsent a message", "Reacted ❤ to your message", "Anna named the group Crew.", "The video chat
ended." They are the app's, not the sender's: such a record is the app's note (its words kept, said so).

English here; Spanish, Portuguese, French, Italian, German, Dutch, Turkish, Polish, Russian and Arabic in
`meta_words` (from words, not the app's verified strings: the note says so): the language of the account the
download was made in writes them. Another language's stay as the sender's words.

    app_words_note(text, sender) -> str   (the note to add, "" when the words are the sender's)
    is_app_words(text, sender) -> bool
"""

from __future__ import annotations

import re

from app.core.chats.meta_words import YOU as _OTHER_YOU
from app.core.chats.meta_words import said_in_another_language

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


def app_words_note(text: str, sender: str | None) -> str:
    """The note saying the message's content is the app's words for an action of the sender's (or "you"), not
    words typed; "" when it is not."""
    words = " ".join(text.split())
    if not words or "\n" in text.strip():
        return ""
    names = {*_YOU, sender, sender.split()[0]} if sender and sender.split() else set(_YOU)  # the app names a first name
    if _WHOLE_RE.match(words):
        return APP_WORDS_NOTE
    found = _ACTION_RE.match(words)
    if found is not None and found["who"] in names:
        return APP_WORDS_NOTE
    return FROM_WORDS_NOTE if said_in_another_language(words, names) else ""


def is_app_words(text: str, sender: str | None) -> bool:
    """The message's content is the app's words for an action of the sender's (or "you"), not words typed."""
    return bool(app_words_note(text, sender))
