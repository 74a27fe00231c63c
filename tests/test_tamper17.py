"""Hostile expert, session 17: changes to a case below what its logged digests can see.

- a word's probability changed by less than the 4 places the content digests round it to (0.5 made
  0.49996, in the machine draft or in the working copy): every digest stayed as logged, `verify` said
  "nothing found", yet the JSON export printed the forged score and `export --mark-uncertain 0.5`
  marks the word `[word?]` in the record of interview.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.cli import main
from app.core.chats.text_intake import import_transcript_json
from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import ModelInfo, Segment, Word
from app.core.usecases.exporting import export_run
from tests.conftest import MEDIA
from tests.test_verify import _forged, verify

MODEL = ModelInfo("tiny.en", "/models/tiny.en", "ab" * 32)
WORDS = (Word(0, 400, " meet", 0.5), Word(400, 700, " me", 0.9812), Word(700, 1500, " at the docks", 1.0))


def _case_with_run(tmp_path: Path, name: str, segments: tuple[Segment, ...], probability: float) -> tuple[Case, int]:
    """A case at tmp_path/case holding the shared English note, copied in as evidence/`name`, and a finished
    run of `segments` (English at `probability`)."""
    original = tmp_path / "evidence" / name
    original.parent.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    case = Case.open(tmp_path / "case")
    exhibit, _ = case.add_exhibit(probe(original))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
    case.append_segments(run, segments, {}, "en", probability)
    case.finish_run(run)
    return case, run


@pytest.fixture()
def scored(tmp_path, monkeypatch):
    """A case whose machine draft has words with their scores as the decoder stores them, an edit (so a
    working copy), and an export."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    case, run = _case_with_run(tmp_path, "note.opus", (
        Segment(0, 1500, "meet me at the docks", words=WORDS),
        Segment(1500, 3000, "bring the money", words=(Word(1500, 3000, " bring", 0.77),))), 0.98)
    try:
        editing.edit_text(case, run, editing.segment_ids(case, run)[1], "bring the van", actor="DC Jones")
        export_run(case, run, tmp_path / "out", ["json", "txt"])
    finally:
        case.close()
    return {"case": tmp_path / "case", "out": tmp_path / "out", "run": run}


def _exported(tmp_path: Path, case: Path) -> list[float]:
    """The word scores the JSON an export writes now prints."""
    out = tmp_path / "again"
    assert main(["export", "--case", str(case), "--out", str(out), "--format", "json", "--by", "DC Jones"]) == 0
    data = json.loads((out / "note.json").read_text(encoding="utf-8"))
    return [w["probability"] for s in data["segments"] for w in s["words"]]


def test_an_untouched_case_with_word_scores_verifies(scored, capsys, tmp_path):
    assert verify(capsys, scored["case"]) == (0, [])
    assert 0.5 in _exported(tmp_path, scored["case"])
    assert verify(capsys, scored["case"]) == (0, [])  # the export is logged; still nothing found


@pytest.mark.parametrize(("table", "what"), [("words", "machine draft"), ("working_words", "working copy")])
def test_a_word_score_changed_below_the_digest_s_rounding_is_a_finding(scored, capsys, tmp_path, table, what):
    segments = "segments" if table == "words" else "working_segments"
    _forged(scored["case"], f"UPDATE {table} SET probability=0.49996 WHERE probability=0.5 AND segment_id IN "
                            f"(SELECT id FROM {segments} WHERE start_ms=0)")
    conn = sqlite3.connect(scored["case"] / "case.sqlite")
    assert conn.execute(f"SELECT count(*) FROM {table} WHERE probability=0.49996").fetchone() == (1,)
    conn.close()
    code, lines = verify(capsys, scored["case"])
    assert code == 1 and any(line.startswith(f"run {scored['run']}: its {what} holds 1 word score(s) no decoder "
                                             "writes") and "'meet'" in line and "0.49996" in line
                             for line in lines), lines
    if table == "working_words":  # what an export prints from now on (and marks uncertain below 0.5)
        assert 0.49996 in _exported(tmp_path, scored["case"])


