"""Dates as chat exports write them, and their normalisation to ISO 8601.

A numeric date has three parts; which is the day and which the month is
decided from ALL the dates of one layout in the file, never from one alone:

1. the year is the part written with four digits (or, with two-digit years,
   the part above 31; else the last part, where every short WhatsApp layout
   puts it); a year written first is followed by the month (ISO 8601, and the
   Asian locales);
2. a part above 12 anywhere in the file is the day;
3. otherwise the one reading under which the messages run in time order (a message may go back
   up to a day: one written offline is listed when it arrived);
4. otherwise the one reading that gives the messages whose attachment's file name carries a date
   (WhatsApp's `PTT-20241003-WA0001.opus`, iOS `00000012-AUDIO-2024-10-05-...`) that date, within a
   day (a note received just after midnight); the other reading is a month or more away;
5. otherwise dates written with dots and the year last are day-first (`01.02.24`: German, Russian,
   Turkish, Polish... no locale writes the month first between dots), and so are dates in Arabic-Indic
   digits with the year last (`٢/٣/٢٠٢٤`: Arabic writes the day first), said as the chat's basis;
6. otherwise the order stays undecided: a date whose day and month are equal
   is still read, any other gets no date-time, with a note saying why.

A year is Gregorian from 1970 on; a Thai phone's Buddhist-era year (2543 on,
543 ahead) is read as its Gregorian year and said so; a phone set to Persian writes
Persian digits and the Solar Hijri calendar (۱۴۰۲/۱۰/۲۵): converted to its Gregorian date, said
so; a phone set to an Islamic calendar marks its dates with the era ("8/6/1443 AH"): dated by the civil Islamic
calendar (`calendars`), the day or two another Islamic calendar may differ by said; any other (1402 in Latin digits, of a calendar not known) gets no date-time, with a note,
never a date in year 1402.

Dates are grouped by layout (separator, year width and place), so a file
showing `6/30/23` and `30/6/2023` decides each layout on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.chats import calendars

DOTTED = "day-first (dotted dates)"
ARABIC = "day-first (Arabic-Indic digits, year last)"
AMBIGUOUS_NOTE = "day and month cannot be told apart in this file; date-time left empty"
UNREAD_MARKER_NOTE = ("12-hour clock marked {marker!r}, a marker of no language read here: morning or afternoon "
                      "cannot be told; date-time left empty")
CONFLICT_NOTE = "dates of this layout contradict each other (day above 12 in both places); left empty"

_DATE_RE = re.compile(r"^([HR]?\d{1,4})(\s?[./-]\s?)(\d{1,4})(\s?[./-]\s?)([HR]?\d{1,4})\.?$")
# A phone set to the Japanese calendar writes its era's initial and year ("3/18/R4": Reiwa 4, 2022): the year
# before its first (Heisei 1 is 1989, Reiwa 1 is 2019).
JAPANESE_ERAS = {"H": ("Heisei", 1988), "R": ("Reiwa", 2018)}
# "21:05", "21.05:01", and Canadian French's "21 h 05" / "21 h 05 min 01 s"
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.]|\s?h\s?)(\d{2})(?:(?:[:.]|\s?min\s?)(\d{2})(?:\s?s)?)?$")
# A 12-hour clock's markers as phones localise them (lower case): English and Spanish, Japanese,
# Chinese, Korean, Arabic, Greek, Persian, German (old), Turkish, Swedish/Danish, Finnish, Hungarian,
# Czech/Slovak, Ukrainian, Vietnamese, Hebrew, Malay/Indonesian, Thai.
PM_MARKERS = frozenset({"pm", "p.m.", "p. m.", "p.m", "午後", "下午", "오후", "م", "μμ", "μ.μ.", "ب.ظ", "ب.ظ.",
                        "nachm.", "ös", "em", "e.m.", "ip.", "du.", "odp.", "пп", "ch", "אחה״צ", "ptg",
                        "หลังเที่ยง",
                        # Albanian, Afrikaans, Bulgarian, Icelandic, Lithuanian, Latvian, Welsh, Macedonian,
                        # Serbian, Mongolian, Tamil, Kannada, Marathi, Nepali, Sinhala, Amharic, Lao
                        "e pasdites", "nm.", "сл.об.", "e.h.", "popiet", "pēcpusdienā", "pēcp.", "yh", "попл.",
                        "по подне", "ү.х.", "பிற்பகல்", "ಅಪರಾಹ್ನ", "म.उ.", "अपराह्न", "ප.ව.", "ከሰዓት", "ຫຼັງທ່ຽງ"})
AM_MARKERS = frozenset({"am", "a.m.", "a. m.", "a.m", "午前", "上午", "오전", "ص", "πμ", "π.μ.", "ق.ظ", "ق.ظ.",
                        "vorm.", "öö", "fm", "f.m.", "ap.", "de.", "dop.", "дп", "sa", "לפנה״צ", "pg",
                        "ก่อนเที่ยง",
                        "e paradites", "vm.", "пр.об.", "f.h.", "priešpiet", "priekšpusdienā", "priekšp.", "yb",
                        "претпл.", "пре подне", "ү.ө.", "முற்பகல்", "ಪೂರ್ವಾಹ್ನ", "म.पू.", "पूर्वाह्न", "පෙ.ව.", "ጥዋት",
                        "ກ່ອນທ່ຽງ"})

# Flexible day periods (CLDR's "B": Chinese 晚上9:05, English "9:05 in the evening"): the 24-hour span each
# names, [start, end) with end past 24 for one running past midnight; the hour is the one of the two a
# 12-hour clock can mean that falls in it.
FLEXIBLE_PERIODS = {
    "in the morning": (6, 12), "in the afternoon": (12, 18), "in the evening": (18, 21), "at night": (21, 30),
    "午夜": (0, 1), "凌晨": (0, 5), "清晨": (5, 8), "早上": (5, 8), "中午": (12, 13), "傍晚": (17, 19),
    "晚上": (19, 24), "夜晚": (19, 24),
}


def _in_period(hour: int, period: tuple[int, int]) -> int:
    """Of the two hours a 12-hour clock's `hour` can mean, the one in the period, else the nearer (phones
    and versions draw the periods' edges differently: 早上8:05, "9:05 in the evening")."""
    start, end = period

    def distance(candidate: int) -> int:
        return min(max(start - h, 0, h - (end - 1)) for h in (candidate, candidate + 24))

    return min((hour % 12, hour % 12 + 12), key=distance)


