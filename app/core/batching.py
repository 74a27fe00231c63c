"""Batched speech to text: many short files, or the chunks of one long file, per encoder pass.

On a CPU the Whisper encoder costs the same for a 30 s window whatever is in it,
and dominates a short clip. So speech pieces (the VAD-trimmed speech of a short
file, or one VAD chunk of a long file) are *packed* several to a 30 s window,
separated by silence, and the window is encoded once. Each piece is then decoded
on its own *composite* encoder output: the window's encoder states over the
piece's own time span (plus a small margin), and the encoder states of silence
everywhere else. The decoder therefore cannot see, and cannot transcribe, a
neighbouring piece: every word of a result comes from its own file and its
timestamps come from cross-attention over its own span only, clamped to it.
The decoder attends only to a span of that composite around the piece (its
*memory*, a few seconds longer than the piece, of a length that depends on the
piece alone), which makes every decoder step cheaper; a piece whose result
fails Whisper's checks is decoded again on the whole composite before any
temperature fallback.

Language identification uses the same memories (one decoder step), not a second
encoder pass; decoding runs as beam searches over batches of memories of the
same language and length (CTranslate2 `Whisper.generate`), word timestamps as
batched `Whisper.align`. Windows and batches run side by side on the model's
replicas (device.Placement.replicas). Pieces are gain-normalised before packing,
because Whisper's log-mel is normalised per window: a very quiet clip packed next
to a loud one would otherwise sink into the floor of the window.

    for result in transcribe_clips(engine, sources, options):
        result.source, result.segments, result.language, result.language_probability

    for done in transcribe_source_batched(engine, source, options, state):  # long files
        ...  # the same ChunkDone records as asr.transcribe_source
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import ctranslate2
import numpy as np

from app.core import hallucination
from app.core.asr import ChunkDone, RunState, WhisperEngine, plan_tracks, transcribe_source
from app.core.errors import LanguageError, ParleyError
from app.core.media import SAMPLE_RATE, read_all
from app.core.options import TranscribeOptions
from app.core.speech import SpeechChunk, speech_chunks
from app.core.types import Segment, SourceInfo, Word

WINDOW_SAMPLES = 30 * SAMPLE_RATE
SAMPLES_PER_FRAME = 320  # one encoder frame = 20 ms
ENCODER_FRAMES = 1500
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
MEMORY_LEAD = 50  # encoder frames (1 s) kept before a piece in what the decoder attends to
MEMORY_TAIL = 150  # ... and after it (3 s of silence: the decoder sees the speech end)
SPAN_STEP = 250  # memory spans are rounded up to a multiple of this (5 s): pieces batch by span
LANGUAGE_CONFIDENT = 0.8  # below this, language ID on a composite is checked on the piece alone
CONTINUATIONS = 2  # rounds of decoding on after an early stop
TOKENS_PER_SECOND = 15  # token budget per second of a batch's memory span (speech needs ~4-8)
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True)
class BatchOptions:
    gap_s: float = 1.5  # silence between two pieces packed in one window
    margin_s: float = 0.2  # encoder states kept either side of a piece in its composite
    decode_batch: int = 8  # composites per beam search (and per group of windows, long files)
    pack: bool = True  # False: one piece per window (no packing, still batched decoding)
    max_clip_s: float = 60.0  # longer sources go through the long-file path
    target_rms: float = 0.05  # gain normalisation of each piece (peak kept below 0.99)
    group_windows: int = 16  # windows encoded before their pieces are decoded (bounds memory)


@dataclass(frozen=True)
class ClipResult:
    source: SourceInfo
    segments: tuple[Segment, ...]
    language: str
    language_probability: float
    error: str | None = None  # set when this file failed; the others are unaffected
    truncated: bool = False  # the audio ended before the container said it would
    packed_with: tuple[str, ...] = ()  # SHA-256 of the other files whose speech shared its windows


@dataclass
class _Piece:
    owner: int  # index of its source (or 0 for a long file)
    chunk: SpeechChunk
    audio: np.ndarray  # gain-normalised
    window: int = -1
    alone: bool = False  # the only piece in its window
    offset: int = 0  # sample offset inside its window
    segments: list[Segment] = field(default_factory=list)

    @property
    def frames(self) -> tuple[int, int]:
        return self.offset // SAMPLES_PER_FRAME, -(-(self.offset + len(self.audio)) // SAMPLES_PER_FRAME)


# ---------------------------------------------------------------- the batched core


class _Decoder:
    """Encodes packed windows and decodes pieces on composite encoder outputs."""

    def __init__(self, engine: WhisperEngine, options: TranscribeOptions, batch: BatchOptions) -> None:
        self.engine = engine
        self.fw = engine.model
        self.model = engine.model.model
        self.options = options
        self.batch = batch
        self._silence = engine.silence_states

    # -- encoder

    def encode(self, audio: np.ndarray) -> tuple[np.ndarray, int, float]:
        """Encoder states (1500 x d) of a window of at most 30 s, its content frames, its floor."""
        from faster_whisper.audio import pad_or_trim

        features = pad_or_trim(self.fw.feature_extractor(audio))
        content = min(3000, max(1, len(audio) // 160))
        states = self.fw.encode(features)
        return np.array(states)[0], content, float(features.min())

    def silence(self, floor: float) -> np.ndarray:
        """Encoder states of a silent window whose log-mel floor is `floor` (as its padding).

        Whisper normalises log-mel per window (floor = max - 8), so what "silence"
        looks like to the decoder depends on the window; cached per 0.05 step.
        """
        key = round(floor * 20)
        if key not in self._silence:
            n_mels = self.fw.feature_extractor.mel_filters.shape[0]
            features = np.full((n_mels, 3000), key / 20, dtype=np.float32)
            self._silence[key] = np.array(self.fw.encode(features))[0]
        return self._silence[key]

    def memories(
        self, encoded: list[tuple[np.ndarray, int, float]], part: list[_Piece], span: int | None = None,
    ) -> tuple[list[np.ndarray], list[int]]:
        """What the decoder attends to for each piece of `part` (a batch): equal-length
        spans of composite encoder output, and the frame each span starts at.

        A piece's composite is its window's encoder states over the piece (plus a
        small margin) and the states of silence everywhere else (the whole window
        if the piece is alone in it). Only about MEMORY_LEAD frames before the
        piece and MEMORY_TAIL after it are kept (`_span`): the decoder never needs
        the rest, and every decoder step, language check and alignment costs in
        proportion to the frames it attends to. `span=ENCODER_FRAMES`: the whole composite.
        """
        margin = int(self.batch.margin_s * SAMPLE_RATE / SAMPLES_PER_FRAME)
        if span is None:
            span = _span(part[0])
            assert all(_span(p) == span for p in part), "a batch is of one memory span"
        memories, starts = [], []
        for piece in part:
            states, _, floor = encoded[piece.window]
            lo = max(0, min(_start_token(piece) - MEMORY_LEAD, ENCODER_FRAMES - span))
            if piece.alone:
                memory = states[lo : lo + span].copy()
            else:
                memory = self.silence(floor)[lo : lo + span].copy()
                start, end = piece.frames
                start, end = max(lo, start - margin), min(lo + span, end + margin)
                memory[start - lo : end - lo] = states[start:end]
            memories.append(memory)
            starts.append(lo)
        return memories, starts

    # -- language

    def detect(self, composites: list[np.ndarray], allowed: tuple[str, ...]) -> list[tuple[str, float]]:
        if not self.engine.multilingual:
            return [("en", 1.0)] * len(composites)
        return [_best(langs, allowed) for langs in self.model.detect_language(_storage(composites))]

    def detect_alone(self, audio: np.ndarray, allowed: tuple[str, ...]) -> tuple[str, float]:
        """Language of one piece from an encoder pass over its own frames only.

        No padding to 30 s: for a 5 s piece about six times cheaper than a full pass.
        """
        features = self.fw.feature_extractor(audio[:WINDOW_SAMPLES])
        frames = max(2, min(3000, features.shape[-1] - features.shape[-1] % 2))
        states = self.model.encode(_storage([features[:, :frames].astype(np.float32)]))
        return _best(self.model.detect_language(states)[0], allowed)

    def language_of(self, composite: tuple[str, float], piece: _Piece, allowed: tuple[str, ...]) -> tuple[str, float]:
        """The composite's answer, checked on the piece alone when it is unsure.

        Both agree or the piece alone is sure: that answer. Otherwise a full
        30 s encoder pass on the piece decides, as the file-by-file path would.
        """
        if composite[1] >= LANGUAGE_CONFIDENT or not self.engine.multilingual:
            return composite
        alone = self.detect_alone(piece.audio, allowed)
        if alone[0] == composite[0]:
            return max(alone, composite, key=lambda found: found[1])
        if alone[1] >= LANGUAGE_CONFIDENT:
            return alone
        return self.engine.detect_language(piece.chunk.audio, allowed)

    # -- decoding

    def tokenizer(self, language: str):
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(self.fw.hf_tokenizer, self.engine.multilingual, task=self.options.task, language=language)

    def decode(
        self, composites: list[np.ndarray], language: str, starts: list[int], ends: list[int],
        whole: Callable[[int], np.ndarray],
    ) -> list[dict]:
        """Beam search over a batch; where a result fails Whisper's checks, that piece
        again on its `whole` composite, then temperature fallback (see _fallback).

        Each prompt ends with the timestamp token of where its piece starts in the
        window (`starts`, 20 ms steps): the decoder is told where to read. What it
        reads after its piece's end (`ends`) is cut off, and the token budget is
        bounded by the batch's memory span (a run-on cannot take long).
        """
        from faster_whisper.transcribe import get_suppressed_tokens

        tokenizer = self.tokenizer(language)
        prompts = [list(tokenizer.sot_sequence) + [tokenizer.timestamp_begin + s] for s in starts]
        longest_s = (len(composites[0]) - MEMORY_LEAD - MEMORY_TAIL) * 0.02
        common = {
            "max_length": min(self.fw.max_length, len(prompts[0]) + int(TOKENS_PER_SECOND * longest_s) + 32),
            "return_scores": True,
            "return_no_speech_prob": True,
            "suppress_blank": True,
            "suppress_tokens": list(get_suppressed_tokens(tokenizer, [-1])),
            "max_initial_timestamp_index": ENCODER_FRAMES,  # a piece may sit anywhere in its window
        }
        results = self.model.generate(
            _storage(composites), prompts,
            beam_size=self.options.beam_size, patience=1.0, **common,
        )
        outputs = [self._summarise(r, tokenizer, 0.0, end) for r, end in zip(results, ends)]
        for i, out in enumerate(outputs):
            if out["needs_fallback"]:
                outputs[i] = self._fallback(whole(i), prompts[i], tokenizer, out, common, ends[i])
        self._continue(composites, outputs, tokenizer, ends, common)
        for out in outputs:
            out["tokenizer"] = tokenizer
        return outputs

    def _continue(self, composites, outputs, tokenizer, ends, common) -> None:
        """Decode on where the decoder stopped early.

        Whisper learnt to leave out a last sentence that might run past the end of
        its 30 s window (faster-whisper then seeks there and decodes a new window).
        A piece near the end of its window would lose it: instead, its tokens so
        far become the prompt and the decoder carries on, in the same window.
        """
        begin = tokenizer.timestamp_begin
        sot = list(tokenizer.sot_sequence)
        ends = list(ends)
        for _ in range(CONTINUATIONS):
            todo = [i for i, out in enumerate(outputs) if _held_back(out["tokens"], begin, ends[i])
                    and len(sot) + len(out["tokens"]) < self.fw.max_length - 16]
            if not todo:
                break
            prompts = [sot + _reopen(outputs[i]["tokens"], begin) for i in todo]
            longest = max(len(p) for p in prompts)
            results = self.model.generate(  # prompts of different lengths: CTranslate2 pads them
                _storage([composites[i] for i in todo]), prompts, beam_size=self.options.beam_size, patience=1.0,
                **{**common, "max_length": min(self.fw.max_length, longest + common["max_length"])},
            )
            for i, result in zip(todo, results):
                tokens = _cut_after(result.sequences_ids[0], begin, ends[i])
                if _last_time(tokens, begin) <= _last_time(outputs[i]["tokens"], begin):
                    ends[i] = -1  # no progress: done with this one
                    continue
                outputs[i]["tokens"] = tokens

    def _summarise(self, result, tokenizer, temperature: float, end: int) -> dict:
        tokens = _cut_after(result.sequences_ids[0], tokenizer.timestamp_begin, end)
        count = len(result.sequences_ids[0])
        avg_logprob = result.scores[0] * count / (count + 1)
        text = tokenizer.decode(tokens).strip()
        ratio = _compression_ratio(text)
        silent = result.no_speech_prob > NO_SPEECH_THRESHOLD and avg_logprob < LOG_PROB_THRESHOLD
        looping = _looping(tokens, tokenizer.timestamp_begin)
        needs = (ratio > COMPRESSION_RATIO_THRESHOLD or avg_logprob < LOG_PROB_THRESHOLD or looping) and not silent
        return {"tokens": tokens, "avg_logprob": avg_logprob, "no_speech_prob": result.no_speech_prob,
                "ratio": ratio, "looping": looping, "needs_fallback": needs, "temperature": temperature}

    def _fallback(
        self, composite: np.ndarray, prompt: list[int], tokenizer, first: dict, common: dict, end: int
    ) -> dict:
        """The piece that failed `first` decoded on its whole composite (what the decoder
        attended to before memories were trimmed: a loop or garble there is rarely
        repeated), then, as faster-whisper does, sampled at rising temperatures."""
        tried = [first]
        beam = self.model.generate(
            _storage([composite]), [prompt], beam_size=self.options.beam_size, patience=1.0, **common
        )[0]
        tried.append(self._summarise(beam, tokenizer, 0.0, end))
        if not tried[-1]["needs_fallback"]:
            return tried[-1]
        ctranslate2.set_random_seed(self.options.seed)
        own_s = (end - (prompt[-1] - tokenizer.timestamp_begin)) * 0.02  # this piece's budget, not its batch's
        common = {**common, "max_length": min(common["max_length"], len(prompt) + int(TOKENS_PER_SECOND * own_s) + 32)}
        for temperature in FALLBACK_TEMPERATURES:
            result = self.model.generate(
                _storage([composite]), [prompt], beam_size=1, num_hypotheses=5,
                sampling_topk=0, sampling_temperature=temperature, **common,
            )[0]
            out = self._summarise(result, tokenizer, temperature, end)
            tried.append(out)
            if not out["needs_fallback"]:
                return out
        below = [t for t in tried if t["ratio"] <= COMPRESSION_RATIO_THRESHOLD and not t["looping"]]
        return max(below or tried, key=lambda t: t["avg_logprob"])

    # -- word timestamps and records

    def words(
        self, memories: list[np.ndarray], starts: list[int], outputs: list[dict], content: list[int],
        ends: list[float],
    ) -> list[list[dict]]:
        """Per piece, subsegments (window time, seconds) with their words.

        `memories` start at frame `starts` of their windows, of which `content`
        mel frames hold audio.

        A subsegment the decoder starts at or after its piece's end (`ends`, window
        seconds) is a second reading of the same speech, and is dropped.
        """
        tokenizer = outputs[0]["tokenizer"]
        lists: list[list[dict]] = []
        for out, frames, end, lo in zip(outputs, content, ends, starts):
            subsegments, _, _ = self.fw._split_segments_by_timestamps(
                tokenizer=tokenizer, tokens=out["tokens"], time_offset=0.0,
                segment_size=frames, segment_duration=frames / 100, seek=0,
            )
            lists.append([
                dict(s, seek=2 * lo) for s in subsegments
                if any(t < tokenizer.eot for t in s["tokens"]) and s["start"] < end + 0.3
            ])
        todo = [i for i, subs in enumerate(lists) if subs]
        if todo:
            self.fw.add_word_timestamps(
                [lists[i] for i in todo], tokenizer, _storage([memories[i] for i in todo]),
                [max(2, min(content[i] - 2 * starts[i], 2 * len(memories[i]))) for i in todo],
                PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS, 0.0,
            )
        return lists


def _best(ranked: list[tuple[str, float]], allowed: tuple[str, ...]) -> tuple[str, float]:
    """The likeliest language in the allow-list, from CTranslate2's ranked ("<|de|>", p) pairs."""
    candidates = [(tok[2:-2], p) for tok, p in ranked if not allowed or tok[2:-2] in allowed]
    if not candidates:
        raise LanguageError("none of the allowed languages is known to this model")
    return candidates[0][0], float(candidates[0][1])