def test_an_imported_transcript_json_keeps_its_own_scores(tmp_path, capsys, monkeypatch):
    """A transcript JSON taken into a case holds whatever scores its file held: not judged by the decoder's
    rounding (an untouched case is never a finding)."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    case_dir = tmp_path / "case"
    case = Case.open(case_dir)
    try:
        original = tmp_path / "evidence" / "note.opus"
        original.parent.mkdir()
        shutil.copy(MEDIA / "en_voicenote.opus", original)
        exhibit, _ = case.add_exhibit(probe(original))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me", words=(Word(0, 1500, " meet", 0.5),)),), {}, "en", 0.9)
        case.finish_run(run)
        export_run(case, run, tmp_path / "out", ["json"])
    finally:
        case.close()
    exported = tmp_path / "out" / "note.json"
    text = exported.read_text(encoding="utf-8").replace('"probability": 0.5', '"probability": 0.123456789')
    assert "0.123456789" in text
    made = tmp_path / "elsewhere" / "note.json"
    made.parent.mkdir()
    made.write_text(text, encoding="utf-8")
    other = Case.open(tmp_path / "other-case")  # `translate note.json --case ...` takes it in so
    try:
        _, imported = import_transcript_json(other, made)
        assert [w.probability for s in other.segments(imported) for w in s.words] == [0.123456789]
    finally:
        other.close()
    assert verify(capsys, tmp_path / "other-case") == (0, [])


# ------------------------------------------------ a file slipped in under the set's name, case or accents changed

def _check_export(capsys, manifest: Path) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["check-export", str(manifest)])
    captured = capsys.readouterr()
    return code, [line for line in (captured.out + captured.err).splitlines() if line]


@pytest.mark.parametrize("name", ["NOTE.txt", "Note.pdf", "nOte.json"])
def test_a_file_named_as_the_set_in_other_letters_is_slipped_in(scored, capsys, name):
    """`Note.pdf` beside the set `note` (a forged record of interview): exFAT, NTFS and macOS see one name, so a
    copy of the folder to a USB stick or a Windows share may keep it in place of the set's own. verify and
    check-export said nothing of it."""
    assert _check_export(capsys, scored["out"] / "note.manifest.json")[0] == 0
    (scored["out"] / name).write_bytes((scored["out"] / "note.txt").read_bytes() + b"forged\n")
    code, lines = verify(capsys, scored["case"])
    assert code == 1 and any(line.startswith(str(scored["out"] / name)) and "no export wrote it" in line
                             for line in lines), lines
    code, lines = _check_export(capsys, scored["out"] / "note.manifest.json")
    assert code == 1 and any(f"{name}: beside the set, not listed in its manifest" in line for line in lines), lines


def test_a_name_composed_otherwise_is_slipped_in_too(tmp_path, capsys, monkeypatch):
    """A set named with an accent (`café`, composed) and a file beside it with the accent decomposed: one name to
    macOS and exFAT; two to Linux."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    case, run = _case_with_run(tmp_path, "caf\u00e9.opus", (Segment(0, 1500, "meet me", words=WORDS[:2]),), 0.9)
    try:
        export_run(case, run, tmp_path / "out", ["txt"])
    finally:
        case.close()
    assert verify(capsys, tmp_path / "case") == (0, [])
    (tmp_path / "out" / "cafe\u0301.txt").write_text("forged\n", encoding="utf-8")
    code, lines = verify(capsys, tmp_path / "case")
    assert code == 1 and any("no export wrote it" in line for line in lines), lines
    code, lines = _check_export(capsys, tmp_path / "out" / "caf\u00e9.manifest.json")
    assert code == 1 and any("beside the set, not listed in its manifest" in line for line in lines), lines


