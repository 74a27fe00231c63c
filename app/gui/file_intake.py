"""The window's Add files / Add folder / drop: exhibits read and hashed off the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

from app.core.usecases.enqueueing import Intake
from app.gui.exhibits_view import CHAT_EXPORT_MET, IntakeSignals, run_intake

CASE_CHANGED = ("Another case was opened while files were being read: those not yet added were left out "
                "(add them again).")


def add_files(w: Any, paths: list[str]) -> threading.Thread:
    """Add files and folders as exhibits, read on a thread; media queued when the settings say so,
    chat exports met in a folder taken in as chats (their voice notes as theirs). Returns the thread.
    Results that arrive after another case was opened are dropped (the case they were for is closed)."""
    w.statusBar().showMessage(f"Reading {len(paths)} item(s)…")
    signals = IntakeSignals(w)
    case = w.case
    intake = Intake(case)  # every file met recorded in the case, as the CLI records its own
    added = intake.added
    problems: list[str] = []
    chats: list[str] = []

    def found(f: Any, entry: Any) -> None:
        if w.case is not case:
            return
        if f.skipped == CHAT_EXPORT_MET:  # taken in as a chat export, recorded as such
            chats.append(f.path)
            return
        intake.take(f, entry)  # entry: a file passed over, hashed on the reading thread
        if f.error:
            problems.append(f"{f.path}: {f.error}")
            w.exhibits.not_added.add(f.path, f.error)

    def finished(_count: int) -> None:
        signals.deleteLater()
        if w.case is not case:
            w.statusBar().showMessage(CASE_CHANGED, 8000)
            return
        intake.finish()
        w.refresh_exhibits()
        text = f"Added {len(added)} exhibit(s)."
        if problems:
            text += f" {len(problems)} could not be used (listed under the exhibits)."
        w.statusBar().showMessage(text, 8000)
        todo = intake.to_transcribe(w.queue)  # the new exhibits, and those a killed intake left unqueued
        if todo and w.settings.value("intake/auto_transcribe", True, type=bool):
            w.transcribe([i for i in todo if w.case.exhibit(i).source.kind == "media"])
        if chats:  # a phone's extraction: its chats taken in too, their voice notes as theirs
            w.chats.add_exports(chats)

    signals.found.connect(found)
    signals.finished.connect(finished)
    return run_intake(paths, signals)
