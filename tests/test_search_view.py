"""The search panel (app.gui.search_view) on a real case, offscreen."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt

from app.core.editing import operations as editing
from app.gui.search_view import SearchView
from tests.search_helpers import SEGMENT_MS, add_exhibit, add_run

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]


@pytest.fixture()
def view(qtbot, case):
    note = add_exhibit(case, "voice_note.opus")
    run = add_run(case, note, ["Hello.", "Meet me at the Café on Station Road.", "Bring the cash."],
                  speakers=["Anna", "Anna", "Bob"])
    widget = SearchView(case)
    qtbot.addWidget(widget)
    widget.show()
    widget.ids = (note, run)
    return widget


def _cells(view, column: int) -> list[str]:
    model = view.model
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_typing_a_query_lists_hits_with_exhibit_time_speaker_and_snippet(qtbot, view):
    qtbot.keyClicks(view.box, "cafe station")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
    assert _cells(view, 0) == ["voice_note.opus"]
    assert _cells(view, 1) == ["00:03.0"] and _cells(view, 2) == ["Anna"]  # the editor's clock
    assert "[Café]" in _cells(view, 3)[0] and view.status.text() == "1 hit"
    view.set_query('"no such phrase')
    assert view.model.rowCount() == 0 and view.status.text() == "no hits"


def test_clicking_a_hit_emits_exhibit_run_and_moment(qtbot, view):
    view.set_query("cash")
    rect = view.table.visualRect(view.model.index(0, 3))
    with qtbot.waitSignal(view.hitActivated, timeout=3000) as signal:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    note, run = view.ids
    assert signal.args == [note, run, 2 * SEGMENT_MS]


def test_refreshing_after_an_edit_shows_the_proofread_text(qtbot, view):
    _, run = view.ids
    view.set_query("cash")
    editing.edit_text(view.case, run, editing.segment_ids(view.case, run)[2], "Bring the money.")
    view.run_query()
    assert view.model.rowCount() == 0
    view.set_query("money")
    assert _cells(view, 4) == ["transcript (edited)"]


def test_a_chat_message_hit_shows_the_message_time(qtbot, view, tmp_path):
    """Hits in chat messages show their date-time: normalised, or as written when ambiguous."""
    import shutil

    from app.core.chats.intake import take_in
    from tests.conftest import REPO

    for name in ("whatsapp_android_en.txt", "whatsapp_ambiguous.txt"):
        shutil.copy(REPO / "tests" / "fixtures" / "chats" / name, tmp_path / name)
        take_in(view.case, tmp_path / name)
    view.set_query("saturday")
    assert _cells(view, 1) == ["2024-03-12 21:15:00"] and _cells(view, 2) == ["Dave Miller"]
    view.set_query("hola")
    assert _cells(view, 1) == ["04/05/2022, 10:00 (ambiguous)"] and _cells(view, 4) == ["chat"]
