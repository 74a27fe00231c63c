"""`speakers`: voices known across a case.

    python -m app speakers segments E                       # numbered segments, to choose from (E or --exhibit E)
    python -m app speakers enrol --exhibit E --segments 3,5,9 --name "John Smith"
    python -m app speakers suggest --exhibit E              # Speaker 2 -> John Smith (0.82)
                   (voiceprints missing for the transcript's speakers as they stand are computed first)
    python -m app speakers confirm --exhibit E --speaker "Speaker 2"   # rename it (a revision)
    python -m app speakers list                             # the case's voice profiles

A suggestion is only offered: nothing is renamed until it is confirmed.
"""

from __future__ import annotations

import argparse
import sys

from app.cli.common import FAILED, OK, fail, open_existing_case
from app.core.diarize.profiles import MATCH_THRESHOLD
from app.core.editing.operations import current_segments
from app.core.errors import ParleyError
from app.core.store import Case
from app.core.store.speakers import AlreadyEnrolled, profile_list
from app.core.usecases import speakers as usecase
from app.core.usecases import voiceprints


def _numbers(text: str) -> list[int]:
    try:
        numbers = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise ParleyError(f"--segments takes segment numbers separated by commas, not '{text}'") from None
    if not numbers:
        raise ParleyError("--segments names no segment")
    return numbers


def _clock(ms: int) -> str:
    s, milli = divmod(ms, 1000)
    return f"{s // 60:02d}:{s % 60:02d}.{milli // 100}"


def cmd_segments(args: argparse.Namespace, case: Case) -> int:
    run_id = usecase.latest_transcript(case, args.exhibit)
    for n, seg in enumerate(current_segments(case, run_id), 1):
        print(f"{n:>4}  {_clock(seg.start_ms)}-{_clock(seg.end_ms)}  {seg.speaker or '(no speaker)'}: {seg.text}")
    return OK


def cmd_enrol(args: argparse.Namespace, case: Case) -> int:
    run_id = usecase.latest_transcript(case, args.exhibit)
    ids = usecase.segment_ids_at(case, run_id, _numbers(args.segments))
    try:
        profile_id, plan = usecase.enrol_segments(case, run_id, ids, args.name, actor=args.by)
    except AlreadyEnrolled as done:  # a repeat of a finished enrolment (one killed before it said so)
        print(done)
        return OK
    print(f"enrolled '{args.name.strip()}' (profile {profile_id}) from {len(plan.segment_ids)} segment(s), "
          f"{plan.speech_s:.1f} s of exhibit {plan.exhibit_id}")
    if len(plan.speakers) > 1:
        print(f"note: the marked segments were labelled {', '.join(plan.speakers)}; a profile should "
              "hold one person's voice", file=sys.stderr)
    return OK


def _fill(case: Case, run_id: int, actor: str | None = None) -> None:
    """Voiceprints for speakers that have none kept (an older run, or speakers edited since)."""
    plan = voiceprints.plan_voiceprints(case, run_id)
    if plan is None:
        return
    names = ", ".join(s.label for s in plan.speakers)
    print(f"computing voiceprints of {names} ({plan.reason})", file=sys.stderr)
    voices, model_sha = voiceprints.compute_voiceprints(plan)
    voiceprints.save_voiceprints(case, plan, voices, model_sha, actor)


def cmd_suggest(args: argparse.Namespace, case: Case) -> int:
    if not 0 <= args.threshold <= 1:  # a score is a cosine similarity; NaN fails here too
        raise ValueError(f"--threshold is a score from 0 to 1 (default {MATCH_THRESHOLD}), not {args.threshold}")
    run_id = usecase.latest_transcript(case, args.exhibit)
    _fill(case, run_id)
    offers = usecase.suggestions(case, run_id, args.threshold)
    for offer in offers:
        print(f"{offer.speaker} -> {offer.profile}, {offer.score:.2f}")
    if not offers:
        print("no suggestion (no profile matches a speaker of this transcript)")
    return OK


def cmd_confirm(args: argparse.Namespace, case: Case) -> int:
    run_id = usecase.latest_transcript(case, args.exhibit)
    _fill(case, run_id, args.by)
    offer = next((o for o in usecase.suggestions(case, run_id) if o.speaker == args.speaker), None)
    if offer is None:
        done = usecase.confirmed_already(case, run_id, args.speaker)
        if done is not None:  # a confirm repeated (killed before it could say so): done, not refused
            print(f"{args.speaker} was confirmed as {done[0]} already (match {done[1]:.2f}): nothing to do")
            return OK
        fail("speakers confirm", f"no suggestion for '{args.speaker}' in this transcript")
        return FAILED
    change = usecase.confirm(case, run_id, offer, actor=args.by)
    print(f"{offer.speaker} renamed {offer.profile} in {len(change.changed) or 'its'} segment(s) "
          f"(revision {change.revision_id}; match {offer.score:.2f} confirmed)")
    return OK


def cmd_list(args: argparse.Namespace, case: Case) -> int:
    rows = profile_list(case)
    for row in rows:
        source = row["source"]
        made = f"exhibit {source['exhibit']}, {source.get('speech_s', '?')} s" if "exhibit" in source else "imported"
        print(f"{row['id']:>4}  {row['name']}  ({made}; enrolled {row['created_at'][:16].replace('T', ' ')} UTC)")
    if not rows:
        print("no voice profiles in this case")
    return OK


def _with_case(handler):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace) -> int:
        case = open_existing_case(args)  # a mistyped --case is said so, never made a new case
        try:
            return handler(args, case)
        finally:
            case.close()

    return run


ACTIONS = {"segments": cmd_segments, "enrol": cmd_enrol, "suggest": cmd_suggest, "confirm": cmd_confirm,
           "list": cmd_list}


def cmd_speakers(args: argparse.Namespace) -> int:
    if getattr(args, "exhibit_option", None) is not None:
        args.exhibit = args.exhibit_option
    return _with_case(ACTIONS[args.action])(args)
