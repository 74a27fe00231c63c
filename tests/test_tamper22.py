"""Hostile expert, session 22: a case folder replaced under a case held open (the window, a worker).

The window (and the worker) keep one connection open for hours. A case folder replaced under it (a backup
restored, a copy swapped in, the folder moved away) left that connection on the file it had opened, wherever that
was now: the window's edits went on into the store moved away, unseen at the case's path, and every commit and
its closing wrote that store's audit head into the folder now holding the other case, so `verify` of the case
there said "entry N differs from the head file (the log was rewritten...)" instead of what happened. Now a write
to a store no longer at the case's path is refused in one line (nothing written), and its head goes nowhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from app.cli import main
from app.core.editing import operations as editing
from app.core.errors import StoreError
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import Segment
from tests.conftest import MEDIA, REPO
from tests.test_verify import MODEL, verify


@pytest.fixture()
def case_dir(tmp_path, monkeypatch):
    """A voice note transcribed (run 1, two segments), the case closed; this account's heads in tmp_path."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    return transcribed_case(tmp_path, {"beam_size": 5})


def transcribed_case(tmp_path, settings: dict):
    """tmp_path/case: the voice note (evidence/note.opus) transcribed with `settings` (run 1, two segments), closed."""
    (tmp_path / "evidence").mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "evidence" / "note.opus")
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(tmp_path / "evidence" / "note.opus"))
        run = case.start_run(exhibit.id, "transcribe", MODEL, settings, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me at the docks"), Segment(1500, 3000, "at nine")), {},
                             "en", 0.98)
        case.finish_run(run)
    finally:
        case.close()
    return tmp_path / "case"


def _edit(case: Case, text: str) -> None:
    editing.edit_text(case, 1, editing.segment_ids(case, 1)[1], text, actor="DC Jones")


def test_a_case_folder_put_back_to_a_backup_under_an_open_window_takes_no_edit_and_no_head(case_dir, tmp_path,
                                                                                            capsys):
    shutil.copytree(case_dir, tmp_path / "backup")
    window = Case.open(case_dir)  # the window's connection, open all along
    try:
        _edit(window, "at ten")
        os.rename(case_dir, tmp_path / "case.moved")
        shutil.copytree(tmp_path / "backup", case_dir)  # the backup restored while the window is open
        with pytest.raises(StoreError, match="another file than the one opened .the case folder was replaced while "
                                             "it was open.; nothing written: open the case again"):
            _edit(window, "at eleven")  # was: written into the store moved away, unseen at the case's path
    finally:
        window.close()  # was: wrote the moved store's head into the restored folder
    code, found = verify(capsys, case_dir)
    assert code == 1 and len(found) == 1, found
    assert "put back to an older copy" in found[0], found  # what happened, not "the head file differs"
    assert verify(capsys, tmp_path / "case.moved") == (0, [])  # the work done before the swap, whole where it went
    store = Case.open(tmp_path / "case.moved")
    try:
        assert [s.text for s in editing.current_segments(store, 1)] == ["meet me at the docks", "at ten"]
    finally:
        store.close()


def test_a_case_folder_moved_away_under_an_open_window_takes_no_edit(case_dir, tmp_path, capsys):
    window = Case.open(case_dir)
    try:
        os.rename(case_dir, tmp_path / "elsewhere")
        with pytest.raises(StoreError, match="is gone .the case folder was moved or removed while it was open."):
            _edit(window, "at ten")
    finally:
        window.close()
    assert not case_dir.exists()  # no head file (nor folder) made where the case was
    assert verify(capsys, tmp_path / "elsewhere") == (0, [])


def test_a_case_left_in_place_is_written_to_as_before(case_dir, capsys):
    window = Case.open(case_dir)
    try:
        _edit(window, "at ten")
        window.conn.execute("VACUUM")  # maintenance rewrites the file in place: the same store
        _edit(window, "at eleven")
    finally:
        window.close()
    assert verify(capsys, case_dir) == (0, [])


# ------------------------------------------------------------------ the -wal deleted after a kill

KILLED_AFTER_AN_EDIT = """
import os, signal, sys
from app.core.editing import operations as editing
from app.core.store import Case
case = Case.open(sys.argv[1])
editing.edit_text(case, 1, editing.segment_ids(case, 1)[1], "at ten", actor="DC Jones")
os.kill(os.getpid(), signal.SIGKILL)  # killed with the edit committed to the -wal, never brought into the store
"""


