"""Hostile kills, thirteenth round (session 21; test_kills.py to test_kills12.py are the earlier ones): Ctrl-C
while a recording's speakers are being found. The worker did not read the stop once the words were decoded:
the command waited for the whole search (about 6 s on an hour) until it killed its worker. Now the worker
stops within one model call, hands the job back itself, and the same command run again finishes the run,
speakers included."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, interview_repeated
from tests.test_kills12 import _ctrl_c_as_a_terminal_gives_it

pytestmark = pytest.mark.slow

# The worker's speaker search is held back until the decoded run waits for it (on a fast machine it can be
# over before decoding ends), and the moment it waits is marked for the test: the search itself is real.
HELD_SEARCH = """
import os, sys, threading
if __name__ == "__mp_main__":
    from app.core.diarize import pipeline
    waiting, real_run, real_result = threading.Event(), pipeline.Background._run, pipeline.Background.result
    def held_run(self, *args):
        waiting.wait()
        real_run(self, *args)
    def marked_result(self, *args, **kwargs):
        waiting.set()
        open(os.environ["PARLEY_TEST_WAITING"], "w").close()
        return real_result(self, *args, **kwargs)
    pipeline.Background._run, pipeline.Background.result = held_run, marked_result
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def _released_why(case_dir: Path) -> list[str]:
    conn = sqlite3.connect(case_dir / "case.sqlite")
    try:
        rows = conn.execute("SELECT details_json FROM audit_log WHERE action = 'job.released'").fetchall()
        return [json.loads(r[0]).get("reason", "") for r in rows]
    finally:
        conn.close()


def _runs(case_dir: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(case_dir / "case.sqlite")
    try:
        return conn.execute("SELECT id, status FROM runs").fetchall()
    finally:
        conn.close()


def test_ctrl_c_while_speakers_are_found_stops_the_worker_itself_and_the_run_resumes(tmp_path, models_dir):
    (tmp_path / "evidence").mkdir()
    wav = interview_repeated(tmp_path / "evidence" / "interview_twice.wav", 2)
    script, waiting = tmp_path / "held.py", tmp_path / "waiting"
    script.write_text(HELD_SEARCH, encoding="utf-8")
    case, out = tmp_path / "work" / "case", tmp_path / "work" / "out"
    args = ["transcribe", str(wav), "--case", str(case), "--out", str(out), "--model", "tiny.en",
            "--diarize", "on", "--format", "json"]
    command = subprocess.Popen(
        [sys.executable, str(script), *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_WAITING=str(waiting)),
        start_new_session=True, preexec_fn=_ctrl_c_as_a_terminal_gives_it)  # noqa: PLW1509 - before any thread
    try:
        while not waiting.exists() and command.poll() is None:  # polled for the state, not slept for
            time.sleep(0.05)
        assert waiting.exists(), "the run never waited for its speakers: " + command.stderr.read()
        os.killpg(command.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole group
        _, err = command.communicate(timeout=300)
    finally:
        if command.poll() is None:
            command.kill()
    assert command.returncode == 130, err
    assert "Traceback" not in err, err
    # the worker handed the job back itself; before, the command killed it after 5 s ("the worker was stopped")
    assert _released_why(case) == ["worker shutting down"], (_released_why(case), err)
    assert [status for _, status in _runs(case)] == ["running"]  # every word stored, the run left open
    again = subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                           check=False, timeout=300)
    assert again.returncode == 0, again.stderr
    assert [status for _, status in _runs(case)] == ["complete"]  # the same run, finished
    data = json.loads((out / "interview_twice.json").read_text(encoding="utf-8"))
    assert {s["speaker"] for s in data["segments"]} == {"Speaker 1", "Speaker 2"}
