"""`python -m app search QUERY` and `python -m app entities`: look across a whole case.

    search "red car" bank* --case DIR [--json] [--limit N]
        one line per hit: exhibit, time (a chat message's date-time; none for
        imported texts, whose speaker field holds the message's date), speaker, snippet
        (matches in [brackets]); with --json a list of {exhibit, exhibit_id, run_id, task,
        segment_id, start_ms, end_ms, time, speaker, snippet, text, language, edited,
        message_time, message_datetime, also_in, sent_in, rank}: exhibits in the order of their best hit,
        an exhibit's hits in reading order, `rank` 1 for the best match (sort by it for best first); a message
        in several exports of its chat is one hit naming the others (also_in); a voice note's or video's hit names each
        message that carried it (sender, date-time, chat). No hits: exit 0,
        "no hits" on stderr.
    entities --case DIR [--csv FILE] [--json] [--region GB] [--save-region] [--kind phone,...]
        one line per entity (kind, value, mentions, exhibits), shared ones first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.common import OK
from app.cli.common import open_existing_case as open_case_to_read
from app.core.chats.dates import when_text
from app.core.errors import StoreError
from app.core.evidence.paths import check_outside_evidence, evidence_paths, inside
from app.core.export.base import hhmmss
from app.core.names import printable
from app.core.search import Hit, count, search
from app.core.search import entities as ent
from app.core.search.entities import KINDS, Entity
from app.core.search.query import parse
from app.core.store import Case, default_case_dir
from app.core.store.chats import SentIn, messages_carrying, part_way_notes
from app.core.store.db import STORE_NAME


def open_existing_case(folder: Path | None) -> Case:
    """The case at `folder` (or the default case); a folder without one is an error, not a new case."""
    folder = Path(folder or default_case_dir()).expanduser()
    if not (folder / STORE_NAME).is_file():
        raise StoreError(f"{folder}: no Parley case here")
    # as every reading command opens one: a 0-byte store (emptied, or a first command killed while it made
    # it) is said so and left as found; opened as a new case, Parley's empty schema was written over it
    return open_case_to_read(argparse.Namespace(case=folder))


MAX_LIMIT = 1_000_000


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


# ---------------------------------------------------------------------- search


def hit_record(hit: Hit) -> dict[str, object]:
    return {
        "exhibit": hit.exhibit_name, "exhibit_id": hit.exhibit_id, "run_id": hit.run_id,
        "task": hit.task, "segment_id": hit.segment_id, "start_ms": hit.start_ms,
        "end_ms": hit.end_ms, "time": hhmmss(hit.start_ms), "speaker": hit.speaker,
        "snippet": hit.snippet, "text": hit.text, "language": hit.language, "edited": hit.edited,
        "message_time": hit.message_time, "message_datetime": hit.message_datetime,
        "also_in": [{"exhibit_id": o.exhibit_id, "export": o.export, "index": o.index} for o in hit.also_in],
        "rank": hit.rank,
    }


def sent_record(sent: SentIn) -> dict[str, object]:
    return {"chat": sent.chat_exhibit, "sender": sent.sender, "time": sent.time_written,
            "datetime": sent.datetime}


def sent_text(sent: list[SentIn]) -> str:
    """Where a voice note or video was sent: `  [sent by Sam, 2024-10-05 21:15:40, in chat.zip]` per message."""
    return "".join(f"  [sent{f' by {_one_line(s.sender)}' if s.sender else ''}, "
                   f"{when_text(s.time_written, s.datetime)}, in {_one_line(s.chat_exhibit)}]" for s in sent)


def hit_line(hit: Hit, sent: list[SentIn] | None = None) -> str:
    task = "" if hit.task in ("transcribe", "text") else f" ({hit.task})"
    moment = f"  {hit.when}" if hit.when else ""  # texts have no media time; chats their message's
    speaker = f"  {_one_line(hit.speaker)}:" if hit.speaker else ""
    also = "".join(f"  [also in exhibit {o.exhibit_id} ({_one_line(o.export)}), message {o.number}]"
                   for o in hit.also_in)  # the same message in another export of the chat: one hit
    return f"{hit.exhibit_name}{task}{moment}{speaker}  {_one_line(hit.snippet)}{also}{sent_text(sent or [])}"


def cmd_search(args: argparse.Namespace) -> int:
    query = " ".join(args.query).strip()
    if query != query.encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
        raise ValueError("the query is not UTF-8 text (check the terminal's encoding)")
    if not query:
        raise ValueError("the query is empty: give words, prefix* or \"a phrase\" to look for")
    if parse(query).empty:  # '*', '""', '-', '()': nothing to look for, which is not "no hits"
        raise ValueError(f"the query {query!r} holds no word to look for: give words, prefix* or \"a phrase\"")
    if args.limit < 1:
        raise ValueError("--limit must be 1 or more")
    args.limit = min(args.limit, MAX_LIMIT)  # 10**20 means "all": SQLite's integers end at 2**63
    case = open_existing_case(args.case)
    try:
        hits = search(case, query, limit=args.limit)
        total = count(case, query) if len(hits) >= args.limit else len(hits)
        # a voice note's or video's hit leads back to the message(s) that carried it
        sent = {h.exhibit_id: messages_carrying(case, h.exhibit_id) for h in hits if h.run_id is not None}
        part_way = part_way_notes(case)
    finally:
        case.close()
    if args.json:
        print(json.dumps([{**hit_record(h), "sent_in": [sent_record(s) for s in sent.get(h.exhibit_id, [])]}
                          for h in hits], ensure_ascii=False, indent=1))
    else:
        for hit in hits:
            print(hit_line(hit, sent.get(hit.exhibit_id)))
    if not hits:
        print(f"no hits for {query!r}", file=sys.stderr)
    elif total > len(hits):
        print(f"{len(hits)} of {total} hits shown (--limit to see more)", file=sys.stderr)
    _say(part_way)
    return OK


def _say(notes: list[str]) -> None:
    """An export a killed command took in part-way is not searched: said, not passed over as "no hits"."""
    for note in notes:
        print(printable(note), file=sys.stderr)


# -------------------------------------------------------------------- entities


def entity_record(entity: Entity) -> dict[str, object]:
    return {
        "kind": entity.kind, "value": entity.value, "shared": entity.shared,
        "exhibits": [{"id": i, "name": n} for i, n in entity.exhibits],
        "mentions": [{"exhibit": o.exhibit_name, "exhibit_id": o.exhibit_id, "run_id": o.run_id,
                      "task": o.task, "segment_id": o.segment_id, "start_ms": o.start_ms,
                      "time": o.when, "speaker": o.speaker,
                      "as_written": o.as_written, "edited": o.edited,
                      "message_time": o.message_time, "message_datetime": o.message_datetime}
                     for o in entity.occurrences],
    }


def entity_line(entity: Entity) -> str:
    names = ", ".join(name for _, name in entity.exhibits[:4])
    more = f" +{len(entity.exhibits) - 4} more" if len(entity.exhibits) > 4 else ""
    mentions = len(entity.occurrences)
    return (f"{entity.kind:8} {entity.shown:24} {mentions:4} mention{'s' if mentions != 1 else ' '}  "
            f"{len(entity.exhibits)} exhibit{'s' if len(entity.exhibits) != 1 else ''}: {names}{more}")


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown kind {', '.join(unknown) or '(none)'}; choose from {', '.join(KINDS)}")
    return kinds


def check_csv_target(case: Case, csv: Path) -> None:
    """--csv never lands beside an original (nor on one) nor in the case folder (on its store)."""
    check_outside_evidence("--csv", csv, evidence_paths(case))
    if inside(csv.expanduser().resolve(), case.folder.resolve()):
        raise ValueError(f"{csv}: --csv lies inside the case folder {case.folder}; write it elsewhere")


def cmd_entities(args: argparse.Namespace) -> int:
    kinds = _kinds(args.kind)
    region = ent.check_region(args.region) if args.region else None
    case = open_existing_case(args.case)
    try:
        if args.csv:
            check_csv_target(case, args.csv)
        if args.save_region:
            if region is None:
                raise ValueError("--save-region needs --region")
            was = ent.case_region(case)
            ent.set_case_region(case, region)
            print(f"saved: this case's region is now {region} (was {was}): phone numbers without a country "
                  "code and numeric dates are read as its, unless --region says otherwise", file=sys.stderr)
        found = ent.case_entities(case, region, kinds)
        part_way = part_way_notes(case)
    finally:
        case.close()
    if args.shared:
        found = [e for e in found if e.shared]
    if args.csv:
        rows = ent.write_csv(found, args.csv)
        print(f"{args.csv}: {len(found)} entities, {rows} mentions", file=sys.stderr)
    if args.json:
        print(json.dumps([entity_record(e) for e in found], ensure_ascii=False, indent=1))
    else:
        for entity in found:
            print(entity_line(entity))
    if not found:
        print("no entities found", file=sys.stderr)
    _say(part_way)
    return OK
