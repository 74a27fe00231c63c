"""A chat text cut short mid-line (a phone's or a tool's export stopped at a size limit, a copy broken off):
its last line, with no line end after it, is the start of a message's first line (`[2024-03-13 10:0`). The
line-by-line readers glue such a line onto the message above as its sender's words; it is taken back out and
kept as a record of its own with no sender, saying so. WhatsApp's and LINE's readers tell it themselves.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.core.chats.records import Chat, Message
from app.core.chats.whatsapp import CUT_NOTE

_DIGITS = re.compile(r"\d+")
_STARTS_LIKE_A_STAMP = re.compile(r"^\W{0,2}\d")
MIN_NUMBERS = 4  # a date and an hour begun: a date a person typed alone as a message's last line is no cut


def _skeleton(line: str) -> str:
    return _DIGITS.sub("9", line.strip())


def _starts_a_line_of(text: str, cut: str) -> bool:
    """Some other line of the file starts as `cut` does, digits aside, and goes on further (a header whole)."""
    shape = _skeleton(cut)
    lines = text.split("\n")[:-1]
    return any(len(line) > len(cut) and line.lstrip()[:1] == cut.lstrip()[:1] and _skeleton(line).startswith(shape)
               and _skeleton(line) != shape for line in lines)


def split_cut(chats: tuple[Chat, ...], text: str) -> tuple[Chat, ...]:
    """The chats, the last message's glued-on cut line (if any) made a record of its own."""
    if not chats or not chats[-1].messages or text.endswith(("\n", "\r")):
        return chats
    cut = text.rsplit("\n", 1)[-1].rstrip("\ufffd").strip()
    last = chats[-1].messages[-1]
    body = last.text.rstrip()
    if not cut or not _STARTS_LIKE_A_STAMP.match(cut) or len(_DIGITS.findall(cut)) < MIN_NUMBERS or \
            not body.endswith("\n" + cut) or not _starts_a_line_of(text, cut):
        return chats
    kept = replace(last, text=body[: -len(cut) - 1].rstrip())
    note = Message(last.index + 1, None, "", None, cut, True, None, CUT_NOTE)
    return (*chats[:-1], replace(chats[-1], messages=(*chats[-1].messages[:-1], kept, note)))
