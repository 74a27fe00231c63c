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


def test_the_search_and_entities_tabs_give_times_as_the_editor_does(qtbot, case):
    """The Search tab said "00:00:51.096" where the editor said "00:51.0" for the same line (and the
    Entities tab the same): one clock for the user, the millisecond on hover."""
    from PySide6.QtCore import Qt

    from app.core.evidence.provenance import software_info
    from app.core.search.entities import Occurrence
    from app.core.types import Segment
    from app.gui.editor_model import TIME_COL, EditSession, SegmentModel
    from app.gui.entities_view import MentionsModel
    from app.gui.search_view import SearchView
    from tests.search_helpers import MODEL

    note = add_exhibit(case, "interview_long.wav")
    run = case.start_run(note, "transcribe", MODEL, {"beam_size": 5}, software_info())
    case.append_segments(run, (Segment(51_096, 53_500, "Where were you on the night?"),
                               Segment(3_723_450, 3_725_000, "At the bank, I told you.")), {}, "en", 0.9)
    case.finish_run(run)
    editor = SegmentModel(EditSession(case, lambda: "DC Ann Example"))
    editor.session.set_run(run)
    editor.reload()
    in_editor = [editor.data(editor.index(r, TIME_COL), Qt.ItemDataRole.EditRole) for r in range(2)]
    assert in_editor == ["00:51.0", "1:02:03.4"]

    view = SearchView(case)
    qtbot.addWidget(view)
    for query, row in (("night", 0), ("bank", 1)):
        view.set_query(query)
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=3000)
        time_cell = view.model.index(0, 1)
        assert view.model.data(time_cell) == in_editor[row]
        assert view.model.data(time_cell, Qt.ItemDataRole.ToolTipRole).startswith(
            ("00:00:51.096", "01:02:03.450")[row])  # the millisecond on hover

    mentions = MentionsModel()
    mentions.set_mentions((Occurrence(note, "interview_long.wav", run, "transcribe", 1, 51_096, 53_500, None,
                                      "the night", False, "Where were you on the night?"),))
    assert mentions.data(mentions.index(0, 1)) == in_editor[0]
    assert mentions.data(mentions.index(0, 1), Qt.ItemDataRole.ToolTipRole).startswith("00:00:51.096")


def test_a_long_edit_wraps_in_the_history_and_is_whole_on_hover(qtbot, case):
    """The History tab's Change column cut a long edit at its right edge ("… for the …"), and its
    tooltip gave the same shortened words: what the proofreader wrote could not be read there."""
    from app.core.editing import operations as editing
    from app.core.editing.operations import segment_ids
    from app.gui.history_view import HistoryView

    note = add_exhibit(case, "interview_mono.wav")
    run = add_run(case, note, ["The time is 10.15.", "Yes."])
    said = ("Please state your full name for the recording, your date of birth, and the address where "
            "you have lived since January, including the flat number and the postcode.")
    editing.edit_text(case, run, segment_ids(case, run)[0], said, actor="DC Ann Example")
    view = HistoryView()
    qtbot.addWidget(view)
    view.resize(760, 400)  # the History tab at 1280x800
    view.show()
    view.show_run(case, run)
    item = view.topLevelItem(0)
    assert said in item.toolTip(4)  # the whole edit on hover
    line = view.fontMetrics().height()

    def lines_shown() -> int:
        return view.visualItemRect(item).height() // line

    qtbot.waitUntil(lambda: lines_shown() >= 2, timeout=2000)  # wrapped, not cut at the edge
    wide = lines_shown()
    view.resize(560, 400)
    qtbot.waitUntil(lambda: lines_shown() > wide, timeout=2000)  # narrower: taller, still whole
