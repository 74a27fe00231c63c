"""`python -m app`. Ctrl-C, SIGTERM or SIGHUP while the program is still being imported (a second or so,
before anything is read or written) ends it with one line, never an import traceback; from
`main()` on, the commands handle them themselves; once the command has finished, one that arrives
while Python shuts down (a second or two on a loaded machine: threads joined, exit handlers run,
its libraries unloaded) no longer ends it: the work is done and said, so the process ends with the
command's own status, not killed by the signal (exit -15, no word) nor told it was interrupted.
While Python code still runs (a thread joined, an exit handler) the signal ends it at once with that
status; for the unloading that follows (the native libraries' own threads would take a signal blocked
in Python's), the signals are ignored: SIGKILL still ends it."""

import atexit
import os
import signal
import sys

STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stopped_while_starting(signum: int, frame: object) -> None:
    os.write(2, b"stopped while starting; nothing was done\n")
    os._exit(128 + signum)


def _finished_with(status: int):  # -> the signal handler
    def _stopped_while_ending(signum: int, frame: object) -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(status)

    return _stopped_while_ending


def _ignore_stops() -> None:
    for signum in STOPS:
        signal.signal(signum, signal.SIG_IGN)


atexit.register(_ignore_stops)  # before any other: the last exit handler run
# an inherited SIG_IGN (a background job of a script) is kept as it is
_EARLY = {s: signal.getsignal(s) for s in STOPS
          if signal.getsignal(s) in (signal.default_int_handler, signal.SIG_DFL)}
for _signum in _EARLY:
    signal.signal(_signum, _stopped_while_starting)

from app.cli import main, preload

preload(sys.argv[1:])  # the command's own modules (the slow imports), under the handlers above

for _signum, _handler in _EARLY.items():
    signal.signal(_signum, _handler)
_status = main()
_code = _status if isinstance(_status, int) else int(_status is not None)
for _signum in _EARLY:
    signal.signal(_signum, _finished_with(_code))
sys.exit(_code)
