"""Numbers that speech recognition writes as words, turned into digits where that is certain.

Two forms are read:

* Digit strings, as phone and reference numbers are said in English: "oh seven
  seven double nine, one two three..." -> "07799123...". A run of digit words
  (zero/oh/nought, one..nine, "double X", "triple X" with X a digit word or
  digit, and digits already written as digits) becomes digits only when it holds at least MIN_DIGITS digits and at
  least one word: "one or two", "give me two, three" stay as they are.
* Cardinals, for sums of money: "five hundred", "two thousand five hundred",
  "twenty-five", "a hundred" -> 500, 2500, 25, 100. A sequence that is not a
  well-formed cardinal ("five five hundred", "twenty thirty") gives None.

`normalise_digits(text)` returns the text with digit runs replaced and, for each
character of the new text, the span of the original it came from, so whatever is
found in the new text can be quoted as it was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_DIGITS = 5  # shorter runs of digit words are ordinary speech ("one or two", "two three")

DIGIT_WORDS = {"zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0", "one": "1", "two": "2",
               "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
               "nine": "9"}
REPEATS = {"double": 2, "triple": 3}
ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
        "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
        "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
SCALES = {"thousand": 1000, "million": 1_000_000}
CARDINAL_WORDS = frozenset({*ONES, *TENS, *SCALES, "hundred", "and", "a"})

_TOKEN_RE = re.compile(r"[A-Za-z]+|\d+")
_SEPARATOR_RE = re.compile(r"[\s,\-\u2013.]*")  # what may stand between the parts of a said number
# Stretches of two or more digit words or digit strings: the only places a run can be.
_CANDIDATE_RE = re.compile(
    r"\b(?:(?:" + "|".join([*DIGIT_WORDS, *REPEATS]) + r"|\d+)\b[\s,\-\u2013.]*){2,}", re.IGNORECASE)


@dataclass(frozen=True)
class Normalised:
    """A text with spoken digits rewritten, and where each of its characters came from."""

    text: str
    starts: tuple[int, ...] = ()  # text[i] came from original[starts[i]:ends[i]]
    ends: tuple[int, ...] = ()
    unchanged: bool = False  # nothing was rewritten: spans are the same in both

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for [start, end) of the normalised text."""
        if self.unchanged:
            return start, end
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0)
            return at, at
        return self.starts[start], self.ends[end - 1]


@dataclass(frozen=True)
class DigitRun:
    start: int
    end: int
    digits: str
    spans: tuple[tuple[int, int], ...]  # the word (or digit string) each digit came from


def normalise_digits(text: str) -> Normalised:
    """`text` with every certain spoken digit run written as digits."""
    runs = digit_runs(text)
    if not runs:
        return Normalised(text, unchanged=True)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cursor = 0
    for run in runs:
        out.append(text[cursor:run.start])
        starts.extend(range(cursor, run.start))
        ends.extend(range(cursor + 1, run.start + 1))
        out.append(run.digits)
        starts.extend(a for a, _ in run.spans)
        ends.extend(b for _, b in run.spans)
        cursor = run.end
    out.append(text[cursor:])
    starts.extend(range(cursor, len(text)))
    ends.extend(range(cursor + 1, len(text) + 1))
    return Normalised("".join(out), tuple(starts), tuple(ends))


def digit_runs(text: str) -> list[DigitRun]:
    """Each run of spoken digits worth rewriting."""
    runs: list[DigitRun] = []
    for candidate in _CANDIDATE_RE.finditer(text):
        runs.extend(_runs_in(text, candidate.start(), candidate.end()))
    return runs


def _runs_in(text: str, start: int, end: int) -> list[DigitRun]:
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _TOKEN_RE.finditer(text, start, end)]
    runs, i = [], 0
    while i < len(tokens):
        j, spans, spoken = _read_run(text, tokens, i)
        if j > i and len(spans) >= MIN_DIGITS and spoken:
            digits = "".join(d for d, _ in spans)
            runs.append(DigitRun(tokens[i][0], tokens[j - 1][1], digits, tuple(s for _, s in spans)))
            i = j
        else:
            i += 1
    return runs


def _read_run(text: str, tokens: list[tuple[int, int, str]],
              i: int) -> tuple[int, list[tuple[str, tuple[int, int]]], bool]:
    """From token i: (index after the run, each digit with its source span, any digit a word)."""
    spans: list[tuple[str, tuple[int, int]]] = []
    spoken, j = False, i
    while j < len(tokens):
        if j > i and not _SEPARATOR_RE.fullmatch(text[tokens[j - 1][1]:tokens[j][0]]):
            break
        start, end, word = tokens[j]
        if word.isdigit():
            spans.extend((d, (start, end)) for d in word)
            j += 1
        elif word in DIGIT_WORDS and not (word in ("o", "oh") and j == i
                                          and _followed_by_comma(text, tokens[j])):
            spans.append((DIGIT_WORDS[word], (start, end)))
            spoken, j = True, j + 1
        elif word in REPEATS and j + 1 < len(tokens) and _single_digit(tokens[j + 1][2]) \
                and text[end:tokens[j + 1][0]].isspace():
            span, digit = (start, tokens[j + 1][1]), _single_digit(tokens[j + 1][2])
            spans.extend((digit, span) for _ in range(REPEATS[word]))
            spoken, j = True, j + 2
        else:
            break
    return j, spans, spoken


def _single_digit(word: str) -> str | None:
    """The digit a word or a one-digit string stands for ("nine", "9"), else None."""
    if len(word) == 1 and word.isdigit():
        return word
    return DIGIT_WORDS.get(word)


def _followed_by_comma(text: str, token: tuple[int, int, str]) -> bool:
    return text[token[1]:token[1] + 1] in (",", "!")  # "Oh, ..." is an exclamation


def parse_cardinal(words: list[str]) -> int | None:
    """The value of a well-formed English cardinal ("two thousand five hundred and six")."""
    words = [w.lower() for part in words for w in part.split("-") if w]
    if not words or words[-1] in ("and", "a") or words[0] == "and":
        return None
    total, current, last, last_scale = 0, 0, "", 0
    for index, word in enumerate(words):
        if word == "a":
            if index != 0 or len(words) < 2 or words[1] not in ("hundred", *SCALES):
                return None
            current, last = 1, "ones"
            continue
        kind = _kind(word)
        if kind is None or not _may_follow(last, kind):
            return None
        if kind == "ones":
            if last == "tens" and ONES[word] >= 10:
                return None
            current += ONES[word]
        elif kind == "tens":
            current += TENS[word]
        elif kind == "hundred":
            if current == 0 or current >= 100:
                return None
            current *= 100
        elif kind == "scale":
            if current == 0 or (last_scale and SCALES[word] >= last_scale):
                return None
            last_scale = SCALES[word]
            total += current * SCALES[word]
            current = 0
        last = kind
    return total + current


def _kind(word: str) -> str | None:
    if word in ONES:
        return "ones"
    if word in TENS:
        return "tens"
    if word == "hundred":
        return "hundred"
    if word in SCALES:
        return "scale"
    if word == "and":
        return "and"
    return None


_FOLLOWS = {
    "": {"ones", "tens"},
    "ones": {"hundred", "scale"},
    "tens": {"ones", "hundred", "scale"},
    "hundred": {"and", "ones", "tens", "scale"},
    "scale": {"and", "ones", "tens"},
    "and": {"ones", "tens"},
}


def _may_follow(last: str, kind: str) -> bool:
    return kind in _FOLLOWS[last]
