"""The real window, driven with pytest-qt (offscreen): intake, queue, editor, player, keys.

One window and case are shared by the module (the worker process and the model
load once); tests that change the transcript run in file order.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import traceback
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from app.core.editing import operations as editing
from app.core.store import Case
from tests.conftest import MEDIA

pytestmark = [pytest.mark.gui, pytest.mark.timeout(240)]

STALL_LIMIT_MS = 100.0


class StallProbe:
    """A 10 ms QTimer; the longest gap between its ticks is the longest event-loop stall.

    A watcher thread notes what the GUI thread was doing during each long gap, so a
    failure says where the time went.
    """

    def __init__(self, interval_ms: int = 10) -> None:
        self.stacks: list[tuple[float, str]] = []
        self._main = threading.get_ident()
        self._running = False
        self.interval_ms = interval_ms
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.last_cpu = 0.0
        self.worst_ms = 0.0
        self.worst_cpu_ms = 0.0  # GUI-thread CPU time spent inside the longest gaps
        self.ticks = 0

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self.last:
            self.worst_ms = max(self.worst_ms, (now - self.last) * 1000 - self.interval_ms)
            self.worst_cpu_ms = max(self.worst_cpu_ms, (cpu - self.last_cpu) * 1000)
        self.last, self.last_cpu = now, cpu
        self.ticks += 1

    def start(self) -> None:
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.others = _other_cpu_seconds()
        self.started = time.perf_counter()
        self.timer.start()
        self._running = True
        threading.Thread(target=self._watch, daemon=True).start()

    def stop(self) -> None:
        self.timer.stop()
        self._running = False
        elapsed = max(1e-3, time.perf_counter() - self.started)
        after = _other_cpu_seconds()
        used = sum(max(0.0, t - self.others.get(pid, 0.0)) for pid, t in after.items())
        self.others_load = used / elapsed  # cores used by other programs meanwhile

    def _watch(self) -> None:
        noted = 0.0
        while self._running:
            time.sleep(0.01)
            gap = time.perf_counter() - self.last
            if gap > 0.05 and self.last != noted:
                frame = sys._current_frames().get(self._main)
                if frame is not None:
                    noted = self.last
                    self.stacks.append((gap, "".join(traceback.format_stack(frame, limit=8))))

    def report(self) -> str:
        worst = sorted(self.stacks, key=lambda s: -s[0])[:3]
        return "\n".join(f"--- stall at least {g * 1000:.0f} ms in:\n{st}" for g, st in worst)


def _other_cpu_seconds() -> dict[int, float]:
    """CPU seconds used so far by each process outside this test and its worker."""
    import psutil

    ours = {os.getpid()} | {p.pid for p in psutil.Process().children(recursive=True)}
    found = {}
    for proc in psutil.process_iter(["pid"]):
        if proc.pid in ours:
            continue
        try:
            t = proc.cpu_times()
            found[proc.pid] = t.user + t.system
        except (psutil.Error, OSError):
            pass
    return found


def _settings(folder: Path, models_dir: Path, model: str = "tiny.en") -> QSettings:
    s = QSettings(str(folder / "parley.ini"), QSettings.Format.IniFormat)
    s.setValue("transcribe/model", model)
    s.setValue("transcribe/threads", 2)
    s.setValue("transcribe/beam_size", 1)
    s.setValue("models/dir", str(models_dir))
    s.setValue("user/name", "Test Typist")
    s.sync()
    return s


@pytest.fixture(scope="module")
def gui(qapp, models_dir, tmp_path_factory):
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("gui")
    case = Case.open(folder / "case")
    window = MainWindow(case, _settings(folder, models_dir))
    window.show()
    yield window
    window.close()
    case.close()


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch):
    """Message boxes would block an offscreen test; record them instead."""
    shown: list[str] = []
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *a, _n=name, **k: shown.append(f"{_n}: {a[2]}"))
    return shown


def _wait_jobs_finished(qtbot, window, timeout_ms: int = 150_000) -> None:
    def finished() -> None:
        window.refresh_queue()
        jobs = window.queue.list()
        assert jobs and all(j.state in ("done", "failed", "cancelled") for j in jobs)

    qtbot.waitUntil(finished, timeout=timeout_ms)


def _select(qtbot, window, name: str) -> None:
    ids = {e.source.name: e.id for e in window.case.exhibits()}
    window.exhibits.select(ids[name])
    qtbot.waitUntil(lambda: window.session.run_id is not None and window.editor.model.rowCount() > 0,
                    timeout=10_000)


def test_add_media_and_transcribe_while_the_window_stays_responsive(qtbot, gui):
    qtbot.waitExposed(gui)
    gui.add_paths([str(MEDIA / "en_voicenote.opus"), str(MEDIA / "interview_stereo.wav")])
    qtbot.waitUntil(lambda: len(gui.case.exhibits()) == 2, timeout=30_000)
    qtbot.waitUntil(lambda: len(gui.queue.list()) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: any(j.state == "running" for j in gui.queue.list()), timeout=60_000)
    # Open the exhibit being transcribed (the player's one-off media load happens here, outside
    # the measurement), then measure while the transcription runs: the queue and exhibits
    # refresh, segments stream into the editor, the waveform is drawn.
    running = next(j for j in gui.queue.list() if j.state == "running")
    gui.exhibits.select(running.exhibit_id)
    qtbot.wait(1000)
    # What earlier tests in this process left alive (an xdist worker runs dozens first) is set aside
    # from the collector, so a full collection measures the window's own objects, not theirs (a
    # CI worker's gen-2 collection of its earlier tests' heap stalled the loop 480 ms; 53 ms alone).
    gc.collect()
    gc.freeze()
    probe = StallProbe()
    probe.start()
    try:
        qtbot.waitUntil(lambda: all(j.finished for j in gui.queue.list()), timeout=150_000)
    finally:
        probe.stop()
        gc.unfreeze()
    print(f"\nlongest event-loop stall while transcribing: {probe.worst_ms:.1f} ms over {probe.ticks} "
          f"ticks (GUI-thread CPU in the worst gap {probe.worst_cpu_ms:.1f} ms; other processes on "
          f"this machine used {probe.others_load:.2f} of {os.cpu_count()} cores meanwhile)")
    assert [j.state for j in gui.queue.list()] == ["done", "done"]
    assert probe.ticks > 100
    if probe.others_load < 0.5:
        assert probe.worst_ms < STALL_LIMIT_MS, probe.report()
    else:
        # Other programs kept the cores busy, so wall-clock gaps measure the machine's load, not
        # this window. What the window itself did on its GUI thread must still stay short.
        assert probe.worst_cpu_ms < STALL_LIMIT_MS, probe.report()
    gui.refresh()
    model = gui.exhibits.model
    assert {model.index(r, 1).data() for r in range(model.rowCount())} == {"audio"}
    assert all(model.index(r, 5).data() == "done" for r in range(model.rowCount()))
    assert {model.index(r, 3).data() for r in range(model.rowCount())} == {"English"}
    sha = model.index(0, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert model.rows[0].exhibit.source.sha256 in sha
    # the queue panel shows every job finished, with its progress bar full
    qm = gui.queue_view.model
    assert all(qm.index(r, 4).data(Qt.ItemDataRole.UserRole) == 1.0 for r in range(qm.rowCount()))


def test_waveform_and_editor_show_the_transcript(qtbot, gui):
    _select(qtbot, gui, "interview_stereo.wav")
    qtbot.waitUntil(lambda: gui.editor.waveform.envelope is not None, timeout=30_000)
    assert gui.editor.waveform.spans and len(gui.editor.waveform.spans) == gui.editor.model.rowCount()
    assert gui.editor.model.index(0, 2).data()


def test_clicking_a_segment_seeks_the_player(qtbot, gui):
    _select(qtbot, gui, "interview_stereo.wav")
    table, model = gui.editor.table, gui.editor.model
    row = min(3, model.rowCount() - 1)
    target = model.segment(row).start_ms
    assert target > 0
    rect = table.visualRect(model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: abs(gui.player.position() - target) < 300, timeout=5_000)
    qtbot.waitUntil(lambda: model.current_row == row, timeout=5_000)


def test_typist_keys_drive_the_player(qtbot, gui):
    _select(qtbot, gui, "interview_stereo.wav")
    player, table = gui.player, gui.editor.table
    table.setFocus()
    player.seek(20_000)
    qtbot.waitUntil(lambda: abs(player.position() - 20_000) < 300, timeout=5_000)
    qtbot.keyClick(table, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: abs(player.position() - (20_000 - player.skip_ms)) < 300, timeout=5_000)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: abs(player.position() - (20_000 + player.skip_ms)) < 300, timeout=5_000)
    rate = player.rate()
    qtbot.keyClick(table, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: player.rate() > rate, timeout=2_000)
    qtbot.keyClick(table, Qt.Key.Key_F3)
    qtbot.keyClick(table, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: player.rate() < rate, timeout=2_000)
    assert player.pitch_kept()
    assert not player.is_playing()
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(player.is_playing, timeout=5_000)
    start = player.position()
    qtbot.wait(700)
    assert player.position() > start  # the clock runs even with no sound card
    before_pause = player.position()
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=5_000)
    # auto-rewind on pause
    assert player.position() <= before_pause - player.rewind_ms + 400


def test_keys_are_rebindable_through_qsettings(qtbot, gui):
    from PySide6.QtGui import QKeySequence

    from app.gui.keys import set_binding

    player, table = gui.player, gui.editor.table
    set_binding(gui.settings, "skip_forward", QKeySequence("F9"))
    gui.apply_settings()
    try:
        player.seek(10_000)
        qtbot.waitUntil(lambda: abs(player.position() - 10_000) < 300, timeout=5_000)
        qtbot.keyClick(table, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: abs(player.position() - (10_000 + player.skip_ms)) < 300, timeout=5_000)
    finally:
        set_binding(gui.settings, "skip_forward", QKeySequence("F2"))
        gui.apply_settings()


def test_edit_undo_rename_and_verify(qtbot, gui):
    _select(qtbot, gui, "interview_stereo.wav")
    case, run_id, model = gui.case, gui.session.run_id, gui.editor.model
    machine = case.segments(run_id)[0].text
    assert model.setData(model.index(0, 2), "Edited by the typist.")
    assert model.index(0, 2).data() == "Edited by the typist."
    assert editing.current_transcript(case, run_id).status == "edited"
    assert case.segments(run_id)[0].text == machine  # the machine draft is kept
    gui.editor.table.setFocus()
    qtbot.keyClick(gui.editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: model.index(0, 2).data() == machine, timeout=3_000)
    gui.redo_action.trigger()
    assert model.index(0, 2).data() == "Edited by the typist."

    old = model.segment(0).speaker
    gui.editor.rename_speaker(old, "DC Smith")
    speakers = {model.segment(r).speaker for r in range(model.rowCount())}
    assert "DC Smith" in speakers and (old is None or old not in speakers)

    rows = model.rowCount()
    gui.editor.split_at(0, 6)
    assert model.rowCount() == rows + 1
    gui.editor.merge_rows([0, 1])
    assert model.rowCount() == rows and model.index(0, 2).data() == "Edited by the typist."

    gui.editor.mark_verified("DC Jones")
    assert "Verified by DC Jones" in gui.editor.status_label.full_text()
    gui.editor.edit_text(1, "A change after verification.")
    assert editing.status(case, run_id) == ("edited", None)
    ops = [r.op for r in editing.history(case, run_id)]
    assert ops[:2] == ["edit_text", "undo"] and "set_verified" in ops
    assert all(r.actor == "Test Typist" for r in editing.history(case, run_id))
    gui.tabs.setCurrentIndex(2)
    assert gui.history.topLevelItemCount() == len(ops)
    gui.tabs.setCurrentIndex(0)


def test_find_replace_and_review_mode(qtbot, gui):
    _select(qtbot, gui, "interview_stereo.wav")
    model = gui.editor.model
    word = model.segment(2).text.split()[0].strip(".,?!")
    gui.editor.replace_all(word, "REPLACED", whole=True)
    assert "REPLACED" in model.index(2, 2).data()
    gui.undo_action.trigger()
    assert "REPLACED" not in model.index(2, 2).data()
    gui.player.seek(0)
    qtbot.waitUntil(lambda: gui.player.position() < 100, timeout=3_000)
    gui.editor.next_uncertain()
    text = gui.editor.count_label.text()
    if text != "0 uncertain":
        assert text.startswith("1 of "), text
        first = gui.player.position()
        qtbot.keyClick(gui.editor.table, Qt.Key.Key_F8)  # the review key steps to the next one
        assert gui.editor.count_label.text().startswith("2 of ")
        qtbot.waitUntil(lambda: gui.player.position() > first, timeout=3_000)


def test_export_in_every_format_and_refusal_beside_the_evidence(qtbot, gui, tmp_path, no_modal_boxes):
    from app.core.export import available_formats

    _select(qtbot, gui, "interview_stereo.wav")
    run_id = gui.session.run_id
    paths, error = gui.export_to(tmp_path / "out", available_formats(), [run_id])
    assert error is None and len(paths) == len(available_formats()) + 1  # and the set's manifest
    assert paths[-1].name == "interview_stereo.manifest.json"
    assert "A change after verification." in (tmp_path / "out" / "interview_stereo.txt").read_text("utf-8")
    paths, error = gui.export_to(MEDIA, ["txt"], [run_id])
    assert paths == [] and "refusing" in error


def test_translation_side_by_side(qtbot, gui):
    from app.core.evidence.provenance import software_info
    from app.core.types import ModelInfo, Segment

    case = gui.case
    exhibit = next(e for e in case.exhibits() if e.source.name == "en_voicenote.opus")
    parent = case.latest_run(exhibit.id, "transcribe")
    source = case.segments(parent)
    run = case.start_run(exhibit.id, "text-translate", ModelInfo("nllb", "/m", "00" * 32, "nllb"), {},
                         software_info(), parent_run_id=parent, source_language="en")
    case.append_segments(run, tuple(Segment(s.start_ms, s.end_ms, f"[de] {s.text}", source_text=s.text)
                                    for s in source), {}, "de", None)
    case.finish_run(run)
    _select(qtbot, gui, "en_voicenote.opus")
    view = gui.translation
    assert view.has_translation()
    assert view.model.rowCount() == len(source)
    assert view.model.index(0, 1).data() == source[0].text
    assert view.model.index(0, 2).data() == f"[de] {source[0].text}"


def test_missing_model_is_a_message_in_the_window_not_a_traceback(qtbot, qapp, tmp_path):
    from app.gui.main_window import MainWindow

    empty = tmp_path / "no-models"
    empty.mkdir()
    case = Case.open(tmp_path / "case")
    window = MainWindow(case, _settings(tmp_path, empty, model="base"), start_worker=False)
    try:
        assert window.banner.isVisibleTo(window)
        assert "No transcription model is installed" in window.banner.text()
        assert window.transcribe([1]) == []
    finally:
        window.close()
        case.close()


def test_cancel_pause_resume_retry_priority_from_the_queue_panel(qtbot, gui):
    exhibit = next(e for e in gui.case.exhibits() if e.source.name == "en_voicenote.opus")
    gui.queue.pause()  # hold the queue so the job stays queued
    try:
        job = gui.queue.add(exhibit.id, "transcribe", {"model": "tiny.en", "beam_size": 2})
        gui.refresh()
        row = next(r for r, j in enumerate(gui.queue_view.model.jobs) if j.id == job)
        gui.queue_view.table.selectRow(row)
        gui.queue_view.buttons["priority+"].click()
        assert gui.queue.get(job).priority == 1
        gui.queue_view.buttons["pause"].click()
        assert gui.queue.get(job).state == "paused"
        gui.queue_view.buttons["resume"].click()
        assert gui.queue.get(job).state == "queued"
        gui.queue_view.buttons["cancel"].click()
        qtbot.waitUntil(lambda: gui.queue.get(job).state == "cancelled", timeout=5_000)
        gui.queue_view.buttons["retry"].click()
        assert gui.queue.get(job).state == "queued"
        gui.queue.cancel(job)
    finally:
        gui.queue.resume()
