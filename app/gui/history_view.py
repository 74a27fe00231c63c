"""The transcript's history: every revision, who made it, and what changed in words.

The Change column wraps (each text in it shortened, so a row is a few lines at most) and its
tooltip gives the whole change: a long edit was cut at the column's edge, and its tooltip was
the same shortened words, so what a proofreader wrote could not be read in the window.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.core.editing import operations as editing
from app.core.store import Case
from app.gui.editor_model import clock

OPERATIONS = {
    "edit_text": "Text edited",
    "set_speaker": "Speaker set",
    "split": "Segment split",
    "merge": "Segments merged",
    "rename_speaker": "Speaker renamed",
    "merge_speakers": "Speakers merged",
    "split_speaker": "Speaker split",
    "replace_all": "Replace all",
    "set_verified": "Verification",
    "mark_reviewed": "Word reviewed",
    "undo": "Undo",
    "redo": "Redo",
}


def _texts(side: dict) -> list[str]:
    return [str(s.get("text", "")) for s in side.get("segments", [])]


def _speakers(side: dict) -> list[str]:
    return [str(s.get("speaker") or "no speaker") for s in side.get("segments", [])]


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


_LINE_OPS = ("edit_text", "split", "merge", "set_speaker")  # changes made to lines the user chose


def describe(rev: editing.Revision, whole: bool = False) -> str:
    """What a revision did, in words a supervisor reads: old -> new text, names, counts; each text
    shortened unless `whole`."""
    changed = str(rev.params.get("op")) if rev.op in ("undo", "redo") else rev.op  # an undo's row says where too
    where = _at(rev.before) if changed in _LINE_OPS else ""  # which segment: its time (the first's)
    short = _short if not whole else (lambda text, _limit=0: text)
    return where + _change(rev.op, rev.params, rev.before, rev.after, short)


def _at(side: dict) -> str:
    """Where in the recording a change to segments was made (the editor's time of the first)."""
    segments = side.get("segments", [])
    return f"at {clock(int(segments[0].get('start_ms', 0)))}: " if segments else ""


def _change(op: str, p: dict, before: dict, after: dict, short: Callable[..., str]) -> str:
    if op == "edit_text":
        old = _texts(before)[0] if _texts(before) else ""
        return f"“{short(old)}” → “{short(str(p.get('text', '')))}”"
    if op == "set_speaker":
        olds = list(dict.fromkeys(_speakers(before))) or ["no speaker"]
        n = len(before.get("segments", []))
        where = f" in {n} segment(s)" if n > 1 else ""
        return f"{', '.join(olds)} → {p.get('speaker') or 'no speaker'}{where}"
    if op == "rename_speaker":
        n = len(before.get("segments", []))
        return f"{p.get('old') or 'no speaker'} → {p.get('new')} in {n} segment(s)"
    if op == "merge_speakers":
        return f"{p.get('source')} → {p.get('target')} in {len(before.get('segments', []))} segment(s)"
    if op == "split_speaker":
        return f"{len(before.get('segments', []))} segment(s) of {p.get('source')} → {p.get('new')}"
    if op == "replace_all":
        n = len(before.get("segments", []))
        return f"“{p.get('find')}” → “{p.get('replace')}” in {n} segment(s)"
    if op == "split":
        text = _texts(before)[0] if _texts(before) else ""
        parts = _texts(after)
        return f"“{short(text, 50)}” → " + " | ".join(f"“{short(t, 40)}”" for t in parts)
    if op == "merge":
        return " + ".join(f"“{short(t, 30)}”" for t in _texts(before)) + \
            f" → “{short(' '.join(_texts(after)), 60)}”"
    if op == "set_verified":
        return f"verified by {p.get('verified_by')}" if p.get("verified") else "verification withdrawn"
    if op == "mark_reviewed":
        return f"“{p.get('text')}” at {clock(int(p.get('start_ms', 0)))} accepted as written"  # the editor's time
    if op in ("undo", "redo"):
        what = OPERATIONS.get(str(p.get("op")), str(p.get("op")))
        return f"{what} (revision {p.get('revision')})"
    return ", ".join(f"{k}: {v}" for k, v in p.items())


class WrapDelegate(QStyledItemDelegate):
    """A row as tall as its text wrapped to its column's width (a tree view asks with no width)."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        width = max(self.parent().header().sectionSize(index.column()) - 8, 40)
        wrapped = opt.fontMetrics.boundingRect(QRect(0, 0, width, 100_000), int(Qt.TextFlag.TextWordWrap), opt.text)
        return QSize(width, max(wrapped.height() + 4, super().sizeHint(option, index).height()))


class HistoryView(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setHeaderLabels(["#", "When (UTC)", "Who", "What", "Change"])
        self.setRootIsDecorated(False)
        self.setWordWrap(True)
        self.setItemDelegateForColumn(4, WrapDelegate(self))
        self.header().sectionResized.connect(lambda *_a: self.scheduleDelayedItemsLayout())  # heights anew

    def show_run(self, case: Case, run_id: int | None) -> None:
        self.clear()
        if run_id is None:
            return
        revisions = editing.history(case, run_id)
        if not revisions:  # a blank list read as a history lost
            item = QTreeWidgetItem(self, ["", "", "", "no changes yet", "the machine draft, as transcribed"])
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        for rev in reversed(revisions):
            item = QTreeWidgetItem(self, [str(rev.id), rev.at.replace("T", " ")[:19], rev.actor,
                                          OPERATIONS.get(rev.op, rev.op), describe(rev)])
            item.setToolTip(4, f"<p>{html.escape(describe(rev, whole=True))}</p>")  # rich text: wrapped
        for col in range(4):
            self.resizeColumnToContents(col)
