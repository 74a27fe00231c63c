"""Hostile expert, session 18: what passes for part of a case without being it.

- a file beside an export set named like the set's own files in letters a reader cannot tell from them (a
  Cyrillic "і" for a Latin "i", a Greek capital Nu, fullwidth letters, a zero-width space, a trailing dot
  Windows drops): neither `verify` nor `check-export` said it was slipped in; the printed name showed none of it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import Segment
from app.core.usecases.exporting import export_run
from tests.conftest import MEDIA
from tests.test_verify import MODEL, verify


def _exported_case(tmp_path: Path, names: dict[str, str], out: Path) -> Path:
    """A case at tmp_path/case of the shared recordings `names` (copied in under their keys), each with a
    finished run, exported into `out` as JSON and TXT."""
    case_dir = tmp_path / "case"
    case = Case.open(case_dir)
    try:
        for name, media in names.items():
            original = tmp_path / "evidence" / name
            original.parent.mkdir(exist_ok=True)
            shutil.copy(MEDIA / media, original)
            exhibit, _ = case.add_exhibit(probe(original))
            run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
            case.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
            case.finish_run(run)
            export_run(case, run, out, ["json", "txt"])
    finally:
        case.close()
    return case_dir


def _check_export(capsys, manifest: Path) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["check-export", str(manifest)])
    return code, [line for line in capsys.readouterr().err.splitlines() if line and not line.endswith("problem(s)")]


@pytest.fixture()
def interview(tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    out = tmp_path / "out"
    return {"case": _exported_case(tmp_path, {"interview.opus": "en_voicenote.opus"}, out), "out": out}


@pytest.mark.parametrize(("name", "said"), [
    ("\u0456nterview.txt", "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"),
    ("\u039dnterview.json", None),  # a Greek capital Nu: not the set's name in any letters
    ("interv\u0456ew.pdf", "U+0456"),
    ("inter\u200bview.pdf", "U+200B ZERO WIDTH SPACE"),
    ("\uff49nterview.txt", "U+FF49 FULLWIDTH LATIN SMALL LETTER I"),
    ("interview\u2024pdf", "U+2024 ONE DOT LEADER"),
    ("\u0406NTERVIEW.docx", "U+0406 CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I"),
    ("interview.txt.", "a dot or space, which Windows drops"),
])
def test_a_look_alike_name_beside_an_export_set_is_slipped_in(interview, capsys, name, said):
    assert verify(capsys, interview["case"]) == (0, [])
    assert _check_export(capsys, interview["out"] / "interview.manifest.json") == (0, [])
    (interview["out"] / name).write_text("meet me at the station\n", encoding="utf-8")
    code, lines = verify(capsys, interview["case"])
    check_code, problems = _check_export(capsys, interview["out"] / "interview.manifest.json")
    if said is None:
        assert (code, lines, check_code, problems) == (0, [], 0, [])
        return
    assert code == 1 and len(lines) == 1 and "beside the export set interview.manifest.json, but no export wrote" \
        in lines[0] and said in lines[0], lines
    if "Windows" in said:
        said = "not listed in its manifest"
    assert check_code == 1 and len(problems) == 1 and "beside the set, not listed in its manifest" in problems[0] \
        and said in problems[0], problems


def test_two_sets_whose_names_differ_only_in_look_alike_letters_verify(tmp_path, capsys, monkeypatch):
    """Two recordings of a phone named `note.opus` and `n\u043ete.opus` (a Cyrillic "о"), exported into one folder:
    two sets, each its own; neither's files are said slipped into the other."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    out = tmp_path / "out"
    case_dir = _exported_case(tmp_path, {"note.opus": "en_voicenote.opus", "n\u043ete.opus": "de_voicenote.opus"}, out)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{stem}.{ext}" for stem in ("note", "n\u043ete") for ext in ("json", "txt", "manifest.json"))
    assert verify(capsys, case_dir) == (0, [])
    assert _check_export(capsys, out / "note.manifest.json") == (0, [])
    assert _check_export(capsys, out / "n\u043ete.manifest.json") == (0, [])


@pytest.mark.parametrize(("name", "slipped"), [
    ("\u041d\u041e\u0422\u0410.txt", True),  # the set's name in capitals: one name to exFAT, NTFS and macOS
    ("hota.txt", False),  # Latin letters not drawn like the lower-case Cyrillic "\u043d\u043e\u0442\u0430"
])
def test_a_set_named_in_another_script_is_compared_letter_case_apart(tmp_path, capsys, monkeypatch, name, slipped):
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    out = tmp_path / "out"
    case_dir = _exported_case(tmp_path, {"\u043d\u043e\u0442\u0430.opus": "en_voicenote.opus"}, out)
    (out / name).write_text("meet me at the station\n", encoding="utf-8")
    code, lines = verify(capsys, case_dir)
    check_code, problems = _check_export(capsys, out / "\u043d\u043e\u0442\u0430.manifest.json")
    assert (code, len(lines), check_code, len(problems)) == ((1, 1, 1, 1) if slipped else (0, 0, 0, 0)), (lines, problems)


# ------------------------------------------------------------------ the store replaced by another case's

def _case_of(folder: Path, original: Path, text: str) -> Path:
    case = Case.open(folder)
    try:
        exhibit, _ = case.add_exhibit(probe(original))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, text),), {}, "en", 0.98)
        case.finish_run(run)
    finally:
        case.close()
    return folder


