"""Where a file the case reads came from when it is the case's own copy of a chat export's member (light: loads
no reader, so `export` stays quick)."""

from __future__ import annotations

from pathlib import Path

from app.core.names import printable
from app.core.store import Case

EXPORTS_FOLDER = "exports"  # <case>/exports/<zip sha256>/: a zip's voice notes and videos, extracted
ATTACHMENT_TAKEN_IN = "chat.attachment_taken_in"


def found_in_export(case: Case, exhibit_id: int) -> str:
    """The exhibit as the user knows it ("<zip> → <member>", the outer zip first for a zip in a zip) where the file
    the case reads is its own copy extracted from a chat export; "" for a file read where it was met."""
    copies = case.folder / EXPORTS_FOLDER
    if copies not in Path(case.exhibit(exhibit_id).source.path).parents:
        return ""
    for entry in case.audit.entries_of(ATTACHMENT_TAKEN_IN, f"exhibit/{exhibit_id}"):  # the first met
        chain = entry.details.get("found_in") or [entry.details["export"]]
        return " → ".join(printable(part) for part in (*chain, entry.details["member"]))
    return ""
