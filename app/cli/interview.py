"""`interview EXHIBIT`: the record-of-interview header of an exhibit (set the given fields, print).

    python -m app interview 3 --interviewee "John Smith" --officer "DC Jones" --officer "DS Patel"

The DOCX and PDF exports of the exhibit carry these fields. Each change is in the audit log.
"""

from __future__ import annotations

import argparse

from app.cli.common import OK, add_case_option, open_existing_case
from app.core.store.interview import FIELDS, read_interview, write_interview
from app.core.types import InterviewDetails

# option name -> (InterviewDetails field, label when printed)
OPTIONS = {
    "case_ref": ("--case-ref", "Case reference"),
    "exhibit_ref": ("--exhibit-ref", "Exhibit reference"),
    "interviewee": ("--interviewee", "Person interviewed"),
    "officers": ("--officer", "Interviewing officer(s)"),
    "present": ("--present", "Others present"),
    "place": ("--place", "Place"),
    "date": ("--date", "Date"),
    "start": ("--start", "Start time"),
    "end": ("--end", "End time"),
}


def cmd_interview(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        exhibit = case.find_exhibit(args.exhibit)
        changes = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
        if changes:
            details = write_interview(case, exhibit.id, changes, actor=args.by)
        else:
            details = read_interview(case, exhibit.id)
        print(f"Exhibit {exhibit.id}: {exhibit.source.name} (SHA-256 {exhibit.source.sha256})")
        print(details_text(details))
        return OK
    finally:
        case.close()


def details_text(details: InterviewDetails) -> str:
    lines = []
    for name, (_, label) in OPTIONS.items():
        value = getattr(details, name)
        shown = "; ".join(value) if isinstance(value, tuple) else value
        lines.append(f"{label + ':':<26}{shown}")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("interview", help="show or set an exhibit's record-of-interview details "
                                         "(printed on its DOCX and PDF exports)")
    p.add_argument("exhibit", metavar="EXHIBIT", help="id, name, path or SHA-256")
    for name, (option, label) in OPTIONS.items():
        if name in ("officers", "present"):
            p.add_argument(option, dest=name, action="append", default=None,
                           help=f"{label} (repeat the option for each; one empty value clears)")
        else:
            p.add_argument(option, dest=name, default=None, help=f"{label} (empty clears)")
    p.add_argument("--by", default=None, help="who makes the change (default: the OS user)")
    add_case_option(p)
    p.set_defaults(handler=cmd_interview)
