"""A chat export as one story: one row per message, voice notes' transcripts in their place.

    view = TimelineView(case)
    view.load(exhibit_id, message_id=None)       # built off the GUI thread, then shown
    view.openAttachment.connect(lambda exhibit_id: ...)   # a voice note's play button / double-click

Columns: a play button (voice notes and videos taken in as exhibits), the time as
written, the normalised date-time (or "ambiguous"), the sender, the message (a voice
note's current, proofread transcript in its place; a missing file worded as the exported timeline
words it: "[Voice note NAME: MISSING from the export]", a line that only says the phone left its
media out as '[Image MISSING from the export (the chat reads "Bild weggelassen")]'),
and the translation when the case holds one. System notes are greyed. The filter
matches sender and text; Export… writes JSON/DOCX/PDF through the same core code as
`python -m app timeline` (app.core.usecases.timeline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.core.chats.timeline import Timeline, TimelineAttachment, TimelineEntry
from app.core.export.timeline import also_in_text, label_of, missing_text, translation_cell
from app.core.store import Case
from app.core.usecases.timeline import export_timeline, story
from app.gui.case_task import CaseTask
from app.gui.table_model import ROOT, ColumnsModel, rows_table
from app.gui.timeline_export import TimelineExportDialog

PLAY, WRITTEN, WHEN, SENDER, MESSAGE, TRANSLATION = range(6)
SYSTEM_COLOUR = QColor("#6e6e6e")
MISSING_TEXT, MISSING_FILL = QColor("#8b0000"), QColor("#fde2e1")
VOICE_FILL = QColor("#eaf2fb")
WRAP_ROWS_MAX = 3000  # rows fitted to their text; past this, one line each (the tooltip has it all)


def attachment_text(a: TimelineAttachment) -> str:
    """What the message column shows for an attachment."""
    name = a.name or a.placeholder or "no name"
    if a.missing:  # as the timeline's JSON, DOCX and PDF word it ("[missing: Bild weggelassen]" read as a file)
        return missing_text(a)
    if a.transcript is not None:
        notes = [n for n in (a.review, "cut short or damaged" if a.cut_short else "", a.doubt) if n]
        label = f"{label_of(a)} ({'; '.join(notes)})" if notes else label_of(a)
        return f"{label}: {a.transcript}" if a.transcript else f"{label}: (no speech found)"
    if a.error:
        return f"[{label_of(a)} {name}: could not be read: {a.error}]"
    if a.exhibit_id is not None:
        return f"[{label_of(a)} {name}: not transcribed yet]"
    return f"[{label_of(a)}: {name}]"


def message_text(e: TimelineEntry) -> str:
    parts = [attachment_text(e.attachment)] if e.attachment is not None else []
    if e.text:
        parts.append(e.text)
    if e.note:
        parts.append(f"({e.note})")
    if e.also_in:  # the same chat exported twice: the other export holds this message too
        parts.append(f"({also_in_text(e)})")
    return "\n".join(parts)


def when_text(e: TimelineEntry) -> str:
    return e.datetime.replace("T", " ") if e.datetime else ("ambiguous" if e.time else "no time")


def cell_text(e: TimelineEntry, column: int) -> str:
    return ("", e.time, when_text(e), e.sender or "", message_text(e), translation_cell(e))[column]


def playable(e: TimelineEntry) -> bool:
    a = e.attachment
    return a is not None and a.exhibit_id is not None and a.kind in ("audio", "video") and not a.missing


class TimelineModel(ColumnsModel):
    columns = ("", "Time (as written)", "Date-time", "Sender", "Message", "Translation")

    def __init__(self) -> None:
        super().__init__()
        self.entries: tuple[TimelineEntry, ...] = ()
        self.play_icon: Any = None

    def row_total(self) -> int:
        return len(self.entries)

    def set_entries(self, entries: tuple[TimelineEntry, ...]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def cell(self, row: int, column: int) -> str:
        return cell_text(self.entries[row], column)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e, column = self.entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(index.row(), column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(e, column)
        if role == Qt.ItemDataRole.DecorationRole and column == PLAY and playable(e):
            return self.play_icon
        return self._style(e, column, role)

    @staticmethod
    def _missing(e: TimelineEntry) -> bool:
        return e.attachment is not None and e.attachment.missing

    def _style(self, e: TimelineEntry, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == MESSAGE and self._missing(e):
                return QBrush(MISSING_TEXT)
            return QBrush(SYSTEM_COLOUR) if e.system else None
        if role == Qt.ItemDataRole.BackgroundRole and column == MESSAGE:
            if self._missing(e):
                return QBrush(MISSING_FILL)
            return QBrush(VOICE_FILL) if playable(e) else None
        if role == Qt.ItemDataRole.FontRole and (e.system or (column == MESSAGE and self._missing(e))):
            font = QFont()
            font.setItalic(e.system)
            font.setBold(not e.system)
            return font
        return None

    @staticmethod
    def _tooltip(e: TimelineEntry, column: int) -> str:
        a = e.attachment
        if column == PLAY and playable(e):
            return "Open the voice note in the editor at its start (or double-click the row)"
        if column == MESSAGE and a is not None:
            lines = [message_text(e), "", f"{label_of(a)}: {a.name or a.placeholder}"]
            if a.sha256:
                lines.append(f"SHA-256 {a.sha256}")
            if a.missing:
                lines.append("The file is not in the export.")
            return "\n".join(lines)
        if column == WHEN and not e.datetime and e.time:
            return "The day and month could be either way round: the export's dates do not decide it."
        return cell_text(e, column)


class TimelineFilter(QSortFilterProxyModel):
    """Rows whose sender or text (message, transcript, translation) holds the filter text."""

    def __init__(self) -> None:
        super().__init__()
        self.needle = ""

    def set_needle(self, text: str) -> None:
        self.needle = text.strip().casefold()
        self.setFilterFixedString(self.needle)  # filters again (the match itself is filterAcceptsRow's)

    def filterAcceptsRow(self, row: int, parent: QModelIndex = ROOT) -> bool:
        if not self.needle:
            return True
        model = self.sourceModel()
        return any(self.needle in model.cell(row, c).casefold() for c in (SENDER, MESSAGE, TRANSLATION))


class TimelineView(QWidget):
    """The Timeline tab. Emits openAttachment(exhibit id) for a voice note or video."""

    openAttachment = Signal(int)
    loaded = Signal(int)  # exhibit id, once its rows are shown
    exported = Signal(list)  # paths written
    exportFailed = Signal(str)

    def __init__(self, case: Case, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.case = case
        self.settings: Any = None  # the window's QSettings: the export folder last used, shared with Export…
        self.exhibit_id: int | None = None
        self.timeline: Timeline | None = None
        self.pending_message: int | None = None
        self.generation = 0
        self.model = TimelineModel()
        self.model.play_icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self.proxy = TimelineFilter()
        self.proxy.setSourceModel(self.model)
        self.loader, self.exporter = CaseTask(self), CaseTask(self)
        self.loader.done.connect(self._loaded)
        self.loader.failed.connect(self._failed)
        self.exporter.done.connect(self._exported)
        self.exporter.failed.connect(self._export_failed)
        self._build()

    def _build(self) -> None:
        self.title = QLabel("Select a chat export to see it as one timeline.")
        self.title.setWordWrap(True)
        self.filter_box = QLineEdit(placeholderText="Filter by sender or text")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(self.set_filter)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write this timeline as JSON, DOCX or PDF")
        self.export_button.clicked.connect(self.ask_export)
        self.status = QLabel("")
        self.table = rows_table(self.proxy)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for column in (PLAY, WRITTEN, WHEN, SENDER):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MESSAGE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(TRANSLATION, QHeaderView.ResizeMode.Stretch)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._play)  # a double-click, or Enter on the row
        top = QHBoxLayout()
        top.addWidget(self.filter_box, 1)
        top.addWidget(self.status)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._enable(False)

    def _enable(self, on: bool) -> None:
        self.filter_box.setEnabled(on)
        self.export_button.setEnabled(on)

    # ------------------------------------------------------------ loading

    def set_case(self, case: Case) -> None:
        self.case, self.exhibit_id, self.timeline = case, None, None
        self.generation += 1
        self.model.set_entries(())
        self.title.setText("Select a chat export to see it as one timeline.")
        self.status.setText("")
        self._enable(False)

    def load(self, exhibit_id: int, message_id: int | None = None) -> None:
        """Build the export's timeline off the GUI thread; select `message_id` once shown."""
        if exhibit_id != self.exhibit_id:
            self.timeline = None
            self.model.set_entries(())
            self.title.setText("Reading the chat…")
        self.exhibit_id, self.pending_message = exhibit_id, message_id
        self.generation += 1
        self.loader.start(self.case.folder, lambda case: story(case, exhibit_id)[0], self.generation,
                          "parley-timeline")

    def reload(self) -> None:
        """Again from the case (a transcript proofread, a voice note transcribed), keeping the row."""
        if self.exhibit_id is not None:
            self.load(self.exhibit_id, self.pending_message or self.current_message())

    def holds_attachment(self, exhibit_id: int) -> bool:
        return self.timeline is not None and any(
            e.attachment is not None and e.attachment.exhibit_id == exhibit_id for e in self.timeline.entries)

    def _loaded(self, timeline: Timeline, generation: int) -> None:
        if generation != self.generation:
            return
        self.timeline = timeline
        self.model.set_entries(timeline.entries)
        self.table.setColumnHidden(TRANSLATION, not any(translation_cell(e) for e in timeline.entries))
        if self.model.rowCount() <= WRAP_ROWS_MAX:
            self.table.resizeRowsToContents()
        self.title.setText(self._title(timeline))
        self._enable(True)
        self._count()
        message, self.pending_message = self.pending_message, None
        if message is not None:
            self.select_message(message)
        self.loaded.emit(self.exhibit_id)

    def _failed(self, reason: str, generation: int) -> None:
        if generation == self.generation:
            self.title.setText(f"This chat cannot be shown: {reason}")

    @staticmethod
    def _title(timeline: Timeline) -> str:
        notes = sum(1 for e in timeline.entries if playable(e))
        done = sum(1 for e in timeline.entries if playable(e) and e.attachment.transcript is not None)
        missing = sum(1 for e in timeline.entries if e.attachment is not None and e.attachment.missing)
        name = timeline.source.shown_name
        # "WhatsApp Chat with Ana.txt: WhatsApp Chat with Ana": a chat named as its file is said once
        chats = ", ".join(c for c, _ in timeline.chats if c.casefold() not in name.casefold())
        transcribed = f"{done} of {notes} voice notes or videos transcribed" if notes else "no voice notes or videos"
        return (f"{name} ({timeline.container}){': ' + chats if chats else ''} — {len(timeline.entries)} messages, "
                f"{transcribed}, {missing} attachment{'' if missing == 1 else 's'} missing")

    # ------------------------------------------------------------ rows

    def set_filter(self, text: str) -> None:
        if self.filter_box.text() != text:
            self.filter_box.setText(text)  # comes back here through textChanged
            return
        current = self.current_message()
        self.proxy.set_needle(text)
        if current is not None:
            self._select_source_row(self._row_of(current), clear_filter=False)
        self._count()

    def _count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.status.setText(f"{total} messages" if shown == total else f"{shown} of {total} messages")

    def entries_shown(self) -> list[TimelineEntry]:
        return [self.model.entries[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
                for r in range(self.proxy.rowCount())]

    def current_message(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.entries[self.proxy.mapToSource(rows[0]).row()].message_id

    def _row_of(self, message_id: int) -> int:
        return next((i for i, e in enumerate(self.model.entries) if e.message_id == message_id), -1)

    def select_message(self, message_id: int) -> bool:
        """Select and show the message (clearing a filter that hides it); False when not in this chat."""
        return self._select_source_row(self._row_of(message_id), clear_filter=True)

    def _select_source_row(self, row: int, clear_filter: bool) -> bool:
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, MESSAGE))
        if not index.isValid():
            if not clear_filter:
                return False
            self.filter_box.clear()
            index = self.proxy.mapFromSource(self.model.index(row, MESSAGE))
        self.table.selectRow(index.row())
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _clicked(self, index: QModelIndex) -> None:
        if index.column() == PLAY:
            self._play(index)

    def _play(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        e = self.model.entries[self.proxy.mapToSource(index).row()]
        if playable(e):
            self.openAttachment.emit(e.attachment.exhibit_id)

    # ------------------------------------------------------------ export

    def ask_export(self) -> None:
        if self.exhibit_id is None:
            return
        default = str(Path.home() / "Parley exports")
        remembered = self.settings.value("export/folder", default) if self.settings is not None else default
        dialog = TimelineExportDialog(str(remembered or default), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        if not dialog.folder():
            self.status.setText("export: choose a folder")
            return
        if self.settings is not None:
            self.settings.setValue("export/folder", dialog.folder())
        self.export_to(Path(dialog.folder()), dialog.formats())

    def export_to(self, folder: Path, formats: list[str]) -> None:
        """Write the timeline as it stands in the case (off the GUI thread); `exported` says where."""
        exhibit_id = self.exhibit_id
        if exhibit_id is None:
            return
        self.status.setText("exporting…")
        self.export_button.setEnabled(False)
        self.exporter.start(self.case.folder, lambda case: export_timeline(case, exhibit_id, folder, formats),
                            exhibit_id, "parley-timeline-export")

    def _exported(self, paths: list[Path], _token: int) -> None:
        self.export_button.setEnabled(self.exhibit_id is not None)
        self.status.setText(f"wrote {len(paths)} file(s) to {paths[0].parent}" if paths else "nothing written")
        self.exported.emit(list(paths))

    def _export_failed(self, reason: str, _token: int) -> None:
        self.export_button.setEnabled(self.exhibit_id is not None)
        self.status.setText(f"export failed: {reason}")
        self.exportFailed.emit(reason)
