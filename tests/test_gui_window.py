"""The window on a laptop screen, every state visible, keys, and the smaller fixes.

A window with no worker over a case built without a model (tests/gui_case.py), so
these run in seconds. Tests that edit the interview's transcript run in file order.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox

from app.gui.text_editor import EDITORS
from tests import gui_case
from tests.gui_case import inside, open_exhibit

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


# ------------------------------------------------------------------ states


def test_every_exhibit_state_is_said_in_words(qtbot, win):
    win.refresh()
    model = win.exhibits.model
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}

    def cell(name: str, col: int, role=Qt.ItemDataRole.DisplayRole):
        return model.index(rows[name], col).data(role)

    assert cell("interview_stereo.wav", 5) == "done"
    assert cell("interview_stereo.wav", 3) == "English"
    assert cell("silence_30s.wav", 5) == "no speech found"
    assert cell("de_voicenote.opus", 5) == "language uncertain"
    assert cell("de_voicenote.opus", 3) == "Latin"
    assert "31% sure" in cell("de_voicenote.opus", 5, Qt.ItemDataRole.ToolTipRole)
    assert cell("truncated.mp3", 5) == "done · truncated"
    assert cell("noise_10s.wav", 5) == "failed: the decoder ran out of memory"


def test_the_left_pane_s_tables_fit_at_1280x800(qtbot, qapp, win):
    """The Exhibits and Queue tables scrolled sideways, with Duration, Task and Priority cut off."""
    win.resize(1280, 800)
    win.refresh()
    qtbot.wait(50)
    for table in (win.exhibits.table, win.queue_view.table):
        header = table.horizontalHeader()
        assert table.model().rowCount() > 0
        assert header.length() <= table.viewport().width(), "scrolls sideways"
        assert table.horizontalScrollBar().maximum() == 0
        for col in range(table.model().columnCount()):
            name = table.model().headerData(col, Qt.Orientation.Horizontal)
            assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(name), f"{name} cut off"
    names = win.exhibits.table.horizontalHeader()
    assert names.sectionSize(0) >= 120  # the name elides in the middle but keeps room


def test_the_exhibits_table_fits_with_its_vertical_scroll_bar_showing(qtbot, qapp, win):
    """Many exhibits: the scroll bar took 12 px and the table scrolled sideways by them."""
    table = win.exhibits.table
    try:
        win.resize(1280, 400)  # fewer rows fit than there are exhibits
        win.refresh()
        qtbot.waitUntil(lambda: table.verticalScrollBar().isVisible(), timeout=2000)
        qtbot.wait(50)
        assert table.horizontalHeader().length() <= table.viewport().width(), "scrolls sideways"
        assert table.horizontalScrollBar().maximum() == 0
        header = table.horizontalHeader()
        assert header.sectionSize(0) >= 120
        for col in range(table.model().columnCount()):
            name = table.model().headerData(col, Qt.Orientation.Horizontal)
            assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(name), f"{name} cut off"
    finally:
        win.resize(1280, 800)


def test_garbage_is_collected_on_the_gui_thread_only(qtbot, win):
    """A background thread's allocations set off Python's collector in that thread, which freed
    Qt objects off the GUI thread: the GUI tests died in shiboken's dealloc, now and then."""
    import gc
    import threading

    where: list[int] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            where.append(threading.get_ident())

    def allocate() -> None:
        for _ in range(50_000):  # cycles, as a PDF export's font tables make: far past the threshold
            a: list = []
            a.append(a)

    gc.callbacks.append(note)
    try:
        thread = threading.Thread(target=allocate)
        thread.start()
        thread.join()
        assert thread.ident not in where, "collected in the background thread"
        qtbot.waitUntil(lambda: threading.main_thread().ident in where, timeout=3000)
    finally:
        gc.callbacks.remove(note)


def test_language_uncertain_offers_a_one_click_rerun(qtbot, win):
    open_exhibit(qtbot, win, "de_voicenote.opus")
    notice = win.editor.notice
    assert notice.isVisible() and "Language uncertain: detected as Latin (31% sure)" in notice.label.text()
    assert notice.rerun_button.isVisible()
    notice.language_box.setCurrentIndex(notice.language_box.findData("de"))
    assert notice.language_box.currentText() == "German"
    exhibit = win.editor.exhibit.id
    win.queue.pause()
    win.settings.setValue("transcribe/model", "base")
    try:
        notice.rerun_button.click()
        jobs = [j for j in win.queue.list() if j.exhibit_id == exhibit]
        assert jobs and jobs[-1].options["language"] == "de" and jobs[-1].state in ("queued", "paused")
    finally:
        win.settings.setValue("transcribe/model", "tiny.en")
        for job in win.queue.list():
            if job.exhibit_id == exhibit:
                win.queue.cancel(job.id)
        win.queue.resume()
    open_exhibit(qtbot, win, "silence_30s.wav")
    assert "No speech was found" in win.editor.notice.label.text()
    open_exhibit(qtbot, win, "truncated.mp3")
    assert "truncated or damaged" in win.editor.notice.label.text()
    assert not win.editor.notice.rerun_button.isVisible()


