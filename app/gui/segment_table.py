"""The segment table: rich text with uncertain words marked, click-to-seek on words."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPointF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QMouseEvent,
    QPainter,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from app.core.editing import segment_edits
from app.core.editing.review import LOW_PROBABILITY
from app.core.export.base import inaudible_marker
from app.core.types import FLAG_LOW_CONFIDENCE, FLAG_OVERLAP, Segment
from app.gui.editor_model import INAUDIBLE_FG, SPEAKER_COL, TEXT_COL, TIME_COL, SegmentRole
from app.gui.speaker_colours import SpeakerDelegate
from app.gui.text_editor import EDITORS, SegmentTextEdit, grow_row, open_text_editor

SPEAKER_WIDTH = (110, 200)  # the speaker column's width in pixels: at first, and at most when fitted

# Uncertain words carry their own dark text on pale orange, so they stay readable on a
# selected (highlighted) row too; reviewed ones turn pale green.
UNCERTAIN_BG, UNCERTAIN_FG = QColor("#ffd27a"), QColor("#2b1d00")
REVIEWED_BG, REVIEWED_FG = QColor("#cdebc5"), QColor("#0f2e0a")


OVERLAP_MARK = "⇄ overlap"  # a small marker after the text of a segment with overlapping speech
OVERLAP_FG = "#5b3a8c"


def relative_luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mark(piece: str, reviewed: bool) -> str:
    bg, fg = (REVIEWED_BG, REVIEWED_FG) if reviewed else (UNCERTAIN_BG, UNCERTAIN_FG)
    return (f"<span style='background:{bg.name()}; color:{fg.name()}; text-decoration: underline dotted;'"
            f">{piece}</span>")


def segment_html(seg: Segment, reviewed: tuple[tuple[int, int], ...] = (),
                 threshold: float = LOW_PROBABILITY) -> str:
    """The segment's text with uncertain words marked (`reviewed`: time spans of reviewed words)."""
    text = seg.text
    if seg.inaudible:  # greyed and italic: speech heard, no words (typing text replaces it)
        return f"<i style='color:{INAUDIBLE_FG.name()}'>{html.escape(inaudible_marker(seg.start_ms))}</i>"
    if not seg.words:
        body = html.escape(text)
    else:
        words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
        out, cursor = [], 0
        for w, pos in zip(seg.words, segment_edits.word_positions(text, words)):
            token = w.text.strip()
            if pos < cursor or text[pos:pos + len(token)] != token:
                continue
            out.append(html.escape(text[cursor:pos]))
            piece = html.escape(token)
            if w.probability < threshold:
                piece = _mark(piece, any(a <= w.start_ms <= b for a, b in reviewed))
            out.append(piece)
            cursor = pos + len(token)
        out.append(html.escape(text[cursor:]))
        body = "".join(out)
    if FLAG_LOW_CONFIDENCE in seg.flags:
        body += " <span style='color:#8a4500'>⚠</span>"
    if FLAG_OVERLAP in seg.flags:  # another speaker talks over it
        body += f" <span style='color:{OVERLAP_FG}'>{OVERLAP_MARK}</span>"
    return body


DOCUMENTS_KEPT = 400  # laid-out segment texts kept (a few screens' worth)


