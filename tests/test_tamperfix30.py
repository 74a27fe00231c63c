"""Session 30, review of tamper30: `check-export`'s new TXT/VTT reading gave false alarms, and could be dodged.

A VTT's NOTE writes "-->" as "->" and joins a value's lines, and the TXT/VTT header was read with universal newlines
(a CR ended a line): an untouched set of a recording named "a-->b.opus" or "a\\rb.opus", or exported --by
"DC --> Jones", said "the manifest was edited after the export". A manifest's recording name holding a newline, or
no string at all (a list, null), was "not compared" beside a TXT or VTT: an edited name passed. A PDF Subject of
"[" * 200000 stopped `check-export` with "unexpected error (RecursionError ...)". A run's `settings.language` of ""
was a false alarm beside a DOCX or PDF. A DOCX of a recording or verifier named longer than 255 characters with its
heading was not written ("exceeded 255 char limit for property").
"""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from tests.test_defencefix29 import _alone, _checked
from tests.test_tamper24 import _manifest_edited
from tests.test_tamper29 import case_named

ODD = "a--->b\rc-->d " + "x" * 220 + ".opus"  # as a file on disk may be named (255 bytes at most)
ODD_BY = "DC --> \rJones\nof " + "y" * 260  # --by is any text


def test_an_untouched_set_of_odd_names_is_quiet_in_every_format_and_an_edited_name_is_still_said(
        tmp_path, monkeypatch, capsys):
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, ODD)
    assert main(["signoff", "1", "--by", ODD_BY, "--case", str(case)]) == 0
    for fmt in ("txt", "vtt", "docx", "pdf"):
        out = tmp_path / fmt
        assert main(["export", "1", "--case", str(case), "--out", str(out), "--format", fmt, "--by", ODD_BY]) == 0, \
            capsys.readouterr().err
        manifest = next(out.glob("*.manifest.json"))
        code, said, err = _checked(manifest, capsys)
        assert code == 0 and "note:" not in said, (fmt, said, err)
        if fmt in ("txt", "vtt"):
            _manifest_edited(manifest, lambda d: d["source"].update(name=ODD.replace("a--->b", "a-->B")))
            code, _, err = _checked(manifest, capsys)
            shown = "a-->B" if fmt == "txt" else "a->B"  # as the VTT's NOTE writes it
            assert code == 1 and f"gives source.name as {shown}" in err, (fmt, err)


@pytest.mark.parametrize("fmt", ["txt", "vtt"])
def test_a_recording_name_of_several_lines_or_no_string_is_compared(tmp_path, monkeypatch, capsys, fmt):
    case = case_named(tmp_path, monkeypatch, "note.opus")
    manifest = _alone(case, tmp_path / "set", fmt)
    for number, name in enumerate(("interview.opus\n", ["note.opus"], None)):
        edited = tmp_path / str(number)
        shutil.copytree(manifest.parent, edited)
        _manifest_edited(edited / manifest.name, lambda d, name=name: d["source"].update(name=name))
        code, _, err = _checked(edited / manifest.name, capsys)
        assert code == 1 and "gives source.name as " in err and f"but note.{fmt}" in err, (name, err)


def test_a_pdf_subject_that_is_no_json_is_one_line_not_an_unexpected_error(tmp_path, monkeypatch, capsys):
    from pypdf import PdfReader, PdfWriter

    case = case_named(tmp_path, monkeypatch, "note.opus")
    manifest = _alone(case, tmp_path / "set", "pdf")
    pdf = manifest.with_name("note.pdf")
    reader = PdfReader(str(pdf))
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({"/Subject": reader.metadata["/Subject"].split(";")[0] + "; recording: " + "[" * 200000})
    with pdf.open("wb") as handle:
        writer.write(handle)
    data = pdf.read_bytes()  # the forger re-hashed it: the manifest vouches for the crafted PDF
    _manifest_edited(manifest, lambda d: [entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
                                          for entry in d["files"] if entry["file"] == pdf.name])
    code, said, err = _checked(manifest, capsys)
    assert code == 0 and "unexpected error" not in said + err, said + err  # its table still bears the manifest out


def _default_sets() -> list[str]:
    from app.cli.common import FORMATS_DEFAULT

    try:  # collected on a machine without Qt, the rest of the file still runs
        from app.gui.export_dialog import DEFAULT_FORMATS
    except ImportError:
        return [FORMATS_DEFAULT]
    return [FORMATS_DEFAULT, ",".join(DEFAULT_FORMATS)]  # the CLI's and the window's: both hold a JSON


@pytest.mark.parametrize("formats", ["docx", "pdf", "json", *_default_sets()])
def test_a_run_whose_language_setting_is_empty_is_no_false_alarm(tmp_path, monkeypatch, capsys, formats):
    """Session 31: "" was read as none on the manifest's side only, so a JSON (which writes "") beside it said
    "the manifest was edited after the export": the CLI's default set and the window's failed untouched."""
    case = case_named(tmp_path, monkeypatch, "note.opus", {"beam_size": 5, "language": ""})
    manifest = _alone(case, tmp_path / "set", formats)
    assert json.loads(manifest.read_text(encoding="utf-8"))["settings"]["language"] == ""
    code, said, err = _checked(manifest, capsys)
    assert code == 0 and "edited" not in said + err, said + err
    _manifest_edited(manifest, lambda d: d["settings"].update(language="pl"))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives settings.language as pl" in err, err


@pytest.mark.parametrize("language", [None, "en"])
def test_every_format_together_is_quiet_whether_a_language_was_set_or_not(tmp_path, monkeypatch, capsys, language):
    case = case_named(tmp_path, monkeypatch, "note.opus", {"beam_size": 5, "language": language})
    manifest = _alone(case, tmp_path / "set", "json,txt,srt,vtt,docx,pdf")
    code, said, err = _checked(manifest, capsys)
    assert code == 0 and "edited" not in said + err, said + err
    _manifest_edited(manifest, lambda d: d["settings"].update(language="" if language else "pl"))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives settings.language as " in err, err
