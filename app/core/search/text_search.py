"""Full-text search over a case's current text (see app.core.search.query for the syntax).

    hits = search(case, 'bank* "red car"', limit=50)
    for hit in hits:
        print(hit.exhibit_name, hit.start_ms, hit.speaker, hit.snippet)

Searched: every run's current text (the proofread copy where a run has one,
else the machine draft): transcripts, Whisper's own translations, text
translations, imported texts and chats. A hit names the exhibit, run, task and
segment (the id the editor shows for that run) and the moment in ms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from app.core.chats.dates import when_text
from app.core.errors import ParleyError, StoreError
from app.core.export.base import hhmmss
from app.core.search.echoed import copies, fold_echoes
from app.core.search.folding import restore_marks
from app.core.search.query import Query, parse
from app.core.store import Case, search_index
from app.core.store.chats import Echo
from app.core.store.search_index import HIGHLIGHT, IndexedText

DEFAULT_LIMIT = 100
SNIPPET_CONTEXT = 60  # characters of text kept either side of the first match


@dataclass(frozen=True)
class Marks:
    """How a snippet shows a match and a cut."""

    before: str = "["
    after: str = "]"
    ellipsis: str = "\u2026"
    context: int = SNIPPET_CONTEXT


DEFAULT_MARKS = Marks()
_ADJACENT_RE = re.compile(f"{HIGHLIGHT[1]}(\\s+){HIGHLIGHT[0]}")  # an end mark, spaces, a start mark


class SearchError(ParleyError):
    """A search that cannot be run (the message is fit to show as it is)."""


@dataclass(frozen=True)
class Hit:
    exhibit_id: int
    exhibit_name: str
    run_id: int | None  # None for a chat message that belongs to no run
    task: str  # transcribe | translate | text-translate | text ...
    segment_id: int  # in the run's current transcript (editing.segment_ids)
    start_ms: int
    end_ms: int
    speaker: str | None
    snippet: str  # matches between marks, e.g. "... met at the [bank] on ..."
    text: str
    language: str | None
    edited: bool  # the text is the proofread copy's
    message_time: str | None = None  # a chat message's time as written
    message_datetime: str | None = None  # ... normalised (ISO 8601), None when ambiguous
    also_in: tuple[Echo, ...] = ()  # a chat message's other exports (the chat exported twice): one hit
    rank: int = 0  # 1 for the best match (bm25), as found before `in_reading_order`; index order past RANKED_MAX

    @property
    def when(self) -> str:
        """What a Time column shows: the moment in the recording, or a chat message's date-time."""
        return time_shown(self.start_ms, self.end_ms, self.message_time, self.message_datetime)


def time_shown(start_ms: int, end_ms: int, message_time: str | None, message_datetime: str | None,
               clock: Callable[[int], str] = hhmmss) -> str:
    """A Time column's text for a hit or a mention: a chat message's date-time, else the moment in the
    recording by `clock` (the window passes the editor's); nothing for a text (no media time)."""
    if message_time is not None:
        return when_text(message_time, message_datetime)
    return clock(start_ms) if end_ms > 0 else ""


def search(case: Case, query: str, limit: int = DEFAULT_LIMIT, marks: Marks = DEFAULT_MARKS) -> list[Hit]:
    """Hits for a user query: the best matches, each exhibit's in the order it reads (`in_reading_order`);
    an empty or punctuation-only query finds nothing."""
    parsed = parse(query)
    if parsed.empty or limit <= 0:
        return []
    wanted = limit
    while True:  # a message in several exports of its chat is one hit: look further for `limit` of them
        try:
            rows = search_index.find(case.conn, parsed.words_expression(), parsed.trigram_expression(),
                                     parsed.short_substrings(), wanted)
        except StoreError as exc:
            raise SearchError(f"{query}: {exc}") from None
        folded = fold_echoes(case, rows)
        if len(folded) >= limit or len(rows) < wanted or wanted >= limit * 8:
            break
        wanted *= 2
    return in_reading_order([replace(_hit(row, parsed, marks), also_in=others, rank=rank)
                             for rank, (row, others) in enumerate(folded[:limit], 1)])


