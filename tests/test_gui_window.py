"""The window on a laptop screen, every state visible, review and sign-off, keys, queue.

A window with no worker over a case built without a model (tests/gui_case.py), so
these run in seconds. Tests that edit the interview's transcript run in file order.
"""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QInputDialog, QLineEdit, QMessageBox, QWidget

from app.core import editing
from tests.gui_case import build_case, settings

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]


@pytest.fixture(autouse=True)
def boxes(monkeypatch):
    """Record message boxes (they would block offscreen); question() answers from `answers`."""
    shown: list[str] = []
    answers: list[QMessageBox.StandardButton] = []
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, _n=name, **k: shown.append(f"{_n}: {a[2]}"))

    def question(*a, **k):
        shown.append(f"question: {a[2]}")
        return answers.pop(0) if answers else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    return shown, answers


@pytest.fixture(scope="module")
def win(qapp, models_dir, tmp_path_factory):
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("window")
    case = build_case(folder)
    window = MainWindow(case, settings(folder, models_dir), start_worker=False)
    window.start_worker = lambda: False  # a re-run only queues its job
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    case.close()


def _open(qtbot, window, name: str) -> None:
    ids = {e.source.name: e.id for e in window.case.exhibits()}
    window.exhibits.select(ids[name])
    qtbot.waitUntil(lambda: window.editor.exhibit is not None and window.editor.exhibit.id == ids[name],
                    timeout=5_000)


def _inside(window: QWidget, widget: QWidget) -> bool:
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.rect().contains(QRect(top_left, widget.size()))


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


def test_language_uncertain_offers_a_one_click_rerun(qtbot, win):
    _open(qtbot, win, "de_voicenote.opus")
    notice = win.editor.notice
    assert notice.isVisible() and "Language uncertain: detected as Latin (31% sure)" in notice.label.text()
    assert notice.rerun_button.isVisible()
    notice.language_box.setCurrentIndex(notice.language_box.findData("de"))
    assert notice.language_box.currentText() == "German"
    exhibit = win.editor.exhibit.id
    win.queue.pause()
    try:
        notice.rerun_button.click()
        jobs = [j for j in win.queue.list() if j.exhibit_id == exhibit]
        assert jobs and jobs[-1].options["language"] == "de" and jobs[-1].state in ("queued", "paused")
    finally:
        for job in win.queue.list():
            if job.exhibit_id == exhibit:
                win.queue.cancel(job.id)
        win.queue.resume()
    _open(qtbot, win, "silence_30s.wav")
    assert "No speech was found" in win.editor.notice.label.text()
    _open(qtbot, win, "truncated.mp3")
    assert "truncated or damaged" in win.editor.notice.label.text()
    assert not win.editor.notice.rerun_button.isVisible()


# ------------------------------------------------------------------ layout


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_every_control_fits_a_laptop_screen(qtbot, qapp, win, size):
    _open(qtbot, win, "interview_stereo.wav")
    win.resize(*size)
    qtbot.waitUntil(lambda: (win.width(), win.height()) == size, timeout=3_000)
    qapp.processEvents()
    assert win.minimumSizeHint().width() <= 1024
    controls = [b for b in win.findChildren(QAbstractButton) if b.isVisible()]
    controls += [win.editor.position_label, win.editor.count_label, win.editor.status_label]
    assert len(controls) > 20
    outside = [f"{type(c).__name__} {getattr(c, 'text', lambda: '')()!r}" for c in controls
               if not _inside(win, c)]
    assert outside == []
    assert win.editor.position_label.width() >= win.editor.position_label.fontMetrics().horizontalAdvance(
        "0:00:00.0 / 0:00:00.0")


def test_status_changes_and_long_names_do_not_move_the_panes(qtbot, qapp, win):
    _open(qtbot, win, "interview_stereo.wav")
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


# ------------------------------------------------------------------ review


