"""Human editing of a transcript: a working copy, revisions, undo, verification.

The machine draft of a run (its `segments` and `words` rows) is never changed.
The first edit copies the run's segments into a *working transcript*
(`working_segments` / `working_words`); every operation on it is one revision row
(who, when, op, parameters, the affected segments before and after, as JSON)
and one audit-log entry, written in the same transaction.

Undo and redo are operations too: `undo(case, revision_id)` puts the affected
segments back to the revision's "before" state and is itself recorded as a
revision (op "undo", `reverts` = the revision undone), so the history only ever
grows. A QUndoStack in the GUI holds revision ids and calls these functions.

Every operation returns a `Change`: which segment ids changed, appeared or went,
and whether the ids were all replaced (the working copy was just created), so a
view can refresh only what it needs.

Status: a run with no working copy is the "machine draft"; a working copy is
"edited" until `set_verified` marks it "verified" by a named user; any later
change to its segments makes it "edited" again. The status *reported* (`status`,
`current_transcript`, every export) is "machine draft" again while an edited,
unverified working copy holds exactly the machine's segments (all edits undone):
the stored row and the revisions stay as they were, so `verify` checks them as before.

Words typed by a person (in `edit_text` or `replace_all`) are stored with
probability 1.0 and timings interpolated inside the words they replace; words
the person left unchanged keep the machine's timing and probability.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from app.core.editing.as_logged import check_as_logged
from app.core.editing.segment_edits import (
    EditError,
    SegmentDict,
    find_pattern,
    merge_segments,
    realign_words,
    split_segment,
)
from app.core.evidence.content import content_sha256, scores_sha256
from app.core.store import revisions, working_copy
from app.core.store.audit import is_account_label, person_or_account
from app.core.store.case import Case
from app.core.store.db import utc_now
from app.core.store.revisions import Revision
from app.core.types import TEXT_FLAGS, Segment, Transcript, Word

STATUS_DRAFT = "machine draft"
STATUS_EDITED = "edited"
STATUS_VERIFIED = "verified"
SEGMENT_OPS = ("edit_text", "set_speaker", "split", "merge", "rename_speaker", "replace_all")


@dataclass(frozen=True)
class Change:
    """What an operation changed, for views to refresh."""

    run_id: int
    revision_id: int | None
    changed: tuple[int, ...] = ()
    added: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    reset: bool = False  # the working copy was created: every segment id is new
    status: str = STATUS_DRAFT
    verified_by: str | None = None

    @property
    def structural(self) -> bool:
        """Rows appeared, went or were renumbered: a view must re-read its id list."""
        return self.reset or bool(self.added or self.removed)


# ------------------------------------------------------------------ reading


def has_working_copy(case: Case, run_id: int) -> bool:
    return working_copy.exists(case, run_id)


def status(case: Case, run_id: int) -> tuple[str, str | None]:
    """(status, verified_by) of a run's current transcript, as reported: an edited working copy
    whose segments (text, speakers, times, words, flags) are the machine draft's again is
    "machine draft"; a verified one stays verified."""
    stored = _stored_status(case, run_id)
    if stored[0] == STATUS_EDITED and working_copy.same_as_draft(case, run_id):
        return STATUS_DRAFT, None
    return stored


def _stored_status(case: Case, run_id: int) -> tuple[str, str | None]:
    """The working copy's status row as stored (and as revisions record it)."""
    return working_copy.status(case, run_id) or (STATUS_DRAFT, None)


def segment_ids(case: Case, run_id: int) -> list[int]:
    """Ids of the current transcript's segments in reading order."""
    return working_copy.segment_ids(case, run_id, has_working_copy(case, run_id))


def segment_spans(case: Case, run_id: int) -> list[tuple[int, int, int]]:
    """(id, start_ms, end_ms) of the current transcript's segments, in reading order (cheap)."""
    return working_copy.segment_spans(case, run_id, has_working_copy(case, run_id))


def speaker_spans(case: Case, run_id: int, machine: bool = False) -> list[tuple[str, int, int]]:
    """(speaker, start_ms, end_ms) of the current transcript's segments that have a speaker
    (`machine`: of the machine draft), in reading order (cheap: no text, no words)."""
    return working_copy.speaker_spans(case, run_id, not machine and has_working_copy(case, run_id))


def get_segment(case: Case, run_id: int, segment_id: int) -> Segment:
    """One segment of the current transcript, by the id segment_ids() gave."""
    working = has_working_copy(case, run_id)
    return _to_segment(_read(case, segment_id, working, run_id))


def current_segments(case: Case, run_id: int) -> tuple[Segment, ...]:
    if not has_working_copy(case, run_id):
        return case.segments(run_id)
    return tuple(_to_segment(seg) for seg in working_copy.read_segments(case, run_id, True))


