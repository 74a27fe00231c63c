"""The window's Timeline tab on a real WhatsApp zip holding real voice notes from the shared media.

The export is taken in through the window (Case > Add chat export…), which queues its voice
notes for the worker. The fast tests put a transcript on each voice note through the store
(as the worker would); the slow test lets the real worker transcribe them.
"""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.translation.runs import TASK as TEXT_TRANSLATE
from app.gui.timeline_view import MESSAGE, PLAY, SYSTEM_COLOUR, TRANSLATION, WHEN, WRITTEN
from tests.conftest import MEDIA
from tests.gui_case import add_run, boxes, segment, settings  # noqa: F401 - boxes: the autouse fixture
from tests.search_helpers import add_run as add_text_run

pytestmark = [pytest.mark.gui, pytest.mark.timeout(300)]

EN = "00000002-AUDIO-2024-03-13-08-03-40.opus"
ES = "PTT-20240313-WA0003.ogg"
GONE = "00000005-AUDIO-2024-03-13-08-06-00.opus"
CHAT = f"""[13/03/2024, 08:01:00] Ana: \u200eMessages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.
[13/03/2024, 08:02:11] Dave Miller: Are we still on for Saturday?
[13/03/2024, 08:03:40] Ana: \u200e<attached: {EN}>
[13/03/2024, 08:04:10] Dave Miller: What about Luis?
[13/03/2024, 08:05:02] Luis: {ES} (file attached)
[13/03/2024, 08:06:00] Luis: \u200e<attached: {GONE}>
[13/03/2024, 08:07:30] Dave Miller: ok, the usual place. Call me on 07700 900123
"""
SENDERS = ["Ana", "Dave Miller", "Ana", "Dave Miller", "Luis", "Luis", "Dave Miller"]
EN_SAID = "Meet me behind the station at eight. Bring the money."  # as the worker would store them
ES_SAID = "Estoy en la estación, ven rápido."


def build_zip(folder: Path) -> Path:
    archive = folder / "evidence" / "WhatsApp Chat with Ana.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", CHAT)
        z.write(MEDIA / "en_voicenote.opus", EN)
        z.write(MEDIA / "es_voicenote.ogg", ES)
    return archive


