"""Rule-based, Unicode-aware sentence splitting for translation.

NLLB and M2M-100 were trained on single sentences, so a segment is cut into
sentences before translation and the translations are joined back. The rules
are deliberately simple and predictable:

* a sentence ends at `.`, `!`, `?`, `…` (or `...`), `;`-free; at the Arabic `؟`,
  the Urdu `۔`, the Devanagari `।`/`॥`, the Armenian `։`, the Ethiopic `።`, and
  at the full-width `。！？` (no following space needed for those);
* closing quotes and brackets after the mark stay with the sentence;
* Latin-script terminators only end a sentence when whitespace follows;
* a full stop does not end a sentence after a known abbreviation (`Mr.`,
  `Dr.`, `e.g.`, `ul.`, `z.B.`...), a single letter (`J. Smith`), or inside a
  number (`3.5`, `12.03.2024`).
"""

from __future__ import annotations

import re

# fmt: off
# Lower-case abbreviations (without the final dot) after which "." is not an end.
ABBREVIATIONS = frozenset(
    {
        # English
        "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "cf",
        "approx", "dept", "inc", "ltd", "corp", "mt", "ft", "feb", "apr", "aug", "sept", "oct",
        "nov", "dec", "a.m", "p.m", "u.s", "u.k", "sgt", "insp", "supt", "capt", "lt", "rev",
        "ave", "rd", "tel", "nr",
        # Polish
        "ul", "np", "itd", "itp", "tj", "tzn", "godz", "wg", "zob", "pkt", "mln", "mld", "tys",
        "r", "ds", "oś", "im",
        # German
        "z.b", "bzw", "usw", "ca", "hr", "str", "u.a", "d.h", "evtl", "ggf", "vgl",
        # French / Spanish / Portuguese / Italian / Romanian
        "mme", "mlle", "sra", "srta", "dra", "ud", "uds", "sig", "dott", "av", "ex",
        # Russian / Ukrainian
        "г", "гг", "ул", "т.е", "т.д", "т.п", "см", "стр", "им", "вул",
    }
)
# Abbreviations that often end a sentence: they do when a capital letter follows.
CAN_END = frozenset({"etc", "itd", "itp", "usw", "т.д", "т.п", "r", "г"})
# fmt: on

_HARD_TERMINATORS = "。！？｡"  # end a sentence with or without a following space
_SOFT_TERMINATORS = ".!?…؟۔।॥։።"
_CLOSERS = "\"'”’»)]}›」』）】"
_SPACE_RE = re.compile(r"\s+")
# One candidate end: a run of terminators, then any closers.
_END_RE = re.compile(
    rf"([{re.escape(_SOFT_TERMINATORS + _HARD_TERMINATORS)}]+)([{re.escape(_CLOSERS)}]*)"
)
_WORD_BEFORE_RE = re.compile(r"([\w.\-]+)$")


def _is_number_dot(text: str, start: int, end: int) -> bool:
    """A single '.' between two digits (3.5, 12.03.2024)."""
    return (
        end - start == 1
        and start > 0
        and end < len(text)
        and text[start - 1].isdigit()
        and text[end].isdigit()
    )


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at `dot` closes an abbreviation or an initial."""
    match = _WORD_BEFORE_RE.search(text[:dot])
    if match is None:
        return False
    word = match.group(1).lstrip(".-")
    if not word:
        return False
    if len(word) == 1 and word.isupper():
        return True  # an initial: "J. Smith"
    return word.lower() in ABBREVIATIONS


def _abbreviation_word(text: str, dot: int) -> str:
    match = _WORD_BEFORE_RE.search(text[:dot])
    return match.group(1).lstrip(".-").lower() if match else ""


def _next_char(text: str, pos: int) -> str:
    rest = text[pos:].lstrip()
    return rest[0] if rest else ""


def _ends_here(text: str, match: re.Match[str]) -> bool:
    marks, start, end = match.group(1), match.start(), match.end()
    after = text[end] if end < len(text) else ""
    if any(ch in _HARD_TERMINATORS for ch in marks):
        return True
    if after and not after.isspace():
        return False
    following = _next_char(text, end)
    if marks in (".", "...", "…") and following.islower():
        return False  # "approx. five", "well... you know"
    if marks == ".":
        if _is_number_dot(text, start, match.end(1)):
            return False
        if _is_abbreviation(text, start):
            return _abbreviation_word(text, start) in CAN_END and following.isupper()
    return True


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, whitespace-normalised; "" gives []."""
    text = _SPACE_RE.sub(" ", text).strip()
    if not text:
        return []
    sentences: list[str] = []
    begin = 0
    for match in _END_RE.finditer(text):
        if _ends_here(text, match):
            piece = text[begin : match.end()].strip()
            if piece:
                sentences.append(piece)
            begin = match.end()
    tail = text[begin:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_long(sentence: str, max_chars: int) -> list[str]:
    """Cut an over-long sentence at the last comma-like mark (else space) before `max_chars`."""
    pieces: list[str] = []
    rest = sentence.strip()
    while len(rest) > max_chars:
        window = rest[:max_chars]
        cut = max(window.rfind(mark) for mark in (",", ";", ":", "،", "、", "，", " - "))
        if cut < max_chars // 3:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = max_chars - 1
        pieces.append(rest[: cut + 1].strip())
        rest = rest[cut + 1 :].strip()
    if rest:
        pieces.append(rest)
    return pieces


def join_sentences(sentences: list[str], spaced: bool = True) -> str:
    """Join sentences back: with single spaces, or with none for Chinese/Japanese/Thai..."""
    parts = [s.strip() for s in sentences if s and s.strip()]
    return (" " if spaced else "").join(parts)


_ANNOTATION = re.compile(r"\[[^\[\]]*\]")  # a transcriber's note: [inaudible], [laughs], [unclear]


def has_words(text: str) -> bool:
    """Whether a text has anything to translate: a letter or digit outside [bracketed notes].
    Emoji, punctuation and notes alone are copied as written, never sent to a model (which
    would invent a sentence for them)."""
    return any(ch.isalnum() for ch in _ANNOTATION.sub(" ", text))
