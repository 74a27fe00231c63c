"""The window's Add files / Add folder / drop: exhibits read and hashed off the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QTimer

from app.core.errors import ParleyError
from app.core.usecases.enqueueing import ADD_CHUNK, Intake
from app.gui import intake_pending
from app.gui.exhibits_view import CHAT_EXPORT_MET, IntakeSignals, run_intake

CASE_CHANGED = ("Another case was opened while files were being read: those not yet added were left out "
                "(add them again).")
REFUSED = ("Not all taken in: {why}. {n} exhibit(s) were added before it. Free space (or make the case writable) "
           "and add the same files again: those taken in are not added twice, and are queued then.")
RESUMED = "Taking in again {n} item(s) whose intake was stopped when the window last closed…"
GIVEN_UP = ("The intake of {paths} stopped twice before it ended (the window closed or was killed while it read "
            "them): it is not taken up again; add them again to take in what is missing.")


def resume_intakes(w: Any) -> threading.Thread | None:
    """What an intake into the window's case was reading when the window was closed or killed, taken in
    again (its files already taken in are met again, not added twice; those left unqueued are queued);
    an intake stopped again while taken up again is said, not taken up a third time."""
    paths, given_up = intake_pending.left_unfinished(w.settings, w.case)
    if given_up:
        text = GIVEN_UP.format(paths=", ".join(given_up))
        QTimer.singleShot(0, lambda: w.show_error(text))  # once the window is up, not a box before it
    if not paths:
        return None
    thread = add_files(w, paths, resumed=True)
    w.statusBar().showMessage(RESUMED.format(n=len(paths)))
    return thread


def add_files(w: Any, paths: list[str], resumed: bool = False) -> threading.Thread:
    """Add files and folders as exhibits, read on a thread; media queued when the settings say so,
    chat exports met in a folder taken in as chats (their voice notes as theirs). Returns the thread.
    Results that arrive after another case was opened are dropped (the case they were for is closed)."""
    w.statusBar().showMessage(f"Reading {len(paths)} item(s)…")
    signals = IntakeSignals(w)
    case = w.case
    pending = intake_pending.begun(w.settings, case, paths, resumed)  # a kill before it ends: taken in at the next open
    intake = Intake(case)  # every file met recorded in the case, as the CLI records its own
    added = intake.added
    problems: list[str] = []
    chats: list[str] = []
    refused: list[str] = []  # the store's refusal (a full disk, a case made read-only): the rest is not taken

    def found(f: Any, entry: Any) -> None:
        if w.case is not case or refused:
            return
        if f.skipped == CHAT_EXPORT_MET:  # taken in as a chat export, recorded as such
            chats.append(f.path)
            return
        intake.take(f, entry)  # entry: a file passed over, hashed on the reading thread; taken in at the end
        if f.error:
            problems.append(f"{f.path}: {f.error}")
            w.exhibits.not_added.add(f.path, f.error)

    def finished(_count: int) -> None:
        signals.deleteLater()
        settle_step()

    def settle_step() -> None:  # ADD_CHUNK exhibits a step, the window repainting between (2,000 froze it ~27 s)
        if w.case is not case:
            w.statusBar().showMessage(CASE_CHANGED, 8000)
            return
        if not refused and not _settled(intake, refused):
            w.statusBar().showMessage(f"Adding exhibits… {len(intake.exhibit_of)} of {len(intake.met)}")
            QTimer.singleShot(0, settle_step)
            return
        logged = _logged(intake, refused)  # the files met taken in, then logged: a kill before this ends is resumed
        intake_pending.ended(w.settings, pending)
        if not logged:
            w.refresh_exhibits()
            w.statusBar().clearMessage()
            w.show_error(REFUSED.format(why=refused[0].rstrip("."), n=len(added)))
            return
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


def _settled(intake: Intake, refused: list[str]) -> bool:
    """One step of the drop's files taken in (ADD_CHUNK); whether all are, or the store refused one."""
    try:
        return intake.settle(ADD_CHUNK)
    except ParleyError as exc:
        refused.append(str(exc))
        return True


def _logged(intake: Intake, refused: list[str]) -> bool:
    """Every file met logged in the case, unless the store refused a file, or refuses the log now."""
    if refused:
        return False
    try:
        intake.finish()
    except ParleyError as exc:
        refused.append(str(exc))
        return False
    return True
