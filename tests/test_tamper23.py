"""Hostile expert, session 23: copies of a chat's timeline, a case folder swapped under the queue's own writers, a
model file replaced with its size and mtime kept.

- A chat's timeline copied to a USB stick (the one written still in place) and checked with `verify --exports USB`:
  timelines are written without a manifest, and only copies of sets with one were checked, so a copy handed on with
  its messages rewritten verified clean.
- The queue (`JobQueue`) writes on the connection it is given, outside `Case.transaction`: the supervisor's own
  connection failed a dead worker's job in the store moved away after the case folder was replaced under it, and
  the window's pause, cancel and queueing went there too, unseen at the case's path. A case folder moved away under
  a running queue was never said, and a restarted worker would have made a new, empty case at the path.
- The speaker model's weights hash, remembered by (path, size, mtime) for the window's life.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import pytest

from app.cli import main
from app.core.errors import StoreError
from app.core.store import Case
from app.core.store.jobs import JobQueue, worker_name
from app.core.types import SourceInfo
from app.worker import protocol
from app.worker.supervisor import Supervisor
from tests.conftest import REPO

CHAT = REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt"
TIMELINE = "WhatsApp Chat with Dave.timeline"


@pytest.fixture(scope="module")
def timeline_case(tmp_path_factory):
    """A WhatsApp chat (no media: no model needed) taken in and its timeline written as JSON and PDF."""
    root = tmp_path_factory.mktemp("timeline")
    chat = root / "evidence" / "WhatsApp Chat with Dave.txt"
    chat.parent.mkdir()
    shutil.copy(CHAT, chat)
    assert main(["timeline", str(chat), "--out", str(root / "out"), "--case", str(root / "case"),
                 "--format", "json,pdf"]) == 0
    return root


def _verify(capsys, case, *folders) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["verify", "--case", str(case), *[a for f in folders for a in ("--exports", str(f))]])
    return code, [line for line in capsys.readouterr().err.splitlines() if line and not line.endswith("finding(s)")]


@pytest.fixture()
def usb(timeline_case, tmp_path):
    """The timeline folder copied (a USB stick handed on), the one written still in place."""
    shutil.copytree(timeline_case / "out", tmp_path / "usb")
    return tmp_path / "usb"


def test_a_copy_of_a_timeline_as_written_is_quiet(timeline_case, usb, capsys):
    assert _verify(capsys, timeline_case / "case", usb) == (0, [])


@pytest.mark.parametrize("suffix", ["json", "pdf"])
def test_a_copy_of_a_timeline_with_its_messages_rewritten_is_said_changed(timeline_case, usb, capsys, suffix):
    copied = usb / f"{TIMELINE}.{suffix}"
    data = copied.read_bytes()
    copied.write_bytes(data.replace(b"Dave", b"Dan", 1) if suffix == "json" else data + b"%% appended\n")
    code, found = _verify(capsys, timeline_case / "case", usb)
    said = (f"{copied}: a copy of {copied.name}, which this case's timeline wrote, changed since it was written "
            "(SHA-256 differs from every one the audit log lists for it)")
    assert code == 1 and found == [said], found  # was: quiet
    assert _verify(capsys, timeline_case / "case") == (0, [])  # the timeline in place is untouched


def test_a_file_slipped_in_beside_a_copied_timeline_is_said(timeline_case, usb, capsys):
    slipped = usb / f"{TIMELINE}.txt"
    slipped.write_text("12/03/2024, 09:15 - Dave: the money is in the shed\n", encoding="utf-8")
    code, found = _verify(capsys, timeline_case / "case", usb)
    assert code == 1 and len(found) == 1 and found[0].startswith(f"{slipped}: beside the export set "), found


def test_another_case_s_timeline_of_a_chat_of_the_same_name_is_not_judged(timeline_case, usb, capsys):
    """A folder named that also holds another phone's chat timeline of the same file name (its JSON names
    another chat's SHA-256): not this case's copy, so not said changed."""
    copied = usb / f"{TIMELINE}.json"
    copied.write_bytes(copied.read_bytes().replace(b'"sha256": "', b'"sha256": "0', 1))
    (usb / f"{TIMELINE}.pdf").write_bytes(b"%PDF-1.4 another case's\n")
    assert _verify(capsys, timeline_case / "case", usb) == (0, [])


# ------------------------------------------------------------------ the case folder swapped under the queue's writers

@pytest.fixture()
def queued(tmp_path):
    """A case with one transcription queued; its folder's path."""
    case = Case.open(tmp_path / "case")
    try:
        source = SourceInfo(path=str(tmp_path / "note.opus"), sha256="ab" * 32, bytes=1000, duration_ms=3000)
        JobQueue(case.conn).add(case.add_exhibit(source)[0].id, "transcribe", {"model": "tiny.en"})
    finally:
        case.close()
    return tmp_path / "case"


