"""Keep None, True and False alive under PySide6 6.12 on Python 3.11.

PySide6 6.12.0 drops a reference to None on Qt calls that return nothing (and to True/False
on some that return a bool). On Python 3.11 these objects are counted like any other, so
their counts fall with every repaint and position update (about 350 a second in playback)
until the interpreter aborts ("none_dealloc", "bool_dealloc"): the window died after about
25 s of playback. The project pins PySide6 below 6.12; where 6.12 or later is installed
anyway, each of the three is given 2**40 extra references at start, which the leak would
take some 90 years of playback to spend. Python 3.12 makes them immortal the same way
(PEP 683), so nothing is done there. `packaging/soak_gui.py` shows the fall either way.
"""

from __future__ import annotations

import ctypes
import sys

EXTRA_REFERENCES = 1 << 40
FIRST_AFFECTED = (6, 12)


def leaks_singletons(pyside_version: str, python: tuple[int, int] = sys.version_info[:2]) -> bool:
    """Whether this PySide6 on this Python can count None, True or False down to nothing."""
    if python >= (3, 12):
        return False
    parts = pyside_version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return True  # an unreadable version: guard, it costs nothing
    return (major, minor) >= FIRST_AFFECTED


def keep_singletons_alive(pyside_version: str) -> bool:
    """Add the extra references where needed (once, before any thread is started); True if added."""
    if not leaks_singletons(pyside_version) or getattr(keep_singletons_alive, "done", False):
        return False
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, the object's first field
        count.value += EXTRA_REFERENCES
    keep_singletons_alive.done = True  # type: ignore[attr-defined]
    return True