@pytest.fixture()
def two_cases(tmp_path, monkeypatch):
    """Two cases of one recording, made by this account in two folders: ours, and theirs (its own transcript)."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    original = tmp_path / "evidence" / "note.opus"
    original.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    theirs = tmp_path / "theirs"
    with monkeypatch.context() as elsewhere:  # made on another machine or account
        elsewhere.setenv("PARLEY_HEADS_DIR", str(tmp_path / "their-heads"))
        _case_of(theirs, original, "meet me at the station")
    return {"ours": _case_of(tmp_path / "ours", original, "meet me at the docks"), "theirs": theirs,
            "original": original}


def _first(folder: Path) -> str:
    """The hash of the case's log's first entry, read without opening it as a case (which this account would
    keep a record of)."""
    conn = sqlite3.connect(f"file:{folder / 'case.sqlite'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT hash FROM audit_log WHERE id=1").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("whole_folder", [False, True])
def test_the_store_replaced_by_another_case_s_of_the_same_evidence_is_a_finding(two_cases, capsys, whole_folder):
    """Another case of the same recording, made on another machine or account (its store and head file, or its
    whole folder), put in place of the one this account worked on: it agrees with itself, and `verify` said
    "nothing found"."""
    ours, theirs = two_cases["ours"], two_cases["theirs"]
    assert verify(capsys, ours) == (0, [])
    first = _first(theirs)
    if whole_folder:
        shutil.rmtree(ours)
        shutil.copytree(theirs, ours)
    else:
        for name in ("case.sqlite", "audit-head.json"):
            shutil.copy(theirs / name, ours / name)
    for _ in range(2):  # said on every run, not only the first
        code, lines = verify(capsys, ours)
        assert code == 1 and len(lines) == 1 and lines[0].startswith(
            "audit log: this account last saw another case's log in this folder (entry 1 ") and lines[0].endswith(
            f"of 1 of the exhibits this one holds; this case's log begins {first[:16]}..., and this account never "
            "worked on it here or in any other folder: the store (or the case folder) was replaced by another "
            "case's of the same evidence"), lines


def test_a_copy_of_another_case_of_the_same_evidence_this_account_worked_on_is_a_finding(two_cases, capsys,
                                                                                         tmp_path):
    """The other case made on this account, in another folder that still holds it: its store copied over ours."""
    redo = _case_of(tmp_path / "redo", two_cases["original"], "meet me at the station")
    ours = two_cases["ours"]
    assert verify(capsys, ours) == (0, []) and verify(capsys, redo) == (0, [])
    for name in ("case.sqlite", "audit-head.json"):
        shutil.copy(redo / name, ours / name)
    code, lines = verify(capsys, ours)
    assert code == 1 and len(lines) == 1 and lines[0].endswith(
        f"this case's log begins {_first(redo)[:16]}..., a copy of the case at {redo}: the store (or the case "
        "folder) was replaced by another case's of the same evidence"), lines
    assert verify(capsys, redo) == (0, [])  # where it was made it is its own


def test_a_new_case_of_the_same_evidence_made_where_one_was_is_not_a_finding(two_cases, capsys):
    """The case folder removed and a new case of the same recording made there by Parley; the case put back
    where it was: neither is a finding."""
    ours = two_cases["ours"]
    assert verify(capsys, ours) == (0, [])
    kept = ours.parent / "kept"
    shutil.move(ours, kept)
    _case_of(ours, two_cases["original"], "meet me at the station")
    assert verify(capsys, ours) == (0, [])
    shutil.rmtree(ours)
    shutil.move(kept, ours)
    assert verify(capsys, ours) == (0, [])


def test_a_case_moved_into_the_folder_of_another_of_the_same_evidence_is_not_a_finding(two_cases, capsys, tmp_path):
    """Two cases of one phone this account worked on, in two folders; one removed and the other moved into its
    folder (a tidy-up): a case moved, not replaced."""
    redo = _case_of(tmp_path / "redo", two_cases["original"], "meet me at the station")
    assert verify(capsys, two_cases["ours"]) == (0, []) and verify(capsys, redo) == (0, [])
    shutil.rmtree(two_cases["ours"])
    shutil.move(redo, two_cases["ours"])
    assert verify(capsys, two_cases["ours"]) == (0, [])


# ------------------------------------------------------------------ a manifest read two ways

def test_a_manifest_giving_a_key_twice_is_not_as_written(interview, capsys):
    """A file's SHA-256 given twice in its manifest entry: a reader (or a tool taking the first) sees one value,
    `check-export` read the other and said "nothing found"."""
    manifest = interview["out"] / "interview.manifest.json"
    text = manifest.read_text(encoding="utf-8")
    forged = text.replace('"file": "interview.txt",', '"file": "interview.txt",\n      "sha256": "' + "0" * 64 + '",')
    assert forged != text
    manifest.write_text(forged, encoding="utf-8")
    code, problems = _check_export(capsys, manifest)
    assert code == 1 and problems == [(f"{manifest}: interview.manifest.json: gives 'sha256' more than once in one "
                                       "place (Parley writes each once; a reader takes the first, this check the "
                                       "last): not as written")], problems
    code, lines = verify(capsys, interview["case"])  # the case's log holds the manifest's own SHA-256
    assert code == 1 and any("interview.manifest.json: exported file changed" in line for line in lines), lines
