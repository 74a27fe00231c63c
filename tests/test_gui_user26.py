"""The window as session 26's user met it: the Speakers button's arrow, Export… with a chat on screen.

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtGui import QColor

from tests import gui_case

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def drawn_columns(button, text: str, inset: int = 3) -> tuple[set[int], set[int]]:  # type: ignore[no-untyped-def]
    """(the columns its menu arrow is drawn in, those its text is drawn in), inside the button's frame:
    the arrow is what the button shows with no text, the text what changes when its text is put back."""
    button.setText("")
    bare = button.grab().toImage()
    button.setText(text)
    full = button.grab().toImage()
    inside = [(x, y) for x in range(inset, full.width() - inset) for y in range(inset, full.height() - inset)]
    plain = QColor(bare.pixel(inset, full.height() // 2)).lightness()
    arrow = {x for x, y in inside if QColor(bare.pixel(x, y)).lightness() < plain - 40}
    letters = {x for x, y in inside if abs(QColor(full.pixel(x, y)).lightness() - QColor(bare.pixel(x, y)).lightness()) > 40}
    return arrow, letters


def test_the_speakers_buttons_arrow_is_clear_of_its_text(qtbot, win):
    """The Speakers button's menu arrow was drawn over the last "s" of "Speakers" (a tool button puts it in
    its corner, against its text, no blank column between): now it stands apart, to the right of the text."""
    button = win.editor.speakers_button
    win.editor.set_enabled(True)
    qtbot.waitUntil(lambda: button.isVisible() and button.width() > 0, timeout=3_000)
    button.setFixedSize(button.size())  # the same size with its text and without
    arrow, letters = drawn_columns(button, button.text())
    assert arrow and letters, (arrow, letters)
    assert min(arrow) - max(letters) > 3, (sorted(arrow), sorted(letters))  # blank columns between: was none


def test_export_with_a_chat_on_screen_asks_no_interview_details_and_says_where_it_is_exported(
        qtbot, qapp, models_dir, tmp_path, monkeypatch, boxes):
    """File > Export… with a chat export chosen offered "Interview details of chat.txt (for a record of
    interview)", stored what was typed there on the chat, then said "Nothing to export: no transcript is
    selected". Now no interview box is offered for it, nothing is stored, and the refusal says where a chat's
    messages are exported (the Timeline tab)."""
    import shutil

    from PySide6.QtWidgets import QDialog

    from app.cli import main
    from app.core.store import Case
    from app.core.store.interview import read_interview
    from app.gui.export_dialog import ExportDialog
    from app.gui.main_window import MainWindow
    from tests.test_timeline_omitted_media import CHATS

    chat = tmp_path / "evidence" / "whatsapp_ios_de.txt"
    chat.parent.mkdir()
    shutil.copy(CHATS / chat.name, chat)
    case = gui_case.build_case(tmp_path)
    case.close()
    assert main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case")]) == 0
    case = Case.open(tmp_path / "case")
    offered: list[bool] = []

    def fill(dialog: ExportDialog) -> int:
        offered.append(dialog.initial is not None)
        if "place" in dialog.fields:
            dialog.fields["place"].setText("Leeds")
        dialog.folder.setText(str(tmp_path / "exports"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", fill)
    try:
        window = MainWindow(case, gui_case.settings(tmp_path, models_dir), start_worker=False)
        qtbot.addWidget(window)
        gui_case.open_exhibit(qtbot, window, "interview_stereo.wav")  # a recording first: details offered
        window.ask_export()
        gui_case.wait_for_export(window)
        chat_id = next(e.id for e in case.exhibits() if e.source.name == chat.name)
        window.exhibits.select(chat_id)
        shown, _ = boxes
        shown.clear()
        window.ask_export()
        assert offered == [True, False], offered
        assert read_interview(case, chat_id).place == ""
        assert shown and "Timeline tab" in shown[-1], shown
        window.close()
    finally:
        case.close()


def test_the_windows_export_is_never_written_beside_the_evidence(qtbot, models_dir, tmp_path):
    """The Export dialog says exports "are never written beside the evidence", but a folder chosen there was
    never checked: the transcript and its manifest were written into a recording's own folder."""
    from app.gui.main_window import MainWindow
    from tests.test_user26 import two_exhibits_in_two_folders

    case = two_exhibits_in_two_folders(tmp_path)
    try:
        window = MainWindow(case, gui_case.settings(tmp_path, models_dir), start_worker=False)
        qtbot.addWidget(window)
        run = case.latest_runs(case.exhibits()[0].id, None)[0]
        paths, refused = window.export_to(tmp_path / "phone_b", ["txt"], [run])
        assert paths == [] and refused and "refusing to write outputs beside the evidence" in refused, refused
        assert sorted(p.name for p in (tmp_path / "phone_b").iterdir()) == ["es_voicenote.ogg"]
        paths, refused = window.export_to(tmp_path / "exports", ["txt"], [run])
        assert refused is None and [p.name for p in paths] == ["en_voicenote.txt", "en_voicenote.manifest.json"]
        window.close()
    finally:
        case.close()
