"""A group's files decoded on a thread of their own while the worker's thread stores those already given.

The worker stored each short file's result (a synced transaction, its audit rows) while the decoding
generator waited paused, so the next part of the group was not encoded meanwhile and a core idled. The
generator now runs on its own thread; its results and its progress are taken on the worker's thread,
the only one that uses the worker's database connection (heartbeats and stores alike).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
Progress = Callable[[int, float], None]
_END = object()
_NOTHING = object()  # no item yet: progress passed on meanwhile


def decoded_ahead(produce: Callable[[Progress], Iterable[T]], on_progress: Progress, halt: threading.Event,
                  poll_s: float = 0.5) -> Iterator[T]:
    """The items of `produce(progress)`, made on a thread of their own and given here as each is made.

    `progress(i, fraction)` calls from that thread are passed on to `on_progress` on this one, the
    latest of each i, at least every `poll_s`. `halt` is set once this generator ends early (closed,
    or what took its items failed): `produce` must stop when it sees it (its should_stop); it is
    waited for, so nothing of it runs on after the generator closes. Its failure is raised here.
    """
    items: queue.Queue = queue.Queue()
    latest: dict[int, float] = {}
    lock = threading.Lock()

    def progress(index: int, fraction: float) -> None:
        with lock:
            latest[index] = fraction

    def run() -> None:
        try:
            for item in produce(progress):
                items.put((item, None))
        except BaseException as exc:  # noqa: BLE001 - raised again on the taking thread
            items.put((_END, exc))
        else:
            items.put((_END, None))

    thread = threading.Thread(target=run, name="decoding", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item, error = items.get(timeout=poll_s)
            except queue.Empty:
                item, error = _NOTHING, None
            _pass_on(latest, lock, on_progress)
            if error is not None:
                raise error
            if item is _END:
                return
            if item is not _NOTHING:
                yield item
    finally:
        halt.set()
        thread.join()


def _pass_on(latest: dict[int, float], lock: threading.Lock, on_progress: Progress) -> None:
    with lock:
        pending = list(latest.items())
        latest.clear()
    for index, fraction in pending:
        on_progress(index, fraction)
