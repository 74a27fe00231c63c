"""`python -m app gui [--case DIR]`: open the window."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from app.core.errors import ParleyError
from app.core.store import Case, default_case_dir


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false")
    # Qt and the window are imported only once the environment above is set: QtMultimedia logs
    # (its symbol resolver) as soon as it is imported, before QT_LOGGING_RULES could be changed.
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app.gui import prefs
    from app.gui.environment import add_script_fonts
    from app.gui.main_window import MainWindow
    from app.gui.stop_signals import closed_on_stop_signals, said

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(prefs.ORG)
    app.setApplicationName(prefs.APP)
    add_script_fonts()
    with closed_on_stop_signals(app) as stopped:  # from before the window (and its worker) is made
        settings = prefs.settings()
        folder = getattr(args, "case", None) or settings.value("case/last", "") or default_case_dir()
        try:
            case = Case.open(Path(str(folder)))
        except ParleyError as exc:
            QMessageBox.critical(None, "Parley", f"The case could not be opened:\n{exc}")
            return 1
        settings.setValue("case/last", str(case.folder))
        window = stopped.window = MainWindow(case, settings)
        window.show()

        def excepthook(kind, value, tb) -> None:  # type: ignore[no-untyped-def]
            text = "".join(traceback.format_exception_only(kind, value)).strip()
            print("".join(traceback.format_exception(kind, value, tb)), file=sys.stderr)
            QMessageBox.critical(window, "Parley", f"Something went wrong:\n{text}")

        sys.excepthook = excepthook
        status = app.exec()
    window.case.close()  # the case open now (another may have been opened in the window)
    if stopped.got:  # Ctrl-C, SIGTERM or SIGHUP: the window closed as its close box closes it
        print(said(stopped.got[0]), file=sys.stderr, flush=True)
        return 128 + stopped.got[0]
    return int(status)
