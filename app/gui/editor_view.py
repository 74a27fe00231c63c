"""The transcript editor: transport, waveform, segment table synced to playback, review mode."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPointF, QSize, Qt, Signal
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core import editing
from app.core.store import Exhibit
from app.core.types import FLAG_LOW_CONFIDENCE, Segment
from app.gui.editor_model import (
    LOW_PROBABILITY,
    SPEAKER_COL,
    TEXT_COL,
    TIME_COL,
    EditSession,
    SegmentModel,
    SegmentRole,
    clock,
)
from app.gui.player import Player
from app.gui.waveform_view import WaveformView


def segment_html(seg: Segment, threshold: float = LOW_PROBABILITY) -> str:
    """The segment's text with uncertain words marked (orange, dotted underline)."""
    text = seg.text
    words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
    if not words:
        body = html.escape(text)
    else:
        out, cursor = [], 0
        for w, pos in zip(seg.words, editing.word_positions(text, words)):
            token = w.text.strip()
            if pos < cursor or text[pos:pos + len(token)] != token:
                continue
            out.append(html.escape(text[cursor:pos]))
            piece = html.escape(token)
            if w.probability < threshold:
                piece = (f"<span style='background:#ffd27a; text-decoration: underline dotted;'"
                         f">{piece}</span>")
            out.append(piece)
            cursor = pos + len(token)
        out.append(html.escape(text[cursor:]))
        body = "".join(out)
    if FLAG_LOW_CONFIDENCE in seg.flags:
        body += " <span style='color:#b35c00'>⚠</span>"
    return body


class TextDelegate(QStyledItemDelegate):
    """Paints segment text as rich text with uncertain words marked; sizes rows to wrap."""

    def document(self, option: QStyleOptionViewItem, index: QModelIndex) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(4)
        seg = index.data(SegmentRole)
        doc.setHtml(segment_html(seg) if seg is not None else "")
        doc.setTextWidth(max(50, option.rect.width()))
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

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        view = opt.widget
        if isinstance(view, QTableView):
            opt.rect.setWidth(view.columnWidth(index.column()))
        doc = self.document(opt, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2)

    def char_at(self, option: QStyleOptionViewItem, index: QModelIndex, pos: QPointF) -> int:
        doc = self.document(option, index)
        return doc.documentLayout().hitTest(pos, Qt.HitTestAccuracy.FuzzyHit)


@dataclass(frozen=True)
class UncertainSpan:
    segment_id: int
    start_ms: int
    end_ms: int
    text: str
    probability: float | None


def uncertain_spans(model: SegmentModel, threshold: float = LOW_PROBABILITY) -> list[UncertainSpan]:
    """Runs of low-probability words, and flagged segments without words, in time order."""
    spans: list[UncertainSpan] = []
    for row in range(model.rowCount()):
        seg = model.segment(row)
        run: list = []
        for w in list(seg.words) + [None]:
            if w is not None and w.probability < threshold:
                run.append(w)
                continue
            if run:
                spans.append(UncertainSpan(seg.id or 0, run[0].start_ms, run[-1].end_ms,
                                           "".join(x.text for x in run).strip(),
                                           min(x.probability for x in run)))
                run = []
        if FLAG_LOW_CONFIDENCE in seg.flags and not any(s.segment_id == seg.id for s in spans):
            spans.append(UncertainSpan(seg.id or 0, seg.start_ms, seg.end_ms, seg.text, None))
    return sorted(spans, key=lambda s: (s.start_ms, s.end_ms))


class SegmentTable(QTableView):
    wordClicked = Signal(int, int)  # row, ms

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text_delegate = TextDelegate(self)
        self.setItemDelegateForColumn(TEXT_COL, self.text_delegate)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                             | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.viewport().installEventFilter(self)

    def setModel(self, model) -> None:  # type: ignore[no-untyped-def]
        super().setModel(model)
        header = self.horizontalHeader()  # section modes apply once the model gives sections
        header.setSectionResizeMode(TIME_COL, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SPEAKER_COL, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TEXT_COL, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(SPEAKER_COL, 110)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.viewport() and event.type() == QEvent.Type.MouseButtonPress
                and event.button() == Qt.MouseButton.LeftButton):  # type: ignore[attr-defined]
            pos = event.position()  # type: ignore[attr-defined]
            index = self.indexAt(pos.toPoint())
            if index.isValid():
                self.wordClicked.emit(index.row(), self.time_at(index, pos))
        return False

    def time_at(self, index: QModelIndex, pos: QPointF) -> int:
        """The start of the word under the pointer (text column), else of the segment."""
        seg: Segment = index.data(SegmentRole)
        if index.column() != TEXT_COL or not seg.words:
            return seg.start_ms
        option = QStyleOptionViewItem()
        option.initFrom(self)
        option.rect = self.visualRect(index)
        option.font = self.font()
        char = self.text_delegate.char_at(option, index, pos - QPointF(option.rect.topLeft()))
        words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
        best = seg.start_ms
        for w, start in zip(seg.words, editing.word_positions(seg.text, words)):
            if start <= char:
                best = w.start_ms
        return best


