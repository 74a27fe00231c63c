"""CSV as the chat readers read it (Discord, KakaoTalk, Viber): a cell may be as long as a chat file may be.

The csv module refuses a cell over 128 KiB by default ("field larger than field limit"), which raised out of
the readers as a traceback: one long pasted message, or any chat text whose first line ran that long without a
comma (a WhatsApp chat is tried against the CSV layouts before its own)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

MAX_CELL = 64 * 1024 * 1024  # a chat text is read up to this size (`beside.MAX_CHAT_BYTES`)


def rows(text: str, delimiter: str = ",") -> Iterator[list[str]]:
    """The rows of `text`, each cell whole however long."""
    if csv.field_size_limit() < MAX_CELL:
        csv.field_size_limit(MAX_CELL)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def line(row: list[str], delimiter: str = ",") -> str:
    """A row as one CSV line, its cells quoted where they need to be (a cell holding a comma kept one cell)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="").writerow(row)
    return out.getvalue()
