"""The window as a proofreader and an investigator meet it (session 25): the Exhibits list's sort and
filter kept between sessions, the recording looked for off the GUI thread (a share that hangs hung the
window), and a batch of short notes that says how long it has run, not "≈95%" from its first seconds.

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt

from app.core.store.jobs import Job
from app.core.store.spelling import where_met
from app.core.types import Segment
from tests import gui_case
from tests.conftest import MEDIA

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def listed(window) -> list[str]:  # type: ignore[no-untyped-def]
    model = window.exhibits.model
    return [model.index(r, 0).data() for r in range(model.rowCount())]


def test_the_lists_sort_and_filter_are_there_again_when_the_case_is_opened_again(qtbot, models_dir, tmp_path):
    """The list's sort and filter were lost at each start: a phone's 200 notes sorted by name, in the
    group "Transcribed, not verified", chosen again every morning. Kept per case: another case opens
    with its own (never kept: every exhibit, as added), not this one's typed name hiding its exhibits."""
    from app.gui.main_window import MainWindow

    case = gui_case.build_case(tmp_path)
    settings = gui_case.settings(tmp_path, models_dir)
    other_folder = tmp_path / "other"
    try:
        first = MainWindow(case, settings, start_worker=False)
        qtbot.addWidget(first)
        first.show()
        first.exhibits.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.DescendingOrder)  # a header click
        bar = first.exhibits.filter_bar
        bar.box.setCurrentIndex(bar.box.findText("Transcribed, not verified"))
        bar.text.setText("a")
        shown = listed(first)
        assert shown == ["truncated.mp3", "interview_stereo.wav"]  # name descending, done or edited, holding "a"
        first.close()

        second = MainWindow(case, settings, start_worker=False)
        qtbot.addWidget(second)
        second.show()
        bar = second.exhibits.filter_bar
        assert (bar.shown(), bar.typed()) == ("Transcribed, not verified", "a")
        assert second.exhibits.model.sorted_by == (0, Qt.SortOrder.DescendingOrder)
        header = second.exhibits.table.horizontalHeader()
        assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (0, Qt.SortOrder.DescendingOrder)
        assert listed(second) == shown and bar.count.text() == f"2 of {len(case.exhibits())}"

        other = gui_case.build_case(other_folder)  # another case: its own list, every exhibit as added
        other.close()
        second.open_case(other_folder / "case")
        assert (bar.shown(), bar.typed(), second.exhibits.model.sorted_by[0]) == ("All exhibits", "", -1)
        assert listed(second) == [e.source.shown_name for e in second.case.exhibits()]
        second.open_case(case.folder)  # and back: this case's again
        assert (bar.shown(), bar.typed()) == ("Transcribed, not verified", "a") and listed(second) == shown
        second.close()
    finally:
        case.close()


