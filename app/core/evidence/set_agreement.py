"""Whether a manifest says what the files it vouches for say: `check-export` without the case.

A manifest edited to name another model (or another recording, settings, software or run) still listed its files
with their right SHA-256, so `check-export` said "nothing found", and whoever received the set read the manifest's
word for what made it. The set's JSON transcript and its text's header, written by the same export, carry the same
facts; a file whose bytes the manifest vouches for (its SHA-256 matches) and that says otherwise shows the manifest
was edited after the export. Only a forger who rewrote those files too, and the manifest's hashes for them, is not
seen here (nothing is signed): the case's `verify` sees that.

Since session 28 the TXT header is read under either heading (a record of interview's TXT opens "RECORD OF
INTERVIEW" and was skipped), the VTT's NOTE likewise, both with their settings and run, and a DOCX or PDF record's
table (set_documents.py): a set of a DOCX or PDF alone, its manifest naming another model, recording or beam width,
was "nothing found".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.core.evidence.set_documents import (
    ReadBack,
    ReaderMissing,
    Said,
    bytes_of,
    document_facts,
    exported_facts,
    latin_only,
    status_of,
    verifier_of,
)
from app.core.evidence.set_language import AmongMixed, Named, language_differs, text_language_facts
from app.core.export.base import setting_value, settings_text, software_words
from app.core.export.record import INTERVIEW_HEADINGS, RECORDING_HEADINGS, when_text
from app.core.export.vtt import note_text

COMPARED = ("model", "source", "task", "settings", "software", "run_id", "status", "verified_by", "language",
            "source_language", "created_at")  # what the export wrote into both (a TXT, DOCX, PDF: who exported it too)
SOURCE_KEYS = ("sha256", "bytes", "name")  # of "source": its path may be written otherwise (found at)
MODEL_KEYS = ("name", "sha256")
_TEXT_MODEL = re.compile(r"^Model: (?P<name>.*) \(sha256 (?P<sha256>[0-9a-f]{64})\)$")
_TEXT_SOURCE = re.compile(r"^SHA-256: (?P<sha256>[0-9a-f]{64})$")
_NAME_HEADINGS = tuple(heading.upper() for heading in RECORDING_HEADINGS)  # as the TXT writes them (heading_lines)
_INTERVIEW_HEADINGS = tuple(heading.upper() for heading in INTERVIEW_HEADINGS)
_TITLES = ("Transcript of ", "Translation of ")
_TEXT_HEADINGS = (*_NAME_HEADINGS, *_INTERVIEW_HEADINGS, "WEBVTT")  # a translation's was not read until session 30
_SETTING_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")  # a setting's start in a header's "Settings:" line
PROVENANCE_KINDS = (".json", ".txt", ".vtt", ".docx", ".pdf")  # the files an export writes what made them into
_ABSENT = object()
_UNSEEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\ufffd]")  # spaces (a PDF wraps), controls (U+FFFD in a DOCX, none in a PDF)
NOT_GIVEN = "no such setting"
_NO_LANGUAGE = ("", None)  # settings.language when none was set (a record writes no language set as none)


class _Line(Said):
    """A TXT's second line: the recording's name, as the export wrote it on one line."""


class _Written(str):
    """A setting's value as a header line writes it (settings_text): compared with the manifest's written so."""
HEADER_LINES = 80  # a record of interview's details come first; the header ends at its "=====" (TXT) or blank (VTT)


def disagreements(manifest: Path, data: dict, vouched: list[str], notes: list[str] | None = None) -> list[str]:
    """One line for each fact the manifest gives otherwise than a file of its set whose SHA-256 it holds right
    (`vouched`: those files' names), and one for each DOCX or PDF whose reader is not installed; to `notes`, each
    fact a file gives that could not be compared (a PDF's name outside the Latin scripts)."""
    notes = [] if notes is None else notes
    differing: dict[tuple[str, str, str], list[str]] = {}  # (fact, manifest's, file's) -> the files saying so
    unread: list[str] = []
    for name in vouched:
        path = manifest.parent / name
        if name.endswith(".json"):
            facts = dict(_json_facts(path))
        elif name.endswith((".txt", ".vtt")):
            facts = _settings_read(dict(_text_facts(path)), data) | dict(_text_name(path))
        elif name.endswith((".docx", ".pdf")):
            try:
                facts = dict(document_facts(path))
            except ReaderMissing as exc:
                unread.append(str(exc))
                continue
        else:
            continue
        for key, theirs in facts.items():
            if (mine := _differing(key, _fact(data, key), theirs, name, notes)) is not _ABSENT:
                differing.setdefault((key, _shown(mine), _shown(theirs)), []).append(name)
    return unread + [f"{manifest.name}: gives {key} as {mine}, but {' and '.join(names)}, whose SHA-256 it lists (and which "
            f"match{'es' if len(names) == 1 else ''} it), give{'s' if len(names) == 1 else ''} {theirs}: the manifest "
            "was edited after the export" for (key, mine, theirs), names in differing.items()]


def unvouched(data: dict, vouched: list[str]) -> str | None:
    """A note when a transcript's manifest has no file beside it that says what made it (a set handed over as SRT
    alone: SRT has no place for it), so that "nothing found" is not read as the set bearing the manifest out."""
    model = data.get("model")
    if not isinstance(model, dict) or not vouched or any(name.endswith(PROVENANCE_KINDS) for name in vouched):
        return None
    return (f"note: {' and '.join(vouched)} say{'s' if len(vouched) == 1 else ''} nothing of what made "
            f"{'it' if len(vouched) == 1 else 'them'}: the model ({_shown(model.get('name', '?'))}), recording, "
            "settings, status and run are the manifest's word alone; ask for the set's JSON, TXT or VTT with it, or "
            "check it against the case (`verify`; `verify --head` with the head below)")


def _differing(key: str, mine: Any, theirs: Any, name: str, notes: list[str]) -> Any:
    """The manifest's value (as the file writes it) where the file gives another, else _ABSENT."""
    if key == "settings.language" and mine in _NO_LANGUAGE and theirs in _NO_LANGUAGE:
        return _ABSENT  # no language set: "" (auto-detect, as a run stores it and its JSON writes it) or none
    if isinstance(theirs, _Written):  # as the header writes a setting's value
        mine = NOT_GIVEN if mine is _ABSENT else setting_value(mine)
    elif mine is _ABSENT:
        return _ABSENT
    elif isinstance(theirs, _Line) and not isinstance(mine, str):
        return mine  # a list, a number, null: no recording is named so (it was "not compared", and passed)
    elif isinstance(theirs, (Named, AmongMixed)):  # a language as the file's words give it
        return mine if language_differs(mine, theirs) else _ABSENT
    elif isinstance(theirs, Said):  # as the file's words give it, spaces and control characters aside
        mine = _said_as(key, mine)
        mine = note_text(mine) if name.endswith(".vtt") else mine  # as a NOTE line writes it ("-->", line breaks)
        if isinstance(theirs, ReadBack) and not (latin_only(theirs) and latin_only(mine)):
            note = (f"note: {name}: {key} ({_shown(mine)}) was not read back from it: a PDF does not give back "
                    "text outside the Latin scripts as written, so it is not checked there")
            notes.extend([note] if note not in notes else [])
            return _ABSENT
        if _UNSEEN.sub("", mine) == _UNSEEN.sub("", theirs):
            return _ABSENT
    return mine if mine != theirs else _ABSENT


def _said_as(key: str, value: Any) -> str:
    """The manifest's software or time of making as a file's words write it (software_text, when_text)."""
    if key == "software" and isinstance(value, dict) and isinstance(value.get("components", {}), dict):
        return software_words(str(value.get("name", "")), str(value.get("version", "")), value.get("components", {}))
    if key in ("created_at", "exported_at") and isinstance(value, str):
        return when_text(value)
    return value if isinstance(value, str) else json.dumps(value)


def _fact(data: dict, key: str) -> Any:
    """The manifest's value for `key` ("model.name", "settings.beam_size"...), _ABSENT when it gives none."""
    top, _, sub = key.partition(".")
    value = data.get(top, _ABSENT)
    if sub:
        value = value.get(sub, _ABSENT) if isinstance(value, dict) else _ABSENT
    return value


def _json_facts(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        return  # not a transcript (a timeline's, another tool's)
    for key in COMPARED:
        value = data.get(key)
        if key == "source" and isinstance(value, dict):
            yield from ((f"source.{k}", value[k]) for k in SOURCE_KEYS if k in value)
        elif key == "model" and isinstance(value, dict):
            yield from ((f"model.{k}", value[k]) for k in MODEL_KEYS if k in value)
        elif key in ("settings", "software") and isinstance(value, dict):
            yield from ((f"{key}.{k}", v) for k, v in value.items())  # each named: which one differs
        elif key in data:
            yield key, value


def _text_facts(path: Path) -> Iterator[tuple[str, Any]]:
    for line in _text_header(path):
        if (found := _TEXT_MODEL.match(line)) is not None:
            yield from (("model.name", found["name"]), ("model.sha256", found["sha256"]))
        elif (found := _TEXT_SOURCE.match(line)) is not None:
            yield "source.sha256", found["sha256"]
        elif line.startswith("Task: "):  # "transcribe; language en (p=0.98)"
            yield from text_language_facts(line[len("Task: "):])
        elif line.startswith("Settings: "):  # "beam_size=5 vad=true ...": the line as written
            yield "settings", line[len("Settings: "):]
        elif line.startswith("Status: "):
            yield "status", status_of(line[len("Status: "):])
            if (name := verifier_of(line[len("Status: "):])) != "":
                yield "verified_by", name if name is None else Said(name)
        elif line.startswith("Software: "):
            yield "software", Said(line[len("Software: "):])
        elif line.startswith("Recording: "):  # a VTT's (since session 30); a TXT's is the line under its heading
            yield "source.name", _Line(line[len("Recording: "):])
        elif line.startswith("Exported: "):
            yield from exported_facts(line[len("Exported: "):], Said)
        elif line.startswith("Created: ") and line != "Created: unknown":
            yield "created_at", line[len("Created: "):]
        elif line.startswith("Size: ") and (size := bytes_of(line[len("Size: "):])) is not None:
            yield "source.bytes", size
        elif line.startswith("Run: ") and line[5:].isdecimal():
            yield "run_id", int(line[5:])


def _text_name(path: Path) -> Iterator[tuple[str, _Line]]:
    """The recording's name from a TXT's second line ("TRANSCRIPT OF A RECORDING" over NAME, "RECORD OF INTERVIEW"
    over "Transcript of NAME"); a VTT prints only the path it was found at, under another name for a copy."""
    try:
        with path.open("rb") as handle:
            heading, line = (handle.readline().decode("utf-8").rstrip("\n") for _ in range(2))
    except (OSError, UnicodeDecodeError):
        return
    if heading in _NAME_HEADINGS:
        yield "source.name", _Line(line)
    elif heading in _INTERVIEW_HEADINGS and line.startswith(_TITLES):
        yield "source.name", _Line(line.split(" of ", 1)[1])


def _settings_read(facts: dict[str, Any], data: dict) -> dict[str, Any]:
    """A header's "Settings:" line compared whole with the manifest's settings as the export writes them (a
    free-text setting, initial_prompt or hotwords, may hold " x=1": split at it, the line was two false settings);
    only when they differ is it read setting by setting, to say which one (or which the line or manifest lacks)."""
    line = facts.pop("settings", None)
    mine = data.get("settings")
    if line is None or not isinstance(mine, dict) or settings_text(mine) == line:
        return facts
    each = {f"settings.{key}": value for key, value in _settings_written(line).items()}
    return facts | each | {f"settings.{key}": _Written(NOT_GIVEN) for key in mine if f"settings.{key}" not in each}


def _settings_written(line: str) -> dict[str, _Written]:
    """Each `key=value` of a settings line as settings_text writes it: a value holding a space is JSON (quoted)."""
    out: dict[str, _Written] = {}
    at = 0
    while (found := _SETTING_KEY.match(line, at)) is not None:
        space = line.find(" ", found.end())
        end = len(line) if space < 0 else space
        if line[found.end():found.end() + 1] in ('"', "[", "{"):
            try:
                end = json.JSONDecoder().raw_decode(line, found.end())[1]
            except (ValueError, RecursionError):
                pass
        out[found[1]] = _Written(line[found.end():end])
        at = end + 1
    return out


def _text_header(path: Path) -> list[str]:
    """The provenance lines of a TXT (up to its "=====" line) or a VTT (its first NOTE block)."""
    try:
        with path.open(encoding="utf-8", newline="\n") as handle:  # a CR is kept in its value (it cut a name short)
            head = [handle.readline().rstrip("\n") for _ in range(HEADER_LINES)]
    except (OSError, UnicodeDecodeError):
        return []
    if not head or head[0] not in _TEXT_HEADINGS:
        return []
    if head[0] == "WEBVTT":
        start = head.index("NOTE") + 1 if "NOTE" in head else len(head)
        end = head.index("", start) if "" in head[start:] else len(head)
        return head[start:end]
    return head[:next((i for i, line in enumerate(head) if line.startswith("=====")), len(head))]


def _shown(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) or not value else value
    return text if len(text) <= 80 else text[:79] + "…"
