"""An XML backup's emoji written as two character references, one per UTF-16 half ("&#55357;&#56832;" for 😀).

Signal Android's plaintext backup and SMS Backup & Restore write them so (Android's XML serialiser escapes each
half of a surrogate pair; signalapp/Signal-Android#1546, #7155). XML allows no such reference: expat stops at
the first ("reference to invalid character number"), so a backup holding one emoji was refused whole. The stream
is read with each pair joined into the one reference it stands for ("&#128512;"); a half with no partner, and a
reference to a character XML forbids (a control character such as "&#1;", sent in an SMS's body), becomes U+FFFD,
the mark every reader here shows a damaged character with. Nothing else in the stream is changed.
"""

from __future__ import annotations

import re
from typing import IO

_REF = rb"&#(?:[xX][0-9a-fA-F]{1,8}|[0-9]{1,8});"  # expat takes zero-padded ones ("&#x0D83D;", "&#055357;")
_RUN_RE = re.compile(rb"(?:" + _REF + rb")+")  # consecutive references: a pair is always inside one run
_ONE_RE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_LAST_RE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,8}));\Z")  # the reference a read ends with
_REF_LONGEST = 12  # "&#x0010FFFF;", "&#00055357;"
REPLACEMENT = 0xFFFD


def _code(match: re.Match[bytes]) -> int:
    return int(match[1], 16) if match[1] is not None else int(match[2])


def _allowed(code: int) -> bool:
    """A character XML 1.0 lets a reference name (not a control character but tab and line ends, no half)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _joined(run: re.Match[bytes]) -> bytes:
    codes = [_code(one) for one in _ONE_RE.finditer(run[0])]
    if all(_allowed(c) for c in codes):
        return run[0]
    out, i = [], 0
    while i < len(codes):
        code = codes[i]
        if 0xD800 <= code <= 0xDBFF and i + 1 < len(codes) and 0xDC00 <= codes[i + 1] <= 0xDFFF:
            code, i = 0x10000 + ((code - 0xD800) << 10) + (codes[i + 1] - 0xDC00), i + 1
        elif not _allowed(code):
            code = REPLACEMENT
        out.append(b"&#%d;" % code)
        i += 1
    return b"".join(out)


class JoinedRefs:
    """A binary stream read as `read(size)`, each surrogate pair's two references joined (for `ET.iterparse`)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._carry = b""

    def read(self, size: int = -1) -> bytes:
        while True:  # a read that leaves nothing to return reads on (no recursion: a long run of halves is read)
            data = self._carry + self._stream.read(size)
            if size < 0 or len(data) <= len(self._carry):  # the end: nothing is held back
                self._carry = b""
                return _RUN_RE.sub(_joined, data)
            head, self._carry = _held_back(data)
            if head:
                return _RUN_RE.sub(_joined, head)


def _held_back(data: bytes) -> tuple[bytes, bytes]:
    """(what can be read now, what waits for the next read): a reference the read may have cut, and a high half
    whose partner may come next: at most the two, so a run of lone high halves is not held back whole."""
    cut = data.rfind(b"&", max(0, len(data) - _REF_LONGEST))
    cut = len(data) if cut < 0 else cut
    high = _LAST_RE.search(data, max(0, cut - _REF_LONGEST), cut)
    if high is not None and 0xD800 <= _code(high) <= 0xDBFF:  # a high half by its value, zero-padded or not
        cut = high.start()
    return data[:cut], data[cut:]
