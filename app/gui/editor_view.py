"""The transcript editor: transport, waveform, segment table synced to playback, review mode."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSplitter,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from app.core.editing import operations as editing
from app.core.editing import segment_edits
from app.core.editing.speaker_edits import numbered_speakers
from app.core.store import Exhibit
from app.core.store.views import case_speakers, latest_speech_run, other_speakers, speech_runs
from app.gui.cursor_sync import CursorSync
from app.gui.editor_model import TEXT_COL, EditSession, SegmentModel
from app.gui.player import Player
from app.gui.review_bar import ReviewBar
from app.gui.run_notice import RunNotice, safe_language_name
from app.gui.segment_table import SegmentTable
from app.gui.speaker_colours import speaker_colours
from app.gui.speaker_tools import SpeakerTools
from app.gui.text_editor import EDITORS
from app.gui.transport_bar import TransportBar
from app.gui.video_pane import VideoPane
from app.gui.waveform_view import WaveformView
from app.gui.widgets import ElidedLabel, tool_button

NO_SPEAKER = "(no speaker)"


class EditorView(QWidget):
    """Everything a proofreader works in for one run of one exhibit."""

    message = Signal(str)
    rerunRequested = Signal(int, str)  # exhibit id, language code

    def __init__(self, session: EditSession, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.player = player
        self.exhibit: Exhibit | None = None
        self.follow = True
        self.model = SegmentModel(session, self)
        self.table = SegmentTable(self)
        self.table.setModel(self.model)
        self.table.wordClicked.connect(self._seek_row)
        self.waveform = WaveformView(self)
        self.transport = TransportBar(player, self)
        self.play_button, self.loop_box = self.transport.play_button, self.transport.loop_box
        self.position_label, self.rate_label = self.transport.position_label, self.transport.rate_label
        self.loop_box.toggled.connect(self._loop_changed)
        self.notice = RunNotice(self)
        self.notice.rerunRequested.connect(
            lambda lang: self.exhibit and self.rerunRequested.emit(self.exhibit.id, lang))
        self.title = ElidedLabel("Select an exhibit to see its transcript.", 40)
        self.review = ReviewBar(session, self.model, self.table, player, self)
        self.review_row = self.review
        self.status_label, self.count_label = self.review.status_label, self.review.count_label
        self.review_label = self.review.word_label
        self.verify_button = self.review.verify_button
        self.speaker_tools = SpeakerTools(self)
        self.speaker_tools.message.connect(self.message)
        self._build_edit_row()
        self._build_find()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.title, self.notice, self.speaker_tools.bar, self.transport, self.waveform, self.review_row,
                  self.edit_row, self.find_bar):
            layout.addWidget(w)
        self.video = VideoPane(player, self)
        self.body = QSplitter(Qt.Orientation.Horizontal, self)
        self.body.setObjectName("editor_split")
        self.body.addWidget(self.table)
        self.body.addWidget(self.video)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)
        self.body.setChildrenCollapsible(False)
        layout.addWidget(self.body, 1)
        player.positionChanged.connect(self.on_position)
        session.changed.connect(self._after_change)
        self.cursor_sync = CursorSync(self.table, self.model, player, session, lambda: self.follow)
        self.waveform.seekRequested.connect(self.cursor_sync.seek_to)
        self.model.modelReset.connect(self._spans_to_waveform)
        self.set_enabled(False)

    # --------------------------------------------------------------- build
    def _build_edit_row(self) -> None:
        self.edit_row = QWidget(self)
        self.split_button = tool_button("Split", "Split the segment at the cursor or the playing word",
                                        self.split_current)
        self.merge_button = tool_button("Merge", "Merge the selected segments (or this and the next)",
                                        self.merge_selected)
        self.speaker_box = QComboBox()
        self.speaker_box.setToolTip(
            "Set the speaker of the selected segments. Ctrl+1…9: the n-th name here: this recording's "
            "speakers first (the machine's, then names given since; the numbers stay put as you "
            "reassign), then the case's others")
        self.speaker_box.setMinimumContentsLength(12)
        self.speaker_box.setPlaceholderText("Set speaker…")
        self.speaker_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.speaker_box.activated.connect(self._speaker_picked)
        self.rename_button = tool_button("Rename speaker…", "Rename a speaker everywhere", lambda: self.ask_rename())
        self.speakers_button = self.speaker_tools.menu_button()
        self.find_button = tool_button("Find/Replace", "Find and replace (Ctrl+F; Ctrl+F again goes back to the text)", lambda: None)
        self.find_button.setCheckable(True)
        self.find_button.toggled.connect(self._find_toggled)
        row = QHBoxLayout(self.edit_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.split_button)
        row.addWidget(self.merge_button)
        row.addWidget(QLabel("Speaker:"))
        row.addWidget(self.speaker_box)
        row.addWidget(self.rename_button)
        row.addWidget(self.speakers_button)
        row.addStretch(1)
        row.addWidget(self.find_button)

    def _build_find(self) -> None:
        self.find_bar = QWidget(self)
        row = QHBoxLayout(self.find_bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find")
        self.replace_edit = QLineEdit()
        self.replace_edit.setPlaceholderText("Replace with")
        self.match_case = QCheckBox("Aa")
        self.match_case.setToolTip("Match case")
        self.whole_words = QCheckBox("Whole")
        self.whole_words.setToolTip("Whole words only")
        self.find_edit.returnPressed.connect(self.find_next)
        row.addWidget(self.find_edit, 2)
        row.addWidget(tool_button("Next", "Select the next segment containing it", self.find_next))
        row.addWidget(self.replace_edit, 2)
        row.addWidget(tool_button("Replace all", "Replace in every segment (one undoable step)",
                                  lambda: self.replace_all(self.find_edit.text(), self.replace_edit.text(),
                                                           self.match_case.isChecked(),
                                                           self.whole_words.isChecked())))
        row.addWidget(self.match_case)
        row.addWidget(self.whole_words)
        self.find_bar.hide()

    def _find_toggled(self, on: bool) -> None:
        self.find_bar.setVisible(on)
        if on:
            self.find_edit.setFocus()
            self.find_edit.selectAll()
        else:
            self.table.setFocus()  # back to the segment found, where Enter opens it

    def open_find(self) -> None:
        """Ctrl+F: show the find bar and put the cursor in its field; again there, close it."""
        if self.find_edit.hasFocus():
            self.find_button.setChecked(False)
        elif self.find_button.isChecked():
            self._find_toggled(True)
        else:
            self.find_button.setChecked(True)

    def controls(self) -> list[QWidget]:
        return [*self.transport.buttons(), *self.review.buttons(), self.split_button, self.merge_button, self.speaker_box,
                self.rename_button, self.speakers_button, self.find_button]

    def set_enabled(self, on: bool) -> None:
        for w in self.controls():
            w.setEnabled(on)

    # ---------------------------------------------------------------- load
    def show_run(self, exhibit: Exhibit | None, run_id: int | None, cache_dir: Path | None) -> None:
        same_exhibit = self.exhibit is not None and exhibit is not None and self.exhibit.id == exhibit.id
        self.exhibit = exhibit
        self.session.set_run(run_id)
        self.model.reload()
        if exhibit is None:
            self.title.set_text("Select an exhibit to see its transcript.")
            self.player.load(None)
            self.transport.show_position(0)  # not the last recording's length
            self.waveform.load(None, "", 0, None)
            self.notice.hide()
            self.video.show_for(False)
            self.set_enabled(False)
            self.review.refresh(reset_position=True)
            return
        path = next((p for p in exhibit.paths if Path(p).is_file()), exhibit.source.path)
        if not same_exhibit:
            self.player.load(path if exhibit.source.kind == "media" else None)
            self._show_video(exhibit.source.kind == "media" and exhibit.source.has_video)
            self.waveform.load(path if exhibit.source.kind == "media" else None, exhibit.source.sha256,
                               exhibit.source.duration_ms, cache_dir)
        self.set_enabled(True)
        self._update_title()
        self.review.refresh(reset_position=True)
        self._fill_speakers()

    def _show_video(self, on: bool) -> None:
        self.video.show_for(on)
        sizes = self.body.sizes()
        if on and sizes[1] < 200:
            total = max(sum(sizes), 600)
            self.body.setSizes([total * 3 // 5, total * 2 // 5])

    def _run_summary(self):  # type: ignore[no-untyped-def]
        run_id = self.session.run_id
        if self.exhibit is None or run_id is None:
            return latest_speech_run(self.session.case, self.exhibit.id) if self.exhibit else None
        return next((r for r in speech_runs(self.session.case, self.exhibit.id) if r.id == run_id), None)

    def _update_title(self) -> None:
        if self.exhibit is None:
            return
        run = self._run_summary()
        self.notice.show_run(run, self.exhibit.source.truncated)
        if self.session.run_id is None or run is None:
            self.title.set_text(f"{self.exhibit.source.shown_name} — not transcribed yet")
            return
        lang = f" · {safe_language_name(run.language)}" if run.language else ""
        partial = " · still transcribing" if run.status == "running" else ""
        self.title.set_text(f"{self.exhibit.source.shown_name} — run {run.id} ({run.task}{lang}){partial}")

    def reload_if_showing(self, run_id: int) -> None:
        """New segments streamed into the run on screen (machine draft only)."""
        if run_id == self.session.run_id and not editing.has_working_copy(self.session.case, run_id):
            self.model.reload()
            self._update_title()
            self.review.refresh()

    def _spans_to_waveform(self) -> None:
        self._colour_waveform()
        row = self.model.row_at(self.player.position())  # keep the playing highlight after an edit
        self.model.set_current_row(row)
        self.waveform.set_position(self.player.position(), row)

    def _colour_waveform(self) -> None:
        colours = self.table.speaker_delegate
        self.waveform.set_spans(list(zip(self.model.starts, self.model.ends)),
                                [colours.colour(n) if n else None for n in self.model.speakers])

    def _after_change(self, change: editing.Change) -> None:
        self._spans_to_waveform()  # a reset did it already; a renumbering (the first edit) did not
        self._update_title()
        self.review.refresh()
        self._fill_speakers()

    # ------------------------------------------------------------ playback
    def on_position(self, ms: int) -> None:
        row = self.model.row_at(ms)
        previous = self.model.current_row
        self.model.set_current_row(row)
        self.waveform.set_position(ms, row)
        self.transport.show_position(ms)
        if row >= 0 and row != previous:
            if self.loop_box.isChecked() and self.player.loop_span is None:
                self._loop_changed(True)
            if self.follow and self.table.state() != QAbstractItemView.State.EditingState:
                self.table.scrollTo(self.model.index(row, TEXT_COL), QAbstractItemView.ScrollHint.EnsureVisible)

    def _seek_row(self, row: int, ms: int) -> None:
        self.player.seek(ms)
        if self.loop_box.isChecked():
            self._loop_changed(True, row)

    def _loop_changed(self, on: bool, row: int | None = None) -> None:
        row = self.model.current_row if row is None else row
        if on and 0 <= row < self.model.rowCount():
            self.player.set_loop((self.model.starts[row], self.model.ends[row]))
        else:
            self.player.set_loop(None)

    def toggle_loop(self) -> None:
        self.loop_box.setChecked(not self.loop_box.isChecked())

    # ------------------------------------------------------------- editing
    def _run(self) -> int | None:
        return self.session.run_id

    def current_row(self) -> int:
        index = self.table.currentIndex()
        if index.isValid():
            return index.row()
        return self.model.current_row

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if not rows and self.current_row() >= 0:
            rows = [self.current_row()]
        return rows

    def split_current(self) -> None:
        row = self.current_row()
        if row < 0 or self._run() is None:
            self.message.emit("Select a segment to split.")
            return
        seg = self.model.segment(row)
        offset = self._editor_cursor()
        if offset is None:
            pos = self.player.position()
            words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
            positions = segment_edits.word_positions(seg.text, words)
            inside = [p for w, p in zip(seg.words, positions) if w.start_ms >= pos and p > 0]
            offset = inside[0] if (inside and seg.start_ms <= pos <= seg.end_ms) else len(seg.text) // 2
        self.split_at(row, offset)

    def _editor_cursor(self) -> int | None:
        focus = self.table.focusWidget() if self.table.state() == QAbstractItemView.State.EditingState else None
        if isinstance(focus, EDITORS):
            pos = focus.cursorPosition()
            self.table.commitData(focus)
            self.table.closeEditor(focus, QStyledItemDelegate.EndEditHint.NoHint)
            return pos
        return None

    def split_at(self, row: int, offset: int, at_ms: int | None = None) -> None:
        run_id, seg_id, actor = self._run(), self.model.ids[row], self.session.actor()
        self.session.do("Split segment", lambda: editing.split(
            self.session.case, run_id, seg_id, offset, at_ms, actor=actor))  # type: ignore[arg-type]

    def merge_selected(self) -> None:
        self._editor_cursor()  # the text being typed is kept first (the merge remakes the rows)
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if len(rows) < 2:
            row = self.current_row()
            rows = [row, row + 1] if 0 <= row < self.model.rowCount() - 1 else []
        if len(rows) < 2:
            self.message.emit("Select two or more segments to merge.")
            return
        self.merge_rows(rows)

    def merge_rows(self, rows: list[int]) -> bool:
        """Merge; segments of different speakers are merged only if the user agrees."""
        speakers = [self.model.segment(r).speaker for r in rows]
        named = sorted({s for s in speakers if s})
        if len(set(speakers)) > 1:
            keep = speakers[0] or NO_SPEAKER
            answer = QMessageBox.question(
                self, "Merge segments of different speakers?",
                f"These segments belong to {', '.join(named) or NO_SPEAKER} and others. The merged "
                f"segment will be attributed to {keep} only. Merge anyway?")
            if answer != QMessageBox.StandardButton.Yes:
                return False
        run_id, ids, actor = self._run(), [self.model.ids[r] for r in rows], self.session.actor()
        return self.session.do("Merge segments", lambda: editing.merge(
            self.session.case, run_id, ids, actor=actor)) is not None  # type: ignore[arg-type]

    def edit_text(self, row: int, text: str) -> None:
        self.model.setData(self.model.index(row, TEXT_COL), text)

    # ------------------------------------------------------------- speakers
    def speakers(self) -> list[str]:
        """The pick-list, numbered for Ctrl+1..9: this recording's speakers first, in an order that
        stays put while segments are reassigned (speaker_edits.numbered_speakers), then the
        case's other speakers by name."""
        run_id, case = self._run(), self.session.case
        if run_id is None:
            return case_speakers(case)
        here = numbered_speakers(case, run_id)
        return here + [n for n in other_speakers(case, run_id) if n not in here]

    def _fill_speakers(self) -> None:
        self.table.speaker_delegate.colours = speaker_colours(self.speakers())
        run_id = self._run()
        self.table.fit_speaker_column(editing.speakers(self.session.case, run_id) if run_id is not None else [])
        self.speaker_tools.refresh()
        self.speaker_box.blockSignals(True)
        self.speaker_box.clear()
        for i, name in enumerate(self.speakers()):
            self.speaker_box.addItem(f"{i + 1}. {name}" if i < 9 else name, name)
        self.speaker_box.addItem("New speaker…", None)
        self.speaker_box.setCurrentIndex(-1)
        self.speaker_box.blockSignals(False)
        self._colour_waveform()

    def _speaker_picked(self, index: int) -> None:
        name = self.speaker_box.itemData(index)
        if name is None:
            name, ok = QInputDialog.getText(self, "New speaker", "Speaker name:")
            if not ok or not name.strip():
                self._fill_speakers()
                return
        self.set_speaker(self.selected_rows(), name)

    def speaker_hotkey(self, n: int) -> None:
        """Ctrl+n: the n-th speaker of the pick-list to the selected segments."""
        names = self.speakers()
        if 1 <= n <= len(names):
            self.set_speaker(self.selected_rows(), names[n - 1])
        else:
            self.message.emit(f"There is no speaker {n} yet; add one with the Speaker list.")

    def set_speaker(self, rows: list[int], name: str) -> None:
        run_id, actor = self._run(), self.session.actor()
        if run_id is None or not rows:
            return
        ids = [self.model.ids[r] for r in rows]
        stack = self.session.stack
        stack.beginMacro(f"Speaker {name}")
        try:
            for seg_id in ids:
                self.session.do("Set speaker", lambda s=seg_id: editing.set_speaker(
                    self.session.case, run_id, s, name, actor=actor))
        finally:
            stack.endMacro()

    def ask_rename(self) -> None:
        run_id = self._run()
        if run_id is None:
            return
        names = editing.speakers(self.session.case, run_id) or [NO_SPEAKER]
        row = self.current_row()
        current = self.model.segment(row).speaker if row >= 0 else None
        old, ok = QInputDialog.getItem(self, "Rename speaker", "Speaker:", names,
                                       names.index(current) if current in names else 0, False)
        if not ok:
            return
        new, ok = QInputDialog.getText(self, "Rename speaker", f"New name for {old} (everywhere):")
        if ok and new.strip():
            self.rename_speaker(None if old == NO_SPEAKER else old, new)

    def rename_speaker(self, old: str | None, new: str) -> None:
        if new.strip() == old:  # nothing to change: no revision, the sign-off stands
            self.message.emit(f"The speaker is already named {old}.")
            return
        run_id, actor = self._run(), self.session.actor()
        self.session.do("Rename speaker", lambda: editing.rename_speaker(
            self.session.case, run_id, old, new, actor=actor))  # type: ignore[arg-type]

    # ----------------------------------------------------------- find/replace
    def replace_all(self, find: str, replacement: str, match_case: bool = False, whole: bool = False) -> None:
        run_id, actor = self._run(), self.session.actor()
        if run_id is None or not find:
            return
        change = self.session.do("Replace all", lambda: editing.replace_all(
            self.session.case, run_id, find, replacement, match_case, whole, actor=actor))
        if change is not None:
            n = len(change.changed)
            self.message.emit(f"Replaced in {n} segment(s)." if n else f"'{find}' not found.")

    def find_next(self) -> None:
        find = self.find_edit.text()
        if not find or not self.model.rowCount():
            return
        pattern = editing.find_pattern(find, self.match_case.isChecked(), self.whole_words.isChecked())
        start = self.current_row()
        n = self.model.rowCount()
        for step in range(1, n + 1):
            row = (start + step) % n
            if pattern.search(self.model.segment(row).text):
                self.table.go_to_row(row)
                self.table.scrollTo(self.model.index(row, TEXT_COL))
                return
        self.message.emit(f"'{find}' not found.")

    # ------------------------------------------------ review (see ReviewBar)
    def next_uncertain(self) -> None:
        self.review.next_uncertain()

    def previous_uncertain(self) -> None:
        self.review.previous_uncertain()

    def mark_current_reviewed(self) -> bool:
        return self.review.mark_current_reviewed()

    def ask_verify(self, default_name: str = "") -> bool:
        return self.review.ask_verify(default_name)

    def mark_verified(self, name: str) -> None:
        self.review.mark_verified(name)
