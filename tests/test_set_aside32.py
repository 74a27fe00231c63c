"""A person's corrections set aside by a newer run, said wherever the newer run is shown (review of tlfix31b):

- a translation of the newer machine draft said nothing in its files, its manifest or on export (H1);
- once anyone edited the newer draft, every view went quiet, though the earlier corrections, or a sign-off,
  were still not in what is shown (H2);
- only whoever began the working copy was named, a second corrector's lines put down to the first (M1);
- the sets written beside a run refused at export got no warning line (L1);
- `exhibits` dropped a truncated row's "mixed: …" languages (L2);
- `verify` did not say when an exported note no longer held (L3);
- the `translate` line, said when it queues the translation of a stored transcript, had no test (L4);
- a translation's note followed its source's later edits and sign-off, not the text it was made from (revC H1);
- the Translation tab did not give that note (revC M1), nor `verify` check a chat timeline's (revC M2);
- `translate --out` gave no stderr line of the set it wrote (revC L1), nor `export` of the sets it kept before a
  write failure (revC L5).

Runs are built through the store and edited through the editing operations, as `edit` does; the exports,
`exhibits`, `verify` and `translate` are the real ones.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from app.cli.case import cmd_exhibits
from app.cli.export import write_exports_together
from app.cli.translate import Input, _queue_one, _Translations
from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.editing import operations as editing
from app.core.evidence.export_set import ExportWriteError
from app.core.evidence.provenance import software_info
from app.core.evidence.verify import verify_case
from app.core.media.decode import probe
from app.core.store import Case
from app.core.store.chats import attachment_exhibits
from app.core.store.jobs import JobQueue
from app.core.store.spelling import where_met
from app.core.translation.engine import load_translator
from app.core.translation.runs import translate_run
from app.core.types import Segment
from app.core.usecases.exhibit_status import exhibit_statuses
from app.core.usecases.exporting import ExportItem
from app.core.usecases.timeline import write_story
from app.core.usecases.translating import QueuedTranslation, translation_request, with_speech
from tests.conftest import MEDIA, REPO
from tests.search_helpers import MODEL, add_exhibit, add_run
from tests.tamper_helpers import forged
from tests.test_timeline import whatsapp_zip

JANE, BOB = "DC Jane Hollis", "DS Bob Other"


def _corrected(case: Case, exhibit: int, *by: str) -> int:
    """A transcript whose line i a person named by[i] corrected."""
    run = add_run(case, exhibit, [f"line {i}" for i in range(len(by))])
    for segment, name in zip(editing.segment_ids(case, run), by, strict=True):
        editing.edit_text(case, run, segment, f"LINE BY {name}", actor=name)
    return run


def _detail(case: Case, exhibit: int) -> tuple[str, str]:
    [row] = [(r.status, r.detail) for r in exhibit_statuses(case) if r.exhibit.id == exhibit]
    return row


def _exported(case: Case, run: int, out: Path, capsys) -> tuple[str, dict, str]:
    """The TXT, the manifest and stderr of `run`'s set written as `export` writes it."""
    write_exports_together(case, [ExportItem(run, "set")], out, ["txt", "json", "vtt"])
    return ((out / "set.txt").read_text(encoding="utf-8"),
            json.loads((out / "set.manifest.json").read_text(encoding="utf-8")), capsys.readouterr().err)


