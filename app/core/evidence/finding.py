"""One problem `verify` found: what it concerns, and what is wrong with it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    subject: str
    problem: str

    def line(self) -> str:
        return f"{self.subject}: {self.problem}"


def entry_number(subject: str) -> int:
    """The id in an audit subject such as `run/3` or `intake/12`."""
    return int(subject.split("/")[1])
