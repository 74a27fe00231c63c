"""Hostile expert, session 16: the files SQLite reads beside the store, and a store whose schema is broken.

- a rollback journal planted beside the store (`case.sqlite-journal`, "hot"): SQLite plays it back when the
  store is opened, so `verify` itself rewrote the store file with the planted pages, deleted the journal and
  said only what the pages changed ("the machine draft ... differs"), never that the file was touched;
- a `-wal` planted beside it: read with the store (its edits found), but verify's closing moved it into the
  store file and deleted it; a -wal that rewrote the audit log (chained again, head file mended) left no
  trace once moved in;
- a page of the schema overwritten ("malformed database schema"): refused in one line, "cannot set up the
  case store", and nothing else checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest

from app.cli import main
from tests.test_model_tamper import _verify, case_with_run, flip_byte, installed, pristine  # noqa: F401 - fixtures
from tests.test_tamper15 import _cli, _flip_original
from tests.test_verify import _forged, made, verify  # noqa: F401 - `made` is a fixture

STORE = "case.sqlite"
_JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tampered_copy(case: Path, work: Path, *statements: str) -> Path:
    """A copy of the case's store with `statements` forged into it (guards dropped and put back), all in the file."""
    shutil.copytree(case, work)
    _forged(work, *statements)
    return work / STORE


