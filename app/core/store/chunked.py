"""A command's many files written in short transactions, each kept whole.

One transaction for a whole phone held the case's write lock for as long as it took (8000 files: 8.5 s): every
other writer waited (the command's own worker opening the case said "the case is busy" about its own command,
the window's edits froze, and past 30 s they failed). A chunk holds it at most CHUNK_FILES files or CHUNK_S,
and the lock is let go for LET_IN_S before the next: SQLite's busy handler looks again every 100 ms once a writer
has waited a while, and a chunk begun at once after the last (no pause) kept it out to the end, as before.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from app.core.errors import IntakeCut, StoreError
from app.core.store.case import Case

CHUNK_FILES = 256
CHUNK_S = 0.25
LET_IN_S = 0.12  # longer than the busy handler's longest sleep (100 ms): a waiting writer's next look falls in it
T = TypeVar("T")
R = TypeVar("R")


def in_chunks(case: Case, items: Sequence[T], each: Callable[[T], R]) -> list[R]:
    """`each(item)` for every item, in transactions of at most CHUNK_FILES items (or CHUNK_S): a failure
    part-way keeps the chunks committed before it and says how many (IntakeCut; a stop gets the same
    words as a note); `each` must find what a run before wrote and reuse it, so a rerun completes the rest."""
    done: list[R] = []
    try:
        while len(done) < len(items):
            if done:
                let_others_in()
            with case.transaction():
                part = _chunk(items[len(done):len(done) + CHUNK_FILES], each)
            done += part
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM: the chunk under way is rolled back
        stop.add_note(queued_so_far(len(done), len(items)))
        raise
    except (sqlite3.Error, OSError, StoreError) as exc:  # a full disk, a folder gone read-only
        reason = str(exc).removesuffix("; nothing of this change was kept")
        raise IntakeCut(f"queueing stopped ({reason}): {queued_so_far(len(done), len(items))}") from None
    return done


def let_others_in() -> None:
    """Between two chunks: the write lock free long enough for a writer waiting on it to take it."""
    time.sleep(LET_IN_S)


def _chunk(items: Sequence[T], each: Callable[[T], R]) -> list[R]:
    deadline = time.monotonic() + CHUNK_S
    part = []
    for item in items:
        part.append(each(item))
        if time.monotonic() > deadline:
            break
    return part


def queued_so_far(done: int, total: int) -> str:
    """What a cut-short intake kept, and how to complete it."""
    if not done:
        return f"none of the {total} file(s) was queued; run the command again to queue them"
    return (f"{done} of the {total} file(s) were queued (kept), the other {total - done} not; "
            "run the command again to queue them")
