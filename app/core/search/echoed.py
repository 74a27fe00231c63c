"""One search hit per chat message, however many exports of the chat the case holds.

The same chat exported twice (March, then March-April; zipped and unzipped side by side in a dump;
from both phones) puts each message in the index once per export. A hit on a message another
export also holds (`app.core.store.chats.echoes`: same app, moment, sender, text and kind of
attachment) is shown once, the best ranked, naming the other exports that hold it (`also_in`).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from app.core.store import Case
from app.core.store.chats import Echo, echoes, message_places
from app.core.store.search_index import CHAT_TASK


class _Hit(Protocol):
    exhibit_id: int
    task: str
    segment_id: int  # the chat message's row id for a chat hit


H = TypeVar("H", bound=_Hit)


def fold_echoes(case: Case, hits: list[H]) -> list[tuple[H, tuple[Echo, ...]]]:
    """`hits` in their order, a chat message another export holds too kept only at its first hit,
    each chat hit with the other exports that hold its message."""
    chat_ids = [h.segment_id for h in hits if h.task == CHAT_TASK]
    if not chat_ids:
        return [(h, ()) for h in hits]
    places = message_places(case, chat_ids)
    same: dict[int, dict[int, list[Echo]]] = {}
    shown: set[tuple[int, int]] = set()
    out: list[tuple[H, tuple[Echo, ...]]] = []
    for hit in hits:
        place = places.get(hit.segment_id) if hit.task == CHAT_TASK else None
        if place is None:
            out.append((hit, ()))
            continue
        if place in shown:
            continue
        if place[0] not in same:
            same[place[0]] = echoes(case, place[0])
        others = tuple(same[place[0]].get(hit.segment_id, ()))
        shown.add(place)
        shown.update((o.exhibit_id, o.index) for o in others)
        out.append((hit, others))
    return out


def copies(case: Case, message_ids: list[int]) -> int:
    """How many of these chat messages are another export's copy of one counted before them (the
    chat exported twice, or from both phones): what a count of messages leaves out."""
    places = message_places(case, message_ids)
    same: dict[int, dict[int, list[Echo]]] = {}
    shown: set[tuple[int, int]] = set()
    extra = 0
    for message_id in message_ids:
        place = places.get(message_id)
        if place is None:
            continue
        if place in shown:
            extra += 1
            continue
        if place[0] not in same:
            same[place[0]] = echoes(case, place[0])
        shown.add(place)
        shown.update((o.exhibit_id, o.index) for o in same[place[0]].get(message_id, ()))
    return extra
