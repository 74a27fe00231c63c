"""`verify --exports` on an export made before a later edit said nothing of it (session 22): the export
is still intact, but no longer the case's text. A note says so, where true (never a finding)."""

from __future__ import annotations

from app.cli import main
from app.core.editing import operations as editing
from app.core.store import Case
from app.core.usecases.exporting import export_run
from tests.test_verify import made  # noqa: F401 - the fixture: a case, a run edited once, exported to out/

STALE = "the case's text has changed since this export"


def verify_notes(capsys, made) -> tuple[int, list[str], str]:  # noqa: F811
    capsys.readouterr()
    code = main(["verify", "--case", str(made["case"]), "--exports", str(made["out"])])
    out, err = capsys.readouterr()
    return code, [line for line in out.splitlines() if STALE in line], err


def test_an_edit_after_an_export_is_said_and_undone_it_is_not(made, capsys):  # noqa: F811
    assert verify_notes(capsys, made) == (0, [], "")
    case = Case.open(made["case"])
    run = made["run"]
    segment = editing.segment_ids(case, run)[0]
    change = editing.edit_text(case, run, segment, "meet me at the station", actor="DS Patel")
    case.close()
    code, notes, err = verify_notes(capsys, made)
    assert code == 0 and err == ""  # the export is intact: a note, not a finding
    assert len(notes) == 1 and "note.manifest.json" in notes[0] and "DS Patel" in notes[0], notes

    case = Case.open(made["case"])
    editing.undo(case, change.revision_id, actor="DS Patel")  # back to the text exported
    case.close()
    assert verify_notes(capsys, made)[1] == []


def test_a_sign_off_changes_no_text_and_a_new_export_is_current(made, capsys):  # noqa: F811
    case = Case.open(made["case"])
    run = made["run"]
    editing.set_verified(case, run, "DS Patel", actor="DS Patel")
    assert verify_notes(capsys, made)[1] == []
    editing.edit_text(case, run, editing.segment_ids(case, run)[1], "bring the car", actor="DS Patel")
    assert len(verify_notes(capsys, made)[1]) == 1
    export_run(case, run, made["out"], ["txt"])  # the same set written again: current
    case.close()
    assert verify_notes(capsys, made)[1] == []
