"""Cases built through the store API for the search and entity tests."""

from __future__ import annotations

import hashlib

from app.core.evidence.provenance import software_info
from app.core.store import Case
from app.core.types import ModelInfo, Segment, SourceInfo

MODEL = ModelInfo("base", "/models/base", "ab" * 32)
SEGMENT_MS = 3000


def add_exhibit(case: Case, name: str, kind: str = "media") -> int:
    source = SourceInfo(path=f"/evidence/{name}", sha256=hashlib.sha256(name.encode()).hexdigest(),
                        bytes=1000, duration_ms=60_000, kind=kind)
    exhibit, _ = case.add_exhibit(source)
    return exhibit.id


def add_run(case: Case, exhibit_id: int, texts: list[str], task: str = "transcribe",
            language: str = "en", parent_run_id: int | None = None,
            speakers: list[str | None] | None = None) -> int:
    """A complete run whose segment i says texts[i] from i*3 s to i*3 s + 2.5 s."""
    run_id = case.start_run(exhibit_id, task, MODEL, {"beam_size": 5}, software_info(),
                            parent_run_id=parent_run_id)
    speakers = speakers or [None] * len(texts)
    segments = tuple(Segment(i * SEGMENT_MS, i * SEGMENT_MS + 2500, text, speaker=speaker)
                     for i, (text, speaker) in enumerate(zip(texts, speakers)))
    case.append_segments(run_id, segments, {}, language, 0.9)
    case.finish_run(run_id)
    return run_id
