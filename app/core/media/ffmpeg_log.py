"""What ffmpeg logs while one thread decodes, captured for that thread alone.

Some decoders say only in their log that a packet was read wrong (ALAC: 'bits left' when a packet
is given a byte too many); caf_entries.py reads that to find a damaged packet size. PyAV's log is
process-wide: raising its level for one thread and putting it back after let other threads'
messages through to Python's logging meanwhile (printed on the terminal, in the window's log),
and two threads doing so at once left it raised for good, or lowered under the one still reading
it (whose capture then heard nothing, and whose mending went wrong). Here the level is raised
once for all threads that ask at a time and put back when the last is done; while it is raised,
messages from threads that asked for nothing are held back, as they were before it was raised,
and no message is dropped for repeating the one before (each capture must hear its own).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import av.logging

_LOCK = threading.Lock()
_state: dict = {"users": 0, "level": None, "repeats": True, "others": None}


@contextmanager
def captured() -> Iterator[list]:
    """The (level, name, message) ffmpeg logs at ERROR or above from this thread meanwhile."""
    _raise()
    try:
        with av.logging.Capture(local=True) as logs:
            yield logs
    finally:
        _lower()


def _raise() -> None:
    with _LOCK:
        if not _state["users"]:
            _state["level"], _state["repeats"] = av.logging.get_level(), av.logging.get_skip_repeated()
            if _state["level"] is None:  # nobody listens: other threads' messages stay unheard
                others = av.logging.Capture(local=False)
                others.__enter__()
                _state["others"] = others
            if _state["level"] is None or _state["level"] < av.logging.ERROR:
                av.logging.set_level(av.logging.ERROR)
            av.logging.set_skip_repeated(False)
        _state["users"] += 1


def _lower() -> None:
    with _LOCK:
        _state["users"] -= 1
        if _state["users"]:
            return
        av.logging.set_level(_state["level"])
        av.logging.set_skip_repeated(_state["repeats"])
        if _state["others"] is not None:
            _state["others"].__exit__(None, None, None)
            _state["others"] = None
