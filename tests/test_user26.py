"""Session 26, a user's walk through the README's commands and the window: what an investigator or a
typist met."""

from __future__ import annotations

import pytest

from tests.test_withheld_language import piece


def _withheld_run(warning: str):
    from app.core.store.views import RunSummary

    return RunSummary(1, "transcribe", "complete", "la", 0.5, "base", "2026-12-04T17:00:00Z", False, 1,
                      (warning,), worded_count=0, inaudible_ms=7000)


def test_why_a_language_is_uncertain_names_the_languages():
    """`exhibits` and the window's tooltip said the German note "was read as la 92% on its own frames, de 61%
    in its packed window": a reader does not know "la" is Latin. Now each language is said by name."""
    from app.core.asr.language_check import withheld_note
    from app.core.usecases.exhibit_status import uncertain_detail

    readings = [("de", 0.61, "in its packed window"), ("la", 0.92, "on its own frames")]
    note = withheld_note([piece(("la", 0.92), readings, inaudible=True)])
    detail = uncertain_detail(_withheld_run(note))
    assert "Latin 92% on its own frames, German 61% in its packed window" in detail, detail
    assert "la 92%" not in detail and "de 61%" not in detail, detail


def test_the_exports_warnings_name_the_languages():
    """The DOCX/PDF record's Warning rows (and the TXT header's) printed the run's stored warning: "mixed
    languages: en 52% (...), de 48% (...)" beside a Language row saying "English 52%, German 48%"."""
    from app.core.asr.language_check import withheld_note
    from app.core.export.base import shown_warning
    from app.core.language_parts import mixed_note

    mixed = mixed_note([[0, 177000, "en", 0.99, 150000], [178000, 345000, "de", 0.97, 140000]])
    assert shown_warning(mixed).startswith("mixed languages: English 52% (00:00:00-00:02:57), German 48% ("), mixed
    withheld = withheld_note([piece(("la", 0.92), [("la", 0.92, "on its own frames")], inaudible=True)])
    assert shown_warning(withheld).endswith("it was read as Latin 92% on its own frames"), withheld
    unknown = "language uncertain: speech was heard but no words were kept; it was read as qq 50% in its window"
    assert shown_warning(unknown) == unknown  # a code no table knows stays as it is
    assert shown_warning("damaged 00:01.9-00:06.2") == "damaged 00:00:01.9-00:00:06.2"


@pytest.mark.parametrize("case_first", [["--case", "{case}"], ["--case={case}"]])
def test_the_case_named_before_the_command_is_the_case_used(capsys, tmp_path, case_first):
    """README: "Every command that works on a case takes --case". Written before the command, as a user
    names a program's global options (`python -m app --case DIR exhibits`), it read "error: argument
    command: invalid choice: 'DIR'", the case folder taken for a command. Now it is that command's --case."""
    from tests.conftest import MEDIA
    from tests.test_cli_mistakes import run

    case = tmp_path / "case"
    given = [word.format(case=case) for word in case_first]
    code, out, err = run(capsys, *given, "queue", "add", str(MEDIA / "en_voicenote.opus"))
    assert code == 0 and "queued job 1" in out, (code, out, err)
    code, out, err = run(capsys, *given, "exhibits")
    assert code == 0 and "en_voicenote.opus" in out, (code, out, err)
    assert "invalid choice" not in err, err


