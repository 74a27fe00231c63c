"""Hostile expert, session 21: what the log vouches for, held to the same rule by `verify` and `export`.

- marking an exhibit cut short and finishing the run that found it were two transactions: a power cut
  between them left the mark unvouched for by the log, and every older run's export was refused;
- an older case's edits, logged before revisions carried the transcript's digest, were a finding of
  `verify` (the README says a note) and refused by `export`; a digest stripped from a case whose log
  carried them is still found;
- a log chained again after an edit, with no export of that run since but of another run, was exported
  on an account that never worked on the case (only `verify --head` found it).
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from app.cli import main
from app.core.asr import runs as asr_runs
from app.core.editing import operations as editing
from app.core.evidence.content import content_sha256, scores_sha256
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import Segment
from tests.conftest import MEDIA
from tests.tamper_helpers import forged, rechained
from tests.test_verify import MODEL, verify


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Two voice notes, each transcribed (run 1, run 2); run 1 edited by DC Jones; both exported once."""
    root = tmp_path_factory.mktemp("t21")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARLEY_HEADS_DIR", str(root / "heads"))
        (root / "evidence").mkdir()
        case = Case.open(root / "case")
        try:
            for name, text in (("en_voicenote.opus", "meet me at the docks"), ("de_voicenote.opus", "bring it")):
                shutil.copy(MEDIA / name, root / "evidence" / name)
                exhibit, _ = case.add_exhibit(probe(root / "evidence" / name))
                run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
                case.append_segments(run, (Segment(0, 1500, text), Segment(1500, 3000, "at nine")), {}, "en", 0.98)
                case.finish_run(run)
            editing.edit_text(case, 1, editing.segment_ids(case, 1)[1], "at ten", actor="DC Jones")
        finally:
            case.close()
        for exhibit in ("1", "2"):
            assert main(["export", exhibit, "--case", str(root / "case"), "--out", str(root / "out"),
                         "--format", "txt"]) == 0
    return root


@pytest.fixture()
def case(made, tmp_path, monkeypatch):
    """A fresh copy of the made case at the same place (its exports' paths are logged), with its heads."""
    kept = tmp_path / "kept"
    shutil.copytree(made, kept, symlinks=True)
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(made / "heads"))
    yield made
    shutil.rmtree(made)
    shutil.copytree(kept, made, symlinks=True)


def _export(root, capsys, exhibit: str = "1") -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["export", exhibit, "--case", str(root / "case"), "--out", str(root / "again"), "--format", "txt"])
    return code, capsys.readouterr().err.strip().splitlines()


def _entries(folder, action_glob: str) -> list[tuple[int, dict]]:
    conn = sqlite3.connect(folder / "case.sqlite")
    rows = conn.execute("SELECT id, details_json FROM audit_log WHERE action GLOB ? ORDER BY id",
                        (action_glob,)).fetchall()
    conn.close()
    return [(i, json.loads(d)) for i, d in rows]


# ------------------------------------------------------------------ a power cut while a run finishes cut short

class _PowerCut(Exception):
    pass


def test_a_power_cut_as_a_run_finishes_cut_short_leaves_no_unlogged_mark(case, capsys, monkeypatch):
    store = Case.open(case / "case")
    try:
        exhibit = store.exhibit(1)
        run = store.start_run(1, "transcribe", MODEL, {"beam_size": 5}, software_info())
        store.append_segments(run, (Segment(0, 900, "meet me"),), {}, "en", 0.9)
        record = store.audit.record

        def cut(action, *args, **kwargs):
            if action == "run.complete":
                raise _PowerCut  # the power goes before the run's finish is committed
            return record(action, *args, **kwargs)

        monkeypatch.setattr(store.audit, "record", cut)
        with pytest.raises(_PowerCut):
            asr_runs._finish(store, exhibit, run, truncated=True)
        assert not store.exhibit(1).source.truncated  # the mark goes with the run's finish, or not at all
    finally:
        store.close()
    code, lines = _export(case, capsys)
    assert code == 0, lines  # the older run's export is not refused for a mark no run finished with
    assert verify(capsys, case / "case") == (0, [])


