"""A typist working keyboard-only: Enter edits, the cursor and playback move together, and an
edit that renumbers the rows leaves the cursor and the focus where the typist was working.

Its own window over a fresh case (tests/gui_case.py), so the first edit creates the working copy.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from app.core.editing import operations as editing
from app.gui.editor_model import SPEAKER_COL, TEXT_COL
from app.gui.text_editor import EDITORS
from tests import gui_case
from tests.gui_case import focus_table

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def table(qtbot, qapp, win):
    """The interview's segments, the window active, the keyboard in the table, the media loaded."""
    view = focus_table(qtbot, qapp, win)
    yield view
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


def test_the_first_edit_keeps_the_cursor_the_focus_and_the_playhead(qtbot, qapp, win, table):
    """The first edit makes the working copy (every segment renumbered): the model's reset closed
    the editor mid-commit and lost the cursor and the focus, so Down did nothing and Ctrl+Shift+M
    merged row 0 (the playing one) with row 1, and the playhead went back to 0:00."""
    model = win.editor.model
    table.go_to_row(2)
    at = win.player.position()
    table.edit(model.index(2, TEXT_COL))
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    qapp.focusWidget().end(False)
    qtbot.keyClicks(qapp.focusWidget(), " Yes")
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Down)  # out of the edit to the next line: commits it
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert editing.has_working_copy(win.case, win.session.run_id) and model.segment(2).text.endswith(" Yes")
    assert table.currentIndex().row() == 3
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    assert at == model.starts[2] and win.player.position() == model.starts[3]  # playback went along
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 4


def test_enter_opens_the_text_with_the_cursor_after_the_word_heard_nothing_selected(qtbot, qapp, win, table):
    """F2, Qt's edit key, is the typist's skip forward, and Enter did nothing: no key opened a
    segment. An editor opening with the whole text selected lets the first key typed replace it."""
    model = win.editor.model
    table.go_to_row(1)  # "Please state your full name." from 4.0 s, a word every 0.4 s
    win.player.seek(4_500)  # the second word is playing
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    editor = qapp.focusWidget()
    assert table.currentIndex() == model.index(1, TEXT_COL)
    assert editor.text() == "Please state your full name."
    assert not editor.hasSelectedText()
    assert editor.cursorPosition() == len("Please state")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.segment(1).text == "Please state your full name."
    table.go_to_row(1, SPEAKER_COL)  # on the speaker's cell, Enter opens the speaker
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    assert qapp.focusWidget().text() == "DC Smith" and table.currentIndex().column() == SPEAKER_COL
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    menu = [a.text() for a in win.menuBar().actions()[1].menu().actions()]
    assert "Edit segment text\tEnter" in menu


def test_a_split_puts_the_cursor_on_its_second_part_and_undo_back(qtbot, qapp, win, table):
    model = win.editor.model
    table.go_to_row(3)  # "Where were you on Friday night?"
    at = win.player.position()
    table.edit(model.index(3, TEXT_COL))
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    qapp.focusWidget().setCursorPosition(len("Where were you"))
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_S, CTRL_SHIFT)
    assert [model.segment(r).text for r in (3, 4)] == ["Where were you", "on Friday night?"]
    assert table.currentIndex().row() == 4  # the new segment: Ctrl+2 now gives it its speaker
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    assert win.player.position() == at  # the reset's passing by row 0 does not seek there
    qtbot.keyClick(table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert model.segment(4).speaker == "Witness" and model.segment(3).speaker == "DC Smith"
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert model.segment(3).text == "Where were you on Friday night?"
    assert table.currentIndex().row() == 3 and table.hasFocus()


def test_moving_the_cursor_with_the_keys_moves_playback(qtbot, win, table):
    """Down moved the cursor, and Esc then played from wherever playback had been."""
    model, player = win.editor.model, win.player
    table.go_to_row(0)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: player.position() == model.starts[2], timeout=3_000)
    player.seek(model.starts[3] + 900)  # a word clicked in the next segment: the cursor meets it there
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == 3
    assert player.position() == model.starts[3] + 900


def test_the_cursor_follows_playback(qtbot, win, table):
    """Playing on into the next segment left the cursor behind, so Split split the wrong one."""
    model, player = win.editor.model, win.player
    table.go_to_row(1)
    player.seek(model.ends[1])
    player.play()
    try:
        qtbot.waitUntil(lambda: table.currentIndex().row() == 2, timeout=5_000)
    finally:
        player.pause()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=3_000)
    assert table.currentIndex().row() == 2  # the pause's rewind into row 1 leaves the cursor


def test_a_segment_whose_uncertain_words_were_all_reviewed_is_no_longer_shaded(qtbot, win, table):
    """At "0 left" six rows were still shaded as uncertain: the record looked unfinished."""
    from app.gui.editor_model import UNCERTAIN_BG

    model, player = win.editor.model, win.player

    def shaded(row: int) -> bool:
        brush = model.index(row, TEXT_COL).data(Qt.ItemDataRole.BackgroundRole)
        return brush is not None and brush.color() == UNCERTAIN_BG

    assert shaded(4) and shaded(2)  # "At home with my [sister.]", "My name is [Jonas Petraitis.]"
    table.go_to_row(3)
    qtbot.keyClick(table, Qt.Key.Key_F8)
    assert win.editor.review_label.full_text().startswith("“sister.”")
    qtbot.keyClick(table, Qt.Key.Key_W, CTRL_SHIFT)
    player.seek(model.starts[0])  # the playing row has its own colour: play elsewhere
    assert not shaded(4) and shaded(2)
    win.undo_action.trigger()
    assert shaded(4)
