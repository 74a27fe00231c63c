"""A chat timeline as JSON, DOCX and PDF.

    write_timeline(timeline, folder, basename, formats) -> list[Path]

Rows in chat order: time (as written, and the normalised date-time or
"date ambiguous"), sender, the message (or, for a voice note, its transcript;
a missing attachment is said to be missing), and the translation when one was
made. Every page of the DOCX and PDF carries a provenance footer: the export's
name and SHA-256, the software and the models whose output it shows.

The DOCX and PDF renderers live in timeline_docx.py and timeline_pdf.py and
are imported when asked for: python-docx and fpdf2 cost a process that only
writes JSON about 45 MB.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from app.core.chats.timeline import (
    RunRecord,
    Timeline,
    TimelineAttachment,
    TimelineEntry,
    chat_times,
    timeline_dict,
)
from app.core.clock import parse_stamp
from app.core.evidence.export_set import TIMELINE_INFIX, remove_stale_staging
from app.core.evidence.provenance import software_info
from app.core.export.base import EPOCH, ExportError, PartlyWritten, safe_write_all, settings_text
from app.core.names import path_inside, safe_basename
from app.core.store.chats import Echo

TIMELINE_FORMATS = ("json", "docx", "pdf")


def parse_timeline_formats(text: str) -> list[str]:
    formats = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in formats if f not in TIMELINE_FORMATS]
    if unknown or not formats:
        raise ExportError(f"unknown timeline format {', '.join(unknown) or '(none)'}; "
                          f"choose from {', '.join(TIMELINE_FORMATS)}")
    return formats


# --- shared wording ----------------------------------------------------------------


def footer_text(timeline: Timeline) -> str:
    sw = software_info()
    models = ", ".join(f"{m.name} ({m.sha256[:12]})" if m.sha256 else m.name for m in timeline.models)
    return (f"Source {timeline.source.name} — SHA-256 {timeline.source.sha256} — {sw.name} {sw.version}"
            + (f" — models: {models}" if models else ""))


def provenance_items(timeline: Timeline) -> list[tuple[str, str]]:
    src = timeline.source
    found = timeline.found_in
    times = chat_times(timeline)
    inside = ([("Found in", f"{found.get('outer_zip')} (SHA-256 {found.get('outer_zip_sha256')}) → "
                            + " → ".join(found.get("members", [])))] if found else [])
    items = [("Source", src.path), *inside, ("SHA-256", src.sha256), ("Size", f"{src.bytes:,} bytes"),
             ("Container", timeline.container),
             ("Chats", "; ".join(f"{name} (dates: {order or 'as written'}; times: {times[name]})"
                                 for name, order in timeline.chats)),
             *([("Senders", said)] if (said := timeline.senders()) else []),
             ("Messages", str(len(timeline.entries))), ("Created", timeline.created_at)]
    for m in timeline.models:
        items.append(("Model", f"{m.name} ({m.family}) SHA-256 {m.sha256}"))
    items += run_items(timeline)
    if timeline.target_language:
        items.append(("Translated to", timeline.target_language))
    sw = software_info()
    items.append(("Software", f"{sw.name} {sw.version} (code SHA-256 {sw.components.get('parley-source', '?')})"))
    return items


RUN_LABELS = {"transcribe": "Transcription", "translate": "Speech translation", "text-translate": "Translation"}


def run_items(timeline: Timeline) -> list[tuple[str, str]]:
    """One line per way the transcripts and translations shown were made: task, model, settings,
    languages and the runs made so (the JSON holds each run whole)."""
    groups: dict[str, list[RunRecord]] = {}
    for r in timeline.runs:
        key = json.dumps([r.task, r.model.sha256 or r.model.name, scalar_settings(r.settings)], sort_keys=True)
        groups.setdefault(key, []).append(r)
    items = []
    for runs in groups.values():
        first = runs[0]
        languages = ", ".join(sorted({r.language_said or r.language or "?" for r in runs}))
        settings = settings_text(scalar_settings(first.settings))  # as every transcript's export writes them
        ids = ", ".join(str(r.run_id) for r in runs)
        line = (f"{first.model.name} SHA-256 {first.model.sha256 or '?'}; language {languages}; "
                f"run(s) {ids}; {first.software}; settings: {settings}")
        items.append((RUN_LABELS.get(first.task, first.task), line))
    return items


def scalar_settings(settings: dict) -> dict:
    """The settings that read on one line (numbers, words, flags), by name."""
    return {k: settings[k] for k in sorted(settings) if isinstance(settings[k], (str, int, float, bool))}


NO_SPEECH = "(no speech found)"  # a transcript of no words, as the window shows it
# a voice note cut short read as the whole message (its record of interview says so; the timeline did not)
CUT_SHORT = "the recording is cut short or damaged: only what could be read is transcribed"


def time_cell(e: TimelineEntry) -> str:
    iso = e.datetime.replace("T", " ") if e.datetime else ("date ambiguous" if e.time else "no time")
    written = e.time.strip()
    if e.datetime and written and "T" in written and e.datetime.startswith(written):  # ISO 8601 (Telegram's
        return iso  # JSON, its offset from the moment it also writes): once
        return iso
    return f"{e.time}\n{iso}" if e.time else iso


MISSING_LABELS = {"audio": "Voice note", "video": "Video", "image": "Image", "sticker": "Sticker",
                  "animation": "GIF", "document": "Document"}


MISSING = "MISSING from the export"  # one wording: the timeline's rows, the window and the CLI's warnings
MISSING_LISTED = 5  # recordings named in the CLI's warning; the rest counted


def missing_text(a: TimelineAttachment) -> str:
    """A file the chat names, or a line that only says the phone left its media out ("Bild
    weggelassen", "<Media omitted>"): quoted as the chat words it, never passed off as a file name."""
    label = MISSING_LABELS.get(a.kind, "Attachment")
    if a.name:
        return f"[{label} {a.name}: {MISSING}]"
    if a.placeholder:
        return f'[{label} {MISSING} (the chat reads "{a.placeholder}")]'
    return f"[{label} {MISSING} (no name)]"


def missing_recordings_text(missing: list[str]) -> str:
    """What `transcribe` and `timeline` say of the voice notes and videos a chat names that its export
    left out, in the words the timeline marks each with (it said "[missing]", the window and the
    exports "MISSING from the export")."""
    more = f" and {len(missing) - MISSING_LISTED} more" if len(missing) > MISSING_LISTED else ""
    return (f"{len(missing)} voice note(s) or video(s) the chat names are not in the export, so not transcribed "
            f"({', '.join(missing[:MISSING_LISTED])}{more}); the timeline marks each \"{MISSING}\"")


def label_of(a: TimelineAttachment) -> str:
    """What a present attachment is called: "Voice note", "Video", else "Attachment". Its kind is what its file
    holds for a recording taken in (an MP4/3GP read without its index: its name's); for one not taken in (unreadable,
    a video with no sound), its name's: WhatsApp's `PTT-`, `AUD-` and iOS's `-AUDIO-` names are voice notes."""
    return {"audio": "Voice note", "video": "Video"}.get(a.kind, "Attachment")


def message_cell(e: TimelineEntry) -> str:
    lines = []
    a = e.attachment
    if a is not None:
        label = label_of(a)
        name = a.name or a.placeholder or "(no name)"
        if a.missing:
            lines.append(missing_text(a))
        elif a.transcript is not None:
            cut = f", {CUT_SHORT}" if a.cut_short else ""
            lines.append(f"[{label} {name}, transcript, {a.review_written}{cut}]\n{a.transcript or NO_SPEECH}")
            if a.doubt:
                lines.append(f"({a.doubt})")
        else:
            reason = f" ({a.error})" if a.error else ""
            lines.append(f"[{label} {name}{reason}]")
        if not a.missing and (a.exhibit_id is not None or a.sha256):  # the file shown is the exhibit: which
            held = f"exhibit {a.exhibit_id}, " if a.exhibit_id is not None else ""
            lines.append(f"({held}SHA-256 {a.sha256 or 'not known'})")
    if e.text:
        lines.append(e.text)
    if e.system:
        lines.append("(system note)")
    if e.note:
        lines.append(f"({e.note})")
    if e.also_in:
        lines.append("(" + also_in_text(e) + ")")
    return "\n".join(lines)


def also_in_text(e: TimelineEntry) -> str:
    """'also in exhibit 3 (x.zip), message 12': the same message in another export of the case (counted from 1)."""
    return echoes_text(e.also_in)


def echoes_text(also_in: tuple[Echo, ...]) -> str:
    """'also in exhibit 3 (x.zip), message 12; exhibit 4 (...), message 2' (counted from 1)."""
    return "also in " + "; ".join(f"exhibit {o.exhibit_id} ({o.export}), message {o.number}" for o in also_in)


def translation_cell(e: TimelineEntry) -> str:
    parts = [t for t in (e.attachment.translation if e.attachment else None, e.translation) if t]
    return "\n".join(parts)


def has_translation(timeline: Timeline) -> bool:
    return any(translation_cell(e) for e in timeline.entries)


def message_rows(timeline: Timeline) -> tuple[list[str], list[list[str]]]:
    bilingual = has_translation(timeline)
    headings = ["Time", "Sender", "Message"] + (["Translation"] if bilingual else [])
    rows = []
    for e in timeline.entries:
        row = [time_cell(e), e.sender or "", message_cell(e)]
        if bilingual:
            row.append(translation_cell(e))
        rows.append(row)
    return headings, rows


def created(timeline: Timeline) -> datetime:
    value = parse_stamp(timeline.created_at)
    return EPOCH if value is None else value


# --- renderers ---------------------------------------------------------------------


def render_json(timeline: Timeline) -> bytes:
    return (json.dumps(timeline_dict(timeline), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


RENDERER_MODULES = {"docx": "app.core.export.timeline_docx", "pdf": "app.core.export.timeline_pdf"}


def renderer(fmt: str) -> Callable[[Timeline], bytes]:
    if fmt == "json":
        return render_json
    return importlib.import_module(RENDERER_MODULES[fmt]).render


def write_timeline(timeline: Timeline, folder: Path, basename: str, formats: list[str],
                   before_write: Callable[[list[tuple[Path, str]]], None] | None = None) -> list[Path]:
    """Every format rendered first; `before_write` is told each file's path and SHA-256 before the
    first is put in place (what a kill from then on can leave half-done), then each is written whole."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(folder)  # a killed write's temporary files (never a live writer's)
    name = safe_basename(basename)  # a chat named "Mum/Dad", "../x" or "a\nb": one name in `folder` any disk takes
    files = [(path_inside(folder, f"{name}{TIMELINE_INFIX}{fmt}"), renderer(fmt)(timeline)) for fmt in formats]
    if before_write is not None:
        before_write([(path, hashlib.sha256(data).hexdigest()) for path, data in files])
    try:
        safe_write_all(files)
    except PartlyWritten as exc:  # a rename failed part-way and what was there could not be put back
        raise ExportError(f"{folder}: the timeline was stopped part-way ({exc.strerror or exc}): {exc.left} of its "
                          f"{len(files)} files are in place; `verify` names them; write it again once the folder "
                          "can be written") from None
    except OSError as exc:  # a full disk, a folder in the way: none of the set in place, and said where
        raise ExportError(f"{folder}: the timeline could not be written ({exc.strerror or exc}); none of its "
                          "files was put in place") from None
    return [path for path, _ in files]
