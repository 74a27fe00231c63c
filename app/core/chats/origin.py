"""Where a file the case reads came from when it is the case's own copy of a chat export's member (light: loads
no reader, so `export` stays quick)."""

from __future__ import annotations

import re
from pathlib import Path

from app.core.names import printable
from app.core.store import Case

EXPORTS_FOLDER = "exports"  # <case>/exports/<zip sha256>/: a zip's voice notes and videos, extracted
ATTACHMENT_TAKEN_IN = "chat.attachment_taken_in"


def found_in_export(case: Case, exhibit_id: int) -> str:
    """The exhibit as the user knows it ("<zip> → <member>", the outer zip first for a zip in a zip) where the file
    the case reads is its own copy extracted from a chat export: named by the audit entry of the export whose
    copy it is (`exports/<its SHA-256>/`, wherever the case folder now lies); "" for a file read where it was met."""
    export_sha = copied_from(case.exhibit(exhibit_id).source.path)
    if export_sha is None:
        return ""
    for entry in case.audit.entries_of(ATTACHMENT_TAKEN_IN, f"exhibit/{exhibit_id}", export_sha256=export_sha):
        chain = entry.details.get("found_in") or [entry.details["export"]]
        return " → ".join(printable(part) for part in (*chain, entry.details["member"]))
    return ""


def copied_from(path: str) -> str | None:
    """The SHA-256 of the export a case's copy was extracted from (`.../exports/<SHA-256>/<member>`); else None."""
    folder = _export_copy_folder(path)
    return folder.name if folder is not None else None


def copied_member(path: str) -> str | None:
    """The member of its export a case's copy (`.../exports/<SHA-256>/<member>`) is; else None."""
    folder = _export_copy_folder(path)
    return Path(path).relative_to(folder).as_posix() if folder is not None else None


def _export_copy_folder(path: str) -> Path | None:
    for folder in Path(path).parents:
        if re.fullmatch(r"[0-9a-f]{64}", folder.name) and folder.parent.name == EXPORTS_FOLDER:
            return folder
    return None
