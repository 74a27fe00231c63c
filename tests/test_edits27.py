"""Session 27: every export shows which lines a proofreader changed, the machine's words there and who
changed them (a record said only "Corrected by NAME"); `queue status` ends a cut name with "…", keeping
its extension (it chopped names at 28 characters, extensions lost)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.editing import operations as editing
from app.core.editing.changed_lines import changed_lines
from app.core.media.intake import find_media
from app.core.names import fitted
from app.core.store import Case
from app.core.store.audit import account_label, current_user
from app.core.store.jobs import JobQueue
from tests import gui_case
from tests.conftest import MEDIA
from tests.test_verify import made  # noqa: F401 - the fixture: a case, a run edited once, exported to out/

FORMATS = "txt,json,srt,vtt,docx,pdf"
OVERLAPPING = "By the old station, near the bridge where we met last time."  # its words run past 6 s


def _case(tmp_path: Path, name: str = "en_voicenote.opus") -> tuple[str, int]:
    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, name)
    run_id = gui_case.add_run(case, exhibit.id, (
        gui_case.segment(0, "Meet me at eight.", "Speaker 1"),
        gui_case.segment(3000, OVERLAPPING, "Speaker 2"),
        gui_case.segment(6000, "Bring the money and come alone.", "Speaker 1")))
    case.close()
    return str(tmp_path / "case"), run_id


def _edit(case_dir: str, run_id: int) -> None:
    """DC Jones corrects line 1; DS Patel splits line 3 (both halves differ from the machine's)."""
    case = Case.open(case_dir)
    ids = editing.segment_ids(case, run_id)
    editing.edit_text(case, run_id, ids[0], "Meet me at nine.", actor="DC Jones")
    ids = editing.segment_ids(case, run_id)
    editing.split(case, run_id, ids[2], len("Bring the money"), actor="DS Patel")
    case.close()


def _export(case_dir: str, out: Path, capsys) -> dict[str, Path]:
    assert main(["export", "--case", case_dir, "--out", str(out), "--format", FORMATS, "--by", "DS Patel"]) == 0, \
        capsys.readouterr().err
    return {ext: out / f"en_voicenote.{ext}" for ext in FORMATS.split(",")}


def test_every_export_marks_the_lines_a_proofreader_changed_with_the_machines_words(tmp_path, capsys):
    case_dir, run_id = _case(tmp_path)
    _edit(case_dir, run_id)
    files = _export(case_dir, tmp_path / "out", capsys)

    segments = json.loads(files["json"].read_text())["segments"]
    assert [s.get("edited", False) for s in segments] == [True, False, True, True]
    assert segments[0]["machine_text"] == "Meet me at eight." and segments[0]["edited_by"] == ["DC Jones"]
    # a split's halves give the segment split, not the words of the line before that run into its time
    assert segments[2]["machine_text"] == segments[3]["machine_text"] == "Bring the money and come alone."
    assert segments[3]["edited_by"] == ["DS Patel"] and "machine_text" not in segments[1]
    assert json.loads(files["json"].read_text())["review"]["lines_changed"] == 3

    txt = files["txt"].read_text()
    assert "* [00:00:00.000 --> " in txt and "\n[00:00:03.000 --> " in txt, txt
    assert "Lines changed: 3, each marked * beside its time" in txt
    assert "* [00:00:00] Speaker 1: machine: Meet me at eight.  (changed by DC Jones)" in txt
    assert "Speaker 1: * Meet me at nine." not in files["srt"].read_text()
    assert "* Speaker 1: Meet me at nine." in files["srt"].read_text()
    assert f"\nSpeaker 2: {OVERLAPPING}" in files["srt"].read_text()
    vtt = files["vtt"].read_text()
    assert "* Speaker 1: Meet me at nine." in vtt and "*: a line changed in proofreading (3 lines)" in vtt

    for kind in ("docx", "pdf"):
        text = _text_of(files[kind], tmp_path / kind)
        assert "Lines changed in proofreading" in text, kind
        assert re.search(r"00:00:00 ?\* ", text) and not re.search(r"00:00:03 ?\*", text), kind
        assert "Meet me at eight." in text and "DC Jones" in text, kind
        assert "*: a line changed in proofreading (3 lines)" in " ".join(text.split()), kind

    assert main(["check-export", str(tmp_path / "out" / "en_voicenote.manifest.json")]) == 0, capsys.readouterr()
    assert main(["verify", "--case", case_dir]) == 0, capsys.readouterr()


def test_a_machine_draft_and_an_edit_undone_mark_nothing(tmp_path, capsys):
    case_dir, run_id = _case(tmp_path)
    files = _export(case_dir, tmp_path / "draft", capsys)
    case = Case.open(case_dir)
    change = editing.edit_text(case, run_id, editing.segment_ids(case, run_id)[1], "By the new station.", actor="A")
    editing.undo(case, change.revision_id, actor="A")
    case.close()
    undone = _export(case_dir, tmp_path / "undone", capsys)
    for outs in (files, undone):
        data = json.loads(outs["json"].read_text())
        assert not any("edited" in s for s in data["segments"]) and data["review"]["lines_changed"] == 0
        assert "Lines changed" not in outs["txt"].read_text() and "* " not in outs["srt"].read_text()
        assert "proofreading" not in _text_of(outs["pdf"], outs["pdf"].parent / "pdf")


def test_a_line_edited_back_to_the_machines_words_is_not_marked_and_a_verified_record_keeps_its_marks(
        tmp_path, capsys):
    case_dir, run_id = _case(tmp_path)
    case = Case.open(case_dir)
    first, second = editing.segment_ids(case, run_id)[:2]
    editing.edit_text(case, run_id, first, "Meet me at nine.", actor="A")
    editing.edit_text(case, run_id, second, "By the new station.", actor="B")
    editing.edit_text(case, run_id, second, OVERLAPPING, actor="B")
    editing.set_verified(case, run_id, "DS Patel")
    case.close()
    data = json.loads(_export(case_dir, tmp_path / "out", capsys)["json"].read_text())
    assert data["status"] == "verified"
    assert [s.get("edited_by") for s in data["segments"]] == [["A"], None, None]


def _text_of(path: Path, work: Path) -> str:
    """The words a reader sees: the DOCX rendered to PDF by LibreOffice, the PDF's text by pdftotext. Where those
    tools are not installed (the README's set-up does not install them), python-docx's paragraphs and cells and
    pypdf's layout text, which hold the same words."""
    work.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".docx":
        if not shutil.which("libreoffice"):
            return _docx_words(path)
        subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(work), str(path)],
                       check=True, capture_output=True, timeout=180)
        path = work / (path.stem + ".pdf")
    if not shutil.which("pdftotext"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text(extraction_mode="layout") for page in PdfReader(path).pages)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _docx_words(path: Path) -> str:
    """A DOCX's paragraphs, then each table row's cells side by side, as a reader meets them."""
    import docx

    document = docx.Document(str(path))
    lines = [p.text.replace("\t", "  ") for p in document.paragraphs]
    for table in document.tables:
        lines += ["  ".join(cell.text for cell in row.cells) for row in table.rows]
    return "\n".join(lines)


