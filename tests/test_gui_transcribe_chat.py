"""The window's "Transcribe selected" on a chat export: its voice notes, never the export itself.

A real WhatsApp zip holding real voice notes from the shared media (tests.test_gui_timeline's),
and a WhatsApp chat file without any, taken in through the core; one voice note is given a
transcript through the store (as the worker would), so only the other is left to transcribe.
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt

from app.core.chats.intake import take_in
from app.core.errors import StoreError
from app.core.store import Case
from app.core.store.jobs import JobQueue
from tests.conftest import REPO
from tests.gui_case import add_run, boxes, segment, settings  # noqa: F401 - boxes: the autouse fixture
from tests.test_gui_timeline import EN, ES, build_zip, exhibit_named

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]


@pytest.fixture()
def window(qtbot, qapp, models_dir, tmp_path):
    from app.gui.main_window import MainWindow

    archive = build_zip(tmp_path)
    text_chat = archive.parent / "WhatsApp Chat with Dave.txt"
    shutil.copy(REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt", text_chat)
    case = Case.open(tmp_path / "case")
    [zipped] = take_in(case, archive)
    [plain] = take_in(case, text_chat)
    add_run(case, exhibit_named(case, EN), (segment(300, "Meet me behind the station.", None),))
    win = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    win.start_worker = lambda: False  # the jobs stay queued
    win.show()
    win.refresh()
    yield win, zipped.exhibit_id, plain.exhibit_id
    win.close()
    case.close()


def _jobs(case: Case) -> list[tuple[int, str]]:
    return [(r[0], r[1]) for r in case.conn.execute("SELECT exhibit_id, task FROM jobs ORDER BY id")]


def test_transcribe_selected_on_a_chat_zip_queues_its_voice_notes_not_yet_transcribed(qtbot, window):
    win, zipped, _ = window
    case = win.case
    win.exhibits.select(zipped)
    assert win.exhibits.selected_ids() == [zipped]
    qtbot.mouseClick(win.exhibits.transcribe_button, Qt.MouseButton.LeftButton)
    assert _jobs(case) == [(exhibit_named(case, ES), "transcribe")]  # not the zip, not the done one
    message = win.statusBar().currentMessage()
    assert "WhatsApp Chat with Ana.zip" in message and "the 1 of its 2 voice note(s)" in message and "\n" not in message


def test_a_chat_without_media_or_with_all_transcribed_queues_nothing_and_says_why(qtbot, window):
    win, zipped, plain = window
    case = win.case
    win.exhibits.select(plain)
    assert win.request_transcribe([plain]) == [] and _jobs(case) == []
    assert win.statusBar().currentMessage() == (
        "WhatsApp Chat with Dave.txt: a chat export holding none of the 1 voice note(s) or video(s) it names: "
        "nothing to transcribe")  # as `transcribe` says it: its PTT-….opus is not in the export
    add_run(case, exhibit_named(case, ES), (segment(300, "Estoy en la estación.", None),))
    assert win.request_transcribe([zipped]) == [] and _jobs(case) == []
    assert "all transcribed already" in win.statusBar().currentMessage()


def test_the_queue_refuses_a_transcription_of_a_chat_export(window):
    win, zipped, plain = window
    for exhibit_id in (zipped, plain):
        with pytest.raises(StoreError, match="not a recording"):
            JobQueue(win.case.conn).add(exhibit_id, "transcribe", {"model": "tiny.en"})
    assert _jobs(win.case) == []


def test_transcribe_again_on_a_corrected_note_names_the_corrections_superseded(window, boxes):  # noqa: F811
    """The window's re-transcription of a note a person corrected (tlfix31): its question names the corrections."""
    from app.core.editing import operations as editing

    win, _, _ = window
    shown, _ = boxes
    note = exhibit_named(win.case, EN)
    run = win.case.latest_run(note, "transcribe")
    editing.edit_text(win.case, run, editing.segment_ids(win.case, run)[0], "CORRECTED", actor="DC Jane Hollis")
    assert win.request_transcribe([note]) == [] and _jobs(win.case) == []  # answered No: nothing queued
    assert shown[-1].startswith("question: 1 of the 1 selected exhibit(s) already have a transcript.")
    assert shown[-1].endswith(f"The new machine draft supersedes the corrections (run {run}) by DC Jane Hollis on {EN}: it is "
                              "shown in their place.")


def test_the_editor_on_a_machine_draft_newer_than_corrections_says_it_sets_them_aside(qtbot, window):
    """A new transcription asked for over a corrected note: the editor's status names the corrections set aside."""
    from app.core.editing import operations as editing
    from tests.gui_case import open_exhibit

    win, _, _ = window
    note = exhibit_named(win.case, EN)
    run = win.case.latest_run(note, "transcribe")
    editing.edit_text(win.case, run, editing.segment_ids(win.case, run)[0], "CORRECTED", actor="DC Jane Hollis")
    newer = add_run(win.case, note, (segment(300, "Meet me behind the station.", None),))
    win.refresh()
    open_exhibit(qtbot, win, EN)
    said = win.editor.status_label.full_text()  # elided to fit the bar, whole in its tooltip
    assert said == f"A machine draft, newer than the corrections (run {run}) by DC Jane Hollis, set aside" and newer > run
