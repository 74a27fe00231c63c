"""Playback never crashes the window: the soak script, shortened, in its own process.

PySide6 6.12.0 on Python 3.11 dropped a reference to None on every Qt call that
returns nothing; the window died ("none_dealloc") after ~25 s of playback. The
soak runs in a child process so such a crash fails this test instead of killing
pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MEDIA

pytest.importorskip("PySide6.QtMultimedia")
pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]

REPO = Path(__file__).resolve().parents[1]


def test_playing_looping_and_repainting_keeps_none_alive():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, str(REPO / "packaging" / "soak_gui.py"), "--seconds", "12",
         "--media", str(MEDIA / "interview_stereo.wav"), "--watchdog", "90"],  # a hang shows its stacks
        check=False, capture_output=True, text=True, env=env, timeout=100)
    assert proc.returncode == 0, f"soak failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["repaints"] > 100
    assert report["loops"] >= 2 and report["pauses"] >= 1
    assert report["position_updates"] > 50
    assert report["furthest_ms"] > 2000  # playback (or its clock) advanced
    if sys.version_info < (3, 12) and not report["guarded"]:
        assert report["fell"] <= 300, report
    assert report["ok"], report


def test_stopping_never_waits_on_a_backend_thread_that_waits_on_python():
    """CI froze in the soak's stop(): PySide held the GIL through QMediaPlayer.stop(), which waited
    for a backend thread calling into Python (QAudioOutput.disconnectNotify). The child makes that
    call hold the GIL 50 ms, so the old code froze within 100 cycles every time (4 of 4 runs)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-X", "faulthandler", str(REPO / "tests" / "player_race.py"),
         str(MEDIA / "interview_stereo.wav"), "100"],
        check=False, capture_output=True, text=True, env=env, timeout=100)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("cycles 100"), proc.stderr[-3000:]
