"""Session 30: what `check-export` still took on the manifest's word, and `verify`'s count of originals.

Also who exported a set, when, and the task (transcribe, Whisper's speech translation, a text translation): a TXT,
DOCX or PDF prints the first two ("Exported ... by NAME with ..."), every record's language words the third, and a
manifest naming another exporter, time or task beside them was "nothing found".

A set handed over alone, its manifest edited to say the recording was heard in another language (or translated
from one, or with the language set by the user), gave "nothing found": every format writes the language in words
("en (p=0.98)", "English (detected automatically, p=0.98)"), none was read back. A translation's TXT header
("TRANSLATION OF A RECORDING") was not read at all, so its manifest could name any model, recording or language. A
TXT's recording name (the line under its heading) was not read. `verify` said "5 original(s)" of a case of 4
exhibits: every path an exhibit was found at is re-hashed, a copy under another name too.
"""

from __future__ import annotations

import shutil

import pytest

from tests.test_defencefix29 import _alone, _checked
from tests.test_tamper24 import _manifest_edited
from tests.test_tamper29 import case_named
from tests.test_translate_cli import TINY_M2M

LANGUAGE_EDITS = {
    "language": lambda d: d.update(language="pl"),
    "source_language": lambda d: d.update(source_language="de"),
    "settings.language": lambda d: d["settings"].update(language="pl"),
}
EXPORT_EDITS = {  # the TXT and VTT "Exported:" line, the DOCX and PDF "Exported" row (a PDF's name: its Subject)
    "exported_by": lambda d: d.update(exported_by="DCI Somebody"),
    "exported_at": lambda d: d.update(exported_at="2020-01-01T00:00:00.000Z"),
    "task": lambda d: d.update(task="translate"),
}


@pytest.mark.parametrize("fmt", ["txt", "vtt", "docx", "pdf"])
def test_a_set_alone_whose_manifest_names_another_language_task_or_exporter_is_said(tmp_path, monkeypatch, capsys, fmt):
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "note.opus")
    assert main(["signoff", "1", "--by", "DS Patel", "--case", str(case)]) == 0
    manifest = _alone(case, tmp_path / "set", fmt)
    code, out, err = _checked(manifest, capsys)
    assert code == 0, out + err  # the control: untouched, quiet
    edits = LANGUAGE_EDITS | EXPORT_EDITS | {"source.name": lambda d: d["source"].update(name="other.opus")}
    for key, edit in edits.items():
        edited = tmp_path / key
        shutil.copytree(manifest.parent, edited)
        _manifest_edited(edited / manifest.name, edit)
        code, _, err = _checked(edited / manifest.name, capsys)
        assert code == 1 and f"gives {key} as " in err and "edited after the export" in err, (key, err)


def test_a_translations_text_alone_is_read_back(tmp_path, monkeypatch, capsys):
    """Its header opens "TRANSLATION OF A RECORDING": skipped, any edit of its manifest was "nothing found"."""
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "note.opus")
    out = tmp_path / "translated"
    assert main(["translate", str(tmp_path / "evidence" / "note.opus"), "--case", str(case), "--model",
                 str(TINY_M2M), "--to", "fr", "--out", str(out), "--format", "txt"]) == 0, capsys.readouterr().err
    manifest = next(out.glob("*.manifest.json"))
    code, said, err = _checked(manifest, capsys)
    assert code == 0, said + err
    edits = {"model.name": lambda d: d["model"].update(name="nllb-200-3.3B"),
             "task": lambda d: d.update(task="transcribe"),
             "source.name": lambda d: d["source"].update(name="other.opus"), **LANGUAGE_EDITS}
    for key, edit in edits.items():
        edited = tmp_path / key
        shutil.copytree(out, edited)
        _manifest_edited(edited / manifest.name, edit)
        code, _, err = _checked(edited / manifest.name, capsys)
        assert code == 1 and f"gives {key.split('.')[0] if key == 'settings.language' else key}" in err, (key, err)


