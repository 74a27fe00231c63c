"""The window as session 31's proofreader met it (offscreen, 1280x800), over cases built without a model."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from tests import gui_case

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def two_cases(qapp, models_dir, tmp_path):  # type: ignore[no-untyped-def]
    """The window on the shared test case (interview_stereo.wav is its exhibit 1), and another case
    whose exhibit 1 is interview_mono.wav, transcribed."""
    from app.core.store import Case
    from app.gui.main_window import MainWindow

    other = Case.open(tmp_path / "other")
    exhibit = gui_case.add(other, "interview_mono.wav")
    gui_case.add_run(other, exhibit.id, (gui_case.segment(1000, "Where were you on the 14th of March?", "DC Harris"),))
    other.close()
    window = MainWindow(gui_case.build_case(tmp_path), gui_case.settings(tmp_path, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    yield window, tmp_path / "other"
    window.close()
    window.case.close()


def test_another_case_opened_closes_the_find_bar_left_open_on_the_last_one(qtbot, qapp, two_cases):
    """A proofreader searched the interview for "sister", then opened another case: its editor was empty
    ("Select an exhibit…", every button disabled, Find/Replace too) while the bar stayed open with
    "sister" in it and its Next and Replace all live, and the disabled button could not close it. The bar
    now closes with the transcript; Ctrl+F on the new case's exhibit opens it again."""
    window, other = two_cases
    table = gui_case.focus_table(qtbot, qapp, window)
    bar = window.editor.find_bar
    qtbot.keyClick(table, Qt.Key.Key_F, CTRL)
    qtbot.waitUntil(bar.find_edit.hasFocus, timeout=3_000)
    qtbot.keyClicks(bar.find_edit, "sister")
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Return)
    assert bar.isVisible() and window.editor.find_button.isChecked()
    window.open_case(other)
    assert window.editor.exhibit is None and not window.editor.find_button.isEnabled()
    assert not bar.isVisible() and not window.editor.find_button.isChecked()
    window.exhibits.select(window.case.exhibits()[0].id)
    qtbot.waitUntil(lambda: window.editor.exhibit is not None, timeout=5_000)
    window.editor.table.setFocus()
    qtbot.waitUntil(window.editor.table.hasFocus, timeout=3_000)
    qtbot.keyClick(window.editor.table, Qt.Key.Key_F, CTRL)
    qtbot.waitUntil(bar.find_edit.hasFocus, timeout=3_000)
    assert bar.isVisible() and window.editor.find_button.isChecked()


def test_another_case_opened_selects_none_of_its_exhibits_and_a_click_opens_one(qtbot, qapp, two_cases):
    """The list kept its selection by exhibit id across the case switch: the new case's exhibit 1 stood
    highlighted while the editor said "Select an exhibit to see its transcript.", and clicking it did
    nothing (it was selected already); the user had to click another exhibit and come back."""
    window, other = two_cases
    gui_case.open_exhibit(qtbot, window, "interview_stereo.wav")
    assert window.exhibits.selected_ids() == [1]
    window.open_case(other)
    assert window.editor.exhibit is None and window.exhibits.selected_ids() == []
    view = window.exhibits.table
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(window.exhibits.model.index(0, 0)).center())
    qtbot.waitUntil(lambda: window.editor.exhibit is not None, timeout=5_000)
    assert window.editor.exhibit.source.name == "interview_mono.wav"
    assert window.editor.model.segment(0).text == "Where were you on the 14th of March?"


def test_a_line_clicked_low_in_the_view_is_the_line_chosen_and_played(qtbot, qapp, models_dir, tmp_path):
    """Paused on a line near the top, a click on a line in the lower third of the view: the seek to the word
    clicked turned the page (the line heard brought near the top) before the table took the press, which then
    chose the line moved under the mouse and played it from its start (on the shared video's transcript, a
    click on "No comment." at 00:27.5 chose and played "Two phones were seized…" at 00:38.8)."""
    from app.core.store import Case
    from app.gui.main_window import MainWindow

    case = Case.open(tmp_path / "case")
    exhibit = gui_case.add(case, "interview_mono.wav")
    lines = tuple(gui_case.segment(i * 2500, f"Line {i} of the interview, said here.", "DC Harris")
                  for i in range(20))
    gui_case.add_run(case, exhibit.id, lines)
    window = MainWindow(case, gui_case.settings(tmp_path, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    try:
        gui_case.open_exhibit(qtbot, window, "interview_mono.wav")
        qtbot.waitUntil(lambda: not window.player.is_loading(), timeout=5_000)
        table, model = window.editor.table, window.editor.model
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(model.index(1, 2)).center())
        qtbot.waitUntil(lambda: window.editor.current_row() == 1, timeout=3_000)
        height = table.viewport().height()
        low = max(r for r in range(model.rowCount())
                  if table.visualRect(model.index(r, 2)).bottom() < height)  # the last line wholly shown
        assert table.visualRect(model.index(low, 2)).top() > height * 2 / 3
        qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                         pos=table.visualRect(model.index(low, 2)).center())
        qtbot.wait(300)
        assert window.editor.current_row() == low
        start, end = lines[low].start_ms, lines[low].end_ms
        qtbot.waitUntil(lambda: start <= window.player.position() <= end, timeout=3_000)
    finally:
        window.close()
        window.case.close()
