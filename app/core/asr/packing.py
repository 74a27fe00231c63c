"""Packing speech pieces into 30 s windows, and grouping them into decode batches.

On a CPU the Whisper encoder costs the same for a 30 s window whatever is in it,
and dominates a short clip. So speech pieces (the VAD-trimmed speech of a short
file, or one VAD chunk of a long file) are *packed* several to a window, in
order, separated by silence, and the window is encoded once (decoder.py decodes
each piece on its own). Pieces are gain-normalised before packing, because
Whisper's log-mel is normalised per window: a very quiet clip packed next to a
loud one would otherwise sink into the floor of the window.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from app.core.asr.speech import SpeechChunk
from app.core.media.decode import SAMPLE_RATE
from app.core.models.device import Placement
from app.core.types import Segment

WINDOW_SAMPLES = 30 * SAMPLE_RATE
SAMPLES_PER_FRAME = 320  # one encoder frame = 20 ms
ENCODER_FRAMES = 1500
MEMORY_LEAD = 50  # encoder frames (1 s) kept before a piece in what the decoder attends to
MEMORY_TAIL = 150  # ... and after it (3 s of silence: the decoder sees the speech end)
SPAN_STEP = 250  # memory spans are rounded up to a multiple of this (5 s): pieces batch by span


@dataclass(frozen=True)
class BatchOptions:
    gap_s: float = 3.0  # silence between two pieces packed in one window (README, "Measured figures")
    margin_s: float = 0.2  # encoder states kept either side of a piece in its composite
    decode_batch: int = 8  # composites per beam search (and per group of windows, long files)
    pack: bool = True  # False: one piece per window (no packing, still batched decoding)
    max_clip_s: float = 60.0  # longer sources go through the long-file path
    target_rms: float = 0.05  # gain normalisation of each piece (peak kept below 0.99)
    group_windows: int = 16  # windows encoded before their pieces are decoded (bounds memory)
    even_groups: bool = True  # short files shared out in groups of one size (clips._groups); False: runs before session 17
    decode_frames: int = 0  # pieces x memory frames per beam search at most (0: only decode_batch bounds it)
    mixed_languages: bool = False  # True: short files' pieces in several languages share beam searches
    # (batched.language_batches): 5% less CPU on the 112 clips, but one English clip's text changed (README)
    reread_min_language: float = 0.8  # a packed piece (not one alone in its window) left with speech and no words,
    # or speech its words leave unread, is read again alone when its language is at least this sure; below, never
    # (a re-read invents words in a guessed language): its words are kept only where they cover its speech


DEFAULT_BATCH = BatchOptions()  # a CPU's
EARLIER_GAP_S = 1.5  # the packing gap of runs that recorded none (made before session 12)


# A long recording's beam search, language check and word alignment on a CPU hold at most two 30 s pieces
# (issue #15: peak memory flat in duration). Each holds its pieces' encoder states projected for every
# decoder layer, and the alignment every head's attention over them: measured alone (resident rise,
# base, 11.7 min file, the first 5 min), four 30 s pieces 213 MB to decode and 251 MB to align, two
# 123-165 and 122-157 MB. The two replicas each ran four from the first group of eight windows (a
# recording past about 7 min of speech): a shorter one never did, so the peak rose with duration.
# Cut in two the words are the same (CTranslate2 decodes each piece of a batch on its own: int8
# products summed exactly, activations scaled per row), and the CPU the same (17.0 / 16.8 s).
LONG_DECODE_FRAMES = 2 * ENCODER_FRAMES


def for_long_recordings(batch: BatchOptions, device: str) -> BatchOptions:
    """`batch` with a long recording's frame bound (LONG_DECODE_FRAMES) on a CPU. A GPU's decode
    batch is planned from its free memory already (device.plan), and left alone."""
    if device != "cpu" or batch.decode_frames:
        return batch
    return replace(batch, decode_frames=LONG_DECODE_FRAMES)


def batch_for(placement: Placement) -> BatchOptions:
    """The batch options for a device: its decode batch and group of windows (device.plan)."""
    return replace(DEFAULT_BATCH, decode_batch=placement.decode_batch, group_windows=placement.group_windows)


@dataclass
class Piece:
    owner: int  # index of its source (or 0 for a long file)
    chunk: SpeechChunk
    audio: np.ndarray  # gain-normalised
    window: int = -1
    alone: bool = False  # the only piece in its window
    offset: int = 0  # sample offset inside its window
    segments: list[Segment] = field(default_factory=list)
    language: tuple[str, float] | None = None  # what its text was decoded in, and how sure (batched.decode_pieces)
    heard: list[tuple[str, float, str]] = field(default_factory=list)  # each detection: language, probability, how
    parts: list[Piece] = field(default_factory=list)  # cut where its language changes (language_check.mixed_pieces)

    @property
    def frames(self) -> tuple[int, int]:
        return self.offset // SAMPLES_PER_FRAME, -(-(self.offset + len(self.audio)) // SAMPLES_PER_FRAME)


OPENER_MS = 2000  # a first speech region this short (Silero's, with its padding) before more speech: an opener
AFTER_OPENER_MS = 3000  # ... and at least this much speech after it: enough to judge its language on


def after_opener(piece: Piece) -> np.ndarray | None:
    """The piece's audio after its opener (a cough, "hello?", a name: a first speech region of OPENER_MS or
    less with more speech after it), where the speech regions after it hold at least AFTER_OPENER_MS; else
    None (silence after an opener is not speech to judge on). A 0.6 s slice of the Polish note put before
    it read the whole note as Hungarian 32% (Polish 46% on its own frames, 83% after the opener)."""
    regions = piece.chunk.regions
    if len(regions) < 2 or regions[0][1] - regions[0][0] > OPENER_MS:
        return None
    if sum(end - start for start, end in regions[1:]) < AFTER_OPENER_MS:
        return None
    return piece.audio[(regions[1][0] - piece.chunk.start_ms) * SAMPLE_RATE // 1000:]


def normalise_gain(audio: np.ndarray, target_rms: float) -> np.ndarray:
    peak = float(np.abs(audio).max()) if len(audio) else 0.0
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
    if peak <= 1e-6 or rms <= 1e-7:
        return audio
    gain = min(target_rms / rms, 0.99 / peak)
    return (audio * gain).astype(np.float32)


class Packer:
    """Places pieces in order into 30 s windows, `gap_s` of silence apart.

    Deterministic from any window start, so a long file resumed at a window
    boundary packs its remaining chunks exactly as the uninterrupted run did.
    """

    def __init__(self, batch: BatchOptions) -> None:
        self.batch = batch
        self.window: list[Piece] = []
        self.cursor = 0

    def add(self, piece: Piece) -> list[list[Piece]]:
        """Place `piece`; returns the window it closed, if any."""
        closed = self.close() if self.window and (
            not self.batch.pack or self.cursor + len(piece.audio) > WINDOW_SAMPLES) else []
        piece.offset = self.cursor
        self.window.append(piece)
        self.cursor += len(piece.audio) + int(self.batch.gap_s * SAMPLE_RATE)
        return closed

    def close(self) -> list[list[Piece]]:
        window, self.window, self.cursor = self.window, [], 0
        return [window] if window else []


def pack(pieces: list[Piece], batch: BatchOptions) -> list[list[Piece]]:
    packer = Packer(batch)
    windows = [w for p in pieces for w in packer.add(p)]
    return windows + packer.close()


def start_token(piece: Piece) -> int:
    """Timestamp index (20 ms steps) at or just before the piece's start in its window."""
    return min(ENCODER_FRAMES, piece.offset // SAMPLES_PER_FRAME)


def end_token(piece: Piece) -> int:
    return min(ENCODER_FRAMES, -(-(piece.offset + len(piece.audio)) // SAMPLES_PER_FRAME))


def window_audio(window: list[Piece]) -> np.ndarray:
    end = max(p.offset + len(p.audio) for p in window)
    audio = np.zeros(end, dtype=np.float32)
    for p in window:
        audio[p.offset : p.offset + len(p.audio)] = p.audio
    return audio


def by_span(pieces: list[Piece]) -> list[list[Piece]]:
    """`pieces` grouped by memory span (shortest first), in order within a group."""
    groups: dict[int, list[Piece]] = {}
    for p in pieces:
        groups.setdefault(memory_span(p), []).append(p)
    return [groups[span] for span in sorted(groups)]


def memory_span(piece: Piece) -> int:
    """Frames of decoder memory for `piece`: its own, MEMORY_LEAD and MEMORY_TAIL, rounded
    up to 5 s. The same whatever it is batched with, so its result does not depend
    on the other pieces of its batch."""
    needed = end_token(piece) - start_token(piece) + MEMORY_LEAD + MEMORY_TAIL
    return min(ENCODER_FRAMES, -(-needed // SPAN_STEP) * SPAN_STEP)


def decode_batches(pieces: list[Piece], batch: BatchOptions, workers: int) -> list[list[Piece]]:
    """`pieces` grouped by memory span and cut into beam-search batches: at most `batch.decode_batch`
    pieces each, and at most `batch.decode_frames` memory frames (pieces x span) where that is set."""
    return [part for group in by_span(pieces) for part in in_batches(group, batch_size(batch, memory_span(group[0])),
                                                                     workers)]


def batch_size(batch: BatchOptions, span: int) -> int:
    """Pieces of memory span `span` per beam search: the decode batch, held to the frame bound (at least one)."""
    if not batch.decode_frames:
        return batch.decode_batch
    return max(1, min(batch.decode_batch, batch.decode_frames // span))


def in_batches(items: list[Piece], size: int, workers: int) -> list[list[Piece]]:
    """`items` cut in order into batches of at most `size`, as many as can run side by side."""
    if not items:
        return []
    count = -(-len(items) // size)
    count = min(len(items), -(-count // workers) * workers)
    return [items[i * len(items) // count : (i + 1) * len(items) // count] for i in range(count)]
