"""`python -m app`: every capability without a window.

Exit status: 0 when every input succeeded, 1 when any failed (each failure is
one line on stderr: `<input>: <reason>`), 2 for a usage error.
"""

from __future__ import annotations

import codecs
import logging
import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from app.cli.commands import build_parser
from app.cli.common import FAILED, USAGE, fail
from app.core.errors import IntakeCut, ParleyError, StoreError
from app.core.evidence.export_set import ExportWriteError
from app.core.evidence.provenance import software_info
from app.core.names import shortened


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


def _closed_stdout() -> bool:
    """True when standard output was closed (`>&-`): every result would be lost unseen. Each closed
    standard descriptor is opened on /dev/null first, so that no file the command opens (the case's
    store) takes its number and receives what a library prints."""
    closed = False
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            closed = closed or fd == 1
    return closed or sys.stdout is None


def _quiet_stdout() -> None:
    """After a broken pipe: /dev/null under stdout, so the flush at exit does not fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


SEARCH_OPTIONS = ("-h", "--help", "--case", "--json", "--limit")


def _dash_query(argv: Sequence[str]) -> bool:
    """`search -foo`: a query word that argparse took for an unknown option."""
    if not argv or argv[0] != "search":
        return False
    words = list(argv[1:])
    words = words[:words.index("--")] if "--" in words else words
    return any(w.startswith("-") and w.split("=", 1)[0] not in SEARCH_OPTIONS and not _number(w) for w in words)


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _os_reason(exc: Exception) -> str:
    """The reason, and the file it concerns when the error names one (a name 5000 long cut short)."""
    reason = getattr(exc, "strerror", None) or str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in reason or "busy" in reason):
        return _busy_reason(reason)
    if isinstance(exc, sqlite3.OperationalError) and "readonly" in reason:
        return ("the case is read-only (on read-only media, or not writable by this user): it can be listed, "
                "searched and verified; copy the case folder somewhere writable to change it")
    name = getattr(exc, "filename", None)
    if not name:
        return reason
    name = os.fsdecode(name)
    return f"{shortened(name)}: {reason}"


def _terminal_safe(error: UnicodeError) -> tuple[bytes, int]:
    """Writing to a terminal that is not UTF-8 (LANG=pl_PL.ISO-8859-2): a file name's undecodable
    bytes go out as they were, any other character it cannot show as an escape (\u6771), never an error."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = bytearray()
    for ch in error.object[error.start:error.end]:
        code = ord(ch)
        out += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else ch.encode("ascii", "backslashreplace")
    return bytes(out), error.end


codecs.register_error("parley-terminal", _terminal_safe)


def _forgiving_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="parley-terminal")


QUEUEING = ("transcribe", "queue", "translate", "timeline")  # commands whose work is stored as it is done


def _after_stop(command: str, stop: BaseException | None = None) -> str:
    """What to do after a stop: a queue's work resumes; a model import or an export resumes nothing (it is
    whole or absent, as the window's export and timeline's files are); an intake stopped part-way says how
    many of its files were queued (its note: `store.chunked`), not that work resumes where none may be stored."""
    notes = getattr(stop, "__notes__", None)
    if notes:
        return notes[-1]
    if command in QUEUEING:
        return "stored work is kept and resumes on the next run"
    return "run the command again to finish it"


def _with_what_is_kept(command: str, exc: ParleyError) -> str:
    """A queue's command stopped by a store it can no longer write (made read-only, the disk full): what
    it stored before is kept and its jobs resume, which "nothing of this change was kept" left unsaid."""
    said = str(exc)
    if isinstance(exc, IntakeCut):  # says itself what was kept
        return said
    if isinstance(exc, StoreError) and command in QUEUEING and "could not be written" in said:
        return f"{said}; what was stored before is kept and resumes on the next run, once the case can be written"
    if isinstance(exc, ExportWriteError) and command in QUEUEING:
        return f"{said}; what was transcribed is kept in the case: run the command again once the folder can be written"
    return said


def _busy_reason(reason: str) -> str:
    from app.core.store.holder import stopped_holder_seen

    stopped = stopped_holder_seen()
    if stopped is not None:  # found stopped when the case was opened: not waited for
        return (f"the case is held by {stopped.named()}, which is stopped part-way through writing to it; "
                f"what was stored is kept; resume it (`fg` in its terminal, or `kill -CONT {stopped.pid}`) or "
                "end it, then try again")
    return (f"the case is busy ({reason}): another program has held it for writing longer than Parley "
            "waits (30 s); what was stored is kept; try again when it has finished")


