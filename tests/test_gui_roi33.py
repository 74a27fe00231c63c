"""The window as session 33's incident-room proofreader met it (offscreen, 1280x800): `interview_mono.wav`
and `interview.mp4` transcribed with `--model base --diarize on`, proofread into a record of interview.

A window with no worker over a case built without a model (tests/gui_case.py), its lines the ones base gave."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from app.core.editing import operations as editing
from app.core.types import Segment
from tests import gui_case

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
win = gui_case.win  # the shared fixture (a window per module)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
TWO_SENTENCES = "Two phones were seized from the vehicle. Do you recognize this phone? Exhibit reference CH-4."
TWO_TURNS = "Is that your car? No comment."


@pytest.fixture(scope="module")
def lines(win):  # type: ignore[no-untyped-def]
    """Lines base gave the interview: three sentences in one line, two speakers' turns in one line (with
    word times), and the same turns without word times (a line typed in by hand has none)."""
    exhibit = gui_case.add(win.case, "interview_mono.wav")
    untimed = Segment(53000, 55000, TWO_TURNS, speaker="Speaker 1")
    gui_case.add_run(win.case, exhibit.id, (gui_case.segment(38800, TWO_SENTENCES, "Speaker 1"),
                                            gui_case.segment(50000, TWO_TURNS, "Speaker 1"), untimed))
    win.refresh_exhibits()
    return exhibit


@pytest.fixture
def undone(win):  # type: ignore[no-untyped-def]
    """After the test: every change undone (the window is shared by the module)."""
    yield
    while win.undo_action.isEnabled():
        win.undo_action.trigger()


def split_reached_with_down(qtbot, qapp, win, row: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Down (Up for the first) to `row`, nothing of it heard yet, then Ctrl+Shift+S: the lines' texts after."""
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
    qtbot.keyClick(table, Qt.Key.Key_S, CTRL_SHIFT)
    return [s.text for s in editing.current_segments(win.case, win.session.run_id)]


def test_split_of_a_line_of_sentences_cuts_between_sentences_not_inside_one(qtbot, qapp, win, lines, undone):
    """Ctrl+Shift+S on base's line of three sentences cut it at the word nearest the middle, inside the
    question: "Two phones were seized from the vehicle. Do" | "you recognize this phone? Exhibit reference
    CH-4." (a record of interview then held "Do" as the end of the officer's statement). It is cut at the
    sentence start nearest the middle."""
    assert split_reached_with_down(qtbot, qapp, win, 0)[:2] == [
        "Two phones were seized from the vehicle.", "Do you recognize this phone? Exhibit reference CH-4."]


def test_split_of_two_turns_in_one_line_cuts_between_them(qtbot, qapp, win, lines, undone):
    """Diarisation gave the officer's question and the suspect's answer one line; Split cut it
    "Is that your" | "car? No comment." and the typist had to join and cut again by hand."""
    assert split_reached_with_down(qtbot, qapp, win, 1)[1:3] == ["Is that your car?", "No comment."]


def test_split_of_two_turns_without_word_times_cuts_between_them(qtbot, qapp, win, lines, undone):
    """A line with no word times is cut the same way ("Is that your" | "car? No comment." before)."""
    assert split_reached_with_down(qtbot, qapp, win, 2)[2:4] == ["Is that your car?", "No comment."]


