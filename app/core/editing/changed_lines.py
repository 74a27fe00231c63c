"""Which lines of a run's current transcript a person changed from the machine draft, what the machine
wrote there and who changed it: what every export marks (a record said only "Corrected by NAME").

A line is changed when its words differ from those of the machine's segment with the same times and
channel, or when no machine segment has its times (a split, a merge). The machine's words of a changed
line are those of the machine segment(s) it came from, found by time on its channel (_MachineIndex.words). Read from the machine draft,
which `verify` vouches for, never from the working rows' `origin_segment_id`, which it does not.
A line given to another speaker is changed too, where the rest of its machine speaker's lines were not
(a speaker renamed or merged throughout marks no line).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict

from app.core.editing import operations as editing
from app.core.store import Case
from app.core.store.revisions import Revision
from app.core.types import ChangedLine, Segment

NOT_CORRECTIONS = ("set_verified", "mark_reviewed")  # a sign-off or a word heard again changes no text
RENAMES = ("rename_speaker", "merge_speakers")  # a speaker's name changed throughout: no line moved


def changed_lines(case: Case, run_id: int, history: list[Revision] | None = None) -> tuple[ChangedLine, ...]:
    """The changed lines of the run's current transcript, in reading order; none for a machine draft.
    `history`: the run's revisions where the caller has read them."""
    if editing.status(case, run_id)[0] == editing.STATUS_DRAFT:
        return ()
    machine = case.segments(run_id)
    by_place = {_place(seg): seg for seg in machine}
    current = [(seg, by_place.get(_place(seg))) for seg in editing.current_segments(case, run_id)]
    names = _speaker_names(current)
    found = [(seg, _moved_from(seg, same, names)) for seg, same in current]
    changed = [(seg, moved) for (seg, moved), (_, same) in zip(found, current) if moved or _words(seg) != _words(same)]
    if not changed:
        return ()
    editors = line_editors(editing.history(case, run_id) if history is None else history)
    index = _MachineIndex(machine)
    return tuple(ChangedLine(seg.id or 0, index.words(seg), tuple(editors.get(seg.id or 0, ())), moved)
                 for seg, moved in changed)


def line_editors(history: list[Revision]) -> dict[int, list[str]]:
    """{working segment id: who changed its text or gave it another speaker, once each, in order}, from what
    each revision held (a speaker renamed or merged throughout changes no line's)."""
    editors: dict[int, list[str]] = defaultdict(list)
    for rev in history:
        if rev.op in NOT_CORRECTIONS or not rev.actor:
            continue
        fields = ("text",) if rev.op in RENAMES else ("text", "speaker")
        before = {seg.get("id"): [seg.get(f) for f in fields] for seg in rev.before.get("segments", [])}
        for seg in rev.after.get("segments", []):
            seg_id = seg.get("id")
            if seg_id is not None and before.get(seg_id) != [seg.get(f) for f in fields] \
                    and rev.actor not in editors[seg_id]:
                editors[seg_id].append(rev.actor)
    return editors


def _speaker_names(current: list[tuple[Segment, Segment | None]]) -> dict[str | None, str | None]:
    """{the machine's speaker: the name most of its lines carry now} (a speaker renamed or merged throughout)."""
    counts: dict[str | None, Counter] = defaultdict(Counter)
    for seg, same in current:
        if same is not None:
            counts[same.speaker][seg.speaker] += 1
    return {speaker: named.most_common(1)[0][0] for speaker, named in counts.items()}


def _moved_from(seg: Segment, same: Segment | None, names: dict[str | None, str | None]) -> str | None:
    """The speaker the machine gave the line (under the name that speaker carries now), where a person gave
    this line alone to another; None where it was not moved (or the machine gave it no speaker)."""
    if same is None or same.speaker is None:
        return None
    was = names.get(same.speaker, same.speaker)
    return was if seg.speaker != was else None


def _place(seg: Segment) -> tuple[int, int, int | None]:
    return (seg.start_ms, seg.end_ms, seg.channel)


def _words(seg: Segment | None) -> tuple[str, bool] | None:
    return None if seg is None else (" ".join(seg.text.split()), seg.inaudible)


class _MachineIndex:
    """The machine's segments of each channel by start time, to find those about a line without reading all."""

    def __init__(self, machine: tuple[Segment, ...]) -> None:
        self.by_channel: dict[int | None, list[Segment]] = defaultdict(list)
        for seg in sorted(machine, key=lambda m: m.start_ms):
            self.by_channel[seg.channel].append(seg)
        self.starts = {ch: [m.start_ms for m in segs] for ch, segs in self.by_channel.items()}
        self.longest = max((m.end_ms - m.start_ms for m in machine), default=0)

    def about(self, seg: Segment) -> list[Segment]:
        """The segments on its channel that start at most the longest segment's length before it, up to its end."""
        starts = self.starts.get(seg.channel, [])
        first = bisect_left(starts, seg.start_ms - self.longest)
        return self.by_channel.get(seg.channel, [])[first:bisect_right(starts, seg.end_ms)]

    def words(self, seg: Segment) -> str:
        """The machine's words for a changed line: its segment at the same times; else those a merge joined
        (inside the line's time); else the one a split cut (holding the line's time, the one sharing an end
        first); else those its time overlaps."""
        own = self.about(seg)
        inside = [m for m in own if seg.start_ms <= m.start_ms and m.end_ms <= seg.end_ms]
        holding = [m for m in own if m.start_ms <= seg.start_ms and seg.end_ms <= m.end_ms]
        sharing = [m for m in holding if m.start_ms == seg.start_ms or m.end_ms == seg.end_ms]
        over = (inside or sharing[:1] or holding[:1]
                or [m for m in own if m.start_ms < seg.end_ms and seg.start_ms < m.end_ms])
        return " ".join(" ".join(m.text.split()) for m in over if m.text.strip())
