"""Is a packed piece's language really the one its shared window named?

A piece packed with other files' speech has its language detected on its window's
composite (decoder.BatchDecoder.memories), in a batch with other windows' pieces: what
shares the window, and the batch (int8 kernels), moves the answer.
The shared French voice note, packed with the other shared notes on an AVX-512 VNNI
CPU, was read as Thai at 85% (above every doubt bar) and gave Thai words scored
-0.83; on its own frames Whisper gives Thai only 53%, padded to a full window 61%.

So a piece whose language its batch named with confidence, but whose decode
is unsure, has its language asked again on its own audio (first its own frames, then,
if they are unsure too or name another language, a full 30 s pass, as the
file-by-file path would): that confidence, not the window's, decides whether its
words are kept (batched._unsure_reading). Words written in a script the language is
not written in are never kept.

    confidence = own_confidence(decoder, piece, "th", allowed)   # 0.61: in doubt
    wrong_script("en", "ご視聴ありがとうございました")                # True

A piece whose own audio changes language part-way (a speaker going on in another language without a
pause) is cut where it changes, each part decoded in its own (mixed_pieces).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np

from app.core.asr import fw_internals as fw
from app.core.asr.decoder import LANGUAGE_CONFIDENT, BatchDecoder, DecodeOutput
from app.core.asr.packing import ENCODER_FRAMES, Piece
from app.core.asr.speech import SpeechChunk
from app.core.chats.scripts import can_be_written_in, main_script
from app.core.language_parts import merge_parts

SUSPECT_LOG_PROB = -0.5  # a decode less sure than this has its window's language checked on its own audio


def needs_own_check(out: DecodeOutput, detected: bool, doubted: bool) -> bool:
    """A piece whose language was detected in its batch with confidence (not given by the user, not
    already checked alone), and whose decode is unsure. A piece alone in its window counts too: its
    language was detected in a batch of several windows, and int8 batched scores move with what
    shares the batch (the French note alone in its window: Thai at 85% in a batch, 61% on its own)."""
    return detected and not doubted and not out.silent and out.avg_logprob < SUSPECT_LOG_PROB


def switches(decoder: BatchDecoder, pieces: list[Piece], found: list[tuple[str, float]],
             languages: dict[int, tuple[str, float] | None], allowed: tuple[str, ...],
             measured: set[int] | None = None) -> dict[int, tuple[str, float]]:
    """The language each piece of one recording is decoded in (by id), in order: the language of the
    piece before it (its owner's before the first), unless its composite (`found`) names another with
    confidence and its own audio confirms it (own_language: its own frames and a full 30 s pass).
    Each piece's language so depends only on the pieces before it, not on how they were grouped (a
    resumed run decides as the uninterrupted one did). A long file's later parts were decoded in its
    first part's language, and only an unsure decode (below -0.5) was checked: a part decoded surely
    in the wrong language was never looked at (a recording's Spanish end read as Portuguese, -0.45).
    `measured` gets the id of each piece that changes language (its own audio measured it)."""
    decided: dict[int, tuple[str, float]] = {}
    current: dict[int, tuple[str, float] | None] = dict(languages)
    for piece, detected in sorted(zip(pieces, found), key=lambda pair: pair[0].chunk.start_ms):
        heard(piece, detected, in_its_window(piece))
        usual = current[piece.owner]
        if usual is not None and detected[0] != usual[0] and detected[1] >= LANGUAGE_CONFIDENT:
            own = own_language(decoder, piece, usual[0], allowed)
            if own[0] != usual[0]:
                usual = own
                if measured is not None:
                    measured.add(id(piece))
        if usual is not None:
            decided[id(piece)] = current[piece.owner] = usual
    return decided


def own_confidence(decoder: BatchDecoder, piece: Piece, language: str, allowed: tuple[str, ...]) -> float:
    """How sure Whisper is of `language` on the piece's own audio (own_language's answer for it; 0.0
    where its own audio is sure of another language)."""
    found = own_language(decoder, piece, language, allowed)
    return found[1] if found[0] == language else 0.0


def own_language(decoder: BatchDecoder, piece: Piece, language: str, allowed: tuple[str, ...]) -> tuple[str, float]:
    """The language of the piece's own audio, as (language, confidence).

    `language` with how sure its own frames are of it, if they name it with confidence; else the
    best of that and a full-window pass on the piece alone (0.0 for a pass that names another
    language). Another language only where the piece's own audio is sure of it: its own frames name
    it at LANGUAGE_CONFIDENT or more and the full pass names it too; its confidence is the lower of
    the two passes (the shared German note: Latin 92% on its own frames, 50% padded to 30 s; a
    decode in a language two detections disagree on must be sure to be kept, batched._unsure_reading).
    An English-only model has no language to doubt: (`language`, 1.0)."""
    if not decoder.engine.multilingual:
        return language, 1.0
    alone = heard(piece, decoder.detect_alone(piece.audio, allowed), "on its own frames")
    own = alone[1] if alone[0] == language else 0.0
    if own >= LANGUAGE_CONFIDENT:
        return language, own
    full = heard(piece, decoder.engine.detect_language(piece.chunk.audio, allowed), "on a full 30 s pass")
    if alone[0] != language and alone[1] >= LANGUAGE_CONFIDENT and full[0] == alone[0]:
        return alone[0], min(alone[1], full[1])
    return language, max(own, full[1] if full[0] == language else 0.0)


def read_as(piece: Piece, language: str) -> tuple[str, float] | None:
    """How sure a detection of the piece's own audio was of `language` (the surest), else None."""
    scores = [probability for code, probability, _ in piece.heard if code == language]
    return (language, max(scores)) if scores else None