def test_a_translation_of_the_newer_draft_says_the_corrections_are_set_aside(case, tmp_path, capsys):
    """H1: the translation's files, manifest and `export` line say it was made from a machine draft in front of
    the corrections; a translation of the corrected transcript says nothing of the kind."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["the machine's words"])
    of_draft = add_run(case, exhibit, ["les mots"], task="text-translate", language="fr", parent_run_id=draft)
    said = (f"a translation of a machine draft (run {draft}), newer than the corrections (run {first}) by {JANE}, "
            "set aside")
    text, manifest, err = _exported(case, of_draft, tmp_path / "t1", capsys)
    assert f"Warning: {said}" in text and manifest["set_aside"] == said, text
    assert err.count(f"warning: run {of_draft} exported, {said}") == 1, err

    of_corrected = add_run(case, exhibit, ["LIGNE"], task="text-translate", language="fr", parent_run_id=first)
    text, manifest, err = _exported(case, of_corrected, tmp_path / "t2", capsys)
    assert "set aside" not in text and "set_aside" not in manifest and "set aside" not in err


def test_an_edited_newer_draft_still_says_the_corrections_and_a_sign_off_it_sets_aside(case, tmp_path, capsys):
    """H2: an edit to the newer draft does not make the earlier corrections or sign-off its own; signing the new
    draft off does (nothing said then)."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["won", "too"])
    editing.edit_text(case, draft, editing.segment_ids(case, draft)[1], "two", actor="PC Edit")
    said = f"an edited draft, newer than the corrections (run {first}) by {JANE}, set aside"
    assert _detail(case, exhibit) == ("edited", said)
    text, manifest, _ = _exported(case, draft, tmp_path / "e1", capsys)
    assert f"Warning: {said}" in text and manifest["set_aside"] == said, text
    assert said in (tmp_path / "e1" / "set.vtt").read_text(encoding="utf-8")  # in its NOTE block

    other = add_exhibit(case, "signed.wav")
    signed = add_run(case, other, ["he said no"])
    editing.set_verified(case, signed, "DI Verity", actor="DI Verity")
    unsigned = add_run(case, other, ["he said yes"])
    editing.edit_text(case, unsigned, editing.segment_ids(case, unsigned)[0], "he said yes.", actor="PC Edit")
    said = f"an edited draft, newer than the transcript (run {signed}) verified by DI Verity, set aside"
    assert _detail(case, other) == ("edited", said)
    text, _, _ = _exported(case, unsigned, tmp_path / "e2", capsys)
    assert "Status: edited" in text and f"Warning: {said}" in text, text

    editing.set_verified(case, unsigned, "DS Sign", actor="DS Sign")
    assert "set aside" not in _detail(case, other)[1]
    text, manifest, _ = _exported(case, unsigned, tmp_path / "e3", capsys)
    assert "set aside" not in text and "set_aside" not in manifest


def test_everyone_whose_corrections_stand_is_named(case):
    """M1: the lines Bob corrected are not put down to Jane, who began; a correction undone names no one."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE, BOB, BOB, "PC Undone")
    [undone] = [r.id for r in editing.history(case, first) if r.actor == "PC Undone"]
    editing.undo(case, undone, actor=JANE)
    add_run(case, exhibit, ["one", "two", "three", "four"])
    assert _detail(case, exhibit)[1] == (f"a machine draft, newer than the corrections (run {first}) by {JANE}, "
                                         f"{BOB}, set aside")


def test_the_sets_written_beside_a_refused_run_still_say_it(tmp_path, capsys):
    """L1: one run edited outside Parley is refused; the set written beside it is said to set corrections aside."""
    folder = tmp_path / "case"
    case = Case.open(folder)
    try:
        exhibit, other = add_exhibit(case, "a.wav"), add_exhibit(case, "b.wav")
        first = _corrected(case, exhibit, JANE)
        draft = add_run(case, exhibit, ["won"])
        bad = add_run(case, other, ["bee"])
    finally:
        case.close()
    forged(folder, f"UPDATE segments SET text='forged' WHERE run_id={bad}")
    case = Case.open(folder)
    try:
        write_exports_together(case, [ExportItem(draft, "a"), ExportItem(bad, "b")], tmp_path / "out", ["txt"])
    finally:
        case.close()
    err = capsys.readouterr().err
    said = f"warning: run {draft} exported, a machine draft, newer than the corrections (run {first}) by {JANE}"
    assert f"run {bad}: " in err and said in err, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.manifest.json", "a.txt"]


def test_exhibits_keeps_the_languages_of_a_truncated_mixed_recording(case, tmp_path, capsys):
    """L2: a truncated recording decoded in two languages: `exhibits` gives both the truncation and the mix; the mix
    first, not after the note of the corrections it sets aside as if it were theirs (revC L2)."""
    exhibit = add_exhibit(case, "mixed.wav")
    first = _corrected(case, exhibit, JANE)
    run = case.start_run(exhibit, "transcribe", MODEL, {"beam_size": 5}, software_info())
    parts = [[0, 30_000, "en", 0.9, 30_000], [30_000, 50_000, "de", 0.8, 20_000]]
    case.append_segments(run, (Segment(0, 2500, "hello"), Segment(30_000, 32_500, "hallo")), {"languages": parts},
                         "en", 0.9)
    case.finish_run(run, truncated=True)
    cmd_exhibits(argparse.Namespace(case=str(case.folder), all=False))
    [row] = [line for line in capsys.readouterr().out.splitlines() if "mixed.wav" in line]
    assert "done · truncated" in row and row.endswith(
        "mixed.wav: mixed: English 60%, German 40%; the file is truncated or damaged; only what could be read; "
        f"a machine draft, newer than the corrections (run {first}) by {JANE}, set aside"), row


def test_verify_notes_an_exported_note_that_no_longer_holds(case, tmp_path, capsys):
    """L3: a set exported with the note, then the corrections undone (no transcript set aside now); the set written
    again without it, then the correction redone: each time a note of `verify`, not a finding."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["won"])
    _exported(case, draft, tmp_path / "n1", capsys)
    assert not [n for n in verify_case(case).notes if "set aside" in n.problem]
    [jane] = [r.id for r in editing.history(case, first) if r.op == "edit_text"]
    editing.undo(case, jane, actor=JANE)
    [note] = [n for n in verify_case(case).notes if "set aside" in n.problem]
    assert note.subject == str(tmp_path / "n1" / "set.manifest.json")
    assert "no longer holds: no transcript is set aside now; export it again" in note.problem, note.problem

    _exported(case, draft, tmp_path / "n1", capsys)  # written again in its place: it holds, said no more
    assert not [n for n in verify_case(case).notes if "set aside" in n.problem]
    editing.redo(case, jane, actor=JANE)
    report = verify_case(case)
    [note] = [n for n in report.notes if "set aside" in n.problem]
    assert f"it says nothing of a transcript set aside: run {draft} is now a machine draft, newer than" in note.problem
    assert not [f for f in report.findings if f.subject.startswith(str(tmp_path))], report.findings  # a note only

    editing.edit_text(case, draft, editing.segment_ids(case, draft)[0], "one", actor="PC Edit")  # its text, its note
    notes = [n.problem for n in verify_case(case).notes if n.subject == str(tmp_path / "n1" / "set.manifest.json")]
    assert len(notes) == 1 and "the case's text has changed since this export" in notes[0], notes  # said once


