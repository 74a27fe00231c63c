"""The spawned worker's entry point, kept apart so the parent never imports the ASR stack.

Under the spawn context the parent pickles the target by name; importing
`app.worker.process` there would load faster-whisper, CTranslate2 and the
diarisation models' runtimes (about 90 MB) into a process that only waits.
"""

from __future__ import annotations

from multiprocessing.connection import Connection

from app.worker.protocol import WorkerConfig


def start_worker(config: WorkerConfig, events: Connection, commands: Connection) -> None:
    from app.worker.process import worker_main  # in the child only

    worker_main(config, events, commands)