def test_review_counter_steps_without_extending_the_selection(qtbot, win):
    _open(qtbot, win, "interview_stereo.wav")
    editor, table = win.editor, win.editor.table
    assert editor.count_label.text() == "0 of 3 uncertain · 3 left"
    win.player.seek(0)
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_F8)
    assert editor.count_label.text().startswith("1 of 3 uncertain")
    qtbot.keyClick(table, Qt.Key.Key_F8)
    qtbot.keyClick(table, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert editor.count_label.text().startswith("1 of 3 uncertain")
    assert len(table.selectionModel().selectedRows()) == 1
    assert editor.count_label.isVisible() and not editor.count_label.text().endswith("…")


def test_a_word_marked_reviewed_and_sign_off_that_asks(qtbot, win, boxes):
    shown, answers = boxes
    _open(qtbot, win, "interview_stereo.wav")
    editor = win.editor
    editor.review.refresh(reset_position=True)
    win.player.seek(0)
    qtbot.waitUntil(lambda: win.player.position() < 100, timeout=3_000)
    editor.next_uncertain()
    assert editor.mark_current_reviewed()
    assert editor.count_label.text() == "1 of 3 uncertain · 2 left"
    assert "reviewed" in editor.review_label.full_text()
    run = win.session.run_id
    assert editing.history(win.case, run)[-1].op == "mark_reviewed"
    assert editing.history(win.case, run)[-1].actor == "DC Ann Example"
    answers.append(QMessageBox.StandardButton.No)
    assert not editor.ask_verify()
    assert "2 of 3 uncertain words were never reviewed" in shown[-1]
    assert editing.status(win.case, run)[0] != "verified"
    answers.append(QMessageBox.StandardButton.Yes)
    assert editor.ask_verify()
    assert editing.status(win.case, run) == ("verified", "DC Ann Example")
    win.undo_action.trigger()  # verification
    win.undo_action.trigger()  # the reviewed mark
    assert editor.count_label.text().endswith("3 left")


def test_uncertain_words_stay_readable_on_a_selected_row(qtbot, qapp, win):
    from app.gui.segment_table import UNCERTAIN_BG, contrast_ratio

    _open(qtbot, win, "interview_stereo.wav")
    table = win.editor.table
    table.go_to_row(2)
    table.setFocus()
    qapp.processEvents()
    rect = table.visualRect(table.model().index(2, 2))
    image: QImage = table.viewport().grab(rect).toImage()
    bg = [(x, y) for y in range(image.height()) for x in range(image.width())
          if QColor(image.pixel(x, y)) == UNCERTAIN_BG]
    assert bg, "the uncertain words' background is drawn on the selected row"
    xs, ys = [p[0] for p in bg], [p[1] for p in bg]
    darkest = min((QColor(image.pixel(x, y)) for y in range(min(ys), max(ys) + 1)
                   for x in range(min(xs), max(xs) + 1)), key=lambda c: c.lightness())
    assert contrast_ratio(darkest, UNCERTAIN_BG) >= 4.5
    palette = table.palette()
    assert contrast_ratio(palette.color(palette.ColorRole.HighlightedText),
                          palette.color(palette.ColorRole.Highlight)) >= 4.5


def test_history_shows_old_and_new_text_in_words(qtbot, win):
    _open(qtbot, win, "interview_stereo.wav")
    model = win.editor.model
    old = model.index(1, 2).data()
    model.setData(model.index(1, 2), "Please state your full name and address.")
    win.tabs.setCurrentIndex(2)
    top = win.history.topLevelItem(0)
    assert top.text(2) == "DC Ann Example" and top.text(3) == "Text edited"
    assert top.text(4) == f"“{old}” → “Please state your full name and address.”"
    win.tabs.setCurrentIndex(0)
    win.undo_action.trigger()


def test_user_name_is_asked_on_first_start(qtbot, qapp, models_dir, tmp_path, monkeypatch):
    from app.gui.main_window import MainWindow
    from app.gui.prefs import user_name

    asked: list[str] = []
    monkeypatch.setattr(QInputDialog, "getText",
                        lambda *a, **k: (asked.append(a[1]), ("PC Jo Bloggs", True))[1])
    case = build_case(tmp_path)
    s = settings(tmp_path, models_dir, user=None)
    window = MainWindow(case, s, start_worker=False)
    try:
        window.show()
        qtbot.waitUntil(lambda: bool(asked), timeout=3_000)
        assert asked == ["Your name"] and user_name(s) == "PC Jo Bloggs"
        assert window.session.actor() == "PC Jo Bloggs"
    finally:
        window.close()
        case.close()


# -------------------------------------------------------------------- keys


def test_ctrl_f_puts_the_cursor_in_the_find_field(qtbot, qapp, win):
    _open(qtbot, win, "interview_stereo.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win, timeout=3_000)
    win.editor.table.setFocus()
    qtbot.keyClick(win.editor.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.editor.find_edit.hasFocus(), timeout=3_000)
    assert win.editor.find_bar.isVisible()
    win.editor.find_button.setChecked(False)


def test_typing_in_a_table_never_switches_exhibits(qtbot, win):
    _open(qtbot, win, "interview_stereo.wav")
    table = win.exhibits.table
    table.setFocus()
    chosen = win.exhibits.selected_ids()
    qtbot.keyClicks(table, "dtns")
    assert win.exhibits.selected_ids() == chosen
    qtbot.keyClicks(win.queue_view.table, "n")
    assert win.exhibits.selected_ids() == chosen


def test_esc_inside_an_edit_cancels_it_and_does_not_play(qtbot, qapp, win):
    _open(qtbot, win, "interview_stereo.wav")
    table, model = win.editor.table, win.editor.model
    text = model.index(0, 2).data()
    table.setFocus()
    table.edit(model.index(0, 2))
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), QLineEdit), timeout=3_000)
    editor = qapp.focusWidget()
    qtbot.keyClicks(editor, " and more")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert model.index(0, 2).data() == text
    assert not win.player.is_playing()


