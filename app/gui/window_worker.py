"""The window's side of the transcription worker: its events (app/gui/bridge.py) to the queue panel,
the editor and the status line; each stop of the worker said, with how many there were."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer

WORKER_STOPPED = "The transcription worker stopped"


def wire_bridge(w: Any) -> None:
    b = w.bridge
    b.progress.connect(lambda job_id, fraction, eta, _segments: w.queue_view.model.set_live(job_id, fraction, eta))
    b.stage.connect(lambda job_id, stage: w.queue_view.model.set_stage(job_id, stage))
    b.segmentsReady.connect(lambda job_id, run_id, count: on_segments(w, run_id))
    b.jobDone.connect(lambda job_id, run_id: on_job_done(w, job_id, run_id))
    b.jobFailed.connect(lambda j, reason, retry: w.statusBar().showMessage(
        f"Job {j} failed: {reason}" + (" (will retry)" if retry else ""), 10000))
    b.workerReady.connect(lambda device, model: set_worker_text(
        w, f"worker ready on {device}" + (f", {model}" if model else "")))
    b.modelLoaded.connect(lambda m, d, s: set_worker_text(w, f"model {m} on {d} ({s:.1f}s to load)"))
    b.workerCrashed.connect(lambda reason: on_worker_stopped(w, reason))
    b.unavailable.connect(w.add_problem)
    b.anyEvent.connect(lambda: soon(w, "refresh_queue"))


def soon(w: Any, name: str) -> None:
    """w.<name>() once, at the event loop's next turn, however many of the worker's events in one poll ask for
    it: a batch of 50 notes finishing read the case's tables 50 times over (and its queue 100 times) in one go,
    0.9 s in which the window did not answer."""
    pending: set[str] = w.__dict__.setdefault("_refresh_soon", set())
    if name in pending:
        return
    pending.add(name)

    def run() -> None:
        pending.discard(name)
        if not getattr(w, "closed_down", False):  # asked as the window closed: its case may be closed by now
            getattr(w, name)()

    QTimer.singleShot(0, w, run)


def on_worker_stopped(w: Any, reason: str) -> None:
    """Each stop said, with how many there were: the same words twice read as one stop."""
    w.worker_stops += 1
    times = f" ({w.worker_stops} times since the window opened; the latest)" if w.worker_stops > 1 else ""
    w.banner.replace(WORKER_STOPPED, f"{WORKER_STOPPED}{times}: {reason}")


def set_worker_text(w: Any, text: str) -> None:
    w.worker_text = text
    w.refresh_queue()


def on_segments(w: Any, run_id: int) -> None:
    """Segments streamed into a run: the transcript picker filled when the exhibit on screen had none."""
    exhibit = w.editor.exhibit
    if exhibit is None:
        return
    if w.session.run_id is None and w.case.run(run_id).exhibit_id == exhibit.id:
        w._fill_runs(exhibit.id, prefer=run_id)
    else:
        w.editor.reload_if_showing(run_id)


def on_job_done(w: Any, job_id: int, run_id: object) -> None:
    """A new transcript of the exhibit on screen is shown; a translation goes to the Translation tab,
    the editor left on the transcript being proofread (it went to the speech translation)."""
    w.statusBar().showMessage(f"Job {job_id} done.", 5000)
    soon(w, "refresh")
    exhibit = w.editor.exhibit
    run = w.case.run(run_id) if exhibit is not None and isinstance(run_id, int) else None
    if exhibit is not None and run is not None and run.exhibit_id == exhibit.id:
        keep = w.session.run_id if run.task != "transcribe" else None
        w._fill_runs(exhibit.id, prefer=keep or run.id)
        w.translation.show_exhibit(exhibit.id)
