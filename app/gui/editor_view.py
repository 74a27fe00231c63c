"""The transcript editor: transport, waveform, segment table synced to playback, review mode."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.editing import operations as editing
from app.core.names import printable
from app.core.store import Exhibit
from app.core.store.views import latest_job, latest_speech_run, speech_runs
from app.gui.cursor_sync import CursorSync
from app.gui.editor_model import TEXT_COL, EditSession, SegmentModel
from app.gui.find_bar import FindBar
from app.gui.player import Player
from app.gui.recording_finder import RecordingFinder
from app.gui.review_bar import ReviewBar
from app.gui.run_notice import RunNotice, not_transcribed, safe_language_name
from app.gui.segment_actions import SegmentActions
from app.gui.segment_table import SegmentTable
from app.gui.speaker_picker import SpeakerPicker
from app.gui.speaker_tools import SpeakerTools
from app.gui.transport_bar import TransportBar
from app.gui.video_pane import VideoPane
from app.gui.waveform_view import WaveformView
from app.gui.widgets import ElidedLabel, tool_button


def missing_recording(exhibit: Exhibit) -> str:
    """In words, where a recording no longer is (its folder moved, its drive not attached)."""
    where = " or ".join(printable(p) for p in exhibit.paths[:2]) or printable(exhibit.source.path)
    return (f"The recording is not at {where} (moved, or its drive is not attached): it cannot be played "
            "until it is back there. Its transcript can still be read and corrected.")


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
        self._followed_at: int | None = None  # where following playback last left the view (moved since: by hand)
        self.model = SegmentModel(session, self)
        self.table = SegmentTable(self)
        self.table.setModel(self.model)
        self.table.wordClicked.connect(self._seek_row)
        self.waveform = WaveformView(self)
        self.finder = RecordingFinder(self)
        self.finder.found.connect(self._recording_found)
        self.cache_dir: Path | None = None
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
        self.review.message.connect(self.message)
        self.speaker_tools = SpeakerTools(self)
        self.speaker_tools.message.connect(self.message)
        self.picker = SpeakerPicker(self)
        self.segments = SegmentActions(self)
        self._build_edit_row()
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
        self.transport.skip = self.cursor_sync.skip  # ◀◀/▶▶ as F1/F2: paused, the cursor goes along
        self.model.modelReset.connect(self._spans_to_waveform)
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(lambda *_a: self.picker.show_current())
        selection.currentChanged.connect(lambda *_a: self.picker.show_current())
        self.set_enabled(False)

    # --------------------------------------------------------------- build
    def _build_edit_row(self) -> None:
        self.edit_row = QWidget(self)
        self.split_button = tool_button("Split", "Split the segment at the cursor or the playing word (Ctrl+Shift+S)",
                                        self.split_current)
        self.merge_button = tool_button("Merge", "Merge the selected segments, or this and the next (Ctrl+Shift+M)",
                                        self.merge_selected)
        self.speaker_box, self.rename_button = self.picker.box, self.picker.rename_button
        self.speakers_button = self.speaker_tools.menu_button()
        self.find_bar = FindBar(self.session, self.model, self.table, self.current_row, self)
        self.find_bar.message.connect(self.message)
        self.find_button, self.find_edit = self.find_bar.button, self.find_bar.find_edit
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

    def controls(self) -> list[QWidget]:
        return [*self.transport.buttons(), *self.review.buttons(), self.split_button, self.merge_button, self.speaker_box,
                self.rename_button, self.speakers_button, self.find_button]

    def set_enabled(self, on: bool) -> None:
        for w in self.controls():
            w.setEnabled(on)

    # ---------------------------------------------------------------- load
    def show_run(self, exhibit: Exhibit | None, run_id: int | None, cache_dir: Path | None) -> None:
        self.segments.editor_cursor()  # the words being typed are kept, in the transcript typed in
        same_exhibit = self.exhibit is not None and exhibit is not None and self.exhibit.id == exhibit.id
        self.exhibit = exhibit
        self.session.set_run(run_id)
        self.model.reload()
        if exhibit is None:
            self.title.set_text("Select an exhibit to see its transcript.")
            self.player.load(None)
            self.finder.look(None)
            self.transport.show_position(0)  # not the last recording's length
            self.waveform.load(None, "", 0, None)
            self.notice.hide()
            self.video.show_for(False)
            self.set_enabled(False)
            self.find_bar.close_quietly()
            self.review.refresh(reset_position=True)
            return
        media = exhibit.source.kind == "media"
        if not same_exhibit:
            self._show_video(media and exhibit.source.has_video)
            self.cache_dir = cache_dir
            if media:  # where it is now, looked for off the GUI thread (a share that hangs hung the window)
                self.player.await_source()
                self.waveform.show_message("Looking for the recording…", exhibit.source.duration_ms)
            else:
                self.player.load(None)
                self.waveform.load(None, exhibit.source.sha256, exhibit.source.duration_ms, cache_dir)
            self.finder.look(exhibit if media else None)
        self.set_enabled(True)
        for w in self.controls()[len(self.transport.buttons()):]:  # with no transcript: listening only (Mark
            w.setEnabled(run_id is not None)  # verified…, Split, Rename speaker… did nothing when clicked)
        if run_id is None:
            self.find_bar.close_quietly()
        self._update_title()
        self.review.refresh(reset_position=True)
        self._fill_speakers()

    def _recording_found(self, exhibit: Exhibit, path: str | None) -> None:
        """The recording of the exhibit shown, found at `path` (None: at none of its paths) off the GUI thread."""
        if self.exhibit is None or self.exhibit.id != exhibit.id:
            return
        self.player.load(path)
        if path is None:  # was: "No waveform: [Errno 2] No such file or directory: '…'" and "playback:
            self.waveform.show_message(missing_recording(exhibit), exhibit.source.duration_ms)  # Could not open
        else:  # file" in the banner, naming no file
            self.waveform.load(path, exhibit.source.sha256, exhibit.source.duration_ms, self.cache_dir)

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
            words, note = not_transcribed(latest_job(self.session.case, self.exhibit.id))
            self.title.set_text(f"{self.exhibit.source.shown_name} — {words}")
            self.notice.show_text(note)  # a failure's reason, in full
            return
        lang = f" · {safe_language_name(run.language)}" if run.language else ""
        partial = " · still transcribing" if run.status == "running" else ""
        self.title.set_text(f"{self.exhibit.source.shown_name} — run {run.id} ({run.task}{lang}){partial}")

    def refresh_untranscribed(self) -> None:
        """The case changed: an exhibit shown with no transcript says where its job stands now."""
        if self.exhibit is not None and self.session.run_id is None:
            self._update_title()

    def reload_if_showing(self, run_id: int) -> None:
        """New segments streamed into the run on screen (machine draft only)."""
        if run_id == self.session.run_id and not editing.has_working_copy(self.session.case, run_id):
            self.model.reload()
            self._update_title()
            self.review.refresh()

    def _spans_to_waveform(self) -> None:
        self.colour_waveform()
        row = self.model.row_at(self.player.position())  # keep the playing highlight after an edit
        self.model.set_current_row(row)
        self.waveform.set_position(self.player.position(), row)

    def colour_waveform(self) -> None:
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
                self._keep_in_view(row)

    def _keep_in_view(self, row: int) -> None:
        """The line heard in the upper two thirds of the view, so the lines to come can be read
        and the one before it (kept merely visible, it sat on the last row with nothing below it);
        a page turn, not a crawl. Where the line before is too tall for both (a long answer), the
        line heard goes to the top (it was pushed below the view for its whole length); where the
        user scrolled by hand and the line heard is on screen, the view stays where they put it."""
        bar = self.table.verticalScrollBar()
        by_hand = self._followed_at is not None and bar.value() != self._followed_at
        if self._placed(row, 2 / 3) or (by_hand and self._placed(row, 1)):
            self._followed_at = bar.value()
            return
        self.table.scrollTo(self.model.index(max(row - 1, 0), TEXT_COL), QAbstractItemView.ScrollHint.PositionAtTop)
        if not self._placed(row, 1):
            self.table.scrollTo(self.model.index(row, TEXT_COL), QAbstractItemView.ScrollHint.PositionAtTop)
        self.table.size_visible_rows()
        self._followed_at = bar.value()

    def _placed(self, row: int, share: float) -> bool:
        """The row wholly within the top `share` of the view (its rows sized to their text first)."""
        self.table.size_visible_rows()
        rect = self.table.visualRect(self.model.index(row, TEXT_COL))
        return rect.top() >= 0 and rect.bottom() <= self.table.viewport().height() * share

    def _seek_row(self, row: int, ms: int) -> None:
        """A click on a line plays from the word clicked, the view left as it is: the line is on screen,
        under the mouse. The seek's page turn moved the view before the table took the press, which
        then chose, and played, the line moved under the mouse (a line clicked low in the view)."""
        follow, self.follow = self.follow, False
        try:
            self.player.seek(ms)
        finally:
            self.follow = follow
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
        self.segments.split_current()

    def split_at(self, row: int, offset: int, at_ms: int | None = None) -> None:
        self.segments.split_at(row, offset, at_ms)

    def merge_selected(self) -> None:
        self.segments.merge_selected()

    def merge_rows(self, rows: list[int]) -> bool:
        return self.segments.merge_rows(rows)

    def insert_inaudible(self) -> bool:
        return self.segments.insert_inaudible()

    def edit_text(self, row: int, text: str) -> None:
        self.model.setData(self.model.index(row, TEXT_COL), text)

    # ------------------------------------------------- speakers (see SpeakerPicker)
    def speakers(self) -> list[str]:
        return self.picker.speakers()

    def _fill_speakers(self) -> None:
        self.picker.fill()

    def speaker_hotkey(self, n: int) -> None:
        self.picker.hotkey(n)

    def set_speaker(self, rows: list[int], name: str) -> None:
        self.picker.set_speaker(rows, name)

    def ask_rename(self) -> None:
        self.picker.ask_rename()

    def rename_speaker(self, old: str | None, new: str) -> None:
        self.picker.rename(old, new)

    # ------------------------------------------------- find/replace (see FindBar)
    def open_find(self) -> None:
        self.find_bar.open_find()

    def replace_all(self, find: str, replacement: str, match_case: bool = False, whole: bool = False) -> None:
        self.find_bar.replace_all(find, replacement, match_case, whole)

    def find_next(self) -> None:
        self.find_bar.find_next()

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
