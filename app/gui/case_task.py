"""Work on the case off the GUI thread, on a connection of its own.

    task = CaseTask(parent)
    task.done.connect(on_done)        # (result, token)
    task.failed.connect(on_failed)    # (one-line reason, token)
    task.start(case.folder, lambda case: build(case), token=7)

SQLite connections belong to the thread that opened them, so the work opens the
case again (WAL: the window and the worker process read and write alongside it)
and closes it when done. The signals arrive in the GUI thread; the token lets a
caller drop the answer to a request it has since replaced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.core.errors import ParleyError
from app.core.store import Case


class CaseTask(QObject):
    done = Signal(object, int)
    failed = Signal(str, int)

    def start(self, folder: Path, work: Callable[[Case], Any], token: int = 0,
              name: str = "parley-case-task") -> threading.Thread:
        def run() -> None:
            try:
                case = Case.open(folder)
                try:
                    result = work(case)
                finally:
                    case.close()
            except (ParleyError, OSError) as exc:
                self.failed.emit(str(exc), token)
                return
            except Exception as exc:  # noqa: BLE001 - said in the window, never a silent dead thread
                self.failed.emit(f"{type(exc).__name__}: {exc}", token)
                return
            self.done.emit(result, token)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        return thread