def test_a_txt_alone_whose_manifest_names_another_recording_is_said(tmp_path, monkeypatch, capsys):
    case = case_named(tmp_path, monkeypatch, "note.opus")
    manifest = _alone(case, tmp_path / "set", "txt")
    _manifest_edited(manifest, lambda d: d["source"].update(name="interview.opus"))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives source.name as interview.opus, but note.txt" in err, err


def test_verify_counts_exhibits_and_the_original_files_rehashed(tmp_path, monkeypatch, capsys):
    """A copy under another name is one exhibit with two original files: "2 original(s)" read as two exhibits."""
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "note.opus")
    assert main(["verify", "--case", str(case)]) == 0
    assert "; 1 original(s), " in capsys.readouterr().out
    shutil.copy(tmp_path / "evidence" / "note.opus", tmp_path / "evidence" / "note copy.opus")
    assert main(["exhibits", "--case", str(case)]) == 0  # nothing taken in by a listing
    assert main(["queue", "add", str(tmp_path / "evidence"), "--case", str(case)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["verify", "--case", str(case)]) == 0
    assert "; 1 exhibit(s) from 2 original file(s) (a copy at another path, under another name" in capsys.readouterr().out


def test_a_pdf_exported_by_a_name_outside_the_latin_scripts_is_checked_exactly(tmp_path, monkeypatch, capsys):
    """The PDF's "Exported" row does not give "王伟 警官" back as written; its Subject does, so the untouched set is
    quiet with no note, and a manifest naming another exporter is said."""
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "note.opus")
    out = tmp_path / "set"
    assert main(["export", "1", "--case", str(case), "--out", str(out), "--format", "pdf",
                 "--by", "王伟 警官"]) == 0
    manifest = next(out.glob("*.manifest.json"))
    code, said, err = _checked(manifest, capsys)
    assert code == 0 and "not read back" not in said, said + err
    _manifest_edited(manifest, lambda d: d.update(exported_by="李娜 警官"))
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and "gives exported_by as 李娜 警官, but note.pdf" in err, err


@pytest.mark.parametrize("edit, said", [
    (lambda d: d["files"].append(dict(d["files"][0])), "note.txt: listed more than once"),
    (lambda d: d["files"][0].update(bytes=float("nan")), "note.txt: its size in the manifest, NaN, is not a whole"),
    (lambda d: d["files"][0].update(bytes="1676"), "its size in the manifest, \"1676\", is not a whole number"),
    (lambda d: d["files"].append({"file": "note.manifest.json", "sha256": "0" * 64}), "the manifest lists itself"),
])
def test_a_manifest_listing_a_file_twice_or_a_size_that_is_no_number_is_said(tmp_path, monkeypatch, capsys, edit, said):
    """A file listed twice gave "2 file(s) as the manifest lists them" for a set of one, and a size of NaN or a
    string was not compared: "nothing found" for manifests Parley never writes."""
    case = case_named(tmp_path, monkeypatch, "note.opus")
    manifest = _alone(case, tmp_path / "set", "txt")
    code, _, _ = _checked(manifest, capsys)
    assert code == 0
    _manifest_edited(manifest, edit)
    code, _, err = _checked(manifest, capsys)
    assert code == 1 and said in err and "Traceback" not in err, err


