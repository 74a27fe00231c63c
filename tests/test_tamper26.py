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
