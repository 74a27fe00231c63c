"""`exhibits`, `verify`, `check-export` and `reproduce`: what the case holds, and whether it and its
exports still hold up."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import FAILED, OK, add_case_option, fail, open_existing_case
from app.core.errors import ParleyError
from app.core.evidence.set_check import check_set
from app.core.evidence.verify import verify_case
from app.core.names import printable
from app.core.store.intake_log import intake_entries, met_once


def cmd_exhibits(args: argparse.Namespace) -> int:
    case = open_existing_case(args)
    try:
        exhibits = case.exhibits()
        for e in exhibits:
            s = e.source
            print(f"{e.id:>4}  {s.sha256[:12]}  {s.duration_ms / 1000:8.1f}s  {printable(s.name)}")
        if args.all:  # every file intake met that is not an exhibit, and why
            for m in met_once(intake_entries(case)):
                if m.status != "media" or m.reason:
                    print(f"   -  {(m.sha256 or '-')[:12]:<12}  {m.status:>9}  {printable(m.path)}: "
                          f"{printable(m.reason)}")
            for e in exhibits:  # the same content met under another name: the exhibit's other paths
                for path in e.paths[1:]:
                    print(f"   -  {e.source.sha256[:12]:<12}  {'duplicate':>9}  {printable(path)}: "
                          f"same content as exhibit {e.id}")
        if not exhibits:
            print("no exhibits in this case" + ("" if args.all else " (--all: the files met and why not"
                                                 " transcribed)"), file=sys.stderr)
        return OK
    finally:
        case.close()


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 only when nothing is found; one line per finding on stderr."""
    for option, folders in (("--exports", args.exports), ("--sources", args.sources)):
        missing = [str(folder) for folder in folders if not folder.is_dir()]
        if missing:
            raise ParleyError(f"{option} {missing[0]}: no such folder")
    case = open_existing_case(args)
    try:
        report = verify_case(case, args.exports, args.head, args.sources)
        head = case.audit.head()
    finally:
        case.close()
    if head is not None and not report.findings:  # kept off the machine, it shows a later roll-back
        print(f"audit head: entry {head.entry_id}, SHA-256 {head.hash} (note it down off this machine; "
              f"`verify --head {head.hash[:16]}` later shows if the case was put back to an older copy)")
    elif head is not None:  # a head to note down is only worth it on a case that verifies clean
        print(f"audit head: entry {head.entry_id}, SHA-256 {head.hash} (not to be relied on: see the findings)")
    for note in report.notes:
        print(f"note: {printable(note.line())}")
    for finding in report.findings:
        fail(finding.subject, finding.problem)
    if report.findings:
        print(f"{len(report.findings)} finding(s)", file=sys.stderr)
        return FAILED
    print(f"audit chain intact; {report.originals} original(s), {report.exports} export file(s) and "
          f"{report.runs} run(s) checked: nothing found")
    return OK


def cmd_check_export(args: argparse.Namespace) -> int:
    """An export set against its own manifest, no case needed (what a third party can run)."""
    result = check_set(args.manifest, args.source)
    name = printable(str(args.manifest))
    for problem in result.problems:
        fail(name, problem)
    if result.audit_head:
        print(f"audit head when written: {result.audit_head} (`verify --head HASH` on the case shows it is "
              "still in its chain)")
    if result.problems:
        print(f"{len(result.problems)} problem(s)", file=sys.stderr)
        return FAILED
    checked = f"source {printable(result.source_name)} SHA-256 matches; " if args.source else ""
    print(f"{result.files_ok} file(s) as the manifest lists them (SHA-256 and size); {checked}nothing found "
          "(the manifest itself is vouched for only by the case: `verify` there)")
    return OK


def _head_hash(text: str) -> str:
    """At least 16 hex digits of an audit entry's SHA-256 (an argparse type: one line if not)."""
    head = text.strip().lower()
    if not 16 <= len(head) <= 64 or any(c not in "0123456789abcdef" for c in head):
        raise argparse.ArgumentTypeError(f"{text!r} is not an audit head (16 to 64 hex digits, as verify prints it)")
    return head


def cmd_reproduce(args: argparse.Namespace) -> int:
    """`identical` and exit 0 when the re-run matches the record; else the differing segments, exit 1."""
    # Imported here: it loads the ASR and diarisation stacks, which no other command's parent process needs.
    from app.core.usecases.reproduce import reproduce_run, target_run

    case_folder, run_id = target_run(args.target, args.case)
    case = open_existing_case(argparse.Namespace(case=case_folder))  # a typo is said so, never a new case
    try:
        report = reproduce_run(case, run_id, manifest=None if args.target.isdigit() else Path(args.target))
    finally:
        case.close()
    if report.identical:
        print(f"identical: run {run_id} re-run from its record gives the same {report.compared} segment(s)")
        return OK
    for difference in report.differences:
        print(difference.line())
    print(f"run {run_id}: {len(report.differences)} of {report.compared} segment(s) differ", file=sys.stderr)
    return FAILED


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("exhibits", help="list the case's exhibits")
    p.add_argument("--all", action="store_true",
                   help="also every file met at intake and not transcribed, and why (and files with several "
                        "audio streams)")
    add_case_option(p)
    p.set_defaults(handler=cmd_exhibits)

    p = sub.add_parser("verify", help="re-hash exhibits against their originals and check the audit chain")
    add_case_option(p)
    p.add_argument("--exports", type=Path, action="append", default=[], metavar="DIR",
                   help="a folder the exports were moved to: each is looked for there by name (repeatable)")
    p.add_argument("--sources", type=Path, action="append", default=[], metavar="DIR",
                   help="a folder the originals were moved or copied to (the case taken to another machine): "
                        "each original not at its path is looked for there by its path's tail (repeatable)")
    p.add_argument("--head", type=_head_hash, action="append", default=[], metavar="HASH",
                   help="an audit head noted from an earlier verify (16 or more hex digits): it must still be in "
                        "the chain, else the case was put back to an older copy (repeatable)")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("check-export", help="check an export set against its manifest, without the case "
                                            "(for whoever receives the files)")
    p.add_argument("manifest", type=Path, metavar="MANIFEST", help="the set's <name>.manifest.json")
    p.add_argument("--source", type=Path, metavar="FILE",
                   help="a copy of the recording: checked against the SHA-256 the manifest records")
    p.set_defaults(handler=cmd_check_export)

    p = sub.add_parser("reproduce", help="re-run a recorded transcription from its record and compare")
    p.add_argument("target", metavar="MANIFEST_OR_RUN", help="an export's .manifest.json, or a run id")
    add_case_option(p)
    p.set_defaults(handler=cmd_reproduce)
