"""The proofreader's day (session 28): what got in the way when the window was used to turn a
recorded interview into a record of interview, offscreen at 1280x800."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtWidgets")

from app.gui.search_view import SearchView
from tests.search_helpers import add_exhibit, add_run

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]
LONG_NAME = "Detective Constable Alexandra Montgomery-Featherstonehaugh"


def test_a_long_speaker_name_leaves_the_search_hit_its_words_readable(qtbot, case):
    """At 1280x800 the Search tab is ~760 px wide: a long speaker name took the row and the hit's
    words were squeezed to '…[…' behind a sideways scroll bar."""
    note = add_exhibit(case, "voice_note.opus")
    add_run(case, note, ["This interview is being recorded at Bristol Central police station."],
            speakers=[LONG_NAME])
    view = SearchView(case)
    qtbot.addWidget(view)
    view.resize(760, 600)
    view.show()
    view.set_query("interview")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    qtbot.waitUntil(lambda: view.table.horizontalHeader().sectionSize(3) > 0, timeout=3000)
    header, room = view.table.horizontalHeader(), view.table.viewport().width()
    assert header.length() <= room  # no sideways scrolling to reach a column
    assert header.sectionSize(3) >= room // 3  # the words found have a third of the row at least
    assert LONG_NAME in view.model.data(view.model.index(0, 2), 3)  # ToolTipRole: the whole name on hover


def test_interview_details_given_before_are_shown_from_their_start_in_the_export_dialog(qtbot):
    """A case reference or a name longer than its box showed its end ('IER/2026/000123-MAJOR-…',
    'raitis-Vasiliauskas-…'): the reader could not see whose record it was without scrolling each box."""
    from app.core.types import InterviewDetails
    from app.gui.export_dialog import ExportDialog

    details = InterviewDetails(case_ref="OP-KINGFISHER/2026/000123-MAJOR-INCIDENT-ROOM-BRISTOL",
                               interviewee="Jonas Petraitis-Vasiliauskas-Montgomery-Featherstonehaugh",
                               officers=(LONG_NAME, "DS Brown"), place="Leeds")
    dialog = ExportDialog(["docx", "pdf"], "/tmp/x", None, details, exhibit_name="interview_mono.wav")
    qtbot.addWidget(dialog)
    dialog.show()
    for name in ("case_ref", "interviewee", "officers", "place"):
        field = dialog.fields[name]
        assert field.cursorPosition() == 0, name
        assert field.toolTip() == field.text()  # the whole of it on hover
    assert dialog.fields["officers"].text().startswith(LONG_NAME)


def test_a_long_speaker_name_cut_on_its_chip_in_the_editor_is_whole_on_hover(qapp, case):
    """The editor's speaker column stops widening at its limit ('Detective Constable Alexan…'), and
    hovering the chip said nothing: which speaker a line was given to could not be read."""
    from PySide6.QtCore import Qt

    from app.gui.editor_model import SPEAKER_COL, EditSession, SegmentModel

    note = add_exhibit(case, "voice_note.opus")
    run = add_run(case, note, ["This interview is being recorded.", "Yes."], speakers=[LONG_NAME, None])
    model = SegmentModel(EditSession(case, lambda: "DC Ann Example"))
    model.session.set_run(run)
    model.reload()
    tip = Qt.ItemDataRole.ToolTipRole
    assert model.data(model.index(0, SPEAKER_COL), tip) == LONG_NAME
    assert model.data(model.index(1, SPEAKER_COL), tip) is None  # no speaker: no empty tooltip


def test_the_line_heard_keeps_the_lines_to_come_in_view_while_playing(qtbot, case):
    """Following playback kept the playing line merely visible: past the first screen it sat on the
    last row, and the proofreader could not read ahead of the voice."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.editor_model import TEXT_COL
    from tests.search_helpers import SEGMENT_MS

    editor = _playing_editor(qtbot, case, [f"Line {i}: what was said here, one line of the interview."
                                           for i in range(60)])
    table, room = editor.table, editor.table.viewport().height()
    for row in range(40):
        editor.on_position(row * SEGMENT_MS + 100)
        ahead = table.visualRect(editor.model.index(row + 2, TEXT_COL))
        assert 0 <= ahead.top() and ahead.bottom() <= room, row  # the next two lines are whole on screen
        assert table.visualRect(editor.model.index(max(row - 1, 0), TEXT_COL)).top() >= 0, row  # and the one before


def _playing_editor(qtbot, case, texts):
    from app.gui.editor_model import EditSession
    from app.gui.editor_view import EditorView
    from app.gui.player import Player

    note = add_exhibit(case, "voice_note.opus")
    run = add_run(case, note, texts)
    session = EditSession(case, lambda: "DC Ann Example")
    editor = EditorView(session, Player())
    qtbot.addWidget(editor)
    editor.resize(760, 600)
    editor.show()
    session.set_run(run)
    editor.model.reload()
    return editor


def test_the_line_heard_after_a_long_answer_is_on_screen_not_below_it(qtbot, case):
    """D3: the line before it taller than about two thirds of the view (a long wrapped answer) was put at
    the top, which pushed the line heard below the view for its whole length. It is now wholly on screen
    (rows sized lazily to their text after the scroll moved them again: sized before measuring now)."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.editor_model import TEXT_COL
    from tests.search_helpers import SEGMENT_MS

    long = " ".join(f"and then I went round to the house on the corner, number {i}, to see him" for i in range(30))
    texts = [f"Line {i}: a short question." for i in range(30)]
    texts[20] = long
    editor = _playing_editor(qtbot, case, texts)
    table, room = editor.table, editor.table.viewport().height()
    for row in range(18, 24):
        editor.on_position(row * SEGMENT_MS + 100)
        qtbot.wait(30)  # the rows sized to their text, as between two lines heard
        heard = table.visualRect(editor.model.index(row, TEXT_COL))
        if row == 20:  # taller than the view itself: from its start
            assert heard.top() == 0, heard
        else:
            assert 0 <= heard.top() and heard.bottom() <= room, (row, heard, room)
    assert table.rowHeight(20) > room  # the case this is about: the answer the line heard comes after


def test_following_playback_leaves_a_view_scrolled_by_hand_while_the_line_heard_is_on_it(qtbot, case):
    """D3: the user scrolled so the playing line sat in the bottom third; at the next line the view jumped."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.editor_model import TEXT_COL
    from tests.search_helpers import SEGMENT_MS

    editor = _playing_editor(qtbot, case, [f"Line {i}: what was said here." for i in range(60)])
    table, room = editor.table, editor.table.viewport().height()
    editor.on_position(10 * SEGMENT_MS + 100)
    bar = table.verticalScrollBar()
    while table.visualRect(editor.model.index(11, TEXT_COL)).bottom() < room * 3 // 4:
        bar.setValue(bar.value() - 1)  # by hand: the lines heard next low in the view, still on it
    by_hand = bar.value()
    editor.on_position(11 * SEGMENT_MS + 100)
    assert bar.value() == by_hand
