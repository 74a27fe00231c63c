"""The window as session 30's investigator, proofreader and typist met it (offscreen, 1280x800).

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from tests import gui_case
from tests.gui_case import focus_table

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
win = gui_case.win  # the shared fixture (a window per module)
CTRL = Qt.KeyboardModifier.ControlModifier


def test_esc_in_the_find_box_closes_it_and_gives_the_keyboard_back_to_the_line_found(qtbot, qapp, win, monkeypatch):
    """Esc typed in the find box played the recording (the typist key) and left the box open with the
    keyboard in it: a proofreader closing the box heard the recording start instead. It now closes the
    box, as Ctrl+F there does, playback left as it was; Esc in the transcript still plays. (Playback starts
    a moment after it is asked for: what is asked of the player is recorded, not only whether it plays.)"""
    asked: list[str] = []
    invoke = win.player._invoke
    monkeypatch.setattr(win.player, "_invoke", lambda name, *args: (asked.append(name), invoke(name, *args))[1])
    table = focus_table(qtbot, qapp, win)
    qtbot.keyClick(table, Qt.Key.Key_F, CTRL)
    bar = win.editor.find_bar
    qtbot.waitUntil(bar.find_edit.hasFocus, timeout=3_000)
    qtbot.keyClicks(bar.find_edit, "sister")
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Return)
    assert win.editor.model.segment(win.editor.current_row()).text == "At home with my sister."
    qtbot.keyClick(bar.find_edit, Qt.Key.Key_Escape)
    assert "play" not in asked and not win.player.is_playing() and not bar.isVisible()
    qtbot.waitUntil(table.hasFocus, timeout=3_000)
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    assert "play" in asked
    qtbot.waitUntil(win.player.is_playing, timeout=3_000)
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.player.is_playing(), timeout=3_000)



@pytest.fixture(scope="module")
def unindexed_video(win, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A phone video killed before its index (moov) was written, taken in and transcribed as the
    pipeline leaves it: its run warns with the note its sound was read under (the AAC frames found)."""
    from app.core.evidence.provenance import software_info
    from app.core.media import moovless_aac
    from app.core.media.intake import find_media
    from app.core.types import Segment
    from tests.conftest import MEDIA
    from tests.test_hostile_media23 import without_moov

    video = tmp_path_factory.mktemp("phone") / "VID_20261201_101500.mp4"
    video.write_bytes(without_moov((MEDIA / "interview.mp4").read_bytes()))
    found = next(iter(find_media([str(video)])))
    assert found.source is not None and not found.source.has_video, found.error
    exhibit, _ = win.case.add_exhibit(found.source, found_at=found.path)
    with video.open("rb") as handle:
        note = moovless_aac.found(handle).note
    run = win.case.start_run(exhibit.id, "transcribe", gui_case.MODEL, {"model": "tiny.en"}, software_info())
    win.case.append_segments(run, (Segment(0, 8000, "This interview is being recorded."),), {}, "en", 0.97)
    win.case.finish_run(run, warnings=(note,))
    win.refresh()
    return video


def test_a_phone_video_without_its_index_is_listed_as_a_video(qtbot, win, unindexed_video):
    """Its sound is read from its media data and its pictures passed over, so no picture track is found:
    the Exhibits list called it "audio" and the "Video" group left it out."""
    model = win.exhibits.model
    types = {model.rows[i].exhibit.source.name: model.index(i, 1).data() for i in range(model.rowCount())}
    assert (types[unindexed_video.name], types["silence_30s.wav"]) == ("video", "audio")
    model.set_filter("Video", "")
    try:
        assert [r.exhibit.source.name for r in model.rows] == [unindexed_video.name]
    finally:
        model.set_filter("All exhibits", "")