def test_a_run_finished_cut_short_marks_its_exhibit(case, capsys):
    store = Case.open(case / "case")
    try:
        run = store.start_run(2, "transcribe", MODEL, {"beam_size": 5}, software_info())
        store.append_segments(run, (Segment(0, 900, "bring"),), {}, "en", 0.9)
        asr_runs._finish(store, store.exhibit(2), run, truncated=True)
        assert store.exhibit(2).source.truncated
    finally:
        store.close()
    assert _export(case, capsys, "2")[0] == 0
    assert verify(capsys, case / "case") == (0, [])


# ------------------------------------------------------------------ an older case's edits, without digests

_DIGESTS = ("content_sha256", "scores_sha256", "revision_sha256", "state_sha256")


def _without(details: dict, keys) -> dict:
    return {k: v for k, v in details.items() if k not in keys}


def _as_older_case(folder) -> None:
    """The log as a Parley before session 9 wrote it: no digest in any run's finish or revision (chained so)."""
    changes = [(i, _without(d, _DIGESTS)) for i, d in _entries(folder, "run.complete")]
    changes += [(i, _without(d, _DIGESTS)) for i, d in _entries(folder, "transcript.*")]
    rechained(folder, *changes)


def _verify_lines(capsys, folder) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["verify", "--case", str(folder)])
    said = capsys.readouterr()
    return code, said.out + said.err


def test_an_older_case_s_edits_without_digests_are_noted_and_exported(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    (tmp_path / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "evidence" / "note.opus")
    store = Case.open(tmp_path / "case")
    try:
        exhibit, _ = store.add_exhibit(probe(tmp_path / "evidence" / "note.opus"))
        run = store.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        store.append_segments(run, (Segment(0, 1500, "meet me at the docks"), Segment(1500, 3000, "at nine")), {},
                              "en", 0.98)
        store.finish_run(run)
        editing.edit_text(store, run, editing.segment_ids(store, run)[1], "at ten", actor="DC Jones")
    finally:
        store.close()
    _as_older_case(tmp_path / "case")
    shutil.rmtree(tmp_path / "heads")  # the account that made it kept the log as it was before
    code, said = _verify_lines(capsys, tmp_path / "case")
    assert code == 0, said
    assert "note: run 1: the edited transcript's digest is not recorded in the audit log" in said, said
    assert "note: run 1: its machine draft's digest is not recorded" in said, said
    capsys.readouterr()
    assert main(["export", "1", "--case", str(tmp_path / "case"), "--out", str(tmp_path / "out"), "--format",
                 "txt"]) == 0, capsys.readouterr().err
    assert "at ten" in (tmp_path / "out" / "note.txt").read_text(encoding="utf-8")


def test_a_revision_s_digest_taken_out_of_a_log_that_logged_them_is_found_and_not_exported(case, capsys, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "other-account"))
    forged(case / "case", "UPDATE working_segments SET text='at eleven' WHERE text='at ten'")
    last, details = _entries(case / "case", "transcript.*")[-1]
    rechained(case / "case", (last, _without(details, _DIGESTS)))
    code, said = _verify_lines(capsys, case / "case")
    assert code == 1 and "run 1: the edited transcript differs from its recorded revision history" in said, said
    code, lines = _export(case, capsys)
    assert code == 1 and "run 1: the edited transcript differs" in lines[-1], lines
    assert not (case / "again" / "en_voicenote.txt").exists()


def test_a_machine_draft_s_digest_taken_out_of_a_log_that_logged_them_is_found_and_not_exported(case, capsys,
                                                                                               tmp_path, monkeypatch):
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "other-account"))
    forged(case / "case", "UPDATE segments SET text='bring the gun' WHERE text='bring it'")
    last, details = _entries(case / "case", "run.complete")[-1]
    rechained(case / "case", (last, _without(details, _DIGESTS)))
    code, said = _verify_lines(capsys, case / "case")
    assert code == 1 and "run 2: the machine draft's digest is missing from its finish" in said, said
    code, lines = _export(case, capsys, "2")
    assert code == 1 and "run 2: the machine draft's digest is missing" in lines[-1], lines
    assert not (case / "again" / "de_voicenote.txt").exists()


