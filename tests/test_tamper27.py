"""Session 27: a stopped run's resume state, which nothing logged before the run finished.

A run killed part-way resumes from `done_ms` (how far each track was decoded; a silence marker moves it on with
no words stored) and `anchor_ms`. Set forward in the store, the resume skipped speech unseen, and the rest was
sealed as the machine's transcript with a log that agreed: `verify` found nothing."""

from __future__ import annotations

import json
import sqlite3

import pytest

from app.cli.main import main
from app.core.store import Case
from tests import gui_case


def _verify(capsys, case_dir) -> tuple[int, list[str]]:
    code = main(["verify", "--case", str(case_dir)])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line and not line.startswith("note:")
                  and not line.endswith("finding(s)")]


def _set_state(case_dir, run_id: int, edit) -> None:  # edit: dict -> None, as a forger edits the row
    conn = sqlite3.connect(case_dir / "case.sqlite")
    state = json.loads(conn.execute("SELECT state_json FROM runs WHERE id=?", (run_id,)).fetchone()[0])
    edit(state)
    conn.execute("UPDATE runs SET state_json=? WHERE id=?", (json.dumps(state, sort_keys=True), run_id))
    conn.commit()
    conn.close()


def test_a_stopped_runs_resume_state_set_forward_is_found_and_never_resumed(tmp_path, models_dir, capsys):
    """Stopped after its first stored chunk, its `done_ms` set to a second before the end: verify found nothing
    and the next run resumed it, its transcript missing the speech between, sealed. Now verify names the run
    and the next run sets it aside and decodes the recording whole: the text of an uninterrupted run."""
    from app.core.asr import load_engine
    from app.core.asr.runs import run_for, transcribe_exhibit
    from app.core.media.decode import probe
    from app.core.options import TranscribeOptions
    from tests.conftest import MEDIA

    options = TranscribeOptions(model="tiny.en", threads=1)
    engine = load_engine(options, models_dir)
    source = probe(MEDIA / "interview_mono.wav")
    whole = Case.open(tmp_path / "whole")
    try:
        exhibit, _ = whole.add_exhibit(source)
        reference = [s.text for s in whole.segments(transcribe_exhibit(whole, engine, exhibit, options).run_id)]
    finally:
        whole.close()
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(source)
        first = run_for(case, engine, exhibit, options)
        stopped = transcribe_exhibit(case, engine, exhibit, options, run_id=first,
                                     should_stop=lambda: case.segment_count(first) > 0)
        assert stopped.stopped and 0 < case.segment_count(first) < len(reference)
    finally:
        case.close()
    assert _verify(capsys, tmp_path / "case") == (0, [])  # a run stopped, untouched: nothing to say
    _set_state(tmp_path / "case", first, lambda s: s["done_ms"].update(mix=source.duration_ms - 1000))
    code, lines = _verify(capsys, tmp_path / "case")
    assert code == 1 and len(lines) == 1 and lines[0].startswith(f"run {first}: its resume state"), lines
    case = Case.open(tmp_path / "case")
    try:
        second = run_for(case, engine, exhibit, options)
        assert second != first  # was: the forged run resumed
        transcribe_exhibit(case, engine, exhibit, options, run_id=second)
        assert [s.text for s in case.segments(second)] == reference
        reasons = [e.details["reason"] for e in case.audit.entries_about(f"run/{first}") if e.action == "run.set_aside"]
        assert reasons and "resume state" in reasons[0]
        said = f"run {first} of this file was set aside: its resume state was changed outside Parley"
        assert [w for w in case.transcript(second).warnings if w.startswith(said)]  # was: the new run's record silent
        _operator_told(case, tmp_path / "case", exhibit, second, capsys, said)
    finally:
        case.close()
    assert _verify(capsys, tmp_path / "case")[1] == lines  # the tampering stays said; the new run is clean


def _operator_told(case: Case, case_dir, exhibit, run_id: int, capsys, said: str) -> None:
    """The job that ran it: one line as it is done (transcribe, queue run), and its note in `queue status`."""
    from app.cli.progress import QueueProgress, QueueRunner
    from app.core.store.jobs import JobQueue
    from app.worker import protocol

    queue = JobQueue(case.conn)
    job = queue.add(exhibit.id, "transcribe", {"model": "tiny.en"})
    queue.claim("test")
    queue.attach_run(job, run_id)
    runner = QueueRunner(case, case_dir, lambda _job: None, lambda _job: [])
    runner.progress = QueueProgress({}, announce=False)
    capsys.readouterr()
    runner._on_event(protocol.JobDone(job, run_id), queue)
    line = f"interview_mono.wav: {said} (python -m app verify says which); this run decoded the recording whole"
    assert capsys.readouterr().err.splitlines() == [line]
    queue.complete(job, run_id)
    assert main(["queue", "status", "--case", str(case_dir)]) == 0
    assert said in capsys.readouterr().out


