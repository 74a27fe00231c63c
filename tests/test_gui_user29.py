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


CJK = "我们在车里发现了两部手机"
CJK_WORDS = ("我们", "在", "车里", "发现", "了", "两部", "手机")


@pytest.fixture(scope="module")
def lines(win):  # type: ignore[no-untyped-def]
    """A recording whose lines Split meets in other languages and shapes: Chinese with word times (no
    spaces), a line of one word, and a line whose first word faster-whisper timed before the line's start."""
    from app.core.types import Segment, Word

    exhibit = gui_case.add(win.case, "interview_mono.wav")
    chinese = tuple(Word(1000 + i * 300, 1280 + i * 300, w, 0.9) for i, w in enumerate(CJK_WORDS))
    early = (Word(5400, 6300, " Two", 0.9),) + gui_case.words("phones were seized from the vehicle.", 6400)
    gui_case.add_run(win.case, exhibit.id, (Segment(1000, 3100, CJK, words=chinese),
                                            gui_case.segment(4000, "Yes.", None),
                                            Segment(6000, early[-1].end_ms, "Two phones were seized from the vehicle.",
                                                    words=early)), language="zh")
    win.refresh_exhibits()
    return exhibit


def reach_with_down(qtbot, qapp, win, row: int):  # type: ignore[no-untyped-def]
    """The recording's lines shown, the keyboard in the table, Down pressed to `row` (the playhead at its start)."""
    gui_case.open_exhibit(qtbot, win, "interview_mono.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win and not win.player.is_loading(), timeout=5_000)
    table = win.editor.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    table.go_to_row(row - 1 if row else 1)
    qtbot.keyClick(table, Qt.Key.Key_Down if row else Qt.Key.Key_Up)
    start = win.editor.model.segment(row).start_ms
    qtbot.waitUntil(lambda: abs(win.player.position() - start) < 20, timeout=3_000)
    return table


def test_split_of_a_line_of_chinese_cuts_at_a_word_start_not_inside_a_word(qtbot, qapp, win, lines, undone):
    """A line with no spaces but with word times was cut at its middle character: "我们在车里发" | "现了两部手机",
    the word "发现" (its time and probability) given to the first part, its second character in the other."""
    table = reach_with_down(qtbot, qapp, win, 0)
    qtbot.keyClick(table, Qt.Key.Key_S, CTRL_SHIFT)
    first, second = editing.current_segments(win.case, win.session.run_id)[:2]
    assert (first.text, second.text) == ("我们在车里", "发现了两部手机")
    assert [w.text for w in first.words] == ["我们", "在", "车里"] and second.words[0].text == "发现"


def test_split_of_a_line_of_one_word_is_refused_in_one_line(qtbot, qapp, win, lines, undone):
    """Split on "Yes." cut the word in two: "Ye" | "s."."""
    table = reach_with_down(qtbot, qapp, win, 1)
    qtbot.keyClick(table, Qt.Key.Key_S, CTRL_SHIFT)
    assert texts(win) == [CJK, "Yes.", "Two phones were seized from the vehicle."]
    assert win.statusBar().currentMessage() == "A line of one word cannot be split."


def test_split_on_a_line_reached_whose_first_word_starts_before_it_cuts_near_the_middle(qtbot, qapp, win, lines, undone):
    """faster-whisper may time a line's first word from before the line's start; Down seeks to the line's
    start, past that word's start, which was read as heard: the cut fell after the first word ("Two" | …)."""
    table = reach_with_down(qtbot, qapp, win, 2)
    qtbot.keyClick(table, Qt.Key.Key_S, CTRL_SHIFT)
    assert texts(win)[2:] == ["Two phones were seized", "from the vehicle."]
