"""Entities across a case: phone numbers, e-mail, UK postcodes and vehicles, money, dates, times.

    entities = case_entities(case)              # region: the case's (GB unless set)
    shared = [e for e in entities if e.shared]  # in two exhibits or more
    write_csv(entities, Path("entities.csv"))

Read from every run's current text (proofread copy, else machine draft):
transcripts, translations, imported texts and chats, as the search index holds
them. Spoken digits are rewritten first where that is certain ("oh seven seven
double nine..." -> "07799...", see spoken_numbers), so a number said in one
voice note and typed in a chat is one entity. An entity is (kind, normalised
value); each mention keeps where it is (exhibit, run, segment, ms) and how it
was written.

Phone numbers are read by the `phonenumbers` library with the case's default
region for numbers written without a country code; a number is kept when the
library finds it valid, or when it is written from a leading 0 or + with ten
digits or more and is a possible number (e.g. Ofcom's drama ranges).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import ParleyError
from app.core.export.base import safe_write
from app.core.search import patterns
from app.core.search.patterns import Found
from app.core.search.shown import time_shown
from app.core.search.spoken_numbers import Normalised, normalise_digits
from app.core.store import Case, entity_index, search_index
from app.core.store.search_index import IndexedText

if TYPE_CHECKING:  # phonenumbers is imported where numbers are read: `search` and an empty case need none
    import phonenumbers

KINDS = ("phone", "email", "postcode", "vehicle", "money", "date", "time")
DEFAULT_REGION = "GB"
REGION_SETTING = "entities.region"
FINDERS_VERSION = 2  # raise when a finder changes: the case's stored entities are then found anew
SCAN_BATCH = 1000  # texts scanned (and their entities stored) per transaction
MIN_PHONE_DIGITS = 7  # texts with fewer digits are not given to the phone matcher
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DIGIT_RE = re.compile(r"\d")
CSV_COLUMNS = ("kind", "value", "exhibits", "shared_with", "exhibit_id", "exhibit", "run_id", "task",
               "segment_id", "start_ms", "time", "speaker", "as_written", "edited", "text")


class EntityError(ParleyError):
    """A bad region code, an unwritable CSV..."""


@dataclass(frozen=True)
class Mention:
    """An entity as found in one text."""

    kind: str
    value: str
    as_written: str
    start: int
    end: int


@dataclass(frozen=True)
class Occurrence:
    exhibit_id: int
    exhibit_name: str
    run_id: int | None  # None for a chat message that belongs to no run
    task: str
    segment_id: int
    start_ms: int
    end_ms: int
    speaker: str | None
    as_written: str
    edited: bool
    text: str
    message_time: str | None = None  # a chat message's time as written (None for recordings and texts)
    message_datetime: str | None = None  # ... normalised (ISO 8601), None when ambiguous

    @property
    def when(self) -> str:
        """The moment in the recording, or a chat message's date-time; nothing for a text."""
        return time_shown(self.start_ms, self.end_ms, self.message_time, self.message_datetime)


@dataclass(frozen=True)
class Entity:
    kind: str
    value: str
    occurrences: tuple[Occurrence, ...]

    @property
    def exhibits(self) -> tuple[tuple[int, str], ...]:
        """(id, name) of each exhibit it occurs in, in case order."""
        return tuple(dict.fromkeys((o.exhibit_id, o.exhibit_name) for o in self.occurrences))

    @property
    def shared(self) -> bool:
        return len(self.exhibits) > 1

    @property
    def shown(self) -> str:
        """The value as a reader sees it: a date said without its year is kept as ISO "--03-14" (the CSV
        and JSON keep it so) and shown "14 March (no year)" (the window's list and `entities`)."""
        if self.kind == "date" and self.value.startswith("--"):
            try:
                day = datetime.strptime(f"2000{self.value[1:]}", "%Y-%m-%d")  # 2000: a leap year, 29 Feb parses
            except ValueError:
                return self.value
            return f"{day.day} {day:%B} (no year)"
        return self.value


# ------------------------------------------------------------------- one text


def find_in_text(text: str, region: str = DEFAULT_REGION, kinds: tuple[str, ...] = KINDS) -> list[Mention]:
    """Every entity mentioned in a text, in text order."""
    normalised = normalise_digits(text)
    found: list[Found] = []
    if "phone" in kinds:
        found.extend(_mapped(phones(normalised.text, region), normalised))
    finders = {"email": patterns.emails, "postcode": patterns.postcodes, "vehicle": patterns.vehicles,
               "money": patterns.money, "time": patterns.times,
               "date": lambda t: patterns.dates(t, region)}
    for kind, finder in finders.items():
        if kind in kinds:
            found.extend(f for f in finder(text) if not _inside_phone(found, f))
    found.sort(key=lambda f: (f.start, f.end, f.kind))
    return [Mention(f.kind, f.value, text[f.start:f.end], f.start, f.end) for f in found]


def phones(text: str, region: str = DEFAULT_REGION) -> list[Found]:
    import phonenumbers

    if len(_DIGIT_RE.findall(text)) < MIN_PHONE_DIGITS:
        return []
    out = []
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        if _keep_phone(match.raw_string, match.number):
            value = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            out.append(Found("phone", value, match.start, match.end))
    return out


