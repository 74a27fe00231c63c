"""Dates of calendars other than the Gregorian as phones write them, given their Gregorian date-time.

Solar Hijri (a phone in Persian): the 33-year rule. Islamic (lunar Hijri, "8/6/1443 AH"): the arithmetical
(civil) Islamic calendar, ICU's `islamic-civil`. A phone may be set to another Islamic calendar (Umm al-Qura,
ICU's tabular or astronomical one) and its export does not say which: over 1389-1523 AH (1970-2100), against ICU's
four Islamic calendars, a date's civil reading is the same day as Umm al-Qura's for 58% of dates, and every
calendar's day lies from 2 days before the civil reading to 1 day after it (`HIJRI_SPREAD_NOTE`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

_SOLAR_ANCHOR = (1349, datetime(1970, 3, 21))  # 1 Farvardin 1349 (Nowruz 1970)
SOLAR_HIJRI_YEARS = range(1349, 1474)  # 1970 to 2095: where the 33-year rule holds
HIJRI_YEARS = range(1389, 1524)  # 1970 to 2100
_HIJRI_EPOCH = datetime(622, 7, 19)  # 1 Muharram 1 AH of the civil calendar (16 July 622, Julian)
HIJRI_SPREAD_NOTE = ("the export does not say which Islamic calendar the phone used: by Umm al-Qura or an "
                     "astronomical or tabular one, the day may be up to 2 days earlier or 1 day later")


def _solar_leap(year: int) -> bool:
    """The 33-year rule (it matches the astronomical calendar from 1343 to 1473, and so every date a phone
    has written)."""
    return (25 * year + 11) % 33 < 8


def from_solar_hijri(year: int, month: int, day: int, clock: tuple[int, int, int]) -> datetime | None:
    """The Gregorian date-time of a Solar Hijri date; None when no such date exists."""
    if not 1 <= month <= 12 or not 1 <= day <= (31 if month <= 6 else 30 if month <= 11 else
                                               30 if _solar_leap(year) else 29):
        return None
    first_year, nowruz = _SOLAR_ANCHOR
    days = sum(366 if _solar_leap(y) else 365 for y in range(first_year, year))
    days += (month - 1) * 31 if month <= 7 else 186 + (month - 7) * 30
    return nowruz + timedelta(days=days + day - 1, hours=clock[0], minutes=clock[1], seconds=clock[2])


def from_hijri(year: int, month: int, day: int, clock: tuple[int, int, int]) -> datetime | None:
    """The Gregorian date-time of an Islamic (lunar Hijri) date by the civil calendar; None when no such date
    exists. A 30th day is read in every month (the phone's calendar may give the month 30 days where the civil
    one gives it 29): the day after the 29th."""
    if year not in HIJRI_YEARS or not 1 <= month <= 12 or not 1 <= day <= 30:
        return None
    days = (year - 1) * 354 + (3 + 11 * year) // 30 + (59 * (month - 1) + 1) // 2 + day - 1
    return _HIJRI_EPOCH + timedelta(days=days, hours=clock[0], minutes=clock[1], seconds=clock[2])
