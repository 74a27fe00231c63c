"""Hostile kills, eighth round (tests/test_kills.py to test_kills6.py are the earlier ones): an export
whose renames fail part-way, a job whose worker's process id another process took, and (below) a case
folder made read-only during a run, kills during proofreading saves, model imports, verify and case
creation, two commands on one case, and the window's worker killed while it waits."""

from __future__ import annotations

import hashlib
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from app.core.evidence import export_set
from app.core.evidence.export_set import ExportWriteError, write_set
from app.core.store import Case
from app.core.store.jobs import JobQueue, worker_name
from tests.conftest import REPO
from tests.test_jobs import OPTIONS, _exhibit
from tests.test_kills6 import live_process, translated  # noqa: F401 - fixtures

FIXTURES = Path(__file__).parent / "fixtures"


def _app(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=300, **kwargs)


def _as_from_a_terminal() -> None:
    """Ctrl-C reaches a command started at a terminal; a suite run in the background has SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


# ------------------------------------------------------------------ an export's renames failing part-way

def test_an_export_whose_rename_fails_part_way_keeps_nothing_of_it_as_it_says(translated, tmp_path):  # noqa: F811
    """A folder named `statement.txt` in the way of a second export (json, then txt): its json was put in
    place over the first export's, the first set's manifest removed, and the command said "nothing of
    it was kept"; `verify` then named the set "stopped before it finished". What the folder held is now
    put back, so the message is true and the case verifies clean."""
    out = tmp_path / "out"
    first = _app("export", "--task", "text-translate", "--format", "json", "--out", str(out), "--case", str(translated))
    assert first.returncode == 0, first.stderr
    before = _digests(out)
    (out / "statement.txt").mkdir()
    second = _app("export", "--task", "text-translate", "--format", "json,txt", "--out", str(out),
                  "--case", str(translated))
    assert second.returncode != 0
    assert "nothing of it was kept" in second.stderr and "Traceback" not in second.stderr, second.stderr
    assert _digests(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, "statement.txt"])  # no staging left
    verified = _app("verify", "--case", str(translated), "--exports", str(out))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_an_export_that_cannot_be_put_back_says_what_it_left(tmp_path, monkeypatch):
    """When the folder refuses the undoing too (made read-only part-way), the message names an incomplete
    set instead of claiming nothing was kept."""
    out = tmp_path / "out"
    write_set(out, "note", [("note.json", b"{}"), ("note.txt", b"old")], {"v": 1})
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) > 2:  # the earlier manifest set aside, the json put in place: then nothing more
            raise PermissionError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(export_set.os, "replace", replace)
    with pytest.raises(ExportWriteError) as failed:
        write_set(out, "note", [("note.json", b'{"new": 1}'), ("note.txt", b"new")], {"v": 1})
    assert "1 of its 2 files are in place without a manifest" in str(failed.value), failed.value
    assert "nothing of it was kept" not in str(failed.value)


# ------------------------------------------------------------------ a worker's process id used again

def test_a_job_whose_workers_process_id_another_process_took_is_recovered_at_once(case: Case, live_process):  # noqa: F811
    """A worker killed, its process id given to another process (a restart, ids wrapping): the job it
    held stayed `running` until its heartbeat was 60 s old. A process that started after the job's last
    heartbeat cannot be its worker, so the job goes back to the queue at once; a job whose worker started
    before that heartbeat (pid 1 here, up since boot) is left to it."""
    queue = JobQueue(case.conn)
    reused = queue.add(_exhibit(case, 1), "transcribe", OPTIONS, 1)
    held = queue.add(_exhibit(case, 2), "transcribe", OPTIONS, 1)
    assert queue.claim(worker_name(live_process)).id == reused
    assert queue.claim(f"{platform.node() or 'localhost'}:1").id == held
    last_beat = psutil.Process(live_process).create_time() - 10  # ten seconds before that process began
    case.conn.execute("UPDATE jobs SET heartbeat_s=?", (last_beat,))
    assert queue.recover_stale() == [reused]
    assert queue.get(reused).state == "queued" and queue.get(held).state == "running"
