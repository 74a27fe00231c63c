"""What the proofreader's trial of session 28 found and left: a speaker's colour that changed with
its name, the DOCX running head on two lines, the Search tab's own time format, and the History
tab's long edits cut at its edge."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from tests.search_helpers import add_exhibit, add_run

pytestmark = [pytest.mark.gui, pytest.mark.timeout(60)]


@pytest.fixture
def editor(qtbot, case):
    """The editor over an interview of three machine speakers, 12 lines."""
    from app.gui.editor_model import EditSession
    from app.gui.editor_view import EditorView
    from app.gui.player import Player

    note = add_exhibit(case, "interview_mono.wav")
    who = ["Speaker 1", "Speaker 2", "Speaker 3"] * 4
    run = add_run(case, note, [f"Line {i}: what was said." for i in range(12)], speakers=who)
    view = EditorView(EditSession(case, lambda: "DC Ann Example"), Player())
    qtbot.addWidget(view)
    view.show_run(case.exhibit(note), run, None)
    return view


def colours_now(editor) -> dict[str, str]:
    """Each speaker's colour as painted: its chip (the delegate) and its band on the waveform, which agree."""
    from PySide6.QtCore import Qt

    model, delegate = editor.model, editor.table.speaker_delegate
    chips = {model.speakers[r]: delegate.colour(model.speakers[r]).name() for r in range(model.rowCount())}
    bands = {model.speakers[r]: editor.waveform.colours[r].name() for r in range(model.rowCount())}
    assert bands == chips
    box = editor.picker.box  # the Set speaker list shows the same colour beside each name
    listed = {box.itemData(i): box.itemData(i, Qt.ItemDataRole.DecorationRole) for i in range(box.count())}
    assert {name: listed[name].name() for name in chips} == chips
    return chips


def test_a_speaker_keeps_its_colour_when_renamed_merged_into_or_split_from(editor):
    """The colour was hashed from the name: "Speaker 1" renamed "DC Harris" turned from blue to
    another colour on every chip and on the waveform, and the proofreader lost track of who was who."""
    before = colours_now(editor)
    assert len(set(before.values())) == 3
    editor.rename_speaker("Speaker 1", "DC Harris")
    assert colours_now(editor)["DC Harris"] == before["Speaker 1"]
    editor.rename_speaker("Speaker 2", "Jonas Petraitis")
    renamed = colours_now(editor)
    assert renamed == {"DC Harris": before["Speaker 1"], "Jonas Petraitis": before["Speaker 2"],
                       "Speaker 3": before["Speaker 3"]}
    assert editor.speaker_tools.merge("Speaker 3", "DC Harris")  # the survivor keeps its colour
    merged = colours_now(editor)
    assert merged == {"DC Harris": before["Speaker 1"], "Jonas Petraitis": before["Speaker 2"]}
    rows = [r for r in range(editor.model.rowCount()) if editor.model.speakers[r] == "Jonas Petraitis"][:2]
    assert editor.speaker_tools.split(rows, "DS Brown")
    split = colours_now(editor)
    assert split["DS Brown"] not in merged.values()  # a colour no other speaker of the exhibit has
    assert {k: v for k, v in split.items() if k != "DS Brown"} == merged
    editor.session.stack.undo()
    editor.session.stack.undo()
    editor.session.stack.undo()
    assert colours_now(editor)["DC Harris"] == before["Speaker 1"]  # undone back to the rename
