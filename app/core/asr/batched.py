"""The batched decoder at work: packed windows decoded side by side, and one long file.

decode_pieces encodes packed windows (packing.py) and decodes their pieces
(decoder.BatchDecoder) on the model's replicas side by side
(device.Placement.replicas). PackedDecoder is the pipeline's default
ChunkDecoder: the VAD chunks of one track, packed and decoded in groups.

    for done in transcribe_source(engine, source, options, state):  # long files
        done.track, done.segments, done.done_ms, done.final ...
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from app.core.asr import hallucination, inaudible, language_check
from app.core.asr.decoder import LANGUAGE_CONFIDENT, LOG_PROB_THRESHOLD, BatchDecoder, DecodeOutput
from app.core.asr.engine import WhisperEngine
from app.core.asr.packing import (
    ENCODER_FRAMES,
    BatchOptions,
    Packer,
    Piece,
    decode_batches,
    end_token,
    for_long_recordings,
    memory_span,
    normalise_gain,
    start_token,
    window_audio,
)
from app.core.asr.pipeline import ChunkDecoder, ChunkDone, RunState, start_state, transcribe_tracks
from app.core.asr.speech import SpeechChunk
from app.core.language_parts import main_language, merge_parts
from app.core.media.decode import SAMPLE_RATE
from app.core.memory import hand_back
from app.core.options import TranscribeOptions
from app.core.types import Segment, SourceInfo, Word


def _to_ms(seconds: float, piece: Piece) -> int:
    """Window time (s) -> source time (ms), clamped to the piece's own span."""
    ms = piece.chunk.start_ms + round(seconds * 1000 - piece.offset * 1000 / SAMPLE_RATE)
    return max(piece.chunk.start_ms, min(piece.chunk.end_ms, ms))


def _records(piece: Piece, subsegments: list[dict], out: DecodeOutput, keep_words: bool) -> list[Segment]:
    """Segments of `piece` (source time) from its subsegments and their words (window time)."""
    tokenizer = out.tokenizer
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
            avg_logprob=round(float(out.avg_logprob), 4), no_speech_prob=round(float(out.no_speech_prob), 4),
        ))
    return segments


class Stopped(Exception):
    """should_stop() said so between two steps of a batch."""


