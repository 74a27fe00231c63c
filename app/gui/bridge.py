"""Worker events to Qt signals.

The supervisor (app.worker.supervisor, no Qt) owns the worker process; this
object polls it on a 100 ms QTimer in the GUI thread and re-emits each typed
event as a Qt signal. poll() never blocks, so the GUI thread never waits on
inference.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import psutil
from PySide6.QtCore import QObject, QTimer, Signal

POLL_MS = 100


class WorkerBridge(QObject):
    jobStarted = Signal(int, int, str, str)  # job_id, exhibit_id, task, name
    progress = Signal(int, float, object, int)  # job_id, fraction, eta_s (float|None), segments
    stage = Signal(int, str)  # job_id, what it does after decoding ("finding speakers"), "" while decoding
    segmentsReady = Signal(int, int, int)  # job_id, run_id, count
    jobDone = Signal(int, object)  # job_id, run_id (int|None)
    jobFailed = Signal(int, str, bool)  # job_id, reason, will_retry
    jobCancelled = Signal(int)
    workerReady = Signal(str, str)  # device, model
    workerCrashed = Signal(str)
    queueIdle = Signal()
    jobPaused = Signal(int)
    modelLoaded = Signal(str, str, float)  # model, device, seconds
    unavailable = Signal(str)  # the worker cannot be started at all (reason)
    anyEvent = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.supervisor: Any = None
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def start(self, case_dir: Path, models_dir: Path | None = None,
              worker_options: dict[str, Any] | None = None) -> bool:
        self.stop()
        try:  # heavy (faster-whisper, CTranslate2, onnxruntime: about a second), so imported when the
            # worker starts; environment.preload_modules imports it before the event loop runs
            from app.worker.supervisor import Supervisor
        except ImportError as exc:
            self.unavailable.emit(f"the worker is not available in this build ({exc})")
            return False
        try:
            self.supervisor = Supervisor(case_dir, models_dir=models_dir, worker_options=worker_options)
            self.supervisor.start()
        except Exception as exc:  # noqa: BLE001 - any start-up failure is shown, never raised
            self.supervisor = None
            self.unavailable.emit(f"the worker could not start: {exc}")
            return False
        self.timer.start()
        self.lower_worker_priority()
        return True

    def lower_worker_priority(self) -> None:
        """Run the worker below normal priority, so inference never starves the window.

        On a 2-core machine a decode can keep every core busy; the GUI thread then
        competes for CPU with it. A lower priority costs the worker almost nothing
        (the GUI is idle most of the time) and keeps the window's stalls short.
        """
        pid = self.supervisor.pid
        if not pid:
            return
        level = psutil.BELOW_NORMAL_PRIORITY_CLASS if sys.platform == "win32" else 10
        try:
            psutil.Process(pid).nice(level)
        except (psutil.Error, OSError):
            pass  # best effort: a worker at normal priority still works

    def stop(self, timeout: float = 5.0) -> None:
        self.timer.stop()
        if self.supervisor is not None:
            try:
                self.supervisor.stop(timeout=timeout)
            except Exception:  # noqa: BLE001, S110 - closing the window must not fail
                pass
            self.supervisor = None

    def is_running(self) -> bool:
        return self.supervisor is not None and bool(self.supervisor.is_alive())

    def cancel(self, job_id: int) -> None:
        """Stop a running decode now (the supervisor kills or signals the worker)."""
        if self.supervisor is not None:
            self.supervisor.cancel(job_id)

    def poll(self) -> None:
        if self.supervisor is None:
            return
        try:
            events = self.supervisor.poll()
        except Exception as exc:  # noqa: BLE001
            self.workerCrashed.emit(f"lost contact with the worker: {exc}")
            return
        for event in events:
            self.dispatch(event)
        if events:
            self.anyEvent.emit()

    def dispatch(self, event: Any) -> None:
        kind = type(event).__name__
        if kind in ("WorkerReady", "WorkerCrashed"):
            self.lower_worker_priority()  # a restarted worker is a new process
        if kind == "JobStarted":
            self.jobStarted.emit(event.job_id, event.exhibit_id, event.task, event.name)
        elif kind == "Progress":
            self.progress.emit(event.job_id, float(event.fraction), event.eta_s, int(event.segments))
            self.stage.emit(event.job_id, str(getattr(event, "stage", "")))
        elif kind == "SegmentsReady":
            self.segmentsReady.emit(event.job_id, event.run_id, int(event.count))
        elif kind == "JobDone":
            self.jobDone.emit(event.job_id, event.run_id)
        elif kind == "JobFailed":
            self.jobFailed.emit(event.job_id, str(event.reason), bool(event.will_retry))
        elif kind == "JobCancelled":
            self.jobCancelled.emit(event.job_id)
        elif kind == "WorkerReady":
            self.workerReady.emit(str(event.device), str(event.model))
        elif kind == "WorkerCrashed":
            self.workerCrashed.emit(str(event.reason) + (
                "" if getattr(event, "case_lost", False) else
                "; restarted: its job resumes from what was stored" if event.restarting else
                "; not restarted after repeated crashes: queued work waits until a job is started or retried"))
        elif kind == "QueueIdle":
            self.queueIdle.emit()
        elif kind == "JobPaused":
            self.jobPaused.emit(event.job_id)
        elif kind == "ModelLoaded":
            self.modelLoaded.emit(str(event.model), str(event.device), float(event.seconds))