# ------------------------------------------------------------------ queue status's EXHIBIT column

@pytest.mark.parametrize(("name", "tail", "shown"), [
    ("Sprachnachricht vom Donnerstag 🎤 ü.m4a", "", "Sprachnachricht vom Don….m4a"),
    ("-voicemail 07700 900123.amr", "", "-voicemail 07700 900123.amr"),
    ("PTT-20240314-WA0001-a-very-long-note.opus", " [translate]", "PTT-202403….opus [translate]"),
    ("a" * 40, "", "a" * 27 + "…"),
])
def test_a_long_exhibit_name_is_cut_with_an_ellipsis_keeping_its_extension(name, tail, shown):
    assert fitted(name, 28, tail) == shown and len(shown) <= 28


def test_queue_status_ends_a_cut_name_with_an_ellipsis_and_its_extension(tmp_path, capsys):
    note = tmp_path / "evidence" / "WhatsApp Audio 2024-03-14 at 21.07.33.opus"
    note.parent.mkdir()
    shutil.copyfile(MEDIA / "en_voicenote.opus", note)
    case = Case.open(tmp_path / "case")
    found = next(iter(find_media([str(note)])))
    exhibit = case.add_exhibit(found.source, found_at=found.path)[0]
    JobQueue(case.conn).add(exhibit.id, "transcribe", {"model": "tiny.en"})
    case.close()
    assert main(["queue", "status", "--case", str(tmp_path / "case")]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "WhatsApp" in x)
    assert "WhatsApp Audio 2024-03….opus" in line, line


