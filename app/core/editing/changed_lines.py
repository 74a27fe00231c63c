"""Which lines of a run's current transcript a person changed from the machine draft, what the machine
wrote there and who changed it: what every export marks (a record said only "Corrected by NAME").

Everything is read from the machine draft and from the revisions that stand (undone ones not; a redo
counts as the revision it redoes), both of which `verify` vouches for; never from the working rows'
`origin_segment_id`, which it does not. Replaying those revisions gives, for each line:
- the machine segments it came from (a split half: the segment cut; a merged line: every segment
  joined, on any channel), from the revisions' before/after snapshots;
- the name each machine speaker carries now (a speaker renamed or merged throughout moves no line);
- who changed its text or gave it another speaker (a split half keeps the editors of the line it
  was cut from; a merged line those of every line joined).
A line is changed when its words differ from those of the machine's segment with the same times and
channel, when no machine segment has its times (a split, a merge), or when it now carries another
speaker than the one the machine gave its words (under that speaker's name now).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from app.core.editing import operations as editing
from app.core.editing.speaker_edits import standing
from app.core.store import Case
from app.core.store.revisions import Revision
from app.core.types import ChangedLine, Segment

NOT_CORRECTIONS = ("set_verified", "mark_reviewed")  # a sign-off or a word heard again changes no text
RENAMES = ("rename_speaker", "merge_speakers")  # a speaker's name changed throughout: no line moved
NO_SPEAKER = ""  # ChangedLine.machine_speaker of a line the machine gave no speaker and a person gave one

Place = tuple[int, int, int | None]


def correctors(made: list[Revision]) -> list[str]:
    """Everyone whose changes to a run's text stand, by name in the order each first made one (a sign-off or a
    word marked as listened to changes no text; an undone change is none)."""
    return list(dict.fromkeys(rev.actor for rev in standing(made) if rev.op not in NOT_CORRECTIONS and rev.actor))


@dataclass
class _Facts:
    """What the standing revisions say: who changed each line, where it came from, speakers' names now."""

    editors: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    origins: dict[int, list[Place]] = field(default_factory=dict)
    names: dict[str | None, str | None] = field(default_factory=dict)


def changed_lines(case: Case, run_id: int, history: list[Revision] | None = None) -> tuple[ChangedLine, ...]:
    """The changed lines of the run's current transcript, in reading order; none for a machine draft.
    `history`: the run's revisions where the caller has read them."""
    if editing.status(case, run_id)[0] == editing.STATUS_DRAFT:
        return ()
    machine = case.segments(run_id)
    facts = _replay(editing.history(case, run_id) if history is None else history, machine)
    by_place: dict[Place, list[Segment]] = defaultdict(list)
    for seg in machine:
        by_place[_place(seg)].append(seg)
    index = _MachineIndex(machine)
    found = (_line(seg, facts, by_place, index) for seg in editing.current_segments(case, run_id))
    return tuple(line for line in found if line is not None)


def _replay(history: list[Revision], machine: tuple[Segment, ...]) -> _Facts:
    facts = _Facts(names={seg.speaker: seg.speaker for seg in machine})
    for rev in standing(history):
        before = _segments(rev.before)
        for seg in before:
            facts.origins.setdefault(seg["id"], [_place_of(seg)])
        if rev.op in RENAMES and isinstance(rev.params, dict):
            _rename(facts.names, rev.params, rev.op)
        if rev.op in NOT_CORRECTIONS or not rev.actor:
            continue
        _credit(facts, rev, before)
    return facts


def _rename(names: dict[str | None, str | None], params: dict[str, Any], op: str) -> None:
    old, new = (params.get("old"), params.get("new")) if op == "rename_speaker" else (params.get("source"),
                                                                                      params.get("target"))
    for speaker, now in names.items():
        if now == old:
            names[speaker] = new