def _cut_after(tokens: list[int], timestamp_begin: int, end: int) -> list[int]:
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


def _looping(tokens: list[int], timestamp_begin: int) -> bool:
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


def _last_time(tokens: list[int], timestamp_begin: int) -> int:
    return max((t - timestamp_begin for t in tokens if t >= timestamp_begin), default=0)


def _held_back(tokens: list[int], timestamp_begin: int, end: int) -> bool:
    """The decoder opened a segment and stopped (no single closing timestamp, in
    faster-whisper's terms) well before its piece ends: it held something back."""
    pair = len(tokens) >= 2 and tokens[-1] >= timestamp_begin and tokens[-2] >= timestamp_begin
    return pair and _last_time(tokens, timestamp_begin) < end - 25


def _reopen(tokens: list[int], timestamp_begin: int) -> list[int]:
    """Tokens ending with an open segment (a start timestamp), to prompt a continuation."""
    if len(tokens) >= 2 and tokens[-1] >= timestamp_begin and tokens[-2] >= timestamp_begin:
        return list(tokens)
    if tokens and tokens[-1] >= timestamp_begin:
        return list(tokens) + [tokens[-1]]
    return list(tokens)


def _storage(arrays: list[np.ndarray]) -> ctranslate2.StorageView:
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(arrays)))


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _normalise_gain(audio: np.ndarray, target_rms: float) -> np.ndarray:
    peak = float(np.abs(audio).max()) if len(audio) else 0.0
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if len(audio) else 0.0
    if peak <= 1e-6 or rms <= 1e-7:
        return audio
    gain = min(target_rms / rms, 0.99 / peak)
    return (audio * gain).astype(np.float32)