PACKED, OWN_WINDOW = "in its packed window", "in its own window"  # a detection in the window it was decoded in


def in_its_window(piece: Piece) -> str:
    """How a detection in the piece's decode window is said: packed with others' speech, or alone in it."""
    return OWN_WINDOW if piece.alone else PACKED


def heard(piece: Piece, found: tuple[str, float], how: str) -> tuple[str, float]:
    """Note one detection of the piece's language (what a file whose words were all withheld reports,
    withheld_note); returns `found`."""
    piece.heard.append((found[0], float(found[1]), how))
    return found


def withheld_note(pieces: list[Piece]) -> str | None:
    """What the reader of a file whose speech was heard but none of whose words were kept must read:
    its language is uncertain, with every language its speech was read as and how sure each reading
    was. The shared German note reported "la 0.92" (Latin, its own frames) over `[inaudible]`, which
    reads as confident; its full 30 s pass said Latin 50%, its window German. None where any piece
    has words, or none was heard."""
    if any(s.text.strip() for p in pieces for s in p.segments) or not any(
            s.inaudible for p in pieces for s in p.segments):
        return None
    best: dict[tuple[str, str], float] = {}
    for p in pieces:
        for code, probability, how in p.heard:
            best[code, how] = max(best.get((code, how), 0.0), probability)
    if not best:
        return None
    said = ", ".join(f"{code} {probability:.0%} {how}" for (code, how), probability
                     in sorted(best.items(), key=lambda item: -item[1]))
    return f"language uncertain: speech was heard but no words were kept; it was read as {said}"


def withheld_confidence(pieces: list[Piece], language: str, probability: float) -> float:
    """The confidence a withheld file reports for `language`: the lowest any detection gave it
    (the German note: Latin 92% on its own frames, 50% on a full pass: 0.50, not 0.92)."""
    readings = [found[1] for p in pieces for found in p.heard if found[0] == language]
    return min([probability, *readings])


