"""The spawned worker's entry point, kept apart so the parent never imports the ASR stack.

Under the spawn context the parent pickles the target by name; importing
`app.worker.process` there would load faster-whisper, CTranslate2 and the
diarisation models' runtimes (about 90 MB) into a process that only waits.
"""

from __future__ import annotations

import signal
from multiprocessing.connection import Connection

from app.core.evidence.provenance import software_info
from app.worker.protocol import WorkerConfig


def start_worker(config: WorkerConfig, events: Connection, commands: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # before the ASR stack's imports (seconds): Ctrl-C and
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # the terminal closed are the parent's to handle
    software_info()  # the code's digest taken as the worker starts: a long-lived one's first run may be hours later
    from app.worker.process import worker_main  # in the child only

    worker_main(config, events, commands)
