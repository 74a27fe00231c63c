"""Hostile kills, tenth round (session 18; tests/test_kills.py to test_kills8.py are the earlier ones):
the window stopped by Ctrl-C, SIGTERM or SIGHUP while its queue runs, then the command line on the case."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.conftest import MEDIA, REPO

# a suite run in the background has SIGINT ignored, and its children with it: as at a terminal, it is not
FROM_A_TERMINAL = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
                   "sys.argv[0] = 'app'; runpy.run_module('app', run_name='__main__', alter_sys=True)")


def _app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300, env=env)


def _jobs(case: Path) -> list[tuple]:
    conn = sqlite3.connect(f"{(case / 'case.sqlite').as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        return [tuple(r) for r in conn.execute("SELECT id, state, attempts, progress FROM jobs ORDER BY id")]
    finally:
        conn.close()


def _window(case: Path, home: Path) -> tuple[subprocess.Popen, dict[str, str]]:
    """`python -m app gui` as a user starts it from a terminal (Ctrl-C reaches it), off screen, with a settings
    folder of its own (its first start asks the user's name: a dialog open when the signal comes)."""
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", HOME=str(home),
               XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    window = subprocess.Popen([sys.executable, "-c", FROM_A_TERMINAL, "gui", "--case", str(case)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return window, env


def _until(done, window: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 120  # a guard only: the wait ends as soon as it is seen
    while not done():
        assert window.poll() is None, f"the window ended before {what}: {window.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.1)


def _closed(window: subprocess.Popen) -> tuple[int | None, str]:
    """The window's exit status and stderr; None if it was still open 30 s after the signal."""
    try:
        _, err = window.communicate(timeout=30)
        return window.returncode, err
    except subprocess.TimeoutExpired:
        window.kill()
        return None, window.communicate()[1]


def test_ctrl_c_closes_the_window_and_hands_its_running_job_back_whole(tmp_path, models_dir):
    """Ctrl-C at the terminal the window was started from raised KeyboardInterrupt in whichever Qt slot ran
    next: the window stayed open under "Something went wrong: KeyboardInterrupt", its queue working on, or
    (raised inside Qt's own call into Python) it died of a segmentation fault.
    It now closes as its close box closes it: the worker stops at its next window, its job goes back to the
    queue without spending an attempt, one line says so (exit 130), and the command line finishes it."""
    case = tmp_path / "case"
    queued = _app("queue", "add", str(MEDIA / "interview_mono.wav"), "--model", "tiny.en", "--case", str(case))
    assert queued.returncode == 0, queued.stderr
    window, env = _window(case, tmp_path / "home")
    _until(lambda: _jobs(case)[0][1] == "running", window, "its job running")
    workers = psutil.Process(window.pid).children(recursive=True)
    window.send_signal(signal.SIGINT)
    status, err = _closed(window)
    assert status == 130, f"the window was not closed by Ctrl-C ({status}): {err[-2000:]}"
    assert "interrupted; the window was closed" in err and "Traceback" not in err, err
    psutil.wait_procs(workers, timeout=10)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]  # no worker left
    [(_, state, attempts, _)] = _jobs(case)
    assert (state, attempts) in (("queued", 0), ("done", 1)), _jobs(case)  # handed back whole, or done first
    ran = _app("queue", "run", "--case", str(case), env=env)
    assert ran.returncode == 0, ran.stderr
    assert [state for _, state, _, _ in _jobs(case)] == ["done"]
    verified = _app("verify", "--case", str(case), env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_shutdown_closes_the_window_as_its_close_box_does(tmp_path):
    """SIGTERM (a shutdown, `kill PID`; SIGHUP, the terminal closed, goes the same way) ended the window at
    once, mid-anything, its worker left to find its parent gone; it now closes the window cleanly (its
    worker stopped) and says so in one line."""
    signum = signal.SIGTERM
    case = tmp_path / "case"
    window, _ = _window(case, tmp_path / "home")
    _until(lambda: psutil.Process(window.pid).children(recursive=True), window, "its worker started")
    workers = psutil.Process(window.pid).children(recursive=True)
    window.send_signal(signum)
    status, err = _closed(window)
    assert status == 128 + signum, err[-2000:]
    assert "the window was closed; stored work is kept" in err and "Traceback" not in err, err
    psutil.wait_procs(workers, timeout=10)
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
