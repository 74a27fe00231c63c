"""Hostile expert, session 18: what passes for part of a case without being it.

- a file beside an export set named like the set's own files in letters a reader cannot tell from them (a
  Cyrillic "і" for a Latin "i", a Greek capital Nu, fullwidth letters, a zero-width space, a trailing dot
  Windows drops): neither `verify` nor `check-export` said it was slipped in; the printed name showed none of it.
"""

from __future__ import annotations

import shutil
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
