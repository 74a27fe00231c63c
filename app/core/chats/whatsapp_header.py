"""The header line of a WhatsApp text export: its date, time, 12-hour marker and the rest of the line.

`read_header` reads one line (any locale's layout, date first or time first: see `whatsapp`); the
file-level decisions (which layout the file is written in, whether a word after the time is a marker
or the start of a sender's name) are `whatsapp`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from app.core.chats import dates
from app.core.chats.placeholders import MARKS, strip_marks

_ARABIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"  # a phone in Persian: the year first, of the Solar Hijri calendar
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_LOCAL_MARKERS = sorted((m for m in dates.AM_MARKERS | dates.PM_MARKERS | set(dates.FLEXIBLE_PERIODS)
                         if not re.fullmatch(r"[ap]\.?\s?m\.?", m)),
                        key=len, reverse=True)
_AMPM = (r"(?:(?:[AaPp]\.?\s?[Mm]\.?|(?i:" + "|".join(re.escape(m) for m in _LOCAL_MARKERS) + r"))"
         r"(?![^\W\d_]))")


# A date of three numbers, the year's perhaps in a Japanese era ("3/18/R4": dates.JAPANESE_ERAS).
_DATE = r"[HR]?\d{1,4}\s?[./-]\s?\d{1,4}\s?[./-]\s?[HR]?\d{1,4}\.?"
# A clock "21:05" or "21.05", or Canadian French's "21 h 05" (Android) and "21 h 05 min 01 s" (iOS with seconds).
_CLOCK = (r"\d{1,2}(?:[:.]\d{2}(?:[:.]\d{2})?|[ \u00a0\u202f]?h[ \u00a0\u202f]?\d{2}"
          r"(?:[ \u00a0\u202f]?min[ \u00a0\u202f]?\d{2}[ \u00a0\u202f]?s)?)")


def _header_re(post: str) -> re.Pattern[str]:
    return re.compile(
        r"^(?P<open>\[)?\s*"
        r"(?P<date>" + _DATE + r")"
        r"(?:[,\u060c]?\s+(?:(?!" + _AMPM + r"\s?\d)(?P<word>[^\d\s\[\]:,.\u060c]{1,5}\.?)[,\u060c]?\s+)?|[,\u060c])"
        r"(?:(?P<pre>" + _AMPM + r")\s?)?"
        r"(?P<time>" + _CLOCK + r")"
        r"(?:[\s\u202f\u00a0]?(?P<post>" + post + r"))?"
        r"(?P<close>\])?"
        r"(?P<sep>\s*[-\u2013\u2014,]\s|:\s|\s)"
        r"(?P<rest>.*)$",
        re.DOTALL,
    )


_HEADER_RE = _header_re(_AMPM)
_NO_POST_RE = _header_re("(?!)")  # a marker-like word after the time that is the sender's whole name ("Em: hi")
# A 12-hour clock marked in a language not read here ("2:05 e pasdites - Anna:", "[2:05:00 ນ.] Anna:"): a word or
# three between the time and Android's dash or iOS's bracket, the line naming a sender after it.
_UNREAD_MARKER_RE = re.compile(
    r"^(?P<open>\[)?\s*"
    r"(?P<date>" + _DATE + r")"
    r"(?:[,\u060c]?\s+(?:[^\d\s\[\]:,.\u060c]{1,5}\.?,?\s+)?|[,\u060c])"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)[\s\u202f\u00a0]"
    r"(?P<mark>[^\W\d_][^\s\d:\[\]]{0,15}(?:[\s\u202f\u00a0][^\W\d_][^\s\d:\[\]]{0,15}){0,2}?)"
    r"(?:(?P<close>\])\s|\s(?P<sep>[-\u2013\u2014])\s)"
    r"(?P<rest>.*)$",
    re.DOTALL,
)
# WhatsApp Web's and Desktop's copied messages write the time first ("[21:05, 13/06/2024] Anna: hi",
# "[9:05 PM, 6/13/2024] Anna:"), as do phones in some languages ("21:05 13/06/2024 - Anna:"): bracketed, or
# unbracketed with a dash before the sender, or with neither ("21:05 13/06/2024 Anna: hi": a layout of its own).
_TIME_FIRST_RE = re.compile(
    r"^(?P<open>\[)?\s*"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)(?:[\s\u202f\u00a0]?(?P<post>" + _AMPM + r"))?"
    r"(?:,\s?|\s)(?P<date>" + _DATE + r")"
    r"(?:(?P<close>\])\s|\s(?P<sep>[-\u2013\u2014])\s|,?\s(?=\S))"
    r"(?P<rest>.*)$",
    re.DOTALL,
)
TIME_FIRST = "time first"  # in a header's shape: a layout of its own, never one of the phones' date-first ones
H_CLOCK = " h"  # in a header's shape: a clock written "21 h 05" (fr-CA), so a colon-clock chat's typed "9 h 30 -"
# line (an appointment list) is not one of its headers, nor a "21 h 05" chat's typed "9:30 -" line
_HEADERISH_RE = re.compile(r"^\[?\s*[HR]?\d{1,4}\s?[./-]\s?\d{1,4}\s?[./-]\s?[HR]?\d{1,4}(?!\d).{0,25}?\d{1,2}[:.h]\d{2}")
# A sender's name ends at the first colon a space (or the line's end) follows: one inside it ("12:30 Club") is its own.
_SENDER_RE = re.compile(r"^(?P<sender>(?:[^:\n]|:(?=[^\s\u200e\u200f:]))"
                        r"{1,80}?):(?P<text>(?:[\s\u200e\u200f].*)?|[.!?…]+)$", re.DOTALL)

# The era a phone set to an Islamic calendar writes after the date ("8/6/1443 AH", "٨/٦/١٤٤٣ هـ", "8/6/1443 H",
# "8/6/1443 ہجری"), as CLDR's Islamic eras are abbreviated.
HIJRI_ERAS = frozenset({"ah", "هـ", "h", "ہجری"})
_QUOTES = "\"“”«»„「」『』《》"  # a group's name quoted in the app's note (Japanese and Chinese: 「倉庫: 北」)


@dataclass(frozen=True)
class Header:
    written: str  # date and time exactly as written (direction marks removed)
    stamp: dates.Stamp | None
    rest: str  # the line after the header, direction marks kept
    shape: tuple[bool, str] = (False, "")  # (bracketed, separator after the time)
    word: str = ""  # a word between the date and the time: a connector (klo, um) or a clock's marker
    marked: bool = False  # a 12-hour clock's marker read (AM, nachm., 晚上 ...)



def _clean(line: str) -> str:
    return strip_marks(line).translate(_DIGITS)


def _rest_of(line: str, clean_offset: int) -> str:
    """The original line after its first `clean_offset` visible characters (marks kept)."""
    seen = 0
    for i, ch in enumerate(line):
        if seen == clean_offset:
            return line[i:]
        if ch not in MARKS:
            seen += 1
    return ""


def _script(line: str) -> str:
    return "arabic" if any(ch in _ARABIC_DIGITS for ch in line[:40]) else \
        dates.PERSIAN if any(ch in _PERSIAN_DIGITS for ch in line[:40]) else ""


def _unread_marker_header(line: str, clean: str, known: frozenset[str] = frozenset()) -> Header | None:
    """A header whose 12-hour clock is marked in a language not read here: its sender and date read, the hour
    kept as written and said (morning or afternoon unknown), never the marker taken for the sender's name.
    One naming no sender only with a marker of `known` (the app's note in a file of such lines)."""
    match = _UNREAD_MARKER_RE.match(clean)
    if match is None or bool(match["open"]) != bool(match["close"]):
        return None
    if _split_sender(match["rest"])[0] is None and " ".join(match["mark"].split()) not in known:
        return None
    stamp = dates.read_stamp(match["date"], match["time"], "", _script(line))
    if stamp is None or not 1 <= stamp.hour <= 12:  # a 12-hour clock writes 1 to 12
        return None
    shown = strip_marks(line)[match.start("date"): match.end("mark")]
    shape = (bool(match["open"]), match["sep"] or " ")
    stamp = replace(stamp, unread_marker=" ".join(match["mark"].split()))
    return Header(shown.strip(), stamp, _rest_of(line, match.start("rest")), shape)


def _time_first_header(line: str, clean: str) -> Header | None:
    match = _TIME_FIRST_RE.match(clean)
    if match is None or bool(match["open"]) != bool(match["close"]):
        return None
    stamp = dates.read_stamp(match["date"], match["time"], match["post"] or "", _script(line))
    if stamp is None:
        return None
    shown = strip_marks(line)[match.start("time"): match.end("date")]
    shape = (bool(match["open"]), f"{match['sep'] or ' '} {TIME_FIRST}")
    return Header(shown.strip(), stamp, _rest_of(line, match.start("rest")), shape, "", bool(match["post"]))


def _hour_as_written(match: re.Match[str]) -> int:
    return int(re.split(r"[:.]", match["time"], maxsplit=1)[0])


def _post_is_a_name(match: re.Match[str]) -> bool:
    """A marker-like word after the time, no dash or bracket after it, that a 12-hour clock cannot have
    written: after 21:07 ("21:07:00 PM Smith: yo") or before a colon ("09:05:30 Em: hi")."""
    if not match["post"] or match["open"]:
        return False
    return match["sep"].strip() == ":" or (not match["sep"].strip() and not 1 <= _hour_as_written(match) <= 12)


def read_header(line: str, unread_markers: frozenset[str] = frozenset(), marked: bool = True,
                post: bool = True) -> Header | None:
    """`unread_markers`: 12-hour markers of no language read here that the file's lines naming a sender
    carry; a line with one and no sender is the app's note. `marked=False`: the words after the time are
    never such a marker (the file writes a plain clock there). `post=False`: nor is a marker read there
    ("PM Smith" in a file of 24-hour clocks)."""
    clean = _clean(line)
    match = (_HEADER_RE if post else _NO_POST_RE).match(clean)
    if match is None:
        first = _time_first_header(line, clean)
        if first is not None:
            return first
    if marked and (match is None or (not (match["pre"] or match["post"]) and (
            not match["close"] if match["open"] else not match["sep"].strip()))):
        unread = _unread_marker_header(line, clean, unread_markers)
        if unread is not None or match is None:
            return unread
    if bool(match["open"]) != bool(match["close"]):
        return None
    if _post_is_a_name(match):  # "09:05:30 Em: hi", "21:07:00 PM Smith: yo"
        named = _NO_POST_RE.match(clean)
        match = named if named is not None and _split_sender(named["rest"])[0] is not None else match
    marker = match["pre"] or match["post"] or ""
    word = (match["word"] or "").lower().rstrip(".")
    stamp = dates.read_stamp(match["date"], match["time"], marker, _script(line), word in HIJRI_ERAS)
    if stamp is None:
        return None
    shown = strip_marks(line)[match.start("date"): match.start("close") if match["close"] else match.end(
        "post" if match["post"] else "time")]
    shape = (bool(match["open"]), (match["sep"].strip() or " ") + (H_CLOCK if "h" in match["time"] else ""))
    return Header(shown.strip(), stamp, _rest_of(line, match.start("rest")), shape, word, bool(marker))


def looks_like_header(line: str) -> bool:
    return bool(_HEADERISH_RE.match(_clean(line)))


_ERA_DATED_RE = re.compile(r"^\[?\s*(?:[HR]\d|\d{1,4}\s?[./-]\s?\d{1,4}\s?[./-]\s?[HR]\d)")


def era_dated(line: str) -> bool:
    """A line whose date writes its year in a Japanese era ("3/18/R4", "H12/3/22"): a layout of its own."""
    return bool(_ERA_DATED_RE.match(_clean(line)))


_FOUR_DIGIT_YEAR_RE = re.compile(r"^\[?\s*(?:\d{1,4}\s?[./-]\s?){0,2}\d{4}(?!\d)")


def four_digit_year_dated(line: str) -> bool:
    """A line whose date writes a year in four digits ("2024/01/14", "14.1.2024"), as no Japanese era does."""
    return bool(_FOUR_DIGIT_YEAR_RE.match(_clean(line)))



def _split_sender(rest: str) -> tuple[str | None, str]:
    match = _SENDER_RE.match(rest)
    if match is None:
        return None, rest
    sender = " ".join(strip_marks(match["sender"]).split())  # "~\u202fAnna" (not in contacts): "~ Anna"
    if not sender or any(q in sender for q in _QUOTES):
        return None, rest
    return sender, match["text"]