def test_a_recording_the_player_cannot_open_is_named_and_forgotten_once_another_plays(qtbot, win, unindexed_video):
    """The player cannot open a phone video without its index (transcribed from its sound's frames): the
    banner said "playback: Could not open file", naming no file, and kept saying it over every recording
    opened after, all of which played."""
    gui_case.open_exhibit(qtbot, win, unindexed_video.name)
    qtbot.waitUntil(lambda: any(p.startswith("playback") for p in win.problems), timeout=5_000)
    said = [p for p in win.problems if p.startswith("playback")]
    assert said == [(f"playback: {unindexed_video.name} cannot be played in the window (Could not open file); "
                     "its transcript can still be read and corrected")], said
    gui_case.open_exhibit(qtbot, win, "interview_stereo.wav")
    qtbot.waitUntil(lambda: not win.player.is_loading(), timeout=5_000)
    assert not [p for p in win.problems if p.startswith("playback")]


@pytest.mark.parametrize("point", [9.0, 11.0])
@pytest.mark.parametrize(("started", "run_for"), [(400, "6:40"), (754, "12:34"), (3723, "1:02:03")])
def test_a_batch_run_past_its_estimate_says_so_on_one_line_of_its_bar(qtbot, win, started, run_for, point):
    """In the window at 1280x800 the queue's bar was about 50 px wide: "0:59 so far" was wrapped over two
    lines there and cut off above and below; then a fixed 60 px kept "1:02:03" whole in the 9 pt test font
    only: at 11 pt it was drawn "1:02…" (read as 1 min 2 s), and a bare "6:40" beside an empty ETA read as
    time left. It now reads "for 6:40" (how long it has run), whole at any font: the column is sized to
    "for 9:59:59" in the table's font. The tooltip has the words."""
    from PySide6.QtWidgets import QProxyStyle, QStyle

    from app.gui.queue_view import PROGRESS_COL, QueueView
    from tests.test_gui_window25 import NOTE_MS, job

    class Recording(QProxyStyle):
        def __init__(self) -> None:
            super().__init__()
            self.drawn: list[tuple[str, int]] = []

        def drawControl(self, element, option, painter, widget=None):  # type: ignore[no-untyped-def]
            if element == QStyle.ControlElement.CE_ProgressBar:
                self.drawn.append((option.text, option.rect.width()))
            super().drawControl(element, option, painter, widget)

    view = win.findChild(QueueView)
    names = {n: f"PTT-{n:04d}.opus" for n in range(1, 7)}
    view.set_jobs([job(n, "running", started=started) for n in names], names, {"running": 6}, "",
                  dict.fromkeys(names, NOTE_MS))
    assert view.model.index(0, PROGRESS_COL).data() == f"for {run_for}"
    assert run_for in view.model.index(0, PROGRESS_COL).data(Qt.ItemDataRole.ToolTipRole)
    font = view.table.font()
    font.setPointSizeF(point)
    style = Recording()
    view.table.setFont(font)
    view.table.setStyle(style)
    try:
        view.columns.fit()
        view.table.viewport().grab()
    finally:
        view.table.setStyle(None)
        view.table.setFont(QFont())
        win.refresh_queue()
    metrics = QFontMetrics(font)
    assert style.drawn and all(metrics.horizontalAdvance(text) <= width for text, width in style.drawn), style.drawn
    assert {text for text, _ in style.drawn} == {f"for {run_for}"}, style.drawn


def test_a_time_the_bar_has_no_room_for_is_not_drawn_in_part(qtbot):
    """"1:02:03" was drawn "1:02…" where the bar was narrow: a run of an hour read as one of a minute. A
    text that does not fit whole is not drawn (the tooltip has it); one that fits is drawn as it is."""
    from PySide6.QtWidgets import QApplication

    from app.gui.queue_view import bar_text

    metrics = QFontMetrics(QApplication.font())
    room = metrics.horizontalAdvance("for 1:02:03") + 8
    assert bar_text("for 1:02:03", metrics, room) == "for 1:02:03"
    assert bar_text("for 1:02:03", metrics, room - 1) == ""
    assert bar_text("for 10:00:00", metrics, room) == ""


