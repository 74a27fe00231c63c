"""What a Time column shows for a hit or an entity's mention (search and entities both list them)."""

from __future__ import annotations

from collections.abc import Callable

from app.core.chats.dates import when_text
from app.core.export.base import hhmmss


def time_shown(start_ms: int, end_ms: int, message_time: str | None, message_datetime: str | None,
               clock: Callable[[int], str] = hhmmss) -> str:
    """A Time column's text for a hit or a mention: a chat message's date-time, else the moment in the
    recording by `clock` (the window passes the editor's); nothing for a text (no media time)."""
    if message_time is not None:
        return when_text(message_time, message_datetime)
    return clock(start_ms) if end_ms > 0 else ""
