"""Nothing is written inside the evidence: --out and --case must lie outside every input.

An input folder, and the folder of every input file, is evidence. A place to
write (an output folder, a case folder) is refused when it is one of those
folders or lies anywhere beneath one, compared both as given and with every
symbolic link resolved, so a link cannot smuggle the outputs in.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import EvidenceWriteError
from app.core.store.spelling import as_listed

if TYPE_CHECKING:
    from app.core.store import Case


def _forms(path: Path) -> set[Path]:
    """The path made absolute as given, with symbolic links resolved, and as the disk spells it (on an exFAT or FAT
    stick `USB/EVIDENCE/out` is inside `USB/evidence`: outputs were written there)."""
    path = path.expanduser()
    resolved = _resolved(path)
    # `..` taken out as written: `--case ../case` run inside the evidence folder was "inside" it (cwd/../case)
    return {Path(os.path.abspath(path)), resolved, as_listed(resolved)}


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:  # a path too long to follow: taken as written
        return Path(os.path.abspath(path))


def _looked_at(path: Path) -> tuple[bool, bool, bool]:
    """Whether the path is a folder, exists, is a link; one that cannot be looked at (behind a
    locked folder, too long to open) is taken as an existing file, so its folder is evidence."""
    try:
        return path.is_dir(), path.exists(), path.is_symlink()
    except OSError:
        return False, True, False


def evidence_folders(inputs: Iterable[str | Path]) -> set[Path]:
    """Each input folder, and the folder holding each input file (absolute and resolved forms)."""
    folders: set[Path] = set()
    formed: dict[Path, set[Path]] = {}  # a phone's thousands of files in a few folders: each folder formed once
    for raw in inputs:
        path = Path(raw).expanduser()
        is_dir, exists, linked = _looked_at(path)
        if is_dir:  # a link to a folder: the link's place and the folder it names
            folders |= _forms(path)
        elif not (exists or linked):
            continue  # a missing input (a typo) is no evidence: it fails alone, it makes no folder one
        else:
            if path.parent not in formed:
                formed[path.parent] = _forms(path.parent)
            folders |= formed[path.parent]
            if exists:  # a link's target lives in evidence too; a broken link's names nothing
                folders.add(_resolved(path).parent)
    return folders


def inside(target: Path, folder: Path) -> bool:
    return target == folder or folder in target.parents


def check_outside_evidence(option: str, target: Path | None, inputs: Iterable[str | Path]) -> None:
    """Raise EvidenceWriteError when `target` (given as `option`) lies inside any input's folder."""
    if target is None:
        return
    folders = evidence_folders(inputs)
    for form in sorted(_forms(Path(target))):
        hit = next((f for f in sorted(folders) if inside(form, f)), None)
        if hit is not None:
            raise EvidenceWriteError(
                f"{target}: refusing to write outputs beside the evidence ({option} lies inside {hit}); "
                f"choose a folder outside it"
            )


def evidence_paths(case: Case) -> list[str]:
    """Every path the case's exhibits were met at: no output goes in their folders (`export` of one
    exhibit, and the window's Export…, wrote beside the others)."""
    return [p for e in case.exhibits() for p in (e.source.path, *e.paths)]
