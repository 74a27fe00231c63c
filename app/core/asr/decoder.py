"""The batched decoder: packed windows encoded once, each piece decoded on its own.

Each piece (packing.py) is decoded on its own *composite* encoder output: the
window's encoder states over the piece's own time span (plus a small margin),
and the encoder states of silence everywhere else. The decoder therefore cannot
see, and cannot transcribe, a neighbouring piece: every word of a result comes
from its own file and its timestamps come from cross-attention over its own span
only, clamped to it. The decoder attends only to a span of that composite around
the piece (its *memory*, a few seconds longer than the piece, of a length that
depends on the piece alone), which makes every decoder step cheaper; a piece
whose result fails Whisper's checks is decoded again on the whole composite
before the deterministic fallback re-decodes.

Language identification uses the same memories (one decoder step), not a second
encoder pass; decoding runs as beam searches over batches of memories of the
same language and length (CTranslate2 `Whisper.generate`), word timestamps as
batched `Whisper.align`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import ctranslate2
import numpy as np

from app.core.asr import fw_internals as fw
from app.core.asr.engine import WhisperEngine, likeliest_language
from app.core.asr.fw_internals import Tokenizer
from app.core.asr.packing import (
    ENCODER_FRAMES,
    MEMORY_LEAD,
    MEMORY_TAIL,
    SAMPLES_PER_FRAME,
    WINDOW_SAMPLES,
    BatchOptions,
    Piece,
    after_opener,
    memory_span,
    start_token,
)
from app.core.asr.tokens import (
    compression_ratio,
    cut_after,
    held_back,
    is_looping,
    last_time,
    reopen,
)
from app.core.media.decode import SAMPLE_RATE
from app.core.options import TranscribeOptions

# Deterministic re-decodes for a piece whose beam search failed Whisper's checks twice, in
# place of faster-whisper's sampling at rising temperatures: CTranslate2's sampling cannot be
# seeded (set_random_seed gives a different draw each call, one replica or two), and a
# transcript that cannot be reproduced is no evidence. What sampling is for, escaping a loop
# or a garbled reading, these do by forbidding repeats.
FALLBACK_DECODES = (
    {"beam_size": 5, "repetition_penalty": 1.1, "no_repeat_ngram_size": 4},
    {"beam_size": 5, "repetition_penalty": 1.3, "no_repeat_ngram_size": 3},
    {"beam_size": 1, "repetition_penalty": 1.5, "no_repeat_ngram_size": 3},
)
COMPRESSION_RATIO_THRESHOLD = 2.4
LOG_PROB_THRESHOLD = -1.0
NO_SPEECH_THRESHOLD = 0.6
LANGUAGE_CONFIDENT = 0.8  # below this, language ID on a composite is checked on the piece alone
CONTINUATIONS = 2  # rounds of decoding on after an early stop
TAIL_LEAD = 10  # encoder frames (0.2 s) before where the decoder stopped, kept when it reads on
TOKENS_PER_SECOND = 15  # token budget per second of a batch's memory span (speech needs ~4-8)
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


@dataclass
class DecodeOutput:
    """One piece's decoded tokens and Whisper's checks on them."""

    tokens: list[int]  # prompt excluded; a continuation (BatchDecoder._continue) replaces them
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float  # of the decoded text
    looping: bool  # tokens.is_looping
    temperature: float  # always 0.0: Parley never samples (kept for the record)
    tokenizer: Tokenizer

    @property
    def silent(self) -> bool:
        """Whisper's verdict: no speech here (and nothing said with confidence)."""
        return self.no_speech_prob > NO_SPEECH_THRESHOLD and self.avg_logprob < LOG_PROB_THRESHOLD

    @property
    def needs_fallback(self) -> bool:
        """Fails Whisper's checks (garbled, unsure or looping) without being silence."""
        failed = self.compression_ratio > COMPRESSION_RATIO_THRESHOLD or self.avg_logprob < LOG_PROB_THRESHOLD
        return (failed or self.looping) and not self.silent