def file_language(pieces: list[Piece], detected: tuple[str, float]) -> tuple[str, float]:
    """What a file reports: the language most of its speech was decoded in (pieces with words
    first; `piece.language`, set by batched.decode_pieces), with the lowest confidence any of those
    pieces had in it; `detected` where no piece says (none decoded, or none checked)."""
    read = [p for p in units(pieces) if p.language is not None]
    if not read:
        return detected
    worded = [p for p in read if any(s.text.strip() for s in p.segments)] or read
    spoken: dict[str, int] = {}
    for p in worded:
        spoken[p.language[0]] = spoken.get(p.language[0], 0) + len(p.audio)  # type: ignore[index]
    language = max(spoken, key=lambda code: (spoken[code], code == detected[0]))
    return language, min(p.language[1] for p in worded if p.language[0] == language)  # type: ignore[index]


TWO_SCRIPTS = frozenset({"sr", "bs", "uz", "az", "tt", "ba", "kk", "ky", "tg", "tk", "mn", "pa", "sd", "ku"})


def wrong_script(language: str, text: str) -> bool:
    """The text is mostly in letters other than Latin that `language` is not written in (Thai
    letters in a French decode, kana in an English one): not words of that language. Latin
    letters are not judged (a name, or English spoken amid Hindi, is written in them), nor are
    languages written in two scripts (Serbian in Cyrillic or Latin)."""
    if language in TWO_SCRIPTS or not any(ch.isalpha() for ch in text):
        return False
    return main_script([text]) not in (None, "LATIN") and not can_be_written_in(language, [text])


# ---------------------------------------------------------------- a file's parts in several languages

MS_PER_SAMPLE = 1000 / 16000


def language_parts(pieces: list[Piece]) -> list[list]:
    """The file's worded speech by language, in order: [start ms, end ms, language, lowest confidence,
    speech ms] for each run of pieces decoded in one language (`piece.language`). JSON-ready: a run's
    state keeps them (a long file's groups add theirs, merge_parts), and its exports say each
    segment's language from them (a 7-minute recording of English, German, then English speech
    reported "en 0.99" alone, its German part decoded in German but said nowhere)."""
    parts: list[list] = []
    for p in sorted((p for p in units(pieces) if p.language is not None and any(s.text.strip() for s in p.segments)),
                    key=lambda p: p.chunk.start_ms):
        code, confidence = p.language  # type: ignore[misc]
        parts = merge_parts(parts, [[p.chunk.start_ms, p.chunk.end_ms, code, round(float(confidence), 4),
                                     round(len(p.chunk.audio) * MS_PER_SAMPLE)]])
    return parts


# ---------------------------------------------------------------- a piece holding two languages

STRETCH_FRAMES = 200  # 4 s: the stretches of a piece whose language is asked one by one (encoder frames)
MIN_PART_FRAMES = 150  # 3 s: a run of another language shorter than this is not cut out of its piece
CUT_SEARCH_SAMPLES = 32000  # 2 s (half a stretch) either side of where two stretches' languages meet: the cut's search
FRAME_SAMPLES = 320


def mixed_pieces(decoder: BatchDecoder, encoded: list, pieces: list[Piece], decided: dict[int, tuple[str, float]],
                 languages: dict[int, tuple[str, float] | None], allowed: tuple[str, ...],
                 each: Callable[[Callable, list], list] = lambda fn, items: [fn(i) for i in items],
                 ) -> dict[int, list[Piece]]:
    """The pieces that hold speech in two languages, each cut where its own audio's language changes
    (by id: its parts, in order, `part.language` the one each is to be decoded in). A speaker who
    switched from English to Spanish without a pause gave one speech chunk, decoded in English
    throughout: its Spanish came out as English words or `[inaudible]`. Each piece of 8 s or more has
    its language asked on each 4 s stretch of its own encoder states (one decoder step each, no
    encoder pass); a run of stretches of 3 s or more that names another language with confidence,
    confirmed on its own frames, is cut off at the lowest point of Silero VAD's speech probability
    near where the languages meet. `each(fn, pieces)`: [fn(piece) ...], on the replicas side by side
    (batched._map): each piece's questions are its own, so the answers are the same in any order; asked
    one piece after another on the calling thread, one core idled through them."""
    if not decoder.engine.multilingual:
        return {}

    def parts_of(piece: Piece) -> list[Piece]:
        usual = decided.get(id(piece), languages.get(piece.owner))
        spans = stretches(piece)
        if usual is None or not spans:
            return []
        states = encoded[piece.window][0]
        found = decoder.detect([states[a:b] for a, b in spans], allowed)
        runs = confirmed(decoder, piece, language_runs(spans, found, usual[0]), usual, allowed)
        return cut(piece, runs) if len(runs) > 1 else []

    found = each(parts_of, pieces)
    return {id(piece): parts for piece, parts in zip(pieces, found) if len(parts) > 1}