@pytest.fixture
def hanging_share(monkeypatch, tmp_path):
    """A recording on a "network share" (taken in while it answered) whose every look (`is_file`) then
    hangs until `answer` is set, noting the threads that looked."""
    import shutil

    from app.core.media.intake import find_media

    share = tmp_path / "share"
    share.mkdir()
    copy = share / "pl_voicenote.opus"
    shutil.copy(MEDIA / copy.name, copy)
    found = next(iter(find_media([str(copy)])))
    answer, lookers = threading.Event(), []
    real = Path.is_file

    def is_file(self: Path) -> bool:
        if share in self.parents:
            lookers.append(threading.current_thread() is threading.main_thread())
            answer.wait(20)  # the old window waited here on its GUI thread
        return real(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    yield found, answer, lookers
    answer.set()


def test_a_recording_on_a_share_that_hangs_never_hangs_the_window(qtbot, win, hanging_share):
    """Choosing an exhibit looked for its recording (is_file) on the GUI thread: on a network share that
    did not answer, the window hung with it. The transcript shows at once, the waveform says the
    recording is being looked for, and the recording plays when the share answers, from the moment a
    search hit asked for meanwhile."""
    found, answer, lookers = hanging_share
    exhibit, _ = win.case.add_exhibit(found.source, found_at=found.path)
    run = gui_case.add_run(win.case, exhibit.id, (Segment(0, 1500, "Dzień dobry."), Segment(2000, 3000, "Tak.")),
                           language="pl")
    win.refresh()
    win.open_at(exhibit.id, run, 2000)  # a search hit: its exhibit, at 00:02
    assert win.editor.exhibit.id == exhibit.id and win.editor.model.rowCount() == 2  # the transcript at once
    assert win.editor.waveform.message == "Looking for the recording…"
    qtbot.wait(100)  # the window goes on answering while the share does not
    assert lookers and not any(lookers), "the recording was looked for on the GUI thread"
    assert win.player.source_path() is None
    answer.set()
    qtbot.waitUntil(lambda: win.player.source_path() == found.path, timeout=30_000)  # as named, links kept
    qtbot.waitUntil(lambda: not win.player.is_loading(), timeout=30_000)
    qtbot.waitUntil(lambda: abs(win.player.position() - 2000) < 300, timeout=5_000)  # the hit's moment kept
    qtbot.waitUntil(lambda: win.editor.waveform.message == "", timeout=30_000)  # the waveform drawn


def test_an_answer_for_an_exhibit_left_meanwhile_is_not_played(qtbot, win, hanging_share):
    """Another exhibit chosen while the share had not answered: the late answer loads nothing over it."""
    found, answer, _lookers = hanging_share
    copy = Path(found.path)
    win.case.add_exhibit(found.source, found_at=found.path)
    win.refresh()
    gui_case.open_exhibit(qtbot, win, copy.name)
    gui_case.open_exhibit(qtbot, win, "interview_stereo.wav")
    interview = where_met(str(MEDIA / "interview_stereo.wav"))  # an exhibit's source path: as named, links kept
    qtbot.waitUntil(lambda: win.player.source_path() == interview, timeout=30_000)
    answer.set()
    qtbot.wait(200)
    assert win.player.source_path() == interview and win.editor.exhibit.source.name == "interview_stereo.wav"


# ------------------------------------------------------------------ the queue's batch of notes

def _stamp(seconds_ago: float) -> str:
    at = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job(job_id: int, state: str, started: float, finished: float | None = None) -> Job:
    return Job(job_id, job_id, "transcribe", {"model": "base"}, state, 0, 1, 3, None, None, 0.0, None,
               _stamp(900), _stamp(started), _stamp(finished) if finished is not None else None, None, None)


NOTE_MS = 20_000  # 50 voice notes of 20 s: 1,000 s of audio decoded as one batch


def test_a_batch_of_50_notes_is_estimated_as_one_and_says_how_long_it_has_run_past_it(qtbot):
    """A batch of 50 short notes read "running ≈95%" each from its first seconds to its end: each was given
    the time of its own 20 s of audio (5 s), not the batch's 1,000 s, and the speed measured from a
    finished batch counted its shared time 50 times over. Past its expected time, it said "≈95%" and
    "finishing…" however long it ran on: now how long it has run, and that it runs longer than estimated."""
    from app.gui.queue_view import PROGRESS_COL, QueueView

    view = QueueView()
    qtbot.addWidget(view)
    view.resize(480, 400)
    view.show()
    names = {n: f"PTT-{n:04d}.opus" for n in range(1, 101)}
    durations = dict.fromkeys(names, NOTE_MS)
    batch = [job(n, "running", started=30 + n * 0.02) for n in range(1, 51)]  # claimed one after the other
    view.set_jobs(batch, names, {"running": 50}, "", durations)
    model = view.model
    texts = {model.index(r, PROGRESS_COL).data() for r in range(50)}
    assert texts == {"≈12%"}, texts  # 30 s of the 250 s its 1,000 s take at the fallback 4x: not ≈95%
    assert model.index(0, PROGRESS_COL + 1).data() in ("≈3:40", "≈3:39")
    assert "together with 49 other short file(s)" in model.index(0, PROGRESS_COL).data(Qt.ItemDataRole.ToolTipRole)
    assert view.eta_label.text() in ("· all done in about 3:40", "· all done in about 3:39")

    # the first batch done in 100 s (its files stored one by one at its end), a second running 30 s
    done = [job(n, "done", started=130, finished=30 + (50 - n) * 0.2) for n in range(1, 51)]
    second = [job(n, "running", started=30) for n in range(51, 101)]
    view.set_jobs(done + second, names, {"done": 50, "running": 50}, "", durations)
    assert model.speed == pytest.approx(1000 / 100, rel=0.02)  # 10x, not 1,000 s / 5,000 s = 0.2x
    assert model.index(50, PROGRESS_COL).data() == "≈30%"  # 30 s of the 100 s the batch took

    late = [job(n, "running", started=400) for n in range(51, 101)]  # past its 250 s at the fallback speed
    view.set_jobs(late, names, {"running": 50}, "", durations)
    assert {model.index(r, PROGRESS_COL).data() for r in range(50)} == {"for 6:40"}
    assert model.index(0, PROGRESS_COL + 1).data() == ""  # no time left to give
    tip = model.index(0, PROGRESS_COL).data(Qt.ItemDataRole.ToolTipRole)
    assert "running 6:40 so far, longer than the about 4:10 expected" in tip
    assert view.eta_label.text() == "· running longer than estimated"


# ------------------------------------------------------------------ choosing an exhibit in a loaded case

def loaded_case(folder: Path, exhibits: int):  # type: ignore[no-untyped-def]
    """A case of `exhibits` voice notes (the shared media's), each transcribed: 20 lines by 3 speakers."""
    from app.core.store import Case
    from app.core.types import SourceInfo

    case = Case.open(folder / "case")
    with case.transaction():
        for n in range(exhibits):
            source = SourceInfo(str(MEDIA / "en_voicenote.m4a"), f"{n:064x}", 1000 + n, 30_000 + n)
            exhibit, _ = case.add_exhibit(source)
            gui_case.add_run(case, exhibit.id, tuple(
                gui_case.segment(i * 1500, f"Line {i} of note {n}.", ("Speaker 1", "Speaker 2", f"Name {n}")[i % 3])
                for i in range(20)))
    return case


def steps_to_choose(qtbot, window, exhibit_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """The SQLite steps (thousands) the window took to show each of these exhibits in turn."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    window.case.conn.set_progress_handler(count, 1000)
    try:
        for exhibit_id in exhibit_ids:
            window.exhibits.select(exhibit_id)
            qtbot.waitUntil(lambda i=exhibit_id: window.editor.exhibit.id == i, timeout=5_000)
    finally:
        window.case.conn.set_progress_handler(None, 1000)
    return steps[0]


def test_choosing_an_exhibit_reads_no_more_of_a_case_ten_times_bigger(qtbot, models_dir, tmp_path):
    """Each exhibit chosen read every segment of the case twice (the speakers of the case's other
    transcripts, for the speaker list): on a loaded case the window stalled the longer the more the
    case held. Read once per change of the case, choosing an exhibit reads its own rows only."""
    from app.gui.main_window import MainWindow

    cost = {}
    for size in (20, 200):
        folder = tmp_path / str(size)
        case = loaded_case(folder, size)
        window = MainWindow(case, gui_case.settings(folder, models_dir), start_worker=False)
        qtbot.addWidget(window)
        window.show()
        ids = [e.id for e in case.exhibits()]
        try:
            steps_to_choose(qtbot, window, ids[:1])  # the first: the case's speakers read
            cost[size] = steps_to_choose(qtbot, window, ids[2:12])
            assert sorted(window.editor.speakers()[:3]) == ["Name 11", "Speaker 1", "Speaker 2"]  # its own first
            assert "Name 0" in window.editor.speakers()  # then the case's others
        finally:
            window.close()
            case.close()
    assert cost[200] <= cost[20] * 1.5 + 5, cost
