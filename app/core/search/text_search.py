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
from dataclasses import dataclass

from app.core.errors import ParleyError, StoreError
from app.core.search.query import Query, parse
from app.core.store import Case, search_index
from app.core.store.search_index import DEFAULT_MARKS, IndexedText, Marks

DEFAULT_LIMIT = 100
SNIPPET_CONTEXT = 40  # characters either side of a substring match


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


def search(case: Case, query: str, limit: int = DEFAULT_LIMIT, marks: Marks = DEFAULT_MARKS) -> list[Hit]:
    """Hits for a user query, best first; an empty or punctuation-only query finds nothing."""
    parsed = parse(query)
    if parsed.empty or limit <= 0:
        return []
    try:
        rows = search_index.find(case.conn, parsed.words_expression(), parsed.trigram_expression(),
                                 parsed.short_substrings(), limit, marks)
    except StoreError as exc:
        raise SearchError(f"{query}: {exc}") from None
    return [_hit(row, parsed, marks) for row in rows]


def count(case: Case, query: str) -> int:
    """How many segments match a user query (all of them, not only the first `limit`)."""
    parsed = parse(query)
    if parsed.empty:
        return 0
    try:
        return search_index.count(case.conn, parsed.words_expression(), parsed.trigram_expression(),
                                  parsed.short_substrings())
    except StoreError as exc:
        raise SearchError(f"{query}: {exc}") from None


def _hit(row: IndexedText, parsed: Query, marks: Marks) -> Hit:
    snippet = row.snippet
    if snippet is None or parsed.substrings:
        snippet = substring_snippet(row.text, parsed.substrings or _plain_words(parsed), marks)
    return Hit(
        exhibit_id=row.exhibit_id, exhibit_name=row.exhibit_name, run_id=row.run_id, task=row.task,
        segment_id=row.segment_id, start_ms=row.start_ms, end_ms=row.end_ms, speaker=row.speaker,
        snippet=snippet.strip(), text=row.text.strip(), language=row.language,
        edited=row.source == search_index.SOURCE_WORKING,
    )


def _plain_words(parsed: Query) -> tuple[str, ...]:
    return tuple(t.text for t in parsed.word_terms)


def substring_snippet(text: str, needles: tuple[str, ...], marks: Marks = DEFAULT_MARKS,
                      context: int = SNIPPET_CONTEXT) -> str:
    """The text around the first match of any needle, every match in it marked."""
    needles = tuple(n for n in needles if n)
    if not needles:
        return text[: 2 * context]
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)),
                         re.IGNORECASE)
    first = pattern.search(text)
    if first is None:
        return text[: 2 * context] + (marks.ellipsis if len(text) > 2 * context else "")
    start = max(0, first.start() - context)
    end = min(len(text), first.end() + context)
    window = pattern.sub(lambda m: f"{marks.before}{m.group(0)}{marks.after}", text[start:end])
    return (marks.ellipsis if start else "") + window + (marks.ellipsis if end < len(text) else "")
