"""Hostile kills, fourteenth round (session 24; test_kills.py to test_kills13.py are the earlier ones): the worker
SIGKILLed at each point of storing a batch of short notes, which session 23 made one transaction per note (its
segments, packing record and completion together). The kill is made at an exact point (right after the n-th call
of a function returns, in the worker), never by a timer; the command's own restart of the worker finishes the
batch, and the command run again finds nothing left to do. Each note is transcribed once (one run, its segments
stored once, one completion), its text and batch those of an uninterrupted run, the audit log whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path
from unittest.mock import ANY

import pytest

from tests.conftest import MEDIA, REPO

NOTES = 3  # distinct short recordings (slices of one interview), decoded as one packed batch (6 until session 31)
KILL_NTH = """
import importlib, os, signal, sys
if __name__ == "__mp_main__":
    module, _, name = os.environ["PARLEY_TEST_KILL_AFTER"].partition(":")
    owner_name, _, attr = name.rpartition(".")
    owner = importlib.import_module(module)
    owner = getattr(owner, owner_name) if owner_name else owner
    real, mark, nth = getattr(owner, attr), os.environ["PARLEY_TEST_KILL_MARK"], int(os.environ["PARLEY_TEST_KILL_NTH"])
    calls = []
    def counted(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        killed = len(open(mark).read()) if os.path.exists(mark) else 0  # one mark a kill
        if len(calls) == nth and killed < int(os.environ.get("PARLEY_TEST_KILL_TIMES", "1")):
            open(mark, "a").write("x")
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(owner, attr, counted)
if __name__ == "__main__":
    from app.cli import main
    sys.exit(main(sys.argv[1:]))
"""


def _notes(folder: Path) -> list[Path]:
    """NOTES short WAV files of distinct speech (3.5 s each, from the interview), as a phone's voice notes."""
    folder.mkdir()
    with wave.open(str(MEDIA / "interview_mono.wav"), "rb") as source:
        params, rate = source.getparams(), source.getframerate()
        frames = source.readframes(source.getnframes())
    width = params.sampwidth * params.nchannels
    notes = []
    for i in range(NOTES):
        start = int((1.0 + 4.0 * i) * rate) * width
        note = folder / f"note{i:02d}.wav"
        with wave.open(str(note), "wb") as out:
            out.setparams(params)
            out.writeframes(frames[start:start + int(3.5 * rate) * width])
        notes.append(note)
    return notes


def _args(notes: list[Path], root: Path) -> list[str]:
    return ["transcribe", *map(str, notes), "--case", str(root / "case"), "--out", str(root / "out"),
            "--model", "tiny.en", "--threads", "2", "--format", "json", "--diarize", "off"]


def _run(script: Path | None, args: list[str], **env: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(script)] if script else [sys.executable, "-m", "app"]
    return subprocess.run([*command, *args], cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO), **env),
                          capture_output=True, text=True, check=False, timeout=600)


def _query(case_dir: Path, sql: str) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(f"file:{case_dir / 'case.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _outcome(case_dir: Path) -> list[tuple[str, str, str]]:
    """Each note's name, its run's text and the notes its run was decoded with (by file name)."""
    names = dict(_query(case_dir, "SELECT sha256, path FROM exhibits"))
    out = []
    for run_id, path, state in _query(case_dir, "SELECT r.id, e.path, r.state_json FROM runs r JOIN exhibits e "
                                                "ON e.id = r.exhibit_id WHERE r.status = 'complete' ORDER BY e.path"):
        text = " ".join(t for (t,) in _query(case_dir, f"SELECT text FROM segments WHERE run_id={run_id} ORDER BY id"))
        batch = [Path(names.get(sha, sha)).name for sha in json.loads(state).get("batch", [])]
        out.append((Path(path).name, text, ",".join(batch)))
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory, models_dir) -> tuple[list[Path], Path]:
    """The notes, and the case of one uninterrupted `transcribe` of them (what a killed one must come out as)."""
    root = tmp_path_factory.mktemp("batch")
    notes = _notes(root / "phone")
    whole = _run(None, _args(notes, root / "whole"))
    assert whole.returncode == 0, whole.stderr
    outcome = _outcome(root / "whole" / "case")
    assert len(outcome) == NOTES and all(b.count(",") == NOTES - 1 for _, _, b in outcome), outcome
    return notes, root / "whole" / "case"


