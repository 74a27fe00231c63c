"""Session 28: what a defence expert tried that the earlier sweeps did not.

A record of interview handed over as DOCX or PDF alone (no JSON or TXT beside it), its manifest edited to name
another model, recording or beam width with its files' hashes left right: `check-export` said "nothing found". A
record of interview's TXT (its header opening "RECORD OF INTERVIEW") and a VTT were never read either.
"""

from __future__ import annotations

import pytest

from tests.test_model_tamper import installed, pristine  # noqa: F401 - fixtures: tiny.en imported, a copy
from tests.test_tamper22 import case_dir  # noqa: F401 - the fixture: a voice note transcribed, closed
from tests.test_tamper24 import _manifest_edited

EDITS = {
    "model.name": lambda d: d["model"].update(name="large-v3"),
    "model.sha256": lambda d: d["model"].update(sha256="9" * 64),
    "source.sha256": lambda d: d["source"].update(sha256="a" * 64),
    "settings.beam_size": lambda d: d["settings"].update(beam_size=1),
    "run_id": lambda d: d.update(run_id=7),
    "status": lambda d: d.update(status="verified"),  # a machine draft handed on as the checked record
}


def _exported(case_dir, out, formats: str, interview: bool = False):  # noqa: F811
    from app.cli import main

    if interview:
        assert main(["interview", "1", "--case-ref", "OP/2024/17", "--interviewee", "John Smith", "--officer",
                     "DC Jones", "--by", "DC Jones", "--case", str(case_dir)]) == 0
    assert main(["export", "1", "--case", str(case_dir), "--out", str(out), "--format", formats]) == 0
    return out / "note.manifest.json"


@pytest.mark.parametrize("formats, fact, said_as", [
    ("docx", "model.name", "model.name"), ("docx", "model.sha256", "model.sha256"),
    ("docx", "source.sha256", "source.sha256"), ("docx", "settings.beam_size", "settings.beam_size"),
    ("pdf", "model.name", "model.name"), ("pdf", "model.sha256", "model.sha256"),
    ("pdf", "source.sha256", "source.sha256"), ("pdf", "settings.beam_size", "settings.beam_size"),
    ("docx", "status", "status"), ("pdf", "status", "status"), ("vtt", "status", "status"),
    ("vtt", "model.sha256", "model.sha256"), ("vtt", "settings.beam_size", "settings.beam_size"), ("vtt", "run_id", "run_id"),
])
def test_a_set_of_documents_alone_whose_manifest_was_edited_is_said_by_check_export(case_dir, tmp_path, capsys,  # noqa: F811
                                                                                  formats, fact, said_as):
    from app.cli import main

    manifest = _exported(case_dir, tmp_path / "out", formats)
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0  # as written: nothing to say
    _manifest_edited(manifest, EDITS[fact])
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 1
    said = [line for line in capsys.readouterr().err.splitlines() if "the manifest was edited after the export" in line]
    assert len(said) == 1 and f"gives {said_as} as " in said[0] and f"note.{formats}" in said[0], said


@pytest.mark.parametrize("fact", ["model.name", "source.sha256", "settings.beam_size"])
def test_a_record_of_interviews_txt_vouches_against_its_edited_manifest(case_dir, tmp_path, capsys, fact):  # noqa: F811
    """The TXT of a recording with interview details opens "RECORD OF INTERVIEW" and its provenance comes after
    them: it was skipped, so a txt-only set's manifest could name anything."""
    from app.cli import main

    manifest = _exported(case_dir, tmp_path / "out", "txt", interview=True)
    assert (tmp_path / "out" / "note.txt").read_text(encoding="utf-8").startswith("RECORD OF INTERVIEW")
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0
    _manifest_edited(manifest, EDITS[fact])
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 1
    assert "the manifest was edited after the export" in capsys.readouterr().err


def test_an_interviews_documents_as_written_are_quiet(case_dir, tmp_path, capsys):  # noqa: F811
    """The control: every format of a record of interview, untouched, is nothing found."""
    from app.cli import main

    manifest = _exported(case_dir, tmp_path / "out", "json,txt,srt,vtt,docx,pdf", interview=True)
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0, capsys.readouterr().err


# ------------------------------------------------------------------ a kill inside a migration, on opening an older case

KILLED_BEFORE_COMMIT = """
import os, signal, sys
from contextlib import contextmanager
from pathlib import Path
from app.core.store import db
real = db.transaction

@contextmanager
def killed_before_commit(conn, immediate=True):
    with real(conn, immediate) as held:
        yield held
        if int(held.execute("PRAGMA user_version").fetchone()[0]) == db.schema_version():
            os.kill(os.getpid(), signal.SIGKILL)  # every migration applied, the number written: not yet committed

db.transaction = killed_before_commit
from app.core.store import Case
Case.open(Path(sys.argv[1]))
"""


def test_a_kill_inside_the_migration_of_an_older_case_leaves_it_to_open_migrate_and_verify(case_dir, capsys):  # noqa: F811
    """An older case (schema 14, before the audit log's subject index) opened, the process SIGKILLed with every
    migration applied but not committed: the store is the older one still, and the next open migrates it, the
    log as it was (a guard: migrations are one transaction; this held at main too)."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    from tests.test_tamper21 import _as_schema_14
    from tests.test_verify import verify

    head = (case_dir / "audit-head.json").read_text()
    _as_schema_14(case_dir)
    env = {**os.environ, "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", KILLED_BEFORE_COMMIT, str(case_dir)], env=env, check=False,
                          capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    conn = sqlite3.connect(case_dir / "case.sqlite")
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 14  # the migration rolled back whole
    finally:
        conn.close()
    assert verify(capsys, case_dir) == (0, [])
    from app.core.store import Case

    Case.open(case_dir).close()
    assert verify(capsys, case_dir) == (0, []) and (case_dir / "audit-head.json").read_text() == head


# ------------------------------------------------------------------ a known model's weights swapped, its record rewritten

@pytest.mark.parametrize("changed", ["model.bin", "config.json"])
def test_models_verify_says_a_known_models_files_swapped_with_its_record_rewritten(installed, capsys,  # noqa: F811
                                                                                   changed):
    """tiny.en's weights (or its configuration) replaced, the same size, and its parley-model.json rewritten to
    match: `models verify tiny.en` said "every file matches its recorded SHA-256", exit 0. The catalogue of known
    models knows tiny.en's files: it is now a finding naming it."""
    from app.cli import main
    from tests.test_model_tamper import _manifest_follows, flip_byte

    assert main(["models", "verify", "tiny.en", "--models-dir", str(installed.parent)]) == 0
    assert "every file matches the known model tiny.en" in capsys.readouterr().err
    flip_byte(installed / changed, 700)
    _manifest_follows(installed, changed)
    code = main(["models", "verify", "tiny.en", "--models-dir", str(installed.parent)])
    err = capsys.readouterr().err
    assert code == 1 and ("not those of the known model tiny.en" in err if changed == "model.bin"
                          else "not the model it claims to be" in err), err