def decode_pieces(
    decoder: BatchDecoder,
    windows: list[list[Piece]],
    languages: dict[int, tuple[str, float] | None],
    allowed: tuple[str, ...],
    should_stop: Callable[[], bool] = lambda: False,
    on_piece_done: Callable[[Piece], None] | None = None,
    doubted: frozenset[int] = frozenset(),
    carried: bool = False,
    follow: bool = False,
    mixed: bool = False,
) -> dict[int, tuple[str, float]]:
    """Fill `piece.segments` for every piece of the packed `windows`; returns the language of each owner.
    `on_piece_done(piece)` is called on this thread as each piece's text is ready.

    `languages[owner]` is the known (language, probability) or None: then the
    owner's first piece decides it. Windows are encoded, and batches decoded,
    on the model's replicas side by side. Raises Stopped between two steps
    once should_stop() is true.

    A piece that shared its window and came out with no words where VAD heard speech, its language
    known with confidence, is decoded again alone (its own window, its owner's language), and its
    words are kept only if they pass the log-probability check (as are those of the owners a packed
    window left in doubt, `doubted`): a Polish note (p=0.83) packed after an English and a Spanish one
    came out "[inaudible]" twice, and in words alone; an English clip packed among others was called
    noise (no words, no marker) and read right alone; the German and Romanian notes read as Latin
    stay inaudible (the Romanian, alone, spelt letters at a failing log-probability), as does the
    French read as Thai (p=0.61: decoded alone it gave Thai words). Each such piece is
    decoded again in its own batch of one as soon as its first decode is done, beside the rest of
    the work (it used to wait for the whole group, then run on one replica while the other idled):
    deterministic, the same batch gives the same pieces to decode again.

    `carried`: the known languages were detected earlier in the same recording (a long file's
    later groups), not set by the user: its unsure pieces are checked on their own audio too. A
    piece whose own audio is sure of another language is decoded again alone in it
    (language_check.own_language); `piece.language` is what its text was decoded in.

    `follow`: the pieces are one long recording's (its language not set by the user), and may change
    language from one to the next: each piece's language is detected on its own composite (a decoder
    step, no encoder pass), and a piece it names another language for with confidence is decoded in
    that one where its own audio confirms it (language_check.switches); a piece whose own stretches change
    language part-way is cut there, each part decoded in its own (language_check.mixed_pieces).

    `mixed`: pieces of one memory span share a beam search whatever their languages, each prompted
    in its own (many short files: see decode_batches).
    """
    batch, options, workers = decoder.batch, decoder.options, decoder.engine.placement.replicas
    pieces = [p for w in windows for p in w]
    for index, window in enumerate(windows):
        for p in window:
            p.window, p.alone = index, len(window) == 1
        if len(window) == 1:  # decoded alone from the window's start, as the note alone is: a piece read again
            window[0].offset = 0  # alone kept its packed place (the Polish note 9 s in: silence, -1.53, withheld)

    def encode(window: list[Piece]) -> tuple[np.ndarray, int, float]:
        states, content, floor = decoder.encode(window_audio(window))
        if len(window) > 1:
            decoder.silence(floor)  # its pieces' composites need it: encoded here, beside the other windows
        return states, content, floor

    doubtful: set[int] = set(doubted)  # owners whose packed window left their language in doubt
    leads: dict[int, Piece] = {}  # each owner of unknown language: its first piece decides

    def checkable(piece: Piece) -> bool:
        """Its language was detected (in this batch, or earlier in its recording), not set by the user."""
        return piece.owner in leads or (carried and piece.owner not in doubted)

    def detect(part: list[Piece]) -> list[tuple[str, float]]:
        memories, _ = decoder.memories(encoded, part)
        found = decoder.detect(memories, allowed)
        doubtful.update(p.owner for p, f in zip(part, found) if f[1] < LANGUAGE_CONFIDENT)
        checked = [decoder.language_of(f, p, allowed) for p, f in zip(part, found)]
        for p, f, d in zip(part, found, checked):
            language_check.heard(p, f, language_check.in_its_window(p))
            if d != f:
                language_check.heard(p, d, "on its own audio")
        return checked

    def language_of(piece: Piece) -> str:
        return decided.get(id(piece), languages[piece.owner])[0]  # type: ignore[index]

    def transcribe(part: list[Piece]) -> None:
        spoken = [language_of(p) for p in part]  # each piece's own: a batch may hold several (`mixed`)
        memories, starts = decoder.memories(encoded, part)
        outputs = decoder.decode(
            memories, spoken, [start_token(p) for p in part], [end_token(p) for p in part],
            lambda i: decoder.memories(encoded, [part[i]], ENCODER_FRAMES)[0][0],
            [p.owner in doubtful for p in part], [p.alone for p in part],
        )
        content = [encoded[p.window][1] for p in part]
        ends = [(p.offset + len(p.audio)) / SAMPLE_RATE for p in part]
        for p, language, out, subs in zip(part, spoken, outputs,
                                          decoder.words(memories, starts, outputs, content, ends)):
            in_doubt = p.owner in doubtful  # its words kept only from a reading that passes the checks
            own = decided.get(id(p), languages[p.owner])  # its language, and how sure of it its own audio is
            read = own if id(p) in measured else _own_reading(decoder, p, own[0], allowed)  # on its own audio
            unreadable = out.silent or (in_doubt and (out.needs_fallback or _unsure_reading(out, own, read)))
            if not unreadable and language_check.needs_own_check(out, checkable(p), p.owner in doubtful):
                own = language_check.own_language(decoder, p, language, allowed)
                if own[0] != language:  # its own audio is sure of another: decoded alone in that one
                    decode_pieces(decoder, [[p]], {p.owner: own}, allowed, doubted=frozenset({p.owner}))
                    continue
                unreadable = own[1] < LANGUAGE_CONFIDENT and _unsure_reading(out, own)
            p.language = own
            raw = [] if unreadable else _records(p, subs, out, options.word_timestamps)
            if any(language_check.wrong_script(language, s.text) for s in raw):
                raw = []  # Thai letters decoded as French, kana as English: not its words
            p.segments = hallucination.clean(raw)
            if options.vad:  # VAD found speech here: where it has no words, say so
                p.segments = inaudible.with_markers(
                    p.chunk, p.segments, inaudible.heard_noise(raw, out.no_speech_prob))
            if p.alone:
                continue
            if own[1] < batch.reread_min_language:  # type: ignore[index]  # a guessed language: never read again (the
                if options.vad and _words_leave_speech_unread(p):  # re-read invents words in it), its words
                    p.segments = inaudible.with_markers(p.chunk, [], False)  # kept only when they cover its speech
                continue
            if _speech_without_words(p):
                decode_pieces(decoder, [[p]], {p.owner: own}, allowed,
                              doubted=frozenset(doubtful | {p.owner}))  # a second reading: confident, or inaudible
            elif inaudible.speech_unread(p.chunk, p.segments):  # its words alone, not its window's
                decode_pieces(decoder, [[p]], {p.owner: own}, allowed, doubted=frozenset(doubtful))

    with ThreadPoolExecutor(workers) as pool:
        encoded = _map(pool, encode, windows, should_stop)
        languages = dict(languages)
        measured = set() if carried else {id(p) for p in pieces if languages.get(p.owner) is not None}
        for p in pieces:
            if languages.get(p.owner) is None:
                leads.setdefault(p.owner, p)
        lead_parts = decode_batches(list(leads.values()), batch, workers)
        for part, found in zip(lead_parts, _map(pool, detect, lead_parts, should_stop)):
            languages.update((p.owner, f) for p, f in zip(part, found))
        measured.update(id(p) for p in leads.values())  # a piece's language measured on its own audio
        decided: dict[int, tuple[str, float]] = {}  # a long recording's pieces: the language each is decoded in
        if follow and decoder.engine.multilingual:
            rest = decode_batches([p for p in pieces if leads.get(p.owner) is not p], batch, workers)
            found = _map(pool, lambda part: decoder.detect(decoder.memories(encoded, part)[0], allowed), rest,
                         should_stop)
            decided = language_check.switches(decoder, [p for part in rest for p in part],
                                               [f for fs in found for f in fs], languages, allowed, measured)
        split = language_check.mixed_pieces(decoder, encoded, pieces, decided, languages, allowed,
                                            lambda fn, items: _map(pool, fn, items, should_stop)) if follow else {}
        decided.update((id(u), u.language) for parts in split.values() for u in parts)  # type: ignore[misc]
        measured.update(id(u) for parts in split.values() for u in parts)
        whole = {id(parts[-1]): p for p in pieces for parts in [split.get(id(p))] if parts}  # a cut piece is done with its last part
        units = [u for whole_piece in pieces for u in split.get(id(whole_piece), [whole_piece])]
        work = language_batches(units, language_of, batch, workers, mixed)
        cut_parts = {id(u) for parts in split.values() for u in parts}
        done = (lambda part: [on_piece_done(whole.get(id(p), p)) for p in part
                              if id(p) not in cut_parts or id(p) in whole]) if on_piece_done else None
        _map(pool, transcribe, work, should_stop, done)
        language_check.join_parts(pieces, split)
    return languages  # type: ignore[return-value]


