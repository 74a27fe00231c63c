"""Batched transcription: results stay with their own file, and are as good as file by file."""

from __future__ import annotations

import json

import pytest

from app.core.asr import (
    BatchOptions,
    ChunkByChunk,
    transcribe_clips,
    transcribe_source,
    transcribe_source_batched,
)
from app.core.asr.tokens import is_looping as _looping
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from app.evaluation import normalise, wer
from tests.conftest import MEDIA, SHARED

pytestmark = pytest.mark.slow
OPTS = TranscribeOptions(model="base", threads=2)


def text_of(segments) -> str:
    return " ".join(s.text for s in sorted(segments, key=lambda s: s.start_ms))


def test_each_file_keeps_its_own_words_and_times(base_engine, manifest):
    names = ["en_voicenote.opus", "interview_mono.wav", "pl_voicenote.opus", "silence_30s.wav", "es_voicenote.ogg"]
    sources = [probe(MEDIA / n) for n in names]
    results = list(transcribe_clips(base_engine, sources, OPTS))
    assert [r.source for r in results] == sources  # one result per file, in order
    by_name = {r.source.name: r for r in results}
    for r in results:
        words = [w for s in r.segments for w in s.words]
        assert all(0 <= w.start_ms <= w.end_ms <= r.source.duration_ms for w in words), r.source.name
        assert all(0 <= s.start_ms <= s.end_ms <= r.source.duration_ms for s in r.segments), r.source.name
        assert words == sorted(words, key=lambda w: w.start_ms)
    note = normalise(text_of(by_name["en_voicenote.opus"].segments), "en").split()
    interview = normalise(text_of(by_name["interview_mono.wav"].segments), "en").split()
    polish = text_of(by_name["pl_voicenote.opus"].segments).lower()
    assert {"station", "money", "package"} <= set(note)
    assert not {"interview", "detective", "vauxhall", "phone"} & set(note)
    assert {"interview", "detective", "phone"} <= set(interview)
    assert not {"package", "money"} & set(interview)
    assert "station" not in polish and "interview" not in polish
    assert by_name["pl_voicenote.opus"].language == "pl"
    assert by_name["en_voicenote.opus"].language == "en"
    assert by_name["silence_30s.wav"].segments == ()
    reference = " ".join(t["text"] for t in manifest["interview"]["turns"])
    assert wer([reference], [" ".join(interview)], "en") <= 0.10


def _clips():
    items = json.loads((SHARED / "eval" / "speech.json").read_text(encoding="utf-8"))["items"]
    wanted = ["faster-whisper__jfk.flac", "cuttledoc__fleurs-en-000.ogg", "cuttledoc__fleurs-en-005.ogg",
              "coqui-TTS__LJ001-0001.wav", "lhotse__2412-153948-0000.flac", "cuttledoc__fleurs-de-002.ogg"]
    chosen = [i for i in items if i["file"] in wanted and "channel" not in i]
    return [(SHARED / "eval" / "speech" / i["file"], i["text"], i["language"]) for i in chosen]


def _pooled(refs, hyps, langs) -> float:
    words = errors = 0.0
    for lang in set(langs):
        idx = [k for k, code in enumerate(langs) if code == lang]
        n = sum(len(normalise(refs[k], lang).split()) for k in idx)
        words += n
        errors += n * wer([refs[k] for k in idx], [hyps[k] for k in idx], lang)
    return errors / words


def test_batched_wer_within_a_point_of_file_by_file(base_engine, manifest):
    clips = _clips() + [(MEDIA / "en_voicenote.m4a", manifest["voicenotes"]["en_voicenote"]["text"], "en")]
    sources = [probe(p) for p, _, _ in clips]
    refs, langs = [t for _, t, _ in clips], [lang for _, _, lang in clips]
    batched = [text_of(r.segments) for r in transcribe_clips(base_engine, sources, OPTS)]
    one_by_one = ChunkByChunk(base_engine, OPTS)  # faster-whisper's transcribe, chunk by chunk
    single = [text_of([s for d in transcribe_source(base_engine, src, OPTS, decoder=one_by_one) for s in d.segments])
              for src in sources]
    assert _pooled(refs, batched, langs) <= _pooled(refs, single, langs) + 0.01


