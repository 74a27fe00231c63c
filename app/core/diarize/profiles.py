"""Voice profiles: a speaker's voiceprint kept for a case, compared with new speakers.

A profile is the normalised mean of unit voiceprints (from diarised speakers or from
segments the user marks). A match is a cosine score in [-1, 1]; at or above
MATCH_THRESHOLD it may be *offered* to the user as the same voice, never applied as a
fact. The threshold was set on the eval conversations (see the README's figures).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.core.diarize.embedder import SAMPLE_RATE
from app.core.diarize.engine import DiarizeError, load_embedder
from app.core.diarize.span_prints import span_windows
from app.core.diarize.threshold import MATCH_THRESHOLD
from app.core.diarize.vectors import unit

MIN_ENROL_S = 3.0  # less marked speech than this makes no reliable profile


@dataclass(frozen=True)
class Match:
    speaker_index: int
    profile: str
    score: float


def profile_embedding(voiceprints: Sequence[np.ndarray]) -> np.ndarray:
    """One profile from several unit voiceprints (e.g. the same person in two exhibits)."""
    if not voiceprints:
        raise DiarizeError("a voice profile needs at least one voiceprint")
    return unit(np.mean([unit(np.asarray(v, dtype=np.float32)) for v in voiceprints], axis=0)).astype(np.float32)


def enrol(audio: np.ndarray, spans_ms: Sequence[tuple[int, int]], model_dir: Path,
          threads: int = 2) -> np.ndarray:
    """A profile from the spans of `audio` (16 kHz mono) that the user marked as one person."""
    pieces = [audio[a:b] for a, b in span_windows(spans_ms, len(audio))]
    if sum(len(p) for p in pieces) < MIN_ENROL_S * SAMPLE_RATE:
        raise DiarizeError(f"a voice profile needs at least {MIN_ENROL_S:.0f} s of marked speech")
    return profile_embedding(list(load_embedder(model_dir, threads).embed(pieces)))


def match(profile: np.ndarray, voiceprint: np.ndarray) -> float:
    """Cosine similarity of a profile and a speaker's voiceprint."""
    return float(np.dot(unit(np.asarray(profile)).astype(np.float32), unit(np.asarray(voiceprint)).astype(np.float32)))


def suggest(profiles: Mapping[str, np.ndarray], voiceprints: Sequence[np.ndarray],
            threshold: float = MATCH_THRESHOLD) -> tuple[Match, ...]:
    """For each diarised speaker, its best profile if it scores at or above the threshold.

    A profile is offered to one speaker at most (the best-scoring one)."""
    candidates = sorted(
        (Match(i, name, match(profile, voice))
         for i, voice in enumerate(voiceprints) for name, profile in sorted(profiles.items())),
        key=lambda m: (-m.score, m.speaker_index, m.profile),
    )
    taken_speakers: set[int] = set()
    taken_profiles: set[str] = set()
    offers = []
    for candidate in candidates:
        if candidate.score < threshold:
            break
        if candidate.speaker_index in taken_speakers or candidate.profile in taken_profiles:
            continue
        taken_speakers.add(candidate.speaker_index)
        taken_profiles.add(candidate.profile)
        offers.append(candidate)
    return tuple(sorted(offers, key=lambda m: m.speaker_index))
