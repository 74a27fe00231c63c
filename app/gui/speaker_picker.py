"""The editor's speaker pick-list: who says the selected segments (the list, Ctrl+1..9, a new
name), and renaming a speaker everywhere. Every change goes through the session's undo."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QInputDialog, QMessageBox

from app.core.editing import operations as editing
from app.core.editing.speaker_edits import numbered_speakers, speaker_places
from app.core.store.views import case_speakers, change_stamp, other_speakers, speakers_by_run
from app.gui.speaker_colours import place_colour
from app.gui.widgets import tool_button

NO_SPEAKER = "(no speaker)"


class SpeakerPicker(QObject):
    def __init__(self, editor: Any) -> None:
        super().__init__(editor)
        self.editor = editor
        self.session = editor.session
        self.box = QComboBox()
        self.box.setToolTip(
            "Set the speaker of the selected segments. Ctrl+1…9: the n-th name here: this recording's "
            "speakers first (the machine's, then names given since; the numbers stay put as you "
            "reassign), then the case's others")
        self.box.setMinimumContentsLength(12)
        self.box.setPlaceholderText("Set speaker…")
        self.box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.box.activated.connect(self._picked)
        self.rename_button = tool_button("Rename speaker…", "Rename a speaker everywhere (Ctrl+Shift+R)",
                                         lambda: self.ask_rename())
        # the case's speakers per run, read again only when the case changed (an edit, another process,
        # another case): read at each exhibit chosen (twice), they were a scan of every segment of the case
        self.by_run: tuple[tuple[object, ...], dict[int, frozenset[str]]] | None = None

    def speakers(self) -> list[str]:
        """The pick-list, numbered for Ctrl+1..9: this recording's speakers first, in an order that
        stays put while segments are reassigned (speaker_edits.numbered_speakers), then the
        case's other speakers by name."""
        run_id, case = self.session.run_id, self.session.case
        if run_id is None:
            return case_speakers(case)
        stamp = (id(case), change_stamp(case))
        if self.by_run is None or self.by_run[0] != stamp:
            self.by_run = (stamp, speakers_by_run(case))
        here = numbered_speakers(case, run_id)
        return here + [n for n in other_speakers(self.by_run[1], run_id) if n not in here]

    def fill(self) -> None:
        editor = self.editor
        names = self.speakers()
        run_id = self.session.run_id
        editor.table.speaker_delegate.places = speaker_places(self.session.case, run_id) if run_id is not None else {}
        editor.table.fit_speaker_column(editing.speakers(self.session.case, run_id) if run_id is not None else [])
        editor.speaker_tools.refresh()
        self.box.blockSignals(True)
        self.box.clear()
        places = editor.table.speaker_delegate.places
        for i, name in enumerate(names):
            self.box.addItem(f"{i + 1}. {name}" if i < 9 else name, name)
            if name in places:  # this recording's speakers carry their colour here too
                self.box.setItemData(i, place_colour(places[name]), Qt.ItemDataRole.DecorationRole)
        self.box.addItem("New speaker…", None)
        self.box.setCurrentIndex(self._current_index())
        self.box.blockSignals(False)
        editor.colour_waveform()

    def _current_index(self) -> int:
        """The box's entry for who speaks the selected lines; -1 (its "Set speaker…") when no one does,
        or several people do."""
        model = self.editor.model
        names = {model.speakers[r] for r in self.editor.selected_rows() if 0 <= r < len(model.speakers)}
        name = names.pop() if len(names) == 1 else None
        return self.box.findData(name) if name else -1

    def show_current(self) -> None:
        """The cursor or the selection moved: the box names its speaker (it read "Set speaker…" on a
        line that had one, as if it had none)."""
        with QSignalBlocker(self.box):
            self.box.setCurrentIndex(self._current_index())

    def _picked(self, index: int) -> None:
        name = self.box.itemData(index)
        if name is None:
            name, ok = QInputDialog.getText(self.editor, "New speaker", "Speaker name:")
            if not ok or not name.strip():
                self.fill()
                return
        self.set_speaker(self.editor.selected_rows(), name)

    def hotkey(self, n: int) -> None:
        """Ctrl+n: the n-th speaker of the pick-list to the selected segments."""
        names = self.speakers()
        if 1 <= n <= len(names):
            self.set_speaker(self.editor.selected_rows(), names[n - 1])
        else:
            self.editor.message.emit(f"There is no speaker {n} yet; add one with the Speaker list.")

    def set_speaker(self, rows: list[int], name: str) -> None:
        """The rows not already spoken by `name` given it in one revision (one undo step)."""
        run_id, actor = self.session.run_id, self.session.actor()
        if run_id is None or not rows:
            return
        model, wanted = self.editor.model, (name or "").strip() or None
        ids = [model.ids[r] for r in rows if 0 <= r < len(model.ids) and model.segment(r).speaker != wanted]
        if not ids:
            self.editor.message.emit(f"Already spoken by {wanted or 'no speaker'}.")
            return
        self.session.do(f"Speaker {wanted or 'none'}", lambda: editing.set_speakers(
            self.session.case, run_id, ids, name, actor=actor))

    def ask_rename(self) -> None:
        self.editor.segments.editor_cursor()  # what is being typed is kept before the names change
        run_id = self.session.run_id
        if run_id is None:
            return
        names = editing.speakers(self.session.case, run_id) or [NO_SPEAKER]
        row = self.editor.current_row()
        current = self.editor.model.segment(row).speaker if row >= 0 else None
        old, ok = QInputDialog.getItem(self.editor, "Rename speaker", "Speaker:", names,
                                       names.index(current) if current in names else 0, False)
        if not ok:
            return
        new, ok = QInputDialog.getText(self.editor, "Rename speaker", f"New name for {old} (everywhere):")
        if ok and new.strip() and self._merge_agreed(old, new.strip(), names):
            self.rename(None if old == NO_SPEAKER else old, new)

    def _merge_agreed(self, old: str, new: str, names: list[str]) -> bool:
        """A name another speaker of the transcript has makes the two one speaker: asked first, as
        a merge of two people's segments is (the default is No: Enter never joins two people)."""
        if new == old or new not in names:
            return True
        no = QMessageBox.StandardButton.No
        question = (f"{new} already speaks other lines of this transcript. Renamed, all of {old}'s lines "
                    f"will be attributed to {new}: the two become one speaker.\n\nRename anyway?")
        answer = QMessageBox.question(self.editor, "Rename to another speaker's name?", question,
                                      QMessageBox.StandardButton.Yes | no, no)
        return answer == QMessageBox.StandardButton.Yes

    def rename(self, old: str | None, new: str) -> None:
        if new.strip() == old:  # nothing to change: no revision, the sign-off stands
            self.editor.message.emit(f"The speaker is already named {old}.")
            return
        run_id, actor = self.session.run_id, self.session.actor()
        self.session.do("Rename speaker", lambda: editing.rename_speaker(
            self.session.case, run_id, old, new, actor=actor))  # type: ignore[arg-type]
