"""What a typist signing off a record of interview met in the window (session walk-through).

A window with no worker over a case built without a model (tests/gui_case.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from app.core.editing import operations as editing
from app.core.store.interview import verified_at as stored_verified_at
from tests import gui_case
from tests.gui_case import export_through_dialog, open_exhibit

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def test_renaming_a_speaker_to_the_same_name_changes_nothing(qtbot, win):
    """A typist who opens "Rename speaker" and presses OK on the same name made a revision
    ("DC Smith → DC Smith") that turned a machine draft into "edited" and voided a sign-off."""
    open_exhibit(qtbot, win, "interview_stereo.wav")
    run_id = win.session.run_id
    before = len(editing.history(win.case, run_id))
    win.editor.rename_speaker("DC Smith", " DC Smith ")
    assert len(editing.history(win.case, run_id)) == before
    assert win.editor.status_label.full_text() == "Machine draft"
    assert not win.undo_action.isEnabled()
    assert "already named DC Smith" in win.statusBar().currentMessage()


def test_the_text_export_says_who_verified_it_and_when(qtbot, win, tmp_path):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    run_id = win.session.run_id
    win.editor.mark_verified("DC Jane Jones")
    paths, error = win.export_to(tmp_path, ["txt"], [run_id])
    assert error is None
    status = next(line for line in paths[0].read_text().splitlines() if line.startswith("Status:"))
    verified_at = stored_verified_at(win.case, run_id)
    assert verified_at
    assert status == f"Status: verified by DC Jane Jones at {verified_at}"
    win.undo_action.trigger()


def test_a_telegram_chat_without_voice_notes_reads_plainly_in_the_timeline(qtbot, win):
    """The investigator saw "0 of 0 voice notes or videos transcribed" and a call logged as
    "phone call: 35" (35 what?)."""
    from app.gui.timeline_view import MESSAGE
    from tests.test_gui_timeline import take_in

    take_in(win, Path(__file__).parent / "fixtures" / "chats" / "telegram_full")
    view = win.chats.view
    assert "no voice notes or videos, 3 attachments missing" in view.title.text()
    assert "0 of 0" not in view.title.text()
    texts = [view.proxy.index(r, MESSAGE).data() for r in range(view.proxy.rowCount())]
    assert "phone call: 35 s" in texts


def test_a_successful_export_is_said_on_the_status_line_not_in_a_box(qtbot, win, boxes, tmp_path, monkeypatch):
    shown, _answers = boxes
    open_exhibit(qtbot, win, "interview_stereo.wav")
    out = tmp_path / "out"
    shown.clear()
    export_through_dialog(win, monkeypatch, out, "txt")
    assert (out / "interview_stereo.txt").is_file()
    assert shown == []
    assert win.statusBar().currentMessage() == f"Exported interview_stereo.txt and its manifest to {out}"
