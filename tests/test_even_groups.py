"""Short files shared out in groups of one size, never a last group of a file or two.

A phone's 112 short files were claimed in groups of 480 s of audio: 480, 480, then the
last 24 s (two voice notes) decoded on one replica while the other core waited, 11 s of
the run's 105. The worker now shares the queued short jobs out in groups of about that
size, and transcribe_clips cuts a group's windows into parts of one size likewise.
"""

from __future__ import annotations

import math
import wave
from dataclasses import replace

import numpy as np
import pytest

from app.core.asr.clips import _groups, _read_clips
from app.core.asr.packing import DEFAULT_BATCH
from app.core.asr.runs import recorded_batch
from app.core.media.decode import probe
from app.core.options import TranscribeOptions, to_dict
from app.core.store.jobs import JobQueue
from app.worker import protocol as p
from app.worker.claims import BATCH_AUDIO_S, SHORT_MS
from app.worker.supervisor import Supervisor
from tests.conftest import MEDIA

TINY = TranscribeOptions(model="tiny.en", threads=2, diarize="off")
NOTES = ["en_voicenote.opus", "en_voicenote.amr", "en_voicenote.m4a", "en_voicenote.mp3", "es_voicenote.ogg",
         "pl_voicenote.opus", "de_voicenote.opus"]


def _quiet_wav(path, seconds: float, seed: int) -> None:
    """A file of faint noise (no speech: nothing to decode), distinct bytes per seed."""
    samples = (np.random.default_rng(seed).standard_normal(int(seconds * 16000)) * 3).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes(samples.tobytes())


def _windows(item) -> float:
    return sum(len(piece.audio) + DEFAULT_BATCH.gap_s * 16000 for piece in item.pieces or ()) / 480_000


def test_a_groups_windows_are_shared_out_evenly_not_cut_as_they_fill():
    items = _read_clips([probe(MEDIA / name) for name in NOTES[:5]], TINY, DEFAULT_BATCH)
    sizes = [_windows(item) for item in items]
    assert all(0.1 < s < 1.0 for s in sizes), sizes  # real speech found in each note
    limit = 1  # window: the old cut leaves the last note alone
    as_filled = [sum(_windows(i) for i in g) for g in _groups(items, replace(DEFAULT_BATCH, group_windows=limit,
                                                                               even_groups=False))]
    even = [sum(_windows(i) for i in g) for g in _groups(items, replace(DEFAULT_BATCH, group_windows=limit))]
    assert len(as_filled) == len(even) == 2
    assert as_filled[-1] < 0.5 * as_filled[0]  # what runs before session 17 did (and reproduce still does)
    assert max(even) - min(even) <= max(sizes) + 1e-9  # one file's worth at most between the groups
    assert sum(len(g) for g in _groups(items, replace(DEFAULT_BATCH, group_windows=limit))) == 5
    assert recorded_batch({"pack_gap_s": 3.0}).even_groups is False  # an earlier run is reproduced as it was cut


@pytest.mark.slow
def test_the_worker_takes_a_small_remainder_into_the_group_not_alone_after_it(case, tmp_path):
    seconds = 55.0
    count = math.ceil(BATCH_AUDIO_S / seconds) + 1  # the old claim: count - 1 files, then one alone
    assert seconds * (count - 2) < BATCH_AUDIO_S <= seconds * (count - 1) and seconds * 1000 <= SHORT_MS
    queue = JobQueue(case.conn)
    jobs = []
    for i in range(count):
        _quiet_wav(tmp_path / f"quiet{i}.wav", seconds, i)
        exhibit, _ = case.add_exhibit(probe(tmp_path / f"quiet{i}.wav"))
        jobs.append(queue.add(exhibit.id, "transcribe", to_dict(TINY)))
    first_claimed = replace(queue.get(jobs[0]), attempts=1)  # as the worker asks, its first job in hand
    assert queue.claimable_audio_ms(first_claimed, SHORT_MS) == pytest.approx(count * seconds * 1000, abs=50 * count)
    seen: list = []
    supervisor = Supervisor(case.folder, worker_options={"idle_poll_s": 0.2, "heartbeat_s": 1.0})
    try:
        supervisor.run_until_idle(seen.append)
    finally:
        supervisor.stop()
    assert all(queue.get(j).state == "done" for j in jobs)
    order = [type(e).__name__ for e in seen if isinstance(e, (p.JobStarted, p.JobDone))]
    assert order[:count] == ["JobStarted"] * count, order  # one group: every file claimed before any is done
