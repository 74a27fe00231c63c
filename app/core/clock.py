"""Timestamps as stored and shown: ISO 8601 UTC with milliseconds."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_stamp(text: str | None) -> datetime | None:
    """An ISO 8601 stamp as an aware datetime ("Z" and a stamp with no offset read as UTC), or None
    when it is missing or does not parse. The offset it was written with is kept."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def span_text(seconds: int) -> str:
    """A length of time in whole seconds (not negative) as a clock shows it: "1:02:03", or "2:03"
    under an hour."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
