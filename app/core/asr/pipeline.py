"""Tracks, chunks and resume: a source transcribed a commit unit at a time.

A source is one track (the downmix) or one per channel of a split stereo file.
Each track is decoded in blocks -> Silero VAD -> chunks of at most 30 s cut at
silences (speech.py) -> a ChunkDecoder (batched.PackedDecoder by default; ChunkByChunk
is faster-whisper's own transcribe, chunk by chunk) -> hallucination guards.
Results are committed a unit at a time, which makes a run reproducible and
resumable at any unit boundary.
"""

from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from app.core.asr import hallucination, inaudible
from app.core.asr.engine import WhisperEngine
from app.core.asr.speech import SpeechChunk, is_marker, speech_chunks
from app.core.media import channels as chan
from app.core.media.decode import AudioReader
from app.core.options import TranscribeOptions
from app.core.types import Segment, SourceInfo

CHANNEL_PROBE_S = 600  # seconds of a stereo file examined to decide mix or split
READ_AHEAD = 16  # speech chunks (at most 30 s each, ~2 MB) read and found ahead of the decoder, at most ...
READ_AHEAD_GROUPS = 2  # ... or this many of the decoder's groups (a GPU's decode batch is larger)


@dataclass(frozen=True)
class Track:
    """One pass over a source: the downmix, or one channel of a split stereo file."""

    key: str  # "mix" or "ch0", "ch1"...
    channel: int | None
    speaker: str | None


@dataclass(frozen=True)
class ChunkDone:
    """Segments of one chunk; `done_ms` is how far `track` is now transcribed."""

    track: Track
    segments: tuple[Segment, ...]
    done_ms: int
    language: str
    language_probability: float
    progress: float  # 0..1 over the whole source
    final: bool = False  # the track is finished
    truncated: bool = False  # the track's audio ended before the container said it would
    notes: tuple[str, ...] = ()  # on the final unit: damaged ranges, the audio stream chosen


@dataclass
class RunState:
    """What a resumed run carries over: per-track progress and the detected language."""

    done_ms: dict[str, int] = field(default_factory=dict)  # chunks ending by here are stored
    anchor_ms: dict[str, int] = field(default_factory=dict)  # VAD buffer start to resume from
    language: str | None = None
    language_probability: float | None = None
    languages: list[list] = field(default_factory=list)  # worded speech by language (language_check.language_parts)
    language_now: tuple[str, float] | None = None  # a long file's last piece's language: the next one starts in it


def plan_tracks(source: SourceInfo, mode: str) -> list[Track]:
    if source.channels < 2 or mode == "mix":
        return [Track("mix", None, None)]
    if mode == "auto" and not _looks_split(source):
        return [Track("mix", None, None)]
    count = source.channels if mode == "split" else 2
    return [Track(f"ch{c}", c, chan.speaker_label(c, count)) for c in range(count)]


@functools.lru_cache(maxsize=16)
def _looks_split(source: SourceInfo) -> bool:
    """Whether the first CHANNEL_PROBE_S of a stereo file hold one speaker per channel; kept for
    the file (its bytes are checked against its hash before and after decoding), as both the
    speaker search and the decoding ask before they start."""
    reader = AudioReader(source.path, mono=False, block_seconds=CHANNEL_PROBE_S)
    first = next(iter(reader.blocks()), None)
    return first is not None and chan.one_speaker_per_channel(first)


def _track_blocks(source: SourceInfo, track: Track, start_ms: int) -> tuple[AudioReader, Iterator[np.ndarray]]:
    reader = AudioReader(
        source.path, mono=track.channel is None, start_ms=start_ms, expected_ms=source.duration_ms
    )
    if track.channel is None:
        return reader, reader.blocks()
    stereo_pair = track.channel in (0, 1) and source.channels == 2
    channel = track.channel

    def isolated() -> Iterator[np.ndarray]:
        for block in reader.blocks():
            yield chan.isolate_channel(block, channel) if stereo_pair else block[channel]

    return reader, isolated()


class ChunkDecoder(Protocol):
    """Turns one track's speech chunks into segments, a commit unit at a time.

    `decode` pulls chunks as it needs them and yields (the unit's last chunk, the
    unit's segments): everything up to that chunk's end is then transcribed and
    may be stored. It sets `state.language` before its first unit when that is
    not known yet, and returns early once `should_stop()` is true.
    """

    def decode(
        self, chunks: Iterator[SpeechChunk], state: RunState, should_stop: Callable[[], bool]
    ) -> Iterator[tuple[SpeechChunk, list[Segment]]]: ...


