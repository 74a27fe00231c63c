"""What every export format shares: the Exporter interface, the registry,
atomic writing and the provenance block.

Exports are evidence. Each format carries (where the format allows it) the
same provenance: which file was processed (with its SHA-256), which model
(with the SHA-256 of its weights), which settings and which software, so a
third party can check the source and rerun the work.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import re
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from app.core.clock import parse_stamp
from app.core.errors import ParleyError
from app.core.files import sync_folder
from app.core.language_parts import mixed_words, named_readings
from app.core.models.catalogue import ENGLISH_ONLY_NOTE
from app.core.types import FLAG_INAUDIBLE, Segment, Transcript

# Fallback timestamp for documents whose transcript has no created_at:
# fixed (so output stays reproducible) and the earliest date a ZIP can hold.
EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)


class ExportError(ParleyError, ValueError):
    """An export that cannot be made (unknown format, forbidden folder...)."""


@runtime_checkable
class Exporter(Protocol):
    """One output format. `render` must be pure: same transcript, same bytes."""

    name: str  # "json", "txt", ... as used on the command line
    extension: str  # file extension without the dot
    binary: bool  # False: UTF-8 text; True: opaque bytes (docx, pdf)

    def render(self, transcript: Transcript) -> bytes: ...


_REGISTRY: dict[str, Exporter] = {}
# Formats whose module (and library) is imported when first asked for: python-docx and
# fpdf2 cost about 45 MB and half a second in a process that may never write a document.
_DEFERRED = {"docx": "app.core.export.docx", "pdf": "app.core.export.pdf"}


def register(exporter: Exporter) -> Exporter:
    """Make a format available under `exporter.name`; returns it (usable at module level)."""
    current = _REGISTRY.get(exporter.name)
    if current is not None and type(current) is not type(exporter):
        raise ValueError(f"export format {exporter.name!r} is already registered")
    _REGISTRY[exporter.name] = exporter
    return exporter


def available_formats() -> list[str]:
    return sorted(set(_REGISTRY) | set(_DEFERRED))


def get_exporter(name: str) -> Exporter:
    key = name.strip().lower()
    if key not in _REGISTRY and key in _DEFERRED:
        importlib.import_module(_DEFERRED[key])  # registers itself
    try:
        return _REGISTRY[key]
    except KeyError:
        known = ", ".join(available_formats())
        raise ExportError(f"unknown export format {name!r} (available: {known})") from None


# --- writing -----------------------------------------------------------------


def safe_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` atomically: temp file in the same folder, fsync, os.replace.

    A reader sees either the old file or the complete new one, never a partial
    file; on any failure the temp file is removed and the old file is untouched.
    """
    target = Path(path)
    tmp = _staged(target, data)
    try:
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_folder(target.parent)


def safe_write_all(files: list[tuple[Path, bytes]]) -> None:
    """Write several files of one folder as far as possible together: every one to a temporary file
    first (fsync), then each renamed into place. A write that fails (a full disk) puts none of them
    in place and leaves no temporary file; only a kill between the renames can leave part of them."""
    staged: list[tuple[str, Path]] = []
    try:
        for target, data in files:
            staged.append((_staged(target, data), target))
        _put_all_in_place(staged)
    except BaseException:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(target.parent for target, _ in files):
        sync_folder(folder)


def _staged(target: Path, data: bytes) -> str:
    """`data` in a temporary file beside `target`, on disk (fsync), with the mode of the file it will
    replace (0644 for a new one): its path. On any failure it is removed."""
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


class PartlyWritten(OSError):
    """A rename failed part-way and what the folder held could not all be put back: `left` of the
    files are in place."""

    def __init__(self, exc: OSError, left: int) -> None:
        super().__init__(exc.errno, exc.strerror or str(exc))
        self.left = left


def _put_all_in_place(staged: list[tuple[str, Path]]) -> None:
    """Rename each into place; a rename failing part-way (a folder of that name in the way, the folder
    made read-only) puts back the files replaced so far (kept aside as hard links), so none of the set
    is left in place; PartlyWritten when that cannot be done."""
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, target in staged:
            earlier = _kept_aside(target)
            try:
                os.replace(tmp, target)
            except OSError:
                if earlier is not None:
                    earlier.unlink(missing_ok=True)
                raise
            done.append((target, earlier))
    except OSError as exc:
        left = 0
        for target, earlier in reversed(done):
            try:
                os.replace(earlier, target) if earlier is not None else target.unlink(missing_ok=True)
            except OSError:
                left += 1
        if left:
            raise PartlyWritten(exc, left) from None
        raise
    for _, earlier in done:
        if earlier is not None:
            earlier.unlink(missing_ok=True)


