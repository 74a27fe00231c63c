"""`verify`, a run's segments as they were written, chunk by chunk (since session 13).

Each chunk a run stores is logged with it (`run.appended`: the ids of its rows, their content and
scores digests; a diarisation that rewrites the rows before the run finishes logs the new rows with
`run.diarised`). The digest logged when a run finishes covers only what the store then held: rows
changed while a run was stopped would be taken in by its resumption and sealed as the machine's. So:

- a run not finished (stopped, failed, or still at work): its rows against the chunks logged, and a
  row no chunk logged is a finding (a search finds its words);
- a finished run whose draft matches its finishing digest: its rows against the chunks too, which
  shows rows changed before it finished;
- runs started before session 13 logged no chunks: not checked so (their finishing digest is).
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.evidence.content import content_sha256, scores_sha256
from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case, working_copy


def chunk_findings(case: Case, reported: set[int]) -> Iterator[Finding]:
    """`reported`: runs whose draft a finding already names (one line for one change)."""
    logged, chunks = set(), {}
    for entry in case.audit.entries("run/"):
        run_id = entry_number(entry.subject)
        if entry.action == "run.started" and entry.details.get("chunks_logged"):
            logged.add(run_id)
        elif entry.action == "run.appended":
            chunks.setdefault(run_id, []).append(entry.details)
        elif entry.action == "run.diarised" and "rows" in entry.details:
            chunks[run_id] = [entry.details["rows"]] if entry.details["rows"] else []  # the rows rewritten
    complete = set(case.run_ids("complete"))
    for run_id in sorted((logged & set(case.run_ids())) - reported):
        problem = _differs(case, run_id, chunks.get(run_id, []))
        if problem and run_id in complete:
            yield Finding(f"run {run_id}", f"its machine draft holds rows other than those logged as they were "
                                           f"written ({problem}): changed before the run finished, then sealed")
        elif problem:
            yield Finding(f"run {run_id}", f"its segments so far (the run is not finished) differ from those logged "
                                           f"as they were written ({problem})")


def _differs(case: Case, run_id: int, chunks: list[dict]) -> str:
    changed, covered = [], set()
    for chunk in chunks:
        first, last = (int(n) for n in chunk["segments"])
        rows = case.segments(run_id, (first, last))
        covered.update(s.id for s in rows)
        if content_sha256(rows) != chunk.get("content_sha256") or scores_sha256(rows) != chunk.get("scores_sha256"):
            changed.append(f"{first}-{last}" if first != last else str(first))
    unlogged = sorted(set(working_copy.segment_ids(case, run_id, working=False)) - covered)
    said = [f"rows {', '.join(changed)} changed"] if changed else []
    if unlogged:
        said.append(f"{len(unlogged)} row(s) never logged")
    return "; ".join(said)
