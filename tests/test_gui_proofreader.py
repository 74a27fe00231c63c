"""What a proofreader met walking a record of interview through the window (session 13): Enter
merging two people's lines, skip buttons that did not do what F1/F2 do, a sign-off cut short in
the exhibits list, the keyboard stuck in the exhibits list, and an export that froze the window.

Its own window over a fresh case (tests/gui_case.py); each test undoes its edits.
"""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox

from app.gui import export_flow
from app.gui.exhibits_view import COLUMNS
from app.gui.keys import set_binding
from tests import gui_case
from tests.conftest import MEDIA
from tests.gui_case import export_through_dialog, focus_table, open_exhibit, wait_for_export

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)
REAL_QUESTION = QMessageBox.question  # before the fixture records the boxes instead
STATUS_COL = COLUMNS.index("Status")


@pytest.fixture
def table(qtbot, qapp, win):
    view = focus_table(qtbot, qapp, win)
    yield view
    win.player.pause()
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


def press_in_modal(qtbot, key: Qt.Key, then=None) -> None:  # type: ignore[no-untyped-def]
    """When a modal dialog is up, press `key` in it (then call `then(dialog)` if still open)."""
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, answer)
            return
        qtbot.keyClick(box, key)
        if then is not None and box.isVisible():
            then(box)

    QTimer.singleShot(20, answer)


def test_enter_never_merges_two_people_s_segments_and_the_question_names_them(qtbot, win, table, boxes,
                                                                              monkeypatch):
    """The question's default was Yes, so Enter (pressed to keep typing) attributed a witness's
    answer to the officer; it said "Speaker 1, Speaker 2 and others" of two speakers."""
    shown, _answers = boxes
    model = win.editor.model
    assert win.editor.merge_rows([2, 3]) is False  # the recorded box answers No
    assert shown[-1].startswith("question: These segments are spoken by Witness and DC Smith. Merged, "
                                "all of the text will be attributed to Witness only.")
    assert "others" not in shown[-1]
    monkeypatch.setattr(QMessageBox, "question", REAL_QUESTION)  # a real box, answered from the keyboard
    press_in_modal(qtbot, Qt.Key.Key_Return)
    assert win.editor.merge_rows([2, 3]) is False and model.rowCount() == 5
    press_in_modal(qtbot, Qt.Key.Key_Y)  # Yes said: merged
    assert win.editor.merge_rows([2, 3]) is True and model.rowCount() == 4


def test_enter_in_merge_speakers_cancels_and_the_note_says_what_a_merge_does(qtbot, win, table):
    from app.gui.speaker_tools import MergeDialog

    model = win.editor.model
    before = [model.segment(r).speaker for r in range(model.rowCount())]
    seen: list[str] = []
    press_in_modal(qtbot, Qt.Key.Key_Return, then=lambda d: seen.append("still open"))
    win.editor.speaker_tools.ask_merge()
    assert [model.segment(r).speaker for r in range(model.rowCount())] == before and not seen

    def merge(dialog: MergeDialog) -> None:
        seen.append(dialog.note.text())
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(20, lambda: merge(QApplication.activeModalWidget()))
    table.go_to_row(2)  # the witness's line: "Every segment of: Witness"
    win.editor.speaker_tools.ask_merge()
    assert seen == [("All 2 segment(s) of Witness will be attributed to DC Smith, everywhere in this "
                     "transcript. Merge only if they are the same person (Ctrl+Z undoes it).")]
    assert {model.segment(r).speaker for r in range(model.rowCount())} == {"DC Smith"}


