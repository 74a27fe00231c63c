"""The speech read ahead of the decoder is bounded by the decoder's groups, not the recording (issue #15:
peak memory flat in duration). It was 48 chunks: a ten-minute file had its whole speech queued at once
(about 46 MB), an hour 92 MB. Now two of the decoder's groups at most (16 chunks on a CPU, 31 MB)."""

from __future__ import annotations

import queue
import threading
import time
from typing import ClassVar

import pytest

from app.core.asr import pipeline
from app.core.asr.packing import DEFAULT_BATCH
from app.core.asr.pipeline import RunState, ahead_depth, transcribe_tracks
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from tests.conftest import interview_repeated

CHUNK_BYTES = 30 * 16000 * 4  # the longest speech chunk: 30 s of float32 samples


class _Watched(queue.Queue):
    """The read-ahead queue, remembering the most chunks and bytes of audio it held."""

    made: ClassVar[list[_Watched]] = []

    def __init__(self, maxsize: int = 0) -> None:
        super().__init__(maxsize)
        self.most_chunks = self.most_bytes = 0
        _Watched.made.append(self)

    def _put(self, entry) -> None:
        super()._put(entry)
        held = [item for item, _ in self.queue if hasattr(item, "audio")]
        self.most_chunks = max(self.most_chunks, len(held))
        self.most_bytes = max(self.most_bytes, sum(item.audio.nbytes for item in held))


class _Patient:
    """A decoder (the CPU's batch) that, at its first chunk, waits until the reader can read no further
    ahead (its queue full, or the recording read to its end): the slowest decoder there can be."""

    batch = DEFAULT_BATCH

    def __init__(self, read_all: threading.Event) -> None:
        self.read_all = read_all

    def decode(self, chunks, state, should_stop):
        for n, chunk in enumerate(chunks):
            while n == 0 and not (_Watched.made[-1].full() or self.read_all.is_set()):
                time.sleep(0.01)  # polled for the state
            yield chunk, []


@pytest.fixture
def watched(monkeypatch):
    _Watched.made.clear()
    monkeypatch.setattr(pipeline.queue, "Queue", _Watched)
    read_all, real = threading.Event(), pipeline.speech_chunks

    def chunks(*args, **kwargs):
        yield from real(*args, **kwargs)
        read_all.set()

    monkeypatch.setattr(pipeline, "speech_chunks", chunks)
    return read_all


def test_a_long_recording_has_at_most_two_decode_groups_of_speech_read_ahead(tmp_path, watched):
    wav = interview_repeated(tmp_path / "interview_x12.wav", 12)  # 11 min, more chunks than two groups
    done = list(transcribe_tracks(probe(wav), TranscribeOptions(), _Patient(watched), RunState()))
    assert done[-1].final and len(done) > 2 * DEFAULT_BATCH.decode_batch + 2
    held = _Watched.made[-1]
    assert held.most_chunks <= 2 * DEFAULT_BATCH.decode_batch, held.most_chunks
    assert held.most_bytes <= 2 * DEFAULT_BATCH.decode_batch * CHUNK_BYTES, held.most_bytes


def test_a_larger_decode_batch_reads_two_of_its_groups_ahead():
    class Gpu:
        batch = type("Batch", (), {"decode_batch": 32})()

    assert ahead_depth(Gpu()) == 64 and ahead_depth(object()) == 16
