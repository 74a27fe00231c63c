"""`check-export`: an export set checked against its own manifest by someone who has the files and
not the case (the defence's expert): each change, slipped-in file or wrong source named."""

from __future__ import annotations

import shutil

import pytest

from app.cli import main
from tests.conftest import MEDIA
from tests.test_cli_mistakes import run
from tests.test_model_tamper import flip_byte

NOTE = MEDIA / "en_voicenote.opus"


@pytest.fixture(scope="module")
def exported(tmp_path_factory, models_dir):
    folder = tmp_path_factory.mktemp("check_export")
    code = main(["transcribe", str(NOTE), "--model", "tiny.en", "--case", str(folder / "case"),
                 "--out", str(folder / "out"), "--format", "json,txt,docx"])
    assert code == 0
    return folder / "out"


@pytest.fixture
def received(exported, tmp_path):
    """The set as the other side receives it: copied elsewhere, no case."""
    shutil.copytree(exported, tmp_path / "received")
    return tmp_path / "received"


def test_a_set_as_written_checks_clean_with_its_source(capsys, received):
    code, out, err = run(capsys, "check-export", str(received / "en_voicenote.manifest.json"), "--source", str(NOTE))
    assert (code, err) == (0, "")
    assert "3 file(s) as the manifest lists them (SHA-256 and size); source en_voicenote.opus SHA-256 matches" in out
    assert "audit head when written: entry " in out


@pytest.mark.parametrize("change", ["one byte", "a byte appended", "deleted"])
def test_each_changed_or_missing_file_is_named(capsys, received, change):
    target = received / "en_voicenote.txt"
    if change == "one byte":
        flip_byte(target, 10)
    elif change == "a byte appended":
        with open(target, "ab") as handle:
            handle.write(b" ")
    else:
        target.unlink()
    code, _out, err = run(capsys, "check-export", str(received / "en_voicenote.manifest.json"))
    assert code == 1
    expected = {"one byte": "en_voicenote.txt: SHA-256 differs from the manifest's: changed since it was written",
                "a byte appended": "en_voicenote.txt: ",
                "deleted": "en_voicenote.txt: missing (listed in the manifest)"}[change]
    lines = err.splitlines()
    assert len(lines) == 2 and expected in lines[0] and lines[1] == "1 problem(s)"
    if change == "a byte appended":
        assert "bytes, the manifest says" in lines[0]


def test_a_file_slipped_in_beside_the_set_is_named_but_another_sets_files_are_not(capsys, received):
    (received / "en_voicenote.pdf").write_bytes(b"%PDF-1.4 not Parley's")
    for name in ("en_voicenote.opus.json", "en_voicenote.opus.manifest.json"):  # another set, longer name
        (received / name).write_text("{}", encoding="utf-8")
    code, _out, err = run(capsys, "check-export", str(received / "en_voicenote.manifest.json"))
    assert code == 1
    assert err.splitlines() == [(f"{received / 'en_voicenote.manifest.json'}: en_voicenote.pdf: beside the set, "
                                "not listed in its manifest"), "1 problem(s)"]


def test_another_recording_given_as_the_source_is_refused(capsys, received):
    code, _out, err = run(capsys, "check-export", str(received / "en_voicenote.manifest.json"),
                         "--source", str(MEDIA / "en_voicenote.m4a"))
    assert code == 1
    assert "en_voicenote.m4a: SHA-256 " in err and "is not the transcribed source's" in err


@pytest.mark.parametrize("given", ["en_voicenote.txt", "missing.manifest.json", "not_json.manifest.json"])
def test_what_is_not_a_manifest_is_one_line(capsys, received, given):
    (received / "not_json.manifest.json").write_text("{'files': ", encoding="utf-8")
    code, out, err = run(capsys, "check-export", str(received / given))
    assert (code, out) == (1, "") and len(err.splitlines()) == 1
    assert err.startswith("check-export: ")