def _killed_after_an_edit(case_dir) -> None:
    done = subprocess.run([sys.executable, "-c", KILLED_AFTER_AN_EDIT, str(case_dir)], cwd=REPO, check=False,
                          env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert (case_dir / "case.sqlite-wal").stat().st_size > 0


def test_the_wal_deleted_after_a_kill_is_said_as_deleted_then_and_after_the_next_edit(case_dir, capsys):
    _killed_after_an_edit(case_dir)
    for name in ("case.sqlite-wal", "case.sqlite-shm"):
        (case_dir / name).unlink()  # "junk" left by the crash, deleted by hand
    code, found = verify(capsys, case_dir)
    assert code == 1 and len(found) == 1, found
    assert " gone; the head file beside the store names " in found[0], found
    assert found[0].endswith("or that case.sqlite-wal, which held them, was deleted (after Parley was stopped or "
                             "killed: never delete it)"), found  # was: only "copied without it (copy it too)"
    store = Case.open(case_dir)
    try:
        _edit(store, "at eleven")  # the next command writes on
    finally:
        store.close()
    code, found = verify(capsys, case_dir)
    assert code == 1 and len(found) == 1 and "differs from the head file" in found[0], found
    assert "without its case.sqlite-wal or to that file deleted, and written on since" in found[0], found


def test_the_shm_deleted_after_a_kill_loses_nothing(case_dir, capsys):
    _killed_after_an_edit(case_dir)
    (case_dir / "case.sqlite-shm").unlink()  # SQLite builds it again from the -wal
    code, found = verify(capsys, case_dir)
    assert (code, found) == (0, []), found
    store = Case.open(case_dir)
    try:
        assert [s.text for s in editing.current_segments(store, 1)] == ["meet me at the docks", "at ten"]
    finally:
        store.close()


# ------------------------------------------------------------------ a copy of the exports checked with verify --exports

def _export(case_dir, out) -> None:
    assert main(["export", "1", "--case", str(case_dir), "--out", str(out), "--format", "txt,json"]) == 0


def _verify_with(capsys, case_dir, *folders) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["verify", "--case", str(case_dir), *[a for f in folders for a in ("--exports", str(f))]])
    return code, [line for line in capsys.readouterr().err.splitlines() if line and not line.endswith("finding(s)")]


def test_a_copy_of_the_exports_checked_beside_the_set_still_in_place_is_quiet(case_dir, tmp_path, capsys):
    """The set copied to a USB stick (an older export too, copied before the transcript was edited and exported
    again), checked with `verify --exports USB` while the set is still where it was written: was "an export of
    this case that the audit log does not list: the store is older than this export", one per manifest."""
    _export(case_dir, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "usb-before")
    store = Case.open(case_dir)
    try:
        _edit(store, "at ten")
    finally:
        store.close()
    _export(case_dir, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "usb")
    assert _verify_with(capsys, case_dir, tmp_path / "usb") == (0, [])
    assert _verify_with(capsys, case_dir, tmp_path / "usb-before") == (0, [])


def test_a_copy_of_an_export_edited_and_its_manifest_resealed_is_said_changed(case_dir, tmp_path, capsys):
    """The copy handed on has its text edited and the manifest's SHA-256 for it recomputed: `check-export` cannot
    tell (nothing is signed); the case's log, which the forger cannot reach, does."""
    _export(case_dir, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "usb")
    text, manifest = tmp_path / "usb" / "note.txt", tmp_path / "usb" / "note.manifest.json"
    text.write_text(text.read_text(encoding="utf-8").replace("at nine", "at ten"), encoding="utf-8")
    data = json.loads(manifest.read_text(encoding="utf-8"))
    for listed in data["files"]:
        if listed["file"] == "note.txt":
            listed.update(sha256=hashlib.sha256(text.read_bytes()).hexdigest(), bytes=text.stat().st_size)
    manifest.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    capsys.readouterr()
    assert main(["check-export", str(manifest)]) == 0  # the limit: the manifest vouches only for itself
    code, found = _verify_with(capsys, case_dir, tmp_path / "usb")
    changed = ", which this case's exports wrote, changed since it was written (SHA-256 differs from every one the " \
              "audit log lists for it)"
    assert code == 1 and sorted(found) == [f"{manifest}: a copy of note.manifest.json{changed}",
                                           f"{text}: a copy of note.txt{changed}"], found  # was: "the store is older"


def test_a_copy_holding_an_older_export_s_text_beside_the_later_manifest_is_said(case_dir, tmp_path, capsys):
    """The copy handed on keeps the later export's manifest (the proofread text) but the text of the export made
    before the edit: every file is bytes some export wrote, but not the set its manifest lists (was quiet once
    copies were checked)."""
    _export(case_dir, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "before")
    store = Case.open(case_dir)
    try:
        _edit(store, "at ten")
    finally:
        store.close()
    _export(case_dir, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "usb")
    shutil.copy(tmp_path / "before" / "note.txt", tmp_path / "usb" / "note.txt")
    code, found = _verify_with(capsys, case_dir, tmp_path / "usb")
    said = ("not the note.txt its manifest beside it lists (another export's of that name, put with this set): "
            "changed since it was written")
    assert code == 1 and found == [f"{tmp_path / 'usb' / 'note.txt'}: {said}"], found


def test_an_earlier_export_s_copy_where_the_set_is_gone_is_said_as_earlier_not_changed(case_dir, tmp_path, capsys):
    """The set exported again since the copy was taken, and no longer where it was written: the copy named with
    `verify --exports` holds what the earlier export wrote, not something changed (was "changed since it was
    written", as if edited)."""
    _export(case_dir, tmp_path / "out")
    shutil.copytree(tmp_path / "out", tmp_path / "usb")
    store = Case.open(case_dir)
    try:
        _edit(store, "at ten")
    finally:
        store.close()
    _export(case_dir, tmp_path / "out")
    shutil.rmtree(tmp_path / "out")
    code, found = _verify_with(capsys, case_dir, tmp_path / "usb")
    earlier = ": holds an earlier export's bytes, not those last written there (put back, or copied before it was " \
              "exported again)"
    assert code == 1 and sorted(found) == sorted(
        f"{tmp_path / 'out' / name} (found at {tmp_path / 'usb' / name}){earlier}"
        for name in ("note.json", "note.manifest.json", "note.txt")), found