def test_translate_says_which_corrections_the_stored_transcript_it_translates_sets_aside(case, capsys):
    """L4, with H2 and M1: `translate` of a recording whose newest transcript is an edited draft in front of two
    people's corrections says so as it queues the translation."""
    path = str(MEDIA / "en_voicenote.opus")
    exhibit, _ = case.add_exhibit(probe(where_met(path)))
    first = _corrected(case, exhibit.id, JANE, BOB)
    draft = add_run(case, exhibit.id, ["meet me", "at the station"])
    editing.edit_text(case, draft, editing.segment_ids(case, draft)[0], "Meet me", actor="PC Edit")
    request = with_speech(translation_request("fr", None, str(REPO / "tests" / "fixtures" / "tiny_nllb")), "base")
    queued = _queue_one(case, JobQueue(case.conn), Input(path, "media"), request, 0)
    assert queued is not None and queued.stored_run == draft
    assert (f"translating the stored transcript (run {draft}), an edited draft, newer than the corrections "
            f"(run {first}) by {JANE}, {BOB}, set aside") in capsys.readouterr().err


def test_a_draft_with_no_speech_over_corrections_says_both(case):
    """L4: a new transcription that found no speech is "no speech found", and still names the corrections it sets
    aside."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    empty = case.start_run(exhibit, "transcribe", MODEL, {"beam_size": 3}, software_info())
    case.finish_run(empty)
    said = f"a machine draft, newer than the corrections (run {first}) by {JANE}, set aside"
    assert _detail(case, exhibit) == ("no speech found", f"no speech was detected in this recording; {said}")


def test_a_translations_note_is_of_the_draft_as_it_was_translated(case, tmp_path, capsys):
    """revC H1: a translation of the machine draft (the tiny NLLB model's) over Jane's corrections keeps its note
    when the draft is edited, then signed off, after it was made: `verify` finds no note that no longer holds, and
    the set written again says the same, and that its source has changed since."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["won", "too"])
    translated = translate_run(case, load_translator(REPO / "tests" / "fixtures" / "tiny_nllb", device="cpu"),
                               draft, "fr")
    said = (f"a translation of a machine draft (run {draft}), newer than the corrections (run {first}) by {JANE}, "
            "set aside")
    _exported(case, translated, tmp_path / "t1", capsys)
    editing.edit_text(case, draft, editing.segment_ids(case, draft)[1], "two", actor="PS Two")
    for step in ("edited", "signed off"):
        assert not [n.line() for n in verify_case(case).notes if "set aside" in n.problem], step
        text, manifest, err = _exported(case, translated, tmp_path / step, capsys)
        assert f"Warning: {said}" in text and manifest["set_aside"] == said and said in err, (step, text)
        assert "Translated from: the transcript as it stood when translated (it has changed since)" in text, text
        editing.set_verified(case, draft, "DS Sign", actor="DS Sign")


def test_the_translation_tab_says_what_the_translations_exports_say(case, tmp_path, capsys, qtbot):
    """revC M1: the window's Translation tab, the one view of a translation, gives the note its exports carry."""
    from app.gui.translation_view import TranslationView

    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["won"])
    translated = add_run(case, exhibit, ["un"], task="text-translate", language="fr", parent_run_id=draft)
    _, manifest, _ = _exported(case, translated, tmp_path / "t", capsys)
    view = TranslationView(case)
    qtbot.addWidget(view)
    view.show_exhibit(exhibit)
    assert view.note.text().endswith(f"; {manifest['set_aside']}") and f"(run {first})" in view.note.text()