def test_a_chat_has_no_record_of_interview(capsys, tmp_path):
    """`interview 1 --place Leeds` on a chat export stored the place and printed "DOCX and PDF: record of
    interview", though a chat is never exported as one (`export` refuses it: "a chat export, not a
    recording"). Now it is refused in one line, nothing stored; a recording's details are set as before."""
    import shutil

    from app.core.store import Case
    from app.core.store.interview import read_interview
    from tests.conftest import MEDIA
    from tests.test_cli_mistakes import run
    from tests.test_timeline_omitted_media import CHATS

    chat = tmp_path / "evidence" / "whatsapp_ios_de.txt"
    chat.parent.mkdir()
    shutil.copy(CHATS / chat.name, chat)
    case = tmp_path / "case"
    assert run(capsys, "timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(case))[0] == 0
    code, out, err = run(capsys, "interview", chat.name, "--place", "Leeds", "--case", str(case))
    assert code == 1 and out == "" and err.count("\n") == 1, (code, out, err)
    assert "a chat export, not a recording" in err, err
    stored = Case.open(case)
    try:
        chat_id = next(e.id for e in stored.exhibits() if e.source.name == chat.name)
        assert read_interview(stored, chat_id).place == ""
    finally:
        stored.close()
    assert run(capsys, "queue", "add", str(MEDIA / "en_voicenote.opus"), "--case", str(case))[0] == 0
    code, out, _ = run(capsys, "interview", "en_voicenote.opus", "--place", "Leeds", "--case", str(case))
    assert code == 0 and "record of interview" in out.splitlines()[-1], out


def two_exhibits_in_two_folders(root):  # type: ignore[no-untyped-def]
    """A case (no model) holding two notes, each in its own evidence folder, each with a transcript."""
    import shutil

    from app.core.media.intake import find_media
    from app.core.store import Case
    from tests import gui_case
    from tests.conftest import MEDIA

    case = Case.open(root / "case")
    for folder, name in (("phone_a", "en_voicenote.opus"), ("phone_b", "es_voicenote.ogg")):
        (root / folder).mkdir()
        shutil.copy(MEDIA / name, root / folder / name)
        found = next(iter(find_media([str(root / folder / name)])))
        exhibit = case.add_exhibit(found.source, found_at=found.path)[0]
        gui_case.add_run(case, exhibit.id, (gui_case.segment(0, "Hello there.", None),))
    return case


def test_an_export_of_one_exhibit_is_never_written_beside_another(capsys, tmp_path):
    """`export 1 --out PHONE_B/out` wrote exhibit 1's transcript into the folder of exhibit 2's original:
    only the exhibits exported were checked. `queue run --out` and `entities --csv` check every exhibit."""
    from tests.test_cli_mistakes import run

    two_exhibits_in_two_folders(tmp_path).close()
    out = tmp_path / "phone_b" / "out"
    code, _, err = run(capsys, "export", "en_voicenote.opus", "--out", str(out), "--format", "txt",
                       "--case", str(tmp_path / "case"))
    assert code == 1 and "refusing to write outputs beside the evidence" in err, (code, err)
    assert not out.exists()
    code, _, err = run(capsys, "export", "en_voicenote.opus", "--out", str(tmp_path / "exports"), "--format", "txt",
                       "--case", str(tmp_path / "case"))
    assert code == 0 and (tmp_path / "exports" / "en_voicenote.txt").is_file(), err


def test_a_speech_translation_says_it_is_in_english(capsys, tmp_path):
    """A voice note put into English by Whisper (`transcribe --task translate`) was headed "TRANSLATION OF A
    RECORDING" with a Language row "Polish (detected automatically, p=0.89)" over English words (the TXT:
    "Task: translate; language pl (p=0.89)"); a text translation says "Polish, translated into English"."""
    import docx

    from app.core.evidence.provenance import software_info
    from app.core.types import Segment
    from tests import gui_case
    from tests.test_cli_mistakes import run

    case = two_exhibits_in_two_folders(tmp_path)
    exhibit = case.exhibits()[1].id
    translated = case.start_run(exhibit, "translate", gui_case.MODEL, {"task": "translate"}, software_info())
    case.append_segments(translated, (Segment(0, 1000, "Let us meet tomorrow."),), {}, "pl", 0.89)
    case.finish_run(translated)
    case.close()
    out = tmp_path / "exports"
    code, _, err = run(capsys, "export", "es_voicenote.ogg", "--task", "translate", "--format", "txt,docx",
                       "--out", str(out), "--case", str(tmp_path / "case"))
    assert code == 0, err
    text = (out / "es_voicenote.txt").read_text(encoding="utf-8")
    assert "Task: translate; language pl (p=0.89) -> en\n" in text, text[:600]
    rows = {r.cells[0].text: r.cells[-1].text for t in docx.Document(str(out / "es_voicenote.docx")).tables
            for r in t.rows}
    assert rows["Language"] == "Polish (detected automatically, p=0.89), translated into English", rows["Language"]


@pytest.mark.parametrize("command", ["transcribe", "timeline"])
def test_a_command_taking_in_more_is_never_written_beside_another_exhibit(capsys, tmp_path, command):
    """`transcribe phone_c/x.opus --out phone_b/out` (and `timeline`; `translate` goes through the same
    `open_case_writing_to`) checked only their own inputs' folders, so wrote beside exhibit 2's original already in
    the case (found in review). Refused in one line, before anything is taken in."""
    import shutil

    from tests.conftest import MEDIA
    from tests.test_cli_mistakes import run

    two_exhibits_in_two_folders(tmp_path).close()
    (tmp_path / "phone_c").mkdir()
    note = tmp_path / "phone_c" / "pl_voicenote.opus"
    shutil.copy(MEDIA / "pl_voicenote.opus", note)
    out = tmp_path / "phone_b" / "out"
    extra = {"transcribe": ["--model", "tiny.en"], "timeline": []}[command]
    code, _, err = run(capsys, command, str(note), "--out", str(out), *extra, "--case", str(tmp_path / "case"))
    assert code != 0 and "refusing to write outputs beside the evidence" in err, (code, err)
    assert not out.exists() and len(err.strip().splitlines()) == 1, err