def test_hold_to_play_plays_while_the_key_is_down(qtbot, win):
    _open(qtbot, win, "interview_stereo.wav")
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
    _open(qtbot, win, "interview_stereo.wav")
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


def test_merging_two_speakers_asks_first(qtbot, win, boxes):
    shown, answers = boxes
    _open(qtbot, win, "interview_stereo.wav")
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
    _open(qtbot, win, "interview_stereo.wav")
    qtbot.waitUntil(lambda: win.player.duration() > 0, timeout=5_000)
    assert win.editor.position_label.text().endswith("/ 00:56.5")
    _open(qtbot, win, "de_voicenote.opus")
    qtbot.waitUntil(lambda: not win.editor.position_label.text().endswith("/ 00:56.5"), timeout=5_000)


# ------------------------------------------------------------------- video


def test_a_video_shows_its_picture_beside_the_transcript_in_step(qtbot, qapp, win):
    from tests.gui_case import INTERVIEW, add, add_run

    video = add(win.case, "interview.mp4")
    add_run(win.case, video.id, INTERVIEW)
    win.refresh()
    win.resize(1280, 800)
    _open(qtbot, win, "interview.mp4")
    pane, table, player = win.editor.video, win.editor.table, win.player
    assert pane.isVisible()
    qapp.processEvents()
    assert pane.mapTo(win, QPoint(0, 0)).x() > table.mapTo(win, QPoint(0, 0)).x() + table.width() - 5
    assert _inside(win, pane) and pane.width() >= 200
    qtbot.waitUntil(lambda: not player.is_loading(), timeout=10_000)
    player.seek(7_000)
    player.play()
    qtbot.waitUntil(pane.frame_is_shown, timeout=10_000)
    qtbot.waitUntil(lambda: player.position() > 7_300, timeout=5_000)
    qtbot.waitUntil(lambda: win.editor.model.current_row == 2, timeout=3_000)  # the segment at 7-9 s
    frame_ms = pane.video.videoSink().videoFrame().startTime() // 1000
    assert abs(frame_ms - player.position()) < 1_000  # picture and clock in step
    player.pause()
    _open(qtbot, win, "interview_stereo.wav")
    assert not pane.isVisible()


# --------------------------------------------------------------- translate


