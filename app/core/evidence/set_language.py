"""The language a set's files say the text was heard and written in, read back for `check-export` (set_agreement.py).

Every format writes the language in words, not as the manifest holds it: the TXT and VTT "Task: transcribe;
language en (p=0.98)" (a translation "... -> fr", a mix "mixed: en 64% (p=0.99), de 36% (p=0.97)"), the DOCX and
PDF record's "Language" row by name ("English (detected automatically, p=0.98)", "French, translated into
English"). Until session 30 none of it was read back, so a manifest edited to say the recording was heard in
Polish, or translated from German, beside a set of those files alone was "nothing found". Read here: the code (or
name) before the words' details; of a mix, every language named (the manifest's is one of them); "not detected"
and "unknown" as none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from app.core.export.base import NOT_DETECTED
from app.core.export.record import name_of
from app.core.translation.runs import TASK as TEXT_TRANSLATE

_MIXED = "mixed: "
_PART = re.compile(r"(?:^|, )(?P<language>[^,]+?) \d+% \(p=[\d.]+\)")  # "English 64% (p=0.99)" in a mix
_DETAIL = re.compile(  # how a record says the language is known, after its name (a name may hold brackets itself)
    r" \((?:set by the user|detected automatically(?:, p=[\d.]+)?|not detected: the model is English-only)\)$")
_SET = " (set by the user)"


class Named(str):
    """A language as a record names it ("English"): compared with the manifest's code named so (name_of)."""


class AmongMixed(tuple):
    """The languages a mixed recording's words list: the manifest's language is one of them."""


def text_language_facts(task_line: str) -> Iterator[tuple[str, Any]]:
    """("task", ...), ("language", code), ("source_language", code or None) from a TXT/VTT "Task:" line's value."""
    task, said, words = task_line.partition("; language ")
    if not said:
        return
    yield "task", task
    heard, arrow, target = words.rpartition(" -> ") if " -> " in words else (words, "", "")
    if arrow and task != "translate":  # a text translation: heard in one, written in the other
        yield from (("source_language", _heard(heard, str)), ("language", _code(target)))
    else:  # heard and written in one (Whisper's speech translation writes English, its `language` is what it heard)
        yield from (("language", _heard(heard, str)), ("source_language", None))


def record_language_facts(row: str) -> Iterator[tuple[str, Any]]:
    """("language", name), ("source_language", name or None), ("task", ...) and, but for a text translation,
    ("settings.language", name or None) from a DOCX/PDF record's "Language" row: "(set by the user)" is said only of
    a language set; "translated into" only of a translation (Whisper's speech translation, or of the text)."""
    heard, translated, target = row.partition(", translated into ")
    if translated and not (_DETAIL.search(heard) or heard.startswith((NOT_DETECTED, _MIXED))):
        yield from (("source_language", _heard(heard, Named)), ("language", Named(target)))  # a text translation
        yield "task", TEXT_TRANSLATE
        return
    heard = heard if translated else row  # one language, or Whisper's "Polish (...), translated into English"
    yield from (("language", _heard(heard, Named)), ("source_language", None))
    yield "task", "translate" if translated else "transcribe"
    yield "settings.language", _heard(heard, Named) if heard.endswith(_SET) else None


def language_differs(mine: Any, theirs: Any) -> bool:
    """Whether the manifest's language code `mine` is not what the file's words give (a Named or AmongMixed)."""
    named = isinstance(theirs, Named) or (isinstance(theirs, AmongMixed) and all(isinstance(t, Named) for t in theirs))
    if named and (mine is None or isinstance(mine, str)):
        mine = Named(name_of(mine))
    return mine not in theirs if isinstance(theirs, AmongMixed) else mine != theirs


def _heard(words: str, kind: type[str]) -> Any:
    """The language heard from its words: a mix's every language, none when nothing was heard, else the first word."""
    if words.startswith(_MIXED):
        return AmongMixed(kind(found["language"]) for found in _PART.finditer(words[len(_MIXED):]))
    if words.startswith(NOT_DETECTED):
        return None if kind is str else Named(name_of(None))
    if kind is not str:  # a name: "English", "Chinese (Simplified)", its detail taken off
        return Named(_DETAIL.sub("", words))
    first = words.split(" (", 1)[0]
    return None if first == "unknown" else first


def _code(words: str) -> str | None:
    return None if words == "unknown" else words
