"""Parent and worker killed together, and `queue run` started again at once: the job left
`running` is recovered straight away and finished, not left behind with exit 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from app.core.store import Case
from app.core.store.jobs import JobQueue
from tests.conftest import REPO, interview_repeated

pytestmark = pytest.mark.slow


def test_a_restart_right_after_both_processes_die_recovers_the_job(tmp_path, models_dir):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    interview_repeated(evidence / "long.wav", 2)  # 113 s: many commit units, as test_kills
    case = str(tmp_path / "case")
    app = [sys.executable, "-m", "app"]
    assert subprocess.run([*app, "queue", "add", str(evidence), "--case", case, "--model", "tiny.en"],
                          cwd=REPO, capture_output=True, check=False).returncode == 0
    parent = subprocess.Popen([*app, "queue", "run", "--case", case], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Case.open(tmp_path / "case")
    try:
        deadline = time.monotonic() + 120
        while JobQueue(store.conn).get(1).progress <= 0.05:
            assert time.monotonic() < deadline and parent.poll() is None
            time.sleep(0.2)
        for proc in [*psutil.Process(parent.pid).children(recursive=True), psutil.Process(parent.pid)]:
            os.kill(proc.pid, signal.SIGKILL)
        parent.wait()
        assert JobQueue(store.conn).get(1).state == "running"  # left behind by the dead
        again = subprocess.run([*app, "queue", "run", "--case", case], cwd=REPO, capture_output=True,
                               text=True, check=False, timeout=600)
        assert again.returncode == 0, again.stderr
        job = JobQueue(store.conn).get(1)
        assert job.state == "done" and job.attempts == 2
    finally:
        store.close()
