"""The running head on one line, in the PDF and the DOCX alike: a long recording's name is cut in
its middle, so the case and exhibit references stay whole (the whole name is in the title and the
tables). The DOCX let its head wrap to a second line, into the page's first heading in LibreOffice,
where the PDF cut it; both now cut it by these functions, each with its own font's widths."""

from __future__ import annotations

from collections.abc import Callable

Width = Callable[[str], float]  # a text's width in the unit of `room`, in the head's font


def fitted_head(head: str, name: str, room: float, width: Width) -> str:
    """The running head in `room`: the recording's name (last) cut in its middle first, so the
    case and exhibit references stay whole."""
    prefix = head[: len(head) - len(name)] if head.endswith(name) else ""
    left = room - width(prefix)
    if prefix and left > width("…" * 8):
        return prefix + elide_middle(name, left, width)
    return elide_middle(head, room, width)


def elide_middle(text: str, room: float, width: Width) -> str:
    """`text` as it fits `room`: its middle cut to "…" (its start, the case and exhibit, and its
    end, the file's extension, kept)."""
    if width(text) <= room:
        return text
    head, tail = len(text) // 2, len(text) - len(text) // 2
    while head + tail > 1 and width(text[:head] + "…" + text[len(text) - tail:]) > room:
        if head >= tail:
            head -= 1
        else:
            tail -= 1
    return text[:head] + "…" + text[len(text) - tail:]
