"""Session 26: one spelling of a source (as the user named it, links kept); what a defence expert tries next."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.store import Case
from tests.conftest import MEDIA
from tests.test_verify import verify


def _said(capsys, *args: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(list(args))
    said = capsys.readouterr()
    return code, said.err.strip().splitlines() + said.out.strip().splitlines()


@pytest.fixture(scope="module")
def through_a_link(tmp_path_factory) -> dict[str, Path]:
    """A phone's folder reached through `shared`, a symlink to where it is (as `../shared` in a clean-clone CI),
    transcribed and exported by the CLI."""
    root = tmp_path_factory.mktemp("linked")
    phone = root / "disk" / "phone"
    phone.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.opus", phone / "note.opus")
    (root / "shared").symlink_to(root / "disk", target_is_directory=True)
    case, out = root / "case", root / "out"
    code = main(["transcribe", str(root / "shared" / "phone"), "--case", str(case), "--out", str(out),
                 "--model", "tiny.en", "--format", "json,txt", "--threads", "1"])
    assert code == 0
    return {"root": root, "case": case, "out": out, "named": root / "shared" / "phone" / "note.opus"}


def test_a_source_reached_through_a_symlink_has_one_spelling_as_named(through_a_link):
    """probing resolved the source's path (`/…/disk/phone/note.opus`) while intake kept it as named
    (`/…/shared/phone/note.opus`): the exhibit's path and where it was found were two spellings of one file (a
    window test compared the two and failed under a symlinked `../shared`). Both are as named now."""
    case = Case.open(through_a_link["case"])
    try:
        [exhibit] = case.exhibits()
    finally:
        case.close()
    named = str(through_a_link["named"])
    assert (exhibit.source.path, exhibit.paths) == (named, (named,))
    manifest = json.loads((through_a_link["out"] / "note.manifest.json").read_text())
    assert manifest["source"]["path"] == named and manifest["source_found_at"] == [named]
    exported = json.loads((through_a_link["out"] / "note.json").read_text())
    assert exported["source"]["path"] == named


def test_every_reader_of_the_source_path_finds_it_through_the_link(through_a_link, capsys):
    """verify re-hashes it, check-export checks the recording, reproduce decodes it again: all at the one path."""
    assert verify(capsys, through_a_link["case"]) == (0, [])
    manifest = str(through_a_link["out"] / "note.manifest.json")
    code, lines = _said(capsys, "check-export", manifest, "--source", str(through_a_link["named"]))
    assert code == 0, lines
    code, lines = _said(capsys, "reproduce", "1", "--case", str(through_a_link["case"]))
    assert code == 0 and any("identical" in line for line in lines), lines


# ------------------------------------------------------------------ the store file cut short

@pytest.mark.parametrize("keep", [0.5, 3 * 4096])
def test_a_store_cut_short_is_said_in_bytes_and_pages(tmp_path, capsys, keep):
    """A case store cut short (a copy stopped part-way, `truncate`, a disk that filled) was a score of lines of
    "database disk image is malformed" and integrity-check page numbers, none saying the file had been cut. It is
    now said first, once: how long the file is and how long its header says it was."""
    from tests import gui_case

    case = Case.open(tmp_path / "case")
    for name in ("en_voicenote.opus", "interview_mono.wav", "de_voicenote.opus"):
        exhibit = gui_case.add(case, name)
        gui_case.add_run(case, exhibit.id, tuple(gui_case.segment(i * 1000, f"line {i} " * 40, None)
                                                 for i in range(60)))
    case.close()
    assert verify(capsys, tmp_path / "case") == (0, [])
    store = tmp_path / "case" / "case.sqlite"
    whole = store.stat().st_size
    cut = int(whole * keep) // 4096 * 4096 if keep < 1 else int(keep)
    assert 0 < cut < whole
    with open(store, "r+b") as handle:
        handle.truncate(cut)
    code, lines = verify(capsys, tmp_path / "case")
    said = [line for line in lines if "cut short" in line]
    expected = (f"case store: the file is cut short: {cut:,} bytes, where its header counts {whole // 4096:,} pages "
                f"of 4,096 bytes ({whole:,}): what was after byte {cut:,} is lost, and the other findings were read "
                "from what is left")
    assert code == 1 and said == [expected], lines
    assert not any("Traceback" in line for line in lines)