def test_a_line_given_to_another_speaker_is_marked_and_a_speaker_renamed_throughout_is_not(tmp_path, capsys):
    """A line the machine gave Speaker 1 and a person gave Speaker 2 changes who said it: marked, naming the
    machine's speaker (as renamed since). Speaker 1 renamed "DC Jones" throughout moves no line: nothing marked."""
    case_dir, run_id = _case(tmp_path)
    case = Case.open(case_dir)
    editing.rename_speaker(case, run_id, "Speaker 1", "DC Jones", actor="A")
    renamed_only = tmp_path / "renamed"
    case.close()
    data = json.loads(_export(case_dir, renamed_only, capsys)["json"].read_text())
    assert [s["speaker"] for s in data["segments"]] == ["DC Jones", "Speaker 2", "DC Jones"]
    assert data["status"] == "edited" and not any("edited" in s for s in data["segments"])
    case = Case.open(case_dir)
    editing.set_speaker(case, run_id, editing.segment_ids(case, run_id)[2], "Speaker 2", actor="B")
    case.close()
    files = _export(case_dir, tmp_path / "moved", capsys)
    segments = json.loads(files["json"].read_text())["segments"]
    assert [s.get("machine_speaker") for s in segments] == [None, None, "DC Jones"]
    assert segments[2]["edited_by"] == ["B"] and segments[2]["machine_text"] == "Bring the money and come alone."
    assert "* [00:00:06] Speaker 2: machine: (said by DC Jones) Bring the money" in files["txt"].read_text()


# ---- session 27, review 4: marks decided from the standing revisions, not from what the lines carry now

def _run(tmp_path: Path, segments) -> tuple[Case, int]:  # type: ignore[no-untyped-def]
    case = Case.open(tmp_path / "marks")
    return case, gui_case.add_run(case, gui_case.add(case, "en_voicenote.opus").id, tuple(segments))


def _marks(case: Case, run_id: int) -> dict[str, tuple[str, str | None, tuple[str, ...]]]:
    """{the line's text now: (the machine's words, the machine's speaker where moved, changed by)}."""
    now = {seg.id: seg.text for seg in editing.current_segments(case, run_id)}
    return {now[c.segment_id]: (c.machine_text, c.machine_speaker, c.by) for c in changed_lines(case, run_id)}


