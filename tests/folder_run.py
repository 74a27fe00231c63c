"""Reading the transcripts of the whole-media-folder run (conftest's media_folder_run)."""

from __future__ import annotations

import json
from pathlib import Path


def note(root: Path, name: str) -> dict:
    """The JSON transcript the run wrote for the file of this name."""
    return json.loads((root / "out" / f"{name}.json").read_text(encoding="utf-8"))


def words_of(transcript: dict) -> str:
    """The transcript's words, its segments' texts joined by spaces."""
    return " ".join(s["text"] for s in transcript["segments"] if s["text"])