def test_two_sets_whose_names_differ_only_in_case_check_clean(tmp_path, capsys, monkeypatch):
    """Sets `Note` and `note` in one folder (an older Parley named them apart): neither is the other's stray."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "a" / "Note.opus")
    shutil.copy(MEDIA / "de_voicenote.opus", tmp_path / "b" / "note.opus")
    case = Case.open(tmp_path / "case")
    try:
        for source, text in ((tmp_path / "a" / "Note.opus", "one"), (tmp_path / "b" / "note.opus", "two")):
            exhibit, _ = case.add_exhibit(probe(source))
            run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
            case.append_segments(run, (Segment(0, 1500, text),), {}, "en", 0.9)
            case.finish_run(run)
            export_run(case, run, tmp_path / "out", ["txt", "json"], basename=source.stem)
    finally:
        case.close()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "Note.json", "Note.manifest.json", "Note.txt", "note.json", "note.manifest.json", "note.txt"]
    assert verify(capsys, tmp_path / "case") == (0, [])
    for stem in ("Note", "note"):
        assert _check_export(capsys, tmp_path / "out" / f"{stem}.manifest.json")[0] == 0


# ------------------------------------------------------------------ a sparse file of gigabytes in a file's place

SPARSE = 2 * 1024**3  # takes no disk; terabytes kept verify hashing zeros for hours


def _sparse(path: Path) -> None:
    path.chmod(0o644)
    with open(path, "r+b") as handle:
        handle.truncate(SPARSE)


def test_a_sparse_file_in_an_original_s_or_an_export_s_place_is_said_by_its_size_not_hashed(scored, capsys,
                                                                                             monkeypatch):
    """An original, an exported file and a logged manifest each grown to 2 GB of holes: each is a finding by its
    size, against the bytes taken in or the size its manifest lists, without reading it (verify hashed every byte:
    hours for a file of terabytes, which takes no disk)."""
    import app.core.evidence.verify_exports as exports_module
    import app.core.evidence.verify_originals as originals_module  # since session 19 (was in verify)
    from app.core.hashing import sha256_file

    hashed: list[Path] = []

    def spy(path):  # what verify reads whole
        hashed.append(Path(path))
        return sha256_file(path)

    monkeypatch.setattr(originals_module, "sha256_file", spy)
    monkeypatch.setattr(exports_module, "sha256_file", spy)
    case = Case.open(scored["case"])
    try:
        original = Path(case.exhibits()[0].paths[0])
    finally:
        case.close()
    text = (scored["out"] / "note.txt").read_bytes()
    for path in (original, scored["out"] / "note.txt"):
        _sparse(path)
    code, lines = verify(capsys, scored["case"])
    assert code == 1 and f"{original}: SHA-256 differs from the one taken at intake" in "\n".join(lines), lines
    assert f"{scored['out'] / 'note.txt'}: exported file changed since it was written (SHA-256 differs)" in lines
    assert original not in hashed and scored["out"] / "note.txt" not in hashed, hashed
    (scored["out"] / "note.txt").write_bytes(text)
    hashed.clear()
    _sparse(scored["out"] / "note.manifest.json")  # past any manifest Parley writes: not hashed, nor read
    code, lines = verify(capsys, scored["case"])
    assert f"{scored['out'] / 'note.manifest.json'}: exported file changed since it was written (SHA-256 differs)" \
        in lines and code == 1, lines
    assert scored["out"] / "note.manifest.json" not in hashed, hashed
    code, lines = _check_export(capsys, scored["out"] / "note.manifest.json")
    said = f"check-export: {scored['out'] / 'note.manifest.json'}: not a readable export manifest (OSError)"
    assert code != 0 and lines == [said], lines  # was: 2 GB read into memory


# ------------------------------------------------------------------ the case folder made a symlink to an older copy

def test_a_symlink_put_in_the_case_folder_s_place_to_an_older_copy_is_a_finding(scored, capsys, tmp_path):
    """The account keeps how far it saw the case's log in its folder; the folder replaced by a symlink to an older
    copy kept elsewhere was opened at the copy's own path, where the account had seen nothing: 'nothing found'."""
    case = scored["case"]
    older = tmp_path / "backup" / "case"
    shutil.copytree(case, older)
    assert main(["interview", "note.opus", "--place", "York", "--by", "DC Jones", "--case", str(case)]) == 0
    assert verify(capsys, case) == (0, [])
    case.rename(tmp_path / "case.now")
    case.symlink_to(older, target_is_directory=True)
    code, lines = verify(capsys, case)
    assert code == 1 and any(line.startswith(f"audit log: this account last saw this case's log at {case} (a symlink "
                                             f"to {older}) at entry") for line in lines), lines


def test_a_case_worked_on_through_a_symlink_verifies_by_either_path(scored, capsys, tmp_path):
    link = tmp_path / "current"
    link.symlink_to(scored["case"], target_is_directory=True)
    assert main(["interview", "note.opus", "--place", "York", "--by", "DC Jones", "--case", str(link)]) == 0
    assert verify(capsys, link) == (0, [])
    assert verify(capsys, scored["case"]) == (0, [])
    assert main(["interview", "note.opus", "--place", "Hull", "--by", "DC Jones", "--case", str(scored["case"])]) == 0
    assert verify(capsys, link) == (0, [])  # the link's memory is behind the case, never ahead of it
