"""A case folder named as its disk spells it.

On a case-insensitive disk (exFAT, FAT, NTFS: the USB sticks cases are carried on) `--case /media/usb/CASE` and
`/media/usb/case` name one folder. Through exfat-fuse each spelling is a file of its own to the kernel (its own inode
number and page cache), so SQLite's locks and shared memory were not shared between them: a command run with one
spelling read the store as it was before the last command run with the other had written it, and wrote its entries
over that stale view (the log forked: `verify` under one spelling said "the head file ... names entry 14, which this
log holds at no entry", under the other "entry 14 differs from the head file"). Each case folder is now opened as its
disk lists it, whatever the spelling it was given in; the heads this account keeps are under that one path too.
Evidence is met the same way (`where_met`): a folder reached through a symlink, `..`, a trailing slash or other
letters was two paths of one exhibit (the same file met twice in one command, or a path "missing" later).
"""

from __future__ import annotations

import os
from pathlib import Path

from app.core.names import folded


def where_met(path: str) -> str:
    """The one spelling of an input named as `path`: absolute, with `..`, `.`, doubled or trailing slashes
    gone, and each part as its folder lists it (`USB/Evidence` for `usb/evidence` on a case-insensitive disk; a
    name typed with its accent composed otherwise on a disk that normalises names). Links on the way are kept
    as named, so every line said of a file names it as the user reached it; one file reached through a link
    or a bind mount as well is told by its inode (`intake.same_file_key`) and recorded at the path the case
    first met it under."""
    return str(as_listed(Path(os.path.abspath(path))))


def as_listed(path: Path) -> Path:
    """`path` (absolute) with each part that its folder does not list as given, but lists once in other letters
    (and that is the same entry: a case-insensitive disk), spelled as listed; the rest as given."""
    parts = path.parts
    spelled = Path(parts[0])
    for name in parts[1:]:
        spelled = spelled / _listed_name(spelled, name)
    return spelled


def _listed_name(folder: Path, name: str) -> str:
    if name in (".", ".."):
        return name
    try:
        listed = os.listdir(folder)
    except OSError:
        return name
    if name in listed:
        return name
    alike = [entry for entry in listed if folded(entry) == folded(name)]  # other letters, or an accent composed otherwise
    if len(alike) != 1:
        return name
    try:
        os.lstat(folder / name)  # found though not listed: a disk that finds names in other letters
    except OSError:
        return name  # not there under the name given: a case-sensitive disk (a new folder is made as given)
    return alike[0]
