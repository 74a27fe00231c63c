"""The main window: case and exhibits, queue, editor with waveform, translation, history.

Its parts: the panes (window_layout.py), the worker's events (window_worker.py), where an exhibit or
a search hit takes the editor and the keyboard (window_navigation.py), another case opened and the
window closed (case_switch.py), the menus (menus.py), the queue's requests (queue_requests.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QMainWindow, QMessageBox

from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.store.views import change_stamp
from app.core.usecases.translating import queue_translation
from app.gui import case_switch, prefs, queue_requests, window_navigation
from app.gui.bridge import WorkerBridge
from app.gui.editor_model import EditSession
from app.gui.editor_view import EditorView
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
from app.gui.resume_place import restore_list, restore_place, save_list
from app.gui.run_notice import safe_language_name
from app.gui.settings_dialog import SettingsDialog
from app.gui.translate_dialog import TranslateDialog
from app.gui.translation_view import TranslationView
from app.gui.window_layout import MAIN_SIZES, build_layout
from app.gui.window_state import ask_user_name_if_unset, fit_to_screen, restore_state
from app.gui.window_worker import wire_bridge

REFRESH_MS = 1000
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
        self.player.problem_gone.connect(lambda: self.banner.drop("playback"))
        self.session = EditSession(case, lambda: prefs.user_name(self.settings), self)
        self.session.remember_name = lambda name: prefs.save_user_name(self.settings, name)
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
        restore_state(self, self.settings, {"main_split": MAIN_SIZES[0]})  # an older layout's narrow pane widened
        restore_place(self, self.settings)  # the exhibit, transcript and line left at the last close
        restore_list(self, self.settings)  # then the list's sort and filter (an exhibit they hide stays open)
        self.exhibits.arrangementChanged.connect(lambda: save_list(self, self.settings))
        self.exhibits.not_added.show_case(case)  # files met before, at the terminal too
        QTimer.singleShot(0, lambda: ask_user_name_if_unset(self, self.settings))
        if start_worker:
            self.start_worker()
        self._intake_thread = resume_intakes(self)  # a dropped folder the window was closed or killed in

    # -------------------------------------------------------------- layout
    def _build_layout(self) -> None:
        build_layout(self)  # app/gui/window_layout.py

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
        wire_bridge(self)  # app/gui/window_worker.py

    def start_worker(self) -> bool:
        return self.bridge.start(self.case.folder, prefs.models_dir(self.settings))

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
        self.editor.refresh_untranscribed()  # a failed job retried, a queued one failed

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
        shown = self.tabs.currentWidget()  # each read again for the corrections made in the Editor meanwhile
        if shown is self.translation:
            self.translation.reload()
        elif shown is self.search_view:
            self.search_view.rerun()
        elif shown is self.entities_view and self.entities_view.stale():
            self.entities_view.refresh()  # in a thread: the table fills when they are found

    def show_search(self) -> None:
        """Ctrl+Shift+F: the Search tab, the keyboard in its box (its last query selected)."""
        self.tabs.setCurrentWidget(self.search_view)
        self.search_view.focus_box()

    def open_at(self, exhibit_id: int, run_id: int, ms: int) -> None:
        """A search hit or an entity's mention: its exhibit, its transcript, at that moment."""
        window_navigation.open_at(self, exhibit_id, run_id, ms)

    def show_exhibit(self, exhibit_id: int | None) -> None:
        window_navigation.show_exhibit(self, exhibit_id)

    def enter_exhibit(self, exhibit_id: int) -> None:
        window_navigation.enter_exhibit(self, exhibit_id)

    def _fill_runs(self, exhibit_id: int, prefer: int | None = None) -> None:
        window_navigation.fill_runs(self, exhibit_id, prefer)

    def _run_chosen(self, exhibit_id: int | None = None) -> None:
        window_navigation.run_chosen(self, exhibit_id)

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
        case_switch.open_case(self, folder)

    def closeEvent(self, event: QCloseEvent) -> None:
        case_switch.close_down(self)
        super().closeEvent(event)
