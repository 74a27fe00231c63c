"""The window's Add files / Add folder (app/gui/file_intake.py): every file met is recorded in the
case, hashed on the reading thread, never the GUI thread; results for a case closed since are dropped."""

from __future__ import annotations

import shutil
import threading

import pytest

pytest.importorskip("PySide6.QtWidgets")

from app.core.media import intake as media_intake
from app.core.store import Case
from app.core.store.intake_log import intake_entries
from app.gui.file_intake import CASE_CHANGED
from tests.conftest import MEDIA
from tests.gui_case import boxes, settings  # noqa: F401 - boxes: the autouse fixture


def _phone(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "note.opus")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(200_000))  # passed over, hashed
    (folder / "broken.wav").write_bytes(b"RIFF....WAVEjunk")  # claims media, fails
    return folder


def _window(tmp_path, models_dir, case):
    from app.gui.main_window import MainWindow

    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    window.start_worker = lambda: False
    window.settings.setValue("intake/auto_transcribe", False)
    return window


def test_files_passed_over_are_hashed_on_the_reading_thread_and_recorded(qtbot, tmp_path, models_dir, monkeypatch):
    hashed_on: list[str] = []
    real = media_intake._hash_if_readable

    def noting(path):
        hashed_on.append(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr(media_intake, "_hash_if_readable", noting)
    folder = _phone(tmp_path)
    case = Case.open(tmp_path / "case")
    window = _window(tmp_path, models_dir, case)
    try:
        window.add_paths([str(folder)])
        qtbot.waitUntil(lambda: len(intake_entries(case)) == 3, timeout=30_000)
        rows = {e.path.rsplit("/", 1)[-1]: e for e in intake_entries(case)}
        assert {n: r.status for n, r in rows.items()} == {"note.opus": "media", "photo.jpg": "skipped",
                                                          "broken.wav": "failed"}
        assert rows["photo.jpg"].sha256 and rows["photo.jpg"].bytes == 200_004
        assert hashed_on and threading.main_thread().name not in hashed_on, hashed_on
    finally:
        window.close()
        case.close()


def test_an_intake_ending_after_another_case_was_opened_adds_nothing_to_either(qtbot, tmp_path, models_dir):
    """It used to write into the first case after it was closed (an exception in the slot), then
    queue its exhibit ids in the case opened since."""
    folder = _phone(tmp_path)
    first = Case.open(tmp_path / "first")
    window = _window(tmp_path, models_dir, first)
    try:
        window.add_paths([str(folder)])
        thread = window._intake_thread
        thread.join(30)  # every result is queued for the GUI thread, none delivered yet
        window.open_case(tmp_path / "second")
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == CASE_CHANGED, timeout=10_000)
        assert window.case.exhibits() == [] and intake_entries(window.case) == []
        assert window.queue.list() == []
    finally:
        window.close()
        window.case.close()
