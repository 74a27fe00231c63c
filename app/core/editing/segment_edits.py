"""Pure edits of a segment held as a dict: realign words after typing, split, merge, find.

Segments are dicts as the working copy stores them (`app/core/store/working_copy.py`);
words are [start_ms, end_ms, text, probability]. No store, no I/O: the editing
operations (`app/core/editing/operations.py`) apply these inside their transactions.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from app.core.errors import ParleyError
from app.core.types import FLAG_INAUDIBLE

TYPED_WORD_PROBABILITY = 1.0

SegmentDict = dict[str, Any]


class EditError(ParleyError):
    """An edit that cannot be made (unknown segment, bad split point, stale undo...)."""


def find_pattern(find: str, match_case: bool = False, whole_words: bool = False) -> re.Pattern[str]:
    body = re.escape(find)
    if whole_words:
        body = rf"(?<!\w){body}(?!\w)"
    return re.compile(body, 0 if match_case else re.IGNORECASE)


def realign_words(words: list[list[Any]], text: str) -> list[list[Any]]:
    """Keep the machine's words that survive an edit; interpolate typed ones.

    Words are [start_ms, end_ms, text, probability]. Unchanged words keep their
    timing and probability; words a person typed get probability 1.0 and times
    spread over the words they replaced (zero-length at an insertion point).
    """
    if not words:
        return []
    old = [str(w[2]).strip() for w in words]
    new = text.split()
    out: list[list[Any]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(list(w) for w in words[i1:i2])
            continue
        if tag == "delete":
            continue
        if i2 > i1:
            start, end = int(words[i1][0]), int(words[i2 - 1][1])
        else:
            start = end = int(words[i1 - 1][1]) if i1 > 0 else int(words[0][0])
        count = j2 - j1
        for k, token in enumerate(new[j1:j2]):
            a = start + (end - start) * k // count
            b = start + (end - start) * (k + 1) // count
            out.append([a, b, " " + token, TYPED_WORD_PROBABILITY])
    return out


def split_segment(seg: SegmentDict, offset: int, at_ms: int | None = None) -> tuple[SegmentDict, SegmentDict]:
    text = seg["text"]
    left_text, right_text = text[:offset].rstrip(), text[offset:].lstrip()
    if not left_text or not right_text:
        raise EditError("split inside the text: both parts need some words")
    words = seg["words"]
    positions = word_positions(text, words)
    left_words = [w for w, pos in zip(words, positions) if pos < offset]
    right_words = [w for w, pos in zip(words, positions) if pos >= offset]
    if at_ms is None:
        if left_words and right_words:
            at_ms = (int(left_words[-1][1]) + int(right_words[0][0])) // 2
        else:
            at_ms = seg["start_ms"] + (seg["end_ms"] - seg["start_ms"]) * offset // max(1, len(text))
    at_ms = min(max(int(at_ms), seg["start_ms"]), seg["end_ms"])
    left = {**seg, "text": left_text, "end_ms": at_ms, "words": left_words}
    right = {**seg, "id": None, "origin_segment_id": None, "text": right_text, "start_ms": at_ms,
             "words": right_words, "source_text": None}
    return left, right


def word_positions(text: str, words: list[list[Any]]) -> list[int]:
    """Character offset of each word in the text (found in order; unfound words follow on)."""
    positions, cursor = [], 0
    for w in words:
        token = str(w[2]).strip()
        found = text.find(token, cursor) if token else -1
        if found >= 0:
            cursor = found + len(token)
            positions.append(found)
        else:
            positions.append(cursor)
    return positions


def merge_segments(segs: list[SegmentDict]) -> SegmentDict:
    segs = sorted(segs, key=lambda s: (s["start_ms"], s["id"] or 0))
    first = segs[0]
    logprobs = [s["avg_logprob"] for s in segs if s["avg_logprob"] is not None]
    no_speech = [s["no_speech_prob"] for s in segs if s["no_speech_prob"] is not None]
    sources = [s["source_text"] for s in segs if s["source_text"]]
    flags: list[str] = []
    for s in segs:
        flags.extend(f for f in s["flags"] if f not in flags)
    return {
        **first,
        "start_ms": min(s["start_ms"] for s in segs),
        "end_ms": max(s["end_ms"] for s in segs),
        "text": (text := " ".join(s["text"].strip() for s in segs if s["text"].strip())),
        "words": [w for s in segs for w in s["words"]],
        "flags": [f for f in flags if f != FLAG_INAUDIBLE or not text],  # merged with words: not inaudible
        "avg_logprob": sum(logprobs) / len(logprobs) if logprobs else None,
        "no_speech_prob": min(no_speech) if no_speech else None,
        "source_text": " ".join(sources) if sources else None,
    }