def language_batches(units: list[Piece], language_of: Callable[[Piece], str], batch: BatchOptions, workers: int,
                     mixed: bool = False) -> list[list[Piece]]:
    """The pieces cut into beam searches (packing.decode_batches: one memory span each, at most the decode
    batch and frame bound), longest work first (no replica idles at the end); of one language each unless
    `mixed`: then each piece is prompted in its own language beside the others (a prompt is as long in
    every language). On the 112 clips (session 24, in-process): 44 beam searches instead of 65 and 5% less
    CPU, but not the same text: CTranslate2's float sums differ with a batch's make-up, a piece at the
    edge of Whisper's checks (an Austen clip's first reading, "He", by the log-probability floor) went
    the other way, en 6.4 -> 7.0%, and 3 clips' word times moved 20-210 ms. So it is off by default
    (BatchOptions.mixed_languages)."""
    keyed: dict[str, list[Piece]] = {}
    for piece in units:
        keyed.setdefault("" if mixed else language_of(piece), []).append(piece)
    work = [part for same in keyed.values() for part in decode_batches(same, batch, workers)]
    return sorted(work, key=lambda part: -memory_span(part[0]) * len(part))


LANGUAGE_IN_DOUBT = 0.75  # still this unsure after the piece alone was asked (LANGUAGE_CONFIDENT is 0.8)
UNSURE_LOG_PROB = -0.5  # ... and a reading less sure than this is not given as words in it
LANGUAGE_GUESSED = 0.5  # below this, its language is a guess: no words in it, however they decode


