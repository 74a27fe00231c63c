"""`verify`, the case's search index and entity cache: derived from the texts, so checked against them.

A search, and the entities listed, are how an investigator finds where something was said: a
row of the index (or a stored mention) that is not what the transcript or message holds would
lead to words nobody said, or hide words said. Checked:

- every row of `search_text` against what the triggers make of the current texts (segments,
  working copies, the newest reading of each chat);
- both word indexes against `search_text` (FTS5's own check; not on a store opened read-only);
- every stored entity mention against what the finders find in its text now (when the cache
  was made by the finders of this version; an older cache is found anew when next used).
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.evidence.finding import Finding
from app.core.search.entities import FINDERS_VERSION, find_in_text
from app.core.store import Case, db, entity_index, integrity, search_index


def search_index_findings(case: Case, notes: list[Finding]) -> Iterator[Finding]:
    runs, exhibits = search_index.differences(case.conn)
    for run_id in sorted(runs):
        yield Finding(f"run {run_id}", "its text in the search index differs from the transcript (a search would "
                                       "find words it does not hold, or miss words it does)")
    for exhibit_id in sorted(exhibits):
        yield Finding(f"exhibit {exhibit_id}", "its chat messages in the search index differ from the messages (a "
                                               "search would find words they do not hold, or miss words they do)")
    intact = search_index.words_intact(case.conn)
    if intact is False:
        yield Finding("search index", "its word lists differ from the texts they index (a search would find what is "
                                      "not there, or miss what is)")
    elif intact is not True:  # why it could not be asked
        notes.append(Finding("search index", "its word lists were not checked (FTS5 checks only a store it may "
                                             f"write to; {intact})"))
    yield from _entities(case)


def _entities(case: Case) -> Iterator[Finding]:
    tag = entity_index.scanned_with(case.conn) or ""
    region, _, version = tag.partition("/")
    if version != str(FINDERS_VERSION):
        return  # made by other finders (or never): found anew from the texts before it is next used
    texts, stored = entity_index.scanned_texts(case.conn), entity_index.stored_by_text(case.conn)
    wrong = list(stored.keys() - texts.keys())
    for text_id, (text, _run, _exhibit) in texts.items():
        found = sorted(((m.kind, m.value, m.as_written, m.start, m.end) for m in find_in_text(text, region)), key=repr)
        if found != stored.get(text_id, []):
            wrong.append(text_id)
    if wrong:
        where = sorted({f"run {texts[t][1]}" if texts[t][1] is not None else f"exhibit {texts[t][2]}"
                        for t in wrong if t in texts})
        if any(t not in texts for t in wrong):
            where.append("texts not marked scanned, or no longer indexed")
        yield Finding("entities", f"the entities stored for {len(wrong)} text(s) differ from what the finders find "
                                  f"in them ({', '.join(where)}): a mention added, changed or removed")


def store_findings(case: Case) -> Iterator[Finding]:
    """The store file itself: its schema (the guard triggers), its application id and text encoding, rows of nothing, the word
    indexes' settings
    (`app/core/store/integrity.py`)."""
    changed = integrity.schema_differences(case.conn)
    if changed:
        yield Finding("case store", f"its schema is not the one Parley makes ({'; '.join(changed)}): edited outside "
                                    "Parley")
    for entry in case.audit.entries("store"):
        if entry.action == db.RENUMBERED:
            numbered, held = entry.details.get("numbered"), entry.details.get("schema")
            yield Finding("case store", f"{db.renumbered_text(numbered, held)} (found when the case was opened at "
                                        f"{entry.at}, audit entry {entry.id}; its number written back then)")
    marked = integrity.application_id(case.conn)
    if marked:
        yield Finding("case store", f"its application id (PRAGMA application_id) is {marked} ({marked:#010x}); "
                                    "Parley leaves it 0: set outside Parley")
    encoding = integrity.text_encoding(case.conn)
    if encoding != "UTF-8":
        yield Finding("case store", f"its text is stored as {encoding} (PRAGMA encoding); Parley's stores are UTF-8, "
                                    "and no maintenance changes it: rebuilt outside Parley")
    for table, count in sorted(integrity.orphans(case.conn).items()):
        yield Finding("case store", f"{count} row(s) of {table} belong to nothing in the store (their "
                                    "exhibit, run, segment or message is not there): edited outside Parley")
    for table, rows in sorted(integrity.index_settings(case.conn).items()):
        if rows:
            yield Finding("search index", f"{table} holds settings FTS5 does not write by itself "
                                          f"({', '.join(str(k) for k, _v in rows)}): a search may find or order "
                                          "otherwise")
