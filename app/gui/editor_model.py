"""The editor's Qt model over a run's segment ids, and the undo commands over core edits.

Pattern: the model holds only segment ids (and their cheap time spans) and a
lazy cache of full segments, filled when a row is first shown. Every edit goes
through app.core.editing.operations (which writes the revision and the audit log in one
transaction) and returns a Change; the model refreshes just the rows it names,
or re-reads its id list when rows appeared or went.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QUndoCommand, QUndoStack

from app.core.editing import operations as editing
from app.core.errors import ParleyError
from app.core.export.base import display_text, inaudible_marker, removed_marker
from app.core.search.shown import time_shown
from app.core.store import Case
from app.core.store.views import segment_speakers
from app.core.types import FLAG_LOW_CONFIDENCE, FLAG_OVERLAP, Segment
from app.gui.table_model import ColumnsModel

if TYPE_CHECKING:
    from app.core.search.entities import Occurrence
    from app.core.search.text_search import Hit

COLUMNS = ("Time", "Speaker", "Text")
TIME_COL, SPEAKER_COL, TEXT_COL = 0, 1, 2
SegmentRole = Qt.ItemDataRole.UserRole + 1
LOW_PROBABILITY = 0.5
CURRENT_BG = QColor("#cfe3ff")
UNCERTAIN_BG = QColor("#fff4d6")
INAUDIBLE_FG = QColor("#6b6b6b")  # grey, 5.3:1 on white
_INAUDIBLE_TIP = "speech was detected here but no words were recognised: type what was said"
_REMOVED_TIP = "every word here was taken out in proofreading (the machine draft keeps them): the exports say so"


def clock(ms: int) -> str:
    seconds, milli = divmod(max(0, int(ms)), 1000)
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    tenth = milli // 100
    return f"{h}:{m:02d}:{s:02d}.{tenth}" if h else f"{m:02d}:{s:02d}.{tenth}"


def moment(item: Hit | Occurrence) -> str:
    """A search hit's or a mention's Time as the editor gives it ("00:51.1", "1:02:03.4"); a chat
    message's date-time. The Search tab said "00:00:51.096" where the editor said "00:51.1"."""
    return time_shown(item.start_ms, item.end_ms, item.message_time, item.message_datetime, clock)


def is_uncertain(segment: Segment, threshold: float = LOW_PROBABILITY) -> bool:
    return FLAG_LOW_CONFIDENCE in segment.flags or any(w.probability < threshold for w in segment.words)


