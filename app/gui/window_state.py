"""The window on a laptop screen: an opening size that fits, size and panes restored on
restart (QSettings), and the user's name asked once (used for revisions and sign-off)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QInputDialog, QMainWindow, QSplitter

from app.gui import prefs

OPENING_SIZE = (1280, 800)
MIN_WIDTH = 1000  # fits 1024-wide screens with room for the window frame


def fit_to_screen(window: QMainWindow) -> None:
    """Open at 1280x800 or the screen's free area, whichever is smaller."""
    width, height = OPENING_SIZE
    screen = window.screen()
    if screen is not None:
        free = screen.availableGeometry()
        width, height = min(width, free.width()), min(height, free.height())
    window.resize(width, height)


def _splitters(window: QMainWindow) -> list[QSplitter]:
    return [s for s in window.findChildren(QSplitter) if s.objectName()]


def save_state(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    for splitter in _splitters(window):
        settings.setValue(f"window/{splitter.objectName()}", splitter.saveState())
    settings.sync()


def restore_state(window: QMainWindow, settings: QSettings) -> None:
    geometry = settings.value("window/geometry")
    if isinstance(geometry, (QByteArray, bytes)) and geometry:
        window.restoreGeometry(QByteArray(geometry))
    for splitter in _splitters(window):
        state = settings.value(f"window/{splitter.objectName()}")
        if isinstance(state, (QByteArray, bytes)) and state:
            splitter.restoreState(QByteArray(state))


def ask_user_name(window: QMainWindow, settings: QSettings) -> bool:
    """Ask for the user's full name (not the computer account): it signs every change."""
    name, ok = QInputDialog.getText(
        window, "Your name",
        "Your full name, as it should appear in the transcript's history and on sign-off:",
        text=prefs.stored_user_name(settings))
    if ok and name.strip():
        settings.setValue("user/name", name.strip())
        settings.sync()
        return True
    return False


def ask_user_name_if_unset(window: QMainWindow, settings: QSettings) -> None:
    if not prefs.stored_user_name(settings) and not ask_user_name(window, settings):
        window.statusBar().showMessage("No user name set: changes are recorded under the computer "
                                       "account until you set one (Case → Your name…).", 15000)
