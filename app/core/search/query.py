"""The user's search syntax, turned into safe FTS5 expressions.

    plain words      every word must occur (any case, any accents; see folding):
                     red car, lukasz (finds Łukasz)
    word*            a word starting so: bank* finds bank, banking, banks
    "quoted phrase"  the words next to each other in this order: "red car"

Words in scripts written without spaces between words (Chinese, Japanese,
Korean, Thai, Lao, Khmer, Myanmar, Tibetan) cannot be found as whole words: in
such a term the query looks for the characters as a substring instead.

Every term reaches SQLite as a quoted FTS5 string, so no input (unbalanced
quotes, operators, brackets, colons, stars) can be read as FTS5 syntax: a query
is either understood or empty, never an SQL error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.search.folding import fold

# Scripts whose words are not separated by spaces (or, for Korean, carry attached particles).
_NO_SPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x1780, 0x17FF),  # Khmer
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Hangul compatibility Jamo, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B and later
)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                         "\u00bb": '"', "\uff02": '"'})
_PHRASE_RE = re.compile(r'"([^"]*)"')
_WORD_CHAR_RE = re.compile(r"[^\W_]")  # a letter or a digit
TRIGRAM_MIN = 3  # the trigram index finds substrings of three characters or more


@dataclass(frozen=True)
class Term:
    text: str  # as the user wrote it, without quotes or the prefix star
    phrase: bool = False
    prefix: bool = False
    substring: bool = False  # in a script without spaces: matched as a substring


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def word_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.substring)

    @property
    def substrings(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.terms if t.substring)

    def words_expression(self) -> str | None:
        """FTS5 expression for the word index (None when the query has no word terms)."""
        parts = [fts_string(fold(t.text)) + (" *" if t.prefix else "") for t in self.word_terms]
        return " AND ".join(parts) or None

    def trigram_expression(self) -> str | None:
        """FTS5 expression for the trigram index: substrings long enough for it."""
        parts = [fts_string(s) for s in self.substrings if len(s) >= TRIGRAM_MIN]
        return " AND ".join(parts) or None

    def short_substrings(self) -> tuple[str, ...]:
        """Substrings too short for the trigram index (found by scanning)."""
        return tuple(s for s in self.substrings if len(s) < TRIGRAM_MIN)


def fts_string(text: str) -> str:
    """An FTS5 string literal: double quotes around, inner quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def is_no_space_char(ch: str) -> bool:
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _NO_SPACE_RANGES)


def has_no_space_script(text: str) -> bool:
    return any(is_no_space_char(ch) for ch in text)


def parse(text: str) -> Query:
    """The terms of a user's query; an unbalanced quote is read as a space."""
    text = (text or "").translate(_QUOTES)
    terms: list[Term] = []
    cursor = 0
    for match in _PHRASE_RE.finditer(text):
        terms.extend(_plain_terms(text[cursor:match.start()]))
        terms.extend(_phrase_term(match.group(1)))
        cursor = match.end()
    terms.extend(_plain_terms(text[cursor:].replace('"', " ")))
    return Query(tuple(dict.fromkeys(terms)))


def _plain_terms(chunk: str) -> list[Term]:
    out = []
    for word in chunk.split():
        term = _term(word, phrase=False)
        if term is not None:
            out.append(term)
    return out


def _phrase_term(body: str) -> list[Term]:
    body = " ".join(body.split())
    if len(body.split()) <= 1:
        return _plain_terms(body)
    term = _term(body, phrase=True)
    return [term] if term is not None else []


def _term(raw: str, phrase: bool) -> Term | None:
    prefix = raw.endswith("*")
    text = raw.strip("*").strip()
    if not _WORD_CHAR_RE.search(text):
        return None  # punctuation alone matches nothing
    if has_no_space_script(text):
        return Term(text.replace("*", ""), phrase=phrase, substring=True)
    return Term(text, phrase=phrase, prefix=prefix)
