"""`python -m app translate` works through the case's queue and the worker process.

The CLI process never builds a CTranslate2 model here (the constructors are made to
fail in it; the spawned worker has its own, untouched), the jobs table shows what
was queued, which job waited for which and which process did the work, and a
command killed mid-way resumes its own jobs when run again. Real inputs: the
shared voice note (Whisper tiny.en) and text files, on the tiny NLLB fixture.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import ctranslate2
import pytest

from app.cli import main
from app.core.errors import StoreError
from app.core.store import Case
from app.core.store.jobs import Job, JobQueue, worker_name
from tests.conftest import MEDIA, REPO

TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"


@pytest.fixture()
def no_models_here(monkeypatch):
    """Any model built in this (the CLI's) process fails the test."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the CLI process loaded a model; the worker should")

    monkeypatch.setattr(ctranslate2, "Translator", refuse)
    monkeypatch.setattr(ctranslate2.models, "Whisper", refuse)


def jobs_of(case_dir: Path) -> list[Job]:
    case = Case.open(case_dir)
    try:
        return sorted(JobQueue(case.conn).list(), key=lambda j: j.id)
    finally:
        case.close()


def run_count(case_dir: Path, task: str) -> int:
    case = Case.open(case_dir)
    try:
        return case.conn.execute("SELECT COUNT(*) FROM runs WHERE task=?", (task,)).fetchone()[0]
    finally:
        case.close()


def worked_elsewhere(job: Job) -> bool:
    """The job was worked by another process of this machine than the test's own."""
    host, _, pid = (job.worker or "").rpartition(":")
    return host == (platform.node() or "localhost") and pid.isdigit() and job.worker != worker_name()


def media_args(out: Path, case_dir: Path, target: str) -> list[str]:
    return ["translate", str(MEDIA / "en_voicenote.opus"), "--to", target, "--model", str(TINY_NLLB),
            "--whisper-model", "tiny.en", "--out", str(out), "--case", str(case_dir),
            "--format", "json", "--threads", "2"]


def test_text_is_translated_by_the_worker_and_reused(tmp_path, no_models_here, capsys):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    doc = evidence / "statement.txt"
    doc.write_text("Byłem w domu.\n\nNie znam tego człowieka.\n", encoding="utf-8")
    out, case_dir = tmp_path / "out", tmp_path / "case"
    args = ["translate", str(doc), "--from", "pl", "--to", "de", "--model", str(TINY_NLLB),
            "--out", str(out), "--case", str(case_dir), "--format", "json", "--threads", "1"]
    assert main(args) == 0, capsys.readouterr().err
    [job] = jobs_of(case_dir)
    assert (job.task, job.state, job.parent_job_id) == ("translate", "done", None)
    assert worked_elsewhere(job), job.worker
    data = json.loads((out / "statement.json").read_text(encoding="utf-8"))
    assert data["run_id"] == job.run_id and data["task"] == "text-translate"
    assert [s["source_text"] for s in data["segments"]] == ["Byłem w domu.", "Nie znam tego człowieka."]
    assert all(s["text"] and s["text"] != s["source_text"] for s in data["segments"])
    assert data["settings"]["tgt_flores"] == "deu_Latn"

    (out / "statement.json").unlink()
    assert main(args) == 0, capsys.readouterr().err  # again: the same job, exported once more
    assert [j.id for j in jobs_of(case_dir)] == [job.id]
    assert run_count(case_dir, "text-translate") == 1
    assert json.loads((out / "statement.json").read_text(encoding="utf-8"))["run_id"] == job.run_id


def _queued_translation(case_dir: Path) -> bool:
    """The command has queued its translate job."""
    try:
        return any(j.task == "translate" for j in jobs_of(case_dir))
    except (sqlite3.Error, StoreError):  # busy: look again
        return False


def test_killed_translate_resumes_its_jobs(tmp_path, models_dir, no_models_here, capsys):
    out, case_dir = tmp_path / "out", tmp_path / "case"
    args = media_args(out, case_dir, "pl")
    Case.open(case_dir).close()  # the store made first, so that polling it never races its creation
    proc = subprocess.Popen([sys.executable, "-m", "app", *args], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while not _queued_translation(case_dir):
            assert proc.poll() is None and time.monotonic() < deadline, "the command ended before queueing"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and any worker it started
        proc.wait()
    before = jobs_of(case_dir)
    assert {j.task for j in before} == {"transcribe", "translate"}
    assert not any(j.state == "done" for j in before) and not (out / "en_voicenote.json").exists()

    assert main(args) == 0, capsys.readouterr().err  # run again: the same jobs, finished by the worker
    after = jobs_of(case_dir)
    assert [j.id for j in after] == [j.id for j in before]
    transcribe, translate = after
    assert (transcribe.task, translate.task) == ("transcribe", "translate")
    assert transcribe.state == translate.state == "done"
    assert translate.parent_job_id == transcribe.id
    assert worked_elsewhere(transcribe) and worked_elsewhere(translate)
    data = json.loads((out / "en_voicenote.json").read_text(encoding="utf-8"))
    assert data["run_id"] == translate.run_id and data["language"] == "pl"
    assert "station" in " ".join(s["source_text"] for s in data["segments"]).lower()
    assert run_count(case_dir, "transcribe") == 1 and run_count(case_dir, "text-translate") == 1


def test_speech_already_in_the_target_language_is_skipped_by_the_worker(tmp_path, models_dir,
                                                                         no_models_here, capsys):
    out, case_dir = tmp_path / "out", tmp_path / "case"
    assert main(media_args(out, case_dir, "en")) == 0
    err = capsys.readouterr().err
    assert f"skipped {MEDIA / 'en_voicenote.opus'}: the text is already in English (en)" in err
    transcribe, translate = jobs_of(case_dir)
    assert transcribe.state == translate.state == "done"
    assert translate.run_id is None and run_count(case_dir, "text-translate") == 0
    assert not out.exists() or not any(out.iterdir())
