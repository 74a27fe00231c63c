"""The case store: migrations, exhibits by SHA-256, segments and words, the audit chain."""

from __future__ import annotations

import os
import sqlite3

import pytest

from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.store.db import schema_version
from app.core.types import ModelInfo, Segment, Word
from tests.conftest import MEDIA

MODEL = ModelInfo("base", "/models/base", "ab" * 32)


def _run_with_segments(case: Case) -> int:
    exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    run_id = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
    segment = Segment(0, 1500, "Spotkajmy się jutro", words=(Word(0, 700, " Spotkajmy", 0.91),
                                                              Word(700, 1500, " się jutro", 0.5)))
    case.append_segments(run_id, (segment,), {"done_ms": {"mix": 2000}}, "pl", 0.9)
    case.append_segments(run_id, (Segment(2000, 3000, "o ósmej", speaker="Left", channel=0),),
                         {"done_ms": {"mix": 3000}}, "pl", 0.9)
    case.finish_run(run_id)
    return run_id


def test_schema_is_migrated_to_the_latest_version(case):
    assert case.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
    reopened = Case.open(case.folder)
    assert reopened.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()


def test_exhibits_are_unique_by_sha256_and_duplicates_are_linked(case, tmp_path):
    import shutil

    copy = tmp_path / "copy_of_note.opus"
    shutil.copy(MEDIA / "en_voicenote.opus", copy)
    first, new1 = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
    second, new2 = case.add_exhibit(probe(copy), found_at=str(copy))
    assert new1 and not new2 and first.id == second.id
    assert case.exhibit(first.id).paths == (os.path.abspath(MEDIA / "en_voicenote.opus"), str(copy))  # as named
    assert len(case.exhibits()) == 1


def test_segments_and_words_round_trip_in_milliseconds(case):
    run_id = _run_with_segments(case)
    transcript = case.transcript(run_id)
    assert transcript.language == "pl"
    assert [s.text for s in transcript.segments] == ["Spotkajmy się jutro", "o ósmej"]
    assert transcript.segments[0].words[1] == Word(700, 1500, " się jutro", 0.5)
    assert transcript.segments[1].speaker == "Left" and transcript.segments[1].channel == 0
    assert case.run(run_id).state == {"done_ms": {"mix": 3000}}
    assert transcript.source.sha256 == probe(MEDIA / "en_voicenote.opus").sha256


def test_audit_chain_verifies_and_refuses_edits(case):
    _run_with_segments(case)
    assert case.audit.verify() == []
    actions = [e.action for e in case.audit.entries()]
    assert actions[:2] == ["exhibit.added", "run.started"] and actions[-1] == "run.complete"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        case.conn.execute("UPDATE audit_log SET actor='someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        case.conn.execute("DELETE FROM audit_log")


def test_audit_chain_detects_tampering(case):
    _run_with_segments(case)
    case.conn.execute("DROP TRIGGER audit_log_no_update")  # what a forger with SQLite would do
    case.conn.execute("UPDATE audit_log SET details_json='{}' WHERE id=2")
    problems = case.audit.verify()
    assert problems and "entry 2" in problems[0]


def test_find_exhibit_by_name_id_and_hash_prefix(case):
    exhibit, _ = case.add_exhibit(probe(MEDIA / "pl_voicenote.opus"))
    assert case.find_exhibit("pl_voicenote.opus").id == exhibit.id
    assert case.find_exhibit(str(exhibit.id)).id == exhibit.id
    assert case.find_exhibit(exhibit.source.sha256[:10]).id == exhibit.id
