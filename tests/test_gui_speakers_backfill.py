"""The window and a run diarised before voiceprints were kept (real voices, shared/eval/diar): its
speakers are measured on a thread of the window, not on the GUI thread, and the known voices
are then offered in the bar, never applied."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6.QtMultimedia")

from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store.speakers import run_voiceprints
from tests.gui_case import open_exhibit, settings
from tests.test_speakers import label_of
from tests.test_speakers_backfill import SPEAKER_SHA

pytestmark = [pytest.mark.gui, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def win(qapp, models_dir, tmp_path_factory, backfill_case):
    from app.gui.main_window import MainWindow

    folder = tmp_path_factory.mktemp("backfill_window")
    # two_lj_bush with voiceprints and both voices enrolled, three_lj_bush_osr an old run, ... (conftest)
    shutil.copytree(backfill_case, folder / "case")
    case = Case.open(folder / "case")
    window = MainWindow(case, settings(folder, models_dir), start_worker=False)
    window.resize(1280, 800)
    window.show()
    yield window
    window.close()
    case.close()


def test_an_old_run_is_measured_off_the_gui_thread_then_offered(qtbot, win):
    tools = win.editor.speaker_tools
    messages: list[str] = []
    tools.message.connect(messages.append)
    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")
    run = win.session.run_id
    assert run_voiceprints(win.case, run) == ("", {})
    assert tools.measuring and not tools.bar.isVisible()  # the window went straight back to its loop
    assert messages[-1].startswith("Measuring the voice of Speaker 1, Speaker 2, Speaker 3")
    qtbot.waitUntil(lambda: tools.bar.isVisible(), timeout=30_000)
    offers = {offer.speaker: offer.profile for offer, *_ in tools.bar.rows}
    lj, bush = (label_of(win.case, run, "three_lj_bush_osr", w) for w in ("lj", "bush"))
    assert offers == {lj: "Linda Johnson", bush: "George Bush"}
    assert editing.speakers(win.case, run) == ["Speaker 1", "Speaker 2", "Speaker 3"]  # offered, not applied
    entry = [e for e in win.case.audit.entries(f"run/{run}") if e.action == "speaker.voiceprints_computed"]
    assert len(entry) == 1 and entry[0].details["model_sha256"] == SPEAKER_SHA
    open_exhibit(qtbot, win, "two_lj_bush.wav")
    open_exhibit(qtbot, win, "three_lj_bush_osr.wav")  # kept: offered at once, nothing measured again
    assert tools.bar.isVisible() and not tools.measuring and len(tools.bar.rows) == 2
