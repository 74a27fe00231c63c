"""Whisper's packed weights are loaded on 4 KB pages, so only what is written is resident (issue #15: peak
memory under 1.5 GB and flat in duration). The worker's glibc puts its heap on transparent huge pages
(child.py); CTranslate2's oneMKL packing allocates about 900 MB for base at load and writes a part of it,
and on 2 MB pages every huge page it touched was whole: base loaded in the worker's environment held
about 600 MB resident (550 MB of it huge pages), 260 MB loaded on small pages, the same bytes in use.
The heap grown while loading is kept off huge pages afterwards too (khugepaged would fill it out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.memory import heap_span
from app.worker.child import WORKER_ENVIRONMENT
from tests.conftest import REPO

pytestmark = pytest.mark.slow

HUGE_HELD_MB = 32  # huge pages the heap may hold after loading (Python's own, from before the load)
THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")

# The worker's own start: its allocator settings are read as a process starts, so in a process of its own.
SCRIPT = """
import json, sys
from pathlib import Path
from app.core.asr.engine import load_engine
from app.core.options import TranscribeOptions

def heap():
    # MB resident and on huge pages in the [heap] mappings (madvise may split it in two)
    inside, out = False, {"Rss": 0, "AnonHugePages": 0}
    for line in Path("/proc/self/smaps").read_text(encoding="ascii").splitlines():
        field = line.split()
        if field and field[0][-1] != ":":  # a mapping's first line: addresses, permissions, ... name
            inside = line.rstrip().endswith("[heap]")
        elif inside and field[0][:-1] in out:
            out[field[0][:-1]] += int(field[1]) // 1024
    return out

options = TranscribeOptions(model="base", threads=2, diarize="off")
engine = load_engine(options, Path(sys.argv[1]))
print(json.dumps(heap()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or "[never]" in (THP.read_text() if THP.exists() else "[never]"),
                    reason="transparent huge pages: Linux, where the kernel offers them")
def test_loaded_model_holds_no_huge_pages(tmp_path):
    env = {**os.environ, **WORKER_ENVIRONMENT, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(REPO / "models")], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    heap = json.loads(done.stdout.strip().splitlines()[-1])
    assert heap["AnonHugePages"] <= HUGE_HELD_MB, heap


def test_heap_span_reads_the_heap_line():
    maps = ("55d094800000-55d0de400000 rw-p 00000000 00:00 0                          [heap]\n"
            "7f0884000000-7f0885ce5000 rw-p 00000000 00:00 0 \n")
    assert heap_span(maps) == (0x55D094800000, 0x55D0DE400000)
    assert heap_span("7f0884000000-7f0885ce5000 rw-p 00000000 00:00 0 \n") is None