def test_translate_action_with_a_model_picker(qtbot, qapp, win, tmp_path, monkeypatch):
    import json

    from app.gui.translate_dialog import TranslateDialog

    models = tmp_path / "models"
    for name, family in (("nllb-600m", "nllb"), ("tiny.en", "whisper")):
        (models / name).mkdir(parents=True)
        (models / name / "model.bin").write_bytes(b"x")
        (models / name / "parley-model.json").write_text(json.dumps({"family": family}))
    dialog = TranslateDialog(models, "en")
    assert [dialog.model_box.itemData(i) for i in range(dialog.model_box.count())] == ["nllb-600m"]
    assert dialog.target_box.findData("en") == -1 and dialog.target_box.findText("German") >= 0
    dialog.add_folder(str(tmp_path / "elsewhere" / "m2m"))
    dialog.target_box.setCurrentIndex(dialog.target_box.findData("de"))
    assert dialog.options() == {"model": str(tmp_path / "elsewhere" / "m2m"), "target": "de"}
    empty = TranslateDialog(tmp_path / "none", "en")
    assert not empty.ok_button.isEnabled() and "No translation model" in empty.note.text()

    _open(qtbot, win, "interview_stereo.wav")
    assert _inside(win, win.translate_button)
    win.queue.pause()
    try:
        job = win.translate({"model": "nllb-600m", "target": "de"})
        queued = win.queue.get(job)
        assert queued.task == "translate"
        assert queued.options == {"model": "nllb-600m", "target": "de", "run_id": win.session.run_id,
                                  "source": "en"}
    finally:
        win.queue.cancel(job)
        win.queue.resume()


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
    _open(qtbot, win, "interview_stereo.wav")
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


def test_translation_view_shows_speakers_flags_and_language_names(qtbot, win):
    from app.core.provenance import software_info
    from app.core.types import FLAG_LENGTH_LONG, ModelInfo, Segment
    from tests.gui_case import INTERVIEW

    case = win.case
    exhibit = next(e for e in case.exhibits() if e.source.name == "interview_stereo.wav")
    parent = case.latest_run(exhibit.id, "transcribe")
    run = case.start_run(exhibit.id, "text-translate", ModelInfo("nllb", "/m", "00" * 32, "nllb"), {},
                         software_info(), parent_run_id=parent, source_language="en")
    target = tuple(Segment(s.start_ms, s.end_ms, f"[de] {s.text}", source_text=s.text,
                           flags=(FLAG_LENGTH_LONG,) if i == 1 else ()) for i, s in enumerate(INTERVIEW))
    case.append_segments(run, target, {}, "de", None)
    case.finish_run(run)
    _open(qtbot, win, "interview_stereo.wav")
    win.translation.show_exhibit(exhibit.id)
    view, model = win.translation, win.translation.model
    assert view.runs.currentText().startswith(f"run {run}: text-translate → German")
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Source (English)"
    assert model.headerData(2, Qt.Orientation.Horizontal) == "Translation (German)"
    assert model.index(0, 3).data() == "DC Smith" and model.index(2, 3).data() == "Witness"
    assert model.index(1, 4).data() == "longer than expected: may repeat text"
    assert model.index(0, 4).data() is None
    assert "1 to check" in view.note.text()
    header = view.table.horizontalHeader()
    assert header.visualIndex(3) == 1  # the speaker beside the time


def test_a_three_hour_transcript_opens_and_edits_without_freezing(qtbot, qapp, win):
    """3,000 segments: rows are measured only when seen (measuring all of them took 12 s to open
    and 4 s per edit); the review counter reads its words in one query."""
    import time

    from tests.gui_case import add, add_run, segment

    exhibit = add(win.case, "interview_mono.wav")
    add_run(win.case, exhibit.id, tuple(
        segment(i * 3000, f"Sentence number {i} is spoken here by someone.", "A" if i % 2 else "B",
                low=(2,) if i % 5 == 0 else ()) for i in range(3000)))
    win.refresh()
    started = time.perf_counter()
    win.exhibits.select(exhibit.id)
    qapp.processEvents()
    opened = time.perf_counter() - started
    model = win.editor.model
    assert model.rowCount() == 3000 and win.editor.count_label.text() == "0 of 600 uncertain · 600 left"
    model.setData(model.index(5, 2), "Changed once.")  # makes the working copy (core work)
    qapp.processEvents()
    started = time.perf_counter()
    model.setData(model.index(6, 2), "Changed twice.")
    qapp.processEvents()
    edited = time.perf_counter() - started
    started = time.perf_counter()
    win.editor.split_at(7, 5)
    qapp.processEvents()
    split = time.perf_counter() - started
    assert opened < 3.0 and edited < 1.0 and split < 1.5, (opened, edited, split)
