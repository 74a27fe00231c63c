"""Voiceprints of speakers already known by their time spans, the recording read in blocks.

Each speaker's spans are cut into windows of WINDOW_S (a last piece shorter than half a
window is left out) and every window is embedded; a speaker's voiceprint is the unit mean of
its unit window embeddings, as the diarisation's own (engine._voiceprints). Memory is flat in
duration: only the audio of windows not yet embedded is kept, and decoding stops after the
last span.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from app.core.diarize.embedder import SAMPLE_RATE, SpeakerEmbedder
from app.core.diarize.engine import WINDOW_S
from app.core.diarize.vectors import unit

WINDOW = int(WINDOW_S * SAMPLE_RATE)


def span_windows(spans_ms: Sequence[tuple[int, int]], length: int | None = None) -> list[tuple[int, int]]:
    """(start, end) sample indices of the windows cut from `spans_ms`, clipped at `length`."""
    windows = []
    for start_ms, end_ms in spans_ms:
        start, end = start_ms * SAMPLE_RATE // 1000, end_ms * SAMPLE_RATE // 1000
        if length is not None:
            end = min(end, length)
        windows.extend((a, min(a + WINDOW, end)) for a in range(start, end, WINDOW)
                       if min(a + WINDOW, end) - a >= WINDOW // 2)
    return windows


def span_voiceprints(blocks: Iterable[np.ndarray], spans: Mapping[str, Sequence[tuple[int, int]]],
                     embedder: SpeakerEmbedder) -> dict[str, tuple[np.ndarray, int]]:
    """{speaker: (unit voiceprint, windows embedded)} from consecutive 16 kHz mono `blocks`;
    a speaker none of whose windows lies in the audio is left out."""
    pending = deque(sorted((a, b, label) for label, s in spans.items() for a, b in span_windows(s)))
    sums: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    buffer, at = np.zeros(0, dtype=np.float32), 0  # the buffer holds the samples from `at` on
    for block in blocks:
        if not pending:
            break
        buffer = np.concatenate([buffer, np.asarray(block, dtype=np.float32)])
        end = at + len(buffer)
        ready = []
        while pending and pending[0][1] <= end:
            ready.append(pending.popleft())
        _add(embedder, [(buffer[a - at : b - at], label) for a, b, label in ready], sums, counts)
        keep = min(pending[0][0], end) if pending else end
        buffer, at = buffer[keep - at :], keep
    end = at + len(buffer)  # the audio ended before some spans did: what it holds of them
    _add(embedder, [(buffer[a - at : min(b, end) - at], label) for a, b, label in pending
                    if min(b, end) - a >= WINDOW // 2], sums, counts)
    return {label: (unit(v).astype(np.float32), counts[label]) for label, v in sums.items()}


def _add(embedder: SpeakerEmbedder, pieces: list[tuple[np.ndarray, str]],
         sums: dict[str, np.ndarray], counts: dict[str, int]) -> None:
    if not pieces:
        return
    for (_, label), row in zip(pieces, embedder.embed([p for p, _ in pieces])):
        sums[label] = sums.get(label, 0) + row
        counts[label] = counts.get(label, 0) + 1
