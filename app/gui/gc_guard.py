"""Python's cycle collector runs on the GUI thread only, while the window is up.

Left to itself the collector runs in whichever thread happens to allocate when a threshold
is crossed. When that was a background thread (a PDF export, the waveform loader, intake),
it freed Qt objects left in reference cycles (a closed dialog, an old view) off the GUI
thread, and the process died in shiboken's dealloc (seen in the GUI tests, from the
timeline export's thread). As pyqtgraph's GarbageCollector does: automatic collection off,
and a timer on the GUI thread collects each generation once its threshold is passed.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 1000


def collect_due(thresholds: tuple[int, int, int]) -> None:
    """Collect the generations whose counts passed their thresholds (what automatic collection does)."""
    young, middle, old = gc.get_count()
    if young > thresholds[0]:
        gc.collect(0)
        if middle > thresholds[1]:
            gc.collect(1)
            if old > thresholds[2]:
                gc.collect(2)


class GuiThreadCollector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("parley-gc")
        threshold = gc.get_threshold()
        self.thresholds = (threshold[0], threshold[1], threshold[2])
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(lambda: collect_due(self.thresholds))
        self.timer.start(INTERVAL_MS)


def collect_on_gui_thread() -> None:
    """Install the collector once per application (every window calls this)."""
    app = QCoreApplication.instance()
    if app is not None and app.findChild(GuiThreadCollector, "parley-gc") is None:
        GuiThreadCollector(app)
