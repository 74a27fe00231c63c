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