def _credit(facts: _Facts, rev: Revision, before: list[dict[str, Any]]) -> None:
    """The revision's actor to each line it changed; a split's or merge's lines take the editors and
    origins of every line they came from."""
    fields = ("text",) if rev.op in RENAMES else ("text", "speaker")
    was = {seg["id"]: [seg.get(f) for f in fields] for seg in before}
    joined = rev.op in ("split", "merge")
    came = list(dict.fromkeys(p for seg in before for p in facts.origins.get(seg["id"], [])))
    inherited = list(dict.fromkeys(name for seg in before for name in facts.editors.get(seg["id"], [])))
    for seg in _segments(rev.after):
        seg_id = seg["id"]
        if joined or seg_id not in was:
            facts.origins[seg_id] = came or [_place_of(seg)]
            facts.editors[seg_id] = list(inherited)
        if was.get(seg_id) != [seg.get(f) for f in fields] and rev.actor not in facts.editors[seg_id]:
            facts.editors[seg_id].append(rev.actor)


def _line(seg: Segment, facts: _Facts, by_place: dict[Place, list[Segment]],
          index: _MachineIndex) -> ChangedLine | None:
    """The line's change, None where it holds the machine's words under the machine's speaker."""
    parts = [m for p in facts.origins.get(seg.id or 0, [_place(seg)]) for m in by_place.get(p, [])] \
        or index.about_line(seg)
    heard = {facts.names.get(m.speaker, m.speaker) for m in parts}
    same = by_place.get(_place(seg), [])
    words_changed = not any(_words(m) == _words(seg) for m in same)
    if len(heard) > 1:  # joined from lines of different speakers: each part under its own
        text = " ".join(_said(m, seg, facts) + _text(m) for m in parts if _text(m) or _said(m, seg, facts))
        return ChangedLine(seg.id or 0, text.strip(), _by(seg, facts))
    speaker = heard.pop() if heard else seg.speaker
    moved = None if speaker == seg.speaker else (speaker if speaker is not None else NO_SPEAKER)
    if moved is None and not words_changed:
        return None
    text = " ".join(_text(m) for m in parts if _text(m))
    return ChangedLine(seg.id or 0, text, _by(seg, facts), moved)


def _said(part: Segment, seg: Segment, facts: _Facts) -> str:
    """"(said by X) " before a part the machine gave another speaker than the line's now."""
    speaker = facts.names.get(part.speaker, part.speaker)
    if speaker == seg.speaker:
        return ""
    return "(no speaker given by the machine) " if speaker is None else f"(said by {speaker}) "


def _by(seg: Segment, facts: _Facts) -> tuple[str, ...]:
    return tuple(facts.editors.get(seg.id or 0, ()))


def _text(seg: Segment) -> str:
    return " ".join(seg.text.split())


def _place(seg: Segment) -> Place:
    return (seg.start_ms, seg.end_ms, seg.channel)


def _segments(snapshot: object) -> list[dict[str, Any]]:
    """A revision's before/after segments that name their id and times (a row no Parley writes is left out)."""
    found = snapshot.get("segments") if isinstance(snapshot, dict) else None
    return [seg for seg in found if isinstance(seg, dict) and isinstance(seg.get("id"), int)
            and isinstance(seg.get("start_ms"), int) and isinstance(seg.get("end_ms"), int)] \
        if isinstance(found, list) else []


def _place_of(seg: dict[str, Any]) -> Place:
    return (seg["start_ms"], seg["end_ms"], seg.get("channel"))


def _words(seg: Segment | None) -> tuple[str, bool] | None:
    return None if seg is None else (" ".join(seg.text.split()), seg.inaudible)


class _MachineIndex:
    """The machine's segments of each channel by start time, to find those about a line without reading all
    (a line no standing revision accounts for)."""

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

    def about_line(self, seg: Segment) -> list[Segment]:
        """The machine's segments for a line: those inside its time; else the one holding it (the one sharing
        an end first); else those its time overlaps."""
        own = self.about(seg)
        inside = [m for m in own if seg.start_ms <= m.start_ms and m.end_ms <= seg.end_ms]
        holding = [m for m in own if m.start_ms <= seg.start_ms and seg.end_ms <= m.end_ms]
        sharing = [m for m in holding if m.start_ms == seg.start_ms or m.end_ms == seg.end_ms]
        return (inside or sharing[:1] or holding[:1]
                or [m for m in own if m.start_ms < seg.end_ms and seg.start_ms < m.end_ms])