def _own_reading(decoder: BatchDecoder, piece: Piece, language: str,
                 allowed: tuple[str, ...]) -> tuple[str, float] | None:
    """How sure the piece's readings were of `language` (language_check.read_as); one read only in its
    packed window below LANGUAGE_GUESSED is asked of its own audio first, so what shares its window (packing,
    a resume's regrouping) never decides alone that its words are withheld."""
    found = language_check.read_as(piece, language)
    packed_only = all(how in (language_check.PACKED, language_check.OWN_WINDOW)  # its window's only
                      for code, _, how in piece.heard if code == language)
    if found is None or found[1] >= LANGUAGE_GUESSED or not packed_only:
        return found
    return language, language_check.own_confidence(decoder, piece, language, allowed)


def _unsure_reading(out: DecodeOutput, language: tuple[str, float] | None,
                    own: tuple[str, float] | None | bool = True) -> bool:
    """Words of a piece whose language its packed window left in doubt are kept only where they decode
    well: above Whisper's log-probability check, and, where the language stayed in doubt after the
    piece alone was asked (below 75%), with the decoder sure of them too. The French note read as Thai
    (53-71%, by what shared its window) gave Thai words at -0.63 on one CPU's kernels (below -1.0 on
    another's); the Polish note (81%, -0.97) and every note whose language is sure keep theirs. Below 50%
    Whisper is surer it is another language than this one: the Romanian note, read as Italian at 23%, gave
    Italian words (-0.49) packed before the Spanish and Polish notes, `[inaudible]` (under -0.5) after them.
    That floor is the piece's own reading of it (`own`: True, `language` itself), never a score carried
    from the piece before: a note's clear English part (-0.3) was withheld for its first piece's Italian 23%."""
    if out.avg_logprob < LOG_PROB_THRESHOLD:
        return True
    own = language if own is True else own
    return language is not None and ((own is not None and own[1] < LANGUAGE_GUESSED) or (
        language[1] < LANGUAGE_IN_DOUBT and out.avg_logprob < UNSURE_LOG_PROB))


def _words_leave_speech_unread(piece: Piece) -> bool:
    """Its words, read in a language its own audio is unsure of, leave speech Silero is sure of unread: a packed
    reading gone wrong (two copies of a French note packed together: Thai letters for the first), withheld."""
    return any(s.text.strip() for s in piece.segments) and inaudible.speech_unread(piece.chunk, piece.segments)


def _speech_without_words(piece: Piece) -> bool:
    """VAD heard speech in the piece (an inaudible marker, or a region long enough for one that the
    decode called noise) and not one word was recognised."""
    if any(s.text.strip() for s in piece.segments):
        return False
    return any(s.inaudible for s in piece.segments) or any(
        inaudible.region_speech_ms(region) >= inaudible.MIN_SPEECH_MS for region in piece.chunk.regions)


def _map(pool: ThreadPoolExecutor, fn: Callable, items: list, should_stop: Callable[[], bool],
         on_done: Callable[[Any], None] | None = None) -> list:
    """[fn(item) for item in items], run on the pool. should_stop() is asked on this
    thread only (it may read a database connection of this thread), every 0.1 s;
    once it is true no further item starts and Stopped is raised. on_done(item), also
    on this thread, as each item finishes."""
    stopped = threading.Event()

    def guarded(item):
        if stopped.is_set():
            raise Stopped
        return fn(item)

    futures = [pool.submit(guarded, item) for item in items]
    item_of = dict(zip(futures, items))
    pending = set(futures)
    while pending:
        if not stopped.is_set() and should_stop():
            stopped.set()
        finished, pending = wait(pending, timeout=0.1)
        for future in finished:
            if on_done is not None and future.exception() is None:
                on_done(item_of[future])
    if stopped.is_set():
        raise Stopped
    return [f.result() for f in futures]


