"""PySide6 6.12 on Python 3.11 drops references to None, True and False until the interpreter
aborts; app.gui.refcount_guard gives them references to spare where that PySide6 is installed.
The leak is played here with ctypes (Py_DecRef on None, as the bindings did), in a child process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.gui.refcount_guard import EXTRA_REFERENCES, leaks_singletons

REPO = Path(__file__).resolve().parents[1]

LEAK = """
import ctypes, gc, sys
sys.path.insert(0, {repo!r})
from app.gui.refcount_guard import keep_singletons_alive
held = {{obj: sys.getrefcount(obj) for obj in (None, True, False)}}  # before the guard
print(keep_singletons_alive({version!r}), keep_singletons_alive({version!r}))
for obj in (None, True, False):
    for _ in range(held[obj] + 50_000):  # more references than None holds: PySide6 6.12's leak, sped up
        ctypes.pythonapi.Py_DecRef(ctypes.py_object(obj))
gc.collect()
print("alive", sys.getrefcount(None) > 0)
"""


def run_leak(version: str) -> subprocess.CompletedProcess:
    code = LEAK.format(repo=str(REPO), version=version)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize(("pyside", "python", "expected"), [
    ("6.11.3", (3, 11), False), ("6.12.0", (3, 11), True), ("6.12.2", (3, 11), True), ("7.0", (3, 10), True),
    ("6.12.0", (3, 12), False), ("6.13.1", (3, 13), False), ("odd", (3, 11), True)])
def test_the_guard_is_on_where_pyside_leaks_and_python_counts_none(pyside, python, expected):
    assert leaks_singletons(pyside, python) is expected


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None, True and False are immortal from Python 3.12")
def test_guarded_singletons_outlive_the_leak():
    guarded = run_leak("6.12.0")
    assert guarded.returncode == 0, guarded.stderr[-2000:]
    assert guarded.stdout.split() == ["True", "False", "alive", "True"]  # added once only


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None, True and False are immortal from Python 3.12")
def test_without_the_guard_the_leak_aborts_the_interpreter():
    """The control: on PySide6 6.11 the guard is off, and the same leak kills the process."""
    bare = run_leak("6.11.3")
    assert bare.returncode != 0
    assert "dealloc" in bare.stderr


def test_the_extra_references_outlast_years_of_playback():
    leaked_per_second = 470  # the soak's measure of 6.12.0 in playback
    assert EXTRA_REFERENCES / leaked_per_second > 50 * 365 * 24 * 3600
