"""Hostile expert, session 18 (second round): the store's schema edited where nothing read it.

- an index or a trigger of the store dropped (other than a guard trigger, or migration 005's): "nothing found";
  a chat imported after `chat_messages_search` was dropped is never found by a search;
- `PRAGMA user_version` set to another number over the same schema: 13 made every command, `verify` too,
  re-run migration 014 over itself and refuse the case ("duplicate column name: sha256"), nothing checked;
  2 or 8 likewise. The schema it holds is read as it stands, and said (a number past this Parley's is still
  refused as a newer Parley's: its migrations may change no schema).
"""

from __future__ import annotations

import sqlite3

import pytest

from app.core.evidence.provenance import software_info
from app.core.store import Case
from app.core.store.db import schema_version
from app.core.types import Segment
from tests.test_verify import MODEL, _sql, verify


@pytest.fixture()
def case_dir(tmp_path, monkeypatch):
    """A case of one recording with a finished run, made by this account (its own heads folder)."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    from app.core.media.decode import probe
    from tests.conftest import MEDIA
    folder = tmp_path / "case"
    case = Case.open(folder)
    try:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me at the docks"),), {}, "en", 0.98)
        case.finish_run(run)
    finally:
        case.close()
    return folder


def _user_version(folder) -> int:
    conn = sqlite3.connect(folder / "case.sqlite")
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.parametrize("dropped", ["index segments_run", "index jobs_dedupe", "index revisions_run",
                                     "trigger chat_messages_search", "trigger chats_newest_reading_searched"])
def test_an_index_or_trigger_dropped_is_a_finding(case_dir, capsys, dropped):
    assert verify(capsys, case_dir) == (0, [])
    kind, name = dropped.split()
    _sql(case_dir, f"DROP {kind.upper()} {name}")
    code, lines = verify(capsys, case_dir)
    assert code == 1 and len(lines) == 1 and f"{dropped} missing" in lines[0] and "edited outside Parley" in lines[0], lines


def test_store_maintenance_drops_nothing(case_dir, capsys):
    """Control: VACUUM, REINDEX and ANALYZE keep every index and trigger (ANALYZE's own table aside)."""
    _sql(case_dir, "REINDEX", "ANALYZE")
    conn = sqlite3.connect(case_dir / "case.sqlite")
    conn.execute("VACUUM")
    conn.close()
    assert verify(capsys, case_dir) == (0, [])


@pytest.mark.parametrize("number", [13, 2, 8])
def test_a_store_numbered_otherwise_than_its_schema_is_verified_as_it_stands(case_dir, capsys, number):
    assert verify(capsys, case_dir) == (0, [])
    _sql(case_dir, f"PRAGMA user_version={number}")
    code, lines = verify(capsys, case_dir)
    assert code == 1 and len(lines) == 1, lines
    assert lines[0].startswith("case store: ") and f"numbered schema {number} (PRAGMA user_version), but it holds " \
        f"schema {schema_version()}" in lines[0] and "changed outside Parley" in lines[0], lines
    # read as the schema it holds: its number written back, every check ran, nothing else changed
    assert _user_version(case_dir) == schema_version()
    assert verify(capsys, case_dir) == (1, lines)  # said on every run since session 19 (was: once)
    case = Case.open(case_dir)  # every other command opens it too (was: refused, or migrated over itself)
    try:
        assert [s.text for s in case.segments(1)] == ["meet me at the docks"]
    finally:
        case.close()


def test_an_older_case_is_still_migrated(tmp_path, monkeypatch):
    """Control: a store made by migrations 1 to 13 and numbered so is brought up to date, not said renumbered."""
    from app.core.store import db
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    folder = tmp_path / "old"
    folder.mkdir()
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    for number, path in db.migrations():
        if number > 13:
            break
        for statement in db.statements(path.read_text(encoding="utf-8")):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={number}")
    assert db.misnumbered(conn) is None
    conn.close()
    said: list[str] = []
    db.connect(folder, said).close()
    assert said == [] and _user_version(folder) == schema_version()