@pytest.fixture()
def supervisor(queued):
    """A supervisor and its worker, up and idle (told to claim nothing: the test claims the job in its name)."""
    sup = Supervisor(queued, worker_options={"await_jobs": True, "idle_poll_s": 0.2, "heartbeat_s": 1.0})
    sup.start()
    _poll_until(sup, [], lambda seen: any(isinstance(e, protocol.QueueIdle) for e in seen))
    yield sup
    sup.stop()


def _claimed_by_its_worker(sup: Supervisor, folder) -> None:  # type: ignore[no-untyped-def]
    case = Case.open(folder)
    try:
        assert JobQueue(case.conn).claim(worker_name(sup.pid)) is not None  # running, in its worker's name
    finally:
        case.close()


def _poll_until(sup: Supervisor, seen: list, done, timeout: float = 60) -> list:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done(seen):
        assert time.monotonic() < deadline, f"timed out; events so far: {seen[-8:]}"
        seen.extend(sup.poll())
        time.sleep(0.05)
    return seen


def _state(folder):  # type: ignore[no-untyped-def]
    """(the job's state, its attempts, the audit log's actions after its claim) in the store at `folder`."""
    case = Case.open(folder)
    try:
        job = JobQueue(case.conn).get(1)
        actions = [e.action for e in case.audit.entries("job/1")]
        return job.state, job.attempts, actions[actions.index("job.started") + 1:]
    finally:
        case.close()


def test_the_window_s_queue_actions_after_its_case_folder_was_replaced_are_refused_not_written_away(queued, tmp_path):
    """The window's pause, resume, cancel and queueing go through `JobQueue` on its own connection: after a backup
    was restored over the case folder they were written into the store moved away (now refused in one line, as the
    window's edits were in session 22)."""
    shutil.copytree(queued, tmp_path / "backup")
    window = Case.open(queued)
    try:
        os.rename(queued, tmp_path / "case.moved")
        shutil.copytree(tmp_path / "backup", queued)
        for action in (lambda q: q.pause(None), lambda q: q.cancel(1), lambda q: q.add(1, "translate", {})):
            with pytest.raises(StoreError, match="another file than the one opened .the case folder was replaced "
                                                 "while it was open.; nothing written: open the case again"):
                action(JobQueue(window.conn))  # was: paused, cancelled, queued in the store moved away
    finally:
        window.close()
    for folder in (queued, tmp_path / "case.moved"):
        case = Case.open(folder)
        try:
            assert [(j.id, j.state) for j in JobQueue(case.conn).list()] == [(1, "queued")]
        finally:
            case.close()


def test_a_case_folder_replaced_under_the_queue_takes_no_job_failure_into_the_store_moved_away(
        queued, supervisor, tmp_path):
    """A backup restored over the case folder while the window works the queue: the worker ends for the other
    store (session 22), and the supervisor's own connection failed the worker's job in the store moved away (its
    attempt spent, `job.failed` logged there, unseen at the case's path); now it closes that connection unwritten
    and follows the store now at the path."""
    shutil.copytree(queued, tmp_path / "backup")
    _claimed_by_its_worker(supervisor, queued)
    before = _state(queued)
    os.rename(queued, tmp_path / "case.moved")
    shutil.copytree(tmp_path / "backup", queued)
    seen = _poll_until(supervisor, [], lambda seen: any(isinstance(e, protocol.WorkerCrashed) for e in seen))
    assert not any(isinstance(e, protocol.JobFailed) for e in seen), seen  # was: "will retry", in the moved store
    assert _state(tmp_path / "case.moved") == before  # as a kill leaves it: resumed when that case is opened
    assert supervisor.queue.get(1).state == "queued"  # read from the store now at the path (the backup's)


def test_a_case_folder_moved_away_under_the_queue_stops_its_worker_in_one_line(queued, supervisor, tmp_path):
    """The case folder moved away while the window works the queue: the idle worker went on, unseen, with the
    store moved away; a restart would make a new, empty case at the path. Now said once, the worker stopped, no
    case made, nothing written to either."""
    _claimed_by_its_worker(supervisor, queued)
    before = _state(queued)
    os.rename(queued, tmp_path / "case.moved")
    seen = _poll_until(supervisor, [], lambda seen: any(isinstance(e, protocol.WorkerCrashed) for e in seen),
                       timeout=30)  # was: never said
    crashed = [e for e in seen if isinstance(e, protocol.WorkerCrashed)]
    assert len(crashed) == 1 and crashed[0].case_lost and not crashed[0].restarting, crashed
    assert crashed[0].reason == (f"{queued / 'case.sqlite'} is gone (the case folder was moved or removed while it "
                                 "was open); nothing written: open the case again")
    assert supervisor.pid is None and supervisor.gave_up
    supervisor.stop()
    assert supervisor.poll() == [] and not queued.exists()  # no new, empty case made where it was
    assert _state(tmp_path / "case.moved") == before


