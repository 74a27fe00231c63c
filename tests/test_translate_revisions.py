"""A translation records the text it was made from; once the transcript is corrected, asking
for the translation again makes a new one (the old one is kept), while an unchanged transcript
reuses the stored translation.

Real code throughout (case store, editing, the queue, CTranslate2, sentencepiece) on the tiny
random-weight NLLB-200 fixture: the words are gibberish, but what is translated, which run is
reused and what each run records are real. The queue is worked in this process the way the
worker works it (claim, translate_job, complete), and once by the real worker through the CLI.
"""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.core.chats.timeline import shown_translation
from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store.chats import translation_runs
from app.core.store.jobs import JobQueue
from app.core.translation.engine import load_translator
from app.core.translation.runs import TASK, is_current, source_sha256, translate_job
from app.core.usecases.translating import queue_translation, translate_after
from tests.test_translation import POLISH, TINY_NLLB, stored_transcript

OPTIONS = {"model": str(TINY_NLLB), "target": "en", "device": "cpu", "threads": 1}
CORRECTED = "Gdzie byłeś wczoraj wieczorem?"


@pytest.fixture(scope="module")
def nllb():  # type: ignore[no-untyped-def]
    return load_translator(TINY_NLLB, device="cpu", threads=1)


def work(case: Case, queue: JobQueue, translator) -> list[int]:  # type: ignore[no-untyped-def]
    """Work the queue as the worker does; a transcribe job's run is the one already stored."""
    done = []
    while (job := queue.claim("test-worker")) is not None:
        if job.task == "translate":
            run = translate_job(case, job, translator).run_id
        else:
            run = case.latest_run(job.exhibit_id, "transcribe")
        queue.complete(job.id, run)
        done.append(job.id)
    return done


def correct_first_segment(case: Case, run_id: int) -> None:
    first = editing.segment_ids(case, run_id)[0]
    editing.edit_text(case, run_id, first, CORRECTED, actor="proofreader")


def test_a_corrected_transcript_gets_a_new_translation_and_the_old_one_is_kept(case, nllb):
    parent = stored_transcript(case)
    exhibit = case.run(parent).exhibit_id
    queue = JobQueue(case.conn)
    first_job = queue_translation(case, queue, exhibit, parent, OPTIONS)
    assert work(case, queue, nllb) == [first_job]
    first = queue.get(first_job).run_id
    made = case.transcript(first).settings["source_run"]
    assert made["revision"] is None and made["text_sha256"] == source_sha256(POLISH)
    assert queue_translation(case, queue, exhibit, parent, OPTIONS) == first_job  # unchanged: reused
    assert work(case, queue, nllb) == [] and is_current(case, first)

    correct_first_segment(case, parent)
    assert not is_current(case, first)
    second_job = queue_translation(case, queue, exhibit, parent, OPTIONS)
    assert second_job != first_job and work(case, queue, nllb) == [second_job]
    second = queue.get(second_job).run_id
    new = case.transcript(second)
    assert new.segments[0].source_text == CORRECTED and new.settings["source_run"]["status"] == "edited"
    assert new.settings["source_run"]["revision"] == editing.history(case, parent)[-1].id
    assert new.settings["source_run"]["text_sha256"] != made["text_sha256"]
    assert case.transcript(first).segments[0].source_text == POLISH[0].text  # the old one, kept
    assert translation_runs(case, parent, TASK) == [second, first]
    assert queue_translation(case, queue, exhibit, parent, OPTIONS) == second_job  # unchanged since

    editing.undo(case, editing.history(case, parent)[-1].id, actor="proofreader")  # the first text again
    assert queue_translation(case, queue, exhibit, parent, OPTIONS) == first_job and is_current(case, first)
    # a chat's timeline shows the translation made from the text as it stands, not the newest
    assert shown_translation(case, parent, "en") == first and shown_translation(case, parent, None) == first


def test_a_translation_that_waited_for_its_transcription_is_made_again_after_a_correction(case, nllb):
    parent = stored_transcript(case)
    exhibit = case.run(parent).exhibit_id
    queue = JobQueue(case.conn)
    transcribe = queue.add(exhibit, "transcribe", {"model": "base"})
    chained = translate_after(case, queue, transcribe, OPTIONS)
    assert queue.get(chained).parent_job_id == transcribe
    assert work(case, queue, nllb) == [transcribe, chained]
    assert translate_after(case, queue, transcribe, OPTIONS) == chained  # unchanged: reused

    correct_first_segment(case, parent)
    again = translate_after(case, queue, transcribe, OPTIONS)
    assert again != chained and queue.get(again).options["run_id"] == parent
    assert work(case, queue, nllb) == [again]
    assert case.transcript(queue.get(again).run_id).segments[0].source_text == CORRECTED
    assert translate_after(case, queue, transcribe, OPTIONS) == again
    assert len(translation_runs(case, parent, TASK)) == 2


def _runs(case_dir) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    case = Case.open(case_dir)
    try:
        return [(r[0], r[1]) for r in case.conn.execute(
            "SELECT id, task FROM runs WHERE task = ? ORDER BY id", (TASK,))]
    finally:
        case.close()


def test_cli_translate_again_after_a_correction_makes_a_new_translation(tmp_path, capsys):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    doc = evidence / "statement.txt"
    doc.write_text("Byłem w domu.\n\nNie znam tego człowieka.\n", encoding="utf-8")
    out, case_dir = tmp_path / "out", tmp_path / "case"
    args = ["translate", str(doc), "--from", "pl", "--to", "de", "--model", str(TINY_NLLB),
            "--out", str(out), "--case", str(case_dir), "--format", "json", "--threads", "1"]
    assert main(args) == 0, capsys.readouterr().err
    [first] = _runs(case_dir)
    case = Case.open(case_dir)
    try:
        text_run = case.run(first[0]).parent_run_id
        editing.edit_text(case, text_run, editing.segment_ids(case, text_run)[1],
                          "Nie znam tej kobiety.", actor="proofreader")
    finally:
        case.close()
    assert main(args) == 0, capsys.readouterr().err
    runs = _runs(case_dir)
    assert len(runs) == 2 and runs[0] == first
    data = json.loads((out / "statement.json").read_text(encoding="utf-8"))
    assert data["run_id"] == runs[1][0]
    assert [s["source_text"] for s in data["segments"]] == ["Byłem w domu.", "Nie znam tej kobiety."]
    assert main(args) == 0, capsys.readouterr().err  # unchanged since: reused, not made again
    assert _runs(case_dir) == runs
