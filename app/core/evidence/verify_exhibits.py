"""`verify`, exhibits: each exhibit's record in the store against the log's intake entries.

- hash, size, path, when it was taken in, and what intake found of it (length, codec...), as
  exports print them, against `exhibit.added`; its name (search and chat hits show it) against
  the name logged since session 12, before against the last part of its path;
- every path the exhibit was met at, in order (a manifest's `source_found_at`), against
  `exhibit.added` and each `exhibit.duplicate_linked`;
- whether it is marked cut short (every export of every run of it says so): found so at intake
  (logged since session 12) or by a run of it that the log saw finish truncated.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.core.evidence.finding import Finding, entry_number
from app.core.store import Case
from app.core.store.case import Exhibit, exhibit_facts


def exhibit_records(case: Case, notes: list[Finding], only: int | None = None) -> Iterator[Finding]:
    """`only`: that exhibit alone (what an export of a run of it prints, checked before it is written)."""
    logged: dict[int, dict] = {}
    found_at: dict[int, list[str]] = {}
    found_when: dict[int, list[str | None]] = {}  # when each path was found: logged since session 13
    for entry in case.audit.entries("exhibit/") if only is None else case.audit.entries_about(f"exhibit/{only}"):
        if entry.action == "exhibit.added":
            logged[entry_number(entry.subject)] = entry.details
            found_at[entry_number(entry.subject)] = [entry.details.get("path")]
            found_when[entry_number(entry.subject)] = [entry.details.get("path_added_at")]
        elif entry.action == "exhibit.duplicate_linked":
            found_at.setdefault(entry_number(entry.subject), []).append(entry.details.get("path"))
            found_when.setdefault(entry_number(entry.subject), []).append(entry.details.get("added_at"))
    stored = {e.id: e for e in case.exhibits()} if only is None else {only: case.exhibit(only)}
    names, times = case.exhibit_names(), case.path_times()
    cut_short = _found_truncated_by_a_run(case, None if only is None else case.latest_runs(only))
    for exhibit_id in sorted(logged.keys() - stored.keys()):
        yield Finding(f"exhibit {exhibit_id}", "in the audit log, but gone from the store")
    for exhibit_id, exhibit in sorted(stored.items()):
        subject, details = f"exhibit {exhibit_id}", logged.get(exhibit_id)
        if details is None:
            yield Finding(subject, "in the store, but the audit log never saw it taken in")
            continue
        changed = _changed(exhibit, details, names.get(exhibit_id), exhibit_id in cut_short, subject, notes)
        if changed:
            yield Finding(subject, f"its record in the store differs from the audit log ({', '.join(changed)})")
        if list(exhibit.paths) != found_at[exhibit_id]:
            yield Finding(subject, "the paths it was found at in the store differ from the audit log (a path added, "
                                   "removed or put in another order; exports list them)")
        elif any(then not in (None, now) for (_path, now), then in zip(times.get(exhibit_id, []),
                                                                        found_when[exhibit_id])):
            yield Finding(subject, "when it was found at one of its paths differs in the store from the audit log "
                                   "(exhibit_paths.added_at)")
    if any(when is None for exhibit_id in stored for when in found_when.get(exhibit_id, [])):
        notes.append(Finding("exhibits", "when each was found at each of its paths is not recorded in the audit log "
                                         "for paths met before session 13 (an older case): not checked for them"))


def _changed(exhibit: Exhibit, details: dict, name: str | None, run_truncated: bool, subject: str,
             notes: list[Finding]) -> list[str]:
    now = {"sha256": exhibit.source.sha256, "bytes": exhibit.source.bytes,
           "path": exhibit.paths[0] if exhibit.paths else exhibit.source.path,
           "added_at": exhibit.added_at, **exhibit_facts(exhibit.source)}
    changed = [key for key, value in now.items() if key in details and details[key] != value]
    if name != details.get("name", exhibit.source.name):  # logged since session 12
        changed.append("name")  # before, the last part of the (checked) path it was stored with
    truncated = exhibit.source.truncated
    if "truncated" in details:  # since session 12
        if truncated != (bool(details["truncated"]) or run_truncated):
            changed.append("truncated")
    elif truncated and not run_truncated:
        notes.append(Finding(subject, "whether it was found cut short when taken in is not recorded in the audit log "
                                      "(an older case): its mark not checked"))
    return changed


def _found_truncated_by_a_run(case: Case, runs: list[int] | None = None) -> set[int]:
    """Exhibits a run of which the log saw finish truncated (the run marks its exhibit so); of `runs` alone, given."""
    exhibit_of: dict[int, int] = {}
    truncated: set[int] = set()
    entries = case.audit.entries("run/") if runs is None else [
        e for run_id in runs for e in case.audit.entries_about(f"run/{run_id}")]
    for entry in entries:
        if entry.action == "run.started" and isinstance(entry.details.get("exhibit"), int):
            exhibit_of[entry_number(entry.subject)] = entry.details["exhibit"]
        elif entry.action == "run.complete" and entry.details.get("truncated"):
            truncated.add(entry_number(entry.subject))
    return {exhibit_of[run] for run in truncated if run in exhibit_of}
