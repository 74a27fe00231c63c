"""Nothing a test held reaches the next test (session 28). A keyClick with a modifier (Shift+F8,
Ctrl+2) leaves Qt's keyboard state holding the modifier until the next key event, a mouseDClick leaves
the left button down, and Qt's views read that state: a later test's selectRow() extended the selection
with Shift, so test_gui_window23's speaker-box test failed after test_gui_review in the same xdist worker
and passed alone. tests/conftest.py releases what is held before each test.

The tests run in file order (each file's tests run in order in one worker): the first leaves Shift and
the left button held, as window tests do; the second is the test that comes after it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QTableView

pytestmark = pytest.mark.gui


def rows_view(qtbot) -> QTableView:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(5, 2)
    view = QTableView()
    view.setModel(model)
    model.setParent(view)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    qtbot.addWidget(view)
    view.show()
    return view


def selected(view: QTableView) -> list[int]:
    return sorted(i.row() for i in view.selectionModel().selectedRows())


def test_a_test_leaves_shift_and_the_left_button_held(qtbot, qapp):
    view = rows_view(qtbot)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
    view.selectRow(1)
    QTest.keyClick(view, Qt.Key.Key_F8, Qt.KeyboardModifier.ShiftModifier)
    assert qapp.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier  # what the next test meets
    assert qapp.mouseButtons() & Qt.MouseButton.LeftButton
    view.selectRow(3)
    assert selected(view) == [1, 2, 3]  # Shift held: selectRow extends the selection


def test_the_next_test_starts_with_nothing_held(qtbot, qapp):
    assert qapp.keyboardModifiers() == Qt.KeyboardModifier.NoModifier
    assert qapp.mouseButtons() == Qt.MouseButton.NoButton
    view = rows_view(qtbot)
    view.selectRow(1)
    view.selectRow(3)
    assert selected(view) == [3]
