"""The main window's layout: exhibits over the queue on the left; on the right the tabs (Editor with
its transcript picker and Translate…, Translation, History, Search, Entities, Timeline); the
problem banner over both."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.gui.chat_timeline import ChatTimeline
from app.gui.entities_view import EntitiesView
from app.gui.search_view import SearchView
from app.gui.widgets import ProblemBanner, readable_selection

LEFT_SIZES = (480, 320)  # exhibits over queue
MAIN_SIZES = (500, 780)  # the left pane's tables fit, their statuses whole ("language uncertain")


def _editor_page(w: Any) -> QWidget:
    """The Editor tab: "Transcript:" and its picker, Translate…, the editor."""
    page = QWidget()
    top = QHBoxLayout()
    top.addWidget(QLabel("Transcript:"))
    top.addWidget(w.run_box, 1)
    w.translate_button = QPushButton("Translate…")
    w.translate_button.setToolTip("Translate this transcript with a translation model (Ctrl+T)")
    w.translate_button.clicked.connect(w.ask_translate)
    top.addWidget(w.translate_button)
    layout = QVBoxLayout(page)
    layout.addLayout(top)
    layout.addWidget(w.editor, 1)
    return page


def _tabs(w: Any) -> QTabWidget:
    w.tabs = QTabWidget()
    w.tabs.addTab(_editor_page(w), "Editor")
    w.tabs.addTab(w.translation, "Translation")
    w.tabs.addTab(w.history, "History")
    w.search_view = SearchView(w.case)
    w.search_view.hitActivated.connect(w.open_at)
    w.tabs.addTab(w.search_view, "Search")
    w.entities_view = EntitiesView(w.case)
    w.entities_view.mentionActivated.connect(w.open_at)
    w.tabs.addTab(w.entities_view, "Entities")
    w.chats = ChatTimeline(w)  # the Timeline tab: chat exports in, shown as one story
    w.tabs.currentChanged.connect(w._tab_shown)
    return w.tabs


def build_layout(w: Any) -> None:
    """The panes of the main window `w` (its views made already), with the names its saved layout uses."""
    readable_selection(w)
    w.banner = ProblemBanner()
    left = QSplitter(Qt.Orientation.Vertical)
    left.setObjectName("left_split")
    left.addWidget(w.exhibits)
    left.addWidget(w.queue_view)
    left.setSizes(list(LEFT_SIZES))
    split = QSplitter(Qt.Orientation.Horizontal)
    split.setObjectName("main_split")
    split.setChildrenCollapsible(False)
    split.addWidget(left)
    split.addWidget(_tabs(w))
    split.setStretchFactor(1, 1)
    split.setSizes(list(MAIN_SIZES))
    w.splitters = (split, left)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(w.banner)
    layout.addWidget(split, 1)
    w.setCentralWidget(central)