def test_the_rerun_asks_for_a_language_rather_than_offering_english(qtbot, win):
    """The banner over a note read as Latin (or the French one read as Thai) had "English" already
    chosen beside "Re-transcribe in this language": one click forced an English decode of German
    speech, English-sounding words the note does not hold. Nothing is chosen until the user picks."""
    open_exhibit(qtbot, win, "de_voicenote.opus")
    notice = win.editor.notice
    assert notice.rerun_button.isVisible()
    assert notice.language_box.currentData() is None, f"{notice.language_box.currentText()} chosen for the user"
    assert not notice.rerun_button.isEnabled()
    before = len(win.queue.list())
    notice.rerun_button.click()
    assert len(win.queue.list()) == before
    notice.language_box.setCurrentIndex(notice.language_box.findData("de"))
    assert notice.rerun_button.isEnabled()
    open_exhibit(qtbot, win, "silence_30s.wav")  # another run: its own choice, not the last one's
    assert win.editor.notice.language_box.currentData() is None
    assert not win.editor.notice.rerun_button.isEnabled()


def test_a_rerun_in_german_with_an_english_only_model_is_refused_in_one_message(qtbot, win, boxes):
    """It used to queue a job that could only fail ("tiny.en is English-only") in the worker."""
    open_exhibit(qtbot, win, "de_voicenote.opus")
    exhibit = win.editor.exhibit.id
    before = len(win.queue.list())
    shown, _ = boxes
    assert win.transcribe([exhibit], language="de") == []
    assert len(win.queue.list()) == before
    assert shown[-1].startswith("warning: model tiny.en is English-only; it cannot transcribe 'de'")


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_every_control_fits_a_laptop_screen(qtbot, qapp, win, size):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.resize(*size)
    qtbot.waitUntil(lambda: (win.width(), win.height()) == size, timeout=3_000)
    qapp.processEvents()
    assert win.minimumSizeHint().width() <= 1024
    controls = [b for b in win.findChildren(QAbstractButton) if b.isVisible()]
    controls += [win.editor.position_label, win.editor.count_label, win.editor.status_label]
    assert len(controls) > 20
    outside = [f"{type(c).__name__} {getattr(c, 'text', lambda: '')()!r}" for c in controls
               if not inside(win, c)]
    assert outside == []
    assert win.editor.position_label.width() >= win.editor.position_label.fontMetrics().horizontalAdvance(
        "0:00:00.0 / 0:00:00.0")


