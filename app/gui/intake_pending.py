"""Intakes the window has begun and not finished, kept in its settings (synced at once, so a kill
keeps them): a window closed or killed while it took in a dropped folder takes in the rest when it
next opens that case, instead of leaving part of the folder in the case, unqueued and unsaid."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

KEY = "intake/pending"


def _all(settings: Any) -> list[dict[str, Any]]:
    try:
        entries = json.loads(str(settings.value(KEY, "[]") or "[]"))
    except ValueError:  # a settings file edited by hand: nothing to resume rather than no window
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("paths"), list)] \
        if isinstance(entries, list) else []


def _save(settings: Any, entries: list[dict[str, Any]]) -> None:
    settings.setValue(KEY, json.dumps(entries))
    settings.sync()  # on disk before the intake reads its first file


def _folder(case: Any) -> str:
    return str(Path(case.folder).resolve())


def begun(settings: Any, case: Any, paths: list[str], resumed: bool = False) -> str:
    """Note an intake into `case` as begun (`resumed`: taking in again one left unfinished); its key for `ended`."""
    key = uuid.uuid4().hex
    entry = {"key": key, "case": _folder(case), "paths": [str(p) for p in paths], "resumed": resumed}
    _save(settings, [*_all(settings), entry])
    return key


def ended(settings: Any, key: str) -> None:
    _save(settings, [e for e in _all(settings) if e.get("key") != key])


def left_unfinished(settings: Any, case: Any) -> tuple[list[str], list[str]]:
    """The paths of the intakes into `case` that never ended (each path once), forgotten now: (those to take
    in again, those whose intake had been taken in again already and stopped again: never a third time, so a
    file that brings the window down cannot bring it down at every start). A folder's files already taken in
    are found again, not added twice."""
    entries = _all(settings)
    mine = [e for e in entries if e.get("case") == _folder(case)]
    if mine:
        _save(settings, [e for e in entries if e.get("case") != _folder(case)])
    again = [str(p) for e in mine if not e.get("resumed") for p in e["paths"]]
    given_up = [str(p) for e in mine if e.get("resumed") for p in e["paths"]]
    return list(dict.fromkeys(again)), [p for p in dict.fromkeys(given_up) if p not in again]