class _Packer:
    """Places pieces in order into 30 s windows, `gap_s` of silence apart.

    Deterministic from any window start, so a long file resumed at a window
    boundary packs its remaining chunks exactly as the uninterrupted run did.
    """

    def __init__(self, batch: BatchOptions) -> None:
        self.batch = batch
        self.window: list[_Piece] = []
        self.cursor = 0

    def add(self, piece: _Piece) -> list[list[_Piece]]:
        """Place `piece`; returns the window it closed, if any."""
        closed = self.close() if self.window and (
            not self.batch.pack or self.cursor + len(piece.audio) > WINDOW_SAMPLES) else []
        piece.offset = self.cursor
        self.window.append(piece)
        self.cursor += len(piece.audio) + int(self.batch.gap_s * SAMPLE_RATE)
        return closed

    def close(self) -> list[list[_Piece]]:
        window, self.window, self.cursor = self.window, [], 0
        return [window] if window else []


def _pack(pieces: list[_Piece], batch: BatchOptions) -> list[list[_Piece]]:
    packer = _Packer(batch)
    windows = [w for p in pieces for w in packer.add(p)]
    return windows + packer.close()


def _start_token(piece: _Piece) -> int:
    """Timestamp index (20 ms steps) at or just before the piece's start in its window."""
    return min(ENCODER_FRAMES, piece.offset // SAMPLES_PER_FRAME)


def _end_token(piece: _Piece) -> int:
    return min(ENCODER_FRAMES, -(-(piece.offset + len(piece.audio)) // SAMPLES_PER_FRAME))


def _window_audio(window: list[_Piece]) -> np.ndarray:
    end = max(p.offset + len(p.audio) for p in window)
    audio = np.zeros(end, dtype=np.float32)
    for p in window:
        audio[p.offset : p.offset + len(p.audio)] = p.audio
    return audio


def _to_ms(seconds: float, piece: _Piece) -> int:
    """Window time (s) -> source time (ms), clamped to the piece's own span."""
    ms = piece.chunk.start_ms + round(seconds * 1000 - piece.offset * 1000 / SAMPLE_RATE)
    return max(piece.chunk.start_ms, min(piece.chunk.end_ms, ms))


def _records(piece: _Piece, subsegments: list[dict], out: dict, keep_words: bool) -> list[Segment]:
    tokenizer = out["tokenizer"]
    segments = []
    piece_end_s = (piece.offset + len(piece.audio)) / SAMPLE_RATE
    for sub in subsegments:
        text = tokenizer.decode([t for t in sub["tokens"] if t < tokenizer.eot]).strip()
        raw = sub.get("words", ())
        kept = [w for w in raw if w["start"] < piece_end_s - 0.05]  # words aligned past its end are not its
        if len(kept) < len(raw):
            text = "".join(w["word"] for w in kept).strip()
        words = tuple(
            Word(_to_ms(w["start"], piece), _to_ms(w["end"], piece), w["word"], round(float(w["probability"]), 4))
            for w in kept
        )
        if not text:
            continue
        start = words[0].start_ms if words else piece.chunk.start_ms
        end = words[-1].end_ms if words else piece.chunk.end_ms
        segments.append(Segment(
            start_ms=start, end_ms=max(start, end), text=text, words=words if keep_words else (),
            avg_logprob=round(float(out["avg_logprob"]), 4), no_speech_prob=round(float(out["no_speech_prob"]), 4),
        ))
    return segments


class _Stopped(Exception):
    """should_stop() said so between two steps of a batch."""


def _decode_pieces(
    decoder: _Decoder,
    windows: list[list[_Piece]],
    languages: dict[int, tuple[str, float] | None],
    allowed: tuple[str, ...],
    should_stop: Callable[[], bool] = lambda: False,
) -> dict[int, tuple[str, float]]:
    """Fill `piece.segments` for every piece of the packed `windows`; returns the language of each owner.

    `languages[owner]` is the known (language, probability) or None: then the
    owner's first piece decides it. Windows are encoded, and batches decoded,
    on the model's replicas side by side. Raises _Stopped between two steps
    once should_stop() is true.
    """
    batch, options, workers = decoder.batch, decoder.options, decoder.engine.placement.replicas
    pieces = [p for w in windows for p in w]
    for index, window in enumerate(windows):
        for p in window:
            p.window, p.alone = index, len(window) == 1

    def encode(window: list[_Piece]) -> tuple[np.ndarray, int, float]:
        return decoder.encode(_window_audio(window))

    def detect(part: list[_Piece]) -> list[tuple[str, float]]:
        memories, _ = decoder.memories(encoded, part)
        return [decoder.language_of(found, p, allowed) for p, found in zip(part, decoder.detect(memories, allowed))]

    def transcribe(job: tuple[str, list[_Piece]]) -> None:
        language, part = job
        memories, starts = decoder.memories(encoded, part)
        outputs = decoder.decode(
            memories, language, [_start_token(p) for p in part], [_end_token(p) for p in part],
            lambda i: decoder.memories(encoded, [part[i]], ENCODER_FRAMES)[0][0],
        )
        content = [encoded[p.window][1] for p in part]
        ends = [(p.offset + len(p.audio)) / SAMPLE_RATE for p in part]
        for p, out, subs in zip(part, outputs, decoder.words(memories, starts, outputs, content, ends)):
            silent = out["no_speech_prob"] > NO_SPEECH_THRESHOLD and out["avg_logprob"] < LOG_PROB_THRESHOLD
            p.segments = [] if silent else hallucination.clean(_records(p, subs, out, options.word_timestamps))

    with ThreadPoolExecutor(workers) as pool:
        encoded = _map(pool, encode, windows, should_stop)
        languages = dict(languages)
        leads: dict[int, _Piece] = {}  # each owner of unknown language: its first piece decides
        for p in pieces:
            if languages.get(p.owner) is None:
                leads.setdefault(p.owner, p)
        lead_parts = [part for group in _by_span(list(leads.values()))
                      for part in _parts(group, batch.decode_batch, workers)]
        for part, found in zip(lead_parts, _map(pool, detect, lead_parts, should_stop)):
            languages.update((p.owner, f) for p, f in zip(part, found))
        by_language: dict[str, list[_Piece]] = {}
        for p in pieces:
            by_language.setdefault(languages[p.owner][0], []).append(p)  # type: ignore[index]
        work = [(language, part) for language, same in by_language.items() for group in _by_span(same)
                for part in _parts(group, batch.decode_batch, workers)]
        work.sort(key=lambda job: -_span(job[1][0]) * len(job[1]))  # longest first: no replica idles at the end
        _map(pool, transcribe, work, should_stop)
    return languages  # type: ignore[return-value]


def _map(pool: ThreadPoolExecutor, fn: Callable, items: list, should_stop: Callable[[], bool]) -> list:
    """[fn(item) for item in items], run on the pool. should_stop() is asked on this
    thread only (it may read a database connection of this thread), every 0.1 s;
    once it is true no further item starts and _Stopped is raised."""
    stopped = threading.Event()

    def guarded(item):
        if stopped.is_set():
            raise _Stopped
        return fn(item)

    futures = [pool.submit(guarded, item) for item in items]
    pending = set(futures)
    while pending:
        if not stopped.is_set() and should_stop():
            stopped.set()
        pending = wait(pending, timeout=0.1).not_done
    if stopped.is_set():
        raise _Stopped
    return [f.result() for f in futures]


def _by_span(pieces: list[_Piece]) -> list[list[_Piece]]:
    """`pieces` grouped by memory span (shortest first), in order within a group."""
    groups: dict[int, list[_Piece]] = {}
    for p in pieces:
        groups.setdefault(_span(p), []).append(p)
    return [groups[span] for span in sorted(groups)]


def _span(piece: _Piece) -> int:
    """Frames of decoder memory for `piece`: its own, MEMORY_LEAD and MEMORY_TAIL, rounded
    up to 5 s. The same whatever it is batched with, so its result does not depend
    on the other pieces of its batch."""
    needed = _end_token(piece) - _start_token(piece) + MEMORY_LEAD + MEMORY_TAIL
    return min(ENCODER_FRAMES, -(-needed // SPAN_STEP) * SPAN_STEP)


def _parts(items: list[_Piece], size: int, workers: int) -> list[list[_Piece]]:
    """`items` cut in order into batches of at most `size`, as many as can run side by side."""
    if not items:
        return []
    count = -(-len(items) // size)
    count = min(len(items), -(-count // workers) * workers)
    return [items[i * len(items) // count : (i + 1) * len(items) // count] for i in range(count)]


# ---------------------------------------------------------------- many short files


def transcribe_clips(
    engine: WhisperEngine,
    sources: Iterable[SourceInfo],
    options: TranscribeOptions,
    batch: BatchOptions = BatchOptions(),
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[ClipResult]:
    """Transcribe many short files together; one ClipResult per source, in input order.

    A stereo file to be split by speaker, or one longer than `batch.max_clip_s`,
    is transcribed on its own (asr.transcribe_source) in its turn. Once
    should_stop() is true the results end early, between two steps of a batch.
    """
    decoder = _Decoder(engine, options, batch)
    forced = engine.check_language(options.language) if options.language else None
    allowed = tuple(engine.check_language(c) for c in options.languages)
    pending: list[_Pending] = []
    windows_needed = 0.0

    def flush() -> Iterator[ClipResult]:
        nonlocal pending, windows_needed
        pieces = [p for item in pending if item.pieces for p in item.pieces]
        languages: dict[int, tuple[str, float] | None] = {
            p.owner: ((forced, 1.0) if forced else None) for p in pieces
        }
        windows = _pack(pieces, batch)  # in order: a file's pieces, and files queued together, share windows
        found = _decode_pieces(decoder, windows, languages, allowed, should_stop) if pieces else {}
        companions = _companions(windows, [item.source.sha256 for item in pending])
        for index, item in enumerate(pending):
            if item.error is not None:
                yield ClipResult(item.source, (), "", 0.0, item.error)
            elif item.pieces is None:
                yield _alone(engine, item.source, options, batch, should_stop)
            else:
                language, probability = found.get(index, (forced or "", 1.0 if forced else 0.0))
                segments = tuple(s for p in item.pieces for s in p.segments)
                yield ClipResult(item.source, segments, language, probability, truncated=item.truncated,
                                 packed_with=companions.get(index, ()))
        pending, windows_needed = [], 0.0

    try:
        for source in sources:
            item = _read_clip(source, len(pending), options, batch)
            pending.append(item)
            windows_needed += sum(len(p.audio) + batch.gap_s * SAMPLE_RATE for p in item.pieces or ()) / WINDOW_SAMPLES
            if windows_needed >= batch.group_windows:
                yield from flush()
        if pending:
            yield from flush()
    except _Stopped:
        return


def _companions(windows: list[list[_Piece]], hashes: list[str]) -> dict[int, tuple[str, ...]]:
    """Per owner, the files whose pieces shared a window with its own (what its result depends on)."""
    shared: dict[int, set[str]] = {}
    for window in windows:
        owners = {p.owner for p in window}
        for owner in owners:
            shared.setdefault(owner, set()).update(hashes[o] for o in owners if hashes[o] != hashes[owner])
    return {owner: tuple(sorted(found)) for owner, found in shared.items()}


@dataclass
class _Pending:
    source: SourceInfo
    pieces: list[_Piece] | None  # None: transcribed on its own
    error: str | None = None
    truncated: bool = False


def _read_clip(source: SourceInfo, index: int, options: TranscribeOptions, batch: BatchOptions) -> _Pending:
    if len(plan_tracks(source, options.channels)) > 1 or source.duration_ms > batch.max_clip_s * 1000:
        return _Pending(source, None)
    try:
        audio, reader = read_all(source.path, expected_ms=source.duration_ms)
    except ParleyError as exc:
        return _Pending(source, [], str(exc))
    chunks = list(speech_chunks([audio], use_vad=options.vad)) if len(audio) else []
    pieces = [_Piece(index, c, _normalise_gain(c.audio, batch.target_rms)) for c in chunks]
    return _Pending(source, pieces, truncated=reader.truncated)


def _alone(
    engine: WhisperEngine, source: SourceInfo, options: TranscribeOptions, batch: BatchOptions,
    should_stop: Callable[[], bool],
) -> ClipResult:
    try:
        done = list(transcribe_source_batched(engine, source, options, should_stop=should_stop, batch=batch))
    except ParleyError as exc:
        return ClipResult(source, (), "", 0.0, str(exc))
    if not done or not done[-1].final or should_stop():
        raise _Stopped
    segments = tuple(s for d in done for s in d.segments)
    return ClipResult(source, segments, done[-1].language, done[-1].language_probability,
                      truncated=any(d.truncated for d in done))


# ---------------------------------------------------------------- one long file


class PackedDecoder:
    """asr.ChunkDecoder over packed windows: the VAD chunks of one track, batched.

    Chunks are packed into windows as they arrive; once the closed windows hold
    enough chunks (2, then 4, ... up to `batch.decode_batch`) they are decoded together, and each window is
    one commit unit (so a resumed run restarts at a window boundary and packs
    what follows exactly as before). Memory stays bounded by one group.
    """

    def __init__(self, engine: WhisperEngine, options: TranscribeOptions, batch: BatchOptions = BatchOptions()) -> None:
        self.decoder = _Decoder(engine, options, batch)
        self.batch = batch
        self.allowed = tuple(engine.check_language(c) for c in options.languages)

    def decode(
        self, chunks: Iterator[SpeechChunk], state: RunState, should_stop: Callable[[], bool]
    ) -> Iterator[tuple[SpeechChunk, list[Segment]]]:
        packer = _Packer(self.batch)
        closed: list[list[_Piece]] = []
        group = min(2, self.batch.decode_batch)  # small first groups: the first text shows up early
        try:
            for chunk in chunks:
                closed += packer.add(_Piece(0, chunk, _normalise_gain(chunk.audio, self.batch.target_rms)))
                if sum(len(w) for w in closed) >= group:
                    yield from self._decode(closed, state, should_stop)
                    closed, group = [], min(2 * group, self.batch.decode_batch)
            closed += packer.close()
            if closed:
                yield from self._decode(closed, state, should_stop)
        except _Stopped:
            return

    def _decode(
        self, windows: list[list[_Piece]], state: RunState, should_stop: Callable[[], bool]
    ) -> Iterator[tuple[SpeechChunk, list[Segment]]]:
        known = (state.language, state.language_probability or 0.0) if state.language else None
        found = _decode_pieces(self.decoder, windows, {0: known}, self.allowed, should_stop)
        state.language, state.language_probability = found[0]
        for window in windows:
            yield window[-1].chunk, [s for p in window for s in p.segments]


def transcribe_source_batched(
    engine: WhisperEngine,
    source: SourceInfo,
    options: TranscribeOptions,
    state: RunState | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    batch: BatchOptions = BatchOptions(),
) -> Iterator[ChunkDone]:
    """asr.transcribe_source with the packed decoder and these batch options."""
    return transcribe_source(engine, source, options, state, should_stop, PackedDecoder(engine, options, batch))


__all__ = ["BatchOptions", "ClipResult", "PackedDecoder", "transcribe_clips", "transcribe_source_batched"]