class EditorView(QWidget):
    """Everything a proofreader works in for one run of one exhibit."""

    message = Signal(str)

    def __init__(self, session: EditSession, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.player = player
        self.exhibit: Exhibit | None = None
        self.follow = True
        self.review_index = -1
        self.model = SegmentModel(session, self)
        self.table = SegmentTable(self)
        self.table.setModel(self.model)
        self.table.wordClicked.connect(self._seek_row)
        self.waveform = WaveformView(self)
        self.waveform.seekRequested.connect(self.player.seek)
        self._build_transport()
        self._build_tools()
        self._build_find()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel("Select an exhibit to see its transcript.")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        layout.addLayout(self.transport)
        layout.addWidget(self.waveform)
        layout.addLayout(self.tools)
        layout.addWidget(self.find_bar)
        layout.addWidget(self.table, 1)
        player.positionChanged.connect(self.on_position)
        player.stateChanged.connect(lambda playing: self.play_button.setText("Pause" if playing else "Play"))
        player.rateChanged.connect(lambda r: self.rate_label.setText(f"{r:.2g}×"))
        session.changed.connect(self._after_change)
        self.model.modelReset.connect(self._spans_to_waveform)
        self.set_enabled(False)

    # --------------------------------------------------------------- build
    def _button(self, text: str, tip: str, slot) -> QPushButton:  # type: ignore[no-untyped-def]
        b = QPushButton(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    def _build_transport(self) -> None:
        self.transport = QHBoxLayout()
        self.play_button = self._button("Play", "Play / pause (Esc)", self.player.toggle)
        self.back_button = self._button("◀◀", "Skip back (F1)", self.player.skip_back)
        self.forward_button = self._button("▶▶", "Skip forward (F2)", self.player.skip_forward)
        self.slower_button = self._button("Slower", "Slower, same pitch (F3)", self.player.slower)
        self.faster_button = self._button("Faster", "Faster, same pitch (F4)", self.player.faster)
        self.rate_label = QLabel("1×")
        self.loop_box = QCheckBox("Loop segment")
        self.loop_box.setToolTip("Repeat the current segment (F6)")
        self.loop_box.toggled.connect(self._loop_changed)
        self.position_label = QLabel("00:00.0")
        self.position_label.setMinimumWidth(140)
        for w in (self.play_button, self.back_button, self.forward_button, self.slower_button,
                  self.rate_label, self.faster_button, self.loop_box):
            self.transport.addWidget(w)
        self.transport.addStretch(1)
        self.transport.addWidget(self.position_label)

    def _build_tools(self) -> None:
        self.tools = QHBoxLayout()
        self.status_label = QLabel("")
        self.status_label.setObjectName("status")
        self.verify_button = self._button("Mark verified…", "Sign off this transcript by name",
                                          lambda: self.ask_verify())
        self.prev_button = self._button("◀ Uncertain", "Previous uncertain word (Shift+F8)",
                                        self.previous_uncertain)
        self.next_button = self._button("Uncertain ▶", "Next uncertain word (F8)", self.next_uncertain)
        self.split_button = self._button("Split", "Split the segment at the cursor or the playing word",
                                         self.split_current)
        self.merge_button = self._button("Merge", "Merge the selected segments (or this and the next)",
                                         self.merge_selected)
        self.rename_button = self._button("Rename speaker…", "Rename a speaker everywhere",
                                          lambda: self.ask_rename())
        self.find_button = QToolButton()
        self.find_button.setText("Find/Replace")
        self.find_button.setCheckable(True)
        self.find_button.toggled.connect(lambda on: self.find_bar.setVisible(on))
        self.review_label = QLabel("")
        self.review_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.review_label.setMinimumWidth(60)
        for w in (self.status_label, self.verify_button, self.prev_button, self.next_button):
            self.tools.addWidget(w)
        self.tools.addWidget(self.review_label, 1)
        for w in (self.split_button, self.merge_button, self.rename_button, self.find_button):
            self.tools.addWidget(w)

    def _build_find(self) -> None:
        self.find_bar = QWidget(self)
        row = QHBoxLayout(self.find_bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.find_edit = QLineEdit()
        self.find_edit.setPlaceholderText("Find")
        self.replace_edit = QLineEdit()
        self.replace_edit.setPlaceholderText("Replace with")
        self.match_case = QCheckBox("Match case")
        self.whole_words = QCheckBox("Whole words")
        self.find_edit.returnPressed.connect(self.find_next)
        row.addWidget(self.find_edit, 2)
        row.addWidget(self._button("Find next", "Select the next segment containing it", self.find_next))
        row.addWidget(self.replace_edit, 2)
        row.addWidget(self._button("Replace all", "Replace in every segment (one undoable step)",
                                   lambda: self.replace_all(self.find_edit.text(), self.replace_edit.text(),
                                                            self.match_case.isChecked(),
                                                            self.whole_words.isChecked())))
        row.addWidget(self.match_case)
        row.addWidget(self.whole_words)
        self.find_bar.hide()

    def set_enabled(self, on: bool) -> None:
        for w in (self.play_button, self.back_button, self.forward_button, self.slower_button,
                  self.faster_button, self.loop_box, self.verify_button, self.prev_button,
                  self.next_button, self.split_button, self.merge_button, self.rename_button,
                  self.find_button):
            w.setEnabled(on)

    # ---------------------------------------------------------------- load
    def show_run(self, exhibit: Exhibit | None, run_id: int | None, cache_dir: Path | None) -> None:
        same_exhibit = self.exhibit is not None and exhibit is not None and self.exhibit.id == exhibit.id
        self.exhibit = exhibit
        self.session.set_run(run_id)
        self.model.reload()
        self.review_index = -1
        self.review_label.setText("")
        if exhibit is None:
            self.title.setText("Select an exhibit to see its transcript.")
            self.player.load(None)
            self.waveform.load(None, "", 0, None)
            self.set_enabled(False)
            return
        path = next((p for p in exhibit.paths if Path(p).is_file()), exhibit.source.path)
        if not same_exhibit:
            self.player.load(path if exhibit.source.kind == "media" else None)
            self.waveform.load(path if exhibit.source.kind == "media" else None, exhibit.source.sha256,
                               exhibit.source.duration_ms, cache_dir)
        self.set_enabled(True)
        self._update_title()

    def _update_title(self) -> None:
        if self.exhibit is None:
            return
        run_id = self.session.run_id
        if run_id is None:
            self.title.setText(f"<b>{html.escape(self.exhibit.source.name)}</b> — not transcribed yet")
            self.status_label.setText("")
            return
        run = self.session.case.run(run_id)
        state, by = editing.status(self.session.case, run_id)
        lang = f" · language {run.language}" if run.language else ""
        partial = " · still transcribing" if run.status != "complete" else ""
        self.title.setText(f"<b>{html.escape(self.exhibit.source.name)}</b> — run {run_id} "
                           f"({run.task}{lang}){partial}")
        text = {"machine draft": "Machine draft", "edited": "Edited (draft)"}.get(state, f"Verified by {by}")
        colour = "#1a7f37" if state == "verified" else ("#9a6700" if state == "edited" else "#57606a")
        self.status_label.setText(f"<b style='color:{colour}'>{html.escape(text)}</b>")

    def reload_if_showing(self, run_id: int) -> None:
        """New segments streamed into the run on screen (machine draft only)."""
        if run_id == self.session.run_id and not editing.has_working_copy(self.session.case, run_id):
            self.model.reload()
            self._update_title()

    def _spans_to_waveform(self) -> None:
        self.waveform.set_spans(list(zip(self.model.starts, self.model.ends)))

    def _after_change(self, change: editing.Change) -> None:
        if not change.structural:
            self._spans_to_waveform()
        self._update_title()

    # ------------------------------------------------------------ playback
    def on_position(self, ms: int) -> None:
        row = self.model.row_at(ms)
        previous = self.model.current_row
        self.model.set_current_row(row)
        self.waveform.set_position(ms, row)
        duration = self.player.duration()
        self.position_label.setText(f"{clock(ms)} / {clock(duration)}")
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

    def split_current(self) -> None:
        row = self.current_row()
        run_id = self._run()
        if row < 0 or run_id is None:
            self.message.emit("Select a segment to split.")
            return
        seg = self.model.segment(row)
        offset = self._editor_cursor()
        at_ms = None
        if offset is None:
            pos = self.player.position()
            words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
            positions = editing.word_positions(seg.text, words)
            inside = [p for w, p in zip(seg.words, positions) if w.start_ms >= pos and p > 0]
            offset = inside[0] if (inside and seg.start_ms <= pos <= seg.end_ms) else len(seg.text) // 2
        self.split_at(row, offset, at_ms)

    def _editor_cursor(self) -> int | None:
        focus = self.table.focusWidget() if self.table.state() == QAbstractItemView.State.EditingState else None
        if isinstance(focus, QLineEdit):
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
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if len(rows) < 2:
            row = self.current_row()
            rows = [row, row + 1] if 0 <= row < self.model.rowCount() - 1 else []
        if len(rows) < 2:
            self.message.emit("Select two or more segments to merge.")
            return
        self.merge_rows(rows)

    def merge_rows(self, rows: list[int]) -> None:
        run_id, ids, actor = self._run(), [self.model.ids[r] for r in rows], self.session.actor()
        self.session.do("Merge segments", lambda: editing.merge(self.session.case, run_id, ids, actor=actor))  # type: ignore[arg-type]

    def edit_text(self, row: int, text: str) -> None:
        self.model.setData(self.model.index(row, TEXT_COL), text)

    def ask_rename(self) -> None:
        run_id = self._run()
        if run_id is None:
            return
        names = editing.speakers(self.session.case, run_id) or ["(no speaker)"]
        row = self.current_row()
        current = self.model.segment(row).speaker if row >= 0 else None
        old, ok = QInputDialog.getItem(self, "Rename speaker", "Speaker:", names,
                                       names.index(current) if current in names else 0, False)
        if not ok:
            return
        new, ok = QInputDialog.getText(self, "Rename speaker", f"New name for {old} (everywhere):")
        if ok and new.strip():
            self.rename_speaker(None if old == "(no speaker)" else old, new)

    def rename_speaker(self, old: str | None, new: str) -> None:
        run_id, actor = self._run(), self.session.actor()
        self.session.do("Rename speaker", lambda: editing.rename_speaker(
            self.session.case, run_id, old, new, actor=actor))  # type: ignore[arg-type]

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
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, TEXT_COL))
                return
        self.message.emit(f"'{find}' not found.")

    def ask_verify(self, default_name: str = "") -> None:
        name, ok = QInputDialog.getText(self, "Mark verified",
                                        "Verified by (your full name):", text=default_name or self.session.actor())
        if ok:
            self.mark_verified(name)

    def mark_verified(self, name: str) -> None:
        run_id, actor = self._run(), self.session.actor()
        if run_id is None:
            return
        self.session.do("Mark verified", lambda: editing.set_verified(
            self.session.case, run_id, name, actor=actor))

    # --------------------------------------------------------------- review
    def next_uncertain(self) -> None:
        self._step_uncertain(+1)

    def previous_uncertain(self) -> None:
        self._step_uncertain(-1)

    def _step_uncertain(self, direction: int) -> None:
        spans = uncertain_spans(self.model)
        if not spans:
            self.review_label.setText("No uncertain words.")
            return
        pos = self.player.position()
        if 0 <= self.review_index < len(spans) and abs(spans[self.review_index].start_ms - pos) < 1500:
            pos = spans[self.review_index].start_ms  # the seek may not have landed yet
        if direction > 0:
            later = [i for i, s in enumerate(spans) if s.start_ms > pos + 10]
            index = later[0] if later else 0
        else:
            earlier = [i for i, s in enumerate(spans) if s.start_ms < pos - 10]
            index = earlier[-1] if earlier else len(spans) - 1
        self.review_index = index
        span = spans[index]
        row = self.model.row_of(span.segment_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, TEXT_COL), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.player.seek(span.start_ms)
        prob = f" ({span.probability:.0%})" if span.probability is not None else ""
        self.review_label.setText(f"Uncertain {index + 1} of {len(spans)}: “{span.text[:40]}”{prob}")
        self.review_label.setToolTip(self.review_label.text())
