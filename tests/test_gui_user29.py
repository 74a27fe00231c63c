"""The window as session 29's proofreader and typist met it (offscreen, 1280x800).

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from app.core.editing import operations as editing
from tests import gui_case
from tests.gui_case import focus_table

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
win = gui_case.win  # the shared fixture (a window per module)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def texts(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.text for s in editing.current_segments(window.case, window.session.run_id)]


@pytest.fixture
def undone(win):  # type: ignore[no-untyped-def]
    """After the test: every change undone (the window is shared by the module)."""
    yield
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


def test_split_on_a_line_just_reached_with_down_cuts_near_its_middle_not_after_its_first_word(qtbot, qapp, win, undone):
    """Down to a line puts the playhead on its first word; Ctrl+Shift+S then cut "Please" | "state your
    full name.": the playing-word rule read the line's start as the place heard. Nothing of it heard yet,
    the cut is at the word start nearest the middle, as the README says of a split with nothing typed."""
    table = focus_table(qtbot, qapp, win)
    table.go_to_row(0)
    qtbot.keyClick(table, Qt.Key.Key_Down)  # "Please state your full name.", its first word at 4.0 s
    start = win.editor.model.segment(1).start_ms
    qtbot.waitUntil(lambda: abs(win.player.position() - start) < 20, timeout=3_000)
    qtbot.keyClick(table, Qt.Key.Key_S, CTRL_SHIFT)
    assert texts(win)[1:3] == ["Please state", "your full name."]


def test_split_after_part_of_a_line_was_heard_still_cuts_at_the_word_playing(qtbot, qapp, win, undone):
    """The playing-word rule stands once a word of the line has been heard (paused inside it)."""
    table = focus_table(qtbot, qapp, win)
    table.go_to_row(1)
    fourth = win.editor.model.segment(1).words[3]  # "full"
    win.player.seek(fourth.start_ms - 10)
    qtbot.waitUntil(lambda: abs(win.player.position() - (fourth.start_ms - 10)) < 20, timeout=3_000)
    qtbot.keyClick(table, Qt.Key.Key_S, CTRL_SHIFT)
    assert texts(win)[1:3] == ["Please state your", "full name."]
