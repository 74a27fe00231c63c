"""Screenshots of the real window, for the docs: run under Xvfb.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python packaging/screenshots.py [--model base]

Builds a throw-away case from the shared test media, transcribes it with the
real worker, makes a few edits, and saves PNGs into resources/screenshots/.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MEDIA = Path(os.environ.get("PARLEY_SHARED", REPO.parent / "shared")) / "media"
OUT = REPO / "resources" / "screenshots"


def pump(seconds: float) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.01)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise SystemExit(f"timed out waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.02)


def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    pump(0.4)
    path = OUT / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="base")
    parser.add_argument("--models-dir", default=str(REPO / "models"))
    return parser.parse_args()


def open_window(args: argparse.Namespace, prefix: str, extra: dict | None = None):  # type: ignore[no-untyped-def]
    """A QApplication and the real window at 1280x800 over a new case in a throw-away folder:
    (app, window, case, settings, folder)."""
    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.core.store import Case
    from app.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")
    work = Path(tempfile.mkdtemp(prefix=prefix))
    OUT.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(work / "parley.ini"), QSettings.Format.IniFormat)
    for key, value in {"transcribe/model": args.model, "transcribe/threads": 2,
                       "models/dir": args.models_dir, "user/name": "A. Typist", **(extra or {})}.items():
        settings.setValue(key, value)
    case = Case.open(work / "case")
    window = MainWindow(case, settings)
    window.resize(1280, 800)
    window.show()
    pump(1.0)
    return app, window, case, settings, work


def main() -> int:
    args = options()
    from PySide6.QtCore import QSettings

    from app.core.editing import operations as editing
    from app.core.store import Case
    from app.gui.main_window import MainWindow
    from app.gui.settings_dialog import SettingsDialog

    _, window, case, settings, work = open_window(args, "parley-shots-", {"intake/auto_transcribe": False})

    names = ["interview_stereo.wav", "en_voicenote.opus", "de_voicenote.opus", "pl_voicenote.opus"]
    window.add_paths([str(MEDIA / n) for n in names])
    wait_until(lambda: len(case.exhibits()) == len(names), 60, "intake")
    from app.core.options import to_dict
    from app.gui import prefs

    base = to_dict(prefs.transcribe_options(settings))
    for exhibit in case.exhibits():
        language = {"de_voicenote.opus": "de", "pl_voicenote.opus": "pl"}.get(exhibit.source.name)
        window.queue.add(exhibit.id, "transcribe", {**base, "language": language})
    de = next(e for e in case.exhibits() if e.source.name == "de_voicenote.opus")
    window.queue.add(de.id, "transcribe", {**base, "language": "de", "task": "translate"}, priority=-1)
    window.refresh()
    wait_until(lambda: any(j.state == "running" for j in window.queue.list()), 300, "a running job")
    pump(4.0)  # short files decode as a batch: their bars show the estimate (≈) meanwhile
    window.refresh()
    save(window, "01-exhibits-and-queue-running")

    wait_until(lambda: all(j.finished for j in window.queue.list()), 900, "the queue to finish")
    window.refresh()
    interview = next(e for e in case.exhibits() if e.source.name == "interview_stereo.wav")
    window.exhibits.select(interview.id)
    wait_until(lambda: window.editor.model.rowCount() > 0, 30, "the transcript")
    wait_until(lambda: window.editor.waveform.envelope is not None, 60, "the waveform")
    run_id = window.session.run_id
    model = window.editor.model
    speakers = editing.speakers(case, run_id)
    if "Left" in speakers:
        window.editor.rename_speaker("Left", "Officer")
    if "Right" in speakers:
        window.editor.rename_speaker("Right", "Witness")
    window.editor.edit_text(1, model.segment(1).text + " [inaudible]")
    window.editor.next_uncertain()
    window.editor.mark_current_reviewed()  # one word listened to and accepted: shown green
    window.editor.next_uncertain()
    row = min(4, model.rowCount() - 1)
    window.player.seek(model.segment(row).start_ms + 300)
    pump(0.5)
    save(window, "02-editor-waveform-highlighted-segment")

    window.editor.mark_verified("DC Jane Jones")
    window.tabs.setCurrentIndex(2)
    window.refresh_history()
    save(window, "03-history-verified")

    window.exhibits.select(de.id)
    wait_until(lambda: window.editor.model.rowCount() > 0, 30, "the German transcript")
    window.tabs.setCurrentIndex(1)
    pump(0.3)
    save(window, "04-translation-side-by-side")
    window.tabs.setCurrentIndex(0)

    dialog = SettingsDialog(settings, window)
    dialog.show()
    save(dialog, "05-settings-transcription")
    dialog.tabs.setCurrentIndex(1)
    save(dialog, "06-settings-models")
    dialog.tabs.setCurrentIndex(2)
    save(dialog, "07-settings-playback-keys")
    dialog.close()

    empty = work / "no-models"
    empty.mkdir()
    bare_settings = QSettings(str(work / "bare.ini"), QSettings.Format.IniFormat)
    bare_settings.setValue("models/dir", str(empty))
    bare_settings.setValue("user/name", "A. Typist")  # else the first-start name question opens
    bare_case = Case.open(work / "empty-case")
    bare = MainWindow(bare_case, bare_settings, start_worker=False)
    bare.resize(1280, 800)
    bare.show()
    save(bare, "08-missing-model-message")
    bare.close()
    bare_case.close()

    window.close()
    case.close()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