class BatchDecoder:
    """Encodes packed windows and decodes pieces on composite encoder outputs."""

    def __init__(self, engine: WhisperEngine, options: TranscribeOptions, batch: BatchOptions) -> None:
        self.engine = engine
        self.whisper = engine.model  # faster-whisper's model
        self.ct2 = fw.ctranslate2_whisper(engine.model)  # the CTranslate2 Whisper under it
        self.options = options
        self.batch = batch
        self._silence, self._silence_locks = engine.silence_states, engine.silence_locks
        self.read_on_alone = False  # a held-back piece alone in its window reads on (_read_on): long recordings

    # -- encoder

    def encode(self, audio: np.ndarray) -> tuple[np.ndarray, int, float]:
        """Encoder states (1500 x d) of a window of at most 30 s, its content frames, its floor."""
        features = fw.window_features(self.whisper, audio)
        content = min(3000, max(1, len(audio) // 160))
        return fw.encode(self.whisper, features), content, float(features.min())

    def silence(self, floor: float) -> np.ndarray:
        """Encoder states of a silent window whose log-mel floor is `floor` (as its padding).

        Whisper normalises log-mel per window (floor = max - 8), so what "silence"
        looks like to the decoder depends on the window; cached per 0.05 step, each
        step encoded once (two replicas asking for the same one: the second waits).
        """
        key = round(floor * 20)
        if key not in self._silence:
            with self._silence_locks.setdefault(key, threading.Lock()):
                if key not in self._silence:
                    self._silence[key] = self._stored_silence(key)
        return self._silence[key]

    def _stored_silence(self, key: int) -> np.ndarray:
        """The state of floor step `key` as kept beside the model by an earlier command, else encoded (and kept)."""
        store = self.engine.silence_store
        states = store.load(key, ENCODER_FRAMES)
        if states is None:
            features = np.full((fw.mel_bins(self.whisper), 3000), key / 20, dtype=np.float32)
            states = fw.encode(self.whisper, features)
            store.save(key, states)
        return states

    def memories(
        self, encoded: list[tuple[np.ndarray, int, float]], part: list[Piece], span: int | None = None,
    ) -> tuple[list[np.ndarray], list[int]]:
        """What the decoder attends to for each piece of `part` (a batch): equal-length
        spans of composite encoder output, and the frame each span starts at.

        A piece's composite is its window's encoder states over the piece (plus a
        small margin) and the states of silence everywhere else (the whole window
        if the piece is alone in it). Only about MEMORY_LEAD frames before the
        piece and MEMORY_TAIL after it are kept (`memory_span`): the decoder never needs
        the rest, and every decoder step, language check and alignment costs in
        proportion to the frames it attends to. `span=ENCODER_FRAMES`: the whole composite.
        """
        margin = int(self.batch.margin_s * SAMPLE_RATE / SAMPLES_PER_FRAME)
        if span is None:
            span = memory_span(part[0])
            assert all(memory_span(p) == span for p in part), "a batch is of one memory span"
        memories, starts = [], []
        for piece in part:
            states, _, floor = encoded[piece.window]
            lo = max(0, min(start_token(piece) - MEMORY_LEAD, ENCODER_FRAMES - span))
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
        return [_best(langs, allowed) for langs in self.ct2.detect_language(_storage(composites))]

    def detect_alone(self, audio: np.ndarray, allowed: tuple[str, ...]) -> tuple[str, float]:
        """Language of one piece from an encoder pass over its own frames only.

        No padding to 30 s: for a 5 s piece about six times cheaper than a full pass.
        """
        features = fw.features(self.whisper, audio[:WINDOW_SAMPLES])
        frames = max(2, min(3000, features.shape[-1] - features.shape[-1] % 2))
        states = self.ct2.encode(_storage([features[:, :frames].astype(np.float32)]))
        return _best(self.ct2.detect_language(states)[0], allowed)

    def language_of(self, composite: tuple[str, float], piece: Piece, allowed: tuple[str, ...]) -> tuple[str, float]:
        """The composite's answer, checked on the piece alone when it is unsure.

        Both agree or the piece alone is sure: that answer. Otherwise a full
        30 s encoder pass on the piece decides, as the file-by-file path would. Still unsure,
        a piece that opens with a short burst of speech (packing.after_opener) is asked again on
        its speech after it, which decides the same way: a sub-second opener does not decide.
        """
        if composite[1] >= LANGUAGE_CONFIDENT or not self.engine.multilingual:
            return composite
        found = _surer(composite, self.detect_alone(piece.audio, allowed))
        if found is None:
            found = self.engine.detect_language(piece.chunk.audio, allowed)
        rest = after_opener(piece)
        if found[1] >= LANGUAGE_CONFIDENT or rest is None:
            return found
        return _surer(found, self.detect_alone(rest, allowed)) or found  # judged on its speech after the opener

    # -- decoding

    def tokenizer(self, language: str) -> Tokenizer:
        return fw.tokenizer(self.whisper, self.engine.multilingual, self.options.task, language)

    def decode(
        self, composites: list[np.ndarray], language: str | list[str], starts: list[int], ends: list[int],
        whole: Callable[[int], np.ndarray], in_doubt: list[bool] | None = None, alone: list[bool] | None = None,
    ) -> list[DecodeOutput]:
        """Beam search over a batch; where a result fails Whisper's checks, that piece
        again on its `whole` composite, then deterministic re-decodes (see _fallback), except
        for a piece `in_doubt` (its language in doubt: its words are kept only from a reading
        that passes the checks, see settles_in_doubt).

        Each prompt ends with the timestamp token of where its piece starts in the
        window (`starts`, 20 ms steps): the decoder is told where to read. What it
        reads after its piece's end (`ends`) is cut off, and the token budget is
        bounded by the batch's memory span (a run-on cannot take long). `language`: the batch's, or each
        piece's (a prompt is as long in every language, and the tokens suppressed are the same).
        """
        spoken = [language] * len(composites) if isinstance(language, str) else language
        tokenizers = {code: self.tokenizer(code) for code in dict.fromkeys(spoken)}
        own = [tokenizers[code] for code in spoken]
        tokenizer = own[0]
        prompts = [list(t.sot_sequence) + [t.timestamp_begin + s] for t, s in zip(own, starts)]
        longest_s = (len(composites[0]) - MEMORY_LEAD - MEMORY_TAIL) * 0.02
        common = {
            "max_length": min(fw.max_length(self.whisper), len(prompts[0]) + int(TOKENS_PER_SECOND * longest_s) + 32),
            "return_scores": True,
            "return_no_speech_prob": True,
            "suppress_blank": True,
            "suppress_tokens": fw.suppressed_tokens(tokenizer),
            "max_initial_timestamp_index": ENCODER_FRAMES,  # a piece may sit anywhere in its window
        }
        results = self.ct2.generate(
            _storage(composites), prompts,
            beam_size=self.options.beam_size, patience=1.0, **common,
        )
        outputs = [self._summarise(r, t, 0.0, end) for r, t, end in zip(results, own, ends)]
        doubts = in_doubt or [False] * len(outputs)
        for i, out in enumerate(outputs):
            if out.needs_fallback:
                outputs[i] = self._fallback(whole(i), prompts[i], own[i], out, common, ends[i], doubts[i])
        self._continue(composites, outputs, ends, common, whole, alone or [False] * len(outputs))
        return outputs

    def _continue(
        self, composites: list[np.ndarray], outputs: list[DecodeOutput], ends: list[int], common: dict,
        whole: Callable[[int], np.ndarray], alone: list[bool],
    ) -> None:
        """Decode on where the decoder stopped early.

        Whisper learnt to leave out a last sentence that might run past the end of
        its 30 s window (faster-whisper then seeks there and decodes a new window).
        A piece near the end of its window would lose it: instead the decoder goes on
        in the same window. A piece alone in its window (a long recording's) reads on
        from where it stopped (_read_on); it used to carry on from all its tokens so far
        as a forced prefix over the whole memory, as a packed piece still does (_force_on):
        every one decoded again at full beam width, a fifth of a long recording's decoding
        CPU for a few seconds of speech per held-back piece. Each piece goes on in its own language.
        """
        begin = outputs[0].tokenizer.timestamp_begin  # the same in every language
        sot = list(outputs[0].tokenizer.sot_sequence)  # ... and as long
        ends = list(ends)
        for _ in range(CONTINUATIONS):
            todo = [i for i, out in enumerate(outputs) if held_back(out.tokens, begin, ends[i])
                    and len(sot) + len(out.tokens) < fw.max_length(self.whisper) - 16]
            if not todo:
                break
            for i in (i for i in todo if not (alone[i] and self.read_on_alone)):  # packed: carried on from its tokens (see _force_on)
                self._force_on(composites[i], outputs[i], outputs[i].tokenizer, ends, i, common)
            for i in (i for i in todo if alone[i] and self.read_on_alone):  # one beam search each: the text so far is its prompt
                self._read_on(whole(i), outputs[i], outputs[i].tokenizer, ends, i, common)

    def _force_on(self, composite: np.ndarray, out: DecodeOutput, tokenizer: Tokenizer, ends: list[int], i: int,
                  common: dict) -> None:
        """A packed piece carries on from all its tokens so far, forced again as a prefix: read as a
        new beam search (_read_on) the 112 short clips scored half a point worse (session 22)."""
        begin, sot = tokenizer.timestamp_begin, list(tokenizer.sot_sequence)
        prompt = sot + reopen(out.tokens, begin)
        result = self.ct2.generate(
            _storage([composite]), [prompt], beam_size=self.options.beam_size, patience=1.0,
            **{**common, "max_length": min(fw.max_length(self.whisper), len(prompt) + common["max_length"])},
        )[0]
        tokens = cut_after(result.sequences_ids[0], begin, ends[i])
        if last_time(tokens, begin) <= last_time(out.tokens, begin):
            ends[i] = -1  # no progress: done with this one
            return
        out.tokens = tokens

    def _read_on(self, composite: np.ndarray, out: DecodeOutput, tokenizer: Tokenizer, ends: list[int], i: int,
                 common: dict) -> None:
        """A piece alone in its window reads on from where it stopped: the text so far as the prompt
        (before the start of transcript: one pass), over the tail's frames only (tail_memory)."""
        begin, sot = tokenizer.timestamp_begin, list(tokenizer.sot_sequence)
        stopped = last_time(out.tokens, begin)
        tail = tail_memory(composite, stopped, ends[i])
        most = fw.max_length(self.whisper)
        steps = min(most // 2, int(TOKENS_PER_SECOND * (len(tail) - TAIL_LEAD - MEMORY_TAIL) * 0.02) + 32)
        before = out.tokens[:-1][-(most - steps - len(sot) - 2):][-(most // 2 - 1):]
        prompt = [tokenizer.sot_prev, *before, *sot, begin + stopped]
        result = self.ct2.generate(  # CTranslate2 decodes at most min(max_length / 2, max_length - prompt)
            _storage([tail]), [prompt], beam_size=self.options.beam_size, patience=1.0,
            **{**common, "max_length": min(most, max(2 * steps, len(prompt) + steps))},
        )[0]
        tokens = out.tokens[:-1] + cut_after(result.sequences_ids[0], begin, ends[i])  # opens where it stopped
        if last_time(tokens, begin) <= stopped:
            ends[i] = -1  # no progress: done with this one
            return
        out.tokens = tokens

    def _summarise(
        self, result: ctranslate2.models.WhisperGenerationResult, tokenizer: Tokenizer, temperature: float, end: int,
    ) -> DecodeOutput:
        tokens = cut_after(result.sequences_ids[0], tokenizer.timestamp_begin, end)
        count = len(result.sequences_ids[0])
        avg_logprob = result.scores[0] * count / (count + 1)
        text = tokenizer.decode(tokens).strip()
        return DecodeOutput(
            tokens, avg_logprob, result.no_speech_prob, compression_ratio(text),
            is_looping(tokens, tokenizer.timestamp_begin), temperature, tokenizer,
        )

    def _fallback(
        self, composite: np.ndarray, prompt: list[int], tokenizer: Tokenizer, first: DecodeOutput, common: dict,
        end: int, in_doubt: bool = False,
    ) -> DecodeOutput:
        """The piece that failed `first` decoded on its whole composite (what the decoder
        attended to before memories were trimmed: a loop or garble there is rarely
        repeated), then with repeats penalised and forbidden (FALLBACK_DECODES): every step
        deterministic, so a rerun gives the same text. A piece `in_doubt` stops after the
        whole composite (settles_in_doubt)."""
        tried = [first]
        beam = self.ct2.generate(
            _storage([composite]), [prompt], beam_size=self.options.beam_size, patience=1.0, **common
        )[0]
        tried.append(self._summarise(beam, tokenizer, 0.0, end))
        if not tried[-1].needs_fallback:
            return tried[-1]
        if in_doubt:
            return settles_in_doubt(tried)
        own_s = (end - (prompt[-1] - tokenizer.timestamp_begin)) * 0.02  # this piece's budget, not its batch's
        common = {**common, "max_length": min(common["max_length"], len(prompt) + int(TOKENS_PER_SECOND * own_s) + 32)}
        for decode in FALLBACK_DECODES:
            result = self.ct2.generate(_storage([composite]), [prompt], patience=1.0, **decode, **common)[0]
            out = self._summarise(result, tokenizer, 0.0, end)
            tried.append(out)
            if not out.needs_fallback:
                return out
        below = [t for t in tried if t.compression_ratio <= COMPRESSION_RATIO_THRESHOLD and not t.looping]
        return max(below or tried, key=lambda t: t.avg_logprob)

    # -- word timestamps

    def words(
        self, memories: list[np.ndarray], starts: list[int], outputs: list[DecodeOutput], content: list[int],
        ends: list[float],
    ) -> list[list[dict]]:
        """Per piece, subsegments (window time, seconds) with their words.

        `memories` start at frame `starts` of their windows, of which `content`
        mel frames hold audio.

        A subsegment the decoder starts at or after its piece's end (`ends`, window
        seconds) is a second reading of the same speech, and is dropped. Pieces are aligned with the
        others of their language (the alignment is prompted in it, and splits words by its rules).
        """
        lists: list[list[dict]] = []
        for out, frames, end, lo in zip(outputs, content, ends, starts):
            subsegments = fw.split_by_timestamps(self.whisper, out.tokenizer, out.tokens, frames)
            lists.append([
                dict(s, seek=2 * lo) for s in subsegments
                if any(t < out.tokenizer.eot for t in s["tokens"]) and s["start"] < end + 0.3
            ])
        filled = [i for i, subs in enumerate(lists) if subs]
        for language in dict.fromkeys(outputs[i].tokenizer.language_code for i in filled):
            todo = [i for i in filled if outputs[i].tokenizer.language_code == language]
            fw.add_word_timestamps(
                self.whisper, [lists[i] for i in todo], outputs[todo[0]].tokenizer,
                _storage([memories[i] for i in todo]),
                [max(2, min(content[i] - 2 * starts[i], 2 * len(memories[i]))) for i in todo],
                PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS,
            )
        return lists


def tail_memory(composite: np.ndarray, stopped: int, end: int) -> np.ndarray:
    """What the decoder attends to when it reads on from frame `stopped` to its piece's `end`: the
    frames of `composite` (a piece's whole composite) from TAIL_LEAD before `stopped` (the speech
    before it is not shown again: a word there was read twice) to MEMORY_TAIL after `end`."""
    return composite[max(0, stopped - TAIL_LEAD) : min(len(composite), end + MEMORY_TAIL)]


def settles_in_doubt(tried: list[DecodeOutput]) -> DecodeOutput:
    """The reading kept for a piece whose language is in doubt once its first reading and its
    whole-composite reading both failed Whisper's checks: the surer of the two, still failing
    (batched gives no words for it, only `[inaudible]`). The penalised re-decodes are not run for
    it: they break a loop into other words of the doubtful language, never words that can be kept
    (the German and Romanian voice notes read as Latin: 3 of every 4 fallback decodes on the
    112 short clips, each on a whole 30 s composite, all given as `[inaudible]` after)."""
    return max(tried, key=lambda t: t.avg_logprob)


def _surer(found: tuple[str, float], other: tuple[str, float]) -> tuple[str, float] | None:
    """Two readings of one piece: the surer where they agree, `other` where it alone is sure, else None."""
    if other[0] == found[0]:
        return max(found, other, key=lambda reading: reading[1])
    return other if other[1] >= LANGUAGE_CONFIDENT else None


def _best(ranked: list[tuple[str, float]], allowed: tuple[str, ...]) -> tuple[str, float]:
    """The likeliest language in the allow-list, from CTranslate2's ranked ("<|de|>", p) pairs."""
    return likeliest_language([(tok[2:-2], p) for tok, p in ranked], allowed)


def _storage(arrays: list[np.ndarray]) -> ctranslate2.StorageView:
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.stack(arrays)))
