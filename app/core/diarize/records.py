"""Records the diarisation engine hands out: speech turns and per-speaker voiceprints.

Times are integer milliseconds like everywhere else in Parley. Speaker indices are
0-based and numbered in order of first appearance, so index 0 becomes "Speaker 1".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Turn:
    """One stretch of one speaker's speech. Overlapped turns carry overlap=True."""

    start_ms: int
    end_ms: int
    speaker_index: int
    overlap: bool = False

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class DiarResult:
    """Who spoke when. `embeddings[i]` is speaker i's mean voiceprint (unit length)."""

    turns: tuple[Turn, ...]
    speakers: int
    embeddings: tuple[np.ndarray, ...] = ()
    model_sha256: str = ""
    settings: tuple[tuple[str, object], ...] = ()

    def labels(self) -> tuple[str, ...]:
        return tuple(speaker_label(i) for i in range(self.speakers))


def speaker_label(index: int) -> str:
    """0 -> "Speaker 1", in order of first appearance."""
    return f"Speaker {index + 1}"