def stretches(piece: Piece) -> list[tuple[int, int]]:
    """The piece's window frames in stretches of STRETCH_FRAMES (the last one ending at its end);
    none for a piece too short to hold two parts of MIN_PART_FRAMES and a stretch."""
    start, end = piece.frames
    end = min(end, ENCODER_FRAMES)
    if end - start < 2 * MIN_PART_FRAMES + STRETCH_FRAMES // 2:
        return []
    spans = [(a, a + STRETCH_FRAMES) for a in range(start, end - STRETCH_FRAMES + 1, STRETCH_FRAMES)]
    if spans[-1][1] < end:
        spans.append((end - STRETCH_FRAMES, end))
    return spans


OTHER = "?"  # a stretch whose likeliest language is not the piece's, named without confidence


def language_runs(spans: list[tuple[int, int]], found: list[tuple[str, float]], usual: str) -> list[list]:
    """[start frame, end frame, language, lowest confidence] for each run of stretches of one language:
    a stretch named with confidence is in its language; an unsure one is in the language of the run
    before it where that is not the piece's, else in the piece's if it names it, else in OTHER (the
    German of an English piece read as Turkish 11%, German 40%, Latin 44%: not English). A run of
    OTHER joins a confident run beside it; one of less than two stretches is the piece's. Two runs
    meet halfway through the overlap of their stretches."""
    runs: list[list] = []
    for (a, b), (code, probability) in zip(spans, found):
        if probability < LANGUAGE_CONFIDENT:
            after = runs[-1][2] if runs and runs[-1][2] != usual else None
            code = after or (usual if code == usual else OTHER)
        sure = probability if probability >= LANGUAGE_CONFIDENT and code != usual else 1.0
        if runs and runs[-1][2] == OTHER and code not in (OTHER, usual):
            runs[-1][2] = code  # unsure stretches before a confident one of another language: its
        if runs and runs[-1][2] == code:
            runs[-1][1], runs[-1][3] = b, min(runs[-1][3], sure)
        else:
            if runs:
                meet = (min(runs[-1][1], b) + a) // 2
                runs[-1][1], a = meet, meet
            runs.append([a, b, code, sure])
    for run in runs:
        if run[2] == OTHER and run[1] - run[0] < 2 * STRETCH_FRAMES - STRETCH_FRAMES // 4:
            run[2] = usual
    return merged(runs)


def merged(runs: list[list]) -> list[list]:
    """Neighbouring runs of one language as one."""
    joined: list[list] = []
    for run in runs:
        if joined and joined[-1][2] == run[2]:
            joined[-1][1], joined[-1][3] = run[1], min(joined[-1][3], run[3])
        else:
            joined.append(list(run))
    return joined


