"""Entity patterns in one text: UK postcodes and vehicle registrations, money, e-mail, dates, times.

Each finder returns `Found(kind, value, start, end)`: `value` is the normalised
form (what makes two mentions the same entity), start/end the span in the text
searched. Each pattern is written to miss rather than invent:

* postcode: the Royal Mail format (outward code, inward digit and two letters),
  upper-cased with one space: "b1 1aa" -> "B1 1AA".
* vehicle: UK registrations in capitals: current (AB12 CDE, age 02-99), prefix
  (A123 BCD) and suffix (ABC 123D) formats, "AB12CDE" -> "AB12 CDE". Dateless
  plates (e.g. "A 1") are not read: they look like ordinary text.
* money: a currency sign or word with a number: "£1,250", "€300", "$20.50",
  "500 quid", "2 grand", "£5k", "five hundred pounds", "fifty quid", "300 euros".
  Values are "GBP 1250", "EUR 300", "USD 20.50". A bare number is not money.
* email: name@domain.tld, lower-cased; a spoken "john dot smith at gmail dot com"
  only with a known top-level domain, and a known mail provider or a name part
  that holds "dot", "underscore" or digits.
* date: 12/03/2024, 12.03.24, 2024-03-12, 12th March 2024, March 12 2024,
  12 March: ISO 8601 ("2024-03-12", or "--03-12" with no year). Numeric dates
  are read day-first or month-first by the case's region (month-first for US,
  CA, PH; day-first elsewhere), unless one part is over 12.
* time: 21:14, 9:30pm, 9.30 p.m., 7am -> "21:14", "21:30", "07:00"; a time
  without am/pm is kept as said ("9:30", "nine o'clock" -> "09:30", "09:00");
  interview announcements "the time is 1022" / "10-15", "1400 hours" -> "10:22",
  "10:15", "14:00". A bare "at 8" or "1022" is not a time.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.core.search.spoken_numbers import CARDINAL_WORDS, parse_cardinal

_DIGIT_RE = re.compile(r"\d")


@dataclass(frozen=True)
class Found:
    kind: str
    value: str
    start: int
    end: int


POSTCODE_RE = re.compile(
    r"(?<![A-Za-z0-9])(GIR ?0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRV-Y]) ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_AREA = "ABCDEFGHKLMNOPRSVWYX"  # first letter of a current-format plate (memory tag)
_PLATE_LETTER = "A-HJ-NPR-Z"  # I and Q are not used in the random letters (O only in area codes)
VEHICLE_RES = (
    re.compile(rf"(?<![A-Za-z0-9])([{_AREA}][A-HJ-NPR-Y])(0[2-9]|[1-9][0-9]) ?([{_PLATE_LETTER}]{{3}})"
               r"(?![A-Za-z0-9])"),
    re.compile(rf"(?<![A-Za-z0-9])([A-HJ-NPR-Y])([1-9][0-9]{{0,2}}) ?([{_PLATE_LETTER}]{{3}})"
               r"(?![A-Za-z0-9])"),
    re.compile(rf"(?<![A-Za-z0-9])([{_PLATE_LETTER}]{{3}}) ?([1-9][0-9]{{0,2}})([A-HJ-NPR-Y])"
               r"(?![A-Za-z0-9])"),
)
EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                      r"\.[A-Za-z]{2,}(?![\w-])")
# A spoken address is read only when it cannot be ordinary speech: a known mail provider,
# or a name part with "dot", "underscore" or digits in it ("look at this dot com" is not one).
MAIL_PROVIDERS = frozenset({
    "gmail", "googlemail", "hotmail", "outlook", "live", "msn", "yahoo", "ymail", "icloud", "me",
    "aol", "protonmail", "proton", "btinternet", "sky", "virginmedia", "talktalk", "gmx", "web",
    "wp", "onet", "interia", "o2", "yandex", "mail", "zoho", "tutanota", "orange", "free",
    "libero", "seznam", "abv", "yopmail",
})
TLDS = ("com", "net", "org", "co dot uk", "org dot uk", "gov dot uk", "ac dot uk", "uk", "de",
        "fr", "pl", "ro", "info", "io", "eu", "me")
SPOKEN_EMAIL_RE = re.compile(
    r"(?<![\w.])([A-Za-z0-9_]+(?:\s+(?:dot|underscore)\s+[A-Za-z0-9_]+)*)\s+at\s+([A-Za-z0-9-]+"
    r"(?:\s+dot\s+[A-Za-z0-9-]+)*?)\s+dot\s+(" + "|".join(t.replace(" ", r"\s+") for t in TLDS)
    + r")(?![\w])", re.IGNORECASE)

_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
_SIGNS = {"£": "GBP", "€": "EUR", "$": "USD"}
_CURRENCY_WORDS = {"pound": "GBP", "pounds": "GBP", "quid": "GBP", "grand": "GBP", "euro": "EUR",
                   "euros": "EUR", "dollar": "USD", "dollars": "USD", "bucks": "USD"}
_MULTIPLIERS = {"k": 1000, "grand": 1000, "thousand": 1000, "million": 1_000_000, "m": 1_000_000}
SIGN_MONEY_RE = re.compile(rf"([£€$])\s?({_AMOUNT})(?:\s?(k|m|grand|thousand|million)\b)?",
                           re.IGNORECASE)
WORD_MONEY_RE = re.compile(
    rf"(?<![\w£€$.,])({_AMOUNT})\s?(k\b|m\b|thousand\b|million\b)?\s?"
    r"(pounds?|quid|grand|euros?|dollars?|bucks)\b", re.IGNORECASE)
CURRENCY_WORD_RE = re.compile(r"\b(pounds?|quid|grand|euros?|dollars?|bucks)\b", re.IGNORECASE)
WEIGHT_AFTER_RE = re.compile(r"\s+(?:of|in weight|weight)\b", re.IGNORECASE)  # "ten pounds of..."
_LOOK_BACK = 80  # characters before a currency word searched for its number words

# Capitalised as written in transcripts ("may", "march" are also ordinary words; "Jan" is a name).
MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name: i for i, name in enumerate(calendar.month_abbr) if name and name != "Jan"})
MONTHS["Sept"] = 9
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
NUMERIC_DATE_RE = re.compile(r"(?<![\d/.:-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.:-])")
ISO_DATE_RE = re.compile(r"(?<![\d/.-])(\d{4})-(\d{2})-(\d{2})(?![\d/-])")
DAY_MONTH_RE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\b(?:,?\s+(\d{{4}})\b)?")
MONTH_DAY_RE = re.compile(
    rf"\b({_MONTH})\b\.?\s+(?:the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}})\b)?")
MONTH_FIRST_REGIONS = frozenset({"US", "CA", "PH", "FM", "MH", "PW", "GU", "AS", "MP", "VI", "PR"})

TIME_RE = re.compile(
    r"(?<![\d:.])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?:\s?([ap])\.?\s?m\b\.?)?(?![\d:])",
    re.IGNORECASE)
DOT_TIME_RE = re.compile(r"(?<![\d:.])(1[0-2]|0?[1-9])\.([0-5]\d)\s?([ap])\.?\s?m\b\.?", re.IGNORECASE)
HOUR_RE = re.compile(r"(?<![\d:.])(1[0-2]|0?[1-9])\s?([ap])\.?\s?m\b\.?", re.IGNORECASE)
_HOUR_WORDS = {w: i for i, w in enumerate(("one", "two", "three", "four", "five", "six", "seven",
                                            "eight", "nine", "ten", "eleven", "twelve"), 1)}
OCLOCK_RE = re.compile(r"\b(1[0-2]|0?[1-9]|" + "|".join(_HOUR_WORDS) + r")\s+o[\u2019']?\s?clock\b",
                       re.IGNORECASE)
# Police interview speech: "the time is 1022", "the time is now 10-15", "at 1400 hours".
ANNOUNCED_RE = re.compile(r"\btime is(?:\s+now)?\s+([01]?\d|2[0-3])[:.\-]?([0-5]\d)\b(?!\s*(?:[ap]\.?m|%))",
                          re.IGNORECASE)
HOURS_RE = re.compile(r"(?<![\d:.])([01]\d|2[0-3])([0-5]\d)\s+hours\b", re.IGNORECASE)


# ------------------------------------------------------------------ postcodes, vehicles


def postcodes(text: str) -> list[Found]:
    if not _DIGIT_RE.search(text):
        return []
    out = []
    for m in POSTCODE_RE.finditer(text):
        code = m.group(1).upper().replace(" ", "")
        out.append(Found("postcode", f"{code[:-3]} {code[-3:]}", m.start(1), m.end(1)))
    return out


def vehicles(text: str) -> list[Found]:
    if not _DIGIT_RE.search(text):
        return []
    out = []
    for pattern in VEHICLE_RES:
        for m in pattern.finditer(text):
            a, b, c = m.groups()
            value = f"{a}{b} {c}" if pattern is not VEHICLE_RES[2] else f"{a} {b}{c}"
            if not _overlaps(out, m.start(), m.end()):
                out.append(Found("vehicle", value, m.start(), m.end()))
    return out


# ----------------------------------------------------------------------------- e-mail


def emails(text: str) -> list[Found]:
    if "@" not in text and "dot" not in text.lower():
        return []
    out = [Found("email", m.group(0).lower(), m.start(), m.end()) for m in EMAIL_RE.finditer(text)]
    for m in SPOKEN_EMAIL_RE.finditer(text):
        local = _unspeak(m.group(1))
        domain = _unspeak(m.group(2)) + "." + _unspeak(m.group(3))
        certain = domain.split(".")[0].lower() in MAIL_PROVIDERS or re.search(r"[\d._]", local)
        if certain and not _overlaps(out, m.start(), m.end()):
            out.append(Found("email", f"{local}@{domain}".lower(), m.start(), m.end()))
    return out


def _unspeak(text: str) -> str:
    text = re.sub(r"\s+dot\s+", ".", text.strip(), flags=re.IGNORECASE)
    return re.sub(r"\s+underscore\s+", "_", text, flags=re.IGNORECASE).replace(" ", "")


# ------------------------------------------------------------------------------ money


def money(text: str) -> list[Found]:
    out: list[Found] = []
    if not _DIGIT_RE.search(text):
        return _spoken_money(text, out)
    for m in SIGN_MONEY_RE.finditer(text):
        amount = _amount(m.group(2), m.group(3))
        if amount is not None:
            out.append(Found("money", _money_value(_SIGNS[m.group(1)], amount), m.start(), m.end()))
    for m in WORD_MONEY_RE.finditer(text):
        unit = m.group(3).lower()
        if _is_weight(text, m, unit):
            continue
        scale = m.group(2) or ("grand" if unit == "grand" else None)
        amount = _amount(m.group(1), scale)
        if amount is not None and not _overlaps(out, m.start(), m.end()):
            out.append(Found("money", _money_value(_CURRENCY_WORDS[unit], amount), m.start(), m.end()))
    out.extend(_spoken_money(text, out))
    return out


def _spoken_money(text: str, found: list[Found]) -> list[Found]:
    """"five hundred pounds", "fifty quid", "two grand": number words before a currency word."""
    out = []
    for m in CURRENCY_WORD_RE.finditer(text):
        head = max(0, m.start() - _LOOK_BACK)
        words = list(re.finditer(r"[A-Za-z]+(?:-[A-Za-z]+)*", text[head:m.start()]))
        if not words or text[head + words[-1].end():m.start()].strip():
            continue  # the currency word does not follow a word directly
        first = _cardinal_start([w.group(0) for w in words])
        unit = m.group(1).lower()
        if first is None or _is_weight(text, m, unit):
            continue
        value = parse_cardinal([w.group(0) for w in words[first:]]) or 0
        start = head + words[first].start()
        if value and not _overlaps(found + out, start, m.end()):
            amount = Decimal(value * (1000 if unit == "grand" else 1))
            out.append(Found("money", _money_value(_CURRENCY_WORDS[unit], amount), start, m.end()))
    return out


def _is_weight(text: str, m: re.Match[str], unit: str) -> bool:
    return unit.startswith("pound") and WEIGHT_AFTER_RE.match(text, m.end()) is not None


def _cardinal_start(words: list[str]) -> int | None:
    """Index of the first word of the longest well-formed cardinal ending the word list."""
    for i in range(len(words)):
        tail = words[i:]
        if all(w.lower() in CARDINAL_WORDS or "-" in w for w in tail) and parse_cardinal(tail):
            return i
    return None


def _amount(number: str, scale: str | None) -> Decimal | None:
    try:
        amount = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    if scale:
        amount *= _MULTIPLIERS[scale.lower()]
    return amount if amount > 0 else None


def _money_value(currency: str, amount: Decimal) -> str:
    text = f"{amount:.2f}"
    return f"{currency} {text.removesuffix('.00')}"


# --------------------------------------------------------------------- dates and times


def dates(text: str, region: str = "GB") -> list[Found]:
    if not _DIGIT_RE.search(text):
        return []
    out: list[Found] = []
    for m in ISO_DATE_RE.finditer(text):
        _add_date(out, int(m.group(1)), int(m.group(2)), int(m.group(3)), m.start(), m.end())
    month_first = region.upper() in MONTH_FIRST_REGIONS
    for m in NUMERIC_DATE_RE.finditer(text):
        a, b, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
        day, month = (b, a) if (month_first and a <= 12) or b > 12 else (a, b)
        if a > 12 and b <= 12:
            day, month = a, b
        _add_date(out, year, month, day, m.start(), m.end())
    for m in DAY_MONTH_RE.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        _add_date(out, year, MONTHS[m.group(2)], int(m.group(1)), m.start(), m.end())
    for m in MONTH_DAY_RE.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        _add_date(out, year, MONTHS[m.group(1)], int(m.group(2)), m.start(), m.end())
    return out


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year  # two-digit years in evidence are this century


def _add_date(out: list[Found], year: int | None, month: int, day: int, start: int, end: int) -> None:
    if not 1 <= month <= 12 or _overlaps(out, start, end):
        return
    limit = calendar.monthrange(year or 2024, month)[1]  # 2024: 29 February is a date
    if not 1 <= day <= limit:
        return
    value = f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"
    out.append(Found("date", value, start, end))


def times(text: str) -> list[Found]:
    out: list[Found] = _oclock(text)
    if not _DIGIT_RE.search(text):
        return out
    for pattern in (ANNOUNCED_RE, HOURS_RE):
        for m in pattern.finditer(text):
            out.append(Found("time", f"{int(m.group(1)):02d}:{m.group(2)}", m.start(), m.end()))
    for m in TIME_RE.finditer(text):
        hour, minute, second, half = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        hour = _hour24(hour, half)
        if hour is not None and not _overlaps(out, m.start(), m.end()):
            value = f"{hour:02d}:{minute:02d}" + (f":{second}" if second else "")
            out.append(Found("time", value, m.start(), m.end()))
    for pattern in (DOT_TIME_RE, HOUR_RE):
        for m in pattern.finditer(text):
            minute = int(m.group(2)) if pattern is DOT_TIME_RE else 0
            hour = _hour24(int(m.group(1)), m.group(m.lastindex or 0))
            if hour is not None and not _overlaps(out, m.start(), m.end()):
                out.append(Found("time", f"{hour:02d}:{minute:02d}", m.start(), m.end()))
    return out


def _oclock(text: str) -> list[Found]:
    """"9 o'clock", "nine o'clock" -> "09:00" (morning or evening is not said)."""
    out = []
    for m in OCLOCK_RE.finditer(text):
        word = m.group(1).lower()
        hour = _HOUR_WORDS.get(word) or int(word)
        out.append(Found("time", f"{hour:02d}:00", m.start(), m.end()))
    return out


def _hour24(hour: int, half: str | None) -> int | None:
    if not half:
        return hour
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if half.lower() == "p" else 0)


def _overlaps(found: list[Found], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)
