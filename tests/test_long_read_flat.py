"""A long recording is read a stretch at a time: the audio the pipeline holds while reading, finding speech
and reading ahead of the decoder is the same for 19 minutes as for 6 (issue #15: peak memory flat in duration).

The real reading path (AudioReader's blocks -> Silero's rolling buffer -> the read-ahead queue) runs over the
shared interview repeated, under tracemalloc (numpy's buffers are traced), a decoder taking each chunk as it comes.
Held whole anywhere on the path, the long peak passes the short one by what the extra 13 minutes hold: 48 MB
as float32, 24 at 2 bytes a sample. The bound is half the float32 figure. Measured (session 31, one process, the
same run): this code 9.9-10.6 MB over the short peak in 4 runs (43 -> 53.5 MB); the blocks kept as float32
65.4 MB, kept at 2 bytes a sample 39.7 MB (the bound before, 48 MB, let that one pass); the rolling buffer made as
long as the recording 68 -> 224 MB (session 30). The read-ahead is not where the peak varies: held to 1 chunk
instead of 16, the same figures.

What this cannot see: ONNX Runtime's own buffers (malloc'd, not traced), so not how much audio Silero is given
at once; tests/test_vad_slices.py checks that at the session's run."""

from __future__ import annotations

import tracemalloc

from app.core.asr.packing import DEFAULT_BATCH
from app.core.asr.pipeline import RunState, transcribe_tracks
from app.core.media.decode import SAMPLE_RATE, probe
from app.core.options import TranscribeOptions
from tests.conftest import interview_repeated


def _whole_mb(ms: int) -> float:
    """A recording of `ms` held whole as 16 kHz float32."""
    return ms / 1000 * SAMPLE_RATE * 4 / 2**20


class _Taking:
    """A decoder (the CPU's batch) that takes each speech chunk as soon as it is read."""

    batch = DEFAULT_BATCH

    def decode(self, chunks, state, should_stop):
        for chunk in chunks:
            yield chunk, []


def _peak_mb(path) -> tuple[float, int]:
    """The most traced memory while the recording at `path` is read through, and its length in ms."""
    source = probe(str(path))
    tracemalloc.start()
    try:
        done = list(transcribe_tracks(source, TranscribeOptions(), _Taking(), RunState()))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done and done[-1].final
    return peak / 2**20, done[-1].done_ms


def test_nineteen_minutes_are_read_in_the_memory_of_six(tmp_path):
    short_mb, short_ms = _peak_mb(interview_repeated(tmp_path / "x6.wav", 6))
    long_mb, long_ms = _peak_mb(interview_repeated(tmp_path / "x20.wav", 20))
    assert long_ms > 3 * short_ms, (short_ms, long_ms)
    assert long_mb - short_mb < (_whole_mb(long_ms) - _whole_mb(short_ms)) / 2, (short_mb, long_mb)