class _NoticeOnStderr(logging.Handler):
    """The core's notices (a `parley.*` logger's warnings: a case another program is writing to) as
    plain lines on whatever stderr is now (a test's capture, a redirected stream)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(self.format(record), file=sys.stderr)


def _notices_on_stderr() -> None:
    notices = logging.getLogger("parley")
    if not any(isinstance(each, _NoticeOnStderr) for each in notices.handlers):
        notices.addHandler(_NoticeOnStderr(logging.WARNING))
        notices.propagate = False


def _case_after_command(parser, words: list[str]) -> list[str]:  # parser: argparse.ArgumentParser
    """`--case DIR` written before the command (`python -m app --case DIR exhibits`) moved after it, where
    each command takes it: argparse read DIR as the command ("invalid choice: 'DIR'"). A word no command is
    named so is put first too, so that argparse names it, not DIR, as the unknown command."""
    from app.cli.unknown_args import innermost

    taken = 2 if words[:1] == ["--case"] and len(words) > 1 else 1 if words[:1] and words[0].startswith("--case=") else 0
    if not taken:
        return words
    rest = words[taken:]
    if not rest:  # `--case DIR` and no command: argparse says a command is needed (it took DIR for one)
        return rest
    _, names = innermost(parser, rest)
    first = len(names) or (1 if not rest[0].startswith("-") else len(rest))  # `--case D --help`: the help
    return [*rest[:first], *words[:taken], *rest[first:]]


def _parsed(argv: Sequence[str] | None):  # -> argparse.Namespace
    """The options, read with a stop signal a one-line stop: `python -m app` hands its start-up
    handlers back before `main()`, and a Ctrl-C while the parser is built was a traceback."""
    words = sys.argv[1:] if argv is None else list(argv)
    with _stop_on_sigterm(""):
        parser = build_parser()
        words = _case_after_command(parser, words)
        args, extra = parser.parse_known_args(words)
    if extra and _dash_named(words) is None and not _dash_query(words):  # those two are said as they are
        from app.cli.unknown_args import said

        print(said(parser, words, extra), file=sys.stderr)
        raise SystemExit(USAGE)
    if extra:
        parser.parse_args(words)  # argparse's own words, then the hint below
    return args


def main(argv: Sequence[str] | None = None) -> int:
    closed = _closed_stdout()
    _forgiving_output()
    _notices_on_stderr()
    try:
        args = _parsed(argv)
    except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM while the options are read: nothing begun
        _say("stopped while starting; nothing was done")
        return 128 + getattr(stop, "signum", signal.SIGINT)
    except SystemExit as exc:
        named = _dash_named(sys.argv[1:] if argv is None else argv) if exc.code == USAGE else None
        if named is not None:
            print(f"{named}: a file name starting with '-' reads as an option: write ./{named}, "
                  "or put -- before the file names", file=sys.stderr)
        elif exc.code == USAGE and _dash_query(sys.argv[1:] if argv is None else argv):
            print("search: a query word starting with '-' reads as an option: put the options first, "
                  "then -- and the query (search --case DIR -- -word)", file=sys.stderr)
        raise
    if closed and args.command != "gui":
        fail(args.command, "standard output is closed: the results would be lost; send it to a file or "
                           "/dev/null instead")
        return USAGE
    try:
        software_info()  # the code's digest taken as the command begins, not at its first output an hour later
        with _stop_on_sigterm(args.command):
            return args.handler(args)
    except Terminated as stop:
        _say(f"{stop.said}; {_after_stop(args.command, stop)}")
        return 128 + stop.signum
    except KeyboardInterrupt as stop:
        print(f"interrupted; {_after_stop(args.command, stop)}", file=sys.stderr)
        return 130
    except ParleyError as exc:
        fail(args.command, _with_what_is_kept(args.command, exc))
        return FAILED
    except BrokenPipeError:  # `... | head -1`: the reader has gone; what is stored is kept
        _quiet_stdout()
        fail(args.command, "output closed early (broken pipe): the rest was not printed")
        return FAILED
    except UnicodeEncodeError:  # text that reached Parley as undecodable bytes (a terminal's locale)
        fail(args.command, "an argument is not UTF-8 text; "
                           "check the terminal's encoding (LANG=...UTF-8)")
        return USAGE
    except ValueError as exc:  # options that do not validate
        fail(args.command, str(exc))
        return USAGE
    except (OSError, sqlite3.Error) as exc:  # a full disk, a folder that went away: one line, never a traceback
        fail(args.command, _os_reason(exc))
        return FAILED
    except Exception as exc:  # the last resort: one line, never a traceback
        if os.environ.get("PARLEY_DEBUG"):
            raise
        fail(args.command, f"unexpected error ({type(exc).__name__}: {exc}); stored work is kept; "
                           "PARLEY_DEBUG=1 shows where, for a bug report")
        return FAILED
