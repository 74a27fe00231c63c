"""Does a translation's length look wrong for its source? Outputs much shorter or longer than their
input, or looping (an n-gram repeated), are returned with FLAG_LENGTH_SHORT / FLAG_LENGTH_LONG,
never hidden. Characters are weighted so that dense scripts (Chinese, Japanese, Korean) compare
with Latin ones."""

from __future__ import annotations

import re
import unicodedata

from app.core.types import FLAG_LENGTH_LONG, FLAG_LENGTH_SHORT

DENSE_WEIGHTS = (
    ((0x3400, 0x9FFF), 3.0),  # CJK ideographs
    ((0xF900, 0xFAFF), 3.0),
    ((0x20000, 0x2FFFF), 3.0),
    ((0x3040, 0x30FF), 2.0),  # kana
    ((0xAC00, 0xD7AF), 2.5),  # Hangul syllables
)
SHORT_RATIO = 0.4  # output shorter than 40% of the input...
SHORT_MIN_SOURCE = 12.0  # ...when the input has at least this much text
LONG_RATIO = 2.6  # output longer than 2.6x the input...
LONG_SLACK = 12.0  # ...plus this many characters
LOOP_MIN_COPIES = 4  # an n-gram repeated 4+ times in a row is a loop
LOOP_MAX_N = 8
_CHAR_LOOP_RE = re.compile(r"(.{2,30}?)\1{2,}", re.DOTALL)


def _char_weight(ch: str) -> float:
    code = ord(ch)
    for (low, high), weight in DENSE_WEIGHTS:
        if low <= code <= high:
            return weight
    category = unicodedata.category(ch)
    if category[0] in "LN":
        return 1.0
    if category[0] == "M":
        return 0.5  # vowel signs of Indic scripts and the like
    return 0.0  # spaces, punctuation, symbols


def weighted_length(text: str) -> float:
    """Letters and digits, dense scripts (Chinese, Japanese, Korean) counted as several."""
    return sum(_char_weight(ch) for ch in text)


def _units(text: str) -> list[str]:
    """Words for spaced scripts, single characters for dense ones, punctuation dropped."""
    units: list[str] = []
    for word in text.lower().split():
        word = "".join(ch for ch in word if _char_weight(ch) > 0)
        if not word:
            continue
        if any(_char_weight(ch) > 1 for ch in word):
            units.extend(word)
        else:
            units.append(word)
    return units


def _word_run(units: list[str]) -> int:
    best = 1
    for n in range(1, LOOP_MAX_N + 1):
        for start in range(len(units) - 2 * n + 1):
            gram = units[start : start + n]
            copies = 1
            while units[start + copies * n : start + (copies + 1) * n] == gram:
                copies += 1
            best = max(best, copies)
    return best


def _char_run(compact: str) -> int:
    best = 1
    for match in _CHAR_LOOP_RE.finditer(compact):
        best = max(best, len(match.group(0)) // len(match.group(1)))
    return best


def max_repeat_run(text: str) -> int:
    """The most consecutive copies of any 1..8-gram of words, or 2..30 characters."""
    units = _units(text)[:2000]
    return max(_word_run(units), _char_run("".join(units)))


def length_flags(source: str, output: str) -> tuple[str, ...]:
    """FLAG_LENGTH_SHORT / FLAG_LENGTH_LONG when the output's length looks wrong for the input."""
    src, out = weighted_length(source), weighted_length(output)
    if src == 0:
        return ()
    if out == 0 or (src >= SHORT_MIN_SOURCE and out < SHORT_RATIO * src):
        return (FLAG_LENGTH_SHORT,)
    if out > LONG_RATIO * src + LONG_SLACK:
        return (FLAG_LENGTH_LONG,)
    run = max_repeat_run(output)
    if run >= LOOP_MIN_COPIES and run > max_repeat_run(source) + 1:
        return (FLAG_LENGTH_LONG,)
    return ()