@pytest.mark.parametrize("forged", ["done_ms", "anchor_ms", "language", "nothing"])
def test_a_silence_marker_moves_the_resume_state_on_in_the_log_too(tmp_path, capsys, forged):
    """Minutes without speech are stored as a unit with no words: the state moved on and no entry was written,
    so a run stopped in a silence had nothing the log could hold its state to."""
    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "silence_30s.wav")
    run = case.start_run(exhibit.id, "transcribe", gui_case.MODEL, {"model": "tiny.en"},
                         gui_case.software_info())
    case.append_segments(run, (), {"done_ms": {"mix": 20000}, "anchor_ms": {"mix": 18000}}, "en", 0.9)
    logged = [e.action for e in case.audit.entries_about(f"run/{run}")]
    case.close()
    assert logged == ["run.started", "run.advanced"]
    edits = {"done_ms": lambda s: s["done_ms"].update(mix=29000), "anchor_ms": lambda s: s["anchor_ms"].update(mix=0),
             "nothing": lambda s: None}
    if forged == "language":
        conn = sqlite3.connect(tmp_path / "case" / "case.sqlite")
        conn.execute("UPDATE runs SET language='de' WHERE id=?", (run,))
        conn.commit()
        conn.close()
    else:
        _set_state(tmp_path / "case", run, edits[forged])
    code, lines = _verify(capsys, tmp_path / "case")
    if forged == "nothing":
        assert (code, lines) == (0, [])
    else:
        assert code == 1 and len(lines) == 1 and f"run {run}: its resume state" in lines[0], lines


def test_a_batch_planned_for_a_run_is_no_finding(tmp_path, capsys):
    """The jobs a batch is decoded with are noted in the state before decoding, unlogged: not the resume state."""
    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "en_voicenote.opus")
    run = case.start_run(exhibit.id, "transcribe", gui_case.MODEL, {"model": "tiny.en"}, gui_case.software_info())
    case.plan_batch([run], [1, 2])
    case.close()
    assert _verify(capsys, tmp_path / "case") == (0, [])


def test_a_parley_before_resume_digests_refuses_a_case_that_logs_them(tmp_path, monkeypatch):
    """A Parley of schema 15 resumed a run this Parley started, logging chunks without the digest: the
    state it left read as changed outside Parley, and the run was set aside as tampered. The store's
    number now tells it the case is a newer Parley's."""
    from app.core.errors import StoreError
    from app.core.store import db
    from app.core.store.case import Case

    Case.open(tmp_path / "case").close()
    before = [(number, path) for number, path in db.migrations() if number <= 15]
    monkeypatch.setattr(db, "migrations", lambda: before)
    with pytest.raises(StoreError, match="newer Parley"):
        Case.open(tmp_path / "case")


def test_verify_reads_a_runs_state_and_its_entry_at_one_moment(tmp_path, monkeypatch):
    """A verify while the worker stored chunks read the last entry, then the state a chunk committed
    since: a new state beside an old digest, "changed outside Parley" of an honest run."""
    from app.core.evidence import resume_check
    from app.core.evidence.verify import verify_case

    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "silence_30s.wav")
    run = case.start_run(exhibit.id, "transcribe", gui_case.MODEL, {"model": "tiny.en"}, gui_case.software_info())
    case.append_segments(run, (), {"done_ms": {"mix": 10000}, "anchor_ms": {"mix": 9000}}, "en", 0.9)
    worker = Case.open(tmp_path / "case")
    checking, stored = [], []
    read_run, differs = Case.run, resume_check.resume_differs

    def run_with_a_chunk_stored_meanwhile(self, run_id):
        if checking and not stored:  # the worker commits its next chunk between the entry's read and the state's
            worker.append_segments(run, (), {"done_ms": {"mix": 20000}, "anchor_ms": {"mix": 18000}}, "en", 0.9)
            stored.append(run_id)
        return read_run(self, run_id)

    def checked(case_, run_id):
        checking.append(run_id)
        try:
            return differs(case_, run_id)
        finally:
            checking.clear()

    monkeypatch.setattr(Case, "run", run_with_a_chunk_stored_meanwhile)
    monkeypatch.setattr(resume_check, "resume_differs", checked)
    report = verify_case(case)
    assert stored and not any("resume state" in f.problem for f in report.findings), report.findings
    worker.close()
    case.close()


@pytest.mark.parametrize("probability", [1, float("nan"), 0.25])
def test_a_resume_state_is_logged_as_the_store_keeps_it(tmp_path, capsys, probability):
    """The digest was made from the values passed in: an int 1 is kept as REAL 1.0 and NaN as NULL, so an
    honest run read as changed outside Parley right after its chunk was stored (and was set aside)."""
    from app.core.evidence.resume_check import resume_differs

    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "silence_30s.wav")
    run = case.start_run(exhibit.id, "transcribe", gui_case.MODEL, {"model": "tiny.en"}, gui_case.software_info())
    case.append_segments(run, (), {"done_ms": {"mix": 10000}, "anchor_ms": {"mix": 9000}}, "en", probability)
    try:
        assert not resume_differs(case, run)
    finally:
        case.close()
    assert _verify(capsys, tmp_path / "case") == (0, [])