class ChunkByChunk:
    """faster-whisper's own `transcribe` on each chunk in turn: the file-by-file reference."""

    def __init__(self, engine: WhisperEngine, options: TranscribeOptions) -> None:
        self.engine = engine
        self.options = options
        self.allowed = tuple(engine.check_language(c) for c in options.languages)

    def decode(
        self, chunks: Iterator[SpeechChunk], state: RunState, should_stop: Callable[[], bool]
    ) -> Iterator[tuple[SpeechChunk, list[Segment]]]:
        for chunk in chunks:
            if should_stop():
                return
            if state.language is None:
                state.language, state.language_probability = self.engine.detect_language(chunk.audio, self.allowed)
            raw = self.engine.transcribe_chunk(chunk, state.language, self.options)
            kept = hallucination.clean(raw)
            if self.options.vad:
                nsp = min((s.no_speech_prob for s in raw if s.no_speech_prob is not None), default=None)
                kept = inaudible.with_markers(chunk, kept, inaudible.heard_noise(raw, nsp))
            yield chunk, kept


def start_state(engine: WhisperEngine, options: TranscribeOptions, state: RunState | None) -> RunState:
    """The run's state (a new one if None), with a forced language checked and set."""
    state = state or RunState()
    if options.language and not state.language:
        state.language, state.language_probability = engine.check_language(options.language), 1.0
    return state


def transcribe_tracks(
    source: SourceInfo,
    options: TranscribeOptions,
    decoder: ChunkDecoder,
    state: RunState,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[ChunkDone]:
    """Yield each commit unit's segments in order, resuming after what `state` says is done.

    `state` comes from start_state; the application's entry point, with its
    default decoder, is batched.transcribe_source.
    """
    tracks = plan_tracks(source, options.channels)
    total = max(1, source.duration_ms) * len(tracks)
    for index, track in enumerate(tracks):
        done = state.done_ms.get(track.key, -1)
        if done >= source.duration_ms > 0:
            continue
        anchor = state.anchor_ms.get(track.key, 0)
        reader, blocks = _track_blocks(source, track, anchor)
        # chunks ending by `done` were stored before an interruption: the same chunks, decoded already
        chunks = (c for c in speech_chunks(blocks, offset_ms=anchor, use_vad=options.vad, markers=True)
                  if c.end_ms > done)
        ahead = read_ahead(chunks, ahead_depth(decoder))
        try:
            while True:  # decoded up to each marker (minutes without speech), then the marker stored
                silence: list[SpeechChunk] = []
                for last, segments in decoder.decode(_until_marker(ahead, silence), state, should_stop):
                    yield _unit(state, track, last, segments, (index * source.duration_ms + last.end_ms) / total)
                if should_stop():
                    return
                if not silence:
                    break
                yield _unit(state, track, silence[0], [], (index * source.duration_ms + silence[0].end_ms) / total)
        finally:
            ahead.close()
        state.done_ms[track.key] = max(source.duration_ms, reader.decoded_ms)
        yield ChunkDone(
            track, (), state.done_ms[track.key], state.language or "",
            state.language_probability or 0.0, (index + 1) / len(tracks),
            final=True, truncated=reader.truncated, notes=reader.notes,
        )


def ahead_depth(decoder: object) -> int:
    """How many speech chunks are read ahead of `decoder`: enough for its next groups, no more. It was 48
    (92 MB of audio): a long file held twice what a ten-minute one did, its whole speech read at once."""
    group = getattr(getattr(decoder, "batch", None), "decode_batch", 0)
    return max(READ_AHEAD, READ_AHEAD_GROUPS * int(group or 0))


def _until_marker(chunks: Iterator[SpeechChunk], silence: list[SpeechChunk]) -> Iterator[SpeechChunk]:
    """The chunks up to the next marker, which is put in `silence`."""
    for chunk in chunks:
        if is_marker(chunk):
            silence.append(chunk)
            return
        yield chunk


def _unit(state: RunState, track: Track, last: SpeechChunk, segments: list[Segment], progress: float) -> ChunkDone:
    """A commit unit: `track` transcribed up to `last`, resumed from `last`'s anchor."""
    state.done_ms[track.key] = last.end_ms
    state.anchor_ms[track.key] = last.buffer_start_ms
    return ChunkDone(track, tuple(_label(s, track) for s in segments), last.end_ms,
                     state.language or "", state.language_probability or 0.0, progress)


def read_ahead(items: Iterator[SpeechChunk], depth: int = READ_AHEAD) -> Iterator[SpeechChunk]:
    """`items` in order, produced on their own thread up to `depth` ahead: the next
    stretch is read and its speech found while the decoder works on this one. An error
    there is raised here; the thread ends when the consumer stops early."""
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    done = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for item in items:
                if not _put(ahead, (item, None), done):
                    return
            _put(ahead, (end, None), done)
        except Exception as error:  # noqa: BLE001 - raised again on the consuming thread
            _put(ahead, (end, error), done)

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = ahead.get()
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        done.set()
        thread.join()


def _put(ahead: queue.Queue, entry: tuple, done: threading.Event) -> bool:
    """Put `entry` unless the consumer is gone; whether it was put."""
    while not done.is_set():
        try:
            ahead.put(entry, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _label(segment: Segment, track: Track) -> Segment:
    if track.channel is None:
        return segment
    return replace(segment, speaker=track.speaker, channel=track.channel)
