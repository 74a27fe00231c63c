"""Where the proofreader was, per case: the exhibit, its transcript, the segment the cursor was on
and the playback position, kept when the window closes (or another case is opened) and put back
when the case is opened again; the Exhibits list's sort and filter, kept as they change. The window
opened on nothing: after lunch, a typist halfway through an hour's interview had to find the exhibit,
the transcript and the line again."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QAbstractItemView

from app.core.store.views import speech_runs


def _key(window: Any, kind: str = "place") -> str:
    folder = str(window.case.folder)
    return f"{kind}/" + hashlib.sha256(folder.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def save_place(window: Any, settings: QSettings) -> None:
    """The exhibit, run, cursor segment's start and playback position on screen now."""
    editor = window.editor
    if editor.exhibit is None:
        settings.remove(_key(window))
        return
    row = editor.table.currentIndex().row()
    model = editor.model
    place = {"exhibit": editor.exhibit.id, "run": window.session.run_id,
             "at_ms": model.starts[row] if 0 <= row < len(model.starts) else None,
             "play_ms": int(window.player.position())}
    settings.setValue(_key(window), json.dumps(place))


def _read(window: Any, settings: QSettings, kind: str = "place") -> dict[str, Any] | None:
    try:
        place = json.loads(str(settings.value(_key(window, kind), "") or "null"))
    except ValueError:
        return None
    return place if isinstance(place, dict) else None


def restore_place(window: Any, settings: QSettings) -> bool:
    """Back where `save_place` left this case; False when nothing was kept or it is gone."""
    place = _read(window, settings)
    if place is None or not isinstance(place.get("exhibit"), int):
        return False
    exhibit_id = place["exhibit"]
    if exhibit_id not in {e.id for e in window.case.exhibits()}:
        return False
    window.exhibits.select(exhibit_id)
    runs = {r.id for r in speech_runs(window.case, exhibit_id)}
    if place.get("run") in runs:
        window._fill_runs(exhibit_id, prefer=place["run"])
    play_ms = place.get("play_ms")
    if isinstance(play_ms, int) and play_ms > 0:
        window.player.seek(play_ms)
    at_ms = place.get("at_ms")
    editor = window.editor
    if isinstance(at_ms, int) and editor.model.rowCount():
        starts = editor.model.starts
        row = next((r for r, start in enumerate(starts) if start >= at_ms), len(starts) - 1)
        editor.cursor_sync.move_to(row)
        editor.table.scrollTo(editor.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
    return True


def save_list(window: Any, settings: QSettings) -> None:
    """The Exhibits list's sort and filter, kept for this case (they were lost at each start: the
    "Transcribed, not verified" group of a phone's 200 notes, sorted by name, chosen again every morning)."""
    settings.setValue(_key(window, "list"), json.dumps(window.exhibits.arrangement()))


def restore_list(window: Any, settings: QSettings) -> None:
    """The list sorted and filtered as `save_list` left this case (never kept: as added, every exhibit)."""
    window.exhibits.arrange(_read(window, settings, "list") or {})
