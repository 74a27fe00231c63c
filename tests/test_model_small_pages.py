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


# A second model load in the same worker (a queue of jobs naming different models): the heap grown since the first
# load and during the second is marked too, and huge pages are left as the process had them before.
SECOND_LOAD = """
import ctypes, json
from pathlib import Path
from app.core.memory import small_pages, _libc
PR_SET_THP_DISABLE, PR_GET_THP_DISABLE = 41, 42  # prctl(2)

libc, kept = _libc(), []
libc.malloc.restype = ctypes.c_void_p

def grow(mb):  # 64 KB blocks come from the heap (below glibc's mmap threshold), kept so the heap stays grown
    kept.extend(libc.malloc(64 << 10) for _ in range(mb * 16))

def heap_flags():  # each [heap] mapping: whether it is marked for small pages only ("nh")
    marks, inside = [], False
    for line in Path("/proc/self/smaps").read_text(encoding="ascii").splitlines():
        field = line.split()
        if field and field[0][-1] != ":":
            inside = line.rstrip().endswith("[heap]")
        elif inside and field[0] == "VmFlags:":
            marks.append("nh" in field[1:])
    return marks

with small_pages():
    grow(16)
grow(16)  # buffers between the loads
with small_pages():
    grow(16)
marked = heap_flags()
libc.prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0)  # a process that had huge pages off keeps them off
with small_pages():
    pass
print(json.dumps({"marked": marked, "off_after": libc.prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0)}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or "[never]" in (THP.read_text() if THP.exists() else "[never]"),
                    reason="transparent huge pages: Linux, where the kernel offers them")
def test_second_load_marks_the_whole_heap_and_restores_the_setting(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", SECOND_LOAD], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["marked"] and all(result["marked"]), result
    assert result["off_after"] == 1, result


def test_heap_span_covers_every_heap_mapping():
    maps = ("55d094800000-55d0a0000000 rw-p 00000000 00:00 0                          [heap]\n"
            "55d0a0000000-55d0de400000 rw-p 00000000 00:00 0                          [heap]\n"
            "7f0884000000-7f0885ce5000 rw-p 00000000 00:00 0 \n")
    assert heap_span(maps) == (0x55D094800000, 0x55D0DE400000)