def confirmed(decoder: BatchDecoder, piece: Piece, runs: list[list], usual: tuple[str, float],
              allowed: tuple[str, ...]) -> list[list]:
    """The runs kept: one in another language than the piece's only where it is MIN_PART_FRAMES or
    longer and its own frames name that language with confidence too (then the lower confidence; a run
    of OTHER: any language but the piece's); every other run joins its neighbours in the piece's language."""
    kept: list[list] = []
    for a, b, code, sure in runs:
        if code != usual[0]:
            alone = (("", 0.0) if b - a < MIN_PART_FRAMES else
                     heard(piece, decoder.detect_alone(piece.audio[frame_sample(piece, a):frame_sample(piece, b)],
                                                       allowed), "on its own frames, part"))
            named = alone[0] == code or (code == OTHER and alone[0] not in ("", usual[0]))
            code, sure = (alone[0], min(sure, alone[1])) if named and alone[1] >= LANGUAGE_CONFIDENT \
                else (usual[0], usual[1])
        else:
            sure = usual[1]
        if kept and kept[-1][2] == code:
            kept[-1][1], kept[-1][3] = b, min(kept[-1][3], sure)
        else:
            kept.append([a, b, code, sure])
    return kept


def frame_sample(piece: Piece, frame: int) -> int:
    """The sample of the piece's own audio at window frame `frame`."""
    return max(0, min(len(piece.audio), frame * FRAME_SAMPLES - piece.offset))


def cut(piece: Piece, runs: list[list]) -> list[Piece]:
    """The piece's parts, one per run, cut at the lowest VAD speech probability near where runs meet."""
    bounds = [0, *(quietest(piece.audio, frame_sample(piece, run[0])) for run in runs[1:]), len(piece.audio)]
    bounds = [max(bounds[: i + 1]) for i in range(len(bounds))]  # in order, however near two changes are
    parts = []
    for (lo, hi), run in zip(pairwise(bounds), runs):
        if hi <= lo:
            continue
        part = Piece(piece.owner, sub_chunk(piece.chunk, lo, hi), piece.audio[lo:hi], window=piece.window,
                     offset=piece.offset + lo, language=(run[2], float(run[3])))
        parts.append(part)
    return parts


def quietest(audio: np.ndarray, near: int) -> int:
    """Where, within CUT_SEARCH_SAMPLES of `near`, Silero VAD hears least speech (the nearest such
    step), on a 20 ms frame boundary."""
    lo, hi = max(0, near - CUT_SEARCH_SAMPLES), min(len(audio), near + CUT_SEARCH_SAMPLES)
    if hi - lo < 1024:
        return near - near % FRAME_SAMPLES
    probabilities = fw.speech_probabilities(audio[lo:hi])[: (hi - lo) // 512]
    centres = lo + 512 * np.arange(len(probabilities)) + 256
    best = min(range(len(probabilities)), key=lambda i: (round(float(probabilities[i]), 2), abs(centres[i] - near)))
    at = int(centres[best])
    return at - at % FRAME_SAMPLES


def sub_chunk(chunk: SpeechChunk, lo: int, hi: int) -> SpeechChunk:
    """Samples lo:hi of `chunk`, with its speech regions clipped to them."""
    start = chunk.start_ms + round(lo * MS_PER_SAMPLE)
    end = chunk.end_ms if hi >= len(chunk.audio) else chunk.start_ms + round(hi * MS_PER_SAMPLE)
    regions = tuple((max(a, start), min(b, end)) for a, b in chunk.regions if min(b, end) > max(a, start))
    return SpeechChunk(start, end, chunk.audio[lo:hi], regions, chunk.buffer_start_ms)


def join_parts(pieces: list[Piece], split: dict[int, list[Piece]]) -> None:
    """Each cut piece gets its parts' words, readings and parts; its language is its last part's
    (the next piece of its recording starts in it)."""
    for piece in pieces:
        parts = split.get(id(piece))
        if parts:
            piece.parts = parts
            piece.segments = [s for part in parts for s in part.segments]
            piece.heard += [h for part in parts for h in part.heard]
            piece.language = parts[-1].language


def units(pieces: list[Piece]) -> list[Piece]:
    """What was decoded: each piece, or its parts where it was cut."""
    return [u for p in pieces for u in (p.parts or [p])]
