"""Case > Export…: the dialog, then the transcripts written off the GUI thread.

Writing a record of interview takes seconds (a 56 s interview's DOCX and PDF took 5 s on the
2-core laptop; an hour's, far longer), and the window was frozen for all of it: no playback,
no typing, no repaint. The export now runs on a connection of its own (CaseTask); the status
line says it is being written, then where it went, and a refusal (a folder inside the
evidence, a full disk) comes as one message. One export at a time; closing the window waits for
it (its thread would die with the process, the files half-written).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from app.core.errors import ParleyError
from app.core.evidence.paths import evidence_paths
from app.core.export import available_formats
from app.core.store import Case
from app.core.store.interview import read_interview, write_interview
from app.core.usecases.exporting import check_out_dir, export_names, export_run, run_to_export
from app.gui import prefs
from app.gui.case_task import CaseTask
from app.gui.export_dialog import ExportDialog, remembered_formats


def write_exports(case: Case, folder: Path, formats: list[str], run_ids: list[int], actor: str | None) -> list[Path]:
    """Each run's current transcript in every format (a refusal raises ParleyError or OSError)."""
    check_out_dir(folder, evidence_paths(case), "the export folder")  # it was written beside the evidence
    names = export_names(case, run_ids)
    written: list[Path] = []
    for run_id in run_ids:
        written.extend(export_run(case, run_id, folder, formats, names[run_id], actor=actor))
    return written


def transcripts(case: Case) -> list[int]:
    """"All exhibits": each one's transcript, as the CLI's `export` and the Editor take it (it wrote the
    newest run of any kind: a translation made since was written in its place). A translation where
    there is nothing else."""
    found = (run_to_export(case, e.id, "transcribe") or run_to_export(case, e.id) for e in case.exhibits())
    return [run_id for run_id in found if run_id]


CHAT_EXPORT = ("A chat is not exported from here: its messages, voice notes in their place, are exported from "
               "the Timeline tab (its Export… button).")


def refusal(formats: list[str], run_ids: list[int]) -> str | None:
    if not run_ids:
        return "Nothing to export: no transcript is selected."
    if not formats:
        return "Choose at least one format."
    return None


class ExportFlow(QObject):
    finished = Signal(object, object)  # paths written, the refusal or None

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.busy = False
        self.task = CaseTask(self)
        self.task.done.connect(self._done)
        self.task.failed.connect(self._failed)
        self._folder = Path()
        self.thread: threading.Thread | None = None

    def ask(self) -> None:
        w = self.window
        if self.busy:
            w.statusBar().showMessage("An export is still being written; it says here when it is done.", 8000)
            return
        default = str(w.settings.value("export/folder", str(Path.home() / "Parley exports")))
        shown = w.exhibits.current_id()
        kind = w.case.exhibit(shown).source.kind if shown is not None else ""
        exhibit_id = shown if kind == "media" else None  # a chat's interview details were asked, stored, never used
        details = read_interview(w.case, exhibit_id) if exhibit_id is not None else None
        name = w.case.exhibit(exhibit_id).source.shown_name if exhibit_id is not None else ""
        dialog = ExportDialog(available_formats(), default, w, details, remembered_formats(w.settings), name)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        folder = dialog.folder.text().strip()
        w.settings.setValue("export/folder", folder)
        w.settings.setValue("export/formats", dialog.formats())
        if exhibit_id is not None and dialog.header_changes():
            write_interview(w.case, exhibit_id, dialog.header_changes(), actor=prefs.user_name(w.settings))
        run_ids = self._run_ids(dialog.all_box.isChecked())
        if kind == "chat" and not run_ids:  # "no transcript is selected" with the chat on screen
            w.show_error(CHAT_EXPORT)
            return
        self.start(Path(folder), dialog.formats(), run_ids)

    def _run_ids(self, every_exhibit: bool) -> list[int]:
        w = self.window
        if every_exhibit:
            return transcripts(w.case)
        if w.tabs.currentWidget() is w.translation and w.translation.current_run():
            return [w.translation.current_run()]  # the translation, side by side with its source
        return [w.session.run_id] if w.session.run_id else []

    def start(self, folder: Path, formats: list[str], run_ids: list[int]) -> bool:
        """Write off the GUI thread; the status line says when it is done (a refusal in a box)."""
        error = refusal(formats, run_ids)
        if error:
            self.window.show_error(error)
            return False
        actor = prefs.stored_user_name(self.window.settings) or None  # none given: the account, said to be one
        self.busy, self._folder = True, folder
        self.window.statusBar().showMessage(f"Exporting {len(run_ids)} transcript(s) to {folder}…")
        self.thread = self.task.start(self.window.case.folder,
                                      lambda case: write_exports(case, folder, formats, run_ids, actor),
                                      name="parley-export")
        return True

    def finish(self) -> None:
        """The window closes: an export being written is finished first, not cut off."""
        if self.thread is not None and self.thread.is_alive():
            self.window.statusBar().showMessage("Finishing the export before closing…")
            self.window.statusBar().repaint()  # painted now: the join holds the event loop until it is written
            self.thread.join()

    def export_now(self, folder: Path, formats: list[str], run_ids: list[int]) -> tuple[list[Path], str | None]:
        """The same export on the calling thread: (paths, the core's refusal or None)."""
        error = refusal(formats, run_ids)
        if error:
            return [], error
        try:
            paths = write_exports(self.window.case, folder, formats, run_ids,
                                  prefs.stored_user_name(self.window.settings) or None)
        except (ParleyError, OSError) as exc:
            return [], str(exc)
        self._said(paths, folder)
        return paths, None

    def _done(self, paths: list[Path], _token: int) -> None:
        self.busy = False
        self._said(paths, self._folder)
        self.finished.emit(paths, None)

    def _failed(self, reason: str, _token: int) -> None:
        self.busy = False
        self.window.statusBar().clearMessage()
        self.window.show_error(f"Not exported: {reason}")
        self.finished.emit([], reason)

    def _said(self, paths: list[Path], folder: Path) -> None:
        self.window.statusBar().showMessage(exported_message(paths, folder), 8000)


def exported_message(paths: list[Path], folder: Path) -> str:
    """What was written, the manifests counted apart: five PDFs read "Exported 10 file(s)"."""
    files = [p for p in paths if not p.name.endswith(".manifest.json")]
    manifests = len(paths) - len(files)
    if len(files) == 1 and manifests == 1:
        return f"Exported {files[0].name} and its manifest to {folder}"
    return f"Exported {len(files)} file(s) and {manifests} manifest(s) to {folder}"
