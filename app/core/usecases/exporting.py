"""Export a run as it stands: the proofreader's current text, every format, in the audit log.

The CLI (`export`, `transcribe`, `queue run`), the worker's export jobs and the window
all export through `export_run`, so a verified transcript is exported with its
corrections and its verification whichever way it is asked for.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from app.core.editing import current_transcript
from app.core.errors import ParleyError
from app.core.export import export_transcript
from app.core.hashing import sha256_file
from app.core.store import Case


def export_run(case: Case, run_id: int, out: Path, formats: list[str], basename: str | None = None,
               job_id: int | None = None) -> list[Path]:
    """Write the run's current transcript in every format; each file written is audited."""
    paths = export_transcript(current_transcript(case, run_id), out, formats, basename=basename)
    with case.transaction():
        for path in paths:
            details = {"file": str(path), "sha256": sha256_file(path)}
            if job_id is not None:
                details["job"] = job_id
            case.audit.record("export.written", f"run/{run_id}", details)
    return paths


def output_basenames(paths: list[str]) -> dict[str, str]:
    """<stem> per input, or the whole file name where two inputs share a stem."""
    stems = Counter(Path(p).stem for p in paths)
    return {p: Path(p).stem if stems[Path(p).stem] == 1 else Path(p).name for p in paths}


def check_out_dir(out: Path, sources: list[str]) -> None:
    """Refuse an output folder that is a source's folder; create it otherwise."""
    out = out.expanduser().resolve()
    for source in sources:
        if Path(source).resolve().parent == out:
            raise ParleyError(f"{out}: refusing to write outputs beside the evidence; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
