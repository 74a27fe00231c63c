"""The window as a proofreader meets it (session 22): the exhibit list at 1280x800, the re-run
language picker, the timeline's wording of media a phone left out.

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from app.cli import main
from app.core.editing import operations as editing
from app.gui.run_notice import OTHER
from app.gui.timeline_view import MESSAGE, TimelineView
from tests import gui_case
from tests.gui_case import open_exhibit
from tests.test_timeline_omitted_media import CHATS

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def offered(notice) -> list[str]:
    box = notice.language_box
    return [box.itemData(i) for i in range(box.count()) if box.itemData(i)]


def test_the_rerun_picker_offers_the_allow_list_then_the_models_languages(qtbot, win):
    """The picker held a fixed 26 languages whatever the settings' allow-list and the model: the allow-list
    was not first (nor there at all for Somali), and a language the model knows but the list left out
    (Tagalog, Swahili) could not be chosen."""
    win.settings.setValue("transcribe/languages", "so,pl,en")
    try:
        open_exhibit(qtbot, win, "de_voicenote.opus")
        notice = win.editor.notice
        assert offered(notice) == ["so", "pl", "en"]
        box = notice.language_box
        box.setCurrentIndex(box.findData(OTHER))  # "Other languages…": every other language the model knows
        codes = offered(notice)
        assert codes[:3] == ["so", "pl", "en"] and {"de", "tl", "sw", "haw"} <= set(codes[3:])
        assert len(codes) >= 98 and box.currentData() is None and not notice.rerun_button.isEnabled()
    finally:
        win.settings.setValue("transcribe/languages", "")
    open_exhibit(qtbot, win, "silence_30s.wav")  # settings changed: the picker follows
    assert {"tl", "sw", "de", "en"} <= set(offered(win.editor.notice))
    assert len(offered(win.editor.notice)) >= 98


def test_the_status_column_is_whole_at_1280x800(qtbot, win):
    """"language uncertain" and "no speech found" read "language un…", "no speech fo…" at 1280x800."""
    win.resize(1280, 800)
    win.refresh()
    qtbot.wait(50)
    table = win.exhibits.table
    model, header, metrics = table.model(), table.horizontalHeader(), table.fontMetrics()
    margin = table.style().pixelMetric(table.style().PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    for row in range(model.rowCount()):
        text = model.index(row, 5).data()
        if text.startswith("failed"):  # a failure's reason is whole in the tooltip
            continue
        room = header.sectionSize(5) - 2 * margin
        assert metrics.elidedText(text, Qt.TextElideMode.ElideRight, room) == text, f"{text!r} elided"
    assert table.horizontalScrollBar().maximum() == 0


def test_a_phone_s_omitted_media_line_reads_as_the_exported_timeline_words_it(qtbot, win, tmp_path):
    """The Timeline tab showed "[missing: Bild weggelassen]", as if a file of that name were missing,
    where the timeline's JSON, DOCX and PDF say what is missing and quote the chat."""
    chat = tmp_path / "evidence" / "whatsapp_ios_de.txt"
    chat.parent.mkdir()
    shutil.copy(CHATS / chat.name, chat)
    case_dir = tmp_path / "case"
    assert main(["timeline", str(chat), "--out", str(tmp_path / "out"), "--case", str(case_dir)]) == 0
    from app.core.store import Case

    case = Case.open(case_dir)
    try:
        view = TimelineView(case)
        qtbot.addWidget(view)
        exhibit = next(e.id for e in case.exhibits() if e.source.name == chat.name)
        with qtbot.waitSignal(view.loaded, timeout=10_000):
            view.load(exhibit)
        texts = [view.proxy.index(r, MESSAGE).data() for r in range(view.proxy.rowCount())]
        assert not any("[missing: Bild weggelassen]" in t for t in texts)
        assert any('[Image MISSING from the export (the chat reads "Bild weggelassen")]' in t for t in texts)
        assert any("[Voice note 00000007-AUDIO-2024-01-05-19-41-30.opus: MISSING from the export]" in t
                   for t in texts)
    finally:
        case.close()


