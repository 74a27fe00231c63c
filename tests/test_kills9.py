"""Hostile kills, tenth round (session 18; tests/test_kills.py to test_kills8.py are the earlier ones):
the window stopped by Ctrl-C, SIGTERM or SIGHUP while its queue runs, then the command line on the case."""

from __future__ import annotations

import os
import shutil
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


# ------------------------------------------------------------------ a power cut the disk had not written

def _crash_image(case_dir: Path, copy: Path) -> None:
    """The case as a power cut leaves it while a command holds it open: its store and -wal, no clean close
    (the -wal is never folded into the store), the head file naming the last commit."""
    from app.core.store import Case
    from app.core.store.jobs import JobQueue

    case = Case.open(case_dir)
    try:
        case.conn.execute("PRAGMA wal_autocheckpoint=0")
        JobQueue(case.conn).pause()  # the command's last commit: `queue pause --all`
        case.write_head()  # synced after it, as after every commit
        shutil.copytree(case_dir, copy, ignore=shutil.ignore_patterns("*-shm"))
    finally:
        case.close()


def test_a_power_cut_that_lost_the_last_commits_is_said_as_such_then_and_after_the_next_command(tmp_path, capsys):
    """The -wal's last commit lost (a drive that had said it wrote it: its cache, a USB stick) and the head file,
    synced after it, kept: the case opens and runs on, but verify blamed only a copy without the -wal or, once
    the next command had written, said "entry N differs from the head file (the log was rewritten)": tampering,
    where there was a power cut. Both findings stay (the head file names what is gone) and now say that too."""
    from app.cli.main import main
    from tests.test_verify import verify

    case_dir, cut = tmp_path / "case", tmp_path / "after-the-cut"
    assert main(["queue", "add", str(MEDIA / "en_voicenote.opus"), "--model", "tiny.en", "--case", str(case_dir)]) == 0
    _crash_image(case_dir, cut)
    wal = cut / "case.sqlite-wal"
    page = sqlite3.connect(cut / "case.sqlite").execute("PRAGMA page_size").fetchone()[0]
    with wal.open("r+b") as fh:  # the commit frame (the last) never reached the disk
        fh.truncate(wal.stat().st_size - (24 + page))
    code, lines = verify(capsys, cut)
    assert code == 1 and len(lines) == 1 and "gone; the head file beside the store names" in lines[0], lines
    assert "lost to a power cut before the disk had written them" in lines[0], lines
    assert main(["queue", "status", "--case", str(cut)]) == 0  # it opens, its job still queued, not paused
    assert "en_voicenote.opus" in capsys.readouterr().out
    assert main(["queue", "pause", "--all", "--case", str(cut)]) == 0  # the next command writes on
    code, lines = verify(capsys, cut)
    assert code == 1 and len(lines) == 1 and "differs from the head file" in lines[0], lines
    assert "or cut short, its last entries lost to a power cut" in lines[0] and "written on since" in lines[0], lines


# ------------------------------------------------------------------ a command stopped holding the case

# a command whose store waits an hour for another's write lock (not 30 s): a wait it need not make shows as a hang
PATIENT = """
import sys
from app.core.store import db
db.BUSY_WAIT_S = 3600
from app.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_reading_command_does_not_wait_on_a_command_stopped_holding_the_case(tmp_path):
    """A `transcribe` stopped with Ctrl-Z (SIGSTOP) inside a commit holds the case's write lock until it is
    resumed or killed. `queue status`, `exhibits` and `search`, which write nothing, then waited the store's
    whole 30 s each, "the case is busy ... waiting up to 30 s", to write the audit head file as they closed (it
    was current already; the stopped command writes it after its own commit). They now finish at once. `verify`
    waited as long again for FTS5's check (a write) and then noted the store "read-only"; it says it was busy."""
    from app.cli.main import main

    case = tmp_path / "case"
    assert main(["queue", "add", str(MEDIA / "en_voicenote.opus"), "--model", "tiny.en", "--case", str(case)]) == 0
    script = tmp_path / "patient.py"
    script.write_text(PATIENT, encoding="utf-8")
    stopped = sqlite3.connect(case / "case.sqlite", isolation_level=None)  # the stopped command, mid-commit
    stopped.execute("BEGIN IMMEDIATE")
    stopped.execute("UPDATE jobs SET priority = priority")
    try:
        for command in (["queue", "status"], ["exhibits"], ["search", "anything"], ["verify"]):
            try:  # the guard: the wait was the store's whole patience (here an hour)
                done = subprocess.run([sys.executable, str(script), *command, "--case", str(case)], cwd=REPO,
                                      env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
                                      check=False, timeout=120)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"`{' '.join(command)}` waited for the stopped command's write lock") from None
            assert done.returncode == 0 and "Traceback" not in done.stderr, (command, done.stderr)
        assert "not checked (FTS5 checks only a store it may write to; another program or Parley command was " \
               "writing to the case" in done.stdout and "read-only" not in done.stdout, done.stdout
    finally:
        stopped.execute("ROLLBACK")
        stopped.close()
    assert main(["verify", "--case", str(case)]) == 0
