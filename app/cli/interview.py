"""`interview EXHIBIT`: the record-of-interview header of an exhibit (set the given fields, print).

    python -m app interview 3 --interviewee "John Smith" --officer "DC Jones" --officer "DS Patel"

The DOCX and PDF exports of the exhibit carry these fields. Each change is in the audit log.
"""

from __future__ import annotations

import argparse

from app.cli.commands import INTERVIEW_OPTIONS
from app.cli.common import OK, open_existing_case
from app.core.errors import ParleyError
from app.core.export.record import names_an_interview
from app.core.store.interview import FIELDS, read_interview, write_interview
from app.core.types import InterviewDetails


def cmd_interview(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        exhibit = case.find_exhibit(args.exhibit)
        if exhibit.source.kind != "media":  # its details were stored and printed, then never used
            raise ParleyError(f"{exhibit.source.name}: {not_a_recording(exhibit.source.kind)}")
        changes = {name: getattr(args, name) for name in FIELDS if getattr(args, name) is not None}
        if changes:
            details = write_interview(case, exhibit.id, changes, actor=args.by)
        else:
            details = read_interview(case, exhibit.id)
        print(f"Exhibit {exhibit.id}: {exhibit.source.name} (SHA-256 {exhibit.source.sha256})")
        print(details_text(details))
        print(printed_as(details))
        return OK
    finally:
        case.close()


def not_a_recording(kind: str) -> str:
    """Why an exhibit that is no recording (a chat, a text) has no record of interview."""
    if kind == "chat":
        return ("a chat export, not a recording: it has no record of interview; write its messages with "
                "`python -m app timeline CHAT --out DIR`")
    return "a text, not a recording: it has no record of interview"


def printed_as(details: InterviewDetails) -> str:
    """What the exhibit's DOCX and PDF will be headed (a recording with no interview detail is not
    printed as a record of interview)."""
    if names_an_interview(details):
        return f"{'DOCX and PDF:':<26}record of interview"
    return (f"{'DOCX and PDF:':<26}transcript of a recording (a record of interview once --interviewee, "
            "--officer, --present, --place, --date, --start or --end is given)")


def details_text(details: InterviewDetails) -> str:
    lines = []
    for name, (_, label) in INTERVIEW_OPTIONS.items():
        value = getattr(details, name)
        shown = "; ".join(value) if isinstance(value, tuple) else value
        lines.append(f"{label + ':':<26}{shown}")
    return "\n".join(lines)