def in_reading_order(hits: list[Hit]) -> list[Hit]:
    """The exhibits in the order of their best hit; an exhibit's hits as its text reads (run, moment,
    message): three hits in one interview were shown at 25.5 s, 29.1 s, 20.0 s, by how well each matched."""
    first: dict[int, int] = {}
    for hit in hits:
        first.setdefault(hit.exhibit_id, len(first))
    return sorted(hits, key=lambda h: (first[h.exhibit_id], h.run_id or 0, h.start_ms, h.segment_id))


def count(case: Case, query: str) -> int:
    """How many segments and chat messages match a user query (all of them, not only the first `limit`);
    a message in several exports of its chat counted once, as `search` shows it."""
    parsed = parse(query)
    if parsed.empty:
        return 0
    expressions = (parsed.words_expression(), parsed.trigram_expression(), parsed.short_substrings())
    try:
        total = search_index.count(case.conn, *expressions)
        messages = search_index.matching_messages(case.conn, *expressions)
    except StoreError as exc:
        raise SearchError(f"{query}: {exc}") from None
    return total - copies(case, messages)


def _hit(row: IndexedText, parsed: Query, marks: Marks) -> Hit:
    return Hit(
        exhibit_id=row.exhibit_id, exhibit_name=row.exhibit_name, run_id=row.run_id, task=row.task,
        segment_id=row.segment_id, start_ms=row.start_ms, end_ms=row.end_ms, speaker=row.speaker,
        snippet=_snippet(row, parsed, marks).strip(), text=row.text.strip(), language=row.language,
        edited=row.source == search_index.SOURCE_WORKING,
        message_time=row.message_time, message_datetime=row.message_datetime,
    )


def _snippet(row: IndexedText, parsed: Query, marks: Marks) -> str:
    if row.highlighted is not None and not parsed.substrings:
        marked = restore_marks(row.highlighted, row.text, HIGHLIGHT)
        if marked is not None:
            return window(marked, marks)
    needles = parsed.substrings + tuple(t.text for t in parsed.word_terms)
    return substring_snippet(row.text, needles, marks)


def window(marked: str, marks: Marks = DEFAULT_MARKS) -> str:
    """The text around its first match, cut at spaces, with every match inside it marked."""
    begin_mark, end_mark = HIGHLIGHT
    if begin_mark in marked:
        marked = _ADJACENT_RE.sub(r"\1", marked)  # a phrase is one match
    first = marked.find(begin_mark)
    first = max(first, 0)
    last = marked.find(end_mark, first)
    last = len(marked) if last < 0 else last + 1
    start = _cut_start(marked, first - marks.context)
    end = _cut_end(marked, last + marks.context)
    piece = marked[start:end]
    if piece.count(begin_mark) > piece.count(end_mark):
        piece += end_mark  # a match that runs past the cut
    piece = piece.replace(begin_mark, marks.before).replace(end_mark, marks.after)
    return (marks.ellipsis if start > 0 else "") + piece + (marks.ellipsis if end < len(marked) else "")


def _cut_start(text: str, at: int) -> int:
    if at <= 0:
        return 0
    space = text.find(" ", at)
    return space + 1 if 0 <= space < at + 20 else at


def _cut_end(text: str, at: int) -> int:
    if at >= len(text):
        return len(text)
    space = text.rfind(" ", at - 20, at)
    return space if space > 0 else at


def substring_snippet(text: str, needles: tuple[str, ...], marks: Marks = DEFAULT_MARKS) -> str:
    """The text around the first match of any needle (any case), every match in it marked."""
    needles = tuple(n for n in needles if n)
    if not needles:
        return window(text, marks)
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)),
                         re.IGNORECASE)
    begin_mark, end_mark = HIGHLIGHT
    return window(pattern.sub(lambda m: f"{begin_mark}{m.group(0)}{end_mark}", text), marks)
