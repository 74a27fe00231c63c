"""What the user asks of the queue from the window: transcribe (asking first when a transcript
exists), and cancel, pause, resume, retry or reprioritise a job; the worker started as needed."""

from __future__ import annotations

from typing import Any

from app.core.editing.proofread import proofread_run
from app.core.errors import ParleyError
from app.core.options import to_dict
from app.core.usecases.enqueueing import check_model, recordings_to_transcribe
from app.gui import prefs
from app.gui.widgets import confirm_transcribe_again


def request_transcribe(w: Any, selected: list[int]) -> list[int]:
    """The user's "Transcribe": recordings only (a chat export's voice notes not transcribed
    yet); asks first when some already have a transcript; says why a selection queues nothing."""
    plan = recordings_to_transcribe(w.case, selected)
    exhibit_ids = list(plan.exhibit_ids)
    done = [i for i in exhibit_ids if w.case.latest_run(i, "transcribe") is not None]
    corrected = tuple(f"{found.said()} on {w.case.exhibit(i).source.name}" for i in done
                      if (found := proofread_run(w.case, i)) is not None)
    if done and not confirm_transcribe_again(w, len(done), len(exhibit_ids), corrected):
        return []
    jobs = transcribe(w, exhibit_ids)
    if plan.notes and (jobs or not exhibit_ids):
        w.show_error("; ".join(plan.notes))
    return jobs


def transcribe(w: Any, exhibit_ids: list[int], language: str | None = None) -> list[int]:
    if not exhibit_ids:
        return []
    w.check_environment()
    if any("model" in p for p in w.problems):
        w.show_error("Transcription needs a model: " + " ".join(p for p in w.problems if "model" in p))
        return []
    options = prefs.transcribe_options(w.settings, language)
    try:
        check_model(options)  # an English-only model asked for German: one message, no failed jobs
    except ParleyError as exc:
        return w.show_error(str(exc)) or []
    jobs: list[int] = []
    try:
        for eid in exhibit_ids:
            jobs.append(w.queue.add(eid, "transcribe", to_dict(options)))
    except ParleyError as exc:  # a full disk: was raised in the slot, a box and a traceback
        w.show_error(f"Queued {len(jobs)} of {len(exhibit_ids)}: {exc}. Ask again once there is room: "
                     "what is queued is not queued twice.")
    if jobs and not w.bridge.is_running():
        w.start_worker()
    w.refresh()
    return jobs


def queue_action(w: Any, name: str, job_id: int | None) -> None:
    try:
        if name == "cancel":
            if w.bridge.supervisor is not None:
                w.bridge.supervisor.cancel(job_id)
            else:
                w.queue.cancel(job_id)
        elif name == "pause":
            w.queue.pause(job_id)
        elif name == "resume":
            w.queue.resume(job_id)
            if not w.bridge.is_running():
                w.start_worker()
        elif name == "retry" and job_id is not None:
            w.queue.retry(job_id)
            if not w.bridge.is_running():
                w.start_worker()
        elif name in ("priority+", "priority-") and job_id is not None:
            job = w.queue.get(job_id)
            w.queue.set_priority(job_id, job.priority + (1 if name == "priority+" else -1))
    except ParleyError as exc:
        w.show_error(str(exc))
    w.refresh()