def test_ctrl_l_takes_the_keyboard_from_a_transcript_to_the_exhibits_list_and_enter_back(qtbot, qapp, win, lines):
    """A typist done with one exhibit had no key to the exhibits list: from the transcript it was the mouse, or
    Shift+Tab past some twenty buttons (Translate…, the tabs, the queue's). Ctrl+L puts the keyboard in the list
    on the exhibit open, the words being typed kept; Down opens the next exhibit and Enter goes into
    its lines."""
    gui_case.open_exhibit(qtbot, win, "interview_stereo.wav")
    table = gui_case.focus_table(qtbot, qapp, win)
    table.go_to_row(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # the first line opened for typing
    typing = qapp.focusWidget()
    typing.selectAll()
    qtbot.keyClicks(typing, "This interview is being recorded now.")
    qtbot.keyClick(typing, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    listed = win.exhibits.table
    qtbot.waitUntil(listed.hasFocus, timeout=3_000)
    assert editing.current_segments(win.case, win.session.run_id)[0].text == "This interview is being recorded now."
    assert win.exhibits.current_id() == win.editor.exhibit.id
    qtbot.keyClick(listed, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: win.editor.exhibit.source.name == "silence_30s.wav", timeout=5_000)
    for _ in range(4):  # on to the last exhibit, the interview
        qtbot.keyClick(listed, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: win.editor.exhibit.source.name == "interview_mono.wav", timeout=5_000)
    qtbot.keyClick(listed, Qt.Key.Key_Return)
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    assert win.editor.model.segment(win.editor.current_row()).text in (TWO_SENTENCES, TWO_TURNS)
    win.exhibits.select(win.case.exhibits()[0].id)
    qtbot.waitUntil(lambda: win.editor.exhibit.source.name == "interview_stereo.wav", timeout=5_000)
    win.undo_action.trigger()


def test_the_history_says_which_line_was_given_another_speaker(tmp_path, qapp):
    """Ctrl+2 on one line of the interview left a History row "Speaker set: DC Smith → Witness", not saying
    which of the interview's lines it was (the text edits beside it read "at 00:20.2: …"). Its row now opens with
    the line's time; many lines in one step with the first's (they gave only a count), and the row of its Undo
    too (it read "Speaker set (revision N)")."""
    from app.gui.history_view import describe

    case = gui_case.build_case(tmp_path)
    try:
        exhibit = next(e for e in case.exhibits() if e.source.name == "interview_stereo.wav")
        run = case.latest_runs(exhibit.id, None)[0]
        ids = editing.segment_ids(case, run)
        one_change = editing.set_speaker(case, run, ids[3], "Witness", actor="PS Reader")
        editing.set_speakers(case, run, ids[1:3], "Witness", actor="PS Reader")
        editing.undo(case, one_change.revision_id, actor="PS Reader")
        one, many, undone = (describe(r) for r in editing.history(case, run))
    finally:
        case.close()
    assert one == "at 00:10.0: DC Smith → Witness", one
    assert many == "at 00:04.0: DC Smith, Witness → Witness in 2 segment(s)", many
    assert undone == f"at 00:10.0: Speaker set (revision {one_change.revision_id})", undone


def test_the_window_is_gone_from_the_screen_before_its_worker_is_waited_for(qtbot, qapp, models_dir, tmp_path):
    """Closed while its worker transcribed another recording, the window stood on screen, frozen, until the
    worker had stopped (4.7 s on this machine with `interview_stereo.wav` in hand: the worker is given 5 s to
    stop at its next chunk, then killed); a typist took it for a hang. It is hidden first, the line being typed
    and the place left saved before, and the worker is then waited for (its job put back in the queue)."""
    from app.gui.main_window import MainWindow

    window = MainWindow(gui_case.build_case(tmp_path), gui_case.settings(tmp_path, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(window.isVisible, timeout=3_000)
    shown_while_waited: list[bool] = []
    stop = window.bridge.stop
    window.bridge.stop = lambda *a, **k: (shown_while_waited.append(window.isVisible()), stop(*a, **k))
    window.close()
    window.case.close()
    assert shown_while_waited and not any(shown_while_waited)


def test_tab_leaves_the_queue_so_the_transcript_is_reached_from_the_list_by_tab(qtbot, qapp, win):
    """Tab from the exhibits list went on into the queue and stayed there, cell to cell (40 presses never
    reached the transcript); it now leaves the queue, and the transcript's buttons and lines come next."""
    gui_case.open_exhibit(qtbot, win, "interview_stereo.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win, timeout=3_000)
    win.exhibits.table.setFocus()
    qtbot.waitUntil(win.exhibits.table.hasFocus, timeout=3_000)
    met = []
    for _ in range(40):
        qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Tab)
        met.append(qapp.focusWidget())
        if met[-1] is win.editor.table:
            break
    assert win.queue_view.table in met and met[-1] is win.editor.table


@pytest.mark.parametrize("line, first", [
    ("I spoke to Dr. Patel about the injuries he saw on the night of the fourteenth",
     "I spoke to Dr. Patel about the injuries"),
    ("Approx. three hundred pounds in cash was found in the glovebox of the car",
     "Approx. three hundred pounds in cash"),
    ('He shouted "Stop." Then he ran off towards the river', 'He shouted "Stop."'),
    ("هل هذه السيارة البيضاء سيارتك؟ لا تعليق لدي على هذا الموضوع يا سيدي", "هل هذه السيارة البيضاء سيارتك؟"),
    ("क्या यह आपकी कार है। कोई टिप्पणी नहीं", "क्या यह आपकी कार है।"),
])
def test_split_cuts_where_the_core_ends_a_sentence_near_the_middle_not_at_an_abbreviation(line, first):
    """Any word ending in "." counted as a sentence's end wherever it stood: "I spoke to Dr." | "Patel about…",
    "Approx." | "three hundred pounds…"; `."`, ؟ and । were not ends, so those lines were cut mid-sentence.
    The core's sentence ends (the ones the lines are mended by) are taken, in the middle half of the line;
    with word times and without."""
    from app.gui.segment_actions import middle_of, split_offset

    timed = gui_case.segment(10000, line, "Witness")
    for cut in (middle_of(line), split_offset(timed, timed.start_ms)):
        assert cut is not None and line[:cut].strip() == first, (line[:cut], line[cut:])


def test_tab_leaves_the_search_hits_and_the_translation_once_they_hold_rows(qtbot, qapp, win):
    """Tab was kept in the Search hits, cell to cell, once a search had found something (66 of 80 presses
    spent there, the exhibits list never reached again); the Translation, Entities and Timeline tables the
    same. Tab now goes on to the next control from a table holding rows."""
    from app.core.evidence.provenance import software_info
    from app.core.types import ModelInfo

    exhibit = next(e for e in win.case.exhibits() if e.source.name == "interview_stereo.wav")
    parent = win.case.latest_run(exhibit.id, "transcribe")
    run = win.case.start_run(exhibit.id, "text-translate", ModelInfo("nllb", "/m", "00" * 32, "nllb"), {},
                             software_info(), parent_run_id=parent, source_language="en")
    win.case.append_segments(run, tuple(Segment(s.start_ms, s.end_ms, f"[de] {s.text}", source_text=s.text)
                                        for s in gui_case.INTERVIEW), {}, "de", None)
    win.case.finish_run(run)
    gui_case.open_exhibit(qtbot, win, "interview_stereo.wav")
    win.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is win, timeout=3_000)
    win.tabs.setCurrentWidget(win.search_view)
    win.search_view.box.setFocus()
    qtbot.keyClicks(win.search_view.box, "name")
    qtbot.keyClick(win.search_view.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.search_view.model.rowCount() > 0, timeout=3_000)
    win.tabs.setCurrentWidget(win.translation)
    win.translation.show_exhibit(exhibit.id)
    assert win.translation.model.rowCount() == len(gui_case.INTERVIEW)
    for page, table in ((win.search_view, win.search_view.table), (win.translation, win.translation.table)):
        win.tabs.setCurrentWidget(page)
        table.setFocus()
        qtbot.waitUntil(table.hasFocus, timeout=3_000)
        table.setCurrentIndex(table.model().index(0, 0))
        qtbot.keyClick(table, Qt.Key.Key_Tab)
        assert not table.hasFocus(), f"Tab stayed in {type(page).__name__}'s table"


def test_closing_during_an_export_finishes_it_with_the_window_still_saying_so(qtbot, qapp, models_dir, tmp_path):
    """Closed while an export was being written (to a USB stick, say), the window vanished at once and
    "Finishing the export before closing…" was shown on a hidden window: the stick could be pulled while the
    export was still written. The window stays, saying so, until the export is written; it is hidden after,
    before its worker is waited for."""
    import threading

    from app.gui.main_window import MainWindow

    window = MainWindow(gui_case.build_case(tmp_path), gui_case.settings(tmp_path, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    qtbot.waitUntil(window.isVisible, timeout=3_000)
    writing = threading.Event()
    export = threading.Thread(target=writing.wait, args=(10,))  # an export still being written
    export.start()
    window.exporter.thread = export
    while_written: list[tuple[bool, str]] = []
    join = export.join
    export.join = lambda *a, **k: (while_written.append((window.isVisible(), window.statusBar().currentMessage())),
                                   writing.set(), join(*a, **k))
    window.close()
    window.case.close()
    assert while_written == [(True, "Finishing the export before closing…")]
    assert not window.isVisible()


def test_ctrl_l_opens_an_exhibits_list_dragged_shut_before_giving_it_the_keyboard(qtbot, qapp, win, lines):
    """With the exhibits pane dragged shut, Ctrl+L gave the keyboard to a list no one could see (Down then
    opened other exhibits unseen). The pane is opened again, and the list then has the keys."""
    gui_case.open_exhibit(qtbot, win, "interview_stereo.wav")
    table = gui_case.focus_table(qtbot, qapp, win)
    left = win.splitters[1]
    left.setSizes([0, sum(left.sizes())])
    qtbot.waitUntil(lambda: win.exhibits.table.visibleRegion().isEmpty(), timeout=3_000)
    qtbot.keyClick(table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(win.exhibits.table.hasFocus, timeout=3_000)
    qtbot.waitUntil(lambda: not win.exhibits.table.visibleRegion().isEmpty(), timeout=3_000)
    assert left.sizes()[0] > 0