class TextDelegate(QStyledItemDelegate):
    """Paints segment text as rich text with uncertain words marked; sizes rows to wrap."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reviewed: tuple[tuple[int, int], ...] = ()
        self.documents: dict[tuple[object, ...], QTextDocument] = {}

    def document(self, option: QStyleOptionViewItem, index: QModelIndex) -> QTextDocument:
        """The segment's text laid out at the cell's width: made once for the row's height and its painting
        (each built its own, each time: most of the GUI thread's work when an exhibit was chosen)."""
        seg = index.data(SegmentRole)
        key = (seg, self.reviewed, max(50, option.rect.width()), option.font.key())
        doc = self.documents.get(key)
        if doc is None:
            if len(self.documents) >= DOCUMENTS_KEPT:
                self.documents.clear()
            doc = QTextDocument()
            doc.setDefaultFont(option.font)
            doc.setDocumentMargin(4)
            doc.setHtml(segment_html(seg, self.reviewed) if seg is not None else "")
            doc.setTextWidth(max(50, option.rect.width()))
            self.documents[key] = doc
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = self.document(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        ctx.palette.setColor(QPalette.ColorRole.Text, opt.palette.color(role))
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(opt.rect.translated(-opt.rect.topLeft()))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        return open_text_editor(self, parent, index)

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        if isinstance(editor, SegmentTextEdit):
            if editor.typed():
                return  # the row changed under the typing (Ctrl+2, a word reviewed): keep what is typed
            editor.load(str(index.data(Qt.ItemDataRole.EditRole) or ""))
            grow_row(self.parent(), index, editor, editor.wanted_height())
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:  # type: ignore[no-untyped-def]
        if isinstance(editor, SegmentTextEdit):
            model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        view = opt.widget
        if isinstance(view, QTableView):  # measured at the width painted: the cell's, less its grid line
            opt.rect.setWidth(view.columnWidth(index.column()) - (1 if view.showGrid() else 0))
        doc = self.document(opt, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)

    def char_at(self, option: QStyleOptionViewItem, index: QModelIndex, pos: QPointF) -> int:
        doc = self.document(option, index)
        return doc.documentLayout().hitTest(pos, Qt.HitTestAccuracy.FuzzyHit)


class SegmentTable(QTableView):
    wordClicked = Signal(int, int)  # row, ms

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text_delegate = TextDelegate(self)
        self.setItemDelegateForColumn(TEXT_COL, self.text_delegate)
        self.speaker_delegate = SpeakerDelegate(self)
        self.setItemDelegateForColumn(SPEAKER_COL, self.speaker_delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.setTabKeyNavigation(False)  # Tab leaves the table for the next control, as everywhere else
        self.verticalHeader().hide()
        # Rows are fitted to their text only when they come into view: measuring every row of a
        # three-hour transcript up front (ResizeToContents) froze the window for seconds.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self._sized: set[int] = set()
        self._size_timer = QTimer(self)
        self._size_timer.setSingleShot(True)
        self._size_timer.setInterval(0)
        self._size_timer.timeout.connect(self.size_visible_rows)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._size_timer.start())
        self.viewport().installEventFilter(self)

    def setModel(self, model) -> None:  # type: ignore[no-untyped-def]
        super().setModel(model)
        model.modelReset.connect(self.resize_rows_later)
        model.modelReset.connect(self.fit_time_column)
        model.rowsInserted.connect(self.resize_rows_later)
        model.rowsRemoved.connect(self.resize_rows_later)
        model.dataChanged.connect(self._rows_changed)
        self.horizontalHeader().sectionResized.connect(lambda *_a: self.resize_rows_later())
        header = self.horizontalHeader()  # section modes apply once the model gives sections
        header.setSectionResizeMode(TIME_COL, QHeaderView.ResizeMode.Fixed)  # measuring it read every row
        self.fit_time_column()
        header.setSectionResizeMode(SPEAKER_COL, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TEXT_COL, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(SPEAKER_COL, SPEAKER_WIDTH[0])

    def fit_time_column(self) -> None:
        """As wide as the recording's times: its last end, every digit a 0 (hours only when it has
        them: that room, kept for every recording, was the text's beside a video at 1280x800)."""
        model = self.model()
        count = model.rowCount() if model is not None else 0
        last = model.index(count - 1, TIME_COL).data() if count else None
        sample = re.sub(r"\d", "0", str(last or "00:00.0 – 00:00.0"))
        self.horizontalHeader().resizeSection(TIME_COL, self.fontMetrics().horizontalAdvance(sample) + 16)

    def fit_speaker_column(self, names: list[str]) -> None:
        """Widen the speaker column until the longest name shows in full on its chip (at most
        SPEAKER_WIDTH[1]); a column the user made wider is left as it is."""
        chip_padding = 3 + 3 + 5 + 5 + 4  # the chip's margins and the name's inside it, and a spare
        needed = max((self.fontMetrics().horizontalAdvance(n) for n in names), default=0) + chip_padding
        target = min(max(needed, SPEAKER_WIDTH[0]), SPEAKER_WIDTH[1])
        if self.horizontalHeader().sectionSize(SPEAKER_COL) < target:
            self.horizontalHeader().resizeSection(SPEAKER_COL, target)

    # ------------------------------------------------------------ row heights
    def resize_rows_later(self, *_args: object) -> None:
        """Forget the measured rows (text, widths or rows changed); measure the visible ones soon."""
        self._sized.clear()
        self._size_timer.start()

    def _rows_changed(self, top: QModelIndex, bottom: QModelIndex, roles: list[int] | None = None) -> None:
        if roles and Qt.ItemDataRole.DisplayRole not in roles and Qt.ItemDataRole.EditRole not in roles:
            return  # a highlight (background) change keeps the row's height
        self._sized.difference_update(range(top.row(), bottom.row() + 1))
        self._size_timer.start()

    def visible_rows(self) -> range:
        count = self.model().rowCount() if self.model() is not None else 0
        if not count:
            return range(0)
        first = max(0, self.rowAt(0))
        last = self.rowAt(self.viewport().height() - 1)
        last = count - 1 if last < 0 else last
        return range(max(0, first - 3), min(count, last + 8))

    def size_visible_rows(self) -> None:
        """Fit the rows on screen (and a few around them) to their wrapped text."""
        if not self.isVisible():
            return  # a window closed (its case maybe closed too): nothing on screen to fit
        for _ in range(4):  # fitting rows changes which rows are on screen: repeat until stable
            todo = [r for r in self.visible_rows() if r not in self._sized]
            if not todo:
                return
            for row in todo:
                self.resizeRowToContents(row)
                self._sized.add(row)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        self.resize_rows_later()

    def keyboardSearch(self, search: str) -> None:
        """Typing never jumps to another row (a typist's keys belong to the text)."""

    def go_to_row(self, row: int, column: int = TEXT_COL) -> None:
        """Select exactly this row, whatever modifier keys are held (Shift+F8 must not extend)."""
        index = self.model().index(row, column)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.selectionModel().setCurrentIndex(index, flags)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.viewport() and event.type() == QEvent.Type.MouseButtonPress
                and event.button() == Qt.MouseButton.LeftButton):  # type: ignore[attr-defined]
            pos = event.position()  # type: ignore[attr-defined]
            index = self.indexAt(pos.toPoint())
            if index.isValid():
                self.wordClicked.emit(index.row(), self.time_at(index, pos))
        return False

    def edit(self, index: QModelIndex, trigger=None, event=None):  # type: ignore[no-untyped-def,override]
        """Open a cell with nothing selected (the next key typed must not wipe the segment): the
        caret where a double-click put it, else at the end (Enter places it itself: CursorSync)."""
        if trigger is None:
            return super().edit(index)
        opened = super().edit(index, trigger, event)
        editor = self.indexWidget(index) if opened else None
        if isinstance(editor, EDITORS):
            at = len(editor.text())
            if isinstance(event, QMouseEvent) and index.column() == TEXT_COL:
                at = min(at, self.char_at(index, event.position()))
            editor.deselect()
            editor.setCursorPosition(at)
        return opened

    def char_at(self, index: QModelIndex, pos: QPointF) -> int:
        """The character of the segment's text under the pointer (as drawn, wrapped)."""
        option = QStyleOptionViewItem()
        option.initFrom(self)
        option.rect = self.visualRect(index)
        option.font = self.font()
        return self.text_delegate.char_at(option, index, pos - QPointF(option.rect.topLeft()))

    def time_at(self, index: QModelIndex, pos: QPointF) -> int:
        """The start of the word under the pointer (text column), else of the segment."""
        seg: Segment = index.data(SegmentRole)
        if index.column() != TEXT_COL or not seg.words:
            return seg.start_ms
        char = self.char_at(index, pos)
        words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
        best = seg.start_ms
        for w, start in zip(seg.words, segment_edits.word_positions(seg.text, words)):
            if start <= char:
                best = w.start_ms
        return best
