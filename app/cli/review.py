"""`edit` and `signoff`: a proofreader's correction and sign-off from the command line, through the same core
operations as the window (app/core/editing): each a revision in the transcript's history and the audit log.

    python -m app speakers segments --exhibit 3                    # the numbered segments
    python -m app edit 3 --segment 2 --text "meet me at the docks" --by "DC Jones"
    python -m app signoff 3 --by "DS Patel"
"""

from __future__ import annotations

import argparse

from app.cli.common import OK, open_existing_case
from app.core.editing import operations as editing
from app.core.editing.review import run_spans, unreviewed
from app.core.usecases.speakers import latest_transcript, segment_ids_at


def cmd_edit(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        run_id = latest_transcript(case, args.exhibit)
        [segment_id] = segment_ids_at(case, run_id, [args.segment])
        if editing.get_segment(case, run_id, segment_id).text == args.text.strip():  # no revision, no sign-off lost
            print(f"segment {args.segment} already reads so: nothing changed")
            return OK
        change = editing.edit_text(case, run_id, segment_id, args.text, actor=args.by)
        who = editing.revision(case, change.revision_id).actor if change.revision_id is not None else "?"
        print(f"segment {args.segment} of run {run_id} changed by {who} (revision {change.revision_id}); "
              f"the transcript is now {change.status}")
        return OK
    finally:
        case.close()


def cmd_signoff(args: argparse.Namespace) -> int:
    name = args.by.strip()
    if not name:
        raise ValueError("--by names the person signing off (it cannot be empty)")
    case = open_existing_case(args)
    try:
        run_id = latest_transcript(case, args.exhibit)
        state, by = editing.status(case, run_id)
        if state == editing.STATUS_VERIFIED and by == name:  # as the window: a repeat changes nothing
            print(f"run {run_id} is already signed off by {name}: nothing changed")
            return OK
        change = editing.set_verified(case, run_id, name, actor=name)
        left, total = len(unreviewed(case, run_id)), len(run_spans(case, run_id))
        print(f"run {run_id} signed off as verified by {name} (revision {change.revision_id})"
              + (f"; {left} of {total} uncertain words were never reviewed" if left else ""))
        return OK
    finally:
        case.close()