@dataclass(frozen=True)
class Stamp:
    """A date and time as read from a header, before day and month are decided."""

    parts: tuple[int, int, int]
    widths: tuple[int, int, int]
    layout: str  # separators and year width/place: stamps of one layout are decided together
    hour: int
    minute: int
    second: int
    unread_marker: str = ""  # a 12-hour clock's marker in no language read here: morning or afternoon unknown
    era: str = ""  # the year as written in a Japanese era ("R4"), read as its Gregorian year in `parts`


@dataclass(frozen=True)
class Order:
    """Where the year, month and day are among a layout's three parts."""

    year: int
    month: int | None  # None: undecided between the two remaining parts
    day: int | None
    basis: str  # day-first | month-first | year-first | ambiguous | conflicting


def _marker(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def read_time(text: str, marker: str = "") -> tuple[int, int, int] | None:
    """(hour, minute, second) on a 24-hour clock; None when not a time."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    mark = _marker(marker)
    if mark in FLEXIBLE_PERIODS:
        if not 1 <= hour <= 12:
            return None
        hour = _in_period(hour, FLEXIBLE_PERIODS[mark])
    elif mark in PM_MARKERS and hour < 12:
        hour += 12
    elif mark in AM_MARKERS and hour == 12:
        hour = 0
    if hour > 24 or (hour == 24 and mark) or minute > 59 or second > 59:  # 24:05: a clock counting 1 to 24
        return None
    return hour, minute, second


def read_stamp(date_text: str, time_text: str, marker: str = "", script: str = "", hijri: bool = False) -> Stamp | None:
    """`script`: "arabic" when the date was written in Arabic-Indic digits (kept in the layout); `hijri`: the date
    is marked as the Islamic calendar's."""
    date = _DATE_RE.match(date_text.strip())
    clock = read_time(time_text, marker)
    if date is None or clock is None:
        return None
    raw = (date[1], date[3], date[5])
    eras = [i for i, p in enumerate(raw) if p[0] in JAPANESE_ERAS]
    if len(eras) > 1 or eras and any(len(p) > 2 for i, p in enumerate(raw) if i not in eras):
        return None  # one part is the year: "H12/3/2022" (a line's words) is no era's date
    era = raw[eras[0]] if eras else ""
    values = tuple(JAPANESE_ERAS[p[0]][1] + int(p[1:]) if i in eras else int(p) for i, p in enumerate(raw))
    widths = tuple(4 if i in eras else len(p) for i, p in enumerate(raw))
    if any(w == 4 and gregorian_year(v)[0] is not None for v, w in zip(values, widths)):
        hijri = False  # "8/6/2024 h 14:56": a Gregorian year; the word between date and time is no Islamic era
    year_at = _written_year(widths)
    width_class = "y4" if year_at is not None else "y2"
    layout = f"{date[2].strip()}{date[4].strip()}:{width_class}:{year_at}" + (f":{script}" if script else "") + \
        (f":{HIJRI}" if hijri else "")
    return Stamp(values, widths, layout, *clock, era=era)  # type: ignore[arg-type]


def _written_year(widths: tuple[int, ...]) -> int | None:
    long = [i for i, w in enumerate(widths) if w >= 3]
    return long[0] if len(long) == 1 else None


def _year_position(stamps: Sequence[Stamp]) -> int:
    written = _written_year(stamps[0].widths)
    if written is not None:
        return written
    for position in (0, 2):
        if any(s.parts[position] > 31 for s in stamps):
            return position
    return 2


def decide_order(stamps: Sequence[Stamp], named: Sequence[str | None] = ()) -> Order:
    """The order of one layout's parts, from every stamp of that layout (and, per stamp, the ISO
    date its message's attachment is named with, if any)."""
    year = _year_position(stamps)
    first, second = [i for i in range(3) if i != year]
    first_is_day = any(s.parts[first] > 12 for s in stamps)
    second_is_day = any(s.parts[second] > 12 for s in stamps)
    if first_is_day and second_is_day:
        return Order(year, None, None, "conflicting")
    if first_is_day:
        return Order(year, second, first, "day-first")
    if second_is_day or year == 0:
        return Order(year, first, second, "year-first" if year == 0 else "month-first")
    return _by_time_order(stamps, year, first, second, named)


def _by_time_order(stamps: Sequence[Stamp], year: int, first: int, second: int,
                   named: Sequence[str | None] = ()) -> Order:
    day_first = Order(year, second, first, "day-first")
    month_first = Order(year, first, second, "month-first")
    fits = [o for o in (day_first, month_first) if _in_time_order(stamps, o)]
    if len(fits) == 1 and any(s.parts[first] != s.parts[second] for s in stamps):
        return fits[0]
    by_names = [o for o in fits if _as_named(stamps, named, o)]
    if len(by_names) == 1:
        return by_names[0]
    if day_first in fits and stamps[0].layout.startswith("..") and year == 2:
        return Order(year, second, first, DOTTED)
    if day_first in fits and "arabic" in stamps[0].layout.split(":") and year == 2:
        return Order(year, second, first, ARABIC)
    return Order(year, None, None, "ambiguous")


def _as_named(stamps: Sequence[Stamp], named: Sequence[str | None], order: Order) -> bool:
    """True when every stamp whose day and month differ, and whose attachment's name carries a date,
    falls within a day of that date under `order`; and at least one does."""
    checked = 0
    for stamp, iso in zip(stamps, named):
        a, b = [i for i in range(3) if i != order.year]
        if iso is None or stamp.parts[a] == stamp.parts[b]:
            continue
        moment = to_datetime(stamp, order)
        try:
            on_name = datetime.fromisoformat(iso[:10])
        except ValueError:
            continue
        if moment is None or abs(moment.replace(hour=0, minute=0, second=0) - on_name) > OUT_OF_ORDER_SLACK:
            return False
        checked += 1
    return checked > 0


# How far a message may go back in time and the chat still count as in order: a message written
# offline is stamped when written but listed when it arrived. Read the wrong way round, a chat goes
# back at least about 19 days wherever it does (a month, less at most 11 days).
OUT_OF_ORDER_SLACK = timedelta(days=1)


def _in_time_order(stamps: Sequence[Stamp], order: Order) -> bool:
    latest: datetime | None = None
    for stamp in stamps:
        moment = to_datetime(stamp, order)
        if moment is None or (latest is not None and moment < latest - OUT_OF_ORDER_SLACK):
            return False
        latest = moment if latest is None else max(latest, moment)
    return True


def _full_year(value: int, width: int) -> int:
    """A two-digit year of 70 or more is of the 1900s (POSIX's rule; no phone wrote a year before 1970)."""
    if width > 2:
        return value
    return 1900 + value if value >= 70 else 2000 + value


BUDDHIST_ERA = 543


def gregorian_year(year: int) -> tuple[int | None, str]:
    """(the Gregorian year, a note) for a year as a phone wrote it; None when it is of another calendar."""
    if 1970 <= year < 2200:
        return year, ""
    if 1970 + BUDDHIST_ERA <= year < 2200 + BUDDHIST_ERA:
        return year - BUDDHIST_ERA, f"Thai Buddhist-era year {year} read as {year - BUDDHIST_ERA}"
    return None, f"year {year} is not of the Gregorian calendar; date-time left empty"


def _year_of(stamp: Stamp, order: Order) -> int:
    if _hijri(stamp) and stamp.widths[order.year] <= 2:  # "09.06.43 AH": 1443 (1400-1499 AH is 1979-2076)
        return 1400 + stamp.parts[order.year]
    return _full_year(stamp.parts[order.year], stamp.widths[order.year])


PERSIAN = "persian"  # a stamp written in Persian digits (۱۴۰۲/۱۰/۲۵): a phone in Persian, its calendar Solar Hijri
HIJRI = "hijri"  # a stamp whose date the phone marks Islamic ("8/6/1443 AH", "٨/٦/١٤٤٣ هـ"): lunar Hijri


def _solar_hijri(stamp: Stamp, order: Order) -> bool:
    return stamp.layout.endswith(f":{PERSIAN}") and order.year == 0 and \
        _year_of(stamp, order) in calendars.SOLAR_HIJRI_YEARS


def _hijri(stamp: Stamp) -> bool:
    return stamp.layout.endswith(f":{HIJRI}")


def calendar_note(stamp: Stamp, order: Order) -> str:
    """What the year says of the calendar it was written in ("" for a Gregorian one)."""
    year = _year_of(stamp, order)
    if stamp.era:
        return f"Japanese-era year {stamp.era} ({JAPANESE_ERAS[stamp.era[0]][0]} {stamp.era[1:]}) read as {year}"
    if _hijri(stamp):
        return _hijri_note(stamp, order, year)
    if _solar_hijri(stamp, order):
        return f"Persian (Solar Hijri) date {year}/{stamp.parts[1]}/{stamp.parts[2]} read as its Gregorian date"
    return gregorian_year(year)[1]


def _hijri_note(stamp: Stamp, order: Order, year: int) -> str:
    if year not in calendars.HIJRI_YEARS:
        return f"Islamic (Hijri) year {year} is outside 1389-1523 AH (1970-2100); date-time left empty"
    if order.month is None or order.day is None or calendars.from_hijri(
            year, stamp.parts[order.month], stamp.parts[order.day], (0, 0, 0)) is None:
        return "Islamic (Hijri) date"  # no such date ("31/6/1443 AH"): read by no calendar, said why after it
    return (f"Islamic (Hijri) date: day {stamp.parts[order.day]} of month {stamp.parts[order.month]} of {year} AH, "
            f"read by the arithmetical (civil) Islamic calendar; {calendars.HIJRI_SPREAD_NOTE}")


def to_datetime(stamp: Stamp, order: Order) -> datetime | None:
    month_at, day_at = order.month, order.day
    if month_at is None or day_at is None:
        a, b = [i for i in range(3) if i != order.year]
        if stamp.parts[a] != stamp.parts[b]:
            return None
        month_at, day_at = a, b
    clock = (stamp.hour, stamp.minute, stamp.second)
    if _hijri(stamp):
        return calendars.from_hijri(_year_of(stamp, order), stamp.parts[month_at], stamp.parts[day_at], clock)
    if _solar_hijri(stamp, order):
        return calendars.from_solar_hijri(_year_of(stamp, order), stamp.parts[month_at], stamp.parts[day_at], clock)
    year, _ = gregorian_year(_year_of(stamp, order))
    if year is None:
        return None
    try:  # 24:MM is read as the next day's 00:MM here (in order with its neighbours: `hour_24`)
        day = datetime(year, stamp.parts[month_at], stamp.parts[day_at])
    except ValueError:
        return None
    return day + timedelta(hours=stamp.hour, minutes=stamp.minute, seconds=stamp.second)


def normalise(stamps: Sequence[Stamp | None], named: Sequence[str | None] = ()) -> tuple[list[str | None], list[str], str]:
    """ISO 8601 per stamp (None when it cannot be said), a note per stamp, and the file's basis;
    `named`: per stamp, the ISO date its message's attachment is named with (or None)."""
    groups: dict[str, list[Stamp]] = {}
    hints: dict[str, list[str | None]] = {}
    named = list(named) + [None] * (len(stamps) - len(named))
    for stamp, iso in zip(stamps, named):
        if stamp is not None:
            groups.setdefault(stamp.layout, []).append(stamp)
            hints.setdefault(stamp.layout, []).append(iso)
    orders = {layout: decide_order(group, hints[layout]) for layout, group in groups.items()}
    moments = [None if s is None or s.unread_marker else to_datetime(s, orders[s.layout]) for s in stamps]
    placed = hour_24(stamps, moments)
    isos: list[str | None] = []
    notes: list[str] = []
    for stamp, (moment, midnight) in zip(stamps, placed):
        if stamp is None:
            isos.append(None)
            notes.append("")
            continue
        order = orders[stamp.layout]
        calendar = calendar_note(stamp, order)
        isos.append(moment.isoformat() if moment else None)
        # a Buddhist-era date that reads both ways says both: its calendar and why it has no date-time
        why = UNREAD_MARKER_NOTE.format(marker=stamp.unread_marker) if stamp.unread_marker else midnight or \
            (_note(order) if moment is None and "left empty" not in calendar else "")
        notes.append("; ".join(n for n in (calendar, why) if n))
    return isos, notes, describe(orders.values())


HOUR_24_NOTES = {
    "same": "{clock} read as {hhmm} of the date written (a clock counting the hours 1 to 24), by the chat's order",
    "next": "{clock} read as {hhmm} of the day after the date written (a clock run on past midnight), by the chat's "
            "order",
    "": "{clock}: {hhmm} of the date written or of the next day cannot be told from the chat's order; "
        "date-time left empty",
}


def hour_24(stamps: Sequence[Stamp | None], moments: Sequence[datetime | None]) -> list[tuple[datetime | None, str]]:
    """Each moment, and a note for a time written 24:MM: the date's own 00:MM (a clock counting 1 to 24) or the
    next day's (24:00, the end of the day), whichever alone keeps the chat in order with the messages around it."""
    out: list[tuple[datetime | None, str]] = [(m, "") for m in moments]
    plain = [(i, m) for i, (s, m) in enumerate(zip(stamps, moments)) if m is not None and s is not None and s.hour < 24]
    for i, (stamp, moment) in enumerate(zip(stamps, moments)):
        if stamp is None or moment is None or stamp.hour < 24:
            continue
        before = [m for j, m in plain if j < i][-1:]
        after = [m for j, m in plain if j > i][:1]
        fits = {kind: c for kind, c in (("same", moment - timedelta(days=1)), ("next", moment))
                if (before or after) and all(b <= c for b in before) and all(c <= a for a in after)}
        kind = next(iter(fits)) if len(fits) == 1 else ""
        note = HOUR_24_NOTES[kind].format(clock=f"24:{stamp.minute:02d}", hhmm=f"00:{stamp.minute:02d}")
        out[i] = (fits.get(kind), note)
    return out


def _note(order: Order) -> str:
    if order.basis == "conflicting":
        return CONFLICT_NOTE
    if order.basis == "ambiguous":
        return AMBIGUOUS_NOTE
    return "not a valid calendar date"


def describe(orders) -> str:
    bases = sorted({o.basis for o in orders})
    return ",".join(bases)


# Month names as the readers meet them: English (and its short forms), German and French (Threema's), Thai (LINE's)
_MONTH_NAMES = (
    ("january", "jan", "januar", "janvier", "มกราคม", "ม.ค."), ("february", "feb", "februar", "février", "กุมภาพันธ์", "ก.พ."),
    ("march", "mar", "märz", "mars", "มีนาคม", "มี.ค."), ("april", "apr", "avril", "เมษายน", "เม.ย."),
    ("may", "mai", "พฤษภาคม", "พ.ค."), ("june", "jun", "juni", "juin", "มิถุนายน", "มิ.ย."),
    ("july", "jul", "juli", "juillet", "กรกฎาคม", "ก.ค."), ("august", "aug", "août", "สิงหาคม", "ส.ค."),
    ("september", "sep", "sept", "septembre", "กันยายน", "ก.ย."), ("october", "oct", "oktober", "octobre", "ตุลาคม", "ต.ค."),
    ("november", "nov", "novembre", "พฤศจิกายน", "พ.ย."), ("december", "dec", "dezember", "décembre", "ธันวาคม", "ธ.ค."))
# The Unicode CLDR's Gregorian month names as a phone writes them in a date ("format" wide and abbreviated; Russian,
# Ukrainian and Polish in the genitive a date takes), as dojo/dojo's cldr/nls/<locale>/gregorian.js holds them; a date
# in words as CLDR writes it: "d 'de' MMMM 'de' y" (es, pt), "d MMMM y 'г'." (ru), "d MMMM y 'р'." (uk)
CLDR_MONTHS = {
    "es": ("enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
           "ene feb mar abr may jun jul ago sep oct nov dic"),
    "it": ("gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
           "gen feb mar apr mag giu lug ago set ott nov dic"),
    "pt": ("janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
           "jan fev mar abr mai jun jul ago set out nov dez"),
    "nl": ("januari februari maart april mei juni juli augustus september oktober november december",
           "jan feb mrt apr mei jun jul aug sep okt nov dec"),
    "sv": ("januari februari mars april maj juni juli augusti september oktober november december",
           "jan feb mar apr maj jun jul aug sep okt nov dec"),
    "pl": ("stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
           "sty lut mar kwi maj cze lip sie wrz paź lis gru"),
    "tr": ("ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
           "oca şub mar nis may haz tem ağu eyl eki kas ara"),
    "ru": ("января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
           "янв февр марта апр мая июня июля авг сент окт нояб дек"),
    "uk": ("січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
           "січ лют бер квіт трав черв лип серп вер жовт лист груд"),
}
MONTHS = {name: n for n, names in enumerate(_MONTH_NAMES, start=1) for name in names} | {
    name: n for lists in CLDR_MONTHS.values() for names in lists for n, name in enumerate(names.split(), start=1)}
_CJK_DATE_RE = re.compile(r"^(?P<y>\d{4})\s*[年년]\s*(?P<m>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]?\s*(?P<rest>.{0,8})$")
_NAMED_DATE_RE = re.compile(r"^(?:[^\d\s,]{2,20},?\s+)?(?:(?P<d1>\d{1,2})\.?\s+(?:de\s+)?(?P<m1>[^\d\s,]{3,12})\.?,?\s+(?:de\s+)?|"
                            r"(?P<m2>[^\d\s,]{3,12})\.?\s+(?P<d2>\d{1,2}),?\s+)(?P<y>\d{4})(?:\s?[гр]\.)?\s*(?P<rest>.{0,16})$")


def numeric_date(text: str) -> str:
    """A date written in words ("Thursday, June 13, 2024", "13 June 2024", "Jun 13, 2024", "2024年6月13日(木)", Thai
    "วันพฤหัสบดีที่ 13 มิถุนายน 2567") as a numeric one, the year first ("2024/6/13"), what follows it kept;
    other text as it is."""
    found = _CJK_DATE_RE.match(text)
    if found:
        return f"{found['y']}/{found['m']}/{found['d']}" + (f" {found['rest']}" if found["rest"] else "")
    found = _NAMED_DATE_RE.match(text)
    month = MONTHS.get((found["m1"] or found["m2"] or "").lower().rstrip(".")) if found else None
    if found is None or month is None:
        return text
    day = found["d1"] or found["d2"]
    return f"{found['y']}/{month}/{day}" + (f" {found['rest']}" if found["rest"] else "")


def iso_from_text(text: str) -> str | None:
    """An ISO 8601 date-time as a JSON export writes it (seconds kept), or None."""
    try:
        return datetime.fromisoformat(text.strip()).isoformat()
    except ValueError:
        return None


def when_text(time_as_written: str, iso: str | None) -> str:
    """A message's moment in one cell: normalised where known, else as written and "ambiguous"."""
    if iso:
        return iso.replace("T", " ")
    return f"{time_as_written} (ambiguous)" if time_as_written else "no time"