def test_verify_notes_a_timelines_note_that_no_longer_holds(case, tmp_path):
    """revC M2: a chat's timeline JSON gives a voice note's newer draft as setting Jane's corrections aside; once
    they are undone, `verify` says that timeline's note no longer holds (it checked only transcripts' sets)."""
    [taken] = take_in(case, whatsapp_zip(tmp_path / "evidence"))
    [note] = attachment_exhibits(case, taken.exhibit_id)
    first = _corrected(case, note, JANE)
    draft = add_run(case, note, ["meet me at the station"])
    [written] = write_story(case, taken.exhibit_id, build_timeline(case, taken.exhibit_id), tmp_path / "tl", "chat",
                            ["json"])
    [said] = [m["attachment"]["review"] for m in json.loads(written.read_text(encoding="utf-8"))["messages"]
              if m["attachment"] and m["attachment"]["run_id"] == draft]
    assert said == f"a machine draft, newer than the corrections (run {first}) by {JANE}, set aside"
    assert not [n for n in verify_case(case).notes if "set aside" in n.problem]
    [jane] = [r.id for r in editing.history(case, first) if r.op == "edit_text"]
    editing.undo(case, jane, actor=JANE)
    [stale] = [n for n in verify_case(case).notes if "set aside" in n.problem]
    name = case.exhibit(note).source.name
    assert stale.subject == str(written) and stale.problem.startswith(f'{name}: its note "{said}" no longer holds: '
                                                                      "no transcript is set aside now"), stale


def test_translate_out_says_the_set_it_writes_sets_corrections_aside(case, tmp_path, capsys):
    """revC L1: `translate --out` wrote the translation of a newer draft (its files said so) with no stderr line,
    where `export` and `transcribe` give one: it wrote through a way of its own, now through `export`'s."""
    exhibit = add_exhibit(case, "interview.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["won"])
    translated = add_run(case, exhibit, ["un"], task="text-translate", language="fr", parent_run_id=draft)
    queue = JobQueue(case.conn)
    job = queue.add(exhibit, "translate", {"target": "fr", "run_id": draft})
    queue.claim("this test", job_id=job)
    queue.complete(job, translated)
    writer = _Translations(case, tmp_path / "out", (["txt"], ["txt"]), {"interview.wav": "interview"})
    writer.add(QueuedTranslation("interview.wav", exhibit, job))
    writer.export(queue.get(job))
    out, err = capsys.readouterr()
    assert out.splitlines() == [str(tmp_path / "out" / name) for name in ("interview.txt", "interview.manifest.json")]
    assert (f"warning: run {translated} exported, a translation of a machine draft (run {draft}), newer than the "
            f"corrections (run {first}) by {JANE}, set aside") in err, err


def test_the_sets_kept_before_a_write_failure_still_say_it(case, tmp_path, capsys):
    """revC L5: a folder where the second set's TXT should go stops the export part-way; the first set, kept (its
    paths printed), is a draft over Jane's corrections: its warning line is given too."""
    exhibit, other = add_exhibit(case, "a.wav"), add_exhibit(case, "b.wav")
    first = _corrected(case, exhibit, JANE)
    draft = add_run(case, exhibit, ["won"])
    plain = add_run(case, other, ["bee"])
    (tmp_path / "out" / "b.txt").mkdir(parents=True)  # in the way of b's set
    with pytest.raises(ExportWriteError):
        write_exports_together(case, [ExportItem(draft, "a"), ExportItem(plain, "b")], tmp_path / "out", ["txt"])
    out, err = capsys.readouterr()
    assert str(tmp_path / "out" / "a.txt") in out.splitlines(), out
    said = f"warning: run {draft} exported, a machine draft, newer than the corrections (run {first}) by {JANE}"
    assert said in err, err
