"""Hostile kills, second round: the worker killed at the exact moment a result is stored, and the
same command run again (issue: kills at random moments; tests/test_kills.py is the first round).

A kill at an exact point is made by running the command from a script file whose top level patches
one function to SIGKILL its process right after the function returns, once: in the command itself
(`__main__`), or in the worker (a spawned process imports the script as `__mp_main__`)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from app.core.chats.intake import take_in
from app.core.errors import StoreError
from app.core.store import Case
from app.core.store import chats as chat_store
from tests.conftest import MEDIA, REPO

FIXTURES = Path(__file__).parent / "fixtures"

KILL_AFTER = """
import importlib, os, signal, sys
if __name__ == {"worker": "__mp_main__", "command": "__main__"}[os.environ["PARLEY_TEST_KILL_IN"]]:
    module, _, name = os.environ["PARLEY_TEST_KILL_AFTER"].partition(":")
    owner_name, _, attr = name.rpartition(".")
    owner = importlib.import_module(module)
    owner = getattr(owner, owner_name) if owner_name else owner
    real, mark = getattr(owner, attr), os.environ["PARLEY_TEST_KILL_MARK"]
    def once(*args, **kwargs):
        result = real(*args, **kwargs)
        if not os.path.exists(mark):
            open(mark, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(owner, attr, once)
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def _killed_after(tmp_path: Path, where: str, target: str, *args: str) -> subprocess.CompletedProcess:
    """`python -m app ARGS`, its `where` ("command" or "worker") killed once right after `target`
    ("module:function" or "module:Class.method") returns."""
    script, mark = tmp_path / "kill_after.py", tmp_path / "killed"
    script.write_text(KILL_AFTER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), PARLEY_TEST_KILL_IN=where, PARLEY_TEST_KILL_AFTER=target,
               PARLEY_TEST_KILL_MARK=str(mark))
    result = subprocess.run([sys.executable, str(script), *args], cwd=REPO, env=env, capture_output=True,
                            text=True, check=False, timeout=300)
    assert mark.exists(), f"the {where} was never killed: " + result.stderr
    if where == "worker":
        assert "killed by SIGKILL" in result.stderr, result.stderr
    else:
        assert result.returncode == -signal.SIGKILL, result.stderr
    return result


def _app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300)


