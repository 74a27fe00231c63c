"""How the worker claims its next jobs: one, or a group of short transcribe jobs with identical options decoded
together, and on a retry the group its interrupted run was planned with (or none: `retries`). A mixin of the Worker
(its state is the Worker's), kept apart from the decoding so each reads on its own."""

from __future__ import annotations

import threading
from contextlib import suppress
from dataclasses import replace

from app.core.errors import MediaError, StoreError
from app.core.evidence.source_check import reachable
from app.core.models.cache import ModelCache
from app.core.store import Case, Exhibit, db
from app.core.store.jobs import Job, JobKind, JobQueue
from app.worker import retries

SHORT_MS = 60_000  # files at most this long are batched across files (also app/cli/transcribe.py)
BATCH_AUDIO_S = 480.0  # about 16 packed 30 s windows per group (a CPU's group_windows; a GPU's is larger)
BATCH_MAX_JOBS = 64


class Claims:
    """The Worker's claims of jobs (a mixin: the state is the Worker's)."""

    case: Case
    queue: JobQueue
    models: ModelCache
    name: str
    planned: list[int]
    alone_why: dict[int, str]
    only: tuple[int, ...] | None
    told: threading.Event
    shutdown: threading.Event
    stop_asked: set[int]

    def _next_jobs(self) -> list[Job]:
        """The next job, or a group of short transcribe jobs with identical options to batch.

        The group, its first job included, is claimed in one transaction (was a commit a claim: ~0.4 s on 56
        files, the decoder waiting): a kill keeps none of it, so the group is formed again whole, with the same
        words (a first claim kept alone was retried apart from the rest, decoded alone). An error while the group
        is formed keeps the first claim alone, its attempt counted: it goes alone, or meets the error again in
        `run` and costs that job an attempt (rolled back with it, it crashed every worker started after it on the
        same job). The group stops growing at about BATCH_AUDIO_S of audio (so progress and cancellation stay
        prompt), the queue's like jobs shared out in groups of about that size (one left over would decode alone
        at the end).
        """
        self.planned = []
        if not self.told.is_set():
            return []  # its command is still queueing its own jobs
        with self.case.transaction():  # an idle poll changes nothing: no head file written (`Case.transaction`)
            job = self._claim()
            if job is None:
                return []
            try:
                with db.joined(self.case.conn):  # a savepoint: rolled back alone
                    return self._claim_group(job) if self._batchable(job) else [job]
            except Exception:  # noqa: BLE001 - the first claim kept; `run` meets an error of `_batchable` again
                self.planned = []
                return [job]

    def _claim_group(self, job: Job) -> list[Job]:
        """`job` and the like jobs claimed to be decoded with it."""
        planned, first_retry = self._planned_batch(job), job.attempts == 2 < job.max_attempts
        raised, outside = retries.raised(job), retries.killed_from_outside(job)
        if retries.alone_after_kill(job) or (planned and self._mates_raised(job, planned)):
            self.planned = [job.id]  # alone, none of its batch-mates decoded along (`_with_planned`)
            if len(planned) > 1 and not retries.alone_after_kill(job):
                self.alone_why[job.id] = retries.ALONE_FROM_PLAN  # its words can differ: said in its run's notes
            return [job]
        stopped = job.attempts == 1  # its batch stopped cleanly (Ctrl-C, SIGTERM) and handed back, no attempt spent
        if planned and (outside or stopped or planned == [job.id] or (first_retry and not raised)):  # the same
            group = [job, *filter(None, (self._claim(like=job, job_id=j) for j in planned
                                         if j != job.id and not self._stored(j)))]
            self.planned = planned  # files again, in the same order (the same text)
            return sorted(group, key=lambda j: planned.index(j.id))
        if job.attempts > 1 and not outside and (raised or not (first_retry and job.run_id is None)):
            if len(planned) > 1:
                self.alone_why[job.id] = retries.ALONE_FROM_PLAN  # its words can differ: said in its run's notes
            return [job]  # a retry alone (a file that crashes the decoder cannot take its batch-mates down again)
        group, audio_ms = [job], self.case.exhibit(job.exhibit_id).source.duration_ms
        loaded = self.models.loaded_speech()
        limit_ms = 1000 * (max(BATCH_AUDIO_S, 30.0 * loaded.batch.group_windows) if loaded else BATCH_AUDIO_S)
        queued_ms = audio_ms + self.queue.claimable_audio_ms(job, SHORT_MS, self.only)
        limit_ms = queued_ms / max(1, round(queued_ms / limit_ms))  # groups alike: no last one of a file or two
        while len(group) < BATCH_MAX_JOBS and audio_ms < limit_ms and not self.shutdown.is_set():
            more = self._claim(like=job)
            if more is None:
                break
            group.append(more)
            audio_ms += self.case.exhibit(more.exhibit_id).source.duration_ms
        return group

    def _claim(self, like: Job | None = None, job_id: int | None = None) -> Job | None:
        """A job to work on, its stop flag cleared (a paused job, resumed, is claimed again)."""
        job = self.queue.claim(self.name, like=like, max_duration_ms=SHORT_MS if like else None, job_id=job_id,
                               among=self.only)
        if job is not None:
            self.stop_asked.discard(job.id)
        return job

    def _batchable(self, job: Job) -> bool:
        """A short transcribe job with nothing stored yet: decoded as a short file, at every attempt (as a long file
        its words could differ from a run left alone), with its batch again on its first retry if one was planned or,
        stopped before it had a run, with the retries alike, else alone (`_claim_group`). Its attempt after the
        short-file decoding raised with the file alone goes to the long-file path (another decoder: a fault of the
        one cannot sink it), as does its last attempt after an error with its batch. Killed from outside, a batch is
        claimed again whole, as planned (its words as a run left alone), but a file at a time after the
        out-of-memory killer (`retries.alone_after_kill`); after an error or a crash, each file alone on the short
        path, so only the file at fault goes on to the long one."""
        if job.kind is not JobKind.TRANSCRIBE or job.options.get("batch") is False:
            return False
        if self.case.exhibit(job.exhibit_id).source.duration_ms > SHORT_MS:
            return False
        if job.attempts > 1 and (retries.raised_alone(job) or retries.raised_at_last(job)):
            return False
        return job.run_id is None or not self.case.run(job.run_id).state.get("done_ms")

    def _stored(self, job_id: int) -> bool:
        """Whether the job's run already holds its file's result (its end, or its diarisation, cut off)."""
        run_id = self.queue.get(job_id).run_id
        return run_id is not None and bool(self.case.run(run_id).state.get("done_ms"))

    def _with_planned(self, ready: list[tuple[Job, Exhibit, int]]) -> list[tuple[Job | None, Exhibit]]:
        """The batch to decode: a planned one whole, in its order, its files already stored decoded along
        again (their results dropped), so the others' text is the uninterrupted run's; else `ready`."""
        mine = {job.id: (job, exhibit) for job, exhibit, _ in ready}
        if not self.planned and len(ready) == 1 and not retries.raised(ready[0][0]):  # a new job given a failed
            # one's run (its batch-mates stored); a retry after an error is decoded really alone
            self.planned = self._planned_batch(replace(ready[0][0], run_id=ready[0][2]))
        if not self.planned or not set(mine) <= set(self.planned):
            self.planned = []
            return [(job, exhibit) for job, exhibit, _ in ready]
        out: list[tuple[Job | None, Exhibit]] = []
        for job_id in self.planned:
            if job_id in mine:
                out.append(mine[job_id])
            elif self._stored(job_id):
                with suppress(MediaError):  # moved or changed since: the rest are decoded without it
                    out.append((None, reachable(self.case.exhibit(self.queue.get(job_id).exhibit_id))))
        return out

    def _mates_raised(self, job: Job, planned: list[int]) -> bool:
        """Whether a batch-mate of the plan, not stored yet, last ended in an error or killed for memory: the plan is
        never formed again (it raised, or it would run out of memory again: review revI, I-H2; the job's own error can
        since have been a kill, which says nothing of the batch's fault)."""
        return any(retries.raised(mate) or retries.alone_after_kill(replace(mate, attempts=mate.attempts + 1))
                   for mate in (self.queue.get(j) for j in planned if j != job.id and not self._stored(j)))

    def _planned_batch(self, job: Job) -> list[int]:
        """The jobs, in order, that this job's interrupted run was decoded with ([]: none); one that took it over, in its place."""
        run = self.case.run(job.run_id) if job.run_id is not None else None
        planned = (run.batch_plan or []) if run and run.status == "running" else []  # edited to no list of jobs: none
        try:
            planned = [job.id if j != job.id and self.queue.get(j).run_id == job.run_id else j for j in planned]
        except StoreError:  # a job the case does not hold (the run's record edited): no plan to keep to
            return []
        return planned if job.id in planned else []
