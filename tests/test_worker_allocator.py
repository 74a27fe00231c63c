"""Every worker keeps the encoder's buffers: no fresh pages for the kernel to zero at every window.

Whisper's encoder allocates blocks of tens of megabytes (its attention scores) at every layer of every
30 s window. glibc maps any block over 32 MB on its own and hands it back at free, so the kernel
faulted in and zeroed fresh pages for each window (a quarter of an encoder pass's CPU in the kernel,
25.9 of the worker's 140 CPU seconds on the 112 clips). Counted here in page faults, in a process
started with the worker's environment, encoding a real voice note's window again and again. A long
recording's worker did it too until session 29 (two arenas: a block over 64 MB, more than a second arena's
heap can hold, was mapped on its own whatever the settings): 35% of its encoder's CPU was the kernel zeroing
huge pages (perf: clear_page_erms under mkl sgemm).
"""

from __future__ import annotations

import os
import subprocess
import sys

from app.worker.child import child_environment
from tests.conftest import MEDIA, REPO

ENCODE_AGAIN = """
import resource, sys
from pathlib import Path
from app.core.asr import fw_internals as fw
from app.core.asr.engine import load_engine
from app.core.media.decode import read_all
from app.core.options import TranscribeOptions

engine = load_engine(TranscribeOptions(model="tiny.en", threads=1, device="cpu", compute_type="int8"), Path(sys.argv[2]))
audio, _ = read_all(sys.argv[1])
features = fw.window_features(engine.model, audio[: 30 * 16000])
first = fw.encode(engine.model, features)  # the heap grows to what one window needs, once
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(4):
    again = fw.encode(engine.model, features)
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, float(abs(again - first).max()))
"""


def test_encoding_window_after_window_takes_no_fresh_pages(models_dir):
    with child_environment():  # what the worker starts with, whatever its files
        env = dict(os.environ, PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", ENCODE_AGAIN, str(MEDIA / "en_voicenote.m4a"), str(models_dir)],
                            env=env, cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    faults, difference = result.stdout.split()
    assert float(difference) == 0.0  # the same numbers
    assert int(faults) < 100, faults  # was about 1,200 a window (huge pages) or 150,000 (without)

