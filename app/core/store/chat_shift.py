"""The same chat exported from two phones whose clocks differ (set to different time zones, or one set wrong):
every message of one is written a whole number of quarter-hours after the other's. No SQL here: the pairs of
messages are `chats.echoes`'s."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

SHIFT_MIN = 3  # typed messages (of SHIFT_TEXT or more characters) one shift must make the same moment
SHIFT_TEXT = 8
# A voice note or file of the same bytes in both exports counts as this many such messages: one of them and a typed
# message, or two of them, find a short chat's shift (a forwarded copy alone never does).
SHARED_FILE_WEIGHT = 2
MAX_SHIFT_MINUTES = 14 * 60  # the widest two time zones are apart is 26 hours; phones' clocks rarely more than 14


def shifts(pairs: Iterable[tuple[int, str, str, int]]) -> dict[int, int]:
    """Per other export, the minutes its times run after this one's, from (other export, this message's
    minute, that message's minute, weight) of messages with the same words (or file): the one shift, not 0, a
    whole number of quarter-hours, that SHIFT_MIN of them share and more than twice as many as share any other
    (0 too); a file of the same bytes weighs SHARED_FILE_WEIGHT."""
    seen: dict[int, Counter[int]] = {}
    for other, mine, theirs, weight in pairs:
        try:
            delta = datetime.fromisoformat(theirs[:16]) - datetime.fromisoformat(mine[:16])
        except ValueError:
            continue
        seen.setdefault(int(other), Counter())[int(delta.total_seconds() // 60)] += int(weight)
    out = {}
    for other, counts in seen.items():
        (shift, n), *rest = counts.most_common()
        runner_up = max([counts.get(0, 0)] + [m for s, m in rest if s != shift])
        if shift and shift % 15 == 0 and abs(shift) <= MAX_SHIFT_MINUTES and n >= SHIFT_MIN and n > 2 * runner_up:
            out[other] = shift
    return out


def shifted(moment: str, minutes: int) -> str | None:
    """`moment` (ISO 8601) `minutes` later, as the other phone writes it; None when it is no ISO moment."""
    try:
        return (datetime.fromisoformat(moment) + timedelta(minutes=minutes)).isoformat()
    except ValueError:
        return None


def said(minutes: int) -> str:
    """'1 h later', '5 h 30 min earlier': how the other export's times stand to this one's."""
    hours, rest = divmod(abs(minutes), 60)
    size = " ".join(p for p in (f"{hours} h" if hours else "", f"{rest} min" if rest else "") if p)
    return f"{size} {'later' if minutes > 0 else 'earlier'}"