def test_an_eta_a_job_gave_counts_down_and_once_spent_the_queue_says_it_runs_longer(qtbot):
    """Seen with the worker on 8 voice notes and an interview (base, 106 s of audio, 118 s to do): two of
    the batch's notes reported "95%", 2 s left, then nothing until the batch was stored 70 s later; the
    batch was past its estimate, yet the queue read "all done in about 0:06" all that while and their
    rows "0:02". An ETA given counts down from when it came; spent, it gives no time left."""
    from app.gui.queue_view import PROGRESS_COL, QueueView
    from tests.test_gui_window25 import NOTE_MS, job

    view = QueueView()
    qtbot.addWidget(view)
    view.resize(480, 300)
    names = {n: f"PTT-{n:04d}.opus" for n in range(1, 5)}
    jobs = [job(n, "running", started=600) for n in names]  # one batch, well past its 20 s at 4x
    now = [1000.0]
    view.model.clock = lambda: now[0]
    view.model.set_live(4, 0.95, 2.0)
    view.set_jobs(jobs, names, {"running": 4}, "", dict.fromkeys(names, NOTE_MS))
    assert view.eta_label.text() == "· all done in about 0:03"  # just said: its 2 s and the batch's last 5%
    assert view.model.index(3, PROGRESS_COL + 1).data() == "0:02"
    now[0] += 30  # nothing more from it: the batch it is in is stored at its end
    view.set_jobs(jobs, names, {"running": 4}, "", dict.fromkeys(names, NOTE_MS))
    assert view.eta_label.text() == "· running longer than estimated"
    assert view.model.index(3, PROGRESS_COL + 1).data() == ""
    assert view.model.index(3, PROGRESS_COL).data() == "95%"


