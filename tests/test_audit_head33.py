"""Forged audit rows appended after the genuine log: `verify` names them, and the head recorded (the case's head
file, the head this account saw) stays the genuine log's last entry, so that with the forged rows taken out again the
genuine case verifies clean. A second forged row chained to the first (the chain's hash is unkeyed: anyone can chain
a row) was recorded as the head, and the genuine case then read as 'put back to an older copy' (review revA, R-M2);
so was a row chained as written whose details are no JSON object."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from app.core.store.audit import _entry_hash
from tests.test_verify import _forged, made, verify  # noqa: F401 - the case every tampering starts from

FORGED = {"one row that does not chain": ("{}", False, 1),
          "a row that does not chain, then one chained to it": ("{}", False, 2),
          "a chained row of no JSON object, then one chained to it": ("[1]", True, 2)}


def _appended(store, details: str, first_chains: bool, rows: int) -> int:
    """Rows appended after the log's last; the first chained to it or not, the others chained to the one before."""
    conn = sqlite3.connect(store)
    last, prev = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    values = []
    for n in range(1, rows + 1):
        at, entry_details = f"2026-01-01T00:00:0{n}Z", details if n == 1 else "{}"
        prev = prev if n > 1 or first_chains else "a" * 64
        digest = _entry_hash(prev, at, "x", "note.added", "case", entry_details)
        values.append(f"({last + n}, '{at}', 'x', 'note.added', 'case', '{entry_details}', "
                      f"'{prev}', '{digest}')")
        prev = digest
    _forged(store.parent, "INSERT INTO audit_log (id, at, actor, action, subject, details_json, prev_hash, hash) "
                          f"VALUES {', '.join(values)}")
    return last


@pytest.mark.parametrize("forged", FORGED)
def test_forged_rows_verified_then_taken_out_leave_the_genuine_case_clean(made, capsys, tmp_path, forged):  # noqa: F811
    genuine = tmp_path / "genuine"
    shutil.copytree(made["case"], genuine)
    last = _appended(made["case"] / "case.sqlite", *FORGED[forged])
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(f"audit entry {last + 1} (note.added)" in line for line in lines), lines
    head = json.loads((made["case"] / "audit-head.json").read_text(encoding="utf-8"))
    assert head["entry"] == last, head
    shutil.rmtree(made["case"])
    shutil.copytree(genuine, made["case"])
    assert verify(capsys, made["case"]) == (0, [])


def _entries(store) -> int:
    conn = sqlite3.connect(store)
    try:
        return conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    finally:
        conn.close()


def _head_file_named(folder, entry: int) -> None:
    conn = sqlite3.connect(folder / "case.sqlite")
    digest = conn.execute("SELECT hash FROM audit_log WHERE id=?", (entry,)).fetchone()[0]
    conn.close()
    (folder / "audit-head.json").write_text(json.dumps({"entry": entry, "hash": digest}), encoding="utf-8")


def test_a_head_file_set_back_does_not_move_back_what_this_account_saw(made, capsys, tmp_path):  # noqa: F811
    """A row of the log forged in place and the case's head file pointed at entry 1: the walk began at the head
    file, so the next command on the case recorded entry 1 as the head this account saw, and an older copy of
    the case put back afterwards verified clean (review revD, D-H1). The walk begins at this account's own record."""
    from app.core.store import Case

    backup = tmp_path / "backup"
    shutil.copytree(made["case"], backup)
    _corrected(made, ["a later correction the backup lacks"])
    assert verify(capsys, made["case"]) == (0, [])
    _forged(made["case"], f"UPDATE audit_log SET actor='someone else' WHERE id={_entries(backup / 'case.sqlite')}")
    _head_file_named(made["case"], 1)
    Case.open(made["case"]).close()
    shutil.rmtree(made["case"])
    shutil.copytree(backup, made["case"])
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("put back to an older copy" in line for line in lines), lines


def test_a_head_file_pointed_at_a_forged_row_is_not_taken_as_the_head(made, capsys, tmp_path):  # noqa: F811
    """A forged row appended and the head file pointed at it (review revD, D-H2): the walk began there, the
    forged row became the head this account saw, and the genuine case was then read as put back."""
    from app.core.store import Case

    genuine = tmp_path / "genuine"
    shutil.copytree(made["case"], genuine)
    last = _appended(made["case"] / "case.sqlite", "{}", False, 1)
    _head_file_named(made["case"], last + 1)
    Case.open(made["case"]).close()
    shutil.rmtree(made["case"])
    shutil.copytree(genuine, made["case"])
    assert verify(capsys, made["case"]) == (0, [])


def test_an_entry_damaged_in_place_does_not_freeze_what_this_account_saw(made, capsys, tmp_path):  # noqa: F811
    """The hash of the entry this account last saw overwritten in place: the walk stopped there for good, so the
    genuine work done after it was never recorded as seen, and the copy from before put back verified clean, five
    corrections lost unsaid (review revH, A-H1). An entry this process appended is what the account saw."""
    backup = tmp_path / "backup"
    shutil.copytree(made["case"], backup)
    last = _entries(made["case"] / "case.sqlite")
    _forged(made["case"], f"UPDATE audit_log SET hash='{'b' * 64}' WHERE id={last}")
    _corrected(made, [f"a genuine correction {n}" for n in range(3)])
    shutil.rmtree(made["case"])
    shutil.copytree(backup, made["case"])
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("put back to an older copy" in line for line in lines), lines


def test_an_older_copy_put_back_then_damaged_is_still_said_put_back(made, capsys, tmp_path):  # noqa: F811
    """An older copy of the case put back, a row of it damaged in place, then one more command: the entry that
    command appended was recorded as seen, and `verify` no longer said the case had been put back (review revJ)."""
    backup = tmp_path / "backup"
    shutil.copytree(made["case"], backup)
    _corrected(made, [f"a genuine correction {n}" for n in range(3)])
    shutil.rmtree(made["case"])
    shutil.copytree(backup, made["case"])
    _forged(made["case"], f"UPDATE audit_log SET hash='{'b' * 64}' WHERE id={_entries(backup / 'case.sqlite') - 1}")
    _corrected(made, ["one more command"])
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("put back to an older copy" in line for line in lines), lines


def _corrected(made, texts: list[str]) -> None:
    """The case's first segment corrected with each text in turn, as a proofreader's commands do."""
    from app.core.editing import operations as editing
    from app.core.store import Case

    case = Case.open(made["case"])
    try:
        segment = editing.segment_ids(case, made["run"])[0]
        for text in texts:
            editing.edit_text(case, made["run"], segment, text, actor="DC Jones")
    finally:
        case.close()
