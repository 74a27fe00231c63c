"""Hostile kills, eleventh round (session 19; tests/test_kills.py to test_kills10.py are the earlier ones):
the window killed outright (SIGKILL) while it takes in a dropped folder of many small files, then opened again."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWidgets")

from app.core.store import Case
from app.core.store.intake_log import intake_entries, met_once
from tests.conftest import REPO
from tests.disk_helpers import small_tmpfs
from tests.gui_case import boxes, settings  # noqa: F401 - boxes: the autouse fixture

FILES = 120  # a phone's folder of voice notes: many small files, read one by one on the intake thread

# the window as a user has it (the settings ask for each added recording to be transcribed), its folder dropped
# on it; its worker not started (what is queued is what this test reads, not transcripts)
DROPPED = """
import sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from app.core.store import Case
from app.core.usecases import enqueueing
from app.gui import file_intake
from app.gui.main_window import MainWindow

enqueueing.ADD_CHUNK = file_intake.ADD_CHUNK = 1  # an exhibit a step: a kill part-way, as in a phone's 2,000
app = QApplication([])
case = Case.open(sys.argv[1])
window = MainWindow(case, QSettings(sys.argv[2], QSettings.Format.IniFormat), start_worker=False)
window.start_worker = lambda: False
window.show()
window.exhibits.addPaths.emit([sys.argv[3]])
app.exec()
"""


def _notes(folder: Path) -> list[Path]:
    """FILES short WAVs, each its own content (each its own exhibit)."""
    folder.mkdir()
    notes = []
    for i in range(FILES):
        path = folder / f"note{i:03d}.wav"
        with wave.open(str(path), "wb") as fh:
            fh.setnchannels(1)
            fh.setsampwidth(2)
            fh.setframerate(8000)
            fh.writeframes(bytes([i % 256, i // 256]) * 1600)  # 0.2 s
        notes.append(path)
    return notes


def _count(case: Path, sql: str) -> int:
    try:
        conn = sqlite3.connect(f"{(case / 'case.sqlite').as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return 0
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not made yet
        return 0
    finally:
        conn.close()


def _killed_part_way(tmp_path: Path, ini_path: str) -> Path:
    """The window (in a process of its own) given the folder, killed outright once it has taken in 10 files."""
    case_dir = tmp_path / "case"
    Case.open(case_dir).close()
    script = tmp_path / "dropped.py"
    script.write_text(DROPPED, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    window = subprocess.Popen([sys.executable, str(script), str(case_dir), ini_path, str(tmp_path / "phone")],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120  # a guard only: the wait ends as soon as it is seen
        while _count(case_dir, "SELECT COUNT(*) FROM exhibits") < 10:
            assert window.poll() is None, window.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the window never took in the folder's first files"
            time.sleep(0.05)
        window.send_signal(signal.SIGKILL)
    finally:
        window.kill()
        window.communicate()
    taken = _count(case_dir, "SELECT COUNT(*) FROM exhibits")
    assert 10 <= taken < FILES, taken  # killed part-way (else the test proves nothing)
    return case_dir


@pytest.mark.parametrize("again", ["opened again", "dropped again elsewhere"])
def test_a_window_killed_while_it_takes_in_a_dropped_folder_queues_every_file_once_after(qtbot, tmp_path,
                                                                                         models_dir, again):
    """The window killed outright part-way through a dropped folder: the files it had taken in were exhibits
    with no job (the window queued its new exhibits only once the whole folder was read), the files met before
    the kill were in no intake log, and opening the window again did nothing about it; dropping the folder again
    queued only the files not taken in before: the rest were never transcribed, and nothing said so.
    Opened again, the window now takes in the rest of what it was reading by itself (it noted the intake as
    begun in its settings); dropping the folder again (another laptop's window: no such note) queues every
    recording of the folder too. Either way each file is one exhibit with one job, and met once in the log."""
    from app.gui.main_window import MainWindow

    notes = _notes(tmp_path / "phone")
    ini = settings(tmp_path, models_dir)
    ini.setValue("intake/auto_transcribe", True)
    ini.sync()
    case_dir = _killed_part_way(tmp_path, ini.fileName())
    ini.sync()  # read again what the killed window wrote, as a window started anew reads it
    if again == "dropped again elsewhere":
        (tmp_path / "elsewhere").mkdir()
        ini = settings(tmp_path / "elsewhere", models_dir)
        ini.setValue("intake/auto_transcribe", True)
    case = Case.open(case_dir)
    reopened = MainWindow(case, ini, start_worker=False)
    reopened.start_worker = lambda: False
    try:
        if again == "dropped again elsewhere":
            reopened.add_paths([str(tmp_path / "phone")])
        qtbot.waitUntil(lambda: reopened.statusBar().currentMessage().startswith("Added"), timeout=120_000)
        exhibits = case.exhibits()
        assert sorted(Path(e.source.path).name for e in exhibits) == sorted(n.name for n in notes)
        jobs = reopened.queue.list()
        assert sorted(j.exhibit_id for j in jobs if j.kind == "transcribe") == sorted(e.id for e in exhibits), \
            f"{len(jobs)} of {len(exhibits)} recordings queued"
        met = met_once(intake_entries(case))
        assert sorted(Path(e.path).name for e in met) == sorted(n.name for n in notes)
    finally:
        reopened.close()
        case.close()


def test_an_intake_stopped_again_while_taken_up_again_is_said_not_taken_up_a_third_time(qtbot, tmp_path, models_dir,
                                                                                          boxes):  # noqa: F811
    """A folder whose intake brings the window down would bring it down at every start if it were taken up
    again each time: taken up once, then said (and left to the user), never a third time."""
    from app.gui import intake_pending
    from app.gui.main_window import MainWindow

    _notes(tmp_path / "phone")  # there to be taken in, were it taken up again
    case = Case.open(tmp_path / "case")
    ini = settings(tmp_path, models_dir)
    intake_pending.begun(ini, case, [str(tmp_path / "phone")], resumed=True)  # taken up again, and stopped again
    window = MainWindow(case, ini, start_worker=False)
    window.start_worker = lambda: False
    try:
        qtbot.waitUntil(lambda: any("stopped twice" in shown for shown in boxes[0]), timeout=10_000)
        assert window._intake_thread is None and case.exhibits() == []
        assert intake_pending.left_unfinished(ini, case) == ([], [])  # said once, not at every start
    finally:
        window.close()
        case.close()


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs (needs root to mount, as tests/test_kills4.py's)."""
    yield from small_tmpfs(tmp_path, "small", "16m")


def test_a_folder_dropped_on_a_case_whose_disk_fills_says_so_once_and_is_taken_in_whole_when_added_again(
        qtbot, tmp_path, models_dir, small_disk, boxes, monkeypatch):  # noqa: F811
    """The case's disk filled part-way through a dropped folder: every file left raised the store's error in the
    window's slot (a "Something went wrong" box and a traceback for each of hundreds of files), the status line
    stayed at "Reading…", and the exhibits taken in before were never queued. Now one message says what was
    refused and how many were added, the rest of the folder is left alone, and the folder added again once there
    is room takes in the rest and queues every recording once."""
    from app.core.usecases import enqueueing
    from app.gui import file_intake
    from app.gui.main_window import MainWindow

    for module in (enqueueing, file_intake):  # an exhibit a step: the disk fills part-way, as in a phone's 2,000
        monkeypatch.setattr(module, "ADD_CHUNK", 1)
    notes = _notes(tmp_path / "phone")
    case = Case.open(small_disk / "case")
    filler = small_disk / "filler"
    filler.write_bytes(bytes(max(0, shutil.disk_usage(small_disk).free - 60 * 1024)))  # room for a few exhibits
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    window.start_worker = lambda: False
    window.settings.setValue("intake/auto_transcribe", True)
    try:
        window.add_paths([str(tmp_path / "phone")])
        qtbot.waitUntil(lambda: bool(boxes[0]), timeout=60_000)
        window._intake_thread.join(60)
        qtbot.wait(200)  # anything the reading thread had still to deliver
        assert len(boxes[0]) == 1 and "Not all taken in: the case store could not be written" in boxes[0][0], boxes
        assert 0 < len(case.exhibits()) < FILES
        filler.unlink()
        window.add_paths([str(tmp_path / "phone")])
        qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Added") or len(boxes[0]) > 1,
                        timeout=60_000)
        assert len(boxes[0]) == 1, boxes[0][1:]
        exhibits = case.exhibits()
        assert sorted(Path(e.source.path).name for e in exhibits) == sorted(n.name for n in notes)
        assert sorted(j.exhibit_id for j in window.queue.list()) == sorted(e.id for e in exhibits), \
            (boxes[0][1:], shutil.disk_usage(small_disk).free)
    finally:
        window.close()
        case.close()
