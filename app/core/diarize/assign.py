"""Words to speakers: each word goes to the turn it overlaps most; segments split where
the speaker changes; labels "Speaker 1".."Speaker N" in order of first appearance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from app.core.diarize.records import Turn, speaker_label
from app.core.types import FLAG_OVERLAP, Segment, Word


def speaker_at(start_ms: int, end_ms: int, turns: Sequence[Turn]) -> tuple[int | None, bool]:
    """The speaker whose turns cover [start, end] most (else the nearest turn), and
    whether the span touches overlapped speech. (None, False) when there are no turns.
    A word in overlapped speech goes to the voice whose own turn it is in (the turns added
    for the second voice of an overlap count only where no such turn covers it)."""
    if not turns:
        return None, False
    covered: dict[int, tuple[int, int]] = {}  # speaker -> (ms in own turns, ms in overlap turns)
    overlap = False
    for turn in turns:
        shared = min(end_ms, turn.end_ms) - max(start_ms, turn.start_ms)
        if shared > 0 or (start_ms == end_ms and turn.start_ms <= start_ms <= turn.end_ms):
            own, extra = covered.get(turn.speaker_index, (0, 0))
            part = max(shared, 0) if shared > 0 else 1
            covered[turn.speaker_index] = (own, extra + part) if turn.overlap else (own + part, extra)
            overlap = overlap or turn.overlap
    if covered:
        best = max(covered.items(), key=lambda item: (item[1], -item[0]))[0]
        return best, overlap or len(covered) > 1 and _simultaneous(start_ms, end_ms, turns)
    middle = (start_ms + end_ms) / 2
    nearest = min(turns, key=lambda t: (min(abs(t.start_ms - middle), abs(t.end_ms - middle)), t.start_ms))
    return nearest.speaker_index, False


def _simultaneous(start_ms: int, end_ms: int, turns: Sequence[Turn]) -> bool:
    """True when two speakers' turns overlap each other inside [start, end]."""
    inside = [t for t in turns if t.start_ms < end_ms and t.end_ms > start_ms]
    return any(
        a.speaker_index != b.speaker_index and a.start_ms < b.end_ms and b.start_ms < a.end_ms
        for i, a in enumerate(inside) for b in inside[i + 1 :]
    )


def assign_speakers(segments: Sequence[Segment], turns: Sequence[Turn]) -> tuple[Segment, ...]:
    """Segments with `speaker` set, split at every change of speaker between words."""
    return assign_with_labels(segments, turns)[0]


def assign_with_labels(segments: Sequence[Segment], turns: Sequence[Turn]
                       ) -> tuple[tuple[Segment, ...], dict[int, str]]:
    """assign_speakers, and which label each diarised speaker index got (a speaker with no
    words gets none)."""
    if not turns:
        return tuple(segments), {}
    pieces: list[tuple[Segment, int]] = []
    for segment in segments:
        pieces.extend(_split(segment, turns))
    order: dict[int, int] = {}
    for _, index in pieces:
        order.setdefault(index, len(order))
    labelled = tuple(replace(piece, speaker=speaker_label(order[index])) for piece, index in pieces)
    return labelled, {index: speaker_label(number) for index, number in order.items()}


def _split(segment: Segment, turns: Sequence[Turn]) -> list[tuple[Segment, int]]:
    if not segment.words:
        index, overlap = speaker_at(segment.start_ms, segment.end_ms, turns)
        return [(_flagged(segment, overlap), index)]
    runs: list[tuple[int, list[Word], bool]] = []
    for word in segment.words:
        index, overlap = speaker_at(word.start_ms, word.end_ms, turns)
        if runs and runs[-1][0] == index:
            runs[-1][1].append(word)
            runs[-1] = (index, runs[-1][1], runs[-1][2] or overlap)
        else:
            runs.append((index, [word], overlap))
    if len(runs) == 1:
        return [(_flagged(segment, runs[0][2]), runs[0][0])]
    result = []
    for number, (index, words, overlap) in enumerate(runs):
        start = segment.start_ms if number == 0 else words[0].start_ms
        end = segment.end_ms if number == len(runs) - 1 else words[-1].end_ms
        piece = replace(
            segment, start_ms=start, end_ms=end, text="".join(w.text for w in words).strip(),
            words=tuple(words), id=None,
        )
        result.append((_flagged(piece, overlap), index))
    return result


def _flagged(segment: Segment, overlap: bool) -> Segment:
    if not overlap or FLAG_OVERLAP in segment.flags:
        return segment
    return replace(segment, flags=(*segment.flags, FLAG_OVERLAP))
