"""A recording's speech in several languages: its parts, each language's share, and what to say of it.

A part is [start ms, end ms, language, lowest confidence, speech ms]: a run of a file's worded
speech decoded in one language (asr.language_check.language_parts makes them from decoded
pieces). A run's state keeps them; the exports say each segment's language from them, and the
run's warnings say the shares. A 7-minute recording of English, German, then English speech
reported "en 0.99" alone: its German part was decoded in German, but nothing said so.

    mixed_note([[0, 177000, "en", 0.99, 150000], [178000, 345000, "de", 0.97, 140000]])
    # "mixed languages: en 52% (00:00:00-00:02:57), de 48% (00:02:58-00:05:45); ..."
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.core.errors import ParleyError
from app.core.translation.langcodes import language_name

LANGUAGE_WARNINGS = ("language uncertain: ", "mixed languages: ")  # runs' warnings naming languages by code
_READING = re.compile(r"\b([a-z]{2,3}) (\d{1,3}%)")


def merge_parts(earlier: list[list], later: list[list]) -> list[list]:
    """`earlier` followed by `later`, a part continuing the last one's language joined to it."""
    merged = [list(part) for part in earlier]
    for part in later:
        if merged and merged[-1][2] == part[2]:
            last = merged[-1]
            merged[-1] = [last[0], max(last[1], part[1]), last[2], min(last[3], part[3]), last[4] + part[4]]
        else:
            merged.append(list(part))
    return merged


def shares(parts: list[list]) -> dict[str, float]:
    """Each language's share of the worded speech, largest first."""
    spoken: dict[str, int] = {}
    for part in parts:
        spoken[part[2]] = spoken.get(part[2], 0) + int(part[4])
    total = sum(spoken.values()) or 1
    return {code: spoken[code] / total for code in sorted(spoken, key=lambda c: -spoken[c])}


def main_language(parts: list[list], detected: tuple[str, float]) -> tuple[str, float]:
    """The language most of the worded speech was decoded in, with the lowest confidence of its parts;
    `detected` where no part says."""
    if not parts:
        return detected
    code = next(iter(shares(parts)))
    return code, min(float(p[3]) for p in parts if p[2] == code)


def mixed_note(parts: list[list]) -> str | None:
    """What the reader must know of a recording whose speech was decoded in several languages:
    "mixed languages: en 62% (00:00:00-00:02:57, 00:05:45-00:07:41), de 38% (...); each part
    transcribed in its own language". None for one language."""
    share = shares(parts)
    if len(share) < 2:
        return None
    said = []
    for code, fraction in share.items():
        spans = ", ".join(f"{_clock(p[0])}-{_clock(p[1])}" for p in parts if p[2] == code)
        said.append(f"{code} {fraction:.0%} ({spans})")
    return f"mixed languages: {', '.join(said)}; each part transcribed in its own language"


def language_at(parts: list[list], start_ms: int, end_ms: int) -> str | None:
    """The language of the part holding most of [start_ms, end_ms] (a segment's), None outside them all."""
    best, overlap = None, 0
    for part in parts:
        shared = min(end_ms, part[1]) - max(start_ms, part[0])
        if shared > overlap or (shared == overlap == 0 and part[0] <= start_ms <= part[1]):
            best, overlap = part[2], shared
    return best


def _clock(ms: int) -> str:
    seconds = int(ms) // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def mixed_words(parts: list[list], name: Callable[[str], str] = str) -> str:
    """"mixed: English 64% (p=0.99), German 36% (p=0.97)" (each language by `name`, its share of the
    worded speech, the lowest confidence of its parts); "" for one language."""
    share = shares(parts)
    if len(share) < 2:
        return ""
    return "mixed: " + ", ".join(
        f"{name(code)} {fraction:.0%} (p={min(float(p[3]) for p in parts if p[2] == code):.2f})"
        for code, fraction in share.items())


def spoken_name(code: str) -> str:
    """A language's English name ("la" -> "Latin"); a code no table knows as it is."""
    try:
        return language_name(code)
    except ParleyError:
        return code


def named_readings(warning: str) -> str:
    """A run's language warning with each language by name: a run stores "it was read as la 93% own
    frames" and "mixed languages: en 52% (...)", which reached the reader as codes ("Latin 93% own
    frames", "English 52% (...)" now); any other warning as it is."""
    if not warning.startswith(LANGUAGE_WARNINGS):
        return warning
    return _READING.sub(lambda m: f"{spoken_name(m[1])} {m[2]}", warning)