def wait_for(check, seconds: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Run the event loop until `check()` holds (for module-scoped fixtures, which have no qtbot)."""
    end = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < end, "timed out"
        QApplication.processEvents()
        time.sleep(0.01)


def take_in(window, archive: Path):  # type: ignore[no-untyped-def]
    """Case > Add chat export… with the zip: taken in on a thread, then shown."""
    window.chats.last_intake = None
    window.chats.add_exports([str(archive)])
    view = window.chats.view
    wait_for(lambda: window.chats.last_intake is not None)
    wait_for(lambda: view.timeline is not None and view.model.rowCount() > 0)
    return window.chats.last_intake


@pytest.fixture(scope="module")
def chat(qapp, models_dir, tmp_path_factory):  # type: ignore[no-untyped-def]
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("timeline")
    archive = build_zip(folder)
    case = Case.open(folder / "case")
    window = MainWindow(case, settings(folder, models_dir), start_worker=False)
    window.start_worker = lambda: False  # the jobs stay queued: transcripts are stored by the tests
    window.resize(1280, 800)
    window.show()
    result = take_in(window, archive)
    yield window, archive, result
    window.close()
    case.close()


def exhibit_named(case: Case, name: str) -> int:
    return next(e.id for e in case.exhibits() if e.source.name == name)


def rows(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [view.proxy.index(r, MESSAGE).data() for r in range(view.proxy.rowCount())]


def reload(qtbot, view) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.reload()


def transcribed(qtbot, window) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Store a transcript on each voice note (once), as the worker does; (en run, es run)."""
    case, view = window.case, window.chats.view
    runs = []
    for name, text, language in ((EN, EN_SAID, "en"), (ES, ES_SAID, "es")):
        exhibit = exhibit_named(case, name)
        run = case.latest_run(exhibit, "transcribe") or add_run(
            case, exhibit, (segment(300, text, None),), language=language)
        runs.append(run)
    reload(qtbot, view)
    return runs[0], runs[1]


def test_an_export_taken_in_from_the_window_is_one_row_per_message_and_queues_its_voice_notes(qtbot, chat):
    window, archive, result = chat
    case, view = window.case, window.chats.view
    assert len(result.exhibit_ids) == 1 and not result.errors
    export = case.exhibit(result.exhibit_ids[0])
    assert export.source.kind == "chat" and export.source.name == archive.name
    notes = {exhibit_named(case, EN), exhibit_named(case, ES)}
    jobs = [JobQueue(case.conn).get(j) for j in result.jobs]
    assert {j.exhibit_id for j in jobs} == notes and all(j.task == "transcribe" for j in jobs)
    assert window.tabs.currentWidget() is view and view.exhibit_id == export.id
    assert view.model.rowCount() == 7
    assert [e.sender for e in view.model.entries] == SENDERS
    assert [view.proxy.index(r, 3).data() for r in range(7)] == [s or "" for s in SENDERS]
    assert view.proxy.index(1, WRITTEN).data() == "13/03/2024, 08:02:11"
    assert view.proxy.index(1, WHEN).data() == "2024-03-13 08:02:11"
    assert view.proxy.index(1, MESSAGE).data() == "Are we still on for Saturday?"
    assert view.status.text() == "7 messages"
    statuses = {r.exhibit.id: r.status for r in window.exhibits.model.rows}
    assert statuses[export.id] == "chat: see Timeline" and statuses[exhibit_named(case, EN)] != statuses[export.id]


def test_a_voice_note_shows_its_current_proofread_transcript_in_place(qtbot, chat):
    window, _, _ = chat
    view = window.chats.view
    en_run, _ = transcribed(qtbot, window)
    assert rows(view)[2] == f"Voice note: {EN_SAID}"
    editing.edit_text(window.case, en_run, editing.segment_ids(window.case, en_run)[0],
                      "Meet me behind the bus station at eight. Bring the money.")
    window.tabs.setCurrentWidget(window.search_view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        window.tabs.setCurrentWidget(view)  # shown again: read again from the case
    assert rows(view)[2] == "Voice note (proofread): Meet me behind the bus station at eight. Bring the money."
    assert rows(view)[4] == f"Voice note: {ES_SAID}"
    assert view.proxy.index(2, PLAY).data(Qt.ItemDataRole.DecorationRole) is not None
    assert view.proxy.index(1, PLAY).data(Qt.ItemDataRole.DecorationRole) is None  # no voice note


def test_the_play_button_opens_the_voice_note_in_the_editor_at_its_start(qtbot, chat):
    window, _, _ = chat
    view = window.chats.view
    en_run, _ = transcribed(qtbot, window)
    window.tabs.setCurrentWidget(view)
    rect = view.table.visualRect(view.proxy.index(2, PLAY))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentIndex() == 0
    assert window.editor.exhibit.id == exhibit_named(window.case, EN) and window.session.run_id == en_run
    assert window.player.position() == 0


def test_enter_on_a_voice_note_s_row_opens_it_with_the_keyboard_in_its_transcript(qtbot, qapp, chat):
    """Only a mouse could open a voice note from the timeline (Enter did nothing), and once it was
    open the keyboard stayed in the hidden timeline: Esc played, but Enter and Down went nowhere."""
    window, _, _ = chat
    view = window.chats.view
    en_run, _ = transcribed(qtbot, window)
    window.exhibits.select(window.chats.view.exhibit_id)
    assert view.title.text().startswith("WhatsApp Chat with Ana.zip (whatsapp-zip) — 7 messages, 2 of 2 ")
    window.activateWindow()
    qtbot.waitUntil(lambda: qapp.activeWindow() is window, timeout=3_000)
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(2, MESSAGE))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert window.tabs.currentIndex() == 0 and window.session.run_id == en_run
    qtbot.waitUntil(window.editor.table.hasFocus, timeout=3_000)
    assert window.editor.table.currentIndex().row() == 0


def test_picking_a_voice_note_in_the_list_while_the_timeline_shows_goes_to_its_transcript(qtbot, chat):
    """The Timeline tab stayed up showing the chat, so the click on the voice note seemed to do nothing."""
    window, _, _ = chat
    view = window.chats.view
    transcribed(qtbot, window)
    window.exhibits.select(view.exhibit_id)
    assert window.tabs.currentWidget() is view
    window.exhibits.select(exhibit_named(window.case, ES))
    assert window.tabs.currentIndex() == 0 and window.editor.exhibit.id == exhibit_named(window.case, ES)
    window.tabs.setCurrentWidget(window.search_view)  # a case-wide tab stays as it is
    window.exhibits.select(exhibit_named(window.case, EN))
    assert window.tabs.currentWidget() is window.search_view


def test_a_missing_attachment_is_marked_missing_and_system_notes_are_greyed(qtbot, chat):
    window, _, _ = chat
    view = window.chats.view
    missing = view.proxy.index(5, MESSAGE)
    assert missing.data() == f"[Voice note {GONE}: MISSING from the export]"
    assert missing.data(Qt.ItemDataRole.FontRole).bold()
    assert missing.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert view.proxy.index(5, PLAY).data(Qt.ItemDataRole.DecorationRole) is None
    system = view.proxy.index(0, MESSAGE)
    assert view.model.entries[0].system and "end-to-end encrypted" in system.data()
    assert system.data(Qt.ItemDataRole.ForegroundRole).color() == SYSTEM_COLOUR
    assert view.proxy.index(1, MESSAGE).data(Qt.ItemDataRole.ForegroundRole) is None


def test_a_translation_the_case_holds_shows_in_its_own_column(qtbot, chat):
    window, _, _ = chat
    view = window.chats.view
    _, es_run = transcribed(qtbot, window)
    if view.proxy.index(4, TRANSLATION).data() == "":
        assert view.table.isColumnHidden(TRANSLATION)  # no translation in the case: no column
        add_text_run(window.case, exhibit_named(window.case, ES), ["I'm at the station, come quick."],
                     task=TEXT_TRANSLATE, parent_run_id=es_run)
        reload(qtbot, view)
    assert not view.table.isColumnHidden(TRANSLATION)
    assert view.proxy.index(4, TRANSLATION).data() == "I'm at the station, come quick."
    assert view.proxy.index(1, TRANSLATION).data() == ""


def test_the_filter_matches_sender_and_text(qtbot, chat):
    window, _, _ = chat
    view = window.chats.view
    transcribed(qtbot, window)
    try:
        view.set_filter("luis")  # a sender, and a word in Dave's message
        assert [e.index for e in view.entries_shown()] == [3, 4, 5]
        assert view.status.text() == "3 of 7 messages"
        view.set_filter("BRING THE")  # inside a voice note's transcript
        assert [e.index for e in view.entries_shown()] == [2]
        view.set_filter("ESTACIÓN")
        assert [e.sender for e in view.entries_shown()] == ["Luis"]
        view.set_filter("nobody said this")
        assert view.proxy.rowCount() == 0 and view.status.text() == "0 of 7 messages"
    finally:
        view.set_filter("")
    assert view.proxy.rowCount() == 7


def test_export_writes_json_docx_and_pdf_through_the_core(qtbot, chat, tmp_path):
    window, archive, _ = chat
    view = window.chats.view
    transcribed(qtbot, window)
    with qtbot.waitSignal(view.exported, timeout=60_000) as written:
        view.export_to(tmp_path / "out", ["docx", "pdf"])
    paths = written.args[0]
    assert sorted(p.name for p in paths) == [f"{archive.stem}.timeline.{f}" for f in ("docx", "json", "pdf")]
    data = json.loads((tmp_path / "out" / f"{archive.stem}.timeline.json").read_text(encoding="utf-8"))
    assert [m["sender"] for m in data["messages"]] == SENDERS
    shown = [e.attachment.transcript if e.attachment else None for e in view.model.entries]
    assert [m["attachment"]["transcript"] if m["attachment"] else None for m in data["messages"]] == shown
    assert data["messages"][5]["attachment"]["missing"] is True
    assert (tmp_path / "out" / f"{archive.stem}.timeline.pdf").read_bytes().startswith(b"%PDF")
    with qtbot.waitSignal(view.exportFailed, timeout=30_000) as refused:
        view.export_to(archive.parent / "out", ["pdf"])  # beside the evidence: refused
    assert "evidence" in refused.args[0] or "input" in refused.args[0]
    assert not (archive.parent / "out").exists()


def test_the_timeline_export_offers_the_folder_the_last_export_went_to(qtbot, chat, tmp_path, monkeypatch):
    """Export… on a timeline always offered ~/Parley exports, whatever folder the transcripts had just
    been exported to; the folder chosen for either is the one offered next by both."""
    from PySide6.QtWidgets import QDialog

    from app.gui.timeline_export import TimelineExportDialog

    window, _, _ = chat
    view = window.chats.view
    monkeypatch.setattr(view, "exhibit_id", view.exhibit_id or window.exhibits.model.rows[0].exhibit.id)
    window.settings.setValue("export/folder", str(tmp_path / "case-42 exports"))
    offered, started = [], []
    monkeypatch.setattr(TimelineExportDialog, "exec", lambda dialog: (
        offered.append(dialog.folder()), dialog.folder_edit.setText(str(tmp_path / "timelines")),
        QDialog.DialogCode.Accepted)[-1])
    monkeypatch.setattr(view, "export_to", lambda folder, formats: started.append(folder))
    view.ask_export()
    assert offered == [str(tmp_path / "case-42 exports")] and started == [tmp_path / "timelines"]
    assert window.settings.value("export/folder") == str(tmp_path / "timelines")


def test_a_search_hit_in_a_chat_message_opens_the_timeline_at_that_message(qtbot, chat):
    window, _, result = chat
    view, search = window.chats.view, window.search_view
    view.set_filter("station")  # the message searched for is filtered out: the hit shows it all the same
    window.tabs.setCurrentWidget(search)
    search.set_query("usual place")
    qtbot.waitUntil(lambda: search.model.rowCount() == 1, timeout=5_000)
    assert search.model.hits[0].task == "chat"
    rect = search.table.visualRect(search.model.index(0, 3))
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        qtbot.mouseClick(search.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.tabs.currentWidget() is view and view.exhibit_id == result.exhibit_ids[0]
    assert view.filter_box.text() == "" and view.proxy.rowCount() == 7
    selected = view.table.selectionModel().selectedRows()
    assert [view.proxy.index(r.row(), MESSAGE).data() for r in selected] == ["ok, the usual place. Call me on 07700 900123"]
    assert window.exhibits.current_id() == result.exhibit_ids[0]


@pytest.mark.slow
def test_the_worker_transcribes_the_voice_notes_into_the_timeline(qtbot, qapp, models_dir, tmp_path):
    from app.gui.main_window import MainWindow

    archive = build_zip(tmp_path)
    case = Case.open(tmp_path / "case")
    window = MainWindow(case, settings(tmp_path, models_dir))  # the real worker, tiny.en
    try:
        window.show()
        result = take_in(window, archive)
        queue = JobQueue(case.conn)
        qtbot.waitUntil(lambda: all(queue.get(j).finished for j in result.jobs), timeout=240_000)
        view = window.chats.view
        qtbot.waitUntil(lambda: "station" in rows(view)[2].lower(), timeout=10_000)
        assert rows(view)[2].startswith("Voice note: ") and rows(view)[5] == f"[Voice note {GONE}: MISSING from the export]"
    finally:
        window.close()
        case.close()


def test_an_entity_mentioned_in_a_chat_message_opens_the_timeline_at_that_message(qtbot, chat):
    window, _, result = chat
    view, entities = window.chats.view, window.entities_view
    view.select_message(view.model.entries[1].message_id)
    window.tabs.setCurrentWidget(entities)  # found on a thread when the tab is shown
    qtbot.waitUntil(lambda: any(e.kind == "phone" for e in entities.all), timeout=20_000)
    row = next(i for i, e in enumerate(entities.model.entities) if e.kind == "phone")
    entities.table.selectRow(row)
    assert [o.task for o in entities.mentions.mentions] == ["chat"]
    rect = entities.mention_table.visualRect(entities.mentions.index(0, 0))
    qtbot.mouseClick(entities.mention_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: view.current_message() == view.model.entries[6].message_id, timeout=10_000)
    assert window.tabs.currentWidget() is view and view.exhibit_id == result.exhibit_ids[0]


def test_a_file_that_is_no_chat_export_is_listed_with_its_reason_and_nothing_is_added(qtbot, chat):
    window, _, _ = chat
    before = len(window.case.exhibits())
    given = Path(__file__).parent / "fixtures" / "chats" / "not_a_chat.txt"
    window.chats.last_intake = None
    window.chats.add_exports([str(given)])
    qtbot.waitUntil(lambda: window.chats.last_intake is not None, timeout=30_000)
    result = window.chats.last_intake
    assert not result.exhibit_ids and not result.jobs and len(result.errors) == 1
    assert f"{given.name}: {result.errors[0].reason}" in window.exhibits.not_added.entries()
    assert len(window.case.exhibits()) == before


def test_a_folder_dropped_in_takes_in_the_chat_export_it_holds(qtbot, tmp_path, models_dir):
    """Add folder… on a phone's extraction: its unzipped WhatsApp export (chat text beside its voice
    notes) was left out ("not a media file", silently); now the chat is an exhibit too, its voice
    notes the chat's, and its messages are shown in the Timeline."""
    from app.gui.main_window import MainWindow

    export = tmp_path / "phone" / "WhatsApp Chat with Ana"
    export.mkdir(parents=True)
    (export / "WhatsApp Chat with Ana.txt").write_text(CHAT, encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", export / EN)
    (tmp_path / "phone" / "settings.json").write_text('{"theme": "dark"}', encoding="utf-8")
    case = Case.open(tmp_path / "case")
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    window.start_worker = lambda: False
    try:
        window.chats.last_intake = None
        window.add_paths([str(tmp_path / "phone")])
        qtbot.waitUntil(lambda: window.chats.last_intake is not None, timeout=30_000)
        kinds = sorted((e.source.name, e.source.kind) for e in case.exhibits())
        assert kinds == [(EN, "media"), ("WhatsApp Chat with Ana.txt", "chat")]
        assert window.chats.last_intake.errors == ()
        assert window.exhibits.not_added.entries() == []  # settings.json is skipped, not a failure
    finally:
        window.close()
        case.close()
