"""A group's short files fill the room earlier windows left, rather than a window of their own.

Packed strictly in order, a note that came after a clip too long for the room left in a window
opened a window of its own at the group's end: a full encoder pass for 6 s of speech (on the
112 clips of bench_packing, 4 of 48 windows held one short file and under a quarter of a
window). A file whose pieces fit the room an earlier window left now goes there.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from app.core.asr import decoder as decoder_module
from app.core.asr import load_engine, transcribe_clips
from app.core.asr.clips import _read_clip
from app.core.asr.packing import DEFAULT_BATCH, pack
from app.core.asr.runs import batch_settings, recorded_batch
from app.core.asr.window_fill import pack_filling
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import SHARED

# 13.2 s of speech, then 29.2 s (too long for the 13.8 s left), then a 6.1 s note
FILES = ("speech/onnxruntime-extensions__1272-141231-0002.flac",
         "speech/onnxruntime-extensions__1272-128104-0004-8k.wav", "../media/en_voicenote.opus")
OPTIONS = TranscribeOptions(model="tiny.en", threads=2, device="cpu", compute_type="int8", beam_size=5)


@pytest.fixture(scope="module")
def sources():
    return [probe(SHARED / "eval" / name) for name in FILES]


def _speech_windows(models_dir, sources, batch) -> tuple[list[str], int]:
    engine = load_engine(OPTIONS, models_dir)
    counts = {"speech": 0}
    real = decoder_module.fw.encode

    def counted(model, features):
        counts["speech"] += float(np.ptp(features)) > 0.0  # a silent window is the composites' background
        return real(model, features)

    decoder_module.fw.encode = counted
    try:
        results = list(transcribe_clips(engine, sources, OPTIONS, batch))
    finally:
        decoder_module.fw.encode = real
    for source, result in zip(sources, results):  # every word inside its own file
        assert all(0 <= w.start_ms <= w.end_ms <= source.duration_ms for s in result.segments for w in s.words)
    return [" ".join(s.text for s in r.segments) for r in results], counts["speech"]


def test_a_short_note_fills_an_earlier_windows_room_not_a_window_of_its_own(models_dir, sources):
    texts, windows = _speech_windows(models_dir, sources, DEFAULT_BATCH)
    assert windows == 2  # strictly in order: 3 (the note alone in the last)
    assert all(texts)
    files = [_read_clip(s, OPTIONS, DEFAULT_BATCH).pieces for s in sources]
    assert len(pack([p for f in files for p in f], DEFAULT_BATCH)) == 3
    filled = pack_filling(files, DEFAULT_BATCH)
    first, second = filled
    assert files[2][0] in first and files[1][0] in second  # the note beside the first clip, the long one alone
    offsets = [p.offset for p in first]
    assert offsets == sorted(offsets) and all(  # placed after the first clip, 3 s of silence apart
        b.offset - (a.offset + len(a.audio)) == int(DEFAULT_BATCH.gap_s * 16000) for a, b in pairwise(first))


def test_a_run_recorded_before_windows_were_filled_is_reproduced_packed_in_order():
    assert recorded_batch({"pack_gap_s": 3.0, "even_groups": True}).fill_windows is False
    assert recorded_batch(batch_settings(DEFAULT_BATCH)).fill_windows is True
