"""Rules on decoded token sequences (timestamp tokens are >= `timestamp_begin`, in
20 ms steps): where a piece's reading ends, loops, held-back endings, and the
compression ratio that Whisper's own checks use."""

from __future__ import annotations

import zlib


def cut_after(tokens: list[int], timestamp_begin: int, end: int) -> list[int]:
    """Drop what follows the first segment the decoder starts at or after `end`
    (20 ms steps, with 300 ms of slack): that is silence or a second reading. Words
    of the piece that the decoder mistimed past its end are kept here; alignment
    decides (see _records)."""
    for i in range(1, len(tokens)):
        if tokens[i] >= timestamp_begin and tokens[i - 1] >= timestamp_begin and tokens[i] - timestamp_begin >= end + 15:
            return tokens[:i]
    if tokens and tokens[-1] < timestamp_begin:  # cut short by the token budget: close the segment
        return tokens + [timestamp_begin + max(end, max((t - timestamp_begin for t in tokens if t >= timestamp_begin), default=0))]
    return tokens


def is_looping(tokens: list[int], timestamp_begin: int) -> bool:
    """A segment of several tokens that lasts, by its own timestamps, 40 ms or less:
    no one speaks that fast; the decoder is reading the same speech again (a loop
    the compression ratio can miss when it is only two or three times long)."""
    start, count = None, 0
    for token in tokens:
        if token < timestamp_begin:
            count += 1
            continue
        if start is not None and count >= 4 and token - timestamp_begin - start <= 2:
            return True
        start, count = token - timestamp_begin, 0
    return False


def last_time(tokens: list[int], timestamp_begin: int) -> int:
    return max((t - timestamp_begin for t in tokens if t >= timestamp_begin), default=0)


def held_back(tokens: list[int], timestamp_begin: int, end: int) -> bool:
    """The decoder opened a segment and stopped (no single closing timestamp, in
    faster-whisper's terms) well before its piece ends: it held something back."""
    pair = len(tokens) >= 2 and tokens[-1] >= timestamp_begin and tokens[-2] >= timestamp_begin
    return pair and last_time(tokens, timestamp_begin) < end - 25


def reopen(tokens: list[int], timestamp_begin: int) -> list[int]:
    """Tokens ending with an open segment (a start timestamp), to prompt a continuation."""
    if len(tokens) >= 2 and tokens[-1] >= timestamp_begin and tokens[-2] >= timestamp_begin:
        return list(tokens)
    if tokens and tokens[-1] >= timestamp_begin:
        return list(tokens) + [tokens[-1]]
    return list(tokens)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0
