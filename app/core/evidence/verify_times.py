"""`verify`, the audit log's times: each entry is timed by the clock when Parley appended it, in order.

Parley appends under the store's write lock, so each entry is timed at or after the one before it, and
never after the clock of the computer reading it. A log rewritten and chained again (its head file mended)
with an entry timed after later ones, or in the future (a run "finished" in 2031, its record and entries
agreeing), verified "nothing found". Both are now findings, one line each, naming the entries; what
else explains them (a clock set back, a case worked on by a computer whose clock was ahead or behind) is
said with them. A minute's difference is allowed for clocks that differ so between computers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from app.core.clock import parse_stamp
from app.core.evidence.finding import Finding
from app.core.store import Case

SLACK = timedelta(minutes=1)  # clocks of two computers a case was worked on may differ by this, unsaid
_SHOWN = 3


def log_time_findings(case: Case, now: datetime | None = None) -> Iterator[Finding]:
    now = now or datetime.now(timezone.utc)
    backwards: list[str] = []
    future: list[str] = []
    latest: tuple[int, datetime] | None = None
    for entry in case.audit.entries():
        at = parse_stamp(entry.at)
        if at is None:
            continue  # an entry's text is the chain's to judge: chained as written, nothing to compare
        if latest is not None and at < latest[1] - SLACK:
            backwards.append(f"entry {entry.id} ({entry.action}) at {entry.at} follows entry {latest[0]} at "
                             f"{_iso(latest[1])}")
        if at > now + SLACK:  # said once, as this; the entries after it are not then said timed before it
            future.append(f"entry {entry.id} ({entry.action}) at {entry.at}")
        elif latest is None or at > latest[1]:
            latest = (entry.id, at)
    if backwards:
        yield Finding("audit log", f"{len(backwards)} entr{'y is' if len(backwards) == 1 else 'ies are'} timed before "
                                   f"an earlier entry ({_listed(backwards)}): the log was rewritten with other times, "
                                   "or the computer's clock was set back while the case was worked on")
    if future:
        yield Finding("audit log", f"{len(future)} entr{'y is' if len(future) == 1 else 'ies are'} timed after this "
                                   f"computer's clock ({_iso(now)}: {_listed(future)}): the log was rewritten with "
                                   "other times, or the clock of the computer that wrote them was ahead (or this "
                                   "one's is behind)")


def record_time_findings(case: Case, now: datetime | None = None) -> Iterator[Finding]:
    """Each run timed after this computer's clock, or finished before it began, and each exhibit taken in after
    it: the store's times and the details the log holds of them agree when both were rewritten (the entries'
    own times untouched), so only the clock can tell."""
    now = now or datetime.now(timezone.utc)
    for run_id in case.run_ids():
        run = case.run(run_id)
        began, ended = parse_stamp(run.created_at), parse_stamp(run.finished_at)
        late = [f"{what} {text}" for what, text, at in (("began", run.created_at, began),
                                                        ("finished", run.finished_at, ended))
                if at is not None and at > now + SLACK]
        if late:
            yield Finding(f"run {run_id}", f"timed after this computer's clock ({_iso(now)}): {', '.join(late)}; "
                                           "its record rewritten with other times, or the clock of the computer "
                                           "that made it was ahead (or this one's is behind)")
        elif began is not None and ended is not None and ended < began - SLACK:
            yield Finding(f"run {run_id}", f"finished ({run.finished_at}) before it began ({run.created_at}): its "
                                           "record rewritten with other times, or the clock set back while it ran")
    for exhibit in case.exhibits():
        taken = parse_stamp(exhibit.added_at)
        if taken is not None and taken > now + SLACK:
            yield Finding(f"exhibit {exhibit.id}", f"taken in at {exhibit.added_at}, after this computer's clock "
                                                   f"({_iso(now)}): its record rewritten with other times, or the "
                                                   "clock of the computer that took it in was ahead")


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _listed(items: list[str]) -> str:
    return "; ".join(items[:_SHOWN]) + (f"; and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")
