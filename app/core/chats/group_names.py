"""iOS writes a WhatsApp group's own notes under the group's name, as if it were a member: that name (and each
name the group was renamed to) is no sender."""

from __future__ import annotations

import re
from dataclasses import replace

from app.core.chats.placeholders import is_system_note, strip_marks
from app.core.chats.records import Message

GROUP_NOTE = "the app's note, written under {name!r}: the group's name, which writes only the app's notes"
# iOS writes a call under the caller's name with what became of it after a comma ("Voice call, 12 min",
# "Missed voice call, Tap to call back"); a missed call's own words are `is_system_note`'s. Only a chat of two's:
# a group call may be written under the group's name, which would then be taken for a member.
_CALLS = frozenset({"voice call", "video call", "sprachanruf", "videoanruf",
                    "appel vocal", "appel vidéo", "llamada de voz", "videollamada", "chamada de voz",
                    "chamada de vídeo", "chiamata vocale", "videochiamata", "spraakoproep", "video-oproep"})


def group_notes(messages: list[Message]) -> list[Message]:
    """iOS writes a group's notes ("Anna created group", "Bob left") under the group's name, as if it
    were a member: that name is no sender. It is the name that writes the chat's first line, all of
    whose lines are the app's notes, some of them notes only the app's mark tells (not a call or a
    deletion, which a member's name writes too)."""
    first = next((m for m in messages if m.time_as_written), None)
    if first is None or first.sender is None or not first.system:
        return messages
    own = [m for m in messages if m.sender == first.sender]
    if not all(m.system and m.attachment is None for m in own) or all(_a_members_note(m.text) for m in own):
        return messages
    names = _renamed_to(messages, first.sender)
    return [replace(m, sender=None, note="; ".join(n for n in (m.note, GROUP_NOTE.format(name=m.sender)) if n))
            if m.sender in names else m for m in messages]


def _a_members_note(text: str) -> bool:
    """A note a member's name writes too: a deletion, the encryption note of a chat of two, a call (iOS adds how
    it ended after a comma)."""
    head = re.split(r"[,·•]", strip_marks(text), maxsplit=1)[0].strip()
    return is_system_note(text) or is_system_note(head) or head.lower() in _CALLS


_QUOTED = re.compile(r"[\"“”«»„「『《]\s*([^\"“”«»„「」『』《》\n]{1,80}?)\s*[\"“”«»“」』》]")


def _renamed_to(messages: list[Message], name: str) -> set[str]:
    """The group's names: `name`, and each a note under one of them quotes (the group renamed, "Anna changed
    the group name to “Night shift”") that writes later in the chat, all its lines the app's marked notes."""
    first_at: dict[str, int] = {}
    only_notes: dict[str, bool] = {}
    for i, message in enumerate(messages):
        if message.sender is not None:
            first_at.setdefault(message.sender, i)
            only_notes[message.sender] = only_notes.get(message.sender, True) and message.system and \
                message.attachment is None
    names = {name}
    for i, message in enumerate(messages):
        if message.sender not in names or not message.system:
            continue
        names.update(quoted for quoted in _QUOTED.findall(message.text)
                     if first_at.get(quoted, -1) > i and only_notes[quoted])
    return names