def current_transcript(case: Case, run_id: int) -> Transcript:
    """The working copy (status "edited" or "verified") if there is one, else the machine draft."""
    machine = case.transcript(run_id)
    if not has_working_copy(case, run_id):
        return machine
    state, verified_by = status(case, run_id)
    return replace(machine, segments=current_segments(case, run_id), status=state,
                   verified_by=verified_by)


def history(case: Case, run_id: int) -> list[Revision]:
    return revisions.for_run(case, run_id)


def revision(case: Case, revision_id: int) -> Revision:
    found = revisions.get(case, revision_id)
    if found is None:
        raise EditError(f"no revision {revision_id} in this case")
    return found


def speakers(case: Case, run_id: int) -> list[str]:
    return working_copy.speakers(case, run_id, has_working_copy(case, run_id))


# --------------------------------------------------------------- operations


def edit_text(case: Case, run_id: int, segment_id: int, text: str, actor: str | None = None) -> Change:
    text = text.strip()

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        seg = dict(before[0])
        if seg["text"] != text:
            seg["words"] = realign_words(seg["words"], text)
            seg["flags"] = [f for f in seg["flags"] if f not in TEXT_FLAGS]  # a person's text now
            seg["text"] = text
        return [seg]

    return _segment_op(case, run_id, "edit_text", {"text": text}, [segment_id], apply, actor)


def set_speaker(case: Case, run_id: int, segment_id: int, speaker: str | None,
                actor: str | None = None) -> Change:
    speaker = (speaker or "").strip() or None

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        return [{**before[0], "speaker": speaker}]

    return _segment_op(case, run_id, "set_speaker", {"speaker": speaker}, [segment_id], apply, actor)


def set_speakers(case: Case, run_id: int, segment_ids: list[int], speaker: str | None,
                 actor: str | None = None) -> Change:
    """One speaker for many segments: one revision, one undo (one revision per segment froze the
    window for minutes when a proofreader reassigned a few hundred lines)."""
    if not segment_ids:
        raise EditError("choose the segments to give a speaker")
    speaker = (speaker or "").strip() or None

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        return [{**seg, "speaker": speaker} for seg in before]

    ids = list(dict.fromkeys(segment_ids))
    return _segment_op(case, run_id, "set_speaker", {"speaker": speaker}, ids, apply, actor)


def split(case: Case, run_id: int, segment_id: int, offset: int, at_ms: int | None = None,
          actor: str | None = None) -> Change:
    """Split a segment's text at character `offset`; the second part becomes a new segment."""

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        return list(split_segment(before[0], offset, at_ms))

    params = {"offset": offset, "at_ms": at_ms}
    return _segment_op(case, run_id, "split", params, [segment_id], apply, actor)


def merge(case: Case, run_id: int, ids: list[int], actor: str | None = None) -> Change:
    """Merge two or more segments into the first (in time order)."""
    if len(set(ids)) < 2:
        raise EditError("choose at least two segments to merge")
    return _segment_op(case, run_id, "merge", {"ids": list(ids)}, list(ids),
                       lambda before: [merge_segments(before)], actor)


def rename_speaker(case: Case, run_id: int, old: str | None, new: str,
                   actor: str | None = None) -> Change:
    """Rename a speaker in every segment of the transcript (old=None: segments with no speaker)."""
    new = new.strip()
    if not new:
        raise EditError("a speaker's new name cannot be empty")

    def pick(seg: SegmentDict) -> bool:
        return seg["speaker"] == old != new  # the same name again changes nothing: no revision

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        return [{**s, "speaker": new} for s in before]

    return _matching_op(case, run_id, "rename_speaker", {"old": old, "new": new}, pick, apply, actor)


def replace_all(case: Case, run_id: int, find: str, replacement: str, match_case: bool = False,
                whole_words: bool = False, actor: str | None = None) -> Change:
    """Replace every occurrence of `find` in the segments' text. No match: no revision."""
    if not find:
        raise EditError("nothing to find")
    pattern = find_pattern(find, match_case, whole_words)

    def pick(seg: SegmentDict) -> bool:
        return pattern.search(seg["text"]) is not None

    def apply(before: list[SegmentDict]) -> list[SegmentDict]:
        out = []
        for seg in before:
            text = pattern.sub(lambda _m: replacement, seg["text"]).strip()
            out.append({**seg, "text": text, "words": realign_words(seg["words"], text),
                        "flags": [f for f in seg["flags"] if f not in TEXT_FLAGS]})
        return out

    params = {"find": find, "replace": replacement, "match_case": match_case, "whole_words": whole_words}
    return _matching_op(case, run_id, "replace_all", params, pick, apply, actor)