def _keep_phone(raw: str, number: phonenumbers.PhoneNumber) -> bool:
    import phonenumbers

    if phonenumbers.is_valid_number(number):
        return True
    digits = len(_DIGIT_RE.findall(raw))
    return raw.lstrip()[:1] in ("0", "+") and digits >= 10 and phonenumbers.is_possible_number(number)


def _mapped(found: list[Found], normalised: Normalised) -> list[Found]:
    out = []
    for f in found:
        start, end = normalised.span(f.start, f.end)
        out.append(Found(f.kind, f.value, start, end))
    return out


def _inside_phone(found: list[Found], f: Found) -> bool:
    return any(p.kind == "phone" and p.start <= f.start and f.end <= p.end for p in found)


# ------------------------------------------------------------------- the case


def check_region(region: str) -> str:
    import phonenumbers

    code = (region or "").strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise EntityError(f"{region}: not a region code (use two letters, e.g. GB, PL, RO)")
    return code


def case_region(case: Case) -> str:
    """The case's default region for phone numbers and numeric dates (GB unless set)."""
    return search_index.get_setting(case.conn, REGION_SETTING) or DEFAULT_REGION


def set_case_region(case: Case, region: str) -> str:
    code = check_region(region)
    with case.transaction():
        search_index.set_setting(case.conn, REGION_SETTING, code)
        case.audit.record("entities.region_set", "case", {"region": code})
    return code


def case_entities(case: Case, region: str | None = None, kinds: tuple[str, ...] = KINDS) -> list[Entity]:
    """Every entity in the case's current text: shared ones first, then the most mentioned.

    Entities are stored per text as they are found, so only texts added or changed
    since the last call are read again (all of them when the region changes).
    """
    region = check_region(region) if region else case_region(case)
    scan(case, region)
    grouped: dict[tuple[str, str], list[Occurrence]] = {}
    for stored in entity_index.mentions(case.conn, kinds):
        occurrence = _occurrence(stored.where, stored.as_written)
        grouped.setdefault((stored.kind, stored.value), []).append(occurrence)
    entities = [Entity(kind, value, tuple(occ)) for (kind, value), occ in grouped.items()]
    entities.sort(key=lambda e: (-len(e.exhibits), -len(e.occurrences), KINDS.index(e.kind), e.value))
    return entities


def scan(case: Case, region: str) -> int:
    """Find and store the entities of every text not scanned yet; returns how many were read."""
    tag = f"{region}/{FINDERS_VERSION}"
    with case.transaction():
        if entity_index.scanned_with(case.conn) != tag:
            entity_index.reset(case.conn, tag)
    done, last = 0, 0
    while True:
        with case.transaction():  # read, find and store in one: no text can change meanwhile
            batch = entity_index.unscanned(case.conn, last, SCAN_BATCH)
            rows = [(text_id, m.kind, m.value, m.as_written, m.start, m.end)
                    for text_id, text in batch for m in find_in_text(text, region)]
            entity_index.save(case.conn, [text_id for text_id, _ in batch], rows)
        if not batch:
            return done
        done, last = done + len(batch), batch[-1][0]


def _occurrence(row: IndexedText, as_written: str) -> Occurrence:
    return Occurrence(
        exhibit_id=row.exhibit_id, exhibit_name=row.exhibit_name, run_id=row.run_id, task=row.task,
        segment_id=row.segment_id, start_ms=row.start_ms, end_ms=row.end_ms, speaker=row.speaker,
        as_written=as_written, edited=row.source == search_index.SOURCE_WORKING, text=row.text,
        message_time=row.message_time, message_datetime=row.message_datetime)


# ------------------------------------------------------------------------ CSV


def csv_rows(entities: list[Entity]) -> list[dict[str, object]]:
    """One row per mention, with the entity and the exhibits that share it."""
    rows = []
    for entity in entities:
        names = [name for _, name in entity.exhibits]
        for o in entity.occurrences:
            rows.append({
                "kind": entity.kind, "value": entity.value, "exhibits": len(names),
                "shared_with": "; ".join(n for n in names if n != o.exhibit_name),
                "exhibit_id": o.exhibit_id, "exhibit": o.exhibit_name, "run_id": o.run_id,
                "task": o.task, "segment_id": o.segment_id, "start_ms": o.start_ms,
                "time": o.when, "speaker": o.speaker or "", "as_written": o.as_written,
                "edited": int(o.edited), "text": o.text.strip(),
            })
    return rows


def write_csv(entities: list[Entity], path: Path) -> int:
    """Write the CSV (UTF-8 with a BOM, for spreadsheets); returns the number of rows.

    A cell a spreadsheet would run as a formula (=, +, -, @ first) starts with an
    apostrophe, so a hostile chat message cannot run in the investigator's
    spreadsheet; "+447700900123" is written "'+447700900123".
    Written whole or not at all (a kill or a full disk part-way keeps the last whole file).
    """
    rows = csv_rows(entities)
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    try:
        safe_write(path, text.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise EntityError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return len(rows)


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
