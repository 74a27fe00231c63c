"""Where an exhibit's recording is now, looked for off the GUI thread.

Selecting an exhibit checked each of its paths (`is_file`) on the GUI thread: on a network share that
does not answer, the window hung with it. The check runs in a thread of its own now (one per look, as a
hung one never returns); the answer comes back as a signal, an answer no longer wanted (another exhibit
chosen meanwhile) is dropped."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from app.core.errors import MediaError
from app.core.evidence.source_check import reachable
from app.core.store import Exhibit


class RecordingFinder(QObject):
    found = Signal(object, object)  # the Exhibit looked for, the path it is at (None: at none of its paths)
    _answered = Signal(object, object)  # the same, from the looking thread (queued to the GUI thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.wanted: Exhibit | None = None
        self._answered.connect(self._keep_if_wanted)

    def look(self, exhibit: Exhibit | None) -> None:
        """Look for `exhibit`'s recording (None: stop wanting an answer); `found` says where it is."""
        self.wanted = exhibit
        if exhibit is None:
            return

        def work() -> None:
            try:
                path: str | None = reachable(exhibit).source.path
            except (MediaError, OSError):
                path = None
            try:
                self._answered.emit(exhibit, path)
            except RuntimeError:  # the window closed while this looked: nothing to tell
                pass

        threading.Thread(target=work, name="parley-find-recording", daemon=True).start()

    def _keep_if_wanted(self, exhibit: Exhibit, path: str | None) -> None:
        if exhibit is self.wanted:
            self.wanted = None
            self.found.emit(exhibit, path)
