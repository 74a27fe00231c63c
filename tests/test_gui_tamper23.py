"""The window over a case folder replaced, moved or removed while it is open (session 23): it showed the old case,
unsaid, until its next write was refused; now its next refresh (each second) says so in the banner."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.gui_case import build_case, settings


@pytest.mark.parametrize("swap", ["restored", "moved"])
def test_a_case_folder_changed_under_the_window_is_said_at_its_next_refresh(qapp, models_dir, tmp_path, swap):
    from app.gui.main_window import CASE_REPLACED, MainWindow

    case = build_case(tmp_path)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    try:
        window.refresh_if_changed()
        assert CASE_REPLACED not in window.banner.text()  # the case in place: nothing said
        if swap == "restored":
            shutil.copytree(case.folder, tmp_path / "backup")
        os.rename(case.folder, tmp_path / "case.moved")
        if swap == "restored":
            shutil.copytree(tmp_path / "backup", case.folder)
        window.refresh_if_changed()  # the timer's tick
        said = "is another file than the one opened" if swap == "restored" else "is gone"
        assert CASE_REPLACED in window.banner.text() and said in window.banner.text()  # was: nothing until a write
    finally:
        window.close()
        case.close()
