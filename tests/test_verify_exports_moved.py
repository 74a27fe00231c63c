"""`verify` against a hostile expert, the exports and the case folder (session 10): a moved export
folder, a file slipped into an export set, a store replaced by an older copy, the case moved."""

from __future__ import annotations

import shutil

from app.cli import main
from app.core.editing import operations as editing
from app.core.store import Case
from app.core.usecases.exporting import export_run
from tests.test_verify import made, verify  # noqa: F401 - the fixture, and the helper reading stderr


def test_an_export_folder_moved_says_how_to_name_it_and_verifies_where_it_is(made, tmp_path, capsys):  # noqa: F811
    moved = tmp_path / "usb" / "exports"
    moved.parent.mkdir()
    shutil.move(made["out"], moved)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and len(lines) == 4  # three formats and the manifest
    assert all(line.endswith("exported file missing (if its folder was moved, name the folder: verify --exports DIR)")
               for line in lines)
    capsys.readouterr()
    assert main(["verify", "--case", str(made["case"]), "--exports", str(moved)]) == 0
    assert "nothing found" in capsys.readouterr().out


def test_a_moved_export_changed_is_named_where_it_was_found(made, tmp_path, capsys):  # noqa: F811
    moved = tmp_path / "elsewhere"
    shutil.move(made["out"], moved)
    with open(moved / "note.txt", "a", encoding="utf-8") as handle:
        handle.write("and the gun\n")
    capsys.readouterr()
    assert main(["verify", "--case", str(made["case"]), "--exports", str(moved)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"{made['out'] / 'note.txt'} (found at {moved / 'note.txt'}): exported file changed since it "
                      "was written (SHA-256 differs)")


def test_a_missing_exports_folder_is_one_line(made, tmp_path, capsys):  # noqa: F811
    capsys.readouterr()
    assert main(["verify", "--case", str(made["case"]), "--exports", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().err.strip() == f"verify: --exports {tmp_path / 'nowhere'}: no such folder"


def test_a_file_slipped_into_an_export_set_is_a_finding(made, capsys):  # noqa: F811
    (made["out"] / "note.docx").write_bytes(b"PK forged record of interview")
    (made["out"] / "unrelated.txt").write_text("someone else's notes")  # not claiming the set's name
    code, lines = verify(capsys, made["case"])
    assert code == 1
    assert lines == [(f"{made['out'] / 'note.docx'}: beside the export set note.manifest.json, but no export "
                      "wrote it (neither the audit log nor the manifest lists it)")]


def _export_then_put_the_older_case_back(made, tmp_path, capsys, before_export, monkeypatch=None):  # noqa: F811
    """Copy the case folder, change it (`before_export`) and export, then put the copy back whole;
    verified on another account when `monkeypatch` is given (the head the working account keeps for
    the case would show the older copy too)."""
    older = tmp_path / "older-case"
    shutil.copytree(made["case"], older)
    case = Case.open(made["case"])
    before_export(case)
    export_run(case, made["run"], made["out"], ["txt"], basename="note-copy-for-cps")
    case.close()
    shutil.rmtree(made["case"])
    shutil.copytree(older, made["case"])
    if monkeypatch is not None:
        monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "another-account"))
    return verify(capsys, made["case"])


def test_a_store_replaced_by_an_older_copy_with_its_head_file_shows_in_a_later_export(made, tmp_path,  # noqa: F811
                                                                                      capsys, monkeypatch):
    """The whole case folder put back as it was (store and head file): the chain is intact and the
    head file agrees, but an export made since, beside the others, names an entry past the chain's end."""
    code, lines = _export_then_put_the_older_case_back(made, tmp_path, capsys, lambda case: None, monkeypatch)
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(f"{made['out'] / 'note-copy-for-cps.manifest.json'}: an export of this case")
    assert "the audit log does not list: the store is older than this export" in lines[0]


def test_a_store_replaced_by_a_much_older_copy_shows_in_an_export_past_the_chain_s_end(made, tmp_path,  # noqa: F811
                                                                                       capsys, monkeypatch):
    def hidden_edit(case: Case) -> None:  # the edit the older copy hides
        editing.edit_text(case, made["run"], editing.segment_ids(case, made["run"])[0], "meet me at the quay",
                          actor="DC Jones")

    code, lines = _export_then_put_the_older_case_back(made, tmp_path, capsys, hidden_edit, monkeypatch)
    assert code == 1 and len(lines) == 1
    assert "names audit entry" in lines[0] and "past the end of this case's chain" in lines[0]


def test_a_store_rolled_back_alone_is_found_by_the_head_file(made, tmp_path, capsys):  # noqa: F811
    older = tmp_path / "older.sqlite"
    shutil.copy(made["case"] / "case.sqlite", older)
    case = Case.open(made["case"])
    export_run(case, made["run"], tmp_path / "out2", ["txt"])
    case.close()
    shutil.copy(older, made["case"] / "case.sqlite")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("(the log was cut short)" in line for line in lines)


def test_a_case_moved_to_another_folder_still_verifies(made, tmp_path, capsys):  # noqa: F811
    moved = tmp_path / "archive" / "case-2026-114"
    moved.parent.mkdir()
    shutil.move(made["case"], moved)
    assert verify(capsys, moved) == (0, [])


def test_a_store_that_is_not_a_database_is_one_line(made, capsys):  # noqa: F811
    (made["case"] / "case.sqlite").write_bytes(b"not a database at all" * 100)
    capsys.readouterr()
    assert main(["verify", "--case", str(made["case"])]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("verify: ")


def test_a_chat_timeline_written_is_checked_by_verify_like_a_transcript_export(tmp_path, capsys):
    """Timelines were logged (`export.timeline_written`) but never checked: verify counted 0 export
    files and a timeline changed since said nothing."""
    from app.cli import main as cli
    from tests.conftest import REPO

    chat = tmp_path / "evidence" / "WhatsApp Chat with Dave.txt"
    chat.parent.mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt", chat)
    case, out = tmp_path / "case", tmp_path / "out"
    assert cli(["timeline", str(chat), "--out", str(out), "--case", str(case), "--format", "json,pdf"]) == 0
    capsys.readouterr()
    assert cli(["verify", "--case", str(case)]) == 0
    assert "2 export file(s)" in capsys.readouterr().out
    written = out / "WhatsApp Chat with Dave.timeline.json"
    written.write_bytes(written.read_bytes().replace(b"Dave", b"Dan", 1))
    assert cli(["verify", "--case", str(case)]) == 1
    err = capsys.readouterr().err
    assert f"{written}: exported file changed since it was written (SHA-256 differs)" in err