def _plant_journal(store: Path, tampered: Path) -> int:
    """A hot rollback journal beside `store` holding `tampered`'s pages where they differ: whatever opens the
    store plays them back into it. Written as SQLite writes one (header, then page number, page, checksum)."""
    now, then = store.read_bytes(), tampered.read_bytes()
    size = int.from_bytes(now[16:18], "big")
    nonce, sector, records, count = 0x5EED, 512, b"", 0
    for number in range(len(then) // size):
        page = then[number * size:(number + 1) * size]
        if page != now[number * size:(number + 1) * size]:
            checksum = (nonce + sum(page[i] for i in range(size - 200, 0, -200))) & 0xFFFFFFFF
            records += struct.pack(">I", number + 1) + page + struct.pack(">I", checksum)
            count += 1
    header = _JOURNAL_MAGIC + struct.pack(">IIIII", count, nonce, len(then) // size, sector, size)
    store.with_name(STORE + "-journal").write_bytes(header.ljust(sector, b"\0") + records)
    return count


def _plant_wal(case: Path, work: Path, *statements: str) -> None:
    """A -wal beside the store holding `statements` forged on a copy (kept in its -wal by a reader holding it)."""
    work.mkdir()
    copy = work / STORE
    shutil.copy(case / STORE, copy)
    holder = sqlite3.connect(copy)
    try:
        holder.execute("SELECT count(*) FROM sqlite_master").fetchone()
        _forged(work, *statements)
        shutil.copy(work / f"{STORE}-wal", case / f"{STORE}-wal")
    finally:
        holder.close()


# ------------------------------------------------------------------ a hot journal planted beside the store

def test_a_planted_journal_is_said_and_never_played_back_into_the_store(made, capsys, tmp_path):  # noqa: F811
    store = made["case"] / STORE
    tampered = _tampered_copy(made["case"], tmp_path / "forger",
                              "UPDATE segments SET text='meet me at the dogs!' WHERE text='meet me at the docks'")
    assert _plant_journal(store, tampered) > 0
    before = _sha(store)
    code, lines = verify(capsys, made["case"])
    assert code == 1, lines
    assert lines[0].startswith("case store: case.sqlite-journal beside the store is an unfinished write"), lines
    assert "run 1: the machine draft in the store differs from what was produced" in lines, lines
    assert _sha(store) == before and (made["case"] / f"{STORE}-journal").is_file()
    assert verify(capsys, made["case"])[1] == lines  # said again: nothing was played back


def test_a_journal_without_a_header_is_said_and_never_deleted(made, capsys):  # noqa: F811
    """(was: "audit chain intact ... nothing found", exit 0, and the file deleted by verify's opening the store)"""
    journal = made["case"] / f"{STORE}-journal"
    journal.write_bytes(b"X" + bytes(range(256)) * 8)
    before = _sha(made["case"] / STORE)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and lines == [("case store: case.sqlite-journal beside the store holds no journal header, which no "
                                   "program makes: any program opening the store would delete it; verified as that "
                                   "would leave it, through a private copy, and both files left as found")], lines
    assert journal.read_bytes()[:1] == b"X" and _sha(made["case"] / STORE) == before


# ------------------------------------------------------------------ a -wal planted beside the store

def test_a_planted_wal_is_read_but_never_moved_into_the_store(made, capsys, tmp_path):  # noqa: F811
    store, wal = made["case"] / STORE, made["case"] / f"{STORE}-wal"
    _plant_wal(made["case"], tmp_path / "forger", "UPDATE segments SET text='meet me at the dogs!' WHERE id=1")
    before, planted = _sha(store), _sha(wal)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and lines == ["run 1: the machine draft in the store differs from what was produced"], lines
    assert _sha(store) == before and _sha(wal) == planted
    capsys.readouterr()
    main(["verify", "--case", str(made["case"])])
    assert "note: case store: read with its case.sqlite-wal (" in capsys.readouterr().out


@pytest.mark.parametrize("actor", ["'DC Smith'", "CAST(X'4443ff' AS TEXT)"], ids=["a name", "bytes not UTF-8"])
def test_a_wal_that_rewrites_the_log_the_store_file_holds_is_a_finding(made, capsys, tmp_path, actor):  # noqa: F811
    store = made["case"] / STORE
    _plant_wal(made["case"], tmp_path / "forger", f"UPDATE audit_log SET actor={actor} WHERE id=3")
    before = _sha(store)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and lines[0].startswith("case store: case.sqlite-wal beside the store changes entry 3 of the "
                                             "audit log that the store file holds"), lines
    assert _sha(store) == before


# ------------------------------------------------------------------ a schema SQLite cannot read

def _break_schema(store: Path, text: bytes, broken: bytes) -> None:
    data = store.read_bytes()
    at = data.index(text)
    store.write_bytes(data[:at] + broken + data[at + len(broken):])


def _first_page_header_broken(store: Path) -> None:
    data = bytearray(store.read_bytes())
    for at in range(100, 108):  # the schema table's b-tree page header, after the file's own 100 bytes
        data[at] ^= 0xA5
    store.write_bytes(bytes(data))


@pytest.mark.parametrize(("breaking", "reason"), [
    (lambda store: _break_schema(store, b"CREATE TABLE audit_log", b"CREATE TABLX"),
     "malformed database schema (audit_log)"),
    (lambda store: _break_schema(store, b"CREATE TABLE audit_log", b"CREATE \xff"),
     "malformed database schema: text that is not UTF-8"),
    (_first_page_header_broken, "database disk image is malformed"),
], ids=["a syntax error", "a byte that is not UTF-8", "its first page's header"])
def test_a_broken_schema_is_a_finding_and_the_other_checks_run(made, capsys, breaking, reason):  # noqa: F811
    """(was: "verify: ... cannot set up the case store (...)", or for the byte that is not UTF-8 "verify: 'utf-8'
    codec can't decode byte 0xff ...", and nothing checked)"""
    breaking(made["case"] / STORE)
    _flip_original(made)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and lines[0].startswith(f"case store: its schema cannot be read as SQLite reads it ({reason}"), lines
    assert not any(line.startswith("verify:") for line in lines), lines
    assert len(lines) > 1 and len(lines) == len(set(lines)), lines  # the damage said, and each finding once
    if "disk image" not in reason:  # the exhibits' table is read: the original is checked
        assert any("SHA-256 differs from the one taken at intake" in line for line in lines), lines


def test_a_broken_trigger_definition_is_a_finding_naming_it(made, capsys):  # noqa: F811
    _break_schema(made["case"] / STORE, b"CREATE TRIGGER", b"CREATE TRIGGEX")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and len(lines) == 2, lines
    assert lines[0].startswith("case store: its schema cannot be read as SQLite reads it"), lines
    assert lines[1].startswith("case store: its schema is not the one Parley makes (trigger "), lines


# ------------------------------------------------------------------ a model swapped after the run, when asked

def test_a_model_swapped_after_its_run_is_a_finding_when_asked(case_with_run, installed, capsys,  # noqa: F811
                                                                monkeypatch):
    """A note by default (the run's record stands); `verify --models` (before `reproduce`, or to vouch for the
    machine) makes it a finding (was: a note, exit 0, whatever was asked)."""
    monkeypatch.setenv("PARLEY_MODELS", str(installed.parent))
    flip_byte(installed / "model.bin", 2_000_000)
    assert _verify(capsys, case_with_run)[0] == 0
    capsys.readouterr()
    code = main(["verify", "--case", str(case_with_run), "--models"])
    lines = [line for line in capsys.readouterr().err.splitlines() if not line.endswith("finding(s)")]
    assert code == 1 and len(lines) == 1 and lines[0].startswith("model tiny.en: run(s) 1 used it"), lines
    assert "now has other weights" in lines[0], lines


# ------------------------------------------------------------------ JSON nested past reading, numbers past SQLite's

_NESTED = "[" * 100_000 + "]" * 100_000  # json.loads: RecursionError, which no check caught


@pytest.mark.parametrize("head", [
    '{"entry": 1000000000000000000000000000000, "hash": "' + "ab" * 32 + '"}',  # was: OverflowError, nothing checked
    _NESTED,  # was: RecursionError, nothing checked
    '{"entry": 3.5, "hash": "' + "ab" * 32 + '"}',  # was: "entry 3 differs from the head file"
    '{"entry": -5, "hash": "' + "ab" * 32 + '"}',  # was: "entry -5 is gone"
], ids=["an entry past SQLite's integers", "nested past reading", "a fraction", "below one"])
def test_a_head_file_parley_never_writes_is_said_and_stops_no_other_check(made, capsys, head):  # noqa: F811
    (made["case"] / "audit-head.json").write_text(head)
    _flip_original(made)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and "audit log: the head file beside the store is missing or unreadable" in lines, lines
    assert any("SHA-256 differs from the one taken at intake" in line for line in lines), lines
    assert len(lines) == 2, lines


@pytest.mark.parametrize("entry", ["nested", -10**30], ids=["nested past reading", "an entry past SQLite's integers"])
def test_a_manifest_parley_never_wrote_beside_the_exports_stops_no_other_check(made, capsys, entry):  # noqa: F811
    """(was: "verify: unexpected error (RecursionError ...)" or "(OverflowError ...)", nothing else said)"""
    manifest = json.loads((made["out"] / "note.manifest.json").read_text())
    manifest["audit_head"] = {"entry": entry, "hash": "ab" * 32}
    (made["out"] / "other.manifest.json").write_text(_NESTED if entry == "nested" else json.dumps(manifest))
    _flip_original(made)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and len(lines) == 1 and "SHA-256 differs from the one taken at intake" in lines[0], lines


@pytest.mark.parametrize(("statement", "said"), [
    (f"UPDATE revisions SET params_json='{_NESTED}' WHERE id=1", ("working copies: a record in the store is not as "
                                                                 "Parley writes it (RecursionError")),
    ("UPDATE runs SET state_json='" + '{"a":' * 100_000 + "1" + "}" * 100_000 + "' WHERE id=1",
     "run 1: its record in the store differs from the audit log (unreadable: RecursionError"),
], ids=["a revision's parameters", "a run's resume state"])
def test_a_record_nested_past_reading_is_a_finding_naming_it(made, capsys, statement, said):  # noqa: F811
    """(was: "verify: unexpected error (RecursionError ...)", nothing else said)"""
    _forged(made["case"], statement)
    _flip_original(made)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(said) for line in lines), lines
    assert any("SHA-256 differs from the one taken at intake" in line for line in lines), lines


# ------------------------------------------------------------------ not a file where SQLite opens one beside the store

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize(("name", "make"), [
    ("case.sqlite-journal", os.mkfifo if hasattr(os, "mkfifo") else None),  # was: verify blocked for ever, deaf to SIGTERM
    ("case.sqlite-shm", os.mkfifo if hasattr(os, "mkfifo") else None),  # was: "cannot set up the case store (disk I/O error)"
    ("case.sqlite-wal", os.mkdir),  # was: "cannot set up the case store (unable to open database file)"
], ids=["a named pipe as the journal", "a named pipe as the -shm", "a folder as the -wal"])
def test_not_a_file_beside_the_store_is_a_finding_never_a_hang(made, name, make):  # noqa: F811
    make(made["case"] / name)
    _flip_original(made)
    result = _cli("verify", "--case", str(made["case"]))
    lines = [line for line in result.stderr.splitlines() if not line.endswith("finding(s)")]
    assert result.returncode == 1 and lines[0].startswith(f"case store: {name} beside the store is not a regular "
                                                          "file"), lines
    assert len(lines) == 2 and "SHA-256 differs from the one taken at intake" in lines[1], lines
    assert not (made["case"] / name).is_file()  # left as found
