"""An imessage-exporter text cut short (a copy broken off, a dump stopped at a size limit) inside the last
message's time line or its sender's line: without this the time begun ("Mar 06, 2024  9:0") was read as the
words of the message above, under its sender, and a sender's name begun ("+141") as a sender of its own.
Such a last line, with no line end after it, is kept as a record of its own with no sender, saying so.

    cut_end(messages, text) -> messages
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

from app.core.chats.records import Message

CUT_NOTE = ("the export ends here in the middle of a message's time or sender (the file cut short): the line is "
            "kept as written, no sender assigned")
_DIGITS = re.compile(r"\d+")


def _skeleton(line: str) -> str:
    return _DIGITS.sub("9", " ".join(line.split()))


def _begins_a_time_line(cut: str, lines: list[str]) -> bool:
    """`cut` is the start of a time line the file writes whole (digits aside), not a line of words."""
    shape = _skeleton(cut)
    return cut[:1].isupper() and any(
        _skeleton(line).startswith(shape) and _skeleton(line) != shape and prev == ""
        for prev, line in pairwise(lines))


def cut_end(messages: list[Message], text: str) -> list[Message]:
    """The messages, a last line cut short taken out of the message it was read into and kept on its own."""
    if not messages or text.endswith(("\n", "\r")):
        return messages
    lines = [line.rstrip() for line in text.splitlines()]
    cut = lines[-1].strip()
    last = messages[-1]
    if not cut:
        return messages
    if len(lines) >= 2 and lines[-2] == "" and _begins_a_time_line(cut, lines[:-1]):
        for at in range(len(messages) - 1, -1, -1):
            if messages[at].text.endswith(cut) and messages[at].time_as_written == last.time_as_written:
                kept = replace(messages[at], text=messages[at].text[: -len(cut)].rstrip())
                note = Message(len(messages), None, "", None, cut, True, None, CUT_NOTE)
                return [*messages[:at], kept, *messages[at + 1:], note]
        return messages
    others = {m.sender for m in messages[:-1] if m.sender}
    if last.sender == cut and not last.text and last.attachment is None and cut not in others and any(
            name.startswith(cut) for name in others | {"Me"}):
        return [*messages[:-1], replace(last, sender=None, text=cut, system=True, note=CUT_NOTE)]
    return messages