def test_the_skip_buttons_do_what_the_skip_keys_do_and_repeat_while_held(qtbot, win, table):
    """◀◀ moved playback but left the cursor on the segment before (F1 takes it along), so Enter
    then opened the wrong line; held down it skipped once; its tooltip said F1 whatever the key."""
    model, player, back = win.editor.model, win.player, win.editor.transport.back_button
    table.go_to_row(3)  # "Where were you on Friday night?" from 10.0 s
    player.seek(model.starts[3] + 1_000)
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert player.position() == model.starts[3] - 2_000 and table.currentIndex().row() == 2
    player.seek(model.starts[4])
    qtbot.mousePress(back, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(lambda: player.position() <= model.starts[4] - 3 * player.skip_ms, timeout=5_000)
    finally:
        qtbot.mouseRelease(back, Qt.MouseButton.LeftButton)
    assert "Skip back 3 s (F1)" in back.toolTip()
    set_binding(win.settings, "skip_back", QKeySequence("F9"))
    win.settings.setValue("playback/skip_ms", 5000)
    try:
        win.apply_settings()
        assert back.toolTip().startswith(f"Skip back {player.skip_ms / 1000:g} s (F9)")
    finally:
        win.settings.remove("keys/skip_back")
        win.settings.remove("playback/skip_ms")
        win.apply_settings()


def test_a_signed_off_exhibit_reads_whole_in_the_list_with_who_in_its_tooltip(qtbot, win, table):
    """"verified by DC Ann Example" was cut to "verified by D…" in the narrow Status column."""
    win.editor.mark_verified("DC Ann Example")
    win.refresh_exhibits()
    exhibits = win.exhibits
    row = exhibits.model.row_of(win.editor.exhibit.id)
    index = exhibits.model.index(row, STATUS_COL)
    qtbot.waitUntil(lambda: not exhibits.columns._pending, timeout=3_000)
    shown = index.data()
    assert shown == "verified ✓"
    width = exhibits.table.horizontalHeader().sectionSize(STATUS_COL)
    assert exhibits.table.fontMetrics().horizontalAdvance(shown) + 8 <= width
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("verified by DC Ann Example: signed off 20")


def test_enter_on_an_exhibit_puts_the_keyboard_in_its_transcript_and_tab_leaves_the_list(qtbot, qapp, win):
    """The keyboard stayed in the exhibits list: Enter did nothing and Tab went from cell to cell,
    never out, so a typist had to reach for the mouse to start on the transcript."""
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win, timeout=3_000)
    exhibits = win.exhibits.table
    exhibits.setFocus()
    qtbot.waitUntil(exhibits.hasFocus, timeout=3_000)
    qtbot.keyClick(exhibits, Qt.Key.Key_Tab)
    assert not exhibits.hasFocus()
    exhibits.setFocus()
    qtbot.keyClick(exhibits, Qt.Key.Key_Return)
    qtbot.waitUntil(win.editor.table.hasFocus, timeout=3_000)
    assert win.tabs.currentIndex() == 0 and win.editor.table.currentIndex().isValid()


def test_the_export_is_written_off_the_gui_thread_and_said_when_done(qtbot, win, tmp_path, monkeypatch, boxes):
    """A 56 s interview's DOCX and PDF froze the window for 5 s (the export ran on the GUI thread)."""
    shown, _answers = boxes
    open_exhibit(qtbot, win, "interview_stereo.wav")
    threads: list[str] = []
    real = export_flow.export_run

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(export_flow, "export_run", recording)
    out = tmp_path / "out"
    export_through_dialog(win, monkeypatch, out, "pdf")
    assert threads == ["parley-export"] and (out / "interview_stereo.pdf").is_file()
    assert win.statusBar().currentMessage() == f"Exported interview_stereo.pdf and its manifest to {out}" and shown == []
    assert win.exporter.start(MEDIA, ["txt"], [win.session.run_id])  # beside the evidence: refused there
    wait_for_export(win)
    assert len(shown) == 1 and shown[0].startswith("warning: Not exported: ") and "refusing" in shown[0]


def test_ctrl_i_types_an_inaudible_marker_where_the_typist_is(qtbot, qapp, win, table):
    """Nothing marked a stretch the proofreader could not make out: each typed "[inaudible]" their
    own way, without the time the record's machine markers carry."""
    from app.gui.text_editor import EDITORS

    model = win.editor.model
    table.go_to_row(1)  # "Please state your full name." from 4.0 s, a word every 0.4 s
    win.player.seek(4_500)  # the second word is playing
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.segment(1).text == "Please state [inaudible 00:00:04] your full name."
    table.go_to_row(4)  # from the table: its text opens with the marker typed at its end
    qtbot.keyClick(table, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    assert qapp.focusWidget().text() == "At home with my sister. [inaudible 00:00:13]"
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Escape)  # Esc: the edit is cancelled, as ever
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.segment(4).text == "At home with my sister."


