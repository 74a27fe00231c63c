"""`timeline` uses a voice note's stored transcript as it stands, a proofreader's correction included
(user trial, session 31): it transcribed the notes again with its own options (settings differ: new jobs,
~17 s of decoding nobody asked for), and after an `edit`, `timeline --beam-size 4` made a new run whose
machine text the timeline showed as "machine draft", the correction set aside without a word.

The user's sequence on a WhatsApp zip holding the shared English voice note: its two `timeline` commands through
the CLI's own entry point (`main`, as `python -m app` calls it; the second starts the worker that translates), the
transcript and the `edit` before them in-process (the ten CLI runs took ~25 s); the translation
runs on the tiny random-weight NLLB fixture (its words are gibberish: what it translated is real). What a newer
machine draft over the corrections says, and when, is checked in-process on stored runs.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from app.cli.export import write_exports_together
from app.cli.main import main
from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline, timeline_dict
from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.evidence.set_check import check_set
from app.core.store import Case
from app.core.store.chats import attachment_exhibits
from app.core.types import Segment
from app.core.usecases.exhibit_status import UNCERTAIN, exhibit_statuses
from app.core.usecases.exporting import ExportItem
from tests.conftest import MEDIA, REPO
from tests.search_helpers import MODEL, add_run
from tests.test_timeline import whatsapp_zip

NOTE = "00000002-AUDIO-2024-03-13-08-03-40.opus"
CHAT = f"""[13/03/2024, 08:02:11] Dave Miller: Are we still on for Saturday?
[13/03/2024, 08:03:40] Ana: \u200e<attached: {NOTE}>
"""
CORRECTED = "CORRECTED BY PROOFREADER"
BY = "DC Jane Hollis"
ALREADY = "1 voice note(s) or video(s) already transcribed: their transcripts are used as they stand"


def _note(out: Path) -> dict:
    data = json.loads((out / "WhatsApp Chat with Ana.timeline.json").read_text(encoding="utf-8"))
    return data["messages"][1]["attachment"]


def _transcribe_runs(case: Path) -> list[int]:
    store = Case.open(case)
    try:
        return [r for r in store.run_ids() if store.run(r).task == "transcribe"]
    finally:
        store.close()


def test_timeline_keeps_a_proofread_note_as_it_stands(tmp_path, capsys):
    """The CLI: `timeline` over a transcribed note neither transcribes it again (its own options differ) nor,
    once a person corrected it, shows a new machine draft in its place; it translates the corrected text."""
    archive = tmp_path / "evidence" / "WhatsApp Chat with Ana.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", NOTE)
    case = str(tmp_path / "case")
    common = ["--case", case, "--model", "tiny.en"]
    store = Case.open(Path(case))
    try:  # as `transcribe ZIP --beam-size 2` leaves it (in-process: no decoding here; its settings differ)
        [taken] = take_in(store, archive)
        [exhibit] = attachment_exhibits(store, taken.exhibit_id)
        first = add_run(store, exhibit, ["meet me at the station at eight"])
    finally:
        store.close()

    done = main(["timeline", str(archive), "--out", str(tmp_path / "o1"), *common])  # its default options
    err = capsys.readouterr().err
    assert done == 0 and ALREADY in err, err
    assert _transcribe_runs(Path(case)) == [first] and _note(tmp_path / "o1")["run_id"] == first  # before: run 2

    store = Case.open(Path(case))
    try:  # as `edit NOTE --segment 1 --text ... --by NAME` does (in-process: one CLI run fewer)
        editing.edit_text(store, first, editing.segment_ids(store, first)[0], CORRECTED, actor=BY)
    finally:
        store.close()
    done = main(["timeline", str(archive), "--out", str(tmp_path / "o2"), "--beam-size", "4", *common,
                 "--translate-to", "fr", "--translate-model", str(REPO / "tests" / "fixtures" / "tiny_nllb")])
    err = capsys.readouterr().err
    assert done == 0 and ALREADY in err, err
    note = _note(tmp_path / "o2")
    assert (note["run_id"], note["transcript"], note["review"]) == (first, CORRECTED, "proofread")
    assert note["translation_run_id"] is not None and _transcribe_runs(Path(case)) == [first]
    store = Case.open(Path(case))
    try:  # the stored, corrected transcript translated, not a new machine draft
        assert store.run(note["translation_run_id"]).parent_run_id == first
    finally:
        store.close()


def _attachment(case: Case, chat_id: int) -> dict:
    [note] = [e["attachment"] for e in timeline_dict(build_timeline(case, chat_id))["messages"] if e["attachment"]
              and e["attachment"].get("transcript") is not None]
    return note


def _row(case: Case, exhibit_id: int) -> tuple[str, str]:
    [row] = [(r.status, r.detail) for r in exhibit_statuses(case) if r.exhibit.id == exhibit_id]
    return row


def test_a_newer_machine_draft_says_once_finished_whose_corrections_it_sets_aside(case, tmp_path, capsys):
    """A new transcription over a person's corrections: nothing said while it is unfinished (`transcribe` said
    "supersedes" when it queued the job: a kill then left a claim that was never true); once finished, its
    exported files themselves say it (a warning line, the JSON's warnings, the manifest), `export`/`transcribe`
    say it on writing them, the timeline and `exhibits` say it whatever the draft's status, and an untouched
    set still checks clean."""
    archive = whatsapp_zip(tmp_path / "evidence")
    [taken] = take_in(case, archive)
    [note] = attachment_exhibits(case, taken.exhibit_id)
    first = add_run(case, note, ["Meet me at the station at eight."])
    editing.edit_text(case, first, editing.segment_ids(case, first)[0], CORRECTED, actor=BY)
    said = f"a machine draft, newer than the corrections (run {first}) by {BY}, set aside"
    stem = Path(case.exhibit(note).source.name).stem

    unfinished = case.start_run(note, "transcribe", MODEL, {"beam_size": 3}, software_info())  # queued, killed
    assert _attachment(case, taken.exhibit_id)["review"] == "proofread" and _row(case, note) == ("edited", "")
    write_exports_together(case, [ExportItem(first)], tmp_path / "e1", ["txt"])
    assert said not in capsys.readouterr().err and said not in (tmp_path / "e1" / f"{stem}.txt").read_text()

    case.append_segments(unfinished, (Segment(0, 2500, "meet me at the station"),), {}, "en", 0.9)
    case.finish_run(unfinished)  # the replacing draft finished (a resumed `transcribe`)
    assert _attachment(case, taken.exhibit_id)["review"] == said
    assert _row(case, note) == ("done", said)
    out = tmp_path / "e2"
    write_exports_together(case, [ExportItem(unfinished)], out, ["txt", "json", "docx", "pdf"])
    err = capsys.readouterr().err
    assert err.count(f"warning: run {unfinished} exported, {said}") == 1, err
    assert f"Warning: {said}" in (out / f"{stem}.txt").read_text(encoding="utf-8")
    assert said in json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))["warnings"]
    manifest = out / f"{stem}.manifest.json"
    assert json.loads(manifest.read_text(encoding="utf-8"))["set_aside"] == said
    assert check_set(manifest).problems == []  # the note read back with no false alarm

    # a wrong-language draft over the corrections ("language uncertain") says it too
    wrong = case.start_run(note, "transcribe", MODEL, {"beam_size": 5, "language": "fr"}, software_info())
    case.append_segments(wrong, (Segment(0, 2500, "mes mi at ze station"),), {}, "fr", 0.2)
    case.finish_run(wrong)
    status, detail = _row(case, note)
    assert status == UNCERTAIN and detail.endswith(f"; {said}"), detail


def test_the_windows_chat_intake_queues_only_the_notes_not_transcribed_yet(case, tmp_path):
    """The window's "Add a chat export" (take_in_and_queue) is the same use case: a note with a transcript
    (here, corrected) is not queued again with the window's options; one without one is."""
    from app.core.options import TranscribeOptions
    from app.core.usecases.timeline import take_in_and_queue

    archive = whatsapp_zip(tmp_path / "evidence")
    options = TranscribeOptions(model="tiny.en", beam_size=4)
    [taken] = take_in(case, archive)
    [note] = attachment_exhibits(case, taken.exhibit_id)
    assert take_in_and_queue(case, [str(archive)], options).jobs  # not transcribed yet: queued
    run = add_run(case, note, ["Meet me at the station at eight."])
    editing.edit_text(case, run, editing.segment_ids(case, run)[0], CORRECTED)
    again = take_in_and_queue(case, [str(archive)], TranscribeOptions(model="tiny.en", beam_size=2))
    assert (again.jobs, again.stored) == ((), 1)  # before: a new job, its draft shown over the correction
