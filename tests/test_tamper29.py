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
