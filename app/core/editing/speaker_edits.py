"""Speaker edits of a transcript: merge two speakers, split some segments off as a new speaker,
and the order speakers are numbered in (Ctrl+1..9 in the window).

Both edits are revisions like every other edit (app.core.editing.operations): undoable, with who
and when, in the audit log. Renaming a speaker and setting one segment's speaker are in editing.
"""

from __future__ import annotations

from app.core.editing.operations import (
    Change,
    EditError,
    SegmentDict,
    _matching_op,
    _segment_op,
    get_segment,
    speakers,
)
from app.core.store import Case, revisions, working_copy
from app.core.store.revisions import Revision


def merge_speakers(case: Case, run_id: int, source: str, target: str, actor: str | None = None) -> Change:
    """Every segment of `source` becomes `target`'s (both must be speakers of the transcript)."""
    source, target = source.strip(), target.strip()
    present = speakers(case, run_id)
    for name in (source, target):
        if name not in present:
            raise EditError(f"'{name}' is not a speaker of this transcript")
    if source == target:
        raise EditError("choose two different speakers to merge")

    def pick(seg: SegmentDict) -> bool:
        return seg["speaker"] == source

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        return [{**s, "speaker": target} for s in before]

    return _matching_op(case, run_id, "merge_speakers", {"source": source, "target": target},
                        pick, apply, actor)


def split_speaker(case: Case, run_id: int, segment_ids: list[int], new: str | None = None,
                  actor: str | None = None) -> Change:
    """The chosen segments of one speaker become a new speaker (`new`, else the next free
    "Speaker N"); the rest of that speaker's segments keep their name."""
    ids = list(dict.fromkeys(segment_ids))
    if not ids:
        raise EditError("select the segments that belong to the new speaker")
    owners = {get_segment(case, run_id, i).speaker for i in ids}
    if len(owners) != 1 or None in owners:
        raise EditError("select segments of one speaker to split them off")
    present = speakers(case, run_id)
    name = (new or "").strip() or next_speaker_name(present)
    if name in present:
        raise EditError(f"'{name}' is already a speaker here; use Set speaker or Merge speakers")
    owner = owners.pop()

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        return [{**s, "speaker": name} for s in before]

    return _segment_op(case, run_id, "split_speaker", {"source": owner, "new": name, "ids": ids},
                       ids, apply, actor)


def next_speaker_name(present: list[str]) -> str:
    """The first "Speaker N" not in use."""
    n = 1
    while f"Speaker {n}" in present:
        n += 1
    return f"Speaker {n}"


def numbered_speakers(case: Case, run_id: int) -> list[str]:
    """This run's speakers in an order that stays put while segments are reassigned: the machine
    draft's (by name), then each name given since (set, split off) in the order given, a rename
    or merge followed in place; then any other speaker the transcript holds now. A speaker whose
    last segment moved away keeps its place."""
    names = working_copy.speakers(case, run_id, False)
    for old, new in _name_changes(case, run_id):
        if old is None:
            if new and new not in names:
                names.append(new)
        elif old in names and new in names:
            names.remove(old)
        elif old in names:
            names[names.index(old)] = new
        elif new and new not in names:
            names.append(new)
    return names + [n for n in speakers(case, run_id) if n not in names]


def speaker_places(case: Case, run_id: int) -> dict[str, int]:
    """Each speaker of the run a place (the window's colour) that follows the speaker, not its name:
    the machine draft's speakers 0, 1, ... by name; a renamed speaker keeps its place, and a merge
    (or a rename to a name already there) the surviving speaker's; a name given since (set, split
    off) takes the lowest place no speaker of the run holds. A speaker whose last segment moved
    away keeps its place."""
    places = {name: i for i, name in enumerate(working_copy.speakers(case, run_id, False))}

    def give(name: str | None, place: int | None = None) -> None:
        if name and name not in places:
            places[name] = free_place(places) if place is None else place

    for old, new in _name_changes(case, run_id):
        give(new, places.pop(old, None) if old is not None else None)
    for name in speakers(case, run_id):
        give(name)
    return places


def free_place(places: dict[str, int]) -> int:
    """The lowest place no speaker holds (the window's colour for a speaker given a name since)."""
    return min(set(range(len(places) + 1)) - set(places.values()))


def _name_changes(case: Case, run_id: int) -> list[tuple[str | None, str | None]]:
    """The standing revisions' speaker names, in order: (old, new) for a rename or a merge (every
    line of old is new's now), (None, new) for a name given to some lines (set, split off)."""
    changes: list[tuple[str | None, str | None]] = []
    for rev in standing(revisions.ops_for_run(case, run_id)):
        p = rev.params
        if rev.op == "rename_speaker":
            changes.append((p.get("old"), p.get("new")))
        elif rev.op == "merge_speakers":
            changes.append((p.get("source"), p.get("target")))
        elif rev.op in ("set_speaker", "split_speaker"):
            changes.append((None, p.get("speaker") if rev.op == "set_speaker" else p.get("new")))
    return changes


def standing(made: list[Revision]) -> list[Revision]:
    """The original revisions not undone (or undone and redone), in the order they were made."""
    undone: set[int] = set()
    for rev in made:
        if rev.op == "undo":
            undone.add(rev.reverts or 0)
        elif rev.op == "redo":
            undone.discard(rev.reverts or 0)
    return [r for r in made if r.reverts is None and r.id not in undone]
