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
from dataclasses import dataclass, replace

from app.core.errors import ParleyError, StoreError
from app.core.search.echoed import copies, fold_echoes
from app.core.search.folding import restore_marks
from app.core.search.query import Query, parse
from app.core.search.shown import time_shown
from app.core.store import Case, search_index
from app.core.store.chats import Echo
from app.core.store.search_index import HIGHLIGHT, IndexedText

DEFAULT_LIMIT = 100
COUNT_ALL = 1_000_000  # hits looked for where a query names a number or sender: every one of them, counted
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
    found = [replace(_hit(row, parsed, marks), also_in=others) for row, others in folded[:limit]]
    named = _named(case, query, parsed, marks, limit)
    return in_reading_order([replace(hit, rank=rank) for rank, hit in enumerate(_merged(named, found)[:limit], 1)])


def _named(case: Case, query: str, parsed: Query, marks: Marks, limit: int) -> list[Hit]:
    """What the query names besides its words (app.core.search.numbers): the texts writing the phone number it
    is, in any form ("+44 7700 900123" for "07700 900123"), and the messages sent by the sender it names."""
    from app.core.search.numbers import mentions_of_number, senders_named

    numbered = [Hit(exhibit_id=m.exhibit_id, exhibit_name=m.exhibit_name, run_id=m.run_id, task=m.task,
                    segment_id=m.segment_id, start_ms=m.start_ms, end_ms=m.end_ms, speaker=m.speaker,
                    snippet=substring_snippet(m.text, (m.as_written,), marks).strip(), text=m.text.strip(),
                    language=None, edited=m.edited, message_time=m.message_time,
                    message_datetime=m.message_datetime) for m in mentions_of_number(case, query)]
    sent = fold_echoes(case, search_index.sent_by(case.conn, senders_named(case, query), limit))
    return _merged(numbered, [replace(_hit(row, parsed, marks), also_in=others) for row, others in sent])


def _merged(first: list[Hit], then: list[Hit]) -> list[Hit]:
    """`first`, then the hits of `then` that are not one of them (the same segment or message)."""
    merged = {_place(h): h for h in reversed(then)}  # a place met twice: its first hit kept
    merged.update({_place(h): h for h in reversed(first)})
    return [*(h for h in first if merged.get(_place(h)) is h), *(h for h in then if merged.get(_place(h)) is h)]


def _place(hit: Hit) -> tuple[int, int | None, str, int]:
    return hit.exhibit_id, hit.run_id, hit.task, hit.segment_id


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
    from app.core.search.numbers import mentions_of_number, senders_named

    parsed = parse(query)
    if parsed.empty:
        return 0
    if mentions_of_number(case, query) or senders_named(case, query):  # what it names, besides its words
        return len(search(case, query, limit=COUNT_ALL))
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