def set_verified(case: Case, run_id: int, verified_by: str, verified: bool = True,
                 actor: str | None = None) -> Change:
    """Mark the current transcript verified by a named person (or take the mark off)."""
    verified_by = verified_by.strip()
    if verified and (not verified_by or is_account_label(verified_by)):
        raise EditError("verification needs the name of the person verifying (not the computer account)")
    actor = person_or_account(actor)
    with case.transaction():
        _as_logged(case, run_id)
        mapping = _ensure_working(case, run_id, actor)
        prior = _stored_status(case, run_id)
        before = {"status": prior[0], "verified_by": prior[1], "segments": []}
        after = {"status": STATUS_VERIFIED if verified else STATUS_EDITED,
                 "verified_by": verified_by if verified else None, "segments": []}
        after["verified_at"] = _set_status(case, run_id, after["status"], after["verified_by"])
        rev = _record(case, run_id, actor, "set_verified",
                      {"verified": verified, "verified_by": verified_by}, before, after)
    return _change(case, run_id, rev, reset=mapping is not None)


def undo(case: Case, revision_id: int, actor: str | None = None) -> Change:
    """Put back what a revision changed; recorded as a revision of its own."""
    rev = revision(case, revision_id)
    return _revert(case, rev, rev.after, rev.before, "undo", actor)


def redo(case: Case, revision_id: int, actor: str | None = None) -> Change:
    """Apply an undone revision again; recorded as a revision of its own."""
    rev = revision(case, revision_id)
    return _revert(case, rev, rev.before, rev.after, "redo", actor)


# ---------------------------------------------------------------- internals

def _read(case: Case, segment_id: int, working: bool, run_id: int | None = None) -> SegmentDict:
    seg = working_copy.read_segment(case, segment_id, working, run_id)
    if seg is None:
        raise EditError(f"no segment {segment_id} in run {run_id}")
    return seg


def _to_segment(seg: SegmentDict) -> Segment:
    return Segment(
        start_ms=seg["start_ms"], end_ms=seg["end_ms"], text=seg["text"], speaker=seg["speaker"],
        channel=seg["channel"], words=tuple(Word(int(a), int(b), str(t), float(p)) for a, b, t, p in seg["words"]),
        avg_logprob=seg["avg_logprob"], no_speech_prob=seg["no_speech_prob"], flags=tuple(seg["flags"]),
        source_text=seg["source_text"], id=seg["id"],
    )


def _as_logged(case: Case, run_id: int) -> None:
    """Refuse (EditError) to change a transcript whose rows differ from what the log last vouched for."""
    check_as_logged(case, run_id, has_working_copy(case, run_id), current_segments(case, run_id))


def _ensure_working(case: Case, run_id: int, actor: str) -> dict[int, int] | None:
    """Create the working copy if there is none; return {machine id: working id} when created."""
    if has_working_copy(case, run_id):
        return None
    if case.run(run_id).status != "complete":  # raises for an unknown run, too
        raise EditError("this transcript is still being made; edit it once its job is done")
    created_at = working_copy.create(case, run_id, STATUS_EDITED, actor)
    mapping = {}
    for machine_id in working_copy.segment_ids(case, run_id, working=False):
        seg = _read(case, machine_id, working=False)
        seg["origin_segment_id"] = machine_id
        seg["id"] = None
        mapping[machine_id] = working_copy.write_segment(case, run_id, seg)
    case.audit.record("transcript.working_copy", f"run/{run_id}",
                      {"segments": len(mapping), "created_at": created_at}, actor=actor)  # the time since session 12
    return mapping


def _set_status(case: Case, run_id: int, state: str, verified_by: str | None) -> str | None:
    """Returns the time of the verified mark (None: not verified), for the revision to hold, so
    `verify` can check the date every record of interview prints against the logged revision."""
    verified_at = utc_now() if state == STATUS_VERIFIED else None
    working_copy.set_status(case, run_id, state, verified_by, verified_at)
    return verified_at


def _record(case: Case, run_id: int, actor: str, op: str, params: dict[str, Any],
            before: dict[str, Any], after: dict[str, Any], reverts: int | None = None) -> int:
    rev_id = revisions.add(case, run_id, actor, op, params, before, after, reverts)
    details = {**params, "revision": rev_id,  # an undo's params name the revision undone: kept in `reverts`
               "segments": sorted({s["id"] for s in before["segments"] + after["segments"]})}
    if reverts is not None:
        details["reverts"] = reverts
    now = current_segments(case, run_id)
    details["content_sha256"], details["scores_sha256"] = content_sha256(now), scores_sha256(now)  # scores: session 12
    details["revision_sha256"] = revisions.digest(revision(case, rev_id))
    case.audit.record(f"transcript.{op}", f"run/{run_id}", details, actor=actor)
    return rev_id