def shown_names(table, column: int) -> list[str]:
    """Each row's name as the table draws it (the delegate's text, elided as Qt elides it)."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    model, out = table.model(), []
    for row in range(model.rowCount()):
        index = model.index(row, column)
        option = QStyleOptionViewItem()
        option.initFrom(table.viewport())
        option.rect = table.visualRect(index)
        option.textElideMode = table.textElideMode()
        delegate = table.itemDelegateForColumn(column)
        delegate.initStyleOption(option, index)
        room = option.rect.width() - 2 * (table.style().pixelMetric(
            table.style().PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
        out.append(option.fontMetrics.elidedText(option.text, option.textElideMode, room))
    return out


def test_look_alike_names_never_read_the_same(qtbot, tmp_path):
    """Names that differ only in their middle were cut in the middle to the same text: two rows of the
    exhibit list (and of the queue) read alike. Each keeps the part that tells it apart; the tooltip
    holds the whole name."""
    from app.core.media.decode import probe
    from app.core.store import Case
    from app.gui.exhibits_view import ExhibitsView, exhibit_rows
    from tests.conftest import MEDIA

    names = [f"Call recording 2024-03-14 10-15-0{i} from +44 7700 900123 Mum.opus" for i in (1, 2)]
    names += ["PTT-20240314-WA0001.opus", "PTT-20240314-WA0011.opus"]
    case = Case.open(tmp_path / "case")
    try:
        for i, name in enumerate(names):
            path = tmp_path / "evidence" / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes((MEDIA / "en_voicenote.opus").read_bytes() + bytes([i]))  # four exhibits
            case.add_exhibit(probe(path))
        view = ExhibitsView()
        qtbot.addWidget(view)
        view.resize(470, 400)
        view.show()
        view.set_rows(exhibit_rows(case))
        qtbot.wait(50)
        shown = shown_names(view.table, 0)
        model = view.table.model()
        assert any("…" in text for text in shown), shown  # the names are cut...
        assert len(set(shown)) == len(shown), shown  # ...yet no two read alike
        for row in range(model.rowCount()):
            assert model.index(row, 0).data() in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    finally:
        case.close()


def test_an_english_only_run_is_never_said_detected_100_percent_sure(qtbot, win):
    """A note made with tiny.en read "Language uncertain: detected as English (100% sure)" beside "Made with
    an English-only model: the language was not detected" (the exhibit's tooltip and `exhibits` too)."""
    from dataclasses import replace

    from app.core.models.catalogue import ENGLISH_ONLY_NOTE
    from app.core.store.views import latest_speech_runs
    from app.core.usecases.exhibit_status import uncertain_detail
    from app.gui.run_notice import notices

    exhibit = next(e.id for e in win.case.exhibits() if e.source.name == "de_voicenote.opus")
    run = replace(latest_speech_runs(win.case)[exhibit], language="en", language_probability=1.0, worded_count=0,
                  inaudible_ms=7000,
                  warnings=(ENGLISH_ONLY_NOTE,))
    said = " ".join(notices(run, False)) + " " + uncertain_detail(run)
    assert "100% sure" not in said and "detected as English" not in said
    assert "Language uncertain: not detected (English-only model)." in said


def test_a_translation_of_a_transcript_edited_since_says_so(qtbot, win):
    """The Translation tab showed a text translation beside the text it was made from, with nothing to
    say the transcript had been edited since (the Editor showed other words than its source column)."""
    from app.core.evidence.provenance import software_info
    from app.core.translation.runs import source_sha256
    from app.core.types import ModelInfo, Segment

    case = win.case
    exhibit = next(e for e in case.exhibits() if e.source.name == "silence_30s.wav")
    parent = case.latest_run(exhibit.id, "transcribe")
    source = (Segment(0, 1000, "hello there"),)
    editing_run = case.start_run(exhibit.id, "transcribe", ModelInfo("tiny.en", "/m", "00" * 32), {},
                                 software_info())
    case.append_segments(editing_run, source, {}, "en", 0.9)
    case.finish_run(editing_run)
    run = case.start_run(exhibit.id, "text-translate", ModelInfo("nllb", "/m", "00" * 32, "nllb"),
                         {"source_run": {"text_sha256": source_sha256(source)}}, software_info(),
                         parent_run_id=editing_run, source_language="en")
    case.append_segments(run, (Segment(0, 1000, "hallo", source_text="hello there"),), {}, "de", None)
    case.finish_run(run)
    win.translation.show_exhibit(exhibit.id)
    assert "edited since" not in win.translation.note.text()
    change = editing.edit_text(case, editing_run, editing.segment_ids(case, editing_run)[0], "hello here",
                               actor="DC Jones")
    win.translation.show_exhibit(exhibit.id)
    assert "the transcript has been edited since" in win.translation.note.text()
    editing.undo(case, change.revision_id, actor="DC Jones")
    win.translation.show_exhibit(exhibit.id)
    assert "edited since" not in win.translation.note.text()
    assert parent is not None