class EditSession(QObject):
    """One run being edited: the case, the undo stack, and who is editing."""

    changed = Signal(object)  # editing.Change
    error = Signal(str)

    def __init__(self, case: Case, actor: Callable[[], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.actor = actor
        self.remember_name: Callable[[str], None] = lambda _name: None  # keep a name the user typed as theirs
        self.run_id: int | None = None
        self.stack = QUndoStack(self)

    def set_run(self, run_id: int | None) -> None:
        if run_id != self.run_id:
            self.stack.clear()
            self.run_id = run_id

    def do(self, label: str, operation: Callable[[], editing.Change]) -> editing.Change | None:
        """Run a core operation now; if it made a revision, push it onto the undo stack."""
        try:
            change = operation()
        except ParleyError as exc:
            self.error.emit(str(exc))
            return None
        if change.revision_id is not None:
            self.stack.push(RevisionCommand(self, label, change.revision_id))
        self.changed.emit(change)
        return change

    def replay(self, undo: bool, revision_id: int) -> None:
        try:
            fn = editing.undo if undo else editing.redo
            change = fn(self.case, revision_id, actor=self.actor())
        except ParleyError as exc:
            self.error.emit(str(exc))
            return
        self.changed.emit(change)


class RevisionCommand(QUndoCommand):
    """Undo = editing.undo(revision); redo = editing.redo(revision); both recorded as revisions."""

    def __init__(self, session: EditSession, label: str, revision_id: int) -> None:
        super().__init__(label)
        self.session = session
        self.revision_id = revision_id
        self._done = True  # the operation already ran when the command was pushed

    def redo(self) -> None:
        if self._done:
            self._done = False
            return
        self.session.replay(False, self.revision_id)

    def undo(self) -> None:
        self.session.replay(True, self.revision_id)


class SegmentModel(ColumnsModel):
    columns = COLUMNS

    def __init__(self, session: EditSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.ids: list[int] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.speakers: list[str | None] = []  # per row, for the waveform's colours
        self.cache: dict[int, Segment] = {}
        self.current_row = -1
        self.edit_resets = 0  # resets made by an edit (not by loading a run)
        self.unreviewed: set[int] | None = None  # segments with a word no one marked reviewed (None: not read)
        self.draft: bool | None = None  # whether the transcript shown is the machine draft (None: not read yet)
        session.changed.connect(self.apply_change)

    # -------------------------------------------------------------- loading
    @property
    def case(self) -> Case:
        return self.session.case

    @property
    def run_id(self) -> int | None:
        return self.session.run_id

    def reload(self) -> None:
        self.beginResetModel()
        self._read(editing.segment_spans(self.case, self.run_id) if self.run_id is not None else [])
        self.current_row = -1
        self.unreviewed = None
        self.endResetModel()

    def _read(self, spans: list[tuple[int, int, int]]) -> None:
        self.cache.clear()
        self.draft = None
        self.ids = [s[0] for s in spans]
        self.starts = [s[1] for s in spans]
        self.ends = [s[2] for s in spans]
        names = segment_speakers(self.case, self.run_id, editing.has_working_copy(self.case, self.run_id)) \
            if self.run_id is not None else {}
        self.speakers = [names.get(i) for i in self.ids]

    def _renumber(self) -> bool:
        """The first edit made the working copy: every segment has a new id, in the same rows. Re-read
        them without a reset, which closed the editor mid-commit and lost the cursor and the focus."""
        spans = editing.segment_spans(self.case, self.run_id) if self.run_id is not None else []
        if len(spans) != len(self.ids):
            return False
        self._read(spans)
        self.all_changed()
        return True

    def apply_change(self, change: editing.Change) -> None:
        if change.run_id != self.run_id:
            return
        self.draft = None  # an edit can make it the machine draft's again, or no longer
        if change.structural:
            if change.added or change.removed or not self._renumber():
                self.edit_resets += 1  # rows came or went (CursorSync puts the cursor back)
                self.reload()
            return
        for seg_id in change.changed:
            self.cache.pop(seg_id, None)
            row = self.row_of(seg_id)
            if row >= 0:
                seg = self.segment(row)
                self.starts[row], self.ends[row] = seg.start_ms, seg.end_ms
                self.speakers[row] = seg.speaker
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def segment(self, row: int) -> Segment:
        seg_id = self.ids[row]
        seg = self.cache.get(seg_id)
        if seg is None:
            seg = editing.get_segment(self.case, self.run_id, seg_id)  # type: ignore[arg-type]
            self.cache[seg_id] = seg
        return seg

    def row_of(self, seg_id: int) -> int:
        try:
            return self.ids.index(seg_id)
        except ValueError:
            return -1

    def row_at(self, ms: int) -> int:
        """The row playing at `ms` (the last segment starting at or before it, if still inside)."""
        i = bisect.bisect_right(self.starts, ms) - 1
        while i >= 0 and self.ends[i] < ms and i + 1 < len(self.starts) and self.starts[i + 1] <= ms:
            i += 1
        if i >= 0 and self.starts[i] <= ms <= max(self.ends[i], self.starts[i]) + 250:
            return i
        return -1

    def set_current_row(self, row: int) -> None:
        if row == self.current_row:
            return
        old, self.current_row = self.current_row, row
        for r in (old, row):
            if 0 <= r < len(self.ids):
                self.dataChanged.emit(self.index(r, 0), self.index(r, len(COLUMNS) - 1),
                                      [Qt.ItemDataRole.BackgroundRole])

    def set_unreviewed(self, segment_ids: set[int]) -> None:
        """Shade only the segments still holding an uncertain word no one marked reviewed (a row
        whose words were all reviewed stayed shaded: the transcript looked unfinished at "0 left")."""
        if segment_ids == self.unreviewed:
            return
        self.unreviewed = segment_ids
        if self.ids:
            self.dataChanged.emit(self.index(0, TEXT_COL), self.index(len(self.ids) - 1, TEXT_COL),
                                  [Qt.ItemDataRole.BackgroundRole])

    # ----------------------------------------------------------- Qt model
    def row_total(self) -> int:
        return len(self.ids)

    def _marker(self, seg: Segment) -> str:
        """The grey marker a text cell shows, as the exports print it: speech with no words recognised, or every
        word a proofreader took out (an empty cell, as if nothing had been there); "" for words."""
        if seg.inaudible:
            return inaudible_marker(seg.start_ms)
        if display_text(seg.text) or self.run_id is None:
            return ""
        if self.draft is None:
            self.draft = editing.status(self.case, self.run_id)[0] == editing.STATUS_DRAFT
        return "" if self.draft else removed_marker(seg.start_ms)

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in (SPEAKER_COL, TEXT_COL):
            base |= Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        seg = self.segment(index.row())
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == TIME_COL:
                return clock(seg.start_ms) if role == Qt.ItemDataRole.EditRole else \
                    f"{clock(seg.start_ms)} – {clock(seg.end_ms)}"
            if col == SPEAKER_COL:
                return seg.speaker or ""
            if role == Qt.ItemDataRole.DisplayRole and (marker := self._marker(seg)):
                return marker  # editing starts empty: type what was said
            return seg.text
        if col == TEXT_COL and role == Qt.ItemDataRole.FontRole and self._marker(seg):
            font = QFont()
            font.setItalic(True)
            return font
        if col == TEXT_COL and role == Qt.ItemDataRole.ForegroundRole and self._marker(seg):
            return QBrush(INAUDIBLE_FG)
        if role == SegmentRole:
            return seg
        if role == Qt.ItemDataRole.BackgroundRole:
            if index.row() == self.current_row:
                return QBrush(CURRENT_BG)
            unsure = is_uncertain(seg) if self.unreviewed is None else self.ids[index.row()] in self.unreviewed
            if col == TEXT_COL and unsure:
                return QBrush(UNCERTAIN_BG)
            return None
        if role == Qt.ItemDataRole.ToolTipRole and col == TEXT_COL:
            low = [f"{w.text.strip()} ({w.probability:.0%})" for w in seg.words if w.probability < LOW_PROBABILITY]
            tips = [_INAUDIBLE_TIP if seg.inaudible else _REMOVED_TIP] if self._marker(seg) else []
            if FLAG_LOW_CONFIDENCE in seg.flags:
                tips.append("the model was unsure of this segment")
            if FLAG_OVERLAP in seg.flags:
                tips.append("overlapping speech: another speaker talks at the same time")
            if low:
                tips.append("uncertain words: " + ", ".join(low))
            return "\n".join(tips) or None
        if role == Qt.ItemDataRole.ToolTipRole and col == SPEAKER_COL:
            return seg.speaker or None  # a long name is cut on its chip: whole on hover
        return None

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or self.run_id is None:
            return False
        seg = self.segment(index.row())
        run_id, seg_id, text = self.run_id, self.ids[index.row()], str(value)
        actor = self.session.actor()
        if index.column() == TEXT_COL and text.strip() != seg.text:
            return self.session.do("Edit text", lambda: editing.edit_text(
                self.case, run_id, seg_id, text, actor=actor)) is not None
        if index.column() == SPEAKER_COL and (text.strip() or None) != seg.speaker:
            return self.session.do("Set speaker", lambda: editing.set_speaker(
                self.case, run_id, seg_id, text, actor=actor)) is not None
        return False