# ---------------------------------------------------------------- one long file


class PackedDecoder:
    """pipeline.ChunkDecoder over packed windows: the VAD chunks of one track, batched.

    Chunks are packed into windows as they arrive; once the closed windows hold
    enough chunks (2, then 4, ... up to `batch.decode_batch`) they are decoded together, and each window is
    one commit unit (so a resumed run restarts at a window boundary and packs
    what follows exactly as before). Memory stays bounded by one group.
    """

    def __init__(self, engine: WhisperEngine, options: TranscribeOptions, batch: BatchOptions | None = None) -> None:
        self.batch = for_long_recordings(batch or engine.batch, engine.placement.device)  # the device's (device.plan), frames bounded
        self.decoder = BatchDecoder(engine, options, self.batch)
        self.decoder.read_on_alone = True  # short clips alone in a window scored 14.2% read on, 14.1% carried on
        self.allowed = tuple(engine.check_language(c) for c in options.languages)

    def decode(
        self, chunks: Iterator[SpeechChunk], state: RunState, should_stop: Callable[[], bool]
    ) -> Iterator[tuple[SpeechChunk, list[Segment]]]:
        packer = Packer(self.batch)
        closed: list[list[Piece]] = []
        group = min(2, self.batch.decode_batch)  # small first groups: the first text shows up early
        try:
            for chunk in chunks:
                closed += packer.add(Piece(0, chunk, normalise_gain(chunk.audio, self.batch.target_rms)))
                if sum(len(w) for w in closed) >= group:
                    yield from self._decode(closed, state, should_stop)
                    hand_back()  # the group's buffers are all freed: their pages go back (memory.py)
                    closed, group = [], min(2 * group, self.batch.decode_batch)
            closed += packer.close()
            if closed:
                yield from self._decode(closed, state, should_stop)
                hand_back()
        except Stopped:
            return

    def _decode(
        self, windows: list[list[Piece]], state: RunState, should_stop: Callable[[], bool]
    ) -> Iterator[tuple[SpeechChunk, list[Segment]]]:
        known = (state.language, state.language_probability or 0.0) if state.language else None
        if known is not None and state.language_now:  # the language its speech was in last, not the main one
            known = (state.language_now[0], float(state.language_now[1]))
        found = decode_pieces(self.decoder, windows, {0: known}, self.allowed, should_stop,
                              carried=known is not None and not self.decoder.options.language,
                              follow=not self.decoder.options.language)
        for window in windows:  # each window a commit unit: what a resumed run carries on from
            state.languages = merge_parts(state.languages, language_check.language_parts(window))
            state.language, state.language_probability = main_language(state.languages, found[0])
            state.language_now = window[-1].language or state.language_now
            yield window[-1].chunk, [s for p in window for s in p.segments]


def transcribe_source(
    engine: WhisperEngine,
    source: SourceInfo,
    options: TranscribeOptions,
    state: RunState | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    decoder: ChunkDecoder | None = None,
) -> Iterator[ChunkDone]:
    """Yield each commit unit's segments in order, resuming after what `state` says is done.

    Decoded by `decoder`, by default the packed decoder (pipeline.ChunkByChunk is
    faster-whisper's own transcribe, chunk by chunk).
    """
    state = start_state(engine, options, state)
    yield from transcribe_tracks(source, options, decoder or PackedDecoder(engine, options), state, should_stop)


def transcribe_source_batched(
    engine: WhisperEngine,
    source: SourceInfo,
    options: TranscribeOptions,
    state: RunState | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    batch: BatchOptions | None = None,
) -> Iterator[ChunkDone]:
    """transcribe_source with the packed decoder and these batch options (by default the device's)."""
    return transcribe_source(engine, source, options, state, should_stop, PackedDecoder(engine, options, batch))
