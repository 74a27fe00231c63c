"""`python -m app`. Ctrl-C, SIGTERM or SIGHUP while the program is still being imported (a second or so,
before anything is read or written) ends it with one line, never an import traceback; from
`main()` on, the commands handle them themselves; once the command has finished, one that arrives
while Python shuts down (a second or two: its libraries unloaded) ends the process at once with the
command's own status: the work is done, so it is not killed by the signal (exit -15, no word) nor
told it was interrupted."""

import os
import signal
import sys


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


# an inherited SIG_IGN (a background job of a script) is kept as it is
_EARLY = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
          if signal.getsignal(s) in (signal.default_int_handler, signal.SIG_DFL)}
for _signum in _EARLY:
    signal.signal(_signum, _stopped_while_starting)

from app.cli import main  # the slow imports, under the handlers above

for _signum, _handler in _EARLY.items():
    signal.signal(_signum, _handler)
_status = main()
_code = _status if isinstance(_status, int) else int(_status is not None)
for _signum in _EARLY:
    signal.signal(_signum, _finished_with(_code))
sys.exit(_code)
