"""The window's chats: the Timeline tab, chat exports taken in, search hits on chat messages.

    window.chats = ChatTimeline(window)     # after the window's tabs, exhibits and search exist

A chat export is taken in (Case > Add chat export…: a file, a folder or a zip) through
the same core use case as `python -m app timeline` (app.core.usecases.timeline), on a
thread of its own: hashing, checking and extracting a zip and reading the messages may
take a while. Its voice notes and videos are queued at the top of the case's queue for
the worker process, as the CLI does; the timeline fills in as they are transcribed.
Selecting a chat exhibit, or a search hit or an entity's mention in a chat message, shows
the Timeline tab at that message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from app.core.store import Case
from app.core.usecases.timeline import TakenAndQueued, already_transcribed, take_in_and_queue
from app.gui import prefs
from app.gui.case_task import CaseTask
from app.gui.timeline_view import TimelineView

CHAT_FILTER = ("Chat exports (*.zip *.txt *.json *.html *.md *.csv *.xml);;All files (*)")


class ChatTimeline(QObject):
    """Wires the Timeline tab into the main window `w` (its tabs, exhibits, search, worker)."""

    def __init__(self, w: Any) -> None:
        super().__init__(w)
        self.w = w
        self.view = TimelineView(w.case)
        self.view.settings = w.settings  # one export folder remembered for transcripts and timelines
        self.view.openAttachment.connect(lambda exhibit_id: w.open_at(exhibit_id, 0, 0))
        w.tabs.addTab(self.view, "Timeline")
        w.exhibits.selected.connect(self._exhibit_selected)
        w.search_view.messageActivated.connect(self.open_message)
        w.entities_view.messageActivated.connect(self.open_message)
        w.bridge.jobDone.connect(self._job_done)
        w.tabs.currentChanged.connect(self._tab_shown)
        self.intake = CaseTask(self)
        self.intake.done.connect(self._taken)
        self.intake.failed.connect(self._intake_failed)
        self.last_intake: TakenAndQueued | None = None
        self.case_generation = 0  # an intake finishing after another case was opened is not shown

    def set_case(self, case: Case) -> None:
        self.case_generation += 1
        self.view.set_case(case)

    def is_chat(self, exhibit_id: int) -> bool:
        return self.w.case.exhibit(exhibit_id).source.kind == "chat"

    # ---------------------------------------------------------- showing

    def _exhibit_selected(self, exhibit_id: int | None) -> None:
        if exhibit_id is None:
            return
        if self.is_chat(exhibit_id):
            if exhibit_id != self.view.exhibit_id:
                self.view.load(exhibit_id)
            self.w.tabs.setCurrentWidget(self.view)
        elif self.w.tabs.currentWidget() is self.view:  # the chat shown is not what was picked
            self.w.tabs.setCurrentIndex(0)  # its transcript, in the editor

    def open_message(self, exhibit_id: int, message_id: int) -> None:
        """A search hit or an entity's mention in a chat message: its export's timeline, there."""
        self.view.load(exhibit_id, message_id)
        self.w.exhibits.select(exhibit_id)
        self.w.tabs.setCurrentWidget(self.view)

    def _tab_shown(self, _index: int) -> None:
        if self.w.tabs.currentWidget() is self.view and self.view.timeline is not None:
            self.view.reload()  # proofread edits made in the editor meanwhile

    def _job_done(self, job_id: int, _run_id: object) -> None:
        job = self.w.queue.get(job_id)
        if self.view.holds_attachment(job.exhibit_id):
            self.view.reload()

    # ------------------------------------------------------------ intake

    def pick_export(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Add a chat export (WhatsApp .zip or .txt, Telegram "
                                                      "result.json or messages.html, Signal)",
                                              self.w.exhibits.last_folder, CHAT_FILTER)
        if path:
            self.add_exports([path])

    def pick_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Add a chat export folder", self.w.exhibits.last_folder)
        if folder:
            self.add_exports([folder])

    def add_exports(self, paths: list[str]) -> None:
        """Take the exports in and queue their media, off the GUI thread; `_taken` follows."""
        w = self.w
        w.check_environment()
        no_model = [p for p in w.problems if "model" in p]
        options = None if no_model else prefs.transcribe_options(w.settings)
        if no_model:
            w.statusBar().showMessage("Voice notes are not queued for transcription: " + " ".join(no_model), 10000)
        w.exhibits.last_folder = str(Path(paths[0]).parent)
        w.statusBar().showMessage(f"Reading {len(paths)} chat export(s)…")
        self.intake.start(w.case.folder, lambda case: take_in_and_queue(case, paths, options),
                          self.case_generation, "parley-chat-intake")

    def _taken(self, result: TakenAndQueued, token: int) -> None:
        if token != self.case_generation:
            return
        w = self.w
        self.last_intake = result
        for error in result.errors:
            w.exhibits.not_added.add(error.path, error.reason)
        w.refresh()
        if result.jobs and not w.bridge.is_running():
            w.start_worker()
        text = (f"Took in {len(result.exhibit_ids)} chat export(s); {len(result.jobs)} voice note(s) or "
                "video(s) queued for transcription.")
        if result.stored:
            text += f" {already_transcribed(result.stored, 'select one and Transcribe to transcribe it again')}."
        if result.errors:
            text += f" {len(result.errors)} could not be read (listed under the exhibits)."
        w.statusBar().showMessage(text, 10000)
        if result.exhibit_ids:
            w.exhibits.select(result.exhibit_ids[0])

    def _intake_failed(self, reason: str, token: int) -> None:
        if token == self.case_generation:
            self.w.show_error(f"The chat export could not be taken in: {reason}")
