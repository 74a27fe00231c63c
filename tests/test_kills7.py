"""Hostile kills, eighth round (tests/test_kills.py to test_kills6.py are the earlier ones): an export
whose renames fail part-way, a job whose worker's process id another process took, and (below) a case
folder made read-only during a run, kills during proofreading saves, model imports, verify and case
creation, two commands on one case, and the window's worker killed while it waits."""

from __future__ import annotations

import hashlib
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app.core.evidence import export_set
from app.core.evidence.export_set import ExportWriteError, write_set
from app.core.store import Case
from app.core.store.jobs import JobQueue, worker_name
from tests.conftest import MEDIA, REPO
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


# ------------------------------------------------------------------ a case made read-only during a run

def _immutable(path: Path, on: bool) -> None:
    subprocess.run(["chattr", "+i" if on else "-i", str(path)], check=True, capture_output=True)


def _can_make_immutable(tmp_path: Path) -> bool:
    """Root writes whatever the modes say: a folder or file made read-only under a running command is
    simulated with the immutable mark, which binds root too (ext4, as root); else the test is skipped."""
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    try:
        _immutable(probe, True)
        _immutable(probe, False)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def _wait_until_claimed(case_dir: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120  # a guard only
    while True:
        assert proc.poll() is None and time.monotonic() < deadline, "the command ended before decoding"
        try:
            conn = sqlite3.connect(f"{(case_dir / 'case.sqlite').as_uri()}?mode=ro", uri=True, timeout=10)
            try:
                row = conn.execute("SELECT state FROM jobs WHERE id = 1").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:  # not made yet
            row = None
        if row and row[0] == "running":
            return
        time.sleep(0.05)


def test_a_store_made_read_only_under_a_command_says_so_and_what_is_kept(tmp_path, models_dir):
    """The case's write-ahead log made read-only while `transcribe` decodes (a disk remounted read-only, a
    permission changed): the command said only "the case store could not be written (disk I/O error);
    nothing of this change was kept", no word of a read-only folder nor of the work already stored, and
    `queue status` listed its job `running` while no worker worked on it. Both now say what happened and
    that the next run takes the job up again; that run finishes it and the case verifies."""
    if not _can_make_immutable(tmp_path):
        pytest.skip("cannot make a file read-only for this user (needs root and chattr on ext4)")
    case_dir, out = tmp_path / "case", tmp_path / "out"
    args = ("transcribe", str(MEDIA / "en_voicenote.opus"), "--case", str(case_dir), "--out", str(out),
            "--model", "tiny.en", "--format", "json", "--threads", "1")
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_until_claimed(case_dir, proc)  # its words not yet stored: a second or two of decoding ahead
    wal = case_dir / "case.sqlite-wal"
    _immutable(wal, True)
    try:
        _, err = proc.communicate(timeout=120)
        status = _app("queue", "status", "--case", str(case_dir))
    finally:
        _immutable(wal, False)
    assert proc.returncode == 1, err
    said = err.strip().splitlines()[-1]
    assert "may have become read-only" in said and "what was stored before is kept" in said, said
    assert "its worker has stopped: the next run takes it up again" in status.stdout, status.stdout
    again = _app(*args)
    assert again.returncode == 0, again.stderr
    verified = _app("verify", "--case", str(case_dir))
    assert verified.returncode == 0, verified.stdout + verified.stderr


# ------------------------------------------------------------------ a case killed while it was made

def test_a_case_whose_making_was_killed_says_so_and_is_made_by_the_next_run(tmp_path, models_dir):
    """A first `transcribe` killed within the milliseconds it makes the case leaves an empty store and
    SQLite's journal (seen in 3 of 20 kills while the store was made). The commands that read said only
    "emptied, or never written"; they now say a stopped first command leaves this and what makes the
    case, and the next `transcribe` makes it and verifies clean."""
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    (case_dir / "case.sqlite").write_bytes(b"")
    (case_dir / "case.sqlite-journal").write_bytes(b"\0" * 512)
    listed = _app("exhibits", "--all", "--case", str(case_dir))
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert "a first command stopped while it made the case" in listed.stderr, listed.stderr
    made = _app("transcribe", str(MEDIA / "en_voicenote.opus"), "--case", str(case_dir), "--out",
                str(tmp_path / "out"), "--model", "tiny.en", "--format", "json")
    assert made.returncode == 0, made.stderr
    verified = _app("verify", "--case", str(case_dir))
    assert verified.returncode == 0, verified.stdout + verified.stderr


# ------------------------------------------------------------------ the window's worker killed while it waits

def test_the_windows_worker_killed_twice_mid_job_is_said_and_the_job_still_finishes_once(qtbot, qapp, models_dir,
                                                                                       tmp_path, monkeypatch):
    """The window waits on a transcription; its worker is killed (kill -9) as the job starts, and its
    restarted worker killed again. The window said the first stop only (the second was the same words,
    dropped as already shown); it now says how many stops there were, keeps taking events, and the job
    finishes on its third attempt with one run: its words on screen."""
    from PySide6.QtWidgets import QMessageBox

    from app.gui import queue_requests
    from app.gui.main_window import MainWindow
    from tests.gui_case import add
    from tests.test_gui import _settings

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    case = Case.open(tmp_path / "case")
    exhibit = add(case, "en_voicenote.opus")
    window = MainWindow(case, _settings(tmp_path, models_dir))
    started: list[int] = []
    window.bridge.jobStarted.connect(lambda job, *_: started.append(window.bridge.supervisor.pid))
    window.show()
    try:
        [job] = queue_requests.transcribe(window, [exhibit.id])
        for kill in (1, 2):
            qtbot.waitUntil(lambda k=kill: len(started) >= k, timeout=120_000)
            os.kill(started[-1], signal.SIGKILL)
        jobs = JobQueue(case.conn)
        qtbot.waitUntil(lambda: jobs.get(job).state in ("done", "failed"), timeout=120_000)
        done = jobs.get(job)
        assert (done.state, done.attempts) == ("done", 3), done
        restarted = [p for p in window.problems if "killed by SIGKILL; restarted" in p]
        assert restarted == [("The transcription worker stopped (2 times since the window opened; the latest): the "
                              "worker process was killed by SIGKILL; restarted: its job resumes from what was stored")]
        runs = case.conn.execute("SELECT count(*) FROM runs WHERE exhibit_id=?", (exhibit.id,)).fetchone()[0]
        assert runs == 1
        window.exhibits.select(exhibit.id)
        qtbot.waitUntil(lambda: window.editor.model.rowCount() > 0, timeout=10_000)
        assert "station" in window.editor.model.segment(0).text
    finally:
        window.close()
        case.close()


# ------------------------------------------------------------------ a proofreading save killed

KILLED_SAVE = """
import os, signal, sys
from pathlib import Path
from app.core.editing import operations
from app.core.store import Case
where = sys.argv[3]
if where == "before commit":  # the segment rows and the audit entry written, the transaction open
    real = operations._record
    def _record(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    operations._record = _record
else:  # committed, the head file beside the store not yet moved on
    Case.write_head = lambda self: os.kill(os.getpid(), signal.SIGKILL)
case = Case.open(Path(sys.argv[1]))
run = int(sys.argv[2])
operations.edit_text(case, run, operations.segment_ids(case, run)[0], "Meet me behind the old station.")
"""


@pytest.mark.parametrize(("where", "kept"), [("before commit", "old"), ("after commit", "new")])
def test_a_proofreading_save_killed_keeps_the_old_text_or_the_new_and_a_log_that_agrees(tmp_path, where, kept):
    """The window's save of an edited segment (the core's edit_text, which the window calls) killed
    inside its transaction, or after its commit before the head file beside the store moved on: the
    transcript is the old text or the new one, never a mixture, and `verify` finds the log agreeing."""
    from tests.gui_case import add, add_run, segment

    case = Case.open(tmp_path / "case")
    try:
        run = add_run(case, add(case, "en_voicenote.opus").id, (segment(0, "Meet me behind the station.", None),))
    finally:
        case.close()
    (tmp_path / "save.py").write_text(KILLED_SAVE, encoding="utf-8")
    killed = subprocess.run([sys.executable, str(tmp_path / "save.py"), str(tmp_path / "case"), str(run), where],
                            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True,
                            timeout=120, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    from app.core.editing.operations import current_segments

    case = Case.open(tmp_path / "case")
    try:
        text = current_segments(case, run)[0].text
    finally:
        case.close()
    assert text == {"old": "Meet me behind the station.", "new": "Meet me behind the old station."}[kept]
    verified = _app("verify", "--case", str(tmp_path / "case"))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_job_failed_by_kills_and_done_by_the_run_again_is_listed_as_done_since(case: Case):
    """A worker killed three times during one job fails it (its attempts spent); `transcribe` run again
    queues an equal job, which resumes the same run and finishes it. `queue status` still listed the
    first as failed with "the worker process was killed by SIGKILL", as if work were left; it now says
    which job did it since."""
    queue = JobQueue(case.conn)
    exhibit = _exhibit(case, 1)
    first = queue.add(exhibit, "transcribe", OPTIONS, 1)
    queue.claim("w")
    assert queue.fail(first, "the worker process was killed by SIGKILL", retry=False) == "failed"
    again = queue.add(exhibit, "transcribe", OPTIONS, 2)
    assert again != first and queue.claim("w").id == again
    assert queue.complete(again, None)
    assert queue.done_since() == {first: again}
    status = _app("queue", "status", "--case", str(case.folder))
    row = next(line for line in status.stdout.splitlines() if line.split()[:1] == [str(first)])
    assert f"done since by job {again} (was: the worker process was killed by SIGKILL)" in row, status.stdout


def test_a_timeline_whose_rename_fails_part_way_puts_none_of_its_files_in_place_as_it_says(tmp_path):
    """The timeline's own writer: a folder named like its DOCX in the way of writing it again (json, then
    docx) left the new JSON over the old while saying "none of its files was put in place"; the old one
    is now put back, and nothing is left beside it."""
    chat = tmp_path / "evidence" / "WhatsApp Chat with Dave.txt"
    chat.parent.mkdir()
    chat.write_bytes((FIXTURES / "chats" / "whatsapp_android_en.txt").read_bytes())
    out, case_dir = tmp_path / "out", str(tmp_path / "case")
    first = _app("timeline", str(chat), "--out", str(out), "--format", "json", "--case", case_dir)
    assert first.returncode == 0, first.stderr
    before = _digests(out)
    [json_name] = before
    (out / json_name.replace(".json", ".docx")).mkdir()
    again = _app("timeline", str(chat), "--out", str(out), "--format", "json,docx", "--case", case_dir)
    assert again.returncode == 1 and "none of its files was put in place" in again.stderr, again.stderr
    assert _digests(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted([json_name, json_name.replace(".json", ".docx")])
    verified = _app("verify", "--case", case_dir)
    assert verified.returncode == 0, verified.stdout + verified.stderr


KILLED_HEAD_WRITE = """
import json, os, signal, sys
from pathlib import Path
from app.core.store import Case
from tests.gui_case import add
case = Case.open(Path(sys.argv[1]))
real = json.dump
def dump(data, fh, **kwargs):  # the head file's new value written, not yet renamed into place
    real(data, fh, **kwargs)
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
json.dump = dump
add(case, "en_voicenote.opus")
"""


def test_a_head_write_killed_leaves_no_temporary_file_in_the_case_after_the_next_command(tmp_path):
    """Each commit rewrites `audit-head.json` through a temporary file, synced: a kill then left
    `.audit-head.XXXX.tmp` in the case folder for good. Its name now carries its writer's process id,
    and the next command that writes the head removes one whose writer is gone."""
    (tmp_path / "head.py").write_text(KILLED_HEAD_WRITE, encoding="utf-8")
    killed = subprocess.run([sys.executable, str(tmp_path / "head.py"), str(tmp_path / "case")], cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=120,
                            check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert list((tmp_path / "case").glob(".audit-head.*.tmp")), "the kill came before the head was written"
    listed = _app("queue", "status", "--case", str(tmp_path / "case"))
    assert listed.returncode == 0, listed.stderr
    assert sorted(p.name for p in (tmp_path / "case").iterdir()) == ["audit-head.json", "case.sqlite"]
    verified = _app("verify", "--case", str(tmp_path / "case"))
    assert verified.returncode == 0, verified.stdout + verified.stderr
