"""Where the window goes when an exhibit is chosen, entered, or a search hit or an entity's mention is
opened: its transcripts in the picker, the one chosen in the editor, and the keyboard into it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker

from app.core.store.views import latest_speech_run, speech_runs
from app.gui.run_notice import run_title
from app.gui.window_layout import LEFT_SIZES


def open_at(w: Any, exhibit_id: int, run_id: int, ms: int) -> None:
    """A search hit or an entity's mention: its exhibit, its transcript, at that moment."""
    w.exhibits.select(exhibit_id)
    fill_runs(w, exhibit_id, prefer=run_id or None)
    w.tabs.setCurrentIndex(0)
    if ms >= 0:
        w.player.seek(ms)
    keys_to_transcript(w, max(ms, 0))


def keys_to_transcript(w: Any, ms: int) -> None:
    """The keyboard into the segment table, on the segment at `ms` (or the next one): the
    timeline's or search's table it came from is hidden now, and the keys went nowhere."""
    table, model = w.editor.table, w.editor.model
    if not model.rowCount():
        return
    row = model.row_at(ms)
    if row < 0:
        row = next((r for r, start in enumerate(model.starts) if start >= ms), model.rowCount() - 1)
    w.editor.cursor_sync.move_to(row)
    table.setFocus()


def keys_to_exhibits(w: Any) -> None:
    """Ctrl+L: the keyboard to the exhibits list, on the exhibit open, the line being typed kept; Down
    then opens the next exhibit and Enter goes into its transcript. From a transcript the list was reached
    by the mouse or by Shift+Tab past some twenty buttons, the queue's among them. A list dragged shut is
    opened again first (the keys went to a list no one could see, and Down opened exhibits unseen)."""
    w.editor.segments.editor_cursor()
    left = w.splitters[1]
    if left.sizes()[0] == 0:
        left.setSizes(list(LEFT_SIZES))
    w.exhibits.table.setFocus()


def show_exhibit(w: Any, exhibit_id: int | None) -> None:
    if exhibit_id is None:
        return
    fill_runs(w, exhibit_id)
    w.translation.show_exhibit(exhibit_id)


def enter_exhibit(w: Any, exhibit_id: int) -> None:
    """Enter (or a double-click) on an exhibit: the keyboard goes into its transcript, on the
    segment playing, or into its chat's timeline (it stayed in the list: Down went to the
    next exhibit, and Tab from cell to cell)."""
    if w.chats.is_chat(exhibit_id):
        w.tabs.setCurrentWidget(w.chats.view)
        w.chats.view.table.setFocus()
        return
    w.tabs.setCurrentIndex(0)
    index = w.editor.table.currentIndex()
    if index.isValid():
        w.editor.table.setFocus()
    else:
        keys_to_transcript(w, w.player.position())


def fill_runs(w: Any, exhibit_id: int, prefer: int | None = None) -> None:
    """The exhibit's transcripts in the picker: `prefer`, else the one its row in the Exhibits list
    speaks of (its newest complete transcript before a speech translation made since: the editor
    opened on the translation, whose place is the Translation tab), shown."""
    runs = speech_runs(w.case, exhibit_id)
    ids = [r.id for r in runs]
    shown = latest_speech_run(w.case, exhibit_id)
    chosen = ids.index(prefer) if prefer in ids else ids.index(shown.id) if shown is not None else 0
    with QSignalBlocker(w.run_box):
        w.run_box.clear()
        for r in runs:
            w.run_box.addItem(run_title(r), r.id)
        if not runs:
            w.run_box.addItem("not transcribed yet", None)
        w.run_box.setCurrentIndex(chosen)
    run_chosen(w, exhibit_id)


def run_chosen(w: Any, exhibit_id: int | None = None) -> None:
    """The transcript picked (or filled in) shown in the editor, its history read."""
    if exhibit_id is None:
        exhibit_id = w.exhibits.current_id() or (w.editor.exhibit.id if w.editor.exhibit else None)
    if exhibit_id is None:
        return
    w.editor.show_run(w.case.exhibit(exhibit_id), w.run_box.currentData(), w.case.folder / "waveforms")
    w.refresh_history()
