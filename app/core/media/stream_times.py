"""Where a stream sits in time: its timestamps in seconds, its start, its lead behind the picture.

Shared by intake's probe (app/core/media/probing.py) and the decoder (app/core/media/decode.py).
"""

from __future__ import annotations

import av

from app.core.media.damage import LEAD_TOLERANCE_S

TRUNCATION_TOLERANCE_S = 0.5


def time_s(pts, time_base) -> float | None:
    if pts is None or time_base is None:
        return None
    return float(pts * time_base)


def origin_s(stream) -> float | None:
    return time_s(stream.start_time, stream.time_base)


def lead_s(container, stream) -> float:
    """How long after the recording starts (its earliest stream: a phone video's picture) this
    audio stream begins, when that is more than priming: its words are placed that much later,
    in step with the picture. 0 for a stream that starts with the recording."""
    own = origin_s(stream)
    if own is None or container.start_time is None:
        return 0.0
    lead = own - container.start_time / av.time_base
    return lead if lead > LEAD_TOLERANCE_S else 0.0


def is_cover_art(stream) -> bool:
    disposition = getattr(stream, "disposition", None)
    try:
        return bool(disposition is not None and disposition & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False
