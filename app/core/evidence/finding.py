"""One problem `verify` found: what it concerns, and what is wrong with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.core.store.db import DatabaseError


@dataclass(frozen=True)
class Finding:
    subject: str
    problem: str

    def line(self) -> str:
        return f"{self.subject}: {self.problem}"


def entry_number(subject: str) -> int:
    """The id in an audit subject such as `run/3` or `intake/12`; -1 for a subject Parley never writes
    (an entry edited: the chain, or the head file, shows it)."""
    try:
        return int(subject.split("/")[1])
    except (IndexError, ValueError):
        return -1


# What reading a record Parley never wrote can raise: JSON that is not JSON, or not the shape written
# (a list for an object, a number for a list), a value of another type than its column's; JSON nested past
# what can be read (RecursionError), a number too large for SQLite to look up (OverflowError).
UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, OverflowError)


def guarded(subject: str, check: Callable[[], Iterable[Finding]]) -> list[Finding]:
    """The check's findings; one finding instead when a record it reads is not one Parley writes."""
    try:
        return list(check())
    except UNREADABLE as exc:
        return [Finding(subject, f"a record in the store is not as Parley writes it ({type(exc).__name__}: {exc}): "
                                 "edited outside Parley")]
    except DatabaseError as exc:  # a damaged page, an index that lost rows: the other checks still run
        return [Finding(subject, f"could not be read from the store ({type(exc).__name__}: {exc}): the store is "
                                 "damaged or was edited outside Parley")]
