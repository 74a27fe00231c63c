"""The window as session 26's user met it: the Speakers button's arrow.

A window with no worker over a case built without a model (tests/gui_case.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtGui import QColor

from tests import gui_case

pytestmark = [pytest.mark.gui, pytest.mark.timeout(120)]
boxes, win = gui_case.boxes, gui_case.win  # the shared fixtures (a window per module)


def drawn_columns(button, text: str, inset: int = 3) -> tuple[set[int], set[int]]:  # type: ignore[no-untyped-def]
    """(the columns its menu arrow is drawn in, those its text is drawn in), inside the button's frame:
    the arrow is what the button shows with no text, the text what changes when its text is put back."""
    button.setText("")
    bare = button.grab().toImage()
    button.setText(text)
    full = button.grab().toImage()
    inside = [(x, y) for x in range(inset, full.width() - inset) for y in range(inset, full.height() - inset)]
    plain = QColor(bare.pixel(inset, full.height() // 2)).lightness()
    arrow = {x for x, y in inside if QColor(bare.pixel(x, y)).lightness() < plain - 40}
    letters = {x for x, y in inside if abs(QColor(full.pixel(x, y)).lightness() - QColor(bare.pixel(x, y)).lightness()) > 40}
    return arrow, letters


def test_the_speakers_buttons_arrow_is_clear_of_its_text(qtbot, win):
    """The Speakers button's menu arrow was drawn over the last "s" of "Speakers" (a tool button puts it in
    its corner, against its text, no blank column between): now it stands apart, to the right of the text."""
    button = win.editor.speakers_button
    win.editor.set_enabled(True)
    qtbot.waitUntil(lambda: button.isVisible() and button.width() > 0, timeout=3_000)
    button.setFixedSize(button.size())  # the same size with its text and without
    arrow, letters = drawn_columns(button, button.text())
    assert arrow and letters, (arrow, letters)
    assert min(arrow) - max(letters) > 3, (sorted(arrow), sorted(letters))  # blank columns between: was none
