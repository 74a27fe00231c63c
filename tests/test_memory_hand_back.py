"""A long recording's decoder hands the pages it freed back after each group of windows (issue #15: peak
memory flat in duration). glibc kept every hole the encoder, the beam searches and the speaker models
left in its heaps: the worker's resident size climbed quarter by quarter through a recording (on 11.7
min, sampled every 0.5 s, loaded machine: a floor of 702, then 939, then 946 MB, 300-370 MB of it free
heap), so a longer one, meeting more moments, kept more. On one minute of the interview with tiny.en the
worker's process held 131 MB of free heap at the end (314 MB resident, 183 MB once handed back)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.worker.child import WORKER_ENVIRONMENT
from tests.conftest import MEDIA, REPO

pytestmark = pytest.mark.slow

FREE_HELD_MB = 24  # resident memory a hand back may still find after the decoder's last group

# The worker's own start: its allocator settings are read as a process starts, so in a process of its own.
SCRIPT = """
import json, os, sys
from pathlib import Path
from app.core import memory
from app.core.asr import transcribe_source
from app.core.asr.engine import load_engine
from app.core.media.decode import probe
from app.core.options import TranscribeOptions

def resident_mb():
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

options = TranscribeOptions(model="tiny.en", threads=2, diarize="off", language="en")
engine = load_engine(options, Path(sys.argv[1]))
done = list(transcribe_source(engine, probe(sys.argv[2]), options))
held = resident_mb()
memory.hand_back()
print(json.dumps({"units": len(done), "words": sum(len(s.words) for d in done for s in d.segments),
                  "held": held, "after": resident_mb()}))
"""


def test_the_long_file_decoder_leaves_no_free_heap_resident(models_dir):
    environment = {**os.environ, **WORKER_ENVIRONMENT, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(models_dir), str(MEDIA / "interview_mono.wav")],
                          capture_output=True, text=True, env=environment, cwd=REPO, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["units"] >= 3 and found["words"] > 100, found  # two groups of windows, decoded
    assert found["held"] - found["after"] < FREE_HELD_MB, found
