"""Queue work in a case: one exhibit per SHA-256, one job per exhibit and settings.

The CLI's `transcribe` and `queue add`, the timeline and the window queue through
here; each caller decides how to tell the user what happened (the records say it).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.media.intake import Found
from app.core.models import catalogue as models
from app.core.options import TranscribeOptions, TranslateOptions, to_dict
from app.core.store import Case
from app.core.store.jobs import JobQueue
from app.core.translation.runs import check_language


@dataclass(frozen=True)
class Queued:
    path: str  # as the user gave it (or as found in a folder)
    exhibit_id: int
    job_id: int
    new_job: bool
    same_as: str | None = None  # an earlier input of this call with the same content


def check_model(options: TranscribeOptions) -> None:
    """A missing model is one clear line before anything is queued (ModelError)."""
    models.resolve(options.model)


def enqueue(case: Case, queue: JobQueue, usable: list[Found], options: TranscribeOptions,
            priority: int = 0) -> list[Queued]:
    """Each usable file as an exhibit with a transcribe job; duplicates are linked, not queued twice."""
    settings = to_dict(options)
    queued: list[Queued] = []
    for found in usable:
        exhibit, _ = case.add_exhibit(found.source, found_at=found.path)
        job_id, new_job = queue.add_or_get(exhibit.id, "transcribe", settings, priority)
        earlier = next((q.path for q in queued if q.job_id == job_id), None)
        queued.append(Queued(found.path, exhibit.id, job_id, new_job, earlier))
    return queued


def translate_options(target: str, model: str | None, device: str = "auto",
                      threads: int = 0) -> TranslateOptions:
    """Options of a translate job, checked before anything is queued (language, model)."""
    check_language(target)
    folder = models.translation_model(model)
    return TranslateOptions(model=model or folder.name, target=target, device=device, threads=threads)


def enqueue_translations(queue: JobQueue, queued: list[Queued], options: TranslateOptions,
                         priority: int = 0) -> list[tuple[int, int]]:
    """One translate job per transcribe job, run once its parent is done: (parent, new child) pairs."""
    added = []
    for job_id in dict.fromkeys(q.job_id for q in queued):
        parent = queue.get(job_id)
        child, new = queue.add_or_get(parent.exhibit_id, "translate", to_dict(options), priority, job_id)
        if new:
            added.append((job_id, child))
    return added
