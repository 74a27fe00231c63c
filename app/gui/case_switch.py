"""Another case opened in the window, and the window closed: the place left saved, the last case's
panels emptied, its worker stopped, an export under way finished first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSignalBlocker

from app.core.errors import ParleyError
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.gui.file_intake import resume_intakes
from app.gui.resume_place import restore_list, restore_place, save_place
from app.gui.window_state import save_state


def open_case(w: Any, folder: Path) -> None:
    try:
        case = Case.open(folder)
    except ParleyError as exc:
        w.show_error(str(exc))
        return
    w.bridge.stop()
    save_place(w, w.settings)
    w.editor.show_run(None, None, None)
    with QSignalBlocker(w.run_box):
        w.run_box.clear()  # the last case's runs
    with QSignalBlocker(w.exhibits.table.selectionModel()):  # its exhibit ids are not this case's: exhibit 1
        w.exhibits.table.selectionModel().clear()  # stayed selected, not shown, and a click on it did nothing
    old, w.case = w.case, case
    w.session.case = case
    w.session.set_run(None)
    w.queue = JobQueue(case.conn)
    for view in (w.translation, w.search_view, w.entities_view, w.chats):
        view.set_case(case)
    old.close()
    w.settings.setValue("case/last", str(case.folder))
    w.setWindowTitle(f"Parley — {case.folder}")
    w.queue_view.model.forget()  # its job ids start at 1 again: the last case's progress is not this one's
    w.refresh()
    w.refresh_history()  # the last case's run's revisions not left in the History tab
    if w.tabs.currentWidget() is w.entities_view and w.entities_view.stale():  # it said "no entities"
        w.entities_view.refresh()  # (the Search tab's query is run again by its set_case)
    w.exhibits.not_added.show_case(case)
    restore_place(w, w.settings)
    restore_list(w, w.settings)  # this case's sort and filter (the last case's typed name hid every exhibit)
    w.start_worker()
    w._intake_thread = resume_intakes(w) or w._intake_thread


def close_down(w: Any) -> None:
    """Before the window goes: the line being typed stored (not left to the editor's losing the focus as
    the window hides), the place and layout saved, an export being written finished with the window still
    showing it (hidden first, a USB stick could be pulled while it was written), then the window hidden (it
    stood frozen on screen while the worker was given its 5 s to stop), keys, player and worker let go."""
    w.closed_down = True  # a refresh asked for at the event loop's next turn (window_worker.soon) is not made
    w.editor.segments.editor_cursor()
    save_place(w, w.settings)
    save_state(w, w.settings)
    w.exporter.finish()
    w.hide()
    w.refresh_timer.stop()
    w.router.detach()
    w.focus_return.detach()
    w.player.unload()
    w.bridge.stop()
    w.editor.speaker_tools.stop()
