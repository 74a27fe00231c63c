"""The main window: case and exhibits, queue, editor with waveform, translation, history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import ParleyError
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.store.views import change_stamp, speech_runs
from app.core.usecases.translating import queue_translation
from app.gui import prefs, queue_requests
from app.gui.bridge import WorkerBridge
from app.gui.chat_timeline import ChatTimeline
from app.gui.editor_model import EditSession
from app.gui.editor_view import EditorView
from app.gui.entities_view import EntitiesView
from app.gui.environment import environment_problems, preload_modules
from app.gui.exhibits_view import ExhibitsView, exhibit_rows
from app.gui.export_flow import ExportFlow
from app.gui.file_intake import add_files, resume_intakes
from app.gui.focus_return import FocusReturn
from app.gui.gc_guard import collect_on_gui_thread
from app.gui.history_view import HistoryView
from app.gui.keys import KeyRouter
from app.gui.menus import build_menus, fill_play_menu
from app.gui.player import Player
from app.gui.queue_view import QueueView
from app.gui.resume_place import restore_place, save_place
from app.gui.run_notice import run_title, safe_language_name
from app.gui.search_view import SearchView
from app.gui.settings_dialog import SettingsDialog
from app.gui.translate_dialog import TranslateDialog
from app.gui.translation_view import TranslationView
from app.gui.widgets import ProblemBanner, readable_selection
from app.gui.window_state import ask_user_name_if_unset, fit_to_screen, restore_state, save_state

REFRESH_MS = 1000
WORKER_STOPPED = "The transcription worker stopped"
CASE_REPLACED = "The case folder changed under this window"


class MainWindow(QMainWindow):
    def __init__(self, case: Case, settings: QSettings | None = None, start_worker: bool = True) -> None:
        super().__init__()
        preload_modules()
        collect_on_gui_thread()
        self.settings = settings or prefs.settings()
        self.case = case
        self.worker_stops = 0  # how often its worker stopped (each said, with the count)
        self.queue = JobQueue(case.conn)
        self.worker_text = ""
        self.setWindowTitle(f"Parley — {case.folder}")

        self.player = Player(self)
        self.player.problem.connect(self.add_problem)
        self.session = EditSession(case, lambda: prefs.user_name(self.settings), self)
        self.session.error.connect(self.show_error)
        self.session.changed.connect(lambda _c: self._after_edit())
        self.bridge = WorkerBridge(self)
        self._wire_bridge()

        self.exhibits = ExhibitsView(settings=self.settings)
        self.exhibits.addPaths.connect(self.add_paths)
        self.exhibits.transcribeRequested.connect(self.request_transcribe)
        self.exhibits.selected.connect(self.show_exhibit)
        self.exhibits.opened.connect(self.enter_exhibit)
        self.queue_view = QueueView()
        self.queue_view.action.connect(self.queue_action)
        self.editor = EditorView(self.session, self.player)
        self.editor.message.connect(lambda t: self.statusBar().showMessage(t, 5000))
        self.editor.rerunRequested.connect(lambda eid, lang: self.transcribe([eid], language=lang))
        self.editor.notice.languages = lambda: prefs.rerun_languages(self.settings)  # allow-list, then the model's
        self.translation = TranslationView(case)
        self.translation.seekRequested.connect(self.player.seek)
        self.history = HistoryView()
        self.exporter = ExportFlow(self)
        self.run_box = QComboBox()
        self.run_box.currentIndexChanged.connect(lambda _i: self._run_chosen())
        self._build_layout()
        self._build_menus()
        self.router = KeyRouter(self, self.settings, {
            "play_pause": self.player.toggle,
            "skip_back": lambda: self.editor.cursor_sync.skip(False),
            "skip_forward": lambda: self.editor.cursor_sync.skip(True),
            "slower": self.player.slower,
            "faster": self.player.faster,
            "loop_segment": self.editor.toggle_loop,
            "next_uncertain": self.editor.next_uncertain,
            "previous_uncertain": self.editor.previous_uncertain,
            "mark_reviewed": self.editor.mark_current_reviewed,
            "hold_play": self.player.play,
            "insert_inaudible": self.editor.insert_inaudible,
        }, release_handlers={"hold_play": self.player.pause})
        self.focus_return = FocusReturn(self)  # the keys come back to the typist after a dialog
        self.apply_settings()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh_if_changed)
        self.stamp: tuple[object, ...] | None = None  # what the panels were last built from
        self.refresh_timer.start()
        self.refresh()
        self.check_environment()
        if not self.player.has_audio_device:
            self.statusBar().showMessage("No sound output found: playback runs silently "
                                         "(positions and seeking still work).", 10000)
        fit_to_screen(self)
        restore_state(self, self.settings)
        restore_place(self, self.settings)  # the exhibit, transcript and line left at the last close
        self.exhibits.not_added.show_case(case)  # files met before, at the terminal too
        QTimer.singleShot(0, lambda: ask_user_name_if_unset(self, self.settings))
        if start_worker:
            self.start_worker()
        self._intake_thread = resume_intakes(self)  # a dropped folder the window was closed or killed in

    # -------------------------------------------------------------- layout
    def _build_layout(self) -> None:
        readable_selection(self)
        self.banner = ProblemBanner()
        left = QSplitter(Qt.Orientation.Vertical)
        left.setObjectName("left_split")
        left.addWidget(self.exhibits)
        left.addWidget(self.queue_view)
        left.setSizes([480, 320])
        self.tabs = QTabWidget()
        editor_page = QWidget()
        top = QHBoxLayout()
        top.addWidget(QLabel("Transcript:"))
        top.addWidget(self.run_box, 1)
        self.translate_button = QPushButton("Translate…")
        self.translate_button.setToolTip("Translate this transcript with a translation model (Ctrl+T)")
        self.translate_button.clicked.connect(self.ask_translate)
        top.addWidget(self.translate_button)
        page_layout = QVBoxLayout(editor_page)
        page_layout.addLayout(top)
        page_layout.addWidget(self.editor, 1)
        self.tabs.addTab(editor_page, "Editor")
        self.tabs.addTab(self.translation, "Translation")
        self.tabs.addTab(self.history, "History")
        self.search_view = SearchView(self.case)
        self.search_view.hitActivated.connect(self.open_at)
        self.tabs.addTab(self.search_view, "Search")
        self.entities_view = EntitiesView(self.case)
        self.entities_view.mentionActivated.connect(self.open_at)
        self.tabs.addTab(self.entities_view, "Entities")
        self.chats = ChatTimeline(self)  # the Timeline tab: chat exports in, shown as one story
        self.tabs.currentChanged.connect(self._tab_shown)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setObjectName("main_split")
        split.setChildrenCollapsible(False)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 1)
        split.setSizes([500, 780])  # the left pane's tables fit, their statuses whole ("language uncertain")
        self.splitters = (split, left)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        build_menus(self)

    def _fill_play_menu(self) -> None:
        fill_play_menu(self)

    # ------------------------------------------------------------- banner
    @property
    def problems(self) -> list[str]:
        return self.banner.problems

    def add_problem(self, text: str) -> None:
        self.banner.add(text)

    def check_environment(self) -> None:
        self.banner.reset(keep_prefix="playback", problems=environment_problems(self.settings))

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)
        QMessageBox.warning(self, "Parley", text)

    # -------------------------------------------------------------- worker
    def _wire_bridge(self) -> None:
        b = self.bridge
        b.progress.connect(self._on_progress)
        b.stage.connect(lambda job_id, stage: self.queue_view.model.set_stage(job_id, stage))
        b.segmentsReady.connect(self._on_segments)
        b.jobDone.connect(self._on_job_done)
        b.jobFailed.connect(lambda j, reason, retry: self.statusBar().showMessage(
            f"Job {j} failed: {reason}" + (" (will retry)" if retry else ""), 10000))
        b.workerReady.connect(self._on_worker_ready)
        b.modelLoaded.connect(lambda m, d, s: self._set_worker_text(f"model {m} on {d} ({s:.1f}s to load)"))
        b.workerCrashed.connect(self._on_worker_stopped)
        b.unavailable.connect(self.add_problem)
        b.anyEvent.connect(self.refresh_queue)

    def _on_worker_stopped(self, reason: str) -> None:
        """Each stop said, with how many there were: the same words twice read as one stop."""
        self.worker_stops += 1
        times = f" ({self.worker_stops} times since the window opened; the latest)" if self.worker_stops > 1 else ""
        self.banner.replace(WORKER_STOPPED, f"{WORKER_STOPPED}{times}: {reason}")

    def start_worker(self) -> bool:
        return self.bridge.start(self.case.folder, prefs.models_dir(self.settings))

    def _set_worker_text(self, text: str) -> None:
        self.worker_text = text
        self.refresh_queue()

    def _on_worker_ready(self, device: str, model: str) -> None:
        self._set_worker_text(f"worker ready on {device}" + (f", {model}" if model else ""))

    def _on_progress(self, job_id: int, fraction: float, eta: object, _segments: int) -> None:
        self.queue_view.model.set_live(job_id, fraction, eta)  # type: ignore[arg-type]

    def _on_segments(self, _job_id: int, run_id: int, _count: int) -> None:
        exhibit = self.editor.exhibit
        if exhibit is None:
            return
        if self.session.run_id is None and self.case.run(run_id).exhibit_id == exhibit.id:
            self._fill_runs(exhibit.id, prefer=run_id)
        else:
            self.editor.reload_if_showing(run_id)

    def _on_job_done(self, job_id: int, run_id: object) -> None:
        self.statusBar().showMessage(f"Job {job_id} done.", 5000)
        self.refresh()
        exhibit = self.editor.exhibit
        if exhibit is not None and isinstance(run_id, int) and self.case.run(run_id).exhibit_id == exhibit.id:
            self._fill_runs(exhibit.id, prefer=run_id)
            self.translation.show_exhibit(exhibit.id)

    # ----------------------------------------------------------- refreshing
    def refresh(self) -> None:
        self.stamp = change_stamp(self.case)
        self.refresh_queue()
        self.refresh_exhibits()

    def refresh_if_changed(self) -> None:
        """Each second: the panels again only when the case changed (another process, the worker);
        the queue also while a job runs (a batch's estimated bar moves with the clock). The case folder replaced,
        moved or removed under it is said at once (was: only at the next write, refused), the panels left as opened."""
        if (why := self.case.replaced_since_opened()) is not None:
            self.banner.replace(CASE_REPLACED, f"{CASE_REPLACED}: {why}. What is shown is the case as it was opened; "
                                               "nothing more is written to it: open the case again")
            return
        if change_stamp(self.case) != self.stamp:
            self.refresh()
        elif self.queue.counts().get("running"):
            self.refresh_queue()

    def refresh_queue(self) -> None:
        exhibits = self.case.exhibits()
        names = {e.id: e.source.shown_name for e in exhibits}
        durations = {e.id: e.source.duration_ms for e in exhibits}
        self.queue_view.set_jobs(self.queue.list(), names, self.queue.counts(),
                                 ("queue paused · " if self.queue.is_paused() else "") + self.worker_text,
                                 durations)

    def refresh_exhibits(self) -> None:
        self.exhibits.set_rows(exhibit_rows(self.case))

    def refresh_history(self) -> None:
        self.history.show_run(self.case, self.session.run_id)

    def _after_edit(self) -> None:
        """The History tab is read again only when it is on screen (shown, _tab_shown reads it): it
        parsed every revision's segments on each edit, a longer freeze the longer the proofreading."""
        if self.tabs.currentWidget() is self.history:
            self.refresh_history()
        self.refresh_exhibits()

    # ------------------------------------------------------------ exhibits
    def add_paths(self, paths: list[str]) -> None:
        self._intake_thread = add_files(self, paths)  # app/gui/file_intake.py

    def request_transcribe(self, selected: list[int]) -> list[int]:
        return queue_requests.request_transcribe(self, selected)

    def transcribe(self, exhibit_ids: list[int], language: str | None = None) -> list[int]:
        return queue_requests.transcribe(self, exhibit_ids, language)

    def queue_action(self, name: str, job_id: int | None) -> None:
        queue_requests.queue_action(self, name, job_id)

    def _tab_shown(self, _index: int) -> None:
        self.refresh_history()
        if self.tabs.currentWidget() is self.entities_view and not self.entities_view.all:
            self.entities_view.refresh()  # in a thread: the table fills when they are found

    def show_search(self) -> None:
        """Ctrl+Shift+F: the Search tab, the keyboard in its box (its last query selected)."""
        self.tabs.setCurrentWidget(self.search_view)
        self.search_view.focus_box()

    def open_at(self, exhibit_id: int, run_id: int, ms: int) -> None:
        """A search hit or an entity's mention: its exhibit, its transcript, at that moment."""
        self.exhibits.select(exhibit_id)
        self._fill_runs(exhibit_id, prefer=run_id or None)
        self.tabs.setCurrentIndex(0)
        if ms >= 0:
            self.player.seek(ms)
        self._keys_to_transcript(max(ms, 0))

    def _keys_to_transcript(self, ms: int) -> None:
        """The keyboard into the segment table, on the segment at `ms` (or the next one): the
        timeline's or search's table it came from is hidden now, and the keys went nowhere."""
        table, model = self.editor.table, self.editor.model
        if not model.rowCount():
            return
        row = model.row_at(ms)
        if row < 0:
            row = next((r for r, start in enumerate(model.starts) if start >= ms), model.rowCount() - 1)
        self.editor.cursor_sync.move_to(row)
        table.setFocus()

    def show_exhibit(self, exhibit_id: int | None) -> None:
        if exhibit_id is None:
            return
        self._fill_runs(exhibit_id)
        self.translation.show_exhibit(exhibit_id)

    def enter_exhibit(self, exhibit_id: int) -> None:
        """Enter (or a double-click) on an exhibit: the keyboard goes into its transcript, on the
        segment playing, or into its chat's timeline (it stayed in the list: Down went to the
        next exhibit, and Tab from cell to cell)."""
        if self.chats.is_chat(exhibit_id):
            self.tabs.setCurrentWidget(self.chats.view)
            self.chats.view.table.setFocus()
            return
        self.tabs.setCurrentIndex(0)
        index = self.editor.table.currentIndex()
        if index.isValid():
            self.editor.table.setFocus()
        else:
            self._keys_to_transcript(self.player.position())

    def _fill_runs(self, exhibit_id: int, prefer: int | None = None) -> None:
        runs = speech_runs(self.case, exhibit_id)
        ids = [r.id for r in runs]
        chosen = (ids.index(prefer) if prefer in ids
                  else next((i for i, r in enumerate(runs) if r.status == "complete"), 0))
        with QSignalBlocker(self.run_box):
            self.run_box.clear()
            for r in runs:
                self.run_box.addItem(run_title(r), r.id)
            if not runs:
                self.run_box.addItem("not transcribed yet", None)
            self.run_box.setCurrentIndex(chosen)
        self._run_chosen(exhibit_id)

    def _run_chosen(self, exhibit_id: int | None = None) -> None:
        if exhibit_id is None:
            exhibit_id = self.exhibits.current_id() or (self.editor.exhibit.id if self.editor.exhibit else None)
        if exhibit_id is None:
            return
        self.editor.show_run(self.case.exhibit(exhibit_id), self.run_box.currentData(),
                             self.case.folder / "waveforms")
        self.refresh_history()

    # ----------------------------------------------------------- translate
    def ask_translate(self) -> None:
        self.editor.segments.editor_cursor()  # the words being typed are translated too
        run_id = self.session.run_id
        if run_id is None:
            self.statusBar().showMessage("Open a transcript to translate it.", 5000)
            return
        dialog = TranslateDialog(prefs.models_dir(self.settings), self.case.run(run_id).language, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.translate(dialog.options())

    def translate(self, options: dict[str, str]) -> int | None:
        """Queue a translation of the transcript on screen; returns the job id."""
        run_id, exhibit = self.session.run_id, self.editor.exhibit
        if run_id is None or exhibit is None:
            return None
        source = self.case.run(run_id).language
        job = queue_translation(self.case, self.queue, exhibit.id, run_id, {**options, "source": source})
        if not self.bridge.is_running():
            self.start_worker()
        self.statusBar().showMessage(f"Translation into {safe_language_name(options.get('target'))} queued.", 8000)
        self.refresh()
        return job

    # -------------------------------------------------------------- export
    def ask_export(self) -> None:
        self.editor.segments.editor_cursor()  # the words being typed are exported too (Ctrl+E took the text without)
        self.exporter.ask()  # the dialog, then the files written off the GUI thread (export_flow.py)

    def export_to(self, folder: Path, formats: list[str], run_ids: list[int]) -> tuple[list[Path], str | None]:
        """Write each run's current transcript now; returns (paths, the core's refusal or None)."""
        return self.exporter.export_now(folder, formats, run_ids)

    # ------------------------------------------------------------ settings
    def apply_settings(self) -> None:
        self.player.skip_ms = prefs.skip_ms(self.settings)
        self.player.rewind_ms = prefs.rewind_ms(self.settings)
        self.router.reload()
        self._fill_play_menu()
        self.editor.transport.show_keys(self.player.skip_ms, *(self.router.key_text(name)
                                                                for name in ("skip_back", "skip_forward")))

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_settings()
            self.check_environment()
            if prefs.models_dir(self.settings) != getattr(self.bridge.supervisor, "models_dir", None):
                self.start_worker()

    # ---------------------------------------------------------------- case
    def pick_case(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open or create a case folder", str(self.case.folder))
        if folder:
            self.open_case(Path(folder))

    def open_case(self, folder: Path) -> None:
        try:
            case = Case.open(folder)
        except ParleyError as exc:
            self.show_error(str(exc))
            return
        self.bridge.stop()
        save_place(self, self.settings)
        self.editor.show_run(None, None, None)
        with QSignalBlocker(self.run_box):
            self.run_box.clear()  # the last case's runs
        old, self.case = self.case, case
        self.session.case = case
        self.session.set_run(None)
        self.queue = JobQueue(case.conn)
        self.translation.set_case(case)
        self.search_view.set_case(case)
        self.entities_view.set_case(case)
        self.chats.set_case(case)
        old.close()
        self.settings.setValue("case/last", str(case.folder))
        self.setWindowTitle(f"Parley — {case.folder}")
        self.refresh()
        self.exhibits.not_added.show_case(case)
        restore_place(self, self.settings)
        self.start_worker()
        self._intake_thread = resume_intakes(self) or self._intake_thread

    def closeEvent(self, event: QCloseEvent) -> None:
        self.exporter.finish()
        save_place(self, self.settings)
        save_state(self, self.settings)
        self.refresh_timer.stop()
        self.router.detach()
        self.focus_return.detach()
        self.player.unload()
        self.bridge.stop()
        self.editor.speaker_tools.stop()
        super().closeEvent(event)
