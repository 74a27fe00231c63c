"""`python -m app`. Ctrl-C, SIGTERM or SIGHUP while the program is still being imported (a second or so,
before anything is read or written) ends it with one line, never an import traceback; from
`main()` on, the commands handle them themselves."""

import os
import signal
import sys


def _stopped_while_starting(signum: int, frame: object) -> None:
    os.write(2, b"stopped while starting; nothing was done\n")
    os._exit(128 + signum)


# an inherited SIG_IGN (a background job of a script) is kept as it is
_EARLY = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
          if signal.getsignal(s) in (signal.default_int_handler, signal.SIG_DFL)}
for _signum in _EARLY:
    signal.signal(_signum, _stopped_while_starting)

from app.cli import main  # the slow imports, under the handlers above

for _signum, _handler in _EARLY.items():
    signal.signal(_signum, _handler)
sys.exit(main())