def _change(case: Case, run_id: int, rev_id: int, before: list[SegmentDict] = (),  # type: ignore[assignment]
            after: list[SegmentDict] = (), reset: bool = False) -> Change:  # type: ignore[assignment]
    before_ids = {s["id"] for s in before}
    after_ids = {s["id"] for s in after}
    state, verified_by = status(case, run_id)
    return Change(run_id, rev_id, changed=tuple(sorted(before_ids & after_ids)),
                  added=tuple(sorted(after_ids - before_ids)), removed=tuple(sorted(before_ids - after_ids)),
                  reset=reset, status=state, verified_by=verified_by)


def _segment_op(case: Case, run_id: int, op: str, params: dict[str, Any], ids: list[int],
                apply: Callable[[list[SegmentDict]], list[SegmentDict]], actor: str | None) -> Change:
    actor = person_or_account(actor)
    with case.transaction():
        _as_logged(case, run_id)
        mapping = _ensure_working(case, run_id, actor)
        if mapping is not None:
            missing = [i for i in ids if i not in mapping]
            if missing:
                raise EditError(f"no segment {missing[0]} in run {run_id}")
            ids = [mapping[i] for i in ids]
        before = [_read(case, i, True, run_id) for i in ids]
        return _commit(case, run_id, actor, op, params, before, apply(before), mapping is not None)


def _matching_op(case: Case, run_id: int, op: str, params: dict[str, Any],
                 pick: Callable[[SegmentDict], bool],
                 apply: Callable[[list[SegmentDict]], list[SegmentDict]], actor: str | None) -> Change:
    actor = person_or_account(actor)
    with case.transaction():
        working = has_working_copy(case, run_id)
        all_ids = working_copy.segment_ids(case, run_id, working)
        if not any(pick(_read(case, i, working)) for i in all_ids):
            state, verified_by = status(case, run_id)
            return Change(run_id, None, status=state, verified_by=verified_by)
        _as_logged(case, run_id)
        mapping = _ensure_working(case, run_id, actor)
        ids = [mapping[i] for i in all_ids] if mapping is not None else all_ids
        before = [s for s in (_read(case, i, True) for i in ids) if pick(s)]
        return _commit(case, run_id, actor, op, params, before, apply(before), mapping is not None)


def _commit(case: Case, run_id: int, actor: str, op: str, params: dict[str, Any],
            before: list[SegmentDict], after: list[SegmentDict], reset: bool) -> Change:
    """Write `after` over `before` (inside the caller's transaction); record the revision."""
    prior_status, prior_by = _stored_status(case, run_id)
    keep = {s["id"] for s in after if s.get("id") is not None}
    for seg in before:
        if seg["id"] not in keep:
            working_copy.delete_segment(case, seg["id"])
    written = []
    for seg in after:
        seg = {**seg, "id": working_copy.write_segment(case, run_id, seg)}
        written.append(seg)
    _set_status(case, run_id, STATUS_EDITED, None)
    rev = _record(case, run_id, actor, op, params,
                  {"status": prior_status, "verified_by": prior_by, "segments": before},
                  {"status": STATUS_EDITED, "verified_by": None, "verified_at": None, "segments": written})
    return _change(case, run_id, rev, before, written, reset)


def _revert(case: Case, rev: Revision, expect: dict[str, Any], target: dict[str, Any], op: str,
            actor: str | None) -> Change:
    """Replace the segments in `expect` (they must be current) with those in `target`."""
    if rev.op in ("undo", "redo"):
        raise EditError("undo and redo act on an original revision, not on another undo")
    actor = person_or_account(actor)
    with case.transaction():
        _as_logged(case, rev.run_id)
        current = []
        for seg in expect["segments"]:
            try:
                now = _read(case, seg["id"], True, rev.run_id)
            except EditError:
                now = None
            if now != seg:
                raise EditError(f"segment {seg['id']} changed after revision {rev.id}; undo the later "
                                "changes first")
            current.append(now)
        prior = _stored_status(case, rev.run_id)
        before = {"status": prior[0], "verified_by": prior[1], "segments": current}
        keep = {s["id"] for s in target["segments"]}
        for seg in current:
            if seg["id"] not in keep:
                working_copy.delete_segment(case, seg["id"])
        for seg in target["segments"]:
            working_copy.write_segment(case, rev.run_id, seg)
        if rev.op == "set_verified":
            new_status, new_by = target["status"], target["verified_by"]
            if new_status == STATUS_DRAFT:  # the working copy stays; it is no longer verified
                new_status = STATUS_EDITED
        else:
            new_status, new_by = STATUS_EDITED, None
        when = _set_status(case, rev.run_id, new_status, new_by)
        after = {"status": new_status, "verified_by": new_by, "verified_at": when, "segments": target["segments"]}
        rev_id = _record(case, rev.run_id, actor, op, {"revision": rev.id, "op": rev.op}, before,
                         after, reverts=rev.id)
    return _change(case, rev.run_id, rev_id, current, target["segments"])
