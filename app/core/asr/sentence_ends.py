"""Segment boundaries moved from mid-sentence to the nearest sentence end.

Whisper ends a segment where its 30 s window or its timestamp tokens fall, often in the
middle of a sentence ("... Please" | "take your full name."). A proofreader reads and
signs a record of interview segment by segment, so one speaker's consecutive segments
(a pause of at most JOIN_GAP_MS between them) form a flow in which each boundary that
does not follow a sentence end moves to the nearest word that ends one (at most
MAX_SHIFT_MS away, else it stays where it was); the flow's start and end count as
sentence ends, so a sentence cut in two with no other end near becomes one segment. Words, their times and the text are
kept exactly; only where one segment stops and the next starts changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from app.core.translation.sentences import split_sentences
from app.core.types import Segment, Word

JOIN_GAP_MS = 1000  # a longer pause between two segments is a boundary in its own right
MAX_SHIFT_MS = 5000  # a boundary moves at most this far to reach a sentence end


def mend_sentences(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """`segments` with each flow's mid-sentence boundaries moved to sentence ends."""
    result: list[Segment] = []
    for flow in _flows(segments):
        result.extend(flow if len(flow) == 1 else _reflowed(flow))
    return tuple(result)


def ends_sentence(word: str, following: str) -> bool:
    """Whether a sentence ends after `word` when `following` comes next."""
    return len(split_sentences(f"{word} {following}")) > 1


def _flows(segments: Sequence[Segment]) -> list[list[Segment]]:
    flows: list[list[Segment]] = []
    for segment in segments:
        last = flows[-1][-1] if flows else None
        if last is not None and _joinable(last, segment):
            flows[-1].append(segment)
        else:
            flows.append([segment])
    return flows


def _joinable(first: Segment, second: Segment) -> bool:
    return (bool(first.words) and bool(second.words) and first.speaker == second.speaker
            and first.channel == second.channel and second.start_ms - first.end_ms <= JOIN_GAP_MS)


def _reflowed(flow: list[Segment]) -> list[Segment]:
    words = [w for segment in flow for w in segment.words]
    owner = [n for n, segment in enumerate(flow) for _ in segment.words]
    ends = [i + 1 for i in range(len(words) - 1) if ends_sentence(words[i].text, words[i + 1].text)]
    original = _original_cuts(flow)
    cuts: list[int] = []
    for cut in (_moved(c, ends, words) for c in original):
        if 0 < cut < len(words) and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    if cuts == original:
        return flow
    bounds = [0, *cuts, len(words)]
    return [_piece(flow, words[a:b], owner[a:b]) for a, b in itertools.pairwise(bounds)]


def _moved(cut: int, ends: list[int], words: list[Word]) -> int:
    """Where the boundary before word `cut` goes: itself if a sentence ends there, else the
    nearest sentence end within MAX_SHIFT_MS."""
    if cut in ends:
        return cut
    at = words[cut].start_ms
    # the flow's own start and end count as sentence ends: moving there joins two segments
    starts = {e: words[e].start_ms for e in ends} | {0: words[0].start_ms, len(words): words[-1].end_ms}
    best = min(starts, key=lambda e: (abs(starts[e] - at), e))
    return best if abs(starts[best] - at) <= MAX_SHIFT_MS else cut


def _original_cuts(flow: list[Segment]) -> list[int]:
    """Where the flow's segments meet, as indices into its words."""
    return list(itertools.accumulate(len(segment.words) for segment in flow[:-1]))


def _piece(flow: list[Segment], words: list[Word], owners: list[int]) -> Segment:
    """A new segment of `words`, taking what it can from the segments the words came from;
    an edge that was a segment's edge keeps that segment's time."""
    sources = [flow[n] for n in dict.fromkeys(owners)]
    if len(sources) == 1 and list(sources[0].words) == words:
        return sources[0]
    first, last = sources[0], sources[-1]
    scores = [s.avg_logprob for s in sources if s.avg_logprob is not None]
    return replace(
        first,
        start_ms=first.start_ms if first.words[0] == words[0] else words[0].start_ms,
        end_ms=last.end_ms if last.words[-1] == words[-1] else words[-1].end_ms,
        text="".join(w.text for w in words).strip(),
        words=tuple(words),
        avg_logprob=min(scores) if scores else None,
        flags=tuple(dict.fromkeys(f for s in sources for f in s.flags)),
        id=None,
    )
