"""Many short files transcribed together: their speech packed into shared windows.

The VAD-trimmed speech of each file is packed (packing.py), several files to a
30 s window, in queue order, and decoded in batches (batched.decode_pieces);
each result still comes from its own file alone (decoder.py).

    for result in transcribe_clips(engine, sources, options):
        result.source, result.segments, result.language, result.language_probability
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from app.core.asr.batched import Stopped, decode_pieces, transcribe_source_batched
from app.core.asr.decoder import BatchDecoder
from app.core.asr.engine import WhisperEngine
from app.core.asr.language_check import (
    file_language,
    language_parts,
    withheld_confidence,
    withheld_note,
)
from app.core.asr.packing import (
    WINDOW_SAMPLES,
    BatchOptions,
    Piece,
    normalise_gain,
    pack,
)
from app.core.asr.pipeline import RunState, plan_tracks
from app.core.asr.speech import speech_chunks
from app.core.errors import ParleyError
from app.core.media.decode import SAMPLE_RATE, read_all
from app.core.options import TranscribeOptions
from app.core.types import Segment, SourceInfo

READERS = 2  # files read (decoded, resampled, VAD) side by side before their group is decoded


@dataclass(frozen=True)
class ClipResult:
    """One short file's transcript, or why it failed."""

    source: SourceInfo
    segments: tuple[Segment, ...]
    language: str
    language_probability: float
    error: str | None = None  # set when this file failed; the others are unaffected
    truncated: bool = False  # the audio ended before the container said it would
    packed_with: tuple[str, ...] = ()  # SHA-256 of the other files whose speech shared its windows
    notes: tuple[str, ...] = ()  # damaged ranges, the audio stream chosen
    languages: tuple[tuple, ...] = ()  # its worded speech by language (language_check.language_parts)


def transcribe_clips(
    engine: WhisperEngine,
    sources: Iterable[SourceInfo],
    options: TranscribeOptions,
    batch: BatchOptions | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int, float], None] | None = None,
) -> Iterator[ClipResult]:
    """Transcribe many short files together; one ClipResult per source, in input order.
    `on_progress(source index, fraction)` as each file's pieces are decoded.

    A stereo file to be split by speaker, or one longer than `batch.max_clip_s`,
    is transcribed on its own (batched.transcribe_source_batched) in its turn. Once
    should_stop() is true the results end early, between two steps of a batch.
    `batch`: by default the device's (engine.batch).
    """
    batch = batch or engine.batch
    decoder = BatchDecoder(engine, options, batch)
    forced = engine.check_language(options.language) if options.language else None
    allowed = tuple(engine.check_language(c) for c in options.languages)

    def flush(pending: list[_Pending], base: int) -> Iterator[ClipResult]:
        for owner, item in enumerate(pending):
            for p in item.pieces or ():
                p.owner = owner
        pieces = [p for item in pending if item.pieces for p in item.pieces]
        piece_done = _progress_counter(pending, base, on_progress)
        languages: dict[int, tuple[str, float] | None] = {
            p.owner: ((forced, 1.0) if forced else None) for p in pieces
        }
        windows = pack(pieces, batch)  # in order: a file's pieces, and files queued together, share windows
        found = decode_pieces(decoder, windows, languages, allowed, should_stop, piece_done,
                             follow=not forced, mixed=batch.mixed_languages) if pieces else {}  # a note may change
        # language part-way; notes in several languages may share beam searches (batched.language_batches)
        companions = _companions(windows, [item.source.sha256 for item in pending])
        for index, item in enumerate(pending):
            if item.error is not None:
                yield ClipResult(item.source, (), "", 0.0, item.error)
            elif item.pieces is None:
                yield _alone(engine, item.source, options, batch, should_stop)
            else:
                language, probability = found.get(index, (forced or "", 1.0 if forced else 0.0))
                # an English-only model detects nothing: "read as en 100%" would claim it did
                withheld = None if forced or not engine.multilingual else withheld_note(item.pieces)
                if not forced:  # the language its own text was decoded in, and how sure its own audio is
                    language, probability = file_language(item.pieces, (language, probability))
                if withheld:  # no words kept: its language is in doubt, however sure one reading was
                    probability = withheld_confidence(item.pieces, language, probability)
                segments = tuple(s for p in item.pieces for s in p.segments)
                yield ClipResult(item.source, segments, language, probability, truncated=item.truncated,
                                 packed_with=companions.get(index, ()), notes=(*item.notes, *filter(None, [withheld])),
                                 languages=tuple(tuple(part) for part in language_parts(item.pieces)))

    items = _read_clips(list(sources), options, batch)
    done = 0
    try:
        for group in _groups(items, batch):
            yield from flush(group, done)
            done += len(group)
    except Stopped:
        return


