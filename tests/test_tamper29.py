"""Session 29: what a defence expert tried that the earlier sweeps did not.

A record of interview handed over as DOCX or PDF alone, its manifest edited to name another run (so that
`reproduce` and whoever reads the case are pointed at another transcript), its files' hashes left right:
`check-export` said "nothing found", because the record did not print the run.
"""

from __future__ import annotations

import pytest

from tests.test_tamper22 import case_dir  # noqa: F401 - the fixture: a voice note transcribed, closed
from tests.test_tamper24 import _manifest_edited
from tests.test_tamper28 import _exported


@pytest.mark.parametrize("formats", ["docx", "pdf"])
def test_a_record_handed_over_alone_with_its_manifests_run_edited_is_said_by_check_export(case_dir, tmp_path, capsys,  # noqa: F811
                                                                                        formats):
    from app.cli import main

    manifest = _exported(case_dir, tmp_path / "out", formats, interview=True)
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0  # as written: nothing to say
    _manifest_edited(manifest, lambda d: d.update(run_id=int(d["run_id"]) + 7))
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 1
    said = [line for line in capsys.readouterr().err.splitlines() if "the manifest was edited after the export" in line]
    assert len(said) == 1 and "gives run_id as " in said[0] and f"note.{formats}" in said[0], said


def test_an_srt_handed_over_alone_is_said_to_vouch_for_none_of_its_manifests_facts(case_dir, tmp_path, capsys):  # noqa: F811
    """An SRT has no place for provenance: its manifest edited to name another model was "nothing found", read as
    if the set had borne the manifest out. Now check-export says the set's files say nothing of what made them and
    what to ask for; a set that carries its provenance does not get the note."""
    from app.cli import main

    manifest = _exported(case_dir, tmp_path / "srt", "srt")
    _manifest_edited(manifest, lambda d: d["model"].update(name="large-v3"))
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0  # the SRT's bytes are as listed: nothing found in them
    said = capsys.readouterr().out
    assert "note: note.srt says nothing of what made it" in said and "large-v3" in said, said
    assert "nothing found" in said
    manifest = _exported(case_dir, tmp_path / "both", "srt,txt")
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0
    assert "note:" not in capsys.readouterr().out


# ------------------------------------------------------------------ a case on a disk with no room left

@pytest.fixture()
def full_disk(tmp_path):
    from tests.disk_helpers import small_tmpfs

    yield from small_tmpfs(tmp_path, "usb", "2m")


def test_a_case_on_a_full_disk_is_said_to_be_on_a_full_disk_not_a_failing_one(case_dir, full_disk, capsys):  # noqa: F811
    """The case's disk filled (by anything): every command, `verify` too, said "disk I/O error: a failing disk, or a
    file system that cannot hold SQLite's write-ahead log ...; keep the case on a local disk", sending the user to
    move a case that was on a local disk. Now it says the disk is full, and the case, once there is room, is whole."""
    import shutil

    from app.cli import main

    shutil.copytree(case_dir, full_disk / "case")
    filler = full_disk / "filler"
    with filler.open("wb", buffering=0) as out:  # what filled the disk: another program's file
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass
    for command in (["exhibits"], ["verify"]):
        capsys.readouterr()
        assert main([*command, "--case", str(full_disk / "case")]) == 1
        said = capsys.readouterr().err.strip().splitlines()
        assert len(said) == 1 and "the disk holding the case is full" in said[0], said
        assert "failing disk" not in said[0]
    filler.unlink()
    capsys.readouterr()
    assert main(["verify", "--case", str(full_disk / "case")]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("formats", ["docx", "pdf", "txt", "vtt"])
@pytest.mark.parametrize("fact, edit", [
    ("verified_by", lambda d: d.update(verified_by="DS Brown")),  # who signed the record off
    ("software", lambda d: d["software"]["components"].update({"parley-source": "b" * 64})),  # which code made it
    ("created_at", lambda d: d.update(created_at="2020-01-01T00:00:00.000Z")),  # when it was made
    ("source.bytes", lambda d: d["source"].update(bytes=d["source"]["bytes"] + 1)),
])
def test_a_set_alone_whose_manifest_names_another_verifier_code_time_or_size_is_said(case_dir, tmp_path, capsys,  # noqa: F811
                                                                                   formats, fact, edit):
    """Each format prints who verified the text, the software, when it was made and the recording's size; the
    manifest edited to say otherwise, its files' hashes left right, was "nothing found" beside any of them."""
    from app.cli import main

    assert main(["signoff", "1", "--by", "DS Patel", "--case", str(case_dir)]) == 0
    manifest = _exported(case_dir, tmp_path / "out", formats)
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0, capsys.readouterr().err  # as written: nothing to say
    _manifest_edited(manifest, edit)
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 1
    said = [line for line in capsys.readouterr().err.splitlines() if "the manifest was edited after the export" in line]
    assert len(said) == 1 and f"gives {fact}" in said[0] and f"note.{formats}" in said[0], said


LONG_NAME = ("WhatsApp Audio 2024-03-13 at 09.15.22 from the handset seized at the address in Leeds, exhibit DC-4471-B "
             "as extracted by the forensic unit on the second attempt after the first image failed (copy two).opus")


def case_named(tmp_path, monkeypatch, name: str, settings: dict | None = None):
    """A case of one voice note called `name`, its text typed in (no model run, `settings` its run's, beam 5 when
    not given): the case's folder."""
    import shutil

    from app.core.evidence.provenance import software_info
    from app.core.media.decode import probe
    from app.core.store import Case
    from app.core.types import Segment
    from tests.conftest import MEDIA
    from tests.test_verify import MODEL

    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    (tmp_path / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "evidence" / name)
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(tmp_path / "evidence" / name))
        run = case.start_run(exhibit.id, "transcribe", MODEL, settings or {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
        case.finish_run(run)
    finally:
        case.close()
    return tmp_path / "case"


def test_a_recording_whose_long_name_wraps_in_the_record_is_no_false_alarm(tmp_path, monkeypatch, capsys):
    """The PDF wraps a long recording name onto the row's next line: read as the first line alone, an honest set
    would give "gives source.name as ..., but note.pdf ... gives WhatsApp Audio ...": the control for reading the
    record's name back."""
    from app.cli import main

    case_named(tmp_path, monkeypatch, LONG_NAME)
    assert main(["export", "1", "--case", str(tmp_path / "case"), "--out", str(tmp_path / "out"), "--format",
                 "pdf,docx,txt,vtt"]) == 0
    capsys.readouterr()
    manifest = next((tmp_path / "out").glob("*.manifest.json"))
    assert main(["check-export", str(manifest)]) == 0, capsys.readouterr().err
    for kind in ("docx", "txt", "vtt"):  # the PDF alone: the name read back whole off its lines
        manifest.with_name(manifest.name.replace(".manifest.json", f".{kind}")).unlink()
    _manifest_edited(manifest, lambda d: d.update(files=[f for f in d["files"] if f["file"].endswith(".pdf")]))
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0, capsys.readouterr().err
    _manifest_edited(manifest, lambda d: d["source"].update(name=LONG_NAME.replace("copy two", "copy one")))
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 1
    assert "gives source.name as " in capsys.readouterr().err