def test_an_edit_after_the_sign_off_says_the_sign_off_no_longer_stands(qtbot, qapp, win, table):
    """A typo fixed after signing off turned the record back into a DRAFT with nothing said but the
    status word changing: the proofreader exported a record marked DRAFT."""
    from app.gui.text_editor import EDITORS

    win.editor.mark_verified("DC Ann Example")
    assert win.editor.status_label.full_text() == "Verified by DC Ann Example"
    table.go_to_row(1)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    qtbot.keyClicks(qapp.focusWidget(), "x")
    qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.editor.status_label.full_text() == "Edited (draft)", timeout=3_000)
    assert win.statusBar().currentMessage().startswith(
        "The sign-off by DC Ann Example no longer stands: the transcript is a draft again")


def test_find_says_which_of_how_many_segments_it_is_on(qtbot, qapp, win, table):
    """Enter in the find field went from one segment to the next with nothing said, so the
    proofreader could not tell when every place had been seen."""
    win.editor.open_find()
    qtbot.waitUntil(win.editor.find_edit.hasFocus, timeout=3_000)
    table.go_to_row(0)
    qtbot.keyClicks(win.editor.find_edit, "you")
    holding = [1, 3]  # "Please state your full name.", "Where were you on Friday night?"
    qtbot.keyClick(win.editor.find_edit, Qt.Key.Key_Return)
    assert table.currentIndex().row() == holding[0]
    assert win.statusBar().currentMessage() == f"'you': segment 1 of {len(holding)} holding it."
    for _ in holding[1:]:
        qtbot.keyClick(win.editor.find_edit, Qt.Key.Key_Return)
    qtbot.keyClick(win.editor.find_edit, Qt.Key.Key_Return)
    assert table.currentIndex().row() == holding[0]
    assert win.statusBar().currentMessage().endswith("(from the top again).")
    win.editor.find_button.setChecked(False)


def test_the_panels_are_rebuilt_each_second_only_when_the_case_changed(qtbot, win, monkeypatch):
    """Every second the window rebuilt the exhibits and queue tables from the case: with 500 voice
    notes that took 0.6-2 s of each second, so typing and playback stuttered with nothing running."""
    from app.core.store.jobs import JobQueue
    from app.core.store.views import latest_speech_run, latest_speech_runs

    case = win.case
    every = latest_speech_runs(case)
    assert every == {e.id: latest_speech_run(case, e.id) for e in case.exhibits() if e.id in every}
    assert len(every) == len(case.exhibits()) - 1  # the failed job's exhibit has no run
    built: list[int] = []
    real = win.refresh_exhibits
    monkeypatch.setattr(win, "refresh_exhibits", lambda: (built.append(1), real()))
    win.refresh()
    built.clear()
    win.refresh_if_changed()
    assert built == []  # nothing changed: nothing read again
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.editor.mark_verified("DC Ann Example")  # an edit (audited)
    built.clear()
    win.refresh_if_changed()
    assert built == [1]
    win.refresh_if_changed()
    assert built == [1]
    queue = JobQueue(case.conn)
    job = queue.add(case.exhibits()[0].id, "transcribe", {"model": "tiny.en"})  # another process's job
    win.refresh_if_changed()
    assert built == [1, 1]
    queue.cancel(job)
    win.undo_action.trigger()


def test_closing_the_window_finishes_the_export_being_written(qtbot, qapp, models_dir, tmp_path):
    """Export, then close at once: the export's thread died with the window's process."""
    from app.gui.main_window import MainWindow

    case = gui_case.build_case(tmp_path)
    window = MainWindow(case, gui_case.settings(tmp_path, models_dir), start_worker=False)
    try:
        window.show()
        open_exhibit(qtbot, window, "interview_stereo.wav")
        out = tmp_path / "out"
        assert window.exporter.start(out, ["docx", "pdf"], [window.session.run_id])
        window.close()
        assert not window.exporter.thread.is_alive()
        assert sorted(p.name for p in out.iterdir()) == [
            "interview_stereo.docx", "interview_stereo.manifest.json", "interview_stereo.pdf"]
    finally:
        case.close()
