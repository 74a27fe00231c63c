"""The facts a set's DOCX and PDF give of what made them, read back for `check-export` (set_agreement.py).

A record of interview handed over as DOCX or PDF alone has no JSON or TXT beside it; its manifest edited to name
another model, recording or beam width still listed the documents with their right SHA-256, so `check-export`
said "nothing found". The documents print the same facts in their "Source and production" table: the recording's
SHA-256, the model and its SHA-256, the settings in words, the status (a draft handed on as verified) and, since
session 29, the run (a manifest pointed at another run was "nothing found" beside a DOCX or PDF alone). Each is read from the table's rows (a DOCX's cells,
the first of each label; a PDF's text lines "Label value" between the table's heading and the body's column heads,
in print order, its pages' head and foot left out); a document with no such table (a chat's timeline, another
tool's) gives nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.core.evidence.set_language import record_language_facts
from app.core.export.record import DRAFT_MARK

_HEX = r"(?P<hex>[0-9a-f]{64})"
_ROWS = {"SHA-256": "source.sha256", "Model": "model.name", "Model SHA-256": "model.sha256"}
_WORDS = (  # the settings in words (record.settings_in_words): the manifest's key and how its value reads
    (re.compile(r"\bbeam search (\d+)\b"), "settings.beam_size", int),
    (re.compile(r"\bvoice activity detection (on|off)\b"), "settings.vad", lambda v: v == "on"),
    (re.compile(r"\bword timings (on|off)\b"), "settings.word_timestamps", lambda v: v == "on"),
    (re.compile(r"\bspeakers told apart by the (\S+) voice model\b"), "settings.diarization", str),
)
SOURCE_ROWS = (  # the record's "Source and production" rows in print order (record.source_rows); True: every
    ("Recording", True), ("Found in", False), ("Working copy", False), ("SHA-256", True),  # record has the row
    ("Duration", True), ("Language", True), ("Model", True), ("Model SHA-256", True), ("Settings", True),
    ("Software", True), ("Produced", True), ("Run", False), ("Status", True))
AFTER_STATUS = ("Translated from", "Corrected by", "Lines changed", "Uncertain words", "Exported", "Warning")
TABLE_HEADING = "Source and production"
BODY_HEAD = "Line Time "  # the body's column heads under the table
_FOOT = re.compile(r"^Source SHA-256 [0-9a-f]{64}$")
_PAGE = re.compile(r"^Page \d+ of \d+$")
_SUBJECT_NAMES = (  # in a PDF's Subject, in this order (record.pdf_subject)
    ("; recording: ", "source.name"), ("; verified by: ", "verified_by"), ("; exported by: ", "exported_by"))
PAGES_READ = 3  # the table is on the first page or two; a long transcript's body is never read


class Said(str):
    """A fact in a file's own words ("Software: Parley 0.1.0 (...)", "Produced 2026-12-05 02:09 UTC"): compared
    with the manifest's value written the same way, spaces and control characters aside (a PDF wraps a long value
    onto lines; a DOCX writes a name's control characters as U+FFFD, a PDF leaves them out)."""


class ReadBack(Said):
    """A name as a PDF gives it back: pypdf does not return every script as it was written (a NUL before each
    Chinese character, Arabic in visual order), so it is compared only where both sides are Latin script."""


def latin_only(text: str) -> bool:
    """Whether a PDF gives the text back as it was written: no NUL, each letter and digit ASCII or Latin, nothing
    right to left (Polish, Irish, NFD accents and ligatures read back; Chinese, Arabic and Arabic digits do not)."""
    return all(ch != "\x00" and unicodedata.bidirectional(ch) not in ("R", "AL", "AN")
               and (ch.isascii() or not ch.isalnum() or "LATIN" in unicodedata.name(ch, "")) for ch in text)


_VERIFIED = re.compile(r"^verified by (?P<name>.*?)(?: (?:on \d{4}-\d\d-\d\d \d\d:\d\d UTC|at \d{4}-\d\d-\d\dT\S*))?$")
_BYTES = re.compile(r"(?:^|\()(?P<bytes>[\d,]+) bytes\b")
UNNAMED = "an unnamed user"


def verifier_of(written: str) -> str | None:
    """Who a status's words say verified the text ("verified by NAME on DATE" / "at WHEN"), None for a text not
    verified; nothing (the empty string) for a verified one whose name is not given."""
    if (found := _VERIFIED.match(written)) is None:
        return None if not written.startswith("verified") else ""
    return "" if found["name"] == UNNAMED else found["name"]


def exported_facts(written: str, named: type[Said]) -> Iterator[tuple[str, Any]]:
    """When, by whom and with what software a set was exported, from "2026-12-05 05:47 UTC by DC Jones with Parley
    0.1.0, code SHA-256 <hex>" (record.export_text; TXT "Exported:", DOCX/PDF "Exported" row)."""
    when, by, rest = written.partition(" by ")
    if not by:
        return
    name, with_, software = rest.rpartition(" with ") if " with " in rest else (rest, "", "")
    yield "exported_at", Said(when)
    if name != UNNAMED:
        yield "exported_by", named(name)
    if with_:
        yield "exported_with", Said(software)


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
    docx = path.suffix.lower() == ".docx"
    rows, exact = (_docx_rows(path), {}) if docx else _pdf_rows(path)
    named = Said if docx else ReadBack
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
            yield "verified_by", name if name is None else exact.get("verified_by", named(name))
    yield from _said(rows, named)
    if rows.get("Exported"):
        yield from exported_facts(rows["Exported"], named)
    yield from exact.items()  # a PDF's names as its Subject gives them, exactly (since session 30)
    words = " ".join(rows["Settings"].split())
    for pattern, key, read in _WORDS:
        if (found := pattern.search(words)) is not None:
            yield key, read(found[1])


