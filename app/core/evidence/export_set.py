"""An export set written all or nothing, with its manifest.

The files are written into a staging folder inside the output folder, flushed,
then renamed into place; the manifest `<name>.manifest.json` is written last. A
set without its manifest is incomplete (a kill while renaming), and the
manifest says which file bytes belong to the set. The caller may log the set
before it is put in place (`before_rename`), so `verify` can tell a set a kill
left half-done from files changed by someone else. A staging folder left by a
killed run is removed by the next export into that folder; its name carries its
writer's process id, so an export another process is writing there is left alone.
Two exports into one folder at once (two commands, the window and a command) take turns
(`folder_held`): one's removal of the old manifest no longer falls between the other's
renames, which failed it ("No such file or directory") and could pair a manifest with the
other's files.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import ParleyError
from app.core.files import sync_folder
from app.core.names import path_inside
from app.core.processes import last_written, left_by_gone_process

try:
    import fcntl
except ImportError:  # not on Windows: exports into one folder there are not put in turn
    fcntl = None  # type: ignore[assignment]

STAGING_PREFIX = ".parley-export-"
MANIFEST_SUFFIX = ".manifest.json"
TIMELINE_INFIX = ".timeline."  # a chat's timeline, `<chat>.timeline.<format>`: written without a manifest


class ExportWriteError(ParleyError):
    """The output folder cannot take the set (full disk, no permission...); `kept` the paths of the
    sets put in place before it (printed: they are there), `kept_runs` the runs they are of, where known."""

    def __init__(self, message: str, kept: list[Path] | None = None) -> None:
        super().__init__(message)
        self.kept = kept or []
        self.kept_runs: list[int] = []


def manifest_name(basename: str) -> str:
    return f"{basename}{MANIFEST_SUFFIX}"


def remove_stale_staging(folder: Path) -> None:
    """What killed exports left (`.parley-export-PID-...`, a safe_write's `.NAME.PID.XXXX.tmp`);
    never the staging of an export another process is writing into this folder right now."""
    for stale in folder.glob(f"{STAGING_PREFIX}*"):
        if left_by_gone_process(stale.name[len(STAGING_PREFIX):].split("-", 1)[0], last_written(stale)):
            shutil.rmtree(stale, ignore_errors=True)
    for stale in folder.glob(".*.tmp"):
        parts = stale.name[:-len(".tmp")].rsplit(".", 2)
        if left_by_gone_process(parts[1] if len(parts) == 3 else "", last_written(stale)):
            stale.unlink(missing_ok=True)


@contextmanager
def folder_held(folder: Path) -> Iterator[None]:
    """This process's turn at writing export sets into `folder` (an advisory lock on the folder
    itself: nothing is left in it, and a killed holder's turn ends with its process)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY) if fcntl is not None else None
    except OSError as exc:
        raise ExportWriteError(f"{folder}: cannot write there ({exc.strerror or exc})") from None
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def write_set(folder: Path, basename: str, files: list[tuple[str, bytes]], manifest: dict[str, Any],
              before_rename: Callable[[list[tuple[Path, str]]], None] | None = None) -> list[Path]:
    """Write `files` and the manifest (given here without its `files` list); returns the paths.

    `before_rename` is told each file's final path and SHA-256 (the manifest last) once the set
    is staged, before anything is put in place: a log of it names what a kill left half-done."""
    told = None if before_rename is None else lambda planned: before_rename(planned[0])
    placed, error = write_sets(folder, [(basename, files, manifest)], told)
    if error is not None:
        raise error
    return placed[0]


def write_sets(folder: Path, sets: list[tuple[str, list[tuple[str, bytes]], dict[str, Any]]],
               before_rename: Callable[[list[list[tuple[Path, str]]]], None] | None = None,
               ) -> tuple[list[list[Path]], ExportWriteError | None]:
    """Several sets (basename, files, manifest) into one folder: all staged (none put in place if
    one cannot be), `before_rename` told every set's planned files at once, then each put in place
    and the folder synced once for all their renames. Returns the paths of the sets put in place
    and the error that stopped the rest (a rename failing part-way: that set is taken back whole)."""
    staged: list[_Staged] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(folder)
        for basename, files, manifest in sets:
            staged.append(_stage(folder, basename, files, manifest))
        if before_rename is not None:
            before_rename([one.planned for one in staged])
        return _put_all_in_place(folder, staged)
    except OSError as exc:
        raise ExportWriteError(f"{folder}: the export could not be written ({exc.strerror or exc}); "
                               "nothing of it was kept") from None
    finally:
        for one in staged:
            shutil.rmtree(one.staging, ignore_errors=True)


@dataclass
class _Staged:
    staging: Path
    names: list[str]
    manifest: str
    planned: list[tuple[Path, str]]  # each file's final path and SHA-256, the manifest last

    def paths(self) -> list[Path]:
        return [path for path, _ in self.planned]


def _stage(folder: Path, basename: str, files: list[tuple[str, bytes]], manifest: dict[str, Any]) -> _Staged:
    """The set written and synced in its own staging folder (`.parley-export-PID-...`), nothing in place yet."""
    listed = [{"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for name, data in files]
    body = json.dumps({**manifest, "files": listed}, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")
    # each file one name in `folder`, checked before anything is written
    planned = [(path_inside(folder, item["file"]), item["sha256"]) for item in listed] \
        + [(path_inside(folder, manifest_name(basename)), hashlib.sha256(body).hexdigest())]
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=folder))
    except OSError as exc:
        raise ExportWriteError(f"{folder}: cannot write there ({exc.strerror or exc})") from None
    one = _Staged(staging, [name for name, _ in files], manifest_name(basename), planned)
    try:
        for name, data in [*files, (one.manifest, body)]:
            _write_synced(staging / name, data)
    except OSError:  # a full disk: the staging folder and the files half-written in it were left there, filling it
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return one


def _put_all_in_place(folder: Path, staged: list[_Staged]) -> tuple[list[list[Path]], ExportWriteError | None]:
    """Each set renamed into place in turn; one sync of the folder for every rename made."""
    placed: list[list[Path]] = []
    error = None
    try:
        for one in staged:
            _put_in_place(one.staging, folder, one.names, one.manifest)
            placed.append(one.paths())
    except (OSError, ExportWriteError) as exc:
        if not placed:
            raise
        error = exc if isinstance(exc, ExportWriteError) else ExportWriteError(
            f"{folder}: the export was stopped part-way ({exc.strerror or exc}): "
            f"{len(staged) - len(placed)} of its {len(staged)} sets were not kept")
    try:
        sync_folder(folder)  # the renames themselves on disk before the sets are logged as written
    except OSError as exc:  # was: "nothing of it was kept", the sets in place (logged as staged only)
        return [], ExportWriteError(
            f"{folder}: {len(placed)} sets put in place, not confirmed on disk ({exc.strerror or exc}); "
            f"`verify` names them" + (f"; before that: {error}" if error is not None else ""),
            [path for paths in placed for path in paths])
    return placed, error


def _put_in_place(staging: Path, folder: Path, names: list[str], manifest: str) -> None:
    """Rename the staged set into place, the manifest last (the earlier manifest is taken away
    first: a kill meanwhile leaves a set without one, incomplete). A rename failing part-way (a
    folder of the set's name in the way, the folder made read-only) puts back what the folder held,
    so "nothing of it was kept" is true; what cannot be put back is said as an incomplete set."""
    aside = staging / ".before"  # made when there is something to keep (a folder fewer to remove: a set's tail)
    done: list[tuple[Path, Path | None]] = []  # each name put in place, and its earlier file kept aside
    try:
        done.append((folder / manifest, _kept_aside(folder / manifest, aside, move=True)))
        for name in names:
            earlier = _kept_aside(folder / name, aside)
            os.replace(staging / name, folder / name)
            done.append((folder / name, earlier))
        os.replace(staging / manifest, folder / manifest)
    except OSError as exc:
        left = _undone(done)
        if left:
            raise ExportWriteError(
                f"{folder}: the export was stopped part-way ({exc.strerror or exc}): {left} of its "
                f"{len(names)} files are in place without a manifest, an incomplete set (`verify` names "
                "it); export again once the folder can be written") from None
        raise


def _kept_aside(target: Path, aside: Path, move: bool = False) -> Path | None:
    """The file at `target` kept in `aside` (moved, or linked to: it stays in place), None when
    there is none. A folder that cannot link keeps a copy."""
    if not (target.is_file() or target.is_symlink()):
        return None
    aside.mkdir(exist_ok=True)
    kept = aside / target.name
    if move:
        os.replace(target, kept)
        return kept
    try:
        os.link(target, kept, follow_symlinks=False)
    except OSError:
        shutil.copyfile(target, kept, follow_symlinks=False)
    return kept


def _undone(done: list[tuple[Path, Path | None]]) -> int:
    """Put back what each name held before (or remove a name the set added); the number of the
    set's files (the manifest aside) that could not be taken back."""
    left = 0
    for target, earlier in reversed(done):
        try:
            if earlier is not None:
                os.replace(earlier, target)
            else:
                target.unlink(missing_ok=True)
        except OSError:
            left += not target.name.endswith(MANIFEST_SUFFIX)
    return left


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
