"""`python -m app`: every capability without a window.

Exit status: 0 when every input succeeded, 1 when any failed (each failure is
one line on stderr: `<input>: <reason>`), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence

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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
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
