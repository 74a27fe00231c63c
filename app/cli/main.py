"""`python -m app`: every capability without a window.

Exit status: 0 when every input succeeded, 1 when any failed (each failure is
one line on stderr: `<input>: <reason>`), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from app import __version__
from app.cli import (
    case,
    interview,
    models,
    queue,
    search,
    speakers,
    timeline,
    transcribe,
    translate,
)
from app.cli.common import FAILED, USAGE, fail
from app.core.errors import ParleyError

COMMAND_GROUPS = (transcribe, case, queue, translate, timeline, interview, search, speakers, models)


def build_parser() -> argparse.ArgumentParser:
    """Each command group adds its sub-commands with set_defaults(handler=...)."""
    parser = argparse.ArgumentParser(prog="python -m app", description="Parley: offline transcription "
                                     "and translation for investigators.")
    parser.add_argument("--version", action="version", version=f"Parley {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill PID`, a shutdown): the command stops as Ctrl-C stops it, its clean-up run."""

    signum = signal.SIGTERM
    said = "terminated"


class HungUp(Terminated):
    """SIGHUP (the terminal closed, an ssh session dropped): stopped as SIGTERM stops it."""

    signum = signal.SIGHUP
    said = "hung up"


STOPS: dict[int, type[Terminated]] = {signal.SIGTERM: Terminated, signal.SIGHUP: HungUp}


def _terminated(signum: int, frame: object) -> None:
    for each in STOPS:  # once: a second one (or the other) must not cut the clean-up short
        signal.signal(each, signal.SIG_IGN)
    raise STOPS[signum]


@contextmanager
def _stop_on_sigterm(command: str) -> Iterator[None]:
    """Without this a SIGTERM or SIGHUP ends the process at once: no message, the worker left behind.
    (Not for the window, whose event loop ends it; the handlers are restored after: tests call main().
    A signal ignored by whoever started the command, `nohup` for SIGHUP, stays ignored.)"""
    if command == "gui" or threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = [s for s in STOPS if signal.getsignal(s) is signal.SIG_DFL]
    for signum in caught:
        signal.signal(signum, _terminated)
    try:
        yield
    finally:
        for signum in caught:
            signal.signal(signum, signal.SIG_DFL)


def _say(text: str) -> None:
    """The last line; the terminal may be gone (closed: SIGHUP), which must not become a traceback."""
    try:
        print(text, file=sys.stderr, flush=True)
    except OSError:
        pass


def _dash_named(argv: Sequence[str]) -> str | None:
    """The first argument that starts with '-' and names an existing file ('-x.wav'): argparse
    reads it as an unknown option and says only that an input is missing."""
    for arg in argv:
        if arg == "--":
            return None
        if arg.startswith("-") and len(arg) > 1 and os.path.lexists(arg):
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        named = _dash_named(sys.argv[1:] if argv is None else argv) if exc.code == USAGE else None
        if named is not None:
            print(f"{named}: a file name starting with '-' reads as an option: write ./{named}, "
                  "or put -- before the file names", file=sys.stderr)
        raise
    try:
        with _stop_on_sigterm(args.command):
            return args.handler(args)
    except Terminated as stop:
        _say(f"{stop.said}; stored work is kept and resumes on the next run")
        return 128 + stop.signum
    except KeyboardInterrupt:
        print("interrupted; stored work is kept and resumes on the next run", file=sys.stderr)
        return 130
    except ParleyError as exc:
        fail(args.command, str(exc))
        return FAILED
    except ValueError as exc:  # options that do not validate
        fail(args.command, str(exc))
        return USAGE
    except (OSError, sqlite3.Error) as exc:  # a full disk, a folder that went away: one line, never a traceback
        fail(args.command, getattr(exc, "strerror", None) or str(exc))
        return FAILED
