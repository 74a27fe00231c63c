"""Speech to text over faster-whisper: the engine, and the per-track decode loop.

The pipeline: decode in blocks -> Silero VAD -> chunks of at most 30 s cut at
silences -> a ChunkDecoder (by default batching.PackedDecoder: chunks packed into
windows and decoded in batches; ChunkByChunk is faster-whisper's own transcribe,
chunk by chunk) -> hallucination guards. Results are committed a unit at a time,
which makes a run reproducible and resumable at any unit boundary.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import ctranslate2
import numpy as np
from threadpoolctl import threadpool_limits

from app.core import channels as chan
from app.core import hallucination, models
from app.core.device import Placement, choose
from app.core.errors import LanguageError, ModelError
from app.core.media import SAMPLE_RATE, AudioReader
from app.core.options import TranscribeOptions
from app.core.speech import SpeechChunk, speech_chunks
from app.core.types import ModelInfo, Segment, SourceInfo, Word

CHANNEL_PROBE_S = 600  # seconds of a stereo file examined to decide mix or split


def _offline_environment() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


class WhisperEngine:
    """A Whisper model loaded once and kept for many files."""

    def __init__(self, model_dir: Path, placement: Placement) -> None:
        _offline_environment()
        models.check_whisper_folder(model_dir)
        from faster_whisper import WhisperModel  # heavy import, only when a model loads

        try:
            self.model = WhisperModel(
                str(model_dir),
                device=placement.device,
                compute_type=placement.compute_type,
                cpu_threads=placement.threads_per_replica,
                num_workers=placement.replicas,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"model {model_dir} could not be loaded: {exc}") from None
        self.placement = placement
        self.info: ModelInfo = models.model_info(model_dir)
        self.silence_states: dict[int, np.ndarray] = {}  # batching's encoder states of silence, kept between batches

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def check_language(self, code: str) -> str:
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        code = code.strip().lower()
        if code not in _LANGUAGE_CODES:
            raise LanguageError(f"unknown language code '{code}'")
        if not self.multilingual and code != "en":
            raise LanguageError(f"model {self.info.name} is English-only; it cannot do '{code}'")
        return code

    def detect_language(self, audio: np.ndarray, allowed: tuple[str, ...] = ()) -> tuple[str, float]:
        if not self.multilingual:
            return "en", 1.0
        _, _, ranked = self.model.detect_language(audio=audio[: 30 * SAMPLE_RATE])
        candidates = [(lang, p) for lang, p in ranked if not allowed or lang in allowed]
        if not candidates:
            raise LanguageError("none of the allowed languages is known to this model")
        return candidates[0][0], float(candidates[0][1])

    def transcribe_chunk(
        self, chunk: SpeechChunk, language: str, options: TranscribeOptions
    ) -> list[Segment]:
        ctranslate2.set_random_seed(options.seed)  # temperature fallback samples: keep reruns identical
        segments, _ = self.model.transcribe(
            chunk.audio,
            language=language,
            task=options.task,
            beam_size=options.beam_size,
            vad_filter=False,
            word_timestamps=options.word_timestamps,
            condition_on_previous_text=False,
            hallucination_silence_threshold=2.0 if options.word_timestamps else None,
        )
        return [_to_segment(s, chunk) for s in segments]


def _ms(seconds: float, chunk: SpeechChunk) -> int:
    return min(chunk.end_ms, chunk.start_ms + round(seconds * 1000))


def _to_segment(raw, chunk: SpeechChunk) -> Segment:
    words = tuple(
        Word(_ms(w.start, chunk), _ms(w.end, chunk), w.word, round(float(w.probability), 4))
        for w in (raw.words or ())
    )
    return Segment(
        start_ms=_ms(raw.start, chunk),
        end_ms=_ms(raw.end, chunk),
        text=raw.text.strip(),
        words=words,
        avg_logprob=round(float(raw.avg_logprob), 4),
        no_speech_prob=round(float(raw.no_speech_prob), 4),
    )


def load_engine(options: TranscribeOptions, models_dir: Path | None = None) -> WhisperEngine:
    single_threaded_blas()
    folder = models.resolve(options.model, models_dir)
    return WhisperEngine(folder, choose(options.device, options.compute_type, options.threads))


def single_threaded_blas() -> None:
    """One BLAS thread for the process: the log-mel features are a BLAS product whose float
    rounding depends on how many threads share it, which moved word times by 20 ms between
    the worker (one thread) and an in-process run. The model's own threads are CTranslate2's."""
    threadpool_limits(limits=1, user_api="blas")


# ---------------------------------------------------------------- the pipeline


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


@dataclass
class RunState:
    """What a resumed run carries over: per-track progress and the detected language."""

    done_ms: dict[str, int] = field(default_factory=dict)  # chunks ending by here are stored
    anchor_ms: dict[str, int] = field(default_factory=dict)  # VAD buffer start to resume from
    language: str | None = None
    language_probability: float | None = None


def plan_tracks(source: SourceInfo, mode: str) -> list[Track]:
    if source.channels < 2 or mode == "mix":
        return [Track("mix", None, None)]
    if mode == "auto" and not _looks_split(source):
        return [Track("mix", None, None)]
    count = source.channels if mode == "split" else 2
    return [Track(f"ch{c}", c, chan.speaker_label(c, count)) for c in range(count)]


def _looks_split(source: SourceInfo) -> bool:
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
            yield chunk, hallucination.clean(self.engine.transcribe_chunk(chunk, state.language, self.options))


def default_decoder(engine: WhisperEngine, options: TranscribeOptions) -> ChunkDecoder:
    """What the application decodes with: speech chunks packed and decoded in batches."""
    from app.core.batching import PackedDecoder  # batching builds on this module

    return PackedDecoder(engine, options)


def transcribe_source(
    engine: WhisperEngine,
    source: SourceInfo,
    options: TranscribeOptions,
    state: RunState | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    decoder: ChunkDecoder | None = None,
) -> Iterator[ChunkDone]:
    """Yield each commit unit's segments in order, resuming after what `state` says is done."""
    state = state or RunState()
    if options.language and not state.language:
        state.language, state.language_probability = engine.check_language(options.language), 1.0
    decoder = decoder or default_decoder(engine, options)
    tracks = plan_tracks(source, options.channels)
    total = max(1, source.duration_ms) * len(tracks)
    for index, track in enumerate(tracks):
        done = state.done_ms.get(track.key, -1)
        if done >= source.duration_ms > 0:
            continue
        anchor = state.anchor_ms.get(track.key, 0)
        reader, blocks = _track_blocks(source, track, anchor)
        # chunks ending by `done` were stored before an interruption: the same chunks, decoded already
        chunks = (c for c in speech_chunks(blocks, offset_ms=anchor, use_vad=options.vad) if c.end_ms > done)
        for last, segments in decoder.decode(chunks, state, should_stop):
            state.done_ms[track.key] = last.end_ms
            state.anchor_ms[track.key] = last.buffer_start_ms
            yield ChunkDone(
                track, tuple(_label(s, track) for s in segments), last.end_ms,
                state.language or "", state.language_probability or 0.0,
                (index * source.duration_ms + last.end_ms) / total,
            )
        if should_stop():
            return
        state.done_ms[track.key] = max(source.duration_ms, reader.decoded_ms)
        yield ChunkDone(
            track, (), state.done_ms[track.key], state.language or "",
            state.language_probability or 0.0, (index + 1) / len(tracks),
            final=True, truncated=reader.truncated,
        )


def _label(segment: Segment, track: Track) -> Segment:
    if track.channel is None:
        return segment
    return replace(segment, speaker=track.speaker, channel=track.channel)
