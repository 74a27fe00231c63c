"""The window on a laptop screen: an opening size that fits, size and panes restored on
restart (QSettings), and the user's name asked once (used for revisions and sign-off).

The layout is versioned. One saved by an earlier version (unmarked) had a 460 px left pane, and the
exhibits' statuses read "language un…" until the pane was dragged wider: restored, a pane of it
narrower than this version's layout needs is widened. A layout this version saved is restored as
saved (a pane the user narrowed stays narrow)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QDataStream, QIODevice, QSettings
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


LAYOUT_VERSION = 2  # 2: the left pane 500 px, its statuses whole at 1280x800 (session 22); unmarked: 1


def save_state(window: QMainWindow, settings: QSettings) -> None:
    settings.setValue("window/geometry", window.saveGeometry())
    settings.setValue("window/layout", LAYOUT_VERSION)
    for splitter in _splitters(window):
        settings.setValue(f"window/{splitter.objectName()}", splitter.saveState())
    settings.sync()


def saved_version(settings: QSettings) -> int:
    """The version of the layout saved (1: unmarked, saved before layouts were versioned)."""
    try:
        return int(str(settings.value("window/layout", 1)))
    except ValueError:
        return 1


def restore_state(window: QMainWindow, settings: QSettings, least: Mapping[str, int] | None = None) -> None:
    """Size and panes as saved; `least`: a splitter's name -> the least its first pane is restored at
    from a layout an earlier version saved."""
    geometry = settings.value("window/geometry")
    if isinstance(geometry, (QByteArray, bytes)) and geometry:
        window.restoreGeometry(QByteArray(geometry))
    older = saved_version(settings) < LAYOUT_VERSION
    for splitter in _splitters(window):
        state = settings.value(f"window/{splitter.objectName()}")
        if isinstance(state, (QByteArray, bytes)) and state and splitter.restoreState(QByteArray(state)) and older:
            widen_first(splitter, saved_sizes(QByteArray(state)), (least or {}).get(splitter.objectName(), 0))


SPLITTER_MARKER = 0xFF  # QSplitter::saveState: this marker, a version, then the panes' sizes


def saved_sizes(state: QByteArray) -> list[int]:
    """The pane sizes a QSplitter's saved state holds ([] when it is not one): read from the state
    itself, as the splitter's own sizes() are not laid out until the window is shown."""
    stream = QDataStream(state, QIODevice.OpenModeFlag.ReadOnly)
    stream.setVersion(QDataStream.Version.Qt_5_0)
    if stream.readInt32() != SPLITTER_MARKER:
        return []
    stream.readInt32()  # the state's version
    count = stream.readUInt32()
    sizes = [stream.readInt32() for _ in range(min(count, 64))]
    return sizes if count <= 64 and stream.status() == QDataStream.Status.Ok else []


def widen_first(splitter: QSplitter, sizes: list[int], least: int) -> None:
    """The first pane at `least` at the least, the room taken from the second."""
    if len(sizes) >= 2 and sizes[0] < least:
        give = least - sizes[0]
        splitter.setSizes([least, max(sizes[1] - give, 1), *sizes[2:]])


def ask_user_name(window: QMainWindow, settings: QSettings) -> bool:
    """Ask for the user's full name (not the computer account): it signs every change."""
    name, ok = QInputDialog.getText(
        window, "Your name",
        "Your full name, as it should appear in the transcript's history and on sign-off:",
        text=prefs.stored_user_name(settings))
    if ok and name.strip():
        prefs.save_user_name(settings, name)
        return True
    return False


def ask_user_name_if_unset(window: QMainWindow, settings: QSettings) -> None:
    if not prefs.stored_user_name(settings) and not ask_user_name(window, settings):
        window.statusBar().showMessage("No user name set: changes are recorded under the computer "
                                       "account until you set one (Case → Your name…).", 15000)
