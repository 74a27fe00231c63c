"""The window's Search tab: a hit opens its exhibit's transcript at that moment."""

from __future__ import annotations

import pytest

from tests.gui_case import boxes, win  # noqa: F401 - the shared window fixtures

pytestmark = pytest.mark.gui


def test_a_search_hit_opens_its_exhibit_at_that_moment(qtbot, win):  # noqa: F811
    case = win.case
    exhibit = next(e for e in case.exhibits() if e.source.name == "interview_stereo.wav")
    run_id = case.latest_run(exhibit.id, "transcribe")
    win.tabs.setCurrentWidget(win.search_view)
    win.search_view.set_query("sister")
    qtbot.waitUntil(lambda: bool(win.search_view.model.hits), timeout=5_000)
    hit = win.search_view.model.hits[0]
    assert hit.exhibit_id == exhibit.id and hit.start_ms == 13000
    win.search_view.hitActivated.emit(hit.exhibit_id, hit.run_id, hit.start_ms)
    assert win.tabs.currentIndex() == 0 and win.session.run_id == run_id
    assert win.exhibits.current_id() == exhibit.id