def test_long_file_path_matches_the_chunk_contract(base_engine, base_run, manifest):
    source = probe(MEDIA / "interview_mono.wav")
    # transcribe_source's default decoder is this one (the packed decoder at the device's batch):
    # the session's run of the interview is transcribe_source_batched's, as a short note shows
    note = MEDIA / "en_voicenote.opus"
    assert tuple(transcribe_source_batched(base_engine, probe(note), OPTS)) == base_run(note.name)
    done = list(base_run(source.name))
    assert done[-1].final and done[-1].language == "en"
    assert [d.done_ms for d in done] == sorted(d.done_ms for d in done)
    segments = [s for d in done for s in d.segments]
    reference = " ".join(t["text"] for t in manifest["interview"]["turns"])
    assert wer([reference], [text_of(segments)], "en") <= 0.10
    assert all(0 <= w.start_ms <= w.end_ms <= source.duration_ms for s in segments for w in s.words)


def _pieces(seconds: list[float]):
    import numpy as np

    from app.core.asr.packing import Piece as _Piece
    from app.core.asr.speech import SpeechChunk

    out, at = [], 0
    for s in seconds:
        audio = np.zeros(int(s * 16000), dtype=np.float32)
        out.append(_Piece(0, SpeechChunk(at, at + int(s * 1000), audio, ()), audio))
        at += int(s * 1000) + 700
    return out


def test_packing_resumed_at_a_window_boundary_repeats_the_original_windows():
    from app.core.asr.packing import BatchOptions
    from app.core.asr.packing import pack as _pack

    lengths = [12.0, 9.5, 27.0, 3.0, 4.0, 14.0, 14.0, 29.9, 1.0, 8.0, 8.0, 8.0]
    whole = [[(p.chunk.start_ms, p.offset) for p in w] for w in _pack(_pieces(lengths), BatchOptions())]
    assert len(whole) > 4
    for k in range(1, len(whole)):  # resume after any stored window
        done = sum(len(w) for w in whole[:k])
        rest = _pieces(lengths)[done:]
        assert [[(p.chunk.start_ms, p.offset) for p in w] for w in _pack(rest, BatchOptions())] == whole[k:]


def test_a_piece_decodes_the_same_whatever_it_is_batched_with(base_engine):
    # A piece's decoder memory depends on the piece alone (asr.packing.memory_span), so the
    # same windows decoded one piece per batch or eight per batch give the same text.
    sources = [probe(p) for p, _, lang in _clips() if lang == "en"]
    alone = [text_of(r.segments) for r in transcribe_clips(base_engine, sources, OPTS, BatchOptions(decode_batch=1))]
    together = [text_of(r.segments) for r in transcribe_clips(base_engine, sources, OPTS)]
    assert all(alone) and alone == together


def test_a_decoder_loop_is_caught_by_its_timestamps(base_engine):
    # What base produced once on LJ001-0004: the same words read again and again
    # at 15.00, 15.02, 15.04 s. The compression ratio alone let it through.
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(base_engine.model.hf_tokenizer, True, task="transcribe", language="en")
    begin = tokenizer.timestamp_begin
    sentence = tokenizer.encode(" true printed book, produced the block books, which were the predecessors of the")
    looping = [begin + 558] + sentence + [begin + 750, begin + 750] + sentence + [begin + 751, begin + 751] + sentence
    assert _looping(looping + [begin + 816], begin)
    fine = [begin + 558] + sentence + [begin + 750, begin + 750] + sentence + [begin + 816]
    assert not _looping(fine, begin)