def test_a_case_opened_with_the_entities_tab_shown_finds_its_entities(qtbot, qapp, models_dir, tmp_path):
    """The Entities tab finds a case's entities when it is shown; a case opened while it was the tab shown
    was never looked through: it said "no entities" for a case whose interview names a date and two times
    (`entities` at the terminal lists them), until another tab was chosen and this one again."""
    from app.core.store import Case
    from app.gui.main_window import MainWindow

    other = Case.open(tmp_path / "other")
    exhibit = gui_case.add(other, "interview_mono.wav")
    gui_case.add_run(other, exhibit.id, (gui_case.segment(1000, "Where were you on the 14th of March?", "DC Smith"),))
    other.close()
    first = gui_case.build_case(tmp_path)
    window = MainWindow(first, gui_case.settings(tmp_path, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    try:
        window.tabs.setCurrentWidget(window.entities_view)
        qtbot.waitUntil(lambda: window.entities_view.status.text() != "finding entities\u2026", timeout=10_000)
        window.open_case(tmp_path / "other")
        qtbot.waitUntil(lambda: bool(window.entities_view.all), timeout=10_000)
        assert [(e.kind, e.value) for e in window.entities_view.all] == [("date", "--03-14")]
    finally:
        window.close()
        window.case.close()


def test_each_cell_of_the_queue_reads_its_own_jobs_progress_and_finished_jobs_are_let_go(qtbot):
    """Each cell counted down the ETA of every job that had reported progress in the window's life (never
    let go): a 500-note case with 50 running took 0.4 s to repaint, 2,000 with 20 running 1.8 s, more than
    the 1 s between the queue's refreshes. A cell now reads its own job; a job no longer running is let go."""
    from app.gui.queue_view import PROGRESS_COL, QueueView
    from tests.test_gui_window25 import NOTE_MS, job

    class Counted(dict):  # the reported times, counting each one read
        reads = 0

        def get(self, key, default=None):  # type: ignore[no-untyped-def]
            Counted.reads += 1
            return super().get(key, default)

        def __getitem__(self, key):  # type: ignore[no-untyped-def]
            Counted.reads += 1
            return super().__getitem__(key)

    view = QueueView()
    qtbot.addWidget(view)
    names = {n: f"PTT-{n:04d}.opus" for n in range(1, 501)}
    for n in names:
        view.model.set_live(n, 0.5, 10.0)
    jobs = [job(n, "running", started=30) for n in names]
    view.set_jobs(jobs, names, {"running": 500}, "", dict.fromkeys(names, NOTE_MS))
    view.model.reported = Counted(view.model.reported)
    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
        assert view.model.index(7, PROGRESS_COL).data(role) in ("50%", 0.5)
    assert Counted.reads <= 8, Counted.reads  # was 500 for each time the cell's job's progress was asked
    view.set_jobs(jobs[:1] + [job(n, "done", started=30, finished=1) for n in names if n > 1], names,
                  {"done": 499, "running": 1}, "", dict.fromkeys(names, NOTE_MS))
    assert list(view.model.live) == [1]


def test_progress_another_case_or_an_earlier_attempt_reported_is_not_a_fresh_jobs(qtbot):
    """The queue kept each job's last progress by its id, and every case's job ids start at 1: case A's job
    1 had said "95%, 0:02" and finished; in case B, opened 40 s later in the same window, job 1 (a 10-minute
    interview) just started read "95%" and "running longer than estimated". A job retried kept its earlier
    attempt's progress the same way. Each now starts from its own clock estimate."""
    from app.gui.queue_view import PROGRESS_COL, QueueView
    from tests.test_gui_window25 import NOTE_MS, job

    view = QueueView()
    qtbot.addWidget(view)
    now = [1000.0]
    view.model.clock = lambda: now[0]
    names = {1: "A-note.opus", 2: "A-other.opus"}
    view.model.set_live(1, 0.95, 2.0)
    view.set_jobs([job(1, "done", started=60, finished=30), job(2, "done", started=60, finished=30)], names,
                  {"done": 2}, "", dict.fromkeys(names, NOTE_MS))
    now[0] += 40
    view.set_jobs([job(1, "running", started=3)], {1: "B-interview.wav"}, {"running": 1}, "", {1: 600_000})
    assert view.model.index(0, PROGRESS_COL).data().startswith("≈")
    assert view.eta_label.text().startswith("· all done in about")
    view.model.set_live(1, 0.95, 2.0)  # its first attempt, then (failed, retried) its second, just started
    now[0] += 40
    view.set_jobs([job(1, "running", started=1)], {1: "B-interview.wav"}, {"running": 1}, "", {1: 600_000})
    assert view.model.index(0, PROGRESS_COL).data().startswith("≈")
    assert view.eta_label.text().startswith("· all done in about")


def test_a_case_opened_with_the_search_tab_shown_is_searched_once(qtbot, qapp, models_dir, tmp_path, monkeypatch):
    """Opening a case with the Search tab shown ran its query twice on the window's thread (the tab's
    set_case, and the tab shown read again); and the queue kept the last case's jobs' progress, and its
    "running longer than estimated" for the new case's jobs 1 and 2 (its job ids start at 1 again)."""
    from app.core.store import Case
    from app.core.store.jobs import JobQueue
    from app.gui.main_window import MainWindow
    from tests.test_gui_window25 import NOTE_MS, job

    other = Case.open(tmp_path / "other")
    exhibit = gui_case.add(other, "interview_mono.wav")
    gui_case.add_run(other, exhibit.id, (gui_case.segment(1000, "At home with my sister.", "DC Smith"),))
    queued = JobQueue(other.conn)
    for name in ("interview_stereo.wav", "silence_30s.wav"):
        queued.add(gui_case.add(other, name).id, "transcribe", {"model": "base"})
    other.close()
    window = MainWindow(gui_case.build_case(tmp_path), gui_case.settings(tmp_path, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    try:
        window.tabs.setCurrentWidget(window.search_view)
        window.search_view.set_query("sister")
        runs: list[int] = []
        run_query = window.search_view.run_query
        monkeypatch.setattr(window.search_view, "run_query", lambda: (runs.append(1), run_query())[1])
        names = {1: "A-1.opus", 2: "A-2.opus"}  # the last case's batch, long past its estimate
        window.queue_view.set_jobs([job(1, "running", started=600), job(2, "running", started=600)], names,
                                   {"running": 2}, "", dict.fromkeys(names, NOTE_MS))
        window.queue_view.model.set_live(1, 0.95, 2.0)
        assert window.queue_view.eta_label.text() == "· running longer than estimated"
        window.open_case(tmp_path / "other")
        assert [(j.id, j.state) for j in window.queue.list()] == [(1, "queued"), (2, "queued")]
        assert len(runs) == 1 and window.queue_view.model.live == {}
        assert window.queue_view.eta_label.text().startswith("· all done in about")
    finally:
        window.close()
        window.case.close()


def test_once_the_queue_runs_longer_than_estimated_a_notes_few_seconds_do_not_bring_a_time_back(qtbot):
    """A batch's notes each reported "95%" with 0:02 to 0:05 left and spent it within seconds: the queue
    went from "all done in about 0:06" to "running longer than estimated" and back every 2 s (seen with the
    worker on 8 notes and an interview). Once said, it holds until a job gives a time worth giving (more
    than 10 s) or the jobs still to do change."""
    from app.gui.queue_view import QueueView
    from tests.test_gui_window25 import NOTE_MS, job

    view = QueueView()
    qtbot.addWidget(view)
    names = {n: f"PTT-{n:04d}.opus" for n in range(1, 5)}
    jobs = [job(n, "running", started=600) for n in names]  # one batch, well past its 20 s at 4x
    now = [1000.0]
    view.model.clock = lambda: now[0]

    def label_after(job_id: int, eta_s: float) -> str:
        view.model.set_live(job_id, 0.95, eta_s)
        view.set_jobs(jobs, names, {"running": 4}, "", dict.fromkeys(names, NOTE_MS))
        now[0] += 10
        return view.eta_label.text()

    assert label_after(4, 2.0) == "· all done in about 0:03"
    view.set_jobs(jobs, names, {"running": 4}, "", dict.fromkeys(names, NOTE_MS))
    assert view.eta_label.text() == "· running longer than estimated"
    assert label_after(3, 5.0) == "· running longer than estimated"  # said "all done in about 0:06"
    assert label_after(2, 40.0) == "· all done in about 0:41"
    view.set_jobs(jobs, names, {"running": 4}, "", dict.fromkeys(names, NOTE_MS))
    assert view.eta_label.text() == "· all done in about 0:31"


def test_a_batch_retried_or_resumed_after_running_longer_than_estimated_gets_a_time_again(qtbot):
    """A batch past its estimate said "running longer than estimated"; failed and retried, or re-claimed
    after the worker was restarted, its jobs kept their ids and stayed to do, so the queue kept saying it
    for the whole new attempt while each row gave the new attempt's time ("≈20%", "≈0:08")."""
    from app.gui.queue_view import PROGRESS_COL, QueueView
    from tests.test_gui_window25 import NOTE_MS, job

    view = QueueView()
    qtbot.addWidget(view)
    names = {1: "PTT-0001.opus", 2: "PTT-0002.opus"}
    durations = dict.fromkeys(names, NOTE_MS)
    view.set_jobs([job(1, "running", started=600), job(2, "running", started=600)], names, {"running": 2}, "",
                  durations)
    assert view.eta_label.text() == "· running longer than estimated"
    view.set_jobs([job(1, "queued", started=600), job(2, "queued", started=600)], names, {"queued": 2}, "",
                  durations)  # the window's poll sees them queued between attempts (fail(retry), recover_stale)
    view.set_jobs([job(1, "running", started=2), job(2, "running", started=2)], names, {"running": 2}, "",
                  durations)  # re-claimed 2 s ago: a new start, nothing reported yet
    assert view.model.index(0, PROGRESS_COL + 1).data().startswith("≈")
    assert view.eta_label.text().startswith("· all done in about"), view.eta_label.text()
