"""Export a run as it stands: the proofreader's current text, every format, a manifest, audited.

The CLI (`export`, `transcribe`, `queue run`, `translate`), the worker's export jobs
and the window all export through `export_run`, so a verified transcript is exported
with its corrections and its verification whichever way it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.chats.origin import found_in_export
from app.core.clock import utc_now
from app.core.editing import operations as editing
from app.core.editing import review
from app.core.editing.changed_lines import NOT_CORRECTIONS, changed_lines
from app.core.editing.operations import current_transcript
from app.core.editing.proofread import set_aside
from app.core.errors import ParleyError
from app.core.evidence.content import content_sha256
from app.core.evidence.export_gate import run_refusals
from app.core.evidence.export_set import ExportWriteError, folder_held, write_sets
from app.core.evidence.paths import check_outside_evidence
from app.core.evidence.provenance import software_info
from app.core.export import render_transcript
from app.core.export.base import provenance
from app.core.names import output_names
from app.core.store import Case, Exhibit
from app.core.store.audit import current_user, person_or_account
from app.core.store.interview import for_export
from app.core.store.spelling import as_listed
from app.core.store.views import SPEECH_TASKS
from app.core.translation.proofread_source import proofread_source
from app.core.types import ExportContext, ReviewState, Transcript

if TYPE_CHECKING:
    from app.core.store.jobs import Job

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ExportItem:
    """One run to write out: under `basename` (its source's stem when None), for `job_id` if a job's."""
    run_id: int
    basename: str | None = None
    job_id: int | None = None
    met_at: str | None = None  # the path the file written for was met at: a copy's, where not the exhibit's own


def export_run(case: Case, run_id: int, out: Path, formats: list[str], basename: str | None = None,
               job_id: int | None = None, actor: str | None = None,
               uncertain_below: float | None = None) -> list[Path]:
    """Write the run's current transcript in every format, with `<name>.manifest.json`.

    Returns the paths written (the manifest last). Each file and the set are in the audit log,
    by absolute path (a relative `out` is where it is now: `verify` may run from anywhere).
    """
    return export_runs(case, [ExportItem(run_id, basename, job_id)], out, formats, actor, uncertain_below)[0]


class ExportsRefused(ParleyError):
    """Runs refused by the export gate (one line each), their ids `refused`; `kept` the paths of the sets written
    beside them."""

    def __init__(self, lines: list[str], kept: list[Path], refused: set[int]) -> None:
        super().__init__("\n".join(lines))
        self.kept = kept
        self.refused = refused


def export_runs(case: Case, items: list[ExportItem], out: Path, formats: list[str], actor: str | None = None,
                uncertain_below: float | None = None) -> list[list[Path]]:
    """`export_run` for several runs into one folder at once (a command's files that ended together):
    one audit transaction logs every set staged, one sync of the folder follows all their renames and
    one transaction logs every file written (sets sharing a name go in successive groups, the later
    last). A set is whole and logged, or absent; the paths of each. A run edited outside Parley is set
    aside, the rest written, then ExportsRefused names each refused run."""
    refused = {item.run_id: run_refusals(case, item.run_id) for item in items}
    lines = list(dict.fromkeys(f"{forged[0].line()} (edited outside Parley): not exported; `verify` says more"
                               for forged in refused.values() if forged))  # was: the whole group refused
    clean = [item for item in items if not refused[item.run_id]]
    out = as_listed(Path(out).expanduser().resolve())  # as the disk spells it: one folder, one logged path
    actor = (actor or "").strip() or None
    who = actor or current_user()  # the audit log's actor, as for every entry made without a name
    shown = person_or_account(actor)  # what the record, its header and the manifest print
    sets = [_rendered(case, item, out, formats, shown, uncertain_below) for item in clean]
    placed: list[list[Path]] = []
    kept_runs: list[int] = []
    with folder_held(out):  # another export into this folder waits: its manifest removal is not between our renames
        for group in _one_name_each(list(zip(clean, sets, strict=True))):
            try:
                done, error = _write_group(case, out, group, who)
            except ExportWriteError as exc:  # nothing of this group kept
                done, error = [], exc
            placed += done
            kept_runs += [item.run_id for item, _ in group[:len(done)]]  # placed in the group's order
            if error is not None:
                error.kept = [path for paths in placed for path in paths] + list(error.kept)
                error.kept_runs = kept_runs
                raise error
    if lines:
        raise ExportsRefused(lines, [path for paths in placed for path in paths],
                             {run_id for run_id, forged in refused.items() if forged})
    return placed


_Set = tuple[str, list[tuple[str, bytes]], dict[str, Any]]


def _one_name_each(sets: list[tuple[ExportItem, _Set]]) -> list[list[tuple[ExportItem, _Set]]]:
    """Successive groups, in order, none holding two sets of one name (two runs of one exhibit, two
    translations to one target): the later replaces the earlier, each logged with its own bytes."""
    groups: list[list[tuple[ExportItem, _Set]]] = []
    for one in sets:
        if not groups or one[1][0] in {stem for _, (stem, _, _) in groups[-1]}:
            groups.append([])
        groups[-1].append(one)
    return groups


def _write_group(case: Case, out: Path, group: list[tuple[ExportItem, _Set]],
                 who: str) -> tuple[list[list[Path]], ExportWriteError | None]:
    """One group's sets staged and logged, put in place, then logged as written with the digests
    computed at staging (a file read again from disk may already be another set's)."""
    items = [item for item, _ in group]
    logged: list[list[tuple[Path, str]]] = []

    def staged(planned: list[list[tuple[Path, str]]]) -> None:  # what a kill from here on leaves half-done
        logged[:] = planned
        with case.transaction():
            for item, files in zip(items, planned, strict=True):
                case.audit.record("export.staged", f"run/{item.run_id}",
                                  {"files": [{"file": str(path), "sha256": sha} for path, sha in files]}, actor=who)

    placed, error = write_sets(out, [one for _, one in group], before_rename=staged)
    with case.transaction():
        for item, files in zip(items, logged[:len(placed)], strict=False):
            for path, sha in files:
                details: dict[str, Any] = {"file": str(path), "sha256": sha}
                if item.job_id is not None:
                    details["job"] = item.job_id
                case.audit.record("export.written", f"run/{item.run_id}", details, actor=who)
    return placed, error


def _rendered(case: Case, item: ExportItem, out: Path, formats: list[str], shown: str,
              uncertain_below: float | None) -> tuple[str, list[tuple[str, bytes]], dict[str, Any]]:
    """The run's set as `write_sets` takes it: its stem, its files' names and bytes, its manifest."""
    exhibit_id = case.run(item.run_id).exhibit_id
    context = ExportContext(shown, utc_now(), uncertain_below, exporting_software(), review_state(case, item.run_id),
                            found_in_export(case, exhibit_id))
    transcript = for_export(case, item.run_id, current_transcript(case, item.run_id), context)
    aside = set_aside(case, exhibit_id, item.run_id)
    if aside is not None:  # a draft (or its translation) newer than a person's corrections says so in every file, not on
        # stderr alone: a warning (a header line of the TXT, DOCX and PDF, the JSON's "warnings") and the manifest's
        transcript = replace(transcript, warnings=(*transcript.warnings, aside.draft_note()))
    copy = _copy_note(case.exhibit(exhibit_id), item.met_at)
    if copy:  # "forwarded copy.pdf" named only the WhatsApp note it is a copy of, and not why
        transcript = replace(transcript, warnings=(*transcript.warnings, copy))
    files = render_transcript(transcript, out, formats, basename=item.basename)
    manifest = _manifest(case, transcript, shown) | ({"set_aside": aside.draft_note()} if aside else {})
    return files[0][0].rsplit(".", 1)[0], files, manifest


def _copy_note(exhibit: Exhibit, met_at: str | None) -> str:
    """For a record written under a copy's name: whose bytes it is, and where the copy was met."""
    if not met_at or met_at == exhibit.source.path:
        return ""
    return (f"written for {met_at}: the same bytes (SHA-256) as {exhibit.source.name}, the exhibit this record "
            f"names, found at {exhibit.source.path}")


def review_state(case: Case, run_id: int) -> ReviewState:
    """Who corrected the text (any change but the sign-off, while it differs from the machine's) and
    the words the model was unsure of that no one marked as listened to: a record signed off with
    those said "checked against the recording" as if every word had been."""
    state, _ = editing.status(case, run_id)
    revisions = editing.history(case, run_id) if state != editing.STATUS_DRAFT else []
    editors = dict.fromkeys(r.actor for r in revisions if r.op not in NOT_CORRECTIONS and r.actor)
    spans = review.run_spans(case, run_id)
    done = review.reviewed_keys(case, run_id) if spans else set()
    return ReviewState(tuple(editors), len(spans), tuple(s.key for s in spans if s.key not in done),
                       review.LOW_PROBABILITY, changed_lines(case, run_id, revisions) if revisions else (),
                       proofread_source(case, run_id))


def _manifest(case: Case, transcript: Transcript, who: str) -> dict[str, Any]:
    head = case.audit.head()
    return {
        "manifest_version": MANIFEST_VERSION,
        **provenance(transcript),
        "content_sha256": content_sha256(transcript.segments),
        # every path these bytes were met under (one exhibit per SHA-256: a copy under another name
        # is exported under its own name, from the same source)
        "source_found_at": _found_at(case, transcript.run_id),
        **({"source_found_in": transcript.export.found_in} if transcript.export and transcript.export.found_in else {}),
        "exported_by": who,
        "exported_at": transcript.export.exported_at if transcript.export else utc_now(),
        "exported_with": transcript.export.software if transcript.export else exporting_software(),
        "case": str(case.folder),
        "audit_head": head.to_dict() if head else None,
    }


def exporting_software() -> str:
    """The software writing the export, by version and source hash: a record laid out today by a
    newer Parley than the one that transcribed it says so (its Software row is the run's)."""
    sw = software_info()
    return f"{sw.name} {sw.version}, code SHA-256 {sw.components.get('parley-source', 'unknown')}"


def _found_at(case: Case, run_id: int | None) -> list[str]:
    return [] if run_id is None else list(case.exhibit(case.run(run_id).exhibit_id).paths)


def output_basenames(paths: list[str]) -> dict[str, str]:
    """<stem> per input, or the whole file name where two inputs share a stem (control characters replaced)."""
    return output_names(paths)


def export_names(case: Case, run_ids: list[int]) -> dict[int, str]:
    """An export name per run, as `transcribe` names its inputs: each recording's stem, or its
    whole file name where two share a stem (a phone's 'PTT-0001.opus' in two chats' folders), so
    runs exported into one folder together never write over each other's sets."""
    paths = {run_id: case.exhibit(case.run(run_id).exhibit_id).source.path for run_id in run_ids}
    names = output_names(list(dict.fromkeys(paths.values())))
    return {run_id: names[path] for run_id, path in paths.items()}


def never_written(case: Case, jobs: list[Job]) -> list[Job]:
    """The done transcribe and translate jobs whose run was never written out (no `export.written`): a
    `queue run --out` stopped (killed) after the job was done and before its export, or a window's job."""
    written = {e.subject for e in case.audit.entries("run/") if e.action == "export.written"}
    return [j for j in jobs if j.state == "done" and j.run_id is not None and j.task in ("transcribe", "translate")
            and f"run/{j.run_id}" not in written]


def check_out_dir(out: Path, sources: list[str], option: str = "--out") -> None:
    """Refuse an output folder inside the evidence (any input's folder or below); create it otherwise."""
    check_outside_evidence(option, out, sources)
    out = as_listed(out.expanduser().resolve())
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParleyError(f"{out}: cannot create the output folder ({exc.strerror or exc})") from None



def run_to_export(case: Case, exhibit_id: int, task: str | None = None) -> int | None:
    """The exhibit's latest complete run (of `task`; without one, of what was heard: its
    transcript, not a speech or text translation made since), passing over copies taken in from a
    transcript JSON this case exported earlier (`translate OLD.json`): such a copy names the run
    it came from, and while that run is here it is never newer than it (the proofreader's
    corrections made since would be lost from the export)."""
    runs = case.latest_runs(exhibit_id, task)
    if task is None:  # a translation only when asked for (or when there is nothing else): a speech
        # translation made since wrote English in place of the (proofread) transcript
        heard = [r for r in runs if case.run(r).task in SPEECH_TASKS]
        runs = [r for r in heard if case.run(r).task == "transcribe"] or heard or runs
    own = set(runs)
    for run_id in runs:
        origin = case.transcript(run_id).settings.get("imported_run_id")
        if not (isinstance(origin, int) and origin != run_id and origin in own):
            return run_id
    return runs[0] if runs else None
