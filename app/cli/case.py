"""`exhibits` and `verify`: what the case holds, and whether it still holds up."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import FAILED, OK, add_case_option, fail, open_case
from app.core.hashing import sha256_file


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
    case = open_case(args)
    try:
        status = OK
        for problem in case.audit.verify():
            fail("audit log", problem)
            status = FAILED
        for e in case.exhibits():
            for path in e.paths:
                if not Path(path).is_file():
                    print(f"{path}: original not reachable (not checked)", file=sys.stderr)
                elif sha256_file(path) != e.source.sha256:
                    fail(path, f"SHA-256 differs from the one taken at intake ({e.source.sha256})")
                    status = FAILED
        if status == OK:
            print(f"audit chain intact; {len(case.exhibits())} exhibit(s) checked")
        return status
    finally:
        case.close()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exhibits", help="list the case's exhibits")
    add_case_option(p)
    p.set_defaults(handler=cmd_exhibits)

    p = sub.add_parser("verify", help="re-hash exhibits against their originals and check the audit chain")
    add_case_option(p)
    p.set_defaults(handler=cmd_verify)
