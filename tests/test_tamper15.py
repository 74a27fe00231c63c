"""Hostile expert, session 15: the store file and the files beside it, attacked as files.

- one byte that is not UTF-8 written into any text column (`CAST(X'..ff' AS TEXT)`) stopped `verify` at the
  first check that read it, with one line naming no table or row ("verify: Could not decode to UTF-8 column
  'text'..."): every other tampering in the case went unsaid behind it;
- a page of the store overwritten: an index that lost its rows made verify say "run N: the audit log saw it
  finish, but its status in the store is not complete" (the row is there; the index no longer finds it), a
  broken table page stopped verify with "database disk image is malformed" and nothing else; SQLite's own
  integrity check is now the first finding, and each check says what it could not read;
- a FIFO (named pipe) put where the audit head file or an export manifest was: verify (and `check-export`)
  blocked for ever opening it, and SIGTERM did not end it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from app.cli import main
from tests.conftest import REPO
from tests.test_verify import _forged, made, verify  # noqa: F401 - `made` is a fixture

DAMAGED = "case store: the file is damaged (SQLite's integrity check: "


def _flip_original(made) -> None:  # noqa: F811 - the fixture's value
    data = bytearray(made["original"].read_bytes())
    data[len(data) // 2] ^= 0x01
    made["original"].write_bytes(data)


# ------------------------------------------------------------------ text that is not UTF-8

@pytest.mark.parametrize(("statement", "said"), [
    ("UPDATE segments SET text=CAST(X'6d656574206d65ff' AS TEXT) WHERE id=1",
     ["run 1: the machine draft in the store differs from what was produced",
      "case store: segments.text: row 1: text that is not UTF-8"]),
    ("UPDATE audit_log SET details_json=CAST(X'7bff7d' AS TEXT) WHERE id=2",
     ["audit log: audit entry 2 (", "case store: audit_log.details_json: row 2: text that is not UTF-8"]),
    ("UPDATE exhibits SET container=CAST(X'6f676790' AS TEXT)",
     ["exhibit 1: its record in the store differs from the audit log (container)",
      "case store: exhibits.container: row 1: text that is not UTF-8"]),
])
def test_a_byte_that_is_not_utf8_is_said_where_it_is_and_hides_nothing_else(made, capsys, statement, said):  # noqa: F811
    assert verify(capsys, made["case"]) == (0, [])
    _forged(made["case"], statement)
    _flip_original(made)  # a second tampering, which the first must not hide
    code, lines = verify(capsys, made["case"])
    assert code == 1 and not any(line.startswith("verify:") for line in lines), lines
    assert any("SHA-256 differs from the one taken at intake" in line for line in lines), lines
    for start in said:
        assert any(line.startswith(start) for line in lines), (start, lines)
    assert len(lines) == 1 + len(said), lines


def test_text_that_is_not_utf8_in_a_working_copy_is_named(made, capsys):  # noqa: F811
    _forged(made["case"], "UPDATE working_segments SET text=CAST(X'6272696e67ff' AS TEXT) WHERE rowid=2")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith("case store: working_segments.text: row 2: text that is not UTF-8")
                             for line in lines), lines
    assert not any(line.startswith("verify:") for line in lines), lines


# ------------------------------------------------------------------ a page of the store overwritten

def _page(store, name: str) -> tuple[int, int]:
    conn = sqlite3.connect(store)
    try:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (name,)).fetchone()[0]
        return int(root), int(conn.execute("PRAGMA page_size").fetchone()[0])
    finally:
        conn.close()


def _overwrite_page(store, name: str, content: bytes) -> None:
    """The root page of table or index `name` replaced by `content` (padded to the page size)."""
    number, size = _page(store, name)
    with open(store, "r+b") as fh:
        fh.seek((number - 1) * size)
        fh.write(content.ljust(size, b"\0")[:size])


def _empty_index_leaf(size: int) -> bytes:
    # an index b-tree leaf holding no cells: well formed, but every row of its table is missing from it
    return bytes([0x0A, 0, 0, 0, 0, (size >> 8) & 0xFF, size & 0xFF, 0])


def test_an_index_that_lost_its_rows_is_said_as_damage_not_as_a_run_changed(made, capsys):  # noqa: F811
    store = made["case"] / "case.sqlite"
    assert not (made["case"] / "case.sqlite-wal").exists()
    _overwrite_page(store, "runs_exhibit", _empty_index_leaf(_page(store, "runs_exhibit")[1]))
    code, lines = verify(capsys, made["case"])
    assert code == 1 and lines[0].startswith(DAMAGED) and "missing from index runs_exhibit" in lines[0], lines
    assert not any(line.startswith("verify:") for line in lines), lines


def test_a_broken_table_page_stops_no_other_check(made, capsys):  # noqa: F811
    store = made["case"] / "case.sqlite"
    _overwrite_page(store, "audit_log", b"\x0d" + b"\xff" * 64)  # a table leaf whose header is nonsense
    _flip_original(made)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and lines[0].startswith(DAMAGED), lines
    assert any(line.startswith("audit log: could not be read from the store") for line in lines), lines
    assert not any(line.startswith("verify:") for line in lines), lines
    assert any("SHA-256 differs from the one taken at intake" in line for line in lines), lines


def test_a_sound_store_is_not_said_damaged_after_maintenance(made, capsys):  # noqa: F811
    conn = sqlite3.connect(made["case"] / "case.sqlite")
    conn.execute("VACUUM")
    conn.close()
    assert verify(capsys, made["case"]) == (0, [])


# ------------------------------------------------------------------ a FIFO where a small file was

def _cli(*args: str) -> subprocess.CompletedProcess:
    """As a user runs it; a hang is killed (and fails) rather than holding the suite."""
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_the_head_file_is_unreadable_not_a_hang(made):  # noqa: F811
    head = made["case"] / "audit-head.json"
    head.unlink()
    os.mkfifo(head)
    result = _cli("verify", "--case", str(made["case"]))
    lines = [line for line in result.stderr.splitlines() if not line.endswith("finding(s)")]
    assert result.returncode == 1 and lines == ["audit log: the head file beside the store is missing or unreadable"], \
        result.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_fifo_as_a_manifest_is_said_so_not_a_hang(made):  # noqa: F811
    manifest = made["out"] / "note.manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    os.mkfifo(made["out"] / "other.manifest.json")  # met by the look for exports the log does not list
    result = _cli("verify", "--case", str(made["case"]))
    lines = [line for line in result.stderr.splitlines() if not line.endswith("finding(s)")]
    replaced = f"{manifest}: exported file replaced by a named pipe (not read: it is not a file)"  # session 20
    assert result.returncode == 1 and lines == [replaced], result.stderr
    checked = _cli("check-export", str(manifest))
    assert checked.returncode == 1 and "not a readable export manifest" in checked.stderr, checked.stderr
    assert "Traceback" not in checked.stderr + result.stderr


# ------------------------------------------------------------------ a table's definition rewritten

def test_a_table_definition_rewritten_through_writable_schema_is_a_finding(made, capsys):  # noqa: F811
    """The CHECK that keeps an intake record's status to what Parley writes, taken out of the table's
    definition (`PRAGMA writable_schema`): guard triggers were judged, tables were not."""
    conn = sqlite3.connect(made["case"] / "case.sqlite", isolation_level=None)
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql=replace(sql, ?, '') WHERE name='intake_log'",
                 ("CHECK (status IN ('media', 'skipped', 'failed'))",))
    conn.execute(f"PRAGMA schema_version={version + 1}")
    conn.execute("PRAGMA writable_schema=OFF")
    conn.close()
    code, lines = verify(capsys, made["case"])
    said = "case store: its schema is not the one Parley makes (table intake_log changed): edited outside Parley"
    assert (code, lines) == (1, [said])


# ------------------------------------------------------------------ the store emptied

def test_an_emptied_store_is_said_and_never_made_a_new_case(made, capsys):  # noqa: F811
    """`verify` (and every command that only reads a case) opened a 0-byte case.sqlite as a new case: it wrote
    Parley's empty schema over the evidence and said only that the log was cut short."""
    store, entry = made["case"] / "case.sqlite", json.loads((made["case"] / "audit-head.json").read_text())["entry"]
    store.write_bytes(b"")
    code, lines = verify(capsys, made["case"])
    said = (f"verify: {made['case']}: case.sqlite is empty (0 bytes), yet the head file beside it names audit entry "
            f"{entry} (the case's log is gone): the case's store was emptied, or never written; nothing was changed")
    assert code == 1 and lines == [said], lines
    assert store.stat().st_size == 0
    assert main(["exhibits", "--case", str(made["case"])]) == 1 and store.stat().st_size == 0


def test_a_search_trigger_rewritten_to_index_other_words_is_a_finding(made, capsys):  # noqa: F811
    """A chat message's indexing trigger (migration 010) made to index nothing of what was said: nothing is
    wrong in the index until the next chat is read, but the store was edited outside Parley now."""
    conn = sqlite3.connect(made["case"] / "case.sqlite", isolation_level=None)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name='chat_messages_search'").fetchone()[0]
    conn.execute("DROP TRIGGER chat_messages_search")
    conn.execute(sql.replace("NEW.text", "''"))
    conn.close()
    said = "case store: its schema is not the one Parley makes (trigger chat_messages_search changed): edited outside Parley"
    assert verify(capsys, made["case"]) == (1, [said])