# ------------------------------------------------------------------ a model file replaced, its size and mtime kept

def test_speaker_model_weights_replaced_with_their_size_and_mtime_kept_are_hashed_again(tmp_path):
    """The speaker model's weights hash was remembered by (path, size, mtime) for the life of the window: weights
    replaced by others of the same size, their mtime put back, were still given the old model's SHA-256 (a
    profile or voiceprint made by the new weights recorded as the old model's)."""
    from app.core.diarize.model_dirs import MODEL_FILE
    from app.core.usecases.voiceprints import installed_model_sha

    weights = tmp_path / MODEL_FILE
    weights.write_bytes(b"\x01" * 4096)
    assert installed_model_sha(tmp_path) == hashlib.sha256(b"\x01" * 4096).hexdigest()
    stat = weights.stat()
    other = tmp_path / "other.onnx"
    other.write_bytes(b"\x02" * 4096)
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, weights)
    assert (weights.stat().st_size, weights.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert installed_model_sha(tmp_path) == hashlib.sha256(b"\x02" * 4096).hexdigest()  # was: the first's


# ------------------------------------------------------------------ an export folder moved, then exported into again

@pytest.fixture()
def noted(tmp_path):
    """A voice note with a finished run (no model), the case closed; the `export` arguments, --out to be added."""
    from app.core.evidence.provenance import software_info
    from app.core.media.decode import probe
    from app.core.types import ModelInfo, Segment
    from tests.conftest import MEDIA

    (tmp_path / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "evidence" / "note.opus")
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(tmp_path / "evidence" / "note.opus"))
        run = case.start_run(exhibit.id, "transcribe", ModelInfo("tiny.en", "/models/tiny.en", "ab" * 32),
                             {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
        case.finish_run(run)
    finally:
        case.close()
    return ["export", "1", "--case", str(tmp_path / "case"), "--format", "txt,json"]


def test_an_export_folder_moved_and_exported_into_again_is_quiet(noted, tmp_path, capsys):
    """The exports moved to another disk and the transcript exported again into them there (maintenance, not
    tampering): `verify --exports` found the first export's manifest by its name in that folder, now holding the
    later export's, and said it "changed since it was written"."""
    export = noted
    assert main([*export, "--out", str(tmp_path / "out")]) == 0
    shutil.move(tmp_path / "out", tmp_path / "disk2")
    assert main([*export, "--out", str(tmp_path / "disk2")]) == 0
    assert _verify(capsys, tmp_path / "case", tmp_path / "disk2") == (0, [])  # was: the manifest "changed"
    manifest = tmp_path / "disk2" / "note.manifest.json"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("machine", "verified"), encoding="utf-8")
    code, found = _verify(capsys, tmp_path / "case", tmp_path / "disk2")
    assert code == 1 and found == [f"{manifest}: exported file changed since it was written (SHA-256 differs)"], found


def test_a_copy_of_an_export_whose_manifest_no_longer_reads_is_said_changed(noted, tmp_path, capsys):
    """A byte of the copied manifest changed so that it is no longer JSON (or no longer says whose recording it is):
    the copied set was skipped as "not this case's", every file of it unchecked, and verify said nothing."""
    assert main([*noted, "--out", str(tmp_path / "out")]) == 0
    shutil.copytree(tmp_path / "out", tmp_path / "usb")
    manifest = tmp_path / "usb" / "note.manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"source"', b'#source"', 1))
    code, found = _verify(capsys, tmp_path / "case", tmp_path / "usb")
    said = (f"{manifest}: a copy of note.manifest.json, which this case's exports wrote, changed since it was "
            "written (SHA-256 differs from every one the audit log lists for it)")
    assert code == 1 and found == [said], found  # was: quiet


def test_a_copy_of_an_export_without_its_manifest_with_its_text_changed_is_said(noted, tmp_path, capsys):
    """The set copied without its manifest (only the text handed on), the text changed: the copy was looked at
    only through a manifest beside it, so nothing was checked and verify said nothing."""
    assert main([*noted, "--out", str(tmp_path / "out")]) == 0
    shutil.copytree(tmp_path / "out", tmp_path / "usb")
    (tmp_path / "usb" / "note.manifest.json").unlink()
    assert _verify(capsys, tmp_path / "case", tmp_path / "usb") == (0, [])  # as written: quiet
    text = tmp_path / "usb" / "note.txt"
    text.write_text(text.read_text(encoding="utf-8").replace("docks", "park"), encoding="utf-8")
    code, found = _verify(capsys, tmp_path / "case", tmp_path / "usb")
    said = (f"{text}: a copy of note.txt, which this case's exports wrote, changed since it was written (SHA-256 "
            "differs from every one the audit log lists for it)")
    assert code == 1 and found == [said], found  # was: quiet
