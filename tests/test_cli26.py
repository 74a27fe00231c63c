"""Session 26: a `queue run` (or window) killed leaves no worker decoding on; "Exported by" says whose name it is."""

from __future__ import annotations

import json
import os
import threading
from multiprocessing import Pipe

import pytest

from app.core.media.decode import probe
from app.core.store import Case
from app.core.store.jobs import JobQueue, worker_name
from app.worker import command_thread
from app.worker.command_thread import CommandThread
from app.worker.protocol import WorkerConfig
from tests.conftest import MEDIA


class _Ended(Exception):
    pass


def _worker_whose_parent_was_killed(case_dir, job_id: int) -> CommandThread:
    """A worker's command thread as the child has it, mid-decode (its decoding thread never reaches a chunk's
    end), the parent's end of the command pipe closed as a SIGKILL of the parent closes it."""
    worker = CommandThread()
    worker.config = WorkerConfig(str(case_dir), heartbeat_s=60.0)
    worker.commands, parent_end = Pipe(duplex=False)
    parent_end.close()
    worker.name, worker.current, worker.only = worker_name(), (job_id,), None
    worker.told, worker.shutdown, worker.closed = threading.Event(), threading.Event(), threading.Event()
    worker.stop_asked = set()
    return worker


def test_a_worker_whose_parent_was_killed_hands_its_job_back_and_ends_mid_chunk(tmp_path, monkeypatch):
    """A `queue run` SIGKILLed left its worker decoding to its chunk's end (about 60 s on a long file, 13 s on a
    6-minute WAV here) before the job was given back. The worker now ends within PARENT_GONE_GRACE_S of the parent
    going, its job queued again at once with the attempt not spent."""
    case = Case.open(tmp_path / "case")
    exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    queue = JobQueue(case.conn)
    queue.add(exhibit.id, "transcribe", {})
    job = queue.claim(worker_name())
    assert job is not None
    ended: list[int] = []

    def end(code: int) -> None:
        ended.append(code)
        raise _Ended

    monkeypatch.setattr(os, "_exit", end)
    worker = _worker_whose_parent_was_killed(tmp_path / "case", job.id)
    with pytest.raises(_Ended):
        worker._background()
    assert ended == [command_thread.PARENT_GONE_EXIT] and worker.shutdown.is_set()
    now = JobQueue(case.conn).get(job.id)
    assert (now.state, now.attempts) == ("queued", 0)
    [released] = [e for e in case.audit.entries("job/") if e.action == "job.released"]
    assert released.details["reason"] == "its parent process was ended"
    case.close()


def test_a_worker_whose_parent_was_killed_makes_no_store_where_its_case_was_moved_from(tmp_path, monkeypatch):
    """The case folder moved while the window ran, then the window killed: the worker ended, and opening the case
    at its old path to hand the job back made a new, empty case store there (found in review). It now ends
    without writing; the job is recovered where the case now is, its worker's pid gone."""
    case = Case.open(tmp_path / "case")
    case.close()
    (tmp_path / "case").rename(tmp_path / "moved")
    ended: list[int] = []

    def end(code: int) -> None:
        ended.append(code)
        raise _Ended

    monkeypatch.setattr(os, "_exit", end)
    monkeypatch.setattr(command_thread, "PARENT_GONE_GRACE_S", 0.0)
    worker = _worker_whose_parent_was_killed(tmp_path / "case", 1)
    with pytest.raises(_Ended):
        worker._parent_gone()
    assert ended == [command_thread.PARENT_GONE_EXIT] and not (tmp_path / "case").exists()


def test_a_worker_that_stops_at_its_chunk_end_in_time_is_not_ended(tmp_path, monkeypatch):
    """Idle, or at a chunk's end within the grace, the decoding thread stops as it always did (the job released
    there): the command thread ends nothing and writes nothing."""
    case = Case.open(tmp_path / "case")
    case.close()
    monkeypatch.setattr(os, "_exit", lambda code: pytest.fail(f"os._exit({code})"))
    worker = _worker_whose_parent_was_killed(tmp_path / "case", 1)
    worker.closed.set()
    worker._background()
    assert worker.shutdown.is_set()


# ------------------------------------------------------------------ who exported it

@pytest.mark.parametrize("by", [None, "  ", "DC Karen Jones"])
def test_an_export_made_without_a_name_says_it_names_a_computer_account(tmp_path, capsys, by):
    """`export` without --by (and `transcribe --out`, `queue run --out`, the window before a name is given) printed
    the OS account as if it were the exporter's name: "Exported ... by root", "exported_by": "root". Without a name
    it now says "computer account 'root' (no name was given)"; a name given is printed as given. The audit log's
    actor is the account either way, as for every entry made without a name."""
    from app.cli.main import main
    from app.core.store.audit import current_user
    from tests import gui_case

    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "en_voicenote.opus")
    gui_case.add_run(case, exhibit.id, (gui_case.segment(0, "Meet me at eight.", None),))
    case.close()
    args = ["export", "--case", str(tmp_path / "case"), "--out", str(tmp_path / "out"), "--format", "txt"]
    assert main([*args, *(["--by", by] if by is not None else [])]) == 0, capsys.readouterr().err
    manifest = json.loads((tmp_path / "out" / "en_voicenote.manifest.json").read_text())
    text = (tmp_path / "out" / "en_voicenote.txt").read_text()
    expected = "DC Karen Jones" if by and by.strip() else f"computer account '{current_user()}' (no name was given)"
    assert manifest["exported_by"] == expected and f" by {expected}" in text
    case = Case.open(tmp_path / "case")
    actors = {e.actor for e in case.audit.entries("run/") if e.action == "export.written"}
    case.close()
    assert actors == {by.strip() if by and by.strip() else current_user()}


# ------------------------------------------------------------------ run from inside the evidence folder

def test_a_case_named_with_dot_dot_from_inside_the_evidence_folder_is_outside_it(tmp_path, monkeypatch, capsys):
    """Run inside the phone's folder, `--case ../case` was refused as "inside" it: the relative name was joined to
    the working folder unnormalised (`phone/../case`). It is outside, and taken; `--case ./case` is still refused."""
    from app.cli.main import main

    phone = tmp_path / "phone"
    phone.mkdir()
    (phone / "note.opus").write_bytes((MEDIA / "en_voicenote.opus").read_bytes())
    monkeypatch.chdir(phone)
    assert main(["queue", "add", "note.opus", "--case", "../case", "--model", "tiny.en"]) == 0, capsys.readouterr()
    assert (tmp_path / "case" / "case.sqlite").is_file()
    for inside in ("./case", "../phone/case"):
        assert main(["queue", "add", "note.opus", "--case", inside, "--model", "tiny.en"]) != 0
        assert "refusing to write outputs beside the evidence" in capsys.readouterr().err
    assert not (phone / "case").exists()