def test_the_line_given_to_another_speaker_is_the_one_marked_whatever_most_lines_carry(tmp_path):
    """Review 4 D1: the first of Speaker 1's two lines given to Speaker 2 marked the untouched third line
    "(said by Speaker 2)"; a one-line speaker's line moved, or 3 of a speaker's 5, marked nothing."""
    case, run_id = _run(tmp_path, (gui_case.segment(0, "Meet me at eight.", "Speaker 1"),
                                   gui_case.segment(3000, "Okay then.", "Speaker 2"),
                                   gui_case.segment(6000, "Bring the money.", "Speaker 1")))
    ids = editing.segment_ids(case, run_id)
    editing.set_speaker(case, run_id, ids[0], "Speaker 2", actor="DC Jones")
    assert _marks(case, run_id) == {"Meet me at eight.": ("Meet me at eight.", "Speaker 1", ("DC Jones",))}
    editing.set_speaker(case, run_id, ids[1], "Speaker 1", actor="DC Jones")  # Speaker 2's only line
    assert _marks(case, run_id)["Okay then."] == ("Okay then.", "Speaker 2", ("DC Jones",))
    editing.rename_speaker(case, run_id, "Speaker 1", "Suspect", actor="DS Patel")  # renames mark nothing new
    assert _marks(case, run_id) == {"Meet me at eight.": ("Meet me at eight.", "Suspect", ("DC Jones",)),
                                    "Okay then.": ("Okay then.", "Speaker 2", ("DC Jones",))}
    five = [gui_case.segment(i * 3000, f"Line {i}.", "Speaker 1") for i in range(5)]
    case, run_id = _run(tmp_path / "five", five + [gui_case.segment(16000, "Yes.", "Speaker 2")])
    editing.set_speakers(case, run_id, editing.segment_ids(case, run_id)[:3], "Speaker 2", actor="DC Jones")
    assert _marks(case, run_id) == {f"Line {i}.": (f"Line {i}.", "Speaker 1", ("DC Jones",)) for i in range(3)}


def test_changed_by_names_only_edits_that_stand_and_a_split_half_keeps_its_editors(tmp_path):
    """Review 4 D3: an undone edit's author, a redoer of a rename, and only the splitter on the half holding
    another's correction were all wrong."""
    case, run_id = _run(tmp_path, (gui_case.segment(0, "Meet me at eight and bring the gun.", "Speaker 1"),
                                   gui_case.segment(4000, "Okay then.", "Speaker 2")))
    first, second = editing.segment_ids(case, run_id)
    editing.edit_text(case, run_id, first, "Meet me at eight and bring the sum.", actor="DC Jones")
    editing.split(case, run_id, first, len("Meet me at eight"), actor="DS Patel")
    marks = _marks(case, run_id)
    assert marks["and bring the sum."][2] == ("DC Jones", "DS Patel")
    assert marks["Meet me at eight"][2] == ("DC Jones", "DS Patel")
    edit = editing.edit_text(case, run_id, second, "Okay, then.", actor="DC Jones").revision_id
    editing.undo(case, edit, actor="DS Patel")
    editing.edit_text(case, run_id, second, "Okay then, fine.", actor="DC Smith")
    assert _marks(case, run_id)["Okay then, fine."] == ("Okay then.", None, ("DC Smith",))
    rename = editing.rename_speaker(case, run_id, "Speaker 2", "Witness", actor="DC Jones").revision_id
    editing.undo(case, rename, actor="DC Smith")
    editing.redo(case, rename, actor="DC Brown")
    assert all("DC Brown" not in by for _, _, by in _marks(case, run_id).values())


def test_a_line_merged_from_two_speakers_or_channels_names_each_parts_speaker(tmp_path):
    """Review 4 D2: "No way." the machine gave Speaker 2 (or the other channel) was listed as Speaker 1's."""
    case, run_id = _run(tmp_path, (gui_case.segment(0, "Meet me at eight.", "Speaker 1"),
                                   gui_case.segment(2000, "No way.", "Speaker 2"),
                                   gui_case.segment(6000, "Bring the money.", "Speaker 1")))
    editing.merge(case, run_id, editing.segment_ids(case, run_id)[:2], actor="DC Jones")
    assert _marks(case, run_id) == {"Meet me at eight. No way.": (
        "Meet me at eight. (said by Speaker 2) No way.", None, ("DC Jones",))}
    caller = replace(gui_case.segment(0, "Meet me at eight.", "Caller"), channel=0)
    called = replace(gui_case.segment(1000, "No way.", "Called"), channel=1)
    case, run_id = _run(tmp_path / "stereo", (caller, called))
    editing.merge(case, run_id, editing.segment_ids(case, run_id), actor="DC Jones")
    assert _marks(case, run_id) == {"Meet me at eight. No way.": (
        "Meet me at eight. (said by Called) No way.", None, ("DC Jones",))}


