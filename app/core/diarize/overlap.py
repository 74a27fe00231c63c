"""Overlapped speech and speaker changes from the segmentation model's local speakers.

While the recording is read, each 10 s window's local speakers are kept as a few runs
(window, local speaker, start, end, overlapped), a few dozen bytes per second of speech,
and the stretches where the windows hear two voices at once as overlap regions. Once
the voiceprints are clustered, each local speaker is mapped to the global speaker whose
turns cover its solo speech most, and each overlap region is given to the two global
speakers heard there: the one whose turn already covers it keeps it, the other gets an
extra turn flagged `overlap`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.core.diarize.records import Turn
from app.core.diarize.segmentation import Frames, runs

OVERLAP_SCORE = 0.3  # probability of two voices at once (eval: 0.5 missed half the overlaps)
MIN_OVERLAP_MS = 100  # shorter overlaps are not marked
NEAR_MS = 1000  # the second voice must have a turn of its own this close to the overlap
MIN_SOLO_MS = 300  # a local speaker heard alone for less than this makes no speaker change


@dataclass(frozen=True)
class LocalRun:
    window: int  # global window number
    speaker: int  # local speaker 0..2 within that window
    start_ms: int
    end_ms: int
    overlapped: bool  # another local speaker talks at the same time


@dataclass
class LocalSpeakers:
    """What the segmentation model heard, gathered buffer by buffer."""

    runs: list[LocalRun]
    overlaps: list[tuple[int, int]]
    windows: int = 0

    @classmethod
    def empty(cls) -> LocalSpeakers:
        return cls([], [])

    def take(self, frames: Frames, offset_ms: int, until_ms: int) -> None:
        """Add the runs and overlaps of `frames` (a buffer starting at offset_ms) ending
        before until_ms (buffer-relative): the rest is read again with the next buffer."""
        for window in frames.windows:
            number = self.windows
            self.windows += 1
            talking = window.active.sum(axis=1)
            for speaker in range(window.active.shape[1]):
                mask = window.active[:, speaker].astype(bool)
                for overlapped, part in ((False, mask & (talking == 1)), (True, mask & (talking >= 2))):
                    for a, b in runs(part):
                        start, end = _ms(frames, window.first + a), _ms(frames, window.first + b)
                        if start < until_ms:
                            self.runs.append(LocalRun(number, speaker, offset_ms + start,
                                                      offset_ms + min(end, until_ms), overlapped))
        for a, b in runs(frames.overlap >= OVERLAP_SCORE):
            start, end = _ms(frames, a), min(_ms(frames, b), until_ms)
            if end - start >= MIN_OVERLAP_MS:
                self.overlaps.append((offset_ms + start, offset_ms + end))

    def heard_in(self, spans_ms: Sequence[tuple[int, int]], since: int = 0) -> list[tuple[int, int] | None]:
        """For each span, the (window, local speaker) heard alone over most of it, among
        the runs from number `since` on; None where no local speaker has half of it."""
        solo = [run for run in self.runs[since:] if not run.overlapped]
        keys = []
        for start, end in spans_ms:
            shares = [(min(end, r.end_ms) - max(start, r.start_ms), r.window, r.speaker) for r in solo
                      if r.start_ms < end and r.end_ms > start]
            share, window, speaker = max(shares, default=(0, 0, 0))
            keys.append((window, speaker) if 2 * share > end - start else None)
        return keys

    def overlap_turns(self, turns: Sequence[Turn]) -> tuple[Turn, ...]:
        """Extra turns, flagged overlap, for the second voice of each overlap region."""
        mapping = self._mapping(turns)
        extra = []
        for start, end in self.overlaps:
            present = _covering(start, end, turns)
            voices = self._voices(start, end, mapping)
            if len(voices) < 2 and present is not None and present not in voices:
                voices.append(present)
            if len(voices) < 2:
                # the second voice is not heard alone in this window: the one taking over
                # from (or handing over to) the voice already there
                other = _nearest_other(start, end, present, turns)
                voices += [] if other is None or other in voices else [other]
            if len(voices) < 2:
                continue
            for speaker in voices[:2]:
                if speaker == present or _talks_near(speaker, start, end, turns):
                    extra.extend(Turn(a, b, speaker, overlap=True)
                                 for a, b in _uncovered(start, end, speaker, turns))
        return tuple(extra)

    def _mapping(self, turns: Sequence[Turn]) -> dict[tuple[int, int], int]:
        """(window, local speaker) -> the global speaker covering its solo speech most."""
        cover: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for run in self.runs:
            if run.overlapped:
                continue
            for turn in turns:
                shared = min(run.end_ms, turn.end_ms) - max(run.start_ms, turn.start_ms)
                if shared > 0:
                    cover[(run.window, run.speaker)][turn.speaker_index] += shared
        return {key: max(votes.items(), key=lambda kv: (kv[1], -kv[0]))[0] for key, votes in cover.items()}

    def _voices(self, start: int, end: int, mapping: dict[tuple[int, int], int]) -> list[int]:
        """Global speakers heard overlapping in [start, end], most heard first."""
        heard: dict[int, int] = defaultdict(int)
        for run in self.runs:
            shared = min(run.end_ms, end) - max(run.start_ms, start)
            if run.overlapped and shared > 0 and (run.window, run.speaker) in mapping:
                heard[mapping[(run.window, run.speaker)]] += shared
        return [s for s, _ in sorted(heard.items(), key=lambda kv: (-kv[1], kv[0]))]


def change_points(frames: Frames, rate: int) -> list[int]:
    """Sample indices where a window's solo local speaker changes to another, each side
    heard alone for at least MIN_SOLO_MS (a blip of another voice is no change)."""
    shortest = MIN_SOLO_MS / 1000 / frames.step_s
    points = []
    for window in frames.windows:
        solo = np.where(window.active.sum(axis=1) == 1, window.active.argmax(axis=1), -1)
        spans = [(a, b, int(solo[a])) for speaker in range(window.active.shape[1])
                 for a, b in runs(solo == speaker) if b - a >= shortest]
        spans.sort()
        for (_, end, before), (start, _, after) in itertools.pairwise(spans):
            if before != after:
                points.append(int(frames.time(window.first + (end + start) / 2) * rate))
    return sorted(points)


def _nearest_other(start: int, end: int, present: int | None, turns: Sequence[Turn]) -> int | None:
    """The speaker other than `present` whose turn comes nearest [start, end], within NEAR_MS."""
    gaps = [(max(t.start_ms - end, start - t.end_ms, 0), t.speaker_index) for t in turns
            if t.speaker_index != present]
    gap, speaker = min(gaps, default=(NEAR_MS + 1, None))
    return speaker if gap <= NEAR_MS else None


def _talks_near(speaker: int, start: int, end: int, turns: Sequence[Turn]) -> bool:
    """Whether `speaker` has a turn of their own within NEAR_MS of [start, end]: two voices at
    once come where one takes over from the other (eval: every true overlap; the one false
    one was inside a turn, 1.6 s from the other voice)."""
    return any(t.speaker_index == speaker and t.start_ms - NEAR_MS <= end and t.end_ms + NEAR_MS >= start
               for t in turns)


def _uncovered(start: int, end: int, speaker: int, turns: Sequence[Turn]) -> list[tuple[int, int]]:
    """The parts of [start, end] that none of `speaker`'s turns covers (at least MIN_OVERLAP_MS)."""
    pieces = [(start, end)]
    for turn in (t for t in turns if t.speaker_index == speaker):
        pieces = [part for a, b in pieces
                  for part in ((a, min(b, turn.start_ms)), (max(a, turn.end_ms), b)) if part[1] > part[0]]
    return [(a, b) for a, b in pieces if b - a >= MIN_OVERLAP_MS]


def _covering(start: int, end: int, turns: Sequence[Turn]) -> int | None:
    best, most = None, 0
    for turn in turns:
        shared = min(end, turn.end_ms) - max(start, turn.start_ms)
        if shared > most:
            best, most = turn.speaker_index, shared
    return best


def _ms(frames: Frames, frame: float) -> int:
    return round(frames.time(frame) * 1000)