def _kept_aside(target: Path) -> Path | None:
    """The file at `target` kept under a temporary name (removed as a killed write's): a hard link, or a
    copy where the folder cannot link (exFAT); None when there is none."""
    if not target.is_file():
        return None
    aside = target.with_name(f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        os.link(target, aside, follow_symlinks=False)
    except OSError:
        shutil.copyfile(target, aside, follow_symlinks=False)
    return aside


# --- time helpers ------------------------------------------------------------


def ms_to_s(ms: int) -> float:
    """Integer milliseconds to seconds with 3 decimals (1234 -> 1.234)."""
    return round(ms / 1000.0, 3)


def s_to_ms(seconds: float) -> int:
    return round(float(seconds) * 1000.0)


def hhmmss(ms: int) -> str:
    """Milliseconds as a timecode: 62345 -> "00:01:02.345"."""
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def created_datetime(transcript: Transcript) -> datetime:
    """transcript.created_at as an aware UTC datetime (EPOCH when missing or unreadable)."""
    value = parse_stamp((transcript.created_at or "").strip())
    return EPOCH if value is None else max(value.astimezone(timezone.utc), EPOCH)


# --- content helpers shared by the formats -----------------------------------


def finite(value: float | None) -> float | None:
    """NaN/inf are not JSON; record them as null."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def is_translation(transcript: Transcript) -> bool:
    return transcript.task != "transcribe" or has_source_text(transcript)


def has_source_text(transcript: Transcript) -> bool:
    """True when segments carry the text they were translated from (text translation)."""
    return any(seg.source_text is not None for seg in transcript.segments)


def title(transcript: Transcript) -> str:
    kind = "Translation" if is_translation(transcript) else "Transcript"
    return f"{kind} of {transcript.source.name}"


def display_text(text: str | None) -> str:
    """Segment text as shown to a reader (Whisper's leading space removed)."""
    return (text or "").strip()


def one_line(text: str) -> str:
    """`text` on one line, each line break a reader's editor may show (CR, LF, CRLF, NEL, U+2028/9, VT, FF...) a
    space: a recording named "x\rTask: translate\r.opus" showed a TXT header line that was not Parley's."""
    return " ".join(text.splitlines())


def without_arrows(text: str) -> str:
    """`text` with no "-->" (a subtitle reader takes it for a cue's timing: "a--->b" became "a-->b" when replaced
    once); each is written "->"."""
    while "-->" in text:
        text = text.replace("-->", "->")
    return text


def flags_suffix(segment: Segment) -> str:
    """Flags in brackets; `inaudible` is the marker itself, not a note on it."""
    return "".join(f"  [{flag}]" for flag in segment.flags if flag != FLAG_INAUDIBLE)


def time_code(ms: int) -> str:
    """Whole seconds as hh:mm:ss (62345 -> "00:01:02")."""
    hours, rest = divmod(max(int(ms), 0) // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def inaudible_marker(start_ms: int) -> str:
    """What stands where speech was detected but no words were recognised."""
    return f"[inaudible {time_code(start_ms)}]"


def removed_marker(start_ms: int) -> str:
    """What stands where a person took out every word the machine heard (the machine draft keeps them)."""
    return f"[words removed in proofreading {time_code(start_ms)}]"


def emptied(segment: Segment, transcript: Transcript) -> bool:
    """A person emptied this segment's text: a machine's empty segment is always marked inaudible (no other
    is kept), and an edit of the text clears that mark. It read "Speaker 1: " with nothing after it. A
    translation is a machine draft: its segment was emptied where the text it was translated from was."""
    if segment.inaudible or display_text(segment.text):
        return False
    if segment.source_text is not None:
        return not display_text(segment.source_text)
    return transcript.status != "machine draft"


def shown_source(segment: Segment) -> str:
    """A translated segment's original text for a reader; where it is empty, why (heard without words, or
    words a proofreader removed): an empty "(original)" line read as text lost."""
    if display_text(segment.source_text or ""):
        return display_text(segment.source_text or "")
    return inaudible_marker(segment.start_ms) if segment.inaudible else removed_marker(segment.start_ms)


def shown_text(segment: Segment, transcript: Transcript | None = None) -> str:
    """The segment's text for a reader: its words, the inaudible marker, or the mark of words removed."""
    if transcript is not None and emptied(segment, transcript):
        return removed_marker(segment.start_ms)
    return inaudible_marker(segment.start_ms) if segment.inaudible else display_text(segment.text)


def time_range(segment: Segment) -> str:
    return f"{hhmmss(segment.start_ms)} --> {hhmmss(segment.end_ms)}"


# --- provenance --------------------------------------------------------------


def provenance(transcript: Transcript) -> dict[str, Any]:
    """Everything needed to identify the source and reproduce the result."""
    src, model, sw = transcript.source, transcript.model, transcript.software
    return {
        "source": {
            "path": src.path,
            "name": src.name,
            "sha256": src.sha256,
            "bytes": src.bytes,
            "duration_s": ms_to_s(src.duration_ms),
            "truncated": src.truncated,
        },
        "model": {"name": model.name, "sha256": model.sha256},
        "settings": sorted_mapping(transcript.settings),
        "software": {
            "name": sw.name,
            "version": sw.version,
            "components": sorted_mapping(sw.components),
        },
        "task": transcript.task,
        "language": transcript.language,
        "source_language": transcript.source_language,
        "created_at": transcript.created_at,
        "status": transcript.status,
        "verified_by": transcript.verified_by,
        "run_id": transcript.run_id,
    }


def sorted_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    """Keys sorted, recursively, so output does not depend on insertion order."""
    return {
        key: sorted_mapping(value) if isinstance(value, dict) else value
        for key, value in sorted(mapping.items())
    }


def provenance_lines(transcript: Transcript) -> list[str]:
    """The provenance as short human-readable lines (TXT header, VTT NOTE, DOCX, PDF)."""
    return [f"{label}: {value}" for label, value in provenance_items(transcript)]


def provenance_items(transcript: Transcript) -> list[tuple[str, str]]:
    """(label, value) pairs; DOCX and PDF lay them out as a table."""
    src = transcript.source
    found = transcript.export.found_in if transcript.export else ""
    items = [
        *([("Source", found), ("Working copy", src.path)] if found else [("Source", src.path or src.name)]),
        ("SHA-256", src.sha256),
        ("Size", _size_text(transcript)),
        ("Task", _task_text(transcript)),
        ("Model", f"{transcript.model.name} (sha256 {transcript.model.sha256})"),
        ("Settings", settings_text(transcript.settings)),
        ("Software", software_text(transcript)),
        ("Created", transcript.created_at or "unknown"),
        ("Status", _status_text(transcript)),
    ]
    if transcript.run_id is not None:
        items.append(("Run", str(transcript.run_id)))
    items.extend(("Warning", shown_warning(warning)) for warning in transcript.warnings)
    return items


_DAMAGE_CLOCK = re.compile(r"(?<![\d:])(?:(\d+):)?(\d{2}):(\d{2})\.(\d)(?![\d:])")


def shown_warning(warning: str) -> str:
    """A damaged range stored by a run made before session 18 ('damaged 00:01.9-00:06.2', mm:ss.s) in
    the record's hh:mm:ss ('damaged 00:00:01.9-00:00:06.2'); a language warning with each language by
    name (named_readings); any other warning as it is."""
    if not warning.startswith("damaged "):
        return named_readings(warning)
    return _DAMAGE_CLOCK.sub(lambda m: f"{int(m[1] or 0):02d}:{m[2]}:{m[3]}.{m[4]}", warning)


def settings_text(settings: dict[str, Any]) -> str:
    return " ".join(f"{key}={setting_value(value)}" for key, value in sorted(settings.items()))


def setting_value(value: Any) -> str:
    if isinstance(value, str) and value and not any(ch.isspace() for ch in value):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def software_text(transcript: Transcript) -> str:
    sw = transcript.software
    return software_words(sw.name, sw.version, sw.components)


def software_words(name: str, version: str, components: dict[str, Any]) -> str:
    """"Parley 0.1.0 (av 18.1.0, ...)": the software as every export's provenance writes it."""
    parts = ", ".join(f"{part} {its}" for part, its in sorted(components.items()))
    return f"{name} {version}" + (f" ({parts})" if parts else "")


def _size_text(transcript: Transcript) -> str:
    src = transcript.source
    text = f"{src.bytes:,} bytes; duration {hhmmss(src.duration_ms)}"
    if src.truncated:
        text += " as stated (TRUNCATED: the file is cut short or damaged; what could be read is transcribed, see the warnings)"
    return text


NOT_DETECTED = "not detected (no speech was recognised)"


def language_text(transcript: Transcript, probability: bool = True) -> str:
    """The language heard and how it is known: detected (with its probability), set by the user, never
    detected (an English-only model), or nothing heard; several with their shares where parts differ."""
    detected = transcript.source_language or transcript.language or "unknown"
    if not (transcript.source_language or transcript.language or transcript.settings.get("language")):
        detected = NOT_DETECTED  # nothing heard: "unknown (p=0.00)" claimed a detection (the DOCX/PDF's words)
    elif transcript.settings.get("language"):
        detected += " (set by the user)"
    elif ENGLISH_ONLY_NOTE in transcript.warnings:
        detected += " (not detected: English-only model)"
    elif mixed_words([list(p) for p in transcript.languages]) and not transcript.source_language:
        detected = mixed_words([list(p) for p in transcript.languages])
    elif probability and transcript.language_probability is not None:
        detected += f" (p={transcript.language_probability:.2f})"
    if transcript.source_language:  # a translation: heard in one, written in another
        return f"{detected} -> {transcript.language or 'unknown'}"
    if transcript.task == "translate":  # Whisper's speech translation: heard in `language`, written in English
        return f"{detected} -> en"
    return detected


def _task_text(transcript: Transcript) -> str:
    return f"{transcript.task}; language {language_text(transcript)}"


def _status_text(transcript: Transcript) -> str:
    """"verified by NAME at WHEN" (who signed it off and when), else the status itself."""
    if transcript.verified_by:
        at = f" at {transcript.verified_at}" if transcript.verified_at else ""
        return f"{transcript.status} by {transcript.verified_by}{at}"
    return transcript.status
