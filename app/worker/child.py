"""The worker process's birth and death as the parent sees them: Ctrl-C and SIGHUP held while it is
started (never lost), the environment it starts with, and its exit code in words."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HELD = (signal.SIGINT, signal.SIGHUP)  # the parent's to handle: the worker ignores them


@contextmanager
def sigint_held() -> Iterator[None]:
    """The worker is born with SIGINT and SIGHUP blocked (a Ctrl-C in the terminal, or the terminal
    closed, reaches the whole process group; the parent handles it, and the worker ignores both once
    started). The parent's own signal meanwhile is recorded and raised after, never dropped: the
    parent used to ignore SIGINT while starting the worker, and a Ctrl-C then was lost (the command
    ran on to exit 0, on CI)."""
    if threading.current_thread() is not threading.main_thread():
        yield  # the child ignores SIGINT and SIGHUP itself once started
        return
    _start_resource_tracker()
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda got, _frame: held.append(got)) for signum in HELD}
    signal.pthread_sigmask(signal.SIG_BLOCK, set(HELD))  # the mask is what the child inherits
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(HELD))  # one pending here is recorded now
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(held):
            _deliver(signum, previous[signum])


def _start_resource_tracker() -> None:
    """multiprocessing starts its resource tracker at a process's first spawn and then unblocks SIGINT
    and SIGTERM (resource_tracker.ensure_running): inside the block above, the first worker was born
    with Ctrl-C open, and a Ctrl-C while it imported the ASR stack printed its KeyboardInterrupt
    traceback under the command's one line. Started before the block, it leaves the mask alone."""
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


def _deliver(signum: int, handler: Any) -> None:
    """A signal held while the worker was started, given to the handler it would have reached."""
    if signum != signal.SIGINT:
        signal.raise_signal(signum)  # the handler is back in place: it acts as it would have
    elif callable(handler):
        handler(signal.SIGINT, None)  # Python's default raises KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        raise KeyboardInterrupt  # SIG_IGN (a background job of a script): ignored, as asked


# numpy's OpenBLAS keeps its own pool of spinning threads, which on a 2-core machine
# fight CTranslate2's for the cores (measured: about 10% of wall time on a long file).
# glibc gives each thread that allocates its own heap (up to 8 per core), seldom hands freed memory back,
# and maps any block over its mmap threshold (32 MB at most) on its own, handing it back at free.
# Whisper's encoder allocates its attention scores (heads x 1500 x 1500 floats: 72 MB for base) and
# other buffers of megabytes at every layer of every window, so the kernel faulted in and zeroed fresh
# pages at every window: 25.9 of the worker's 140 CPU seconds on the 112 clips in the kernel (session 23);
# on a long recording, with two arenas, 35% of an encoder pass was clear_page (perf, session 29: a block
# over 64 MB is more than a second arena's heap can hold, so it was mapped on its own whatever the mmap
# settings). One arena, no block mapped on its own (every block from the heap, reused), the heap's free top
# handed back past 256 MB, on transparent huge pages where the kernel offers them (madvise): no page faults
# window after window, the same numbers. On the 112 clips in-process 150.6 -> 123.7 CPU s (session 23); on
# the 11.7 min recording, the encoder and alignment's kernel time gone (session 29, README "Measured figures").
# A long recording's decoder hands its freed pages back after each group of windows (memory.hand_back), so
# the kept heap does not grow with the recording.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "1",
                      "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1:glibc.malloc.mmap_max=0:"
                                        "glibc.malloc.trim_threshold=268435456"}


@contextmanager
def child_environment() -> Iterator[None]:
    """The environment the spawned worker starts with (read as it starts, and when it first imports numpy)."""
    saved = {key: os.environ.get(key) for key in WORKER_ENVIRONMENT}
    for key, value in WORKER_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def describe_exit(code: int | None) -> str:
    if code is None:
        return "the worker process stopped responding"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process was killed by {name}"
    return f"the worker process exited unexpectedly (exit code {code})"
