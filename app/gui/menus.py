"""The window's menus (every action also has a key or a button)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction, QKeySequence

from app.gui import prefs, window_navigation
from app.gui.keys import VERIFY_KEY, binding
from app.gui.window_state import ask_user_name


def add_action(window: Any, menu: Any, text: str, slot: Any, shortcut: QKeySequence | str | None = None) -> QAction:
    action = QAction(text, window)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def stack_action(w: Any, verb: str) -> QAction:
    """Undo or Redo as the stack's own action, but what is being typed is kept first: from the menu
    while a line was open, the undo reverted the line's last change under the open editor, whose text
    (the change, plus what was typed) was stored after it and the undo was silently gone."""
    stack = w.session.stack
    action = QAction(verb, w)
    undo = verb == "Undo"
    can, text, do = (stack.canUndo, stack.undoText, stack.undo) if undo else (stack.canRedo, stack.redoText, stack.redo)
    action.setEnabled(can())
    action.setText(f"{verb} {text()}".strip())
    # the signals' own values: the stack is never asked again (as it is destroyed, it says it changed)
    (stack.canUndoChanged if undo else stack.canRedoChanged).connect(action.setEnabled)
    (stack.undoTextChanged if undo else stack.redoTextChanged).connect(
        lambda t: action.setText(f"{verb} {t}".strip()))
    action.triggered.connect(lambda: (w.editor.segments.editor_cursor(), do()))
    return action


def build_menus(w: Any) -> None:
    """Case, Edit and Playback menus of the main window `w`."""
    bar = w.menuBar()
    case_menu = bar.addMenu("&Case")
    add_action(w, case_menu, "Open or create case…", w.pick_case, QKeySequence.StandardKey.Open)
    add_action(w, case_menu, "Go to the exhibits list", lambda: window_navigation.keys_to_exhibits(w), "Ctrl+L")
    add_action(w, case_menu, "Add files…", w.exhibits.pick_files)
    add_action(w, case_menu, "Add folder…", w.exhibits.pick_folder)
    add_action(w, case_menu, "Add chat export…", w.chats.pick_export)
    add_action(w, case_menu, "Add chat export folder…", w.chats.pick_export_folder)
    add_action(w, case_menu, "Translate…", w.ask_translate, "Ctrl+T")
    add_action(w, case_menu, "Export…", w.ask_export, "Ctrl+E")
    case_menu.addSeparator()
    add_action(w, case_menu, "Settings…", w.open_settings, "Ctrl+,")
    add_action(w, case_menu, "Your name…", lambda: ask_user_name(w, w.settings))
    add_action(w, case_menu, "Quit", w.close, QKeySequence.StandardKey.Quit)
    edit = bar.addMenu("&Edit")
    undo, redo = stack_action(w, "Undo"), stack_action(w, "Redo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    ctrl_y = QKeySequence("Ctrl+Y")  # Windows' redo, and Word's: on every system (Linux's own is Ctrl+Shift+Z)
    redo.setShortcuts([*QKeySequence.keyBindings(QKeySequence.StandardKey.Redo),
                       *([ctrl_y] if ctrl_y not in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo) else [])])
    edit.addAction(undo)
    edit.addAction(redo)
    w.undo_action, w.redo_action = undo, redo
    edit.addSeparator()
    editor = w.editor
    add_action(w, edit, "Find and replace", editor.open_find, "Ctrl+F")
    add_action(w, edit, "Search the case…", w.show_search, "Ctrl+Shift+F")
    add_action(w, edit, "Edit segment text\tEnter", editor.cursor_sync.edit_current)
    add_action(w, edit, "Split segment", editor.split_current, "Ctrl+Shift+S")
    add_action(w, edit, "Merge segments", editor.merge_selected, "Ctrl+Shift+M")
    add_action(w, edit, "Rename speaker…", editor.ask_rename, "Ctrl+Shift+R")
    add_action(w, edit, "Merge speakers…", editor.speaker_tools.ask_merge)
    add_action(w, edit, "Split selected segments off as a new speaker…", editor.speaker_tools.ask_split)
    add_action(w, edit, "Enrol speaker from selected segments…", editor.speaker_tools.ask_enrol)
    add_action(w, edit, "Mark verified…", lambda: editor.ask_verify(prefs.user_name(w.settings)), VERIFY_KEY)
    speakers = edit.addMenu("Set speaker")
    for n in range(1, 10):
        add_action(w, speakers, f"Speaker {n}", lambda _=False, n=n: editor.speaker_hotkey(n), f"Ctrl+{n}")
    w.play_menu = bar.addMenu("&Playback")


def fill_play_menu(w: Any) -> None:
    """Menu entries show the current key (the keys themselves are handled by the KeyRouter)."""
    w.play_menu.clear()
    player, editor = w.player, w.editor
    for name, label, slot in (
        ("play_pause", "Play / pause", player.toggle),
        ("skip_back", "Skip back", lambda: editor.cursor_sync.skip(False)),
        ("skip_forward", "Skip forward", lambda: editor.cursor_sync.skip(True)),
        ("slower", "Slower", player.slower),
        ("faster", "Faster", player.faster),
        ("loop_segment", "Loop segment", editor.toggle_loop),
        ("next_uncertain", "Next uncertain word", editor.next_uncertain),
        ("previous_uncertain", "Previous uncertain word", editor.previous_uncertain),
        ("mark_reviewed", "Mark word reviewed", editor.mark_current_reviewed),
        ("insert_inaudible", "Type [inaudible hh:mm:ss] here", editor.insert_inaudible),
    ):
        key = binding(w.settings, name).toString(QKeySequence.SequenceFormat.NativeText)
        add_action(w, w.play_menu, f"{label}\t{key}", slot)
    hold = binding(w.settings, "hold_play").toString(QKeySequence.SequenceFormat.NativeText)
    w.play_menu.addSeparator()
    w.play_menu.addAction(f"Hold to play: hold {hold} (set the pedal's key in Settings → Keys)").setEnabled(False)