# ------------------------------------------------------------------ a log chained again, found by another run's export

def test_a_log_chained_again_with_no_export_of_the_run_since_is_not_exported_on_another_account(case, capsys,
                                                                                                 tmp_path,
                                                                                                 monkeypatch):
    """Run 2 edited (no export of it since), run 1 exported after; then run 2's words forged with the digest its
    last revision logged, the log chained again, on an account that never worked on the case."""
    store = Case.open(case / "case")
    try:
        editing.edit_text(store, 2, editing.segment_ids(store, 2)[1], "at eight", actor="DC Jones")
    finally:
        store.close()
    assert _export(case, capsys, "1")[0] == 0
    forged(case / "case", "UPDATE working_segments SET text='bring the gun' WHERE text='bring it'")
    store = Case.open(case / "case")
    try:
        now = editing.current_segments(store, 2)
    finally:
        store.close()
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "other-account"))
    last, details = [(i, d) for i, d in _entries(case / "case", "transcript.*") if d.get("segments")][-1]
    rechained(case / "case", (last, {**details, "content_sha256": content_sha256(now),
                                      "scores_sha256": scores_sha256(now)}))
    code, lines = _export(case, capsys, "2")
    assert code == 1 and "the log was rewritten (chained again) since" in lines[-1], lines
    assert lines[-1].startswith(f"export: audit log: the export {case / 'again' / 'en_voicenote.manifest.json'}")
    assert not (case / "again" / "de_voicenote.txt").exists()
    code, said = _verify_lines(capsys, case / "case")
    assert code == 1, said


def test_exports_of_every_run_of_an_untouched_case_are_not_refused(case, capsys):
    for _ in range(2):  # the second time each manifest is read again only if the log changed before it
        for exhibit in ("1", "2"):
            code, lines = _export(case, capsys, exhibit)
            assert code == 0, lines


# ------------------------------------------------------------------ the audit log indexed by subject (migration 015)

def _as_schema_14(folder) -> None:
    """The store as the Parley before migration 015 made it: no index on the audit log's subject, numbered 14."""
    conn = sqlite3.connect(folder / "case.sqlite", isolation_level=None)
    conn.execute("DROP INDEX audit_log_subject")
    conn.execute("PRAGMA user_version=14")
    conn.close()


