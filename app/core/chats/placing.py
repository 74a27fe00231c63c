"""A file no message names, placed in its chat by the time its name carries.

    placed(messages, notes) -> messages, renumbered

A voice note whose line was lost from the chat text (`00000015-AUDIO-2024-03-02-11-00-00.opus`,
`audio_5@03-03-2024_12-00-00.ogg`) goes after the last message at or before that time, so the
timeline tells the story in order; one named with a date only (`PTT-20240330-WA0005.opus`) after
that day's messages; one whose name carries no time stays at the end. Messages are numbered again
in their new order, and a note naming another message by its place ("reply to message 3 (...)")
follows it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.core.chats.records import Message

_PLACE_RE = re.compile(r"\b(reply to|pinned|holds) message (\d+)\b(?= \(| of this chat)")  # counted from 1


def _key(iso: str | None) -> str | None:
    """A sortable local date-time (an offset dropped, a date alone read as its day's end)."""
    if not iso:
        return None
    return iso[:19] if len(iso) > 10 else f"{iso[:10]}T23:59:59"


def _position(messages: list[Message], when: str) -> int:
    """Where a note of that time goes: after the last message at or before it (first when it
    comes before them all); at the end when no message has a time."""
    keys = [_key(m.datetime) for m in messages]
    if not any(keys):
        return len(messages)
    earlier = [i for i, k in enumerate(keys) if k is not None and k <= when]
    return earlier[-1] + 1 if earlier else 0


def _renumbered(messages: list[Message]) -> tuple[Message, ...]:
    moved = {m.index: i for i, m in enumerate(messages)}

    def said(match: re.Match[str]) -> str:
        index = int(match[2]) - 1
        return f"{match[1]} message {moved.get(index, index) + 1}"

    return tuple(replace(m, index=i, note=_PLACE_RE.sub(said, m.note)) for i, m in enumerate(messages))


def placed(messages: tuple[Message, ...], notes: tuple[Message, ...]) -> tuple[Message, ...]:
    """The chat's messages with each note put in its place by its time (else at the end)."""
    out = list(messages)
    for note in notes:
        when = _key(note.datetime)
        out.insert(len(out) if when is None else _position(out, when), note)
    return _renumbered(out)
