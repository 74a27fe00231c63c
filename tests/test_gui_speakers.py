"""The window's speakers: a colour per speaker (readable on selected rows, on the waveform too),
merge and split speakers with undo, enrolment off the GUI thread, and the bar offering a known
voice with Confirm / Dismiss. A case with real diarised conversations (shared/eval/diar)."""

from __future__ import annotations

import shutil
import time

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtGui import QColor

from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store.speakers import profile_list
from app.core.usecases import speakers as usecase
from app.gui.segment_table import contrast_ratio
from app.gui.speaker_colours import CHIP_TEXT, PALETTE, place_colour
from tests import gui_case
from tests.gui_case import open_exhibit, settings
from tests.test_speakers import segments_of

pytestmark = [pytest.mark.gui, pytest.mark.timeout(180)]
boxes = gui_case.boxes


@pytest.fixture(scope="module")
def win(qapp, models_dir, tmp_path_factory, diarised_case):
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("speakers_window")
    shutil.copytree(diarised_case, folder / "case")  # two_lj_bush, three_lj_bush_osr, ... diarised (conftest)
    case = Case.open(folder / "case")
    first = case.latest_run(1, "transcribe")
    assert case.exhibit(1).source.name == "two_lj_bush.wav"
    usecase.enrol_segments(case, first, segments_of(case, first, "two_lj_bush", "lj"), "Linda Johnson")
    window = MainWindow(case, settings(folder, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    case.close()


def speakers_now(win) -> list[str]:
    return editing.speakers(win.case, win.session.run_id)


def test_every_speaker_has_its_own_readable_colour():
    assert all(contrast_ratio(colour, CHIP_TEXT) >= 4.5 for colour in PALETTE)
    assert len({place_colour(p).name() for p in range(len(PALETTE))}) == len(PALETTE)
    assert place_colour(len(PALETTE)) == place_colour(0)  # more speakers than colours: they come round again


def test_the_speaker_column_and_waveform_carry_the_colour_on_selected_rows(qtbot, win):
    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")
    editor, table = win.editor, win.editor.table
    qtbot.waitUntil(lambda: editor.model.rowCount() > 10, timeout=5_000)
    table.selectRow(0)
    qtbot.wait(50)
    image = table.viewport().grab().toImage()
    expected = editor.table.speaker_delegate.colour(editor.model.segment(0).speaker)
    rect = table.visualRect(editor.model.index(0, 1))
    found = QColor(image.pixel(rect.left() + 8, rect.center().y()))
    assert found.name() == expected.name()  # the chip keeps its colour on a selected row
    assert contrast_ratio(found, CHIP_TEXT) >= 4.5
    wave = editor.waveform
    assert [c.name() for c in wave.colours[:3]] == [
        editor.table.speaker_delegate.colour(editor.model.segment(r).speaker).name() for r in range(3)]


def test_a_known_voice_is_offered_and_confirmed_undoably(qtbot, win):
    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")
    bar = win.editor.speaker_tools.bar
    assert bar.isVisible() and len(bar.rows) == 1
    offer, label, confirm, _dismiss = bar.rows[0]
    assert offer.profile == "Linda Johnson" and "sounds like" in label.text()
    assert "Linda Johnson" not in speakers_now(win)
    confirm.click()
    assert "Linda Johnson" in speakers_now(win) and offer.speaker not in speakers_now(win)
    assert not bar.isVisible()
    win.session.stack.undo()
    assert offer.speaker in speakers_now(win) and bar.isVisible()
    bar.rows[0][3].click()  # dismiss
    assert not bar.isVisible()
    assert usecase.suggestions(win.case, win.session.run_id) == []


def test_merge_and_split_speakers_with_undo(qtbot, win):
    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")
    tools, model = win.editor.speaker_tools, win.editor.model
    before = list(speakers_now(win))
    assert tools.merge("Speaker 3", "Speaker 1")
    assert speakers_now(win) == [n for n in before if n != "Speaker 3"]
    assert "Speaker 3" not in model.speakers
    assert "Speakers merged" in win.history.topLevelItem(win.history.topLevelItemCount() - 1).text(2) or \
        editing.history(win.case, win.session.run_id)[-1].op == "merge_speakers"
    win.session.stack.undo()
    assert speakers_now(win) == before
    rows = [r for r in range(model.rowCount()) if model.segment(r).speaker == "Speaker 2"][:2]
    assert tools.split(rows, "Speaker 9")
    assert [model.segment(r).speaker for r in rows] == ["Speaker 9", "Speaker 9"]
    assert model.speakers[rows[0]] == "Speaker 9"
    win.session.stack.undo()
    assert speakers_now(win) == before


def test_enrolment_runs_off_the_gui_thread(qtbot, win):
    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")
    tools, model = win.editor.speaker_tools, win.editor.model
    rows = [r for r in range(model.rowCount()) if model.segment(r).text == "(bush)"][:4]
    with qtbot.waitSignal(tools.enrolled, timeout=30_000):
        started = time.monotonic()
        assert tools.enrol(rows, "George Bush")
        assert time.monotonic() - started < 0.2  # the window went straight back to its loop
    assert "George Bush" in [p["name"] for p in profile_list(win.case)]
    assert tools.enrol([], "Nobody") is False


def test_an_enrolment_finishing_after_its_window_closed_is_dropped_quietly(qtbot, win):
    import shiboken6

    from app.gui.speaker_tools import EnrolTask, _EnrolSignals

    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")
    model = win.editor.model
    rows = [r for r in range(model.rowCount()) if model.segment(r).text == "(bush)"][:2]
    plan = usecase.plan_enrolment(win.case, win.session.run_id, [model.ids[r] for r in rows])
    signals = _EnrolSignals()
    shiboken6.delete(signals)  # what closing the window does to the task's signals
    EnrolTask(plan, "Gone", signals).run()  # computes the voiceprint, then has nowhere to send it
    assert "Gone" not in [p["name"] for p in profile_list(win.case)]


def test_screenshot(qtbot, win):
    open_exhibit(qtbot, win, "two_lj_bush.wav")
    win.editor.table.selectRow(1)
    qtbot.wait(200)
    assert win.grab().save("/tmp/speakers_window.png")
