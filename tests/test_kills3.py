"""Hostile kills, third round (issue: kills at random moments; tests/test_kills.py and
tests/test_kills2.py are the first two): the terminal closed (SIGHUP), a finished step repeated,
a kill while an export's file is written."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.conftest import MEDIA, REPO, interview_repeated

FIXTURES = Path(__file__).parent / "fixtures"


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def _rows(case_dir: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(case_dir / "case.sqlite", timeout=10)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _wait_until_decoding(case_dir: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None and time.monotonic() < deadline, "the command ended before decoding"
        try:
            rows = _rows(case_dir, "SELECT state, progress FROM jobs WHERE id = 1")
        except sqlite3.OperationalError:  # no case yet, or the schema not made yet
            rows = []
        if rows and rows[0][0] == "running" and rows[0][1] > 0:
            return
        time.sleep(0.1)


def test_the_terminal_closed_stops_the_command_as_sigterm_does_and_the_job_resumes(tmp_path, models_dir):
    """SIGHUP to the command's whole process group (its terminal closed: the worker hears it too).
    It used to end the command at once, without a word, the worker dead of the same signal."""
    (tmp_path / "evidence").mkdir()
    source = interview_repeated(tmp_path / "evidence" / "long.wav", 2)
    case_dir = tmp_path / "case"
    args = ("transcribe", str(source), "--case", str(case_dir), "--out", str(tmp_path / "out"), "--model",
            "tiny.en", "--format", "json", "--diarize", "off")
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    _wait_until_decoding(case_dir, proc)
    worker = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGHUP)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGHUP, (proc.returncode, err)
    assert "Traceback" not in err and err.splitlines()[-1].startswith("hung up"), err
    assert "resumes on the next run" in err.splitlines()[-1]
    _, alive = psutil.wait_procs(worker, timeout=10)
    assert not alive, "the worker outlived the command"
    assert _rows(case_dir, "SELECT state, attempts FROM jobs") == [("queued", 0)]  # handed back, no attempt spent
    found = _app("verify", "--case", str(case_dir))  # a run stopped half-way is no finding
    assert found.returncode == 0, found.stdout


def test_the_terminal_closed_while_the_command_starts_says_so_in_one_line(tmp_path):
    """SIGHUP while Python still imports the program (as tests/test_kills.py sends SIGINT and SIGTERM)."""
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "app", "transcribe",
                             str(MEDIA / "en_voicenote.opus"), "--case", str(tmp_path / "case"), "--out",
                             str(tmp_path / "out"), "--model", "tiny.en"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.split("|")[-1].strip() == "app.core" or not line.startswith("import time:"):
            break
    proc.send_signal(signal.SIGHUP)
    _, rest = proc.communicate(timeout=60)
    err = [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert proc.returncode == 128 + signal.SIGHUP, (proc.returncode, err)
    assert err == ["stopped while starting; nothing was done"], err
