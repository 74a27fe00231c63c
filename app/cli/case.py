"""`exhibits`, `verify`, `check-export` and `reproduce`: what the case holds, and whether it and its
exports still hold up."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.common import FAILED, OK, fail, open_existing_case
from app.core.errors import ParleyError
from app.core.names import printable
from app.core.store.chats import part_way_notes
from app.core.store.db import DatabaseError
from app.core.store.intake_log import intake_entries, met_once

if TYPE_CHECKING:
    from app.core.evidence.head import AuditHead
    from app.core.evidence.verify import VerifyReport
    from app.core.store import Case


def cmd_exhibits(args: argparse.Namespace) -> int:
    from app.core.clock import span_text
    from app.core.usecases.exhibit_status import NO_SPEECH, UNCERTAIN, exhibit_statuses

    case = open_existing_case(args)
    try:
        rows = exhibit_statuses(case)
        exhibits = [r.exhibit for r in rows]
        width = max((len(_shown_status(r.status)) for r in rows), default=0)
        for r in rows:
            s = r.exhibit.source
            length = span_text(s.duration_ms // 1000) if s.kind == "media" else s.kind  # as the exports: whole seconds
            said = r.status in ("failed", UNCERTAIN, NO_SPEECH[0]) or r.status.startswith(("done", "edited"))
            detail = printable(r.detail) if said and r.detail != NO_SPEECH[1] else ""
            mixed = r.language if r.language.startswith("mixed: ") else ""  # decoded part by part in several languages
            # the mix first: after the detail it read as part of a set-aside note ("…, set aside; mixed: …")
            why = ": " + "; ".join(part for part in (mixed, detail) if part) if detail or mixed else ""
            if not why and s.kind == "chat":  # every unzipped WhatsApp export is "_chat.txt": its chats' names
                why = _chat_names(case, r.exhibit.id, s.name)
            print(f"{r.exhibit.id:>4}  {s.sha256[:12]}  {length:>9}  {_shown_status(r.status):<{width}}  "
                  f"{printable(s.name)}{why}")
        if args.all:  # every file intake met that is not an exhibit, and why
            for m in met_once(intake_entries(case)):
                if m.status != "media" or m.reason:
                    print(f"   -  {(m.sha256 or '-')[:12]:<12}  {m.status:>9}  {printable(m.path)}: "
                          f"{printable(m.reason)}")
            for e in exhibits:  # the same content met under another name: the exhibit's other paths
                for path in e.paths[1:]:
                    print(f"   -  {e.source.sha256[:12]:<12}  {'duplicate':>9}  {printable(path)}: "
                          f"same content as exhibit {e.id}")
        for note in part_way_notes(case):
            print(printable(note), file=sys.stderr)
        if not exhibits:
            print("no exhibits in this case" + ("" if args.all else " (--all: the files met and why not"
                                                 " transcribed)"), file=sys.stderr)
        return OK
    finally:
        case.close()


def _chat_names(case: Case, exhibit_id: int, file_name: str) -> str:
    """The chats an export holds, by name, where its file's name does not already say it."""
    from app.core.store.chats import stored_chats

    names = list(dict.fromkeys(c.name for c in stored_chats(case, exhibit_id)
                               if c.name and c.name != Path(file_name).stem))
    return f": {printable('; '.join(names))}" if names else ""


def _shown_status(status: str) -> str:
    """The window's status in the CLI's words: a chat is read with `timeline`, not in a tab."""
    from app.core.usecases.exhibit_status import CHAT_STATUS

    return "chat: see `timeline`" if status == CHAT_STATUS else status


def cmd_verify(args: argparse.Namespace) -> int:
    """Exit 0 only when nothing is found; one line per finding on stderr."""
    from app.core.evidence.verify import verify_case  # here: `exhibits` needs none of the checks

    for option, folders in (("--exports", args.exports), ("--sources", args.sources)):
        missing = [str(folder) for folder in folders if not folder.is_dir()]
        if missing:
            raise ParleyError(f"{option} {missing[0]}: no such folder")
    case = open_existing_case(args, as_found=True)
    try:
        report = verify_case(case, args.exports, args.head, args.sources, models_required=args.models)
        head = _head(case)
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
    print(f"audit chain intact; {_originals(report)}, {report.exports} export file(s) and "
          f"{report.runs} run(s) checked: nothing found")
    return OK


def _originals(report: VerifyReport) -> str:
    """"12 original(s)", or, where copies under other names were met, "12 exhibit(s) from 13 original file(s)":
    every path an exhibit was found at is re-hashed, and "13 original(s)" read as one exhibit too many."""
    if report.originals == report.exhibits:
        return f"{report.originals} original(s)"
    return (f"{report.exhibits} exhibit(s) from {report.originals} original file(s) (a copy at another path, "
            "under another name or in another folder, is re-hashed too, and is one exhibit with the file it copies)")


def _head(case: Case) -> AuditHead | None:
    """The head to print; none from a store too damaged to give it (the findings say so)."""
    try:
        return case.audit.head()
    except DatabaseError:
        return None


def cmd_check_export(args: argparse.Namespace) -> int:
    """An export set against its own manifest, no case needed (what a third party can run)."""
    from app.core.evidence.set_check import check_set

    result = check_set(args.manifest, args.source)
    name = printable(str(args.manifest))
    for problem in result.problems:
        fail(name, problem)
    if result.note:
        print(result.note)
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


def cmd_reproduce(args: argparse.Namespace) -> int:
    """`identical` and exit 0 when the re-run matches the record; else the differing segments, exit 1."""
    # Imported here: it loads the ASR and diarisation stacks, which no other command's parent process needs.
    from app.core.usecases.reproduce import reproduce_run, target_run

    case_folder, run_id = target_run(args.target, args.case)
    case = open_existing_case(argparse.Namespace(case=case_folder))  # a typo is said so, never a new case
    try:
        report = reproduce_run(case, run_id, manifest=None if args.target.isdigit() else Path(args.target),
                               on_start=lambda: _say_what_is_re_run(case, run_id))
    finally:
        case.close()
    if report.identical:
        print(f"identical: run {run_id} re-run from its record gives the same {report.compared} segment(s)")
        return OK
    for difference in report.differences:
        print(difference.line())
    print(f"run {run_id}: {len(report.differences)} of {report.compared} segment(s) differ", file=sys.stderr)
    return FAILED


def _say_what_is_re_run(case: Case, run_id: int) -> None:
    """One line as the decoding starts, once every check has passed: a voice note packed with 20 others is re-run with all of them
    (their speech shared its encoder windows), minutes with nothing on the screen."""
    try:
        state = case.run(run_id).state
    except (ParleyError, ValueError):
        return  # no such run, or a record no Parley writes: reproduce_run says so
    batch = state.get("batch") if isinstance(state, dict) else None
    others = len(batch) - 1 if isinstance(batch, list) else 0
    together = (f" with the {others} other recording(s) it shared encoder windows with, as it was made"
                if others > 0 else "")
    print(f"re-running run {run_id}{together}: about as long as transcribing {'them' if together else 'it'} took",
          file=sys.stderr)