# Inside the second note's transaction (the first stored, none of the second kept, the third not reached). Also run
# once by hand (session 24), 20 notes, not kept here for the suite's time: after Case.plan_batch, Case.finish_run,
# store_clip (committed, the job not yet done) and JobQueue.complete (done, not yet told), at the 1st, 7th and 20th
# note: all as below. Session 30: while the group is claimed, the group formed, not yet committed (a first claim
# kept alone was retried apart from the rest, decoded alone, every note's words and batch changed; this fails on
# 6b6c91a). Session 31 (suite time) kept that one kill point of the claim's transaction; JobQueue.claim:2 (inside
# the same transaction), run_for:3 and JobQueue.attach_run:3 (inside the runs' one transaction, passed on 6b6c91a
# too; test_group_runs_commit checks that transaction kept whole or not at all) are run by hand (report killfix31).
@pytest.mark.parametrize("target, nth", [("app.core.store.case:Case.append_segments", 2),
                                         ("app.worker.process:Worker._claim_group", 1)])
def test_a_worker_killed_while_a_batch_is_stored_transcribes_each_note_once(batch, tmp_path, target, nth):
    notes, whole = batch
    script, mark = tmp_path / "kill_nth.py", tmp_path / "killed"
    script.write_text(KILL_NTH, encoding="utf-8")
    killed = _run(script, _args(notes, tmp_path), PARLEY_TEST_KILL_AFTER=target, PARLEY_TEST_KILL_NTH=str(nth),
                  PARLEY_TEST_KILL_MARK=str(mark))
    assert mark.exists(), "the worker was never killed: " + killed.stderr
    assert "killed by SIGKILL" in killed.stderr and killed.returncode == 0, killed.stderr
    case_dir = tmp_path / "case"
    again = _run(None, _args(notes, tmp_path))  # the command run again: nothing left to do
    assert again.returncode == 0, again.stderr
    assert _query(case_dir, "SELECT count(*), count(DISTINCT exhibit_id) FROM runs") == [(NOTES, NOTES)]
    assert _query(case_dir, "SELECT state, count(*) FROM jobs GROUP BY state") == [("done", NOTES)]
    for action in ("run.started", "run.appended", "run.complete"):  # each once a note: nothing stored twice
        assert _query(case_dir, f"SELECT count(*), count(DISTINCT subject) FROM audit_log WHERE action='{action}'") \
            == [(NOTES, NOTES)], action
    assert _outcome(case_dir) == _outcome(whole)  # the same text, decoded with the same notes
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix == ".json" and "manifest" not in p.name) \
        == sorted(f"{n.stem}.json" for n in notes)
    verify = _run(None, ["verify", "--case", str(case_dir)])
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize(("kill_after", "kills"), [("_open_runs", 1), ("_open_runs", 2), ("_start_short", 2)])
def test_a_short_file_alone_killed_after_its_run_opened_is_decoded_again_as_it_was(batch, tmp_path, kill_after, kills):
    """A short file decoded alone, the worker killed once its run is opened (nothing stored), is retried as a short
    file alone again, not as a long file resumed: interview_mono.wav, `--model base`, read "The time is 1022." after
    such a kill where uninterrupted runs read "The time is 10.22." (review_revB M2). Its run names the batch it was
    decoded in, as an uninterrupted run's does, with the same words. Killed twice, its last attempt is alone as
    its first was: decoded as a short file too (it was decoded as a long file), also when both kills came before its
    run was opened (review of trial32: its third attempt went to the long-file path)."""
    note = batch[0][:1]
    whole = _run(None, _args(note, tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    script, mark = tmp_path / "kill_nth.py", tmp_path / "killed"
    script.write_text(KILL_NTH, encoding="utf-8")
    killed = _run(script, _args(note, tmp_path), PARLEY_TEST_KILL_AFTER=f"app.worker.process:Worker.{kill_after}",
                  PARLEY_TEST_KILL_NTH="1", PARLEY_TEST_KILL_MARK=str(mark), PARLEY_TEST_KILL_TIMES=str(kills))
    assert mark.read_text() == "x" * kills and killed.returncode == 0, killed.stderr
    assert killed.stderr.count("killed by SIGKILL (attempt") == kills, killed.stderr
    assert _query(tmp_path / "case", "SELECT count(*) FROM runs") == [(1,)]  # the opened run resumed, not a second
    assert _outcome(tmp_path / "case") == _outcome(tmp_path / "whole" / "case") == [(note[0].name, ANY, note[0].name)]
