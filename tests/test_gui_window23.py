"""The window as a proofreader meets it (session 23): a layout saved by an earlier version, the CLI's
wording of media a phone left out, a speech translation beside a corrected transcript, the speaker box
on a line that has a speaker, and Replace all or a speaker key while a line is being typed.

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from app.cli import main
from app.core.editing import operations as editing
from app.gui.editor_model import TEXT_COL
from app.gui.text_editor import EDITORS
from tests import gui_case
from tests.gui_case import focus_table, open_exhibit
from tests.test_timeline_omitted_media import CHATS

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def statuses_elided(window) -> list[str]:  # type: ignore[no-untyped-def]
    """The exhibits' statuses (a failure's reason aside) that the status column cuts short."""
    table = window.exhibits.table
    model, header, metrics = table.model(), table.horizontalHeader(), table.fontMetrics()
    margin = table.style().pixelMetric(table.style().PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    room = header.sectionSize(5) - 2 * margin
    texts = [model.index(row, 5).data() for row in range(model.rowCount())]
    return [t for t in texts if not t.startswith("failed")
            and metrics.elidedText(t, Qt.TextElideMode.ElideRight, room) != t]


def test_a_layout_an_earlier_version_saved_opens_with_the_statuses_whole(qtbot, qapp, models_dir, tmp_path):
    """A layout saved before session 22 kept its 460 px left pane: the statuses read "language un…" until
    the pane was dragged wider. Its left pane is widened on opening; a pane the user set since is kept."""
    from app.gui.main_window import MainWindow

    case = gui_case.build_case(tmp_path)
    settings = gui_case.settings(tmp_path, models_dir)
    try:
        first = MainWindow(case, settings, start_worker=False)
        first.resize(1280, 800)
        first.show()
        first.splitters[0].setSizes([460, 820])  # as the earlier version laid it out, then closed
        qtbot.waitUntil(lambda: first.splitters[0].sizes()[0] == 460, timeout=3_000)
        first.close()
        settings.remove("window/layout")  # as the earlier version saved it: geometry and panes, unmarked
        second = MainWindow(case, settings, start_worker=False)
        qtbot.addWidget(second)
        second.resize(1280, 800)  # the laptop's screen (offscreen's own is 800x600)
        second.show()
        qtbot.waitUntil(lambda: second.isVisible() and second.exhibits.table.viewport().width() > 0, timeout=3_000)
        second.refresh()
        qtbot.wait(50)
        assert second.splitters[0].sizes()[0] >= 490
        assert statuses_elided(second) == []
        second.splitters[0].setSizes([420, 860])  # a pane the user narrows now is theirs: kept
        second.close()
        third = MainWindow(case, settings, start_worker=False)
        qtbot.addWidget(third)
        third.resize(1280, 800)
        third.show()
        qtbot.waitUntil(lambda: third.splitters[0].sizes()[0] > 0, timeout=3_000)
        assert abs(third.splitters[0].sizes()[0] - 420) <= 20
        third.close()
    finally:
        case.close()


def test_the_cli_words_media_a_phone_left_out_as_the_window_and_the_exports_do(qtbot, win, tmp_path, capsys):
    """`timeline` said the timeline "shows them [missing]", where the timeline's rows, the window's
    Timeline tab and its exports say "MISSING from the export"."""
    from app.core.store import Case
    from app.gui.timeline_view import MESSAGE, TimelineView

    chat = tmp_path / "evidence" / "whatsapp_ios_de.txt"
    chat.parent.mkdir()
    shutil.copy(CHATS / chat.name, chat)
    case_dir = tmp_path / "case"
    assert main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(case_dir)]) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "voice note(s) or video(s)" in line]
    assert said and "[missing]" not in said[0], said
    assert said[0].endswith('the timeline marks each "MISSING from the export"'), said
    case = Case.open(case_dir)
    try:
        view = TimelineView(case)
        qtbot.addWidget(view)
        with qtbot.waitSignal(view.loaded, timeout=10_000):
            view.load(next(e.id for e in case.exhibits() if e.source.name == chat.name))
        texts = [view.proxy.index(r, MESSAGE).data() for r in range(view.proxy.rowCount())]
        assert any("00000007-AUDIO-2024-01-05-19-41-30.opus: MISSING from the export" in t for t in texts)
    finally:
        case.close()


def test_a_speech_translation_beside_a_corrected_transcript_says_so(qtbot, win):
    """A speech translation (Whisper's, from the recording) sat beside a transcript corrected since with
    nothing to say its words were not the corrected ones (a text translation said it)."""
    from app.core.evidence.provenance import software_info
    from app.core.types import Segment

    case = win.case
    exhibit = next(e for e in case.exhibits() if e.source.name == "noise_10s.wav")
    source = gui_case.add_run(case, exhibit.id, (Segment(0, 1000, "Mein Name ist Jonas."),), language="de")
    run = case.start_run(exhibit.id, "translate", gui_case.MODEL, {"task": "translate"}, software_info())
    case.append_segments(run, (Segment(0, 1000, "My name is Jonas."),), {}, "de", 0.9)
    case.finish_run(run)
    win.translation.show_exhibit(exhibit.id)
    assert win.translation.current_run() == run
    assert "edited since" not in win.translation.note.text()
    change = editing.edit_text(case, source, editing.segment_ids(case, source)[0], "Mein Name ist Jonah.",
                               actor="DC Jones")
    win.translation.show_exhibit(exhibit.id)
    note = win.translation.note.text()
    assert "the transcript beside it has been edited since" in note and "not in this translation" in note
    assert win.translation.model.index(0, 1).data() == "Mein Name ist Jonah."  # the source column: as it stands
    editing.undo(case, change.revision_id, actor="DC Jones")
    editing.set_verified(case, source, "DC Jones")  # a sign-off alone is no correction
    win.translation.show_exhibit(exhibit.id)
    assert "edited since" not in win.translation.note.text()


def box_name(window) -> str | None:  # type: ignore[no-untyped-def]
    box = window.editor.speaker_box
    return box.currentData() if box.currentIndex() >= 0 else None


def test_the_speaker_box_names_the_speaker_of_the_line_the_cursor_is_on(qtbot, qapp, win):
    """The box read "Set speaker…" on every line, those with a speaker too, as if none had one."""
    table = focus_table(qtbot, qapp, win)
    box = win.editor.speaker_box
    table.go_to_row(1)
    assert box_name(win) == "DC Smith" and box.currentText().endswith("DC Smith")
    table.go_to_row(2)
    assert box_name(win) == "Witness"
    table.selectRow(1)
    table.selectionModel().select(win.editor.model.index(2, 0), table.selectionModel().SelectionFlag.Select
                                  | table.selectionModel().SelectionFlag.Rows)
    assert box_name(win) is None and box.currentText() == ""  # two speakers: "Set speaker…"
    table.go_to_row(1)
    qtbot.keyClick(table, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    try:
        assert win.editor.model.segment(1).speaker == "Witness"
        assert box_name(win) == "Witness"  # the change shown where it was made
    finally:
        win.undo_action.trigger()
    assert box_name(win) == "DC Smith"


TYPED = " name again"


def type_in_row_1(qtbot, qapp, win):  # type: ignore[no-untyped-def]
    """Row 1's text ("Please state your full name.") open, words typed at its end, not yet kept."""
    table = focus_table(qtbot, qapp, win)
    model = win.editor.model
    table.setCurrentIndex(model.index(1, TEXT_COL))
    table.edit(model.index(1, TEXT_COL))
    qtbot.waitUntil(lambda: isinstance(qapp.focusWidget(), EDITORS), timeout=3_000)
    qapp.focusWidget().end(False)
    qtbot.keyClicks(qapp.focusWidget(), TYPED)
    return qapp.focusWidget()


@pytest.fixture
def undone(qtbot, qapp, win):  # type: ignore[no-untyped-def]
    """After the test: an edit left open cancelled, every change undone, the find bar closed."""
    yield
    table = win.editor.table
    if table.state() == table.State.EditingState:
        qtbot.keyClick(qapp.focusWidget(), Qt.Key.Key_Escape)
    while win.undo_action.isEnabled():
        win.undo_action.trigger()
    win.editor.find_bar.button.setChecked(False)


def texts(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.text for s in editing.current_segments(window.case, window.session.run_id)]


def test_replace_all_while_typing_replaces_in_the_words_typed_and_keeps_them(qtbot, qapp, win, undone):
    """Replace all (a button: the keyboard stays in the line) left the line's old words in its editor;
    kept afterwards, they put "name" back over the replacement, and the words typed were not replaced."""
    bar = win.editor.find_bar
    win.editor.open_find()  # the bar filled in first, then a line typed in, then Replace all clicked
    bar.find_edit.setText("name")
    bar.replace_edit.setText("NAME")
    editor = type_in_row_1(qtbot, qapp, win)
    table = win.editor.table
    button = next(b for b in bar.findChildren(type(win.editor.find_button)) if b.text() == "Replace all")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    expected = ["This interview is being recorded.", "Please state your full NAME. NAME again",
                "My NAME is Jonas Petraitis."]
    assert texts(win)[:3] == expected
    if table.state() == table.State.EditingState:  # the line as a typist goes on: Enter keeps it
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    assert texts(win)[:3] == expected
    assert win.editor.model.segment(1).text == expected[1]
    win.undo_action.trigger()  # the replacement, then the words typed: two steps
    assert texts(win)[1] == "Please state your full name." + TYPED
    win.undo_action.trigger()
    assert texts(win)[1] == "Please state your full name."


def test_a_speaker_key_while_typing_then_enter_keeps_the_words_once(qtbot, qapp, win, undone):
    """Ctrl+2 while typing sets the speaker at once and leaves the line open; Enter then keeps the
    words typed once: each change its own undo step, none applied twice."""
    editor = type_in_row_1(qtbot, qapp, win)
    run = win.session.run_id  # the interview's, opened by type_in_row_1 (read before: whatever was open last)
    table, before = win.editor.table, len(editing.history(win.case, run))
    steps = win.session.stack.index()
    qtbot.keyClick(editor, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert win.editor.model.segment(1).speaker == "Witness"
    assert table.state() == table.State.EditingState and editor.text() == "Please state your full name." + TYPED
    qtbot.keyClick(editor, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)  # changed their mind
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() != table.State.EditingState, timeout=3_000)
    segment = editing.current_segments(win.case, run)[1]
    assert (segment.text, segment.speaker) == ("Please state your full name." + TYPED, "DC Smith")
    made = [r.op for r in editing.history(win.case, run)[before:]]
    assert sorted(made) == ["edit_text", "set_speaker", "set_speaker"], made
    assert win.session.stack.index() == steps + 3  # Witness, DC Smith, the words
    win.undo_action.trigger()
    assert texts(win)[1] == "Please state your full name."
    assert win.editor.model.segment(1).speaker == "DC Smith"
    win.undo_action.trigger()
    assert win.editor.model.segment(1).speaker == "Witness"


def test_the_translation_tab_shows_the_corrections_made_in_the_editor_meanwhile(qtbot, win):
    """The Translation tab kept what it was filled with when the exhibit was picked: a correction made in
    the Editor since, and the tab shown again, said nothing of it (until another exhibit was picked)."""
    from app.core.evidence.provenance import software_info
    from app.core.translation.runs import source_sha256
    from app.core.types import ModelInfo, Segment

    case = win.case
    open_exhibit(qtbot, win, "truncated.mp3")
    parent = win.session.run_id
    source = editing.current_segments(case, parent)
    run = case.start_run(win.editor.exhibit.id, "text-translate", ModelInfo("nllb", "/m", "00" * 32, "nllb"),
                         {"source_run": {"text_sha256": source_sha256(source)}}, software_info(),
                         parent_run_id=parent, source_language="en")
    case.append_segments(run, (Segment(0, source[0].end_ms, "Hallo.", source_text=source[0].text),), {}, "de", None)
    case.finish_run(run)
    open_exhibit(qtbot, win, "silence_30s.wav")
    open_exhibit(qtbot, win, "truncated.mp3")  # picked again: its translation listed
    win.tabs.setCurrentWidget(win.translation)
    assert win.translation.current_run() == run and "edited since" not in win.translation.note.text()
    win.tabs.setCurrentIndex(0)
    win.editor.edit_text(0, "Hello here.")
    try:
        win.tabs.setCurrentWidget(win.translation)
        assert "the transcript has been edited since" in win.translation.note.text()
    finally:
        win.tabs.setCurrentIndex(0)
        win.undo_action.trigger()
    win.tabs.setCurrentWidget(win.translation)
    assert "edited since" not in win.translation.note.text()
    win.tabs.setCurrentIndex(0)


def test_closing_the_window_while_typing_keeps_the_words_typed(qtbot, qapp, models_dir, tmp_path):
    """The window closed (its close box, Quit, Ctrl-C at the terminal) while a line is being typed: the
    words typed are stored, and the case opened again shows them on that line."""
    from app.core.store import Case
    from app.gui.main_window import MainWindow

    case = gui_case.build_case(tmp_path)
    settings = gui_case.settings(tmp_path, models_dir)
    try:
        window = MainWindow(case, settings, start_worker=False)
        window.resize(1280, 800)
        window.show()
        run = (type_in_row_1(qtbot, qapp, window), window.session.run_id)[1]
        window.close()
        assert texts(window)[1] == "Please state your full name." + TYPED
    finally:
        case.close()
    case = Case.open(tmp_path / "case")
    try:
        again = MainWindow(case, settings, start_worker=False)
        qtbot.addWidget(again)
        assert again.session.run_id == run and again.editor.model.segment(1).text.endswith(TYPED)
        again.close()
    finally:
        case.close()


def test_split_with_the_playhead_in_the_last_word_never_cuts_a_word(qtbot, qapp, win, undone):
    """Split (its button or Ctrl+Shift+S, nothing typed) splits at the word playing; with the playhead in
    the segment's last word (paused at the end of a sentence) it cut the text at its middle character:
    "This interview i" | "s being recorded."."""
    table = focus_table(qtbot, qapp, win)
    table.go_to_row(0)  # "This interview is being recorded.", its words from 1.0 s, the last at 2.6 s
    win.player.seek(2_700)
    qtbot.waitUntil(lambda: abs(win.player.position() - 2_700) < 50, timeout=3_000)
    win.editor.split_current()
    assert texts(win)[:2] == ["This interview", "is being recorded."]


def test_search_and_entities_shown_again_read_the_corrections_made_meanwhile(qtbot, qapp, win, undone):
    """The Search tab kept its hits, and the Entities tab what it found first, as the case stood then: a
    name or a number corrected in the Editor still read as before there when the tab was shown again."""
    entities = win.entities_view

    def found() -> set[str]:
        qtbot.waitUntil(lambda: not entities.status.text().startswith("finding"), timeout=20_000)
        return {e.value for e in entities.all if e.kind == "phone"}

    open_exhibit(qtbot, win, "interview_stereo.wav")
    win.editor.edit_text(2, "My name is Jonas Petraitis, on 07700 900123.")
    win.show_search()
    win.search_view.set_query("Petraitis")
    win.tabs.setCurrentWidget(entities)
    assert any(v.endswith("900123") for v in found())
    win.tabs.setCurrentIndex(0)
    win.editor.edit_text(2, "My name is Jonah Petraitis, on 07700 900456.")
    win.tabs.setCurrentWidget(win.search_view)
    hits = [win.search_view.model.index(r, 3).data() for r in range(win.search_view.model.rowCount())]
    assert hits and all("Jonah" in h for h in hits), hits
    win.tabs.setCurrentWidget(entities)
    numbers = found()
    assert any(v.endswith("900456") for v in numbers) and not any(v.endswith("900123") for v in numbers)
    win.tabs.setCurrentIndex(0)