def test_status_changes_and_long_names_do_not_move_the_panes(qtbot, qapp, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.resize(1280, 800)
    qapp.processEvents()
    split = win.splitters[0]
    before = (split.sizes(), win.editor.table.geometry(), win.width())
    win.editor.mark_verified("Detective Constable Maximilian Alexander Fotheringham-Wolstenholme of the Met")
    qapp.processEvents()
    assert (split.sizes(), win.editor.table.geometry(), win.width()) == before
    assert win.minimumSizeHint().width() <= 1024
    label = win.editor.status_label
    assert label.full_text().startswith("Verified by Detective")
    assert label.text().endswith("…") and label.toolTip() == label.full_text()
    win.undo_action.trigger()
    assert not win.editor.status_label.full_text().startswith("Verified")


RESTART = """
import sys, tempfile
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.gui.main_window import MainWindow
from tests.gui_case import build_case, settings
folder = Path(tempfile.mkdtemp())
case = build_case(folder)
s = settings(folder, Path(sys.argv[1]))
first = MainWindow(case, s, start_worker=False)
first.show(); app.processEvents()
print("opened", first.width(), first.height())
first.resize(1100, 700); first.splitters[0].setSizes([420, 680]); app.processEvents()
wanted = first.splitters[0].sizes()
first.close()
second = MainWindow(case, s, start_worker=False)
second.show(); app.processEvents()
print("restored", second.width(), second.height(), second.splitters[0].sizes() == wanted)
second.close(); case.close()
"""


def test_opening_size_fits_and_size_and_panes_are_restored_on_restart(tmp_path, models_dir):
    """In a child process whose (offscreen) screen is a 1366x768 laptop."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    screens = tmp_path / "screens.json"
    screens.write_text('{"screens":[{"name":"laptop","x":0,"y":0,"width":1366,"height":768,'
                       '"logicalDpi":96,"logicalBaseDpi":96,"dpr":1}]}')
    repo = Path(__file__).resolve().parents[1]
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screens}", PYTHONPATH=str(repo))
    proc = subprocess.run([sys.executable, "-c", RESTART, str(models_dir)], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith(("opened", "restored"))]
    assert lines == ["opened 1280 768", "restored 1100 700 True"], proc.stdout


def test_files_not_added_are_listed_without_a_modal_box(qtbot, win, boxes):
    shown, _ = boxes
    from tests.conftest import MEDIA

    win.add_paths([str(MEDIA / "not_audio.wav"), str(MEDIA / "random_bytes.m4a")])
    panel = win.exhibits.not_added
    qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=20_000)
    assert panel.isVisible() and panel.title.text() == "Could not add 2 file(s)"
    assert any(e.startswith("not_audio.wav: ") for e in panel.entries())
    assert shown == []
    panel.clear()
    assert not panel.isVisible()


# -------------------------------------------------------------------- keys


def test_ctrl_f_puts_the_cursor_in_the_find_field(qtbot, qapp, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win, timeout=3_000)
    win.editor.table.setFocus()
    qtbot.keyClick(win.editor.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.editor.find_edit.hasFocus(), timeout=3_000)
    assert win.editor.find_bar.isVisible()
    win.editor.find_button.setChecked(False)


def test_typing_in_a_table_never_switches_exhibits(qtbot, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    table = win.exhibits.table
    table.setFocus()
    chosen = win.exhibits.selected_ids()
    qtbot.keyClicks(table, "dtns")
    assert win.exhibits.selected_ids() == chosen
    qtbot.keyClicks(win.queue_view.table, "n")
    assert win.exhibits.selected_ids() == chosen


def test_esc_inside_an_edit_cancels_it_and_does_not_play(qtbot, qapp, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    table, model = win.editor.table, win.editor.model
    text = model.index(0, 2).data()
    table.setFocus()
    table.edit(model.index(0, 2))
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    editor = qapp.focusWidget()
    qtbot.keyClicks(editor, " and more")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.index(0, 2).data() == text
    assert not win.player.is_playing()


def test_hold_to_play_plays_while_the_key_is_down(qtbot, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    player, table = win.player, win.editor.table
    qtbot.waitUntil(lambda: not player.is_loading(), timeout=5_000)
    player.seek(5_000)
    table.setFocus()
    qtbot.keyPress(table, Qt.Key.Key_F7)
    qtbot.waitUntil(player.is_playing, timeout=3_000)
    qtbot.wait(600)
    at = player.position()
    qtbot.keyRelease(table, Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=3_000)
    assert player.position() <= at - player.rewind_ms + 400  # auto-rewind on release


def test_speaker_hotkeys_and_pick_list(qtbot, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    editor, model, table = win.editor, win.editor.model, win.editor.table
    names = editor.speakers()
    assert names == ["DC Smith", "Witness"]
    assert [editor.speaker_box.itemData(i) for i in range(editor.speaker_box.count())] == [*names, None]
    table.setFocus()
    table.go_to_row(1)
    qtbot.keyClick(table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert model.segment(1).speaker == "Witness"
    editor.speaker_box.activated.emit(0)
    assert model.segment(1).speaker == "DC Smith"
    win.undo_action.trigger()
    win.undo_action.trigger()
    assert model.segment(1).speaker == "DC Smith"


def test_speaker_numbers_are_this_recording_s_and_stay_put_while_reassigning(qtbot, win):
    """Ctrl+1 set 'Appropriate Adult', a speaker of another exhibit, on the interview."""
    from app.core.editing import operations as editing
    from app.core.store.views import latest_speech_run

    ids = {e.source.name: e.id for e in win.case.exhibits()}
    other = latest_speech_run(win.case, ids["truncated.mp3"]).id
    elsewhere = editing.set_speaker(win.case, other, editing.segment_ids(win.case, other)[0],
                                    "Appropriate Adult", actor="test").revision_id
    try:
        open_exhibit(qtbot, win, "interview_stereo.wav")
        editor, model, table = win.editor, win.editor.model, win.editor.table
        assert editor.speakers() == ["DC Smith", "Witness", "Appropriate Adult"]
        assert "this recording's speakers first" in editor.speaker_box.toolTip()
        witness = [r for r in range(model.rowCount()) if model.segment(r).speaker == "Witness"]
        table.setFocus()
        for row in witness:  # every Witness line to DC Smith, one by one, with Ctrl+1
            table.go_to_row(row)
            qtbot.keyClick(table, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
            assert model.segment(row).speaker == "DC Smith"
        assert editor.speakers()[:2] == ["DC Smith", "Witness"]  # Witness has no line now, still 2
        table.go_to_row(witness[0])
        qtbot.keyClick(table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
        assert model.segment(witness[0]).speaker == "Witness"
        for _ in range(len(witness) + 1):
            win.undo_action.trigger()
        editor.rename_speaker("Witness", "Interviewee")  # a rename keeps its number
        assert editor.speakers() == ["DC Smith", "Interviewee", "Appropriate Adult"]
        win.undo_action.trigger()
        assert editor.speakers() == ["DC Smith", "Witness", "Appropriate Adult"]
        assert [model.segment(r).speaker for r in witness] == ["Witness"] * len(witness)
    finally:
        editing.undo(win.case, elsewhere, actor="test")
        win.editor._fill_speakers()


def test_merging_two_speakers_asks_first(qtbot, win, boxes):
    shown, answers = boxes
    open_exhibit(qtbot, win, "interview_stereo.wav")
    editor, model = win.editor, win.editor.model
    rows = model.rowCount()
    assert model.segment(1).speaker != model.segment(2).speaker
    answers.append(QMessageBox.StandardButton.No)
    assert not editor.merge_rows([1, 2])
    assert model.rowCount() == rows and "different speakers" not in shown[-1] and "Witness" in shown[-1]
    answers.append(QMessageBox.StandardButton.Yes)
    assert editor.merge_rows([1, 2])
    assert model.rowCount() == rows - 1
    win.undo_action.trigger()
    assert model.rowCount() == rows


def test_rate_and_clock_text(qtbot, win):
    from app.gui.transport_bar import rate_text

    assert rate_text(1.25) == "1.25×" and rate_text(1.0) == "1×" and rate_text(0.75) == "0.75×"
    open_exhibit(qtbot, win, "interview_stereo.wav")
    qtbot.waitUntil(lambda: win.player.duration() > 0, timeout=5_000)
    assert win.editor.position_label.text().endswith("/ 00:56.5")
    open_exhibit(qtbot, win, "de_voicenote.opus")
    qtbot.waitUntil(lambda: not win.editor.position_label.text().endswith("/ 00:56.5"), timeout=5_000)


# ------------------------------------------------------------------ smaller


def test_transcribing_again_asks(qtbot, win, boxes):
    shown, answers = boxes
    ids = {e.source.name: e.id for e in win.case.exhibits()}
    before = len(win.queue.list())
    answers.append(QMessageBox.StandardButton.No)
    assert win.request_transcribe([ids["interview_stereo.wav"]]) == []
    assert "1 of the 1 selected exhibit(s) already have a transcript" in shown[-1]
    assert len(win.queue.list()) == before


def test_the_playing_highlight_survives_an_edit(qtbot, win):
    open_exhibit(qtbot, win, "interview_stereo.wav")
    model, player = win.editor.model, win.player
    qtbot.waitUntil(lambda: not player.is_loading(), timeout=5_000)
    player.seek(10_500)
    qtbot.waitUntil(lambda: model.current_row == 3, timeout=3_000)
    rows = model.rowCount()
    win.editor.split_at(0, 5)  # rows are re-read
    assert model.rowCount() == rows + 1 and model.current_row == 4
    win.undo_action.trigger()
    assert model.rowCount() == rows and model.current_row == 3


def test_the_file_dialog_offers_recordings_and_remembers_the_folder(qtbot, win, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    calls: list[tuple] = []
    picked = [str(tmp_path / "calls" / "a.opus")]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (calls.append(a), (picked, ""))[1])
    win.exhibits.blockSignals(True)  # the picked file is not added
    try:
        win.exhibits.pick_files()
        win.exhibits.pick_files()
    finally:
        win.exhibits.blockSignals(False)
    assert "*.opus" in calls[0][3] and "*.mp4" in calls[0][3] and calls[0][3].startswith("Recordings (")
    assert calls[1][2] == str(tmp_path / "calls")
    assert win.settings.value("intake/last_folder") == str(tmp_path / "calls")