def _rows(case_dir: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(case_dir / "case.sqlite")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _verify(case_dir: Path) -> subprocess.CompletedProcess:
    return _app("verify", "--case", str(case_dir))


def test_a_worker_killed_after_its_run_finished_does_not_transcribe_the_file_again(tmp_path, models_dir):
    """The run is complete in the store, the job not yet marked done: the retry finishes the job
    with that run; it used to decode the whole file again into a second complete run."""
    case_dir = tmp_path / "case"
    result = _killed_after(
        tmp_path, "worker", "app.core.store.case:Case.finish_run", "transcribe", str(MEDIA / "en_voicenote.opus"),
        "--case", str(case_dir), "--out", str(tmp_path / "out"), "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert _rows(case_dir, "SELECT id, status FROM runs") == [(1, "complete")]
    assert _rows(case_dir, "SELECT state, run_id FROM jobs") == [("done", 1)]
    assert _rows(case_dir, "SELECT count(*) FROM audit_log WHERE action='run.started'") == [(1,)]
    assert (tmp_path / "out" / "en_voicenote.json").is_file()
    assert _verify(case_dir).returncode == 0


def test_a_worker_killed_after_its_translation_was_stored_does_not_translate_again(tmp_path):
    """Likewise for a translation: one translation run, the one exported, and verify clean."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    doc = evidence / "statement.txt"
    doc.write_text("Byłem w domu.\n\nNie znam tego człowieka.\n", encoding="utf-8")
    case_dir, out = tmp_path / "case", tmp_path / "out"
    result = _killed_after(
        tmp_path, "worker", "app.core.translation.runs:translate_run_result", "translate", str(doc), "--from", "pl",
        "--to", "de", "--model", str(FIXTURES / "tiny_nllb"), "--case", str(case_dir), "--out", str(out),
        "--format", "json", "--threads", "1")
    assert result.returncode == 0, result.stderr
    runs = _rows(case_dir, "SELECT id, status FROM runs WHERE task='text-translate'")
    assert runs == [(2, "complete")], runs
    assert _rows(case_dir, "SELECT state, run_id FROM jobs") == [("done", 2)]
    assert '"run_id": 2' in (out / "statement.json").read_text(encoding="utf-8")
    assert _verify(case_dir).returncode == 0


def test_two_imports_of_one_chat_export_at_once_store_its_chats_once(tmp_path, monkeypatch):
    """Two commands (or the window and a command) take in the same export at the same moment: the
    other one stores the chats just after this one looked for them. It used to fail with
    'UNIQUE constraint failed: chats...' (the look was made before the write lock was taken)."""

    export = FIXTURES / "chats" / "telegram_result.json"
    first, other = Case.open(tmp_path / "case"), Case.open(tmp_path / "case")
    other.conn.execute("PRAGMA busy_timeout=200")  # the other process waiting for this one's lock, shortened
    real, raced = chat_store._existing, []

    def racing(case: Case, exhibit_id: int, parser_version: int) -> list[int]:
        found = real(case, exhibit_id, parser_version)
        if case is first and not raced:
            raced.append(True)
            try:
                take_in(other, export)  # the other command, at this very moment
            except (sqlite3.OperationalError, StoreError):
                pass  # it has to wait for this one's write: it takes the export in just after
        return found

    monkeypatch.setattr(chat_store, "_existing", racing)
    try:
        [mine] = take_in(first, export)
        [theirs] = take_in(other, export)
        assert raced and mine.chat_ids == theirs.chat_ids
        assert first.conn.execute("SELECT count(*) FROM chats").fetchone()[0] == len(mine.chat_ids)
        assert first.conn.execute("SELECT count(*) FROM audit_log WHERE action='chat.imported'").fetchone()[0] == 1
    finally:
        first.close()
        other.close()


def test_the_window_says_its_killed_worker_was_restarted(qtbot, tmp_path):
    """The window's worker killed (kill -9, the out-of-memory killer): the problem shown says it was
    started again and its job resumes; it read 'The transcription worker stopped: ...' and no more."""
    from app.gui.bridge import WorkerBridge

    Case.open(tmp_path / "case").close()
    bridge, said = WorkerBridge(), []
    bridge.workerCrashed.connect(said.append)
    with qtbot.waitSignal(bridge.workerReady, timeout=60_000):
        assert bridge.start(tmp_path / "case")
    try:
        first = bridge.supervisor.pid
        os.kill(first, signal.SIGKILL)
        qtbot.waitUntil(lambda: bool(said), timeout=30_000)
        assert said == ["the worker process was killed by SIGKILL; restarted: its job resumes from what was stored"]
        qtbot.waitUntil(lambda: bridge.is_running() and bridge.supervisor.pid != first, timeout=30_000)
    finally:
        bridge.stop()


def test_a_text_import_killed_half_way_is_stored_once_when_run_again(tmp_path):
    """`translate statement.txt` killed after the text's run was started, before it was complete:
    the run again stores the text once; a run left half-written beside it was never finished."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    doc = evidence / "statement.txt"
    doc.write_text("Byłem w domu.\n\nNie znam tego człowieka.\n", encoding="utf-8")
    case_dir, out = tmp_path / "case", tmp_path / "out"
    args = ("translate", str(doc), "--from", "pl", "--to", "de", "--model", str(FIXTURES / "tiny_nllb"),
            "--case", str(case_dir), "--out", str(out), "--format", "json", "--threads", "1")
    _killed_after(tmp_path, "command", "app.core.store.case:Case.start_run", *args)
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    runs = _rows(case_dir, "SELECT task, status FROM runs ORDER BY id")
    assert runs == [("text", "complete"), ("text-translate", "complete")], runs
    assert _verify(case_dir).returncode == 0


HEARTBEAT_FAILS_ONCE = """
import os, sqlite3, sys, threading
if __name__ == "__mp_main__":  # the worker: its first heartbeat from the commands thread cannot be written
    from app.core.store.jobs import JobQueue
    real, failed = JobQueue.heartbeats, []  # the commands thread's beat: every running job in one commit
    def heartbeats(self, *args, **kwargs):
        if threading.current_thread().name == "commands" and not failed:
            failed.append(True)
            print("heartbeat refused", file=sys.stderr, flush=True)
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args, **kwargs)
    JobQueue.heartbeats = heartbeats
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def test_a_heartbeat_the_store_cannot_take_leaves_the_worker_listening(tmp_path, models_dir):
    """The store full or busy past its timeout when the worker's commands thread refreshes a job's
    heartbeat: that beat is skipped. The thread used to die with a traceback on the terminal, after
    which the worker heard no Shutdown (killed after a wait) and no cancel."""
    script = tmp_path / "heartbeat_fails.py"  # a recording of about a minute: seconds of decoding to beat in
    script.write_text(HEARTBEAT_FAILS_ONCE, encoding="utf-8")
    case_dir = tmp_path / "case"
    result = subprocess.run(
        [sys.executable, str(script), "transcribe", str(MEDIA / "interview_mono.wav"), "--case", str(case_dir),
         "--out", str(tmp_path / "out"), "--model", "tiny.en", "--format", "json", "--diarize", "off"],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, check=False,
        timeout=300)
    assert result.returncode == 0, result.stderr
    assert "heartbeat refused" in result.stderr, result.stderr  # the store did refuse one
    assert "Traceback" not in result.stderr and "Exception in thread" not in result.stderr, result.stderr
    assert _rows(case_dir, "SELECT state, attempts FROM jobs") == [("done", 1)]
