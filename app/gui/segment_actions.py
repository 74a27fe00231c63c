"""Split and merge segments in the editor: at the typist's cursor or the playing word, and a merge
of segments said by different people only when the user clicks Yes (Enter keeps them apart).
Ctrl+I types "[inaudible hh:mm:ss]" (the moment playing) where the typist is, in the form the
machine's own markers and the record of interview use."""

from __future__ import annotations

import unicodedata
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox

from app.core.asr.sentence_ends import ends_sentence
from app.core.editing import operations as editing
from app.core.editing import segment_edits
from app.core.export.base import inaudible_marker
from app.core.types import Segment
from app.gui.editor_model import TEXT_COL
from app.gui.speaker_picker import NO_SPEAKER
from app.gui.text_editor import SegmentTextEdit, keep_typed


def names_in_words(names: list[str]) -> str:
    """["A"] -> "A"; ["A", "B"] -> "A and B"; ["A", "B", "C"] -> "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def merge_question(speakers: list[str | None]) -> str:
    """What a merge of segments of several speakers does, said with who speaks them."""
    names = list(dict.fromkeys(s or NO_SPEAKER for s in speakers))
    return (f"These segments are spoken by {names_in_words(names)}. Merged, all of the text will be "
            f"attributed to {names[0]} only.\n\nMerge them anyway?")


ONE_WORD = "A line of one word cannot be split."
_SPACELESS = ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN")


def nearest_middle(text: str, starts: list[int]) -> int:
    """Of the word starts a line may be cut at, the one nearest its middle; a sentence's start first where one
    lies in the line's middle half ("Is that your car?" | "No comment.": two turns the machine gave one line,
    the usual reason to split). The middle word alone cut a question in two: "…the vehicle. Do" | "you
    recognize…". A sentence end is the core's (the one the transcript's lines are mended by): "Dr." or "p.m."
    ends none, `."`, ؟ and । do; one it misreads ("exhibit no." | "6") costs at most a cut a quarter off the
    middle, not a cut at the line's first word."""
    middle, near = len(text) // 2, len(text) // 4
    sentences = [p for p in starts if abs(p - middle) <= near
                 and ends_sentence(text[:p].split()[-1], text[p:].split()[0])]
    return min(sentences or starts, key=lambda p: abs(p - middle))


def middle_of(text: str) -> int | None:
    """The start of the word (a sentence's first) nearest the middle of a line with no word times (the middle
    itself in a text of no spaces, as Chinese or Japanese is written); None for one word ("Ye" | "s." it cut)."""
    starts = [i for i in range(1, len(text)) if text[i - 1].isspace() and not text[i].isspace()]
    if not starts:
        spaceless = len(text.strip()) > 1 and any(unicodedata.name(c, "").startswith(_SPACELESS) for c in text)
        return len(text) // 2 if spaceless else None
    return nearest_middle(text, starts)


def split_offset(seg: Segment, pos: int) -> int | None:
    """Where Split cuts a line with nothing typed: before the word playing once part of the line was heard
    (paused inside it), else at the word start (a sentence's first) nearest the middle (a line of Chinese or
    Thai cut inside a word at its middle character: "我们在车里发" | "现了…", the word "发现" given to both
    parts); None for a line of one word. The middle character cut a word in two ("my si" | "ster until")
    with the playhead in the line's last word or out of it; the line's first word, reached with Down, was
    read as heard."""
    if not seg.words:
        return middle_of(seg.text)
    words = [[w.start_ms, w.end_ms, w.text, w.probability] for w in seg.words]
    starts = [(w.start_ms, p) for w, p in zip(seg.words, segment_edits.word_positions(seg.text, words))
              if seg.text[:p].strip() and seg.text[p:].strip()]
    if not starts:
        return None
    heard = seg.start_ms < pos <= seg.end_ms and any(w.start_ms < pos for w in seg.words)
    playing = [p for start_ms, p in starts if start_ms >= pos]
    if heard and playing:
        return playing[0]
    return nearest_middle(seg.text, [p for _, p in starts])


class SegmentActions(QObject):
    def __init__(self, editor: Any) -> None:
        super().__init__(editor)
        self.editor = editor
        self.session, self.model, self.table = editor.session, editor.model, editor.table

    def split_current(self) -> None:
        row = self.editor.current_row()
        if row < 0 or self.session.run_id is None:
            self.editor.message.emit("Select a segment to split.")
            return
        seg = self.model.segment(row)
        offset = self.editor_cursor()
        if offset is None:
            offset = split_offset(seg, self.editor.player.position())
        if offset is None:
            self.editor.message.emit(ONE_WORD)
            return
        self.split_at(row, offset)

    def editor_cursor(self) -> int | None:
        """The caret in the text being typed (the text is kept and the editor closed), or None."""
        return keep_typed(self.table)

    def split_at(self, row: int, offset: int, at_ms: int | None = None) -> None:
        run_id, seg_id, actor = self.session.run_id, self.model.ids[row], self.session.actor()
        self.session.do("Split segment", lambda: editing.split(
            self.session.case, run_id, seg_id, offset, at_ms, actor=actor))  # type: ignore[arg-type]

    def merge_selected(self) -> None:
        self.editor_cursor()  # the text being typed is kept first (the merge remakes the rows)
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        if len(rows) < 2:
            row = self.editor.current_row()
            rows = [row, row + 1] if 0 <= row < self.model.rowCount() - 1 else []
        if len(rows) < 2:
            self.editor.message.emit("Select two or more segments to merge.")
            return
        self.merge_rows(rows)

    def merge_rows(self, rows: list[int]) -> bool:
        """Merge; segments of different speakers are merged only if the user clicks Yes: the
        question's default is No, so Enter (or a key meant for the text) never merges two people."""
        speakers = [self.model.segment(r).speaker for r in rows]
        if len(set(speakers)) > 1:
            no = QMessageBox.StandardButton.No
            answer = QMessageBox.question(self.editor, "Merge segments of different speakers?",
                                          merge_question(speakers), QMessageBox.StandardButton.Yes | no, no)
            if answer != QMessageBox.StandardButton.Yes:
                return False
        run_id, ids, actor = self.session.run_id, [self.model.ids[r] for r in rows], self.session.actor()
        return self.session.do("Merge segments", lambda: editing.merge(
            self.session.case, run_id, ids, actor=actor)) is not None  # type: ignore[arg-type]

    def insert_inaudible(self) -> bool:
        """"[inaudible hh:mm:ss]" at the caret of the text being typed; from the table, the current
        segment's text opens with it typed after the last word heard. Spaced from the words around."""
        if QApplication.activeModalWidget() is not None:  # a name being typed in a dialog: not behind it
            return False
        editor = self._text_editor()
        if editor is None:
            if self.session.run_id is None or not self.editor.cursor_sync.edit_current():
                return False
            editor = self._text_editor()
            if editor is None:  # the speaker's cell was current: its text is not being typed
                return False
        text, at = editor.text(), editor.cursorPosition()
        marker = inaudible_marker(self.editor.player.position())
        before = " " if at > 0 and not text[at - 1].isspace() else ""
        after = " " if at < len(text) and text[at].isalnum() else ""
        editor.insertPlainText(before + marker + after)
        return True

    def _text_editor(self) -> SegmentTextEdit | None:
        if self.table.state() != QAbstractItemView.State.EditingState:
            return None
        editor = self.table.indexWidget(self.table.currentIndex())
        if self.table.currentIndex().column() != TEXT_COL or not isinstance(editor, SegmentTextEdit):
            return None
        return editor