def _plan(folder) -> str:
    conn = sqlite3.connect(folder / "case.sqlite")
    try:
        return " ".join(str(r[-1]) for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM audit_log WHERE subject='run/1' ORDER BY id"))
    finally:
        conn.close()


def test_a_case_made_before_the_subject_index_opens_and_verifies_unchanged(case, capsys):
    _as_schema_14(case / "case")
    head = (case / "case" / "audit-head.json").read_text()
    assert verify(capsys, case / "case") == (0, [])
    assert (case / "case" / "audit-head.json").read_text() == head  # the log is as it was: the index is no entry
    assert "audit_log_subject" in _plan(case / "case")  # a run's entries read through the index, not a scan
    assert _export(case, capsys)[0] == 0


def test_a_case_made_before_the_subject_index_verifies_on_read_only_media(case, capsys, monkeypatch):
    from app.core.store import db
    _as_schema_14(case / "case")
    monkeypatch.setattr(db.os, "access", lambda *_a, **_k: False)  # as on a write-protected disk (root ignores modes)
    assert verify(capsys, case / "case") == (0, [])
    assert "audit_log_subject" not in _plan(case / "case")  # read as it stands: nothing written


def test_the_subject_index_dropped_from_a_current_case_is_a_finding(case, capsys):
    forged(case / "case", "DROP INDEX audit_log_subject")
    code, found = verify(capsys, case / "case")
    assert code == 1 and any("index audit_log_subject missing" in line for line in found), found


def test_a_log_chained_again_with_no_export_since_is_not_exported_on_the_account_that_worked_on_it(case, capsys):
    """Run 2 edited, nothing exported since; its words forged with its last revision's digest, the log chained
    again: the account's own record of the head (which the forger's recomputation does not reach) shows it."""
    store = Case.open(case / "case")
    try:
        editing.edit_text(store, 2, editing.segment_ids(store, 2)[1], "at eight", actor="DC Jones")
    finally:
        store.close()
    forged(case / "case", "UPDATE working_segments SET text='bring the gun' WHERE text='bring it'")
    store = Case.open(case / "case")
    try:
        now = editing.current_segments(store, 2)
    finally:
        store.close()
    last, details = [(i, d) for i, d in _entries(case / "case", "transcript.*") if d.get("segments")][-1]
    rechained(case / "case", (last, {**details, "content_sha256": content_sha256(now),
                                      "scores_sha256": scores_sha256(now)}))
    code, lines = _export(case, capsys, "2")
    assert code == 1 and "this account last saw this case's log" in lines[-1], lines
    assert not (case / "again" / "de_voicenote.txt").exists()


def test_a_case_put_back_to_a_backup_and_worked_on_is_said_by_verify_not_refused_by_export(case, capsys, tmp_path):
    """No refusal for a log put back to an older copy and written on (its entries there are other entries, not the
    same ones chained otherwise): `verify` says it, every time."""
    shutil.copytree(case / "case", tmp_path / "backup")
    for text in ("at eight", "at seven"):
        store = Case.open(case / "case")
        try:
            editing.edit_text(store, 2, editing.segment_ids(store, 2)[1], text, actor="DC Jones")
        finally:
            store.close()
        if text == "at eight":
            shutil.rmtree(case / "case")
            shutil.copytree(tmp_path / "backup", case / "case")
    code, lines = _export(case, capsys, "2")
    assert code == 0, lines
    code, found = verify(capsys, case / "case")
    assert code == 1 and any("put back to an older copy" in line for line in found), found


def test_a_run_s_record_forged_in_the_store_and_the_log_chained_again_is_not_re_run(case, capsys):
    """The record and its run.started entry forged alike, and the log chained again: `reproduce` found the chain
    intact and the record as logged, and re-ran the forged record (another model's hash) as the one made."""
    forged(case / "case", "UPDATE runs SET model_sha256='" + "cd" * 32 + "' WHERE id=2")
    entry, details = [(i, d) for i, d in _entries(case / "case", "run.started") if d.get("exhibit") == 2][-1]
    rechained(case / "case", (entry, {**details, "model_sha256": "cd" * 32}))
    capsys.readouterr()
    assert main(["reproduce", "2", "--case", str(case / "case")]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert said[-1].startswith("reproduce: audit log: this account last saw this case's log at entry ") and \
        said[-1].endswith("not re-run (the record re-run would not be the one made; `verify` says more)"), said


def test_an_edit_s_entry_removed_and_the_log_renumbered_and_chained_again_is_not_exported(case, capsys):
    """Run 1's edit taken out of its history (its working copy and revision rows, their audit entries, the entries
    after renumbered, the chain computed again): the log ends short of where this account saw it, with that entry
    renumbered, not cut short."""
    removed = [i for i, _ in _entries(case / "case", "transcript.*")]
    conn = sqlite3.connect(case / "case" / "case.sqlite")
    last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.close()
    kept = [n for n in range(1, last + 1) if n not in removed]
    forged(case / "case", "DELETE FROM revisions WHERE run_id=1", "DELETE FROM working_segments WHERE run_id=1",
            "DELETE FROM working_transcripts WHERE run_id=1",
            *[f"DELETE FROM audit_log WHERE id={i}" for i in removed],
            *[f"UPDATE audit_log SET id={new} WHERE id={old}" for new, old in enumerate(kept, 1)])
    rechained(case / "case")
    shutil.rmtree(case / "out")  # the exports that name the log's entries removed too
    code, lines = _export(case, capsys, "2")
    assert code == 1 and f"this account last saw this case's log at entry {last} " in lines[-1], lines
    assert f"now as entry {len(kept)}" in lines[-1], lines
