"""The queue panel: an estimate for short files decoded in a batch, the overall ETA, readable names."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

pytest.importorskip("PySide6.QtWidgets")

from PySide6.QtCore import Qt

from app.core.store.jobs import Job
from app.gui.queue_eta import estimated_fraction, measured_speed, overall_eta

pytestmark = [pytest.mark.gui]


def _stamp(seconds_ago: float) -> str:
    at = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job(job_id: int, exhibit: int, state: str, started: float | None = None, finished: float | None = None,
        progress: float = 0.0, eta: float | None = None) -> Job:
    return Job(job_id, exhibit, "transcribe", {"model": "base"}, state, 0, 1, 3, None, None, progress, eta,
               _stamp(100), _stamp(started) if started is not None else None,
               _stamp(finished) if finished is not None else None, None, None)


DURATIONS = {1: 60_000, 2: 30_000, 3: 30_000, 4: 120_000}


def test_speed_estimate_and_overall_eta():
    jobs = [job(1, 1, "done", started=40, finished=20),  # 60 s of audio in 20 s: 3x
            job(2, 2, "running", started=5), job(3, 3, "running", started=5), job(4, 4, "queued")]
    speed = measured_speed(jobs, DURATIONS)
    assert speed == pytest.approx(3.0, rel=0.01)
    # a file decoded alone ran 5 s of the 10 s its 30 s of audio take at 3x
    assert estimated_fraction(jobs[1], DURATIONS[2], speed) == pytest.approx(0.5, abs=0.02)
    # the 2 running files are one batch: 5 s of the 20 s their 60 s take, 15 s left; the queued 120 s file: 40 s
    assert overall_eta(jobs, DURATIONS, {}, speed) == pytest.approx(55.0, abs=1.0)
    assert overall_eta(jobs[:1], DURATIONS, {}, speed) is None


def test_panel_shows_batch_estimates_and_the_overall_eta(qtbot):
    from app.gui.queue_view import PROGRESS_COL, QueueView

    view = QueueView()
    qtbot.addWidget(view)
    view.resize(360, 300)
    view.show()
    names = {1: "interview-2024-03-01-suspect-A-full-recording.wav", 2: "a.opus", 3: "b.opus", 4: "long.wav"}
    jobs = [job(1, 1, "done", started=40, finished=20), job(2, 2, "running", started=5),
            job(3, 3, "running", started=5), job(4, 4, "queued")]
    view.set_jobs(jobs, names, {"done": 1, "running": 2, "queued": 1}, "", DURATIONS)
    model = view.model
    assert model.index(1, PROGRESS_COL).data().startswith("≈")
    assert 0.2 < model.index(1, PROGRESS_COL).data(Qt.ItemDataRole.UserRole) < 0.3  # 5 s of its batch's 20 s
    assert model.index(0, PROGRESS_COL).data() == "100%"
    assert view.eta_label.text() in ("· all done in about 0:55", "· all done in about 0:54")
    # a progress event makes the bar real (no more estimate)
    model.set_live(2, 0.7, 3.0)
    assert model.index(1, PROGRESS_COL).data() == "70%"
    # a batch past its expected time: the estimate has run out, not "all done in about 0:00"
    late = [job(5, 2, "running", started=600), job(6, 3, "running", started=600)]
    view.set_jobs(late, names, {"running": 2}, "", DURATIONS)
    assert model.index(0, PROGRESS_COL).data() == "for 10:00"
    assert view.eta_label.text() == "· running longer than estimated"
    view.set_jobs(jobs, names, {"done": 1, "running": 2, "queued": 1}, "", DURATIONS)
    # the exhibit column keeps room for a name and elides in the middle; the columns fit the pane
    view.resize(480, 300)
    qtbot.waitUntil(lambda: view.table.horizontalHeader().length() <= view.table.viewport().width(), timeout=2_000)
    assert view.table.columnWidth(1) >= 100
    assert view.table.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole) == names[1]


def test_a_job_finding_speakers_says_so_for_its_eta(qtbot):
    # an hour's row showed its last decoding ETA ("0:42") for minutes while the speakers were found
    from app.gui.bridge import WorkerBridge
    from app.gui.queue_view import PROGRESS_COL, QueueView
    from app.worker.protocol import Progress

    view = QueueView()
    qtbot.addWidget(view)
    names = {1: "interview.wav"}
    view.set_jobs([job(7, 1, "running", started=60, progress=0.97, eta=42.0)], names, {"running": 1}, "",
                  {1: 3_600_000})
    model = view.model
    assert model.index(0, PROGRESS_COL + 1).data() == "0:42"
    bridge = WorkerBridge()
    bridge.stage.connect(model.set_stage)
    bridge.dispatch(Progress(7, 0.97, None, 120, "finding speakers"))
    assert model.index(0, PROGRESS_COL + 1).data() == "finding speakers…"
    view.set_jobs([job(7, 1, "done", started=60, finished=1, progress=1.0)], names, {"done": 1}, "", {1: 3_600_000})
    assert model.index(0, PROGRESS_COL + 1).data() == ""
