"""A long recording is read a stretch at a time: the audio the pipeline holds while reading, finding speech
and reading ahead of the decoder is the same for 19 minutes as for 6 (issue #15: peak memory flat in duration).

The real reading path (AudioReader's blocks -> Silero's rolling buffer -> the read-ahead queue) runs over the
shared interview repeated, under tracemalloc (numpy's buffers are traced), a decoder taking each chunk as it comes.
Whole, 19 minutes of 16 kHz float32 is 69 MB; held at once anywhere on the path, the long peak would pass the
short one by more than that (the rolling buffer made as long as the recording: 68 -> 224 MB). Both are longer
than the read-ahead's 16 chunks (a 4-minute file, all of it queued at once, peaked 12 MB lower). How full the
read-ahead is when the peak comes depends on the threads' timing (the hour, read twice: 56.5 and 64.8 MB), so
the bound allows a full queue in one run and not the other.

What this cannot see: ONNX Runtime's own buffers (malloc'd, not traced), so not how much audio Silero is given
at once; tests/test_vad_slices.py checks that at the session's run."""

from __future__ import annotations

import tracemalloc

from app.core.asr.packing import DEFAULT_BATCH
from app.core.asr.pipeline import RunState, transcribe_tracks
from app.core.media.decode import SAMPLE_RATE, probe
from app.core.options import TranscribeOptions
from tests.conftest import interview_repeated

SPREAD_MB = 48  # the long peak may pass the short one by this much: 16 chunks read ahead (31 MB) and a VAD buffer


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
    whole_mb = long_ms / 1000 * SAMPLE_RATE * 4 / 2**20
    assert long_ms > 2.5 * short_ms and whole_mb > SPREAD_MB, (short_ms, long_ms)
    assert long_mb < short_mb + SPREAD_MB, (short_mb, long_mb)
