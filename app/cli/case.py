"""`exhibits` and `verify`: what the case holds, and whether it still holds up."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import FAILED, OK, add_case_option, fail, open_case
from app.core.evidence.verify import verify_case


def cmd_exhibits(args: argparse.Namespace) -> int:
    case = open_case(args)
    try:
        for e in case.exhibits():
            s = e.source
            print(f"{e.id:>4}  {s.sha256[:12]}  {s.duration_ms / 1000:8.1f}s  {s.name}")
        return OK
    finally:
        case.close()


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 only when nothing is found; one line per finding on stderr."""
    case = open_case(args)
    try:
        report = verify_case(case)
    finally:
        case.close()
    for finding in report.findings:
        fail(finding.subject, finding.problem)
    if report.findings:
        print(f"{len(report.findings)} finding(s)", file=sys.stderr)
        return FAILED
    print(f"audit chain intact; {report.originals} original(s), {report.exports} export file(s) and "
          f"{report.runs} run(s) checked: nothing found")
    return OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exhibits", help="list the case's exhibits")
    add_case_option(p)
    p.set_defaults(handler=cmd_exhibits)

    p = sub.add_parser("verify", help="re-hash exhibits against their originals and check the audit chain")
    add_case_option(p)
    p.set_defaults(handler=cmd_verify)
