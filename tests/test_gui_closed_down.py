"""A refresh the worker's events asked for at the event loop's next turn ran after the window had closed and
its case was closed: "Cannot operate on a closed database" in the Qt event loop (a clean-clone CI's teardown of
tests/test_gui.py, session 27)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from app.gui.window_worker import soon  # noqa: E402
from tests.gui_case import build_case, settings  # noqa: E402


def test_a_refresh_asked_as_the_window_closes_is_not_made_on_its_closed_case(qapp, qtbot, models_dir, tmp_path):
    from app.gui.main_window import MainWindow

    case = build_case(tmp_path)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    window.show()
    soon(window, "refresh_queue")  # a worker event's refresh, still pending
    window.close()
    case.close()
    qtbot.wait(50)  # the event loop's next turns: the pending refresh would read the closed case
    assert window.closed_down
