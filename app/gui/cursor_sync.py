"""The typist's cursor (the segment table's current row) and playback, kept together.

- Playback follows the cursor: moving to another segment with the keys (Up/Down, Page Down, a
  find or an uncertain word) seeks to its start, as clicking it does; a cursor put on the segment
  already playing leaves the playhead where it is (a click on a word has put it there).
- The cursor follows playback: while playing, the current row is the playing segment, so Enter,
  Split, Merge and Ctrl+1..9 act on what is being heard. Not while a cell is being edited, nor
  when several rows are selected (a merge being prepared), nor after the auto-rewind of a pause.
  Paused, a click on the waveform or a skip (F1/F2) takes the cursor to the segment it lands in.
- An edit that adds or removes rows (a split, a merge, an undo of one) keeps the cursor on the
  segment it made or changed, and the keyboard focus in the table: the model's reset had left
  no current row and the focus nowhere, so the next key did nothing, or acted on row 0. (The
  first edit, which renumbers every segment, no longer resets the model: SegmentModel.)
- Enter opens the current segment's text (or speaker) for editing, nothing selected, the cursor
  after the last word heard when paused inside it, else at the end; F2, Qt's usual edit key, is
  the typist's skip forward.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication

from app.core.editing import operations as editing
from app.core.editing import segment_edits
from app.gui.editor_model import SPEAKER_COL, TEXT_COL, EditSession, SegmentModel
from app.gui.player import Player
from app.gui.segment_table import SegmentTable
from app.gui.text_editor import EDITORS

EDIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class CursorSync(QObject):
    def __init__(self, table: SegmentTable, model: SegmentModel, player: Player, session: EditSession,
                 follow: Callable[[], bool]) -> None:
        super().__init__(table)
        self.table, self.model, self.player, self.follow = table, model, player, follow
        self.last_ms = 0  # where playback was last put or heard (a seek lands before position() says so)
        self._moving = False  # the cursor is moved by playback or an edit: no seek back
        self._kept_row, self._kept_column, self._had_focus = -1, TEXT_COL, False
        self._resets = 0  # the model's edit resets seen
        table.selectionModel().currentRowChanged.connect(self._cursor_moved)
        model.modelAboutToBeReset.connect(self._remember)
        session.changed.connect(self._after_change)  # after the model's own reload (connected first)
        player.positionChanged.connect(self._playing_at)
        table.installEventFilter(self)

    # ------------------------------------------------- playback follows the cursor
    def _cursor_moved(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._moving or not current.isValid():
            return
        row = current.row()
        if self.model.row_at(self.last_ms) != row:
            self.player.seek(self.model.starts[row])

    # ------------------------------------------------- the cursor follows playback
    def _playing_at(self, ms: int) -> None:
        self.last_ms = ms
        if not self.player.is_playing() or not self.follow():
            return
        row = self.model.row_at(ms)
        if row < 0 or row == self.table.currentIndex().row():
            return
        if (self.table.state() == QAbstractItemView.State.EditingState
                or len(self.table.selectionModel().selectedRows()) > 1):
            return
        self.move_to(row)

    # ------------------------------------------- a seek asked for while paused
    def seek_to(self, ms: int) -> None:
        """A click on the waveform: playback there, and the cursor on the segment there."""
        self.player.seek(ms)
        self._follow_paused(ms)

    def skip(self, forward: bool) -> None:
        """F1/F2: skip back or forward; paused, the cursor goes along into the segment landed in."""
        if forward:
            self.player.skip_forward()
        else:
            self.player.skip_back()
        self._follow_paused(self.player.position())

    def _follow_paused(self, ms: int) -> None:
        """(Playing, _playing_at does it; a pause's own rewind is left alone.)"""
        row = self.model.row_at(ms)
        if (self.player.is_playing() or row < 0 or row == self.table.currentIndex().row()
                or self.table.state() == QAbstractItemView.State.EditingState
                or len(self.table.selectionModel().selectedRows()) > 1):
            return
        self.move_to(row)

    def move_to(self, row: int, column: int | None = None) -> None:
        """Put the cursor on `row` (in its column, else the text) without seeking."""
        if column is None:
            column = self.table.currentIndex().column()
        self._moving = True
        try:
            self.table.go_to_row(row, column if column >= 0 else TEXT_COL)
        finally:
            self._moving = False

    # ------------------------------------------------------ after an edit
    def _remember(self) -> None:
        index = self.table.currentIndex()
        self._kept_row, self._kept_column = index.row(), (index.column() if index.isValid() else TEXT_COL)
        focus = QApplication.focusWidget()
        self._had_focus = focus is not None and (focus is self.table or self.table.isAncestorOf(focus))

    def _after_change(self, change: editing.Change) -> None:
        reset, self._resets = self.model.edit_resets != self._resets, self.model.edit_resets
        if not reset or change.run_id != self.model.run_id or not self.model.rowCount():
            return  # no rows came or went (the first edit renumbers them in place: SegmentModel)
        rows = [r for r in map(self.model.row_of, change.added or change.changed) if r >= 0]
        row = min(rows) if rows else min(self._kept_row, self.model.rowCount() - 1)
        if row < 0:
            return
        self.move_to(row, self._kept_column)
        if self._had_focus:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------- Enter
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.table and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent) and event.key() in EDIT_KEYS
                and self.table.state() != QAbstractItemView.State.EditingState):
            return self.edit_current()
        return False

    def edit_current(self) -> bool:
        """Open the current segment's text (or its speaker, if that cell is current) for typing."""
        index = self.table.currentIndex()
        row = index.row() if index.isValid() else self.model.current_row
        if row < 0 or self.model.run_id is None:
            return False
        column = index.column() if index.isValid() and index.column() == SPEAKER_COL else TEXT_COL
        self.move_to(row, column)
        target = self.model.index(row, column)
        self.table.edit(target)
        editor = self.table.indexWidget(target)
        if isinstance(editor, EDITORS):
            editor.deselect()  # typing must never replace the whole segment
            editor.setCursorPosition(self._typing_offset(row) if column == TEXT_COL else len(editor.text()))
        return True

    def _typing_offset(self, row: int) -> int:
        """In the text: after the last word heard when this segment is playing (paused), else the end."""
        seg = self.model.segment(row)
        if self.model.row_at(self.last_ms) != row or not seg.words:
            return len(seg.text)
        words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
        heard = [start + len(word.text.strip())
                 for word, start in zip(seg.words, segment_edits.word_positions(seg.text, words))
                 if word.start_ms < self.last_ms]
        return min(heard[-1], len(seg.text)) if heard else len(seg.text)