def test_a_case_copied_and_both_copies_worked_on_is_noted_in_each(tmp_path, monkeypatch, capsys):
    """Each copy verified clean alone: two versions of one evidence's case said nothing. A backup copy left as it was
    is no note in the case worked on; a case moved away leaves none."""
    from app.cli import main

    case = case_named(tmp_path, monkeypatch, "note.opus")
    assert main(["verify", "--case", str(case)]) == 0
    copy = tmp_path / "case copy"
    shutil.copytree(case, copy)
    assert main(["verify", "--case", str(copy)]) == 0
    assert main(["signoff", "1", "--by", "DS Patel", "--case", str(case)]) == 0
    capsys.readouterr()
    assert main(["verify", "--case", str(case)]) == 0
    assert "began with this case's log" not in capsys.readouterr().out  # the copy is an older state of this log
    assert main(["signoff", "1", "--by", "DS Brown", "--case", str(copy)]) == 0
    for here, there in ((case, copy), (copy, case)):
        capsys.readouterr()
        assert main(["verify", "--case", str(here)]) == 0  # a note: copying a case is no tampering
        assert f"note: audit log: the case at {there} began with this case's log" in capsys.readouterr().out
    shutil.rmtree(copy)
    capsys.readouterr()
    assert main(["verify", "--case", str(case)]) == 0
    assert "began with this case's log" not in capsys.readouterr().out


@pytest.mark.parametrize("room_kb", [2, 6, 24])
def test_an_export_stopped_by_a_full_disk_leaves_nothing_on_it(tmp_path, monkeypatch, capsys, room_kb):
    """The set's staging folder (`.parley-export-PID-...`), with the files half-written in it, stayed on the full
    disk after "nothing of it was kept" (only the next export there removed it). Room made, the export succeeds."""
    from app.cli import main
    from tests.disk_helpers import small_tmpfs

    case = case_named(tmp_path, monkeypatch, "note.opus")
    disk_made = small_tmpfs(tmp_path, "disk", "96k")
    disk = next(disk_made)
    try:
        (disk / "out").mkdir()
        free = shutil.disk_usage(disk).free // 1024
        (disk / "filler").write_bytes(b"\0" * max(0, free - room_kb) * 1024)
        capsys.readouterr()
        words = ["export", "1", "--case", str(case), "--out", str(disk / "out"), "--format", "json,txt,docx,pdf"]
        code = main(words)
        err = capsys.readouterr().err
        assert code == 1 and "No space left on device" in err and "Traceback" not in err, err
        assert sorted(p.name for p in (disk / "out").iterdir()) == []
        (disk / "filler").unlink()
        assert main(words) == 0
        assert main(["verify", "--case", str(case)]) == 0
    finally:
        next(disk_made, None)


def test_an_export_of_every_exhibit_stopped_by_a_full_disk_says_which_sets_are_whole(tmp_path, monkeypatch, capsys):
    """`export` writes each exhibit's set in turn: the first in place and printed, the second stopped by the full
    disk said "...; nothing of it was kept", read as the whole export; it now says which set, and that those
    printed above are whole."""
    from app.cli import main
    from app.core.evidence.provenance import software_info
    from app.core.media.decode import probe
    from app.core.store import Case
    from app.core.types import Segment
    from tests.conftest import MEDIA
    from tests.disk_helpers import small_tmpfs
    from tests.test_verify import MODEL

    case = case_named(tmp_path, monkeypatch, "a note.opus")
    shutil.copy(MEDIA / "en_voicenote.m4a", tmp_path / "evidence" / "b long.m4a")
    opened = Case.open(case)
    try:
        exhibit, _ = opened.add_exhibit(probe(tmp_path / "evidence" / "b long.m4a"))
        run = opened.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        said = tuple(Segment(i * 100, i * 100 + 90, f"line {i} of a long statement " * 8) for i in range(400))
        opened.append_segments(run, said, {}, "en", 0.98)
        opened.finish_run(run)
    finally:
        opened.close()
    disk_made = small_tmpfs(tmp_path, "disk", "64k")
    disk = next(disk_made)
    try:
        capsys.readouterr()
        assert main(["export", "--case", str(case), "--out", str(disk / "out"), "--format", "json,txt"]) == 1
        out, err = capsys.readouterr()
        assert "a note.json" in out and "b long.json" not in out, out
        assert "nothing of it was kept (of b long.m4a's set; the 1 set(s) printed above are whole" in err, err
        assert sorted(p.name for p in (disk / "out").iterdir()) == ["a note.json", "a note.manifest.json",
                                                                     "a note.txt"]
    finally:
        next(disk_made, None)