def test_a_speaker_given_to_a_line_the_machine_left_without_one_is_marked(tmp_path, capsys):
    """Review 4 D5: with diarisation off, a "Suspect" a person typed on a line was never marked."""
    case, run_id = _run(tmp_path, (gui_case.segment(0, "Meet me at eight.", None),
                                   gui_case.segment(3000, "Okay then.", None)))
    editing.set_speaker(case, run_id, editing.segment_ids(case, run_id)[0], "Suspect", actor="DC Jones")
    assert _marks(case, run_id) == {"Meet me at eight.": ("Meet me at eight.", "", ("DC Jones",))}
    case.close()
    main(["export", "--case", str(tmp_path / "marks"), "--out", str(tmp_path / "out"), "--format", "txt,json"])
    text = (tmp_path / "out" / "en_voicenote.txt").read_text()
    assert "Suspect: machine: (no speaker given by the machine) Meet me at eight." in text
    data = json.loads((tmp_path / "out" / "en_voicenote.json").read_text())
    assert data["segments"][0]["machine_speaker"] is None and data["segments"][0]["edited"] is True
    capsys.readouterr()


def test_a_translation_of_a_corrected_transcript_says_its_originals_are_the_proofread_text(tmp_path):
    """Review 4 D4: a translation printed DC Jones's "Meet me at nine." as its "(original)" under "Status: machine
    draft", with nothing saying a person's words, not the machine's "eight", were translated."""
    from app.core.translation.runs import translate_run
    from app.core.usecases.exporting import export_run
    from tests.test_cli27 import _Translator

    case, run_id = _run(tmp_path, (gui_case.segment(0, "Meet me at eight.", "Speaker 1"),
                                   gui_case.segment(3000, "Okay then.", "Speaker 2")))
    ids = editing.segment_ids(case, run_id)
    editing.edit_text(case, run_id, ids[0], "Meet me at nine.", actor="DC Jones")
    translated = translate_run(case, _Translator(), run_id, "de", "en")
    export_run(case, translated, tmp_path / "out", ["txt", "json"], "tr")
    said = "the transcript as proofread by DC Jones (1 line changed; that transcript's export lists them)"
    assert f"Translated from: {said}" in (tmp_path / "out" / "tr.txt").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "out" / "tr.json").read_text())["review"]["translated_from"] == said
    editing.edit_text(case, run_id, ids[1], "Okay then, fine.", actor="DS Patel")  # changed since: it says so
    export_run(case, translated, tmp_path / "later", ["txt"], "tr")
    assert "proofread by DC Jones, as it stood at its revision 1 (it has changed since)" in \
        (tmp_path / "later" / "tr.txt").read_text(encoding="utf-8")
    draft, draft_run = _run(tmp_path / "draft", (gui_case.segment(0, "Meet me at eight.", "Speaker 1"),))
    export_run(draft, translate_run(draft, _Translator(), draft_run, "de", "en"), tmp_path / "machine", ["txt"], "tr")
    assert "Translated from" not in (tmp_path / "machine" / "tr.txt").read_text(encoding="utf-8")


def test_an_export_older_than_an_edit_no_one_named_says_the_computer_account_made_it(made, capsys):  # noqa: F811
    """Review 4 (low): `verify --exports` said "first changed ... by root", which reads like a person's name."""
    case = Case.open(made["case"])
    editing.edit_text(case, made["run"], editing.segment_ids(case, made["run"])[0], "meet me at the station")
    case.close()
    capsys.readouterr()
    assert main(["verify", "--case", str(made["case"]), "--exports", str(made["out"])]) == 0
    note = next(line for line in capsys.readouterr().out.splitlines() if "changed since this export" in line)
    assert f"by {account_label(current_user())})" in note, note