def _read_clips(sources: list[SourceInfo], options: TranscribeOptions, batch: BatchOptions) -> list[_Pending]:
    """Each source read and its speech found, in order, two at a time (reading is most of a core's work
    while the decoder waits for it)."""
    with ThreadPoolExecutor(READERS) as pool:
        return list(pool.map(lambda source: _read_clip(source, options, batch), sources))


def _groups(items: list[_Pending], batch: BatchOptions) -> Iterator[list[_Pending]]:
    """The files cut, in order, into groups whose windows are encoded together (at most about
    `batch.group_windows`: memory). `batch.even_groups`: groups of about one size (a last group
    of a few files was decoded on one replica while the other waited); otherwise (a run made
    before session 17) a group closes once it reaches group_windows."""
    needed = [sum(len(p.audio) + batch.gap_s * SAMPLE_RATE for p in item.pieces or ()) / WINDOW_SAMPLES
              for item in items]
    count = max(1, math.ceil(sum(needed) / batch.group_windows))
    ends = [sum(needed) * k / count - 1e-6 for k in range(1, count)]  # where each even group ends
    group: list[_Pending] = []
    filled = total = 0.0
    for item, windows in zip(items, needed):
        group.append(item)
        filled, total = filled + windows, total + windows
        full = bool(ends) and total >= ends[0] if batch.even_groups else filled >= batch.group_windows
        if full:
            yield group
            group, filled = [], 0.0
            ends = [end for end in ends if end > total]
    if group:
        yield group


def _progress_counter(pending: list[_Pending], base: int,
                      on_progress: Callable[[int, float], None] | None) -> Callable[[Piece], None] | None:
    """Per file, the share of its pieces decoded, reported as each piece is done."""
    if on_progress is None:
        return None
    totals = {owner: len(item.pieces) for owner, item in enumerate(pending) if item.pieces}
    done = dict.fromkeys(totals, 0)

    def piece_done(piece: Piece) -> None:
        done[piece.owner] += 1
        on_progress(base + piece.owner, done[piece.owner] / totals[piece.owner])

    return piece_done


def _companions(windows: list[list[Piece]], hashes: list[str]) -> dict[int, tuple[str, ...]]:
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
    pieces: list[Piece] | None  # None: transcribed on its own
    error: str | None = None
    truncated: bool = False
    notes: tuple[str, ...] = ()


def _read_clip(source: SourceInfo, options: TranscribeOptions, batch: BatchOptions) -> _Pending:
    if len(plan_tracks(source, options.channels)) > 1 or source.duration_ms > batch.max_clip_s * 1000:
        return _Pending(source, None)
    try:
        audio, reader = read_all(source.path, expected_ms=source.duration_ms)
    except ParleyError as exc:
        return _Pending(source, [], str(exc))
    except Exception as exc:  # noqa: BLE001 - a decoder fault in one file is its failure, not its batch's
        return _Pending(source, [], f"unexpected error reading it ({type(exc).__name__}: {' '.join(str(exc).split())})")
    chunks = list(speech_chunks([audio], use_vad=options.vad)) if len(audio) else []
    pieces = [Piece(0, c, normalise_gain(c.audio, batch.target_rms)) for c in chunks]  # owner: set by its group
    return _Pending(source, pieces, truncated=reader.truncated, notes=reader.notes)


def _alone(
    engine: WhisperEngine, source: SourceInfo, options: TranscribeOptions, batch: BatchOptions,
    should_stop: Callable[[], bool],
) -> ClipResult:
    state = RunState()
    try:
        done = list(transcribe_source_batched(engine, source, options, state, should_stop, batch))
    except ParleyError as exc:
        return ClipResult(source, (), "", 0.0, str(exc))
    if not done or not done[-1].final or should_stop():
        raise Stopped
    segments = tuple(s for d in done for s in d.segments)
    return ClipResult(source, segments, done[-1].language, done[-1].language_probability,
                      truncated=any(d.truncated for d in done), notes=tuple(n for d in done for n in d.notes),
                      languages=tuple(tuple(part) for part in state.languages))
