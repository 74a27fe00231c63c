"""The entities panel (app.gui.entities_view) on a real case, offscreen."""

from __future__ import annotations

import csv

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt

from app.gui.entities_view import EntitiesView
from tests.search_helpers import SEGMENT_MS, add_exhibit, add_run

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]


@pytest.fixture()
def view(qtbot, case):
    first = add_exhibit(case, "voice_note.opus")
    run = add_run(case, first, ["Hello.", "Ring oh seven seven double oh nine double oh one two three."])
    second = add_exhibit(case, "chat.txt", kind="text")
    add_run(case, second, ["new number 07700 900123, van AB12 CDE"], task="text")
    widget = EntitiesView(case)
    qtbot.addWidget(widget)
    widget.show()
    widget.ids = (first, run)
    widget.refresh()
    qtbot.waitUntil(lambda: widget.model.rowCount() > 0, timeout=10_000)
    return widget


def _column(model, column: int) -> list[str]:
    return [model.data(model.index(r, column)) for r in range(model.rowCount())]


def test_entities_are_listed_shared_first_and_filtered(qtbot, view):
    assert _column(view.model, 1)[0] == "+447700900123"
    assert _column(view.model, 3)[0] == "2" and "voice_note.opus" in _column(view.model, 4)[0]
    assert "AB12 CDE" in _column(view.model, 1)
    view.shared.setChecked(True)
    assert _column(view.model, 1) == ["+447700900123"]
    view.shared.setChecked(False)
    view.kind.setCurrentText("vehicle")
    assert _column(view.model, 1) == ["AB12 CDE"]


def test_selecting_an_entity_lists_mentions_and_a_click_emits_the_moment(qtbot, view):
    view.table.selectRow(0)
    assert _column(view.mentions, 3) == ["oh seven seven double oh nine double oh one two three",
                                         "07700 900123"]
    rect = view.mention_table.visualRect(view.mentions.index(0, 0))
    with qtbot.waitSignal(view.mentionActivated, timeout=3000) as signal:
        qtbot.mouseClick(view.mention_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    first, run = view.ids
    assert signal.args == [first, run, SEGMENT_MS]


def test_export_writes_the_entities_shown(qtbot, view, tmp_path):
    view.kind.setCurrentText("phone")
    path = tmp_path / "phones.csv"
    assert view.export_csv(path) == 2
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["kind"] for r in rows} == {"phone"} and len(rows) == 2
    assert view.export_csv(tmp_path / "missing" / "x.csv") == 0 and "cannot write" in view.status.text()


def test_a_date_said_without_its_year_reads_as_a_day_and_month(qtbot, case):
    """The walk-through showed "--03-14" for "the 14th of March"; the CSV keeps the ISO form."""
    exhibit = add_exhibit(case, "interview.wav")
    add_run(case, exhibit, ["Where were you on the evening of the 14th of March?"])
    widget = EntitiesView(case)
    qtbot.addWidget(widget)
    widget.refresh()
    qtbot.waitUntil(lambda: widget.model.rowCount() > 0, timeout=10_000)
    assert "14 March (no year)" in _column(widget.model, 1)
    assert "--03-14" in [e.value for e in widget.shown()]
