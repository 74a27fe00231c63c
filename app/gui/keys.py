"""Typist keys: named actions, oTranscribe defaults, rebindable, foot-pedal friendly.

A foot pedal that presents itself as a keyboard sends ordinary key presses
(often F-keys or media keys); bind those keys to the actions in Settings -> Keys.
The router is an application-wide event filter, so the keys work wherever the
focus is in the main window, including while a segment's text is being edited
(except Esc there: it cancels the edit, as everywhere else), and in a dialog over
it (a speaker's new name, the sign-off: F1 replays the words; Esc closes the dialog).
Esc also closes a bar that says it closes on Esc (the find box), instead of playing.

Hold-to-play (for pedals that send a key while pressed): key down plays, key up
pauses (with the usual auto-rewind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QKeySequenceEdit, QWidget


@dataclass(frozen=True)
class KeyAction:
    name: str
    label: str
    default: str  # QKeySequence portable text
    repeat: bool = False  # act on auto-repeat (holding the key / pedal down)


ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("play_pause", "Play / pause", "Esc"),
    KeyAction("skip_back", "Skip back", "F1", repeat=True),
    KeyAction("skip_forward", "Skip forward", "F2", repeat=True),
    KeyAction("slower", "Slower", "F3", repeat=True),
    KeyAction("faster", "Faster", "F4", repeat=True),
    KeyAction("loop_segment", "Loop current segment", "F6"),
    KeyAction("next_uncertain", "Next uncertain word (review)", "F8"),
    KeyAction("previous_uncertain", "Previous uncertain word (review)", "Shift+F8"),
    KeyAction("mark_reviewed", "Mark the uncertain word reviewed", "Ctrl+Shift+W"),
    KeyAction("hold_play", "Hold to play (pedal: down plays, up pauses)", "F7"),
    KeyAction("insert_inaudible", "Type [inaudible hh:mm:ss] at the cursor (the moment playing)", "Ctrl+I"),
)
ACTION_BY_NAME = {a.name: a for a in ACTIONS}
VERIFY_KEY = "Ctrl+Shift+V"  # Edit > Mark verified… (it asks first); no other action or typist key has it


def binding(settings: QSettings, name: str) -> QKeySequence:
    text = settings.value(f"keys/{name}", ACTION_BY_NAME[name].default)
    return QKeySequence(str(text))


def set_binding(settings: QSettings, name: str, sequence: QKeySequence) -> None:
    settings.setValue(f"keys/{name}", sequence.toString(QKeySequence.SequenceFormat.PortableText))


def _event_key(event: QKeyEvent) -> int:
    mods = event.modifiers().value & ~0x20000000  # ignore the keypad modifier
    return event.key() | mods


class KeyRouter(QObject):
    """Dispatches bound keys pressed anywhere in `window` to action callbacks."""

    def __init__(self, window: QWidget, settings: QSettings,
                 handlers: dict[str, Callable[[], None]],
                 release_handlers: dict[str, Callable[[], None]] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        self.handlers = handlers
        self.release_handlers = release_handlers or {}
        self.table: dict[int, str] = {}
        self.reload()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def reload(self) -> None:
        """Re-read the bindings (after the settings dialog changed them)."""
        self.table = {}
        for action in ACTIONS:
            seq = binding(self.settings, action.name)
            if seq.count():
                self.table[seq[0].toCombined()] = action.name

    def key_text(self, name: str) -> str:
        """The key bound to action `name` now, as a menu shows it ("F1"), or ""."""
        return binding(self.settings, name).toString(QKeySequence.SequenceFormat.NativeText)

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride, QEvent.Type.KeyRelease):
            return False
        if not isinstance(watched, QWidget) or not self._ours(watched.window()) or capturing_keys(watched):
            return False
        name = self.table.get(_event_key(event))  # type: ignore[arg-type]
        if name is None or (event.key() == Qt.Key.Key_Escape  # type: ignore[attr-defined]
                            and (in_item_editor(watched) or watched.window() is not self.window
                                 or closes_on_escape(watched))):
            return False  # Esc cancels an edit, and closes a dialog or the find box
        if kind == QEvent.Type.KeyRelease:
            return self._released(name, event)  # type: ignore[arg-type]
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # keep the key from a widget's own shortcut (e.g. Esc closing an editor)
            return True
        if event.isAutoRepeat() and not ACTION_BY_NAME[name].repeat:  # type: ignore[attr-defined]
            return True
        if event.isAutoRepeat() and name in self.release_handlers:  # type: ignore[attr-defined]
            return True
        handler = self.handlers.get(name)
        if handler is not None:
            handler()
        return True

    def _ours(self, window: QWidget) -> bool:
        """The main window, or a dialog over it (F1/F2 replay the words while a name is typed)."""
        parent = window.parentWidget() if isinstance(window, QDialog) else None
        return window is self.window or (parent is not None and parent.window() is self.window)

    def _released(self, name: str, event: QKeyEvent) -> bool:
        handler = self.release_handlers.get(name)
        if handler is None:
            return False
        if not event.isAutoRepeat():  # a held key repeats press/release pairs: only the real release
            handler()
        return True


def capturing_keys(widget: QWidget) -> bool:
    """Inside a key field (Settings > Keys): the key pressed is the one being bound."""
    while widget is not None:
        if isinstance(widget, QKeySequenceEdit):
            return True
        widget = widget.parentWidget()
    return False


CLOSES_ON_ESCAPE = "closes_on_escape"  # a widget's property: Esc inside it closes it (the find box)


def closes_on_escape(widget: QWidget) -> bool:
    """Inside a widget marked to close on Esc (its keyPressEvent does it), where Esc must not play."""
    while widget is not None:
        if widget.property(CLOSES_ON_ESCAPE):
            return True
        widget = widget.parentWidget()
    return False


def in_item_editor(widget: QWidget) -> bool:
    """True inside a table cell's editor (where Esc must cancel the edit)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractItemView):
            return parent.state() == QAbstractItemView.State.EditingState
        parent = parent.parentWidget()
    return False