def _said(rows: dict[str, str], named: type[Said]) -> Iterator[tuple[str, Any]]:
    """The recording's name and size, the software and when the text was made, as the record's rows give them."""
    if rows.get("Language"):
        yield from record_language_facts(rows["Language"])
    if rows.get("Recording"):
        yield "source.name", named(rows["Recording"])
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


def _pdf_rows(path: Path) -> tuple[dict[str, str], dict[str, Said]]:
    """The "Source and production" table's rows from the PDF's first pages' text, label -> value (a value the PDF
    wraps joined up), each page's running head and foot left out: read from all the text, a recording named
    "Recording 12.m4a" under the heading was a Recording row, and a table crossing a page took in the foot's
    "Source SHA-256 <hex>". Beside them, the recording's name and verifier as the PDF's Subject gives them."""
    try:
        from pypdf import PdfReader
    except ImportError:
        raise _reader_missing(path, "pypdf") from None
    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() for page in list(reader.pages)[:PAGES_READ]]
        subject = str((reader.metadata or {}).get("/Subject", ""))
    except Exception:  # noqa: BLE001 (pypdf raises many kinds on a file that is not a PDF)
        return {}, {}
    lines = [line for number, text in enumerate(pages) for line in _page_body(text.splitlines(), number == 0)]
    return _table_rows(_table_lines(lines)), dict(_subject_names(subject))


def _subject_names(subject: str) -> Iterator[tuple[str, Said]]:
    """("source.name", ...), ("verified_by", ...) and ("exported_by", ...) from a PDF's Subject (record.pdf_subject):
    each a JSON string, read in turn, so a name in any script, or holding "; ", reads back exactly; the verifier is
    there only for a verified text; an older PDF's Subject gives none."""
    at = subject.find(_SUBJECT_NAMES[0][0])
    for label, key in _SUBJECT_NAMES:
        if at < 0 or not subject.startswith(label, at):
            continue
        try:
            name, at = json.JSONDecoder().raw_decode(subject, at + len(label))
        except (ValueError, RecursionError):  # "[" * 200000 in a crafted Subject: "unexpected error" before
            return
        if not isinstance(name, str):
            return
        yield key, Said(name)


def _page_body(lines: list[str], first: bool) -> list[str]:
    """A page's lines without its running head (after the first page: the DRAFT mark and the head line) and its
    foot ("Page X of Y", "Source SHA-256 <hex>", "Status: ..."), which the PDF writes around the text."""
    lines = [line.strip() for line in lines]
    if not first:
        lines = lines[2:] if lines[:1] == [DRAFT_MARK] else lines[1:]
    foot = next((at for at in range(len(lines) - 1, max(len(lines) - 4, -1), -1) if _FOOT.match(lines[at])), None)
    if foot is not None:
        lines = lines[:foot - 1] if foot and _PAGE.match(lines[foot - 1]) else lines[:foot]
    return lines


def _table_lines(lines: list[str]) -> list[str]:
    """The lines from the "Source and production" heading (over its first row, Recording) to the body's "Line
    Time ..." header."""
    start = next((at + 1 for at in range(len(lines) - 1)
                  if lines[at] == TABLE_HEADING and lines[at + 1].startswith("Recording")), None)
    if start is None:
        return []
    end = next((at for at in range(start, len(lines)) if lines[at].startswith(BODY_HEAD)), len(lines))
    return lines[start:end]


def _table_rows(lines: list[str]) -> dict[str, str]:
    """Each row in the order the record prints them: a line starts the next row only when it opens with a label
    that may come next (an optional row's, or the next that every record has); any other line continues the row."""
    rows: dict[str, str] = {}
    label, at = "", 0
    for line in lines:
        if (found := _next_label(line, at)) is not None:
            label, at = found
            rows[label] = line[len(label):].strip()
        elif not label:
            break
        elif label == "Status" and line.startswith(AFTER_STATUS):
            rows.update(_exported_row(lines[lines.index(line):]))
            break
        else:
            rows[label] = f"{rows[label]} {line}".strip()
    return rows


def _exported_row(lines: list[str]) -> dict[str, str]:
    """The "Exported" row among those after Status (who corrected it, uncertain words...), joined up where the PDF
    wraps it, to the next "Warning" row or the table's end."""
    start = next((at for at, line in enumerate(lines) if line == "Exported" or line.startswith("Exported ")), None)
    if start is None:
        return {}
    end = next((at for at in range(start + 1, len(lines)) if lines[at].startswith("Warning")), len(lines))
    return {"Exported": " ".join(lines[start:end])[len("Exported"):].strip()}


def _next_label(line: str, at: int) -> tuple[str, int] | None:
    for index in range(at, len(SOURCE_ROWS)):
        label, always = SOURCE_ROWS[index]
        if line == label or line.startswith(label + " "):
            return label, index + 1
        if always:
            return None
    return None
