"""Files the CLI (or an earlier window) met but could not add, shown when the case is opened.

`transcribe PHONE/` or `queue add` over a folder holding an empty WAV and a text file named .wav
recorded both in the case (`exhibits --all` lists them), but the window opened on that case
showed only the exhibits: an investigator working in the window never learnt of them.
"""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6.QtWidgets")

from app.cli import main
from app.core.store import Case
from tests.conftest import MEDIA
from tests.gui_case import boxes, settings  # noqa: F401 - boxes: the autouse fixture


def test_files_the_cli_could_not_add_are_listed_when_the_window_opens(qtbot, tmp_path, models_dir):
    from app.gui.main_window import MainWindow

    phone = tmp_path / "phone"
    phone.mkdir()
    for name in ("empty.wav", "not_audio.wav", "en_voicenote.opus"):
        shutil.copy(MEDIA / name, phone / name)
    assert main(["queue", "add", str(phone), "--case", str(tmp_path / "case"), "--model", "tiny.en"]) == 1
    case = Case.open(tmp_path / "case")
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    window.start_worker = lambda: False
    try:
        panel = window.exhibits.not_added
        shown = panel.entries()
        assert sorted(e.split(":")[0] for e in shown) == ["empty.wav", "not_audio.wav"], shown
        assert "empty file (0 bytes)" in " ".join(shown)
        assert not panel.isHidden() and "2 file(s)" in panel.title.text()
        other = Case.open(tmp_path / "other")  # a case with none: the list is the new case's
        other.close()
        window.open_case(tmp_path / "other")
        assert window.exhibits.not_added.entries() == [] and window.exhibits.not_added.isHidden()
    finally:
        window.close()
        window.case.close()
