"""The facts a set's DOCX and PDF give of what made them, read back for `check-export` (set_agreement.py).

A record of interview handed over as DOCX or PDF alone has no JSON or TXT beside it; its manifest edited to name
another model, recording or beam width still listed the documents with their right SHA-256, so `check-export`
said "nothing found". The documents print the same facts in their "Source and production" table: the recording's
SHA-256, the model and its SHA-256, the settings in words, the status (a draft handed on as verified) and, since
session 29, the run (a manifest pointed at another run was "nothing found" beside a DOCX or PDF alone). Each is read from the table's rows (a DOCX's cells,
a PDF's text lines "Label value"), the first of each label only; a document with no such table (a chat's
timeline, another tool's) gives nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_HEX = r"(?P<hex>[0-9a-f]{64})"
_ROWS = {"SHA-256": "source.sha256", "Model": "model.name", "Model SHA-256": "model.sha256"}
_PDF_ROW = re.compile(r"^(?P<label>SHA-256|Model SHA-256|Model|Produced|Duration) (?P<value>\S.*)$")
_WORDS = (  # the settings in words (record.settings_in_words): the manifest's key and how its value reads
    (re.compile(r"\bbeam search (\d+)\b"), "settings.beam_size", int),
    (re.compile(r"\bvoice activity detection (on|off)\b"), "settings.vad", lambda v: v == "on"),
    (re.compile(r"\bword timings (on|off)\b"), "settings.word_timestamps", lambda v: v == "on"),
    (re.compile(r"\bspeakers told apart by the (\S+) voice model\b"), "settings.diarization", str),
)
WRAPPED = ("Settings", "Software", "Recording")  # rows whose value a PDF wraps onto the lines after its label
_NEXT_ROWS = ("Software", "Produced", "Status", "Found in", "Working copy", "SHA-256")  # the rows that follow them
PAGES_READ = 3  # the table is on the first page or two; a long transcript's body is never read


class Said(str):
    """A fact in a file's own words ("Software: Parley 0.1.0 (...)", "Produced 2026-12-05 02:09 UTC"): compared
    with the manifest's value written the same way, spaces aside (a PDF wraps a long value onto lines)."""


_VERIFIED = re.compile(r"^verified by (?P<name>.*?)(?: (?:on \d{4}-\d\d-\d\d \d\d:\d\d UTC|at \d{4}-\d\d-\d\dT\S*))?$")
_BYTES = re.compile(r"(?:^|\()(?P<bytes>[\d,]+) bytes\b")
UNNAMED = "an unnamed user"


def verifier_of(written: str) -> str | None:
    """Who a status's words say verified the text ("verified by NAME on DATE" / "at WHEN"), None for a text not
    verified; nothing (the empty string) for a verified one whose name is not given."""
    if (found := _VERIFIED.match(written)) is None:
        return None if not written.startswith("verified") else ""
    return "" if found["name"] == UNNAMED else found["name"]


def bytes_of(written: str) -> int | None:
    """The recording's size from "1,810,538 bytes; duration ..." (TXT) or "00:00:56.6 (1,810,538 bytes)" (record)."""
    found = _BYTES.search(written)
    return int(found["bytes"].replace(",", "")) if found else None


class ReaderMissing(Exception):
    """The library that reads a DOCX or PDF is not installed: the document's provenance cannot be read back."""


def _reader_missing(path: Path, package: str) -> ReaderMissing:
    return ReaderMissing(f"{path.name}: its provenance was not read back, {package} is not installed (pip install "
                         f"{package}): this check says nothing of it")


def document_facts(path: Path) -> Iterator[tuple[str, Any]]:
    """(the manifest's key, the value the document gives) for a record's DOCX or PDF; nothing for another file.
    ReaderMissing when python-docx or pypdf is not installed (it was read as "not a DOCX/PDF": nothing said)."""
    rows = _docx_rows(path) if path.suffix.lower() == ".docx" else _pdf_rows(path)
    if "Settings" not in rows or "Model SHA-256" not in rows:
        return  # no "Source and production" table: not a transcript's record
    for label, key in _ROWS.items():
        value = rows.get(label, "")
        if key.endswith("sha256") and not re.fullmatch(_HEX, value):
            continue
        if value:
            yield key, value
    if rows.get("Run", "").isdecimal():
        yield "run_id", int(rows["Run"])
    if rows.get("Status"):
        yield "status", status_of(rows["Status"])
        if (name := verifier_of(rows["Status"])) != "":
            yield "verified_by", name
    yield from _said(rows)
    words = " ".join(rows["Settings"].split())
    for pattern, key, read in _WORDS:
        if (found := pattern.search(words)) is not None:
            yield key, read(found[1])


def _said(rows: dict[str, str]) -> Iterator[tuple[str, Any]]:
    """The recording's name and size, the software and when the text was made, as the record's rows give them."""
    if rows.get("Recording"):
        yield "source.name", Said(rows["Recording"])
    if (size := bytes_of(rows.get("Duration", ""))) is not None:
        yield "source.bytes", size
    if rows.get("Software"):
        yield "software", Said(rows["Software"])
    if rows.get("Produced"):
        yield "created_at", Said(rows["Produced"])


def status_of(written: str) -> str:
    """The manifest's status from a record's words for it: "verified by NAME on DATE" (a TXT's "verified by NAME at
    WHEN") -> verified, "edited, not verified" -> edited, "machine draft" as it is."""
    if written.startswith("verified by "):
        return "verified"
    return written.removesuffix(", not verified")


def _docx_rows(path: Path) -> dict[str, str]:
    """Each two-cell table row of the document, label -> value, the first of each label."""
    try:
        from docx import Document
    except ImportError:
        raise _reader_missing(path, "python-docx") from None
    try:
        document = Document(str(path))
    except Exception:  # noqa: BLE001 (python-docx raises many kinds on a file that is not a DOCX)
        return {}
    rows: dict[str, str] = {}
    for table in document.tables:
        for row in table.rows:
            cells = row.cells
            if len(cells) == 2:
                rows.setdefault(cells[0].text.strip(), cells[1].text.strip())
    return rows


def _pdf_rows(path: Path) -> dict[str, str]:
    """The record's rows from the PDF's first pages' text: "Model SHA-256 <hex>", and the settings' words, which
    wrap onto the lines after "Settings" up to the next row ("Software")."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise _reader_missing(path, "pypdf") from None
    try:
        pages = PdfReader(str(path)).pages
        lines = [line.strip() for page in list(pages)[:PAGES_READ] for line in page.extract_text().splitlines()]
    except Exception:  # noqa: BLE001 (pypdf raises many kinds on a file that is not a PDF)
        return {}
    rows: dict[str, str] = {}
    for at, line in enumerate(lines):
        if (found := _PDF_ROW.match(line)) is not None:
            rows.setdefault(found["label"], found["value"])
        elif line.startswith("Run ") and at and lines[at - 1].startswith("Produced "):  # the row after "Produced"
            rows.setdefault("Run", line[len("Run "):])
        elif line.startswith("Status ") and "Status" not in rows:  # not the running foot's "Status: ..."
            rows["Status"] = line[len("Status "):]
        elif line.startswith(WRAPPED) and (label := line.split()[0]) not in rows:
            rows[label] = " ".join(_until_next_row(lines[at:], label))
    return rows


def _until_next_row(lines: list[str], label: str) -> Iterator[str]:
    yield lines[0][len(label):]
    for line in lines[1:]:
        if line.startswith(_NEXT_ROWS):
            return
        yield line
