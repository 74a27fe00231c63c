"""Ctrl-C at the terminal the window was started from, SIGTERM (`kill PID`, a shutdown) or SIGHUP (that
terminal closed): the window closes as its close box closes it, its worker asked to stop and its job handed
back to the queue without spending an attempt, and one line says so.

Before session 18 a Ctrl-C raised KeyboardInterrupt inside whichever Qt slot ran next: the window stayed
open under a "Something went wrong: KeyboardInterrupt" box, its queue still working, or died of a segmentation
fault (the exception raised inside Qt's own call into Python); SIGTERM and SIGHUP
ended it at once (the window's place and the worker's clean stop skipped)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

STOPS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated", signal.SIGHUP: "hung up"}
AFTER = "the window was closed; stored work is kept and its queue resumes when the window is opened again " \
        "(or with `python -m app queue run`)"


@dataclass
class Stopped:
    """The stop signals met (`got`) and the window they close (`window`: set once it is made)."""

    got: list[int] = field(default_factory=list)
    window: Any = None


@contextmanager
def closed_on_stop_signals(app: Any) -> Iterator[Stopped]:
    """From before the window is made (its worker starts as it is made) until its event loop ends: a stop
    signal closes the window and ends the loop (a dialog's loop too), once the loop runs. A signal ignored by
    whoever started the window (`nohup`) stays ignored. The handlers run when Python next runs in the GUI
    thread: the window's timers see to that."""
    from PySide6.QtCore import QTimer

    stopped = Stopped()
    got = stopped.got

    def close() -> None:
        if stopped.window is not None:
            stopped.window.close()
        app.quit()  # leaves a dialog's loop too (the name asked at first start, a message box)

    def stop(signum: int, _frame: object) -> None:
        if not got:  # once: the close is under way
            QTimer.singleShot(0, close)  # never inside the slot the signal interrupted (a transaction, say)
        got.append(signum)

    previous = {}
    for signum in STOPS:
        if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
            previous[signum] = signal.signal(signum, stop)
    try:
        yield stopped
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def said(signum: int) -> str:
    return f"{STOPS.get(signum, 'stopped')}; {AFTER}"
