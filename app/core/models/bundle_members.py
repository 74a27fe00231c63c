"""A model bundle's members, read without trusting it: a folder, a .zip or a .tar(.gz/.bz2/.xz), each
member a plain, regular file named once (symbolic links, hard links, devices and FIFOs refused, never
followed or opened; no absolute name, no '..', no control characters, no sub-folder), the whole
optionally wrapped in one top folder. Each refusal is one line (ModelError). What is done with the
members (checked against SHA256SUMS, copied, put in place) is `bundles`."""

from __future__ import annotations

import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.core.errors import ModelError
from app.core.models.catalogue import BUNDLE_SUMS

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Member:
    """One file of a bundle: its plain name and how to open it for reading."""

    name: str
    open: Callable[[], BinaryIO]


def check_plain_name(name: str, what: str = "name") -> str:
    """A single path component that cannot climb out of its folder. Raises ModelError."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or CONTROL.search(name):
        raise ModelError(f"{what} {name!r} is not a plain name (no folders, no '..', no control characters)")
    if name.startswith("."):
        raise ModelError(f"{what} {name!r} must not start with '.'")
    return name


def _member_name(raw: str, origin: str) -> str:
    """An archive member's path without a leading './', refused if absolute or climbing."""
    if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
        raise ModelError(f"{origin}: member {raw!r} has an absolute path; bundle refused")
    parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ModelError(f"{origin}: member {raw!r} climbs out with '..'; bundle refused")
    if any(CONTROL.search(p) for p in parts):
        raise ModelError(f"{origin}: member {raw!r} has control characters in its name; bundle refused")
    return "/".join(parts)


def _strip_top(files: dict[str, object], dirs: set[str], origin: str) -> dict[str, object]:
    """Member names relative to the bundle root: the archive root, or its one top folder."""
    if BUNDLE_SUMS in files:
        top = ""
    else:
        tops = {name.split("/", 1)[0] for name in files} | {d.split("/", 1)[0] for d in dirs}
        top = next(iter(tops)) + "/" if len(tops) == 1 else ""
        if not top or top + BUNDLE_SUMS not in files:
            raise ModelError(f"{origin}: not a model bundle (no {BUNDLE_SUMS} file)")
    stray_dirs = {d for d in dirs if d + "/" != top}
    if stray_dirs:
        raise ModelError(f"{origin}: folder {min(stray_dirs)!r} is not part of a model bundle; refused")
    relative = {}
    for name, member in files.items():
        rel = name[len(top):]
        if "/" in rel:
            raise ModelError(f"{origin}: {name!r} is inside a sub-folder; a bundle is flat; refused")
        relative[rel] = member
    return relative


def _folder_members(folder: Path) -> dict[str, Member]:
    members: dict[str, Member] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISLNK(mode):
                raise ModelError(f"{folder}: {entry.name!r} is a symbolic link; bundle refused (links are never followed)")
            if not stat.S_ISREG(mode):
                raise ModelError(f"{folder}: {entry.name!r} is not a regular file; bundle refused")
            if stat.S_ISREG(mode) and entry.stat(follow_symlinks=False).st_nlink > 1:
                raise ModelError(f"{folder}: {entry.name!r} is a hard link; bundle refused")
            members[entry.name] = Member(entry.name, _opener(Path(entry.path)))
    return members


def _opener(path: Path) -> Callable[[], BinaryIO]:
    def open_no_follow() -> BinaryIO:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ModelError(f"{path}: not a regular file; bundle refused")
        return os.fdopen(fd, "rb")

    return open_no_follow


def _add(files: dict[str, object], name: str, member: object, origin: str) -> None:
    if name in files:
        raise ModelError(f"{origin}: {name!r} appears twice in the archive; bundle refused")
    files[name] = member


def _archive_members(entries: Iterable[tuple[str, bool, str | None, Any]], origin: str,
                     opener: Callable[[Any], Callable[[], BinaryIO]]) -> dict[str, Member]:
    """An archive's members by plain name, from its entries: (the name as written, a folder?, what it
    is when not a regular file (None when it is one), the archive's own record of it)."""
    files: dict[str, object] = {}
    dirs: set[str] = set()
    for written, is_dir, not_regular, info in entries:
        name = _member_name(written, origin)
        if is_dir:
            dirs.add(name)
            continue
        if not_regular is not None:
            raise ModelError(f"{origin}: member {written!r} is {not_regular}; bundle refused")
        _add(files, name, info, origin)
    dirs.discard("")
    return {rel: Member(rel, opener(info)) for rel, info in _strip_top(files, dirs, origin).items()}


def _zip_entry(info: zipfile.ZipInfo) -> tuple[str, bool, str | None, zipfile.ZipInfo]:
    mode = info.external_attr >> 16
    if stat.S_IFMT(mode) in (0, stat.S_IFREG):  # 0: no type recorded (plain file)
        return info.filename, info.is_dir(), None, info
    return info.filename, info.is_dir(), "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file", info


def _tar_entry(info: tarfile.TarInfo) -> tuple[str, bool, str | None, tarfile.TarInfo]:
    kind = (None if info.isreg() else "a symbolic link" if info.issym() else "a hard link" if info.islnk()
            else "a device or FIFO" if info.isdev() else "not a regular file")
    return info.name, info.isdir(), kind, info


def _zip_members(archive: zipfile.ZipFile, origin: str) -> dict[str, Member]:
    return _archive_members(map(_zip_entry, archive.infolist()), origin,
                            lambda info: _zip_opener(archive, info))


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
    return lambda: archive.open(info)  # type: ignore[return-value]


def _tar_members(archive: tarfile.TarFile, origin: str) -> dict[str, Member]:
    return _archive_members(map(_tar_entry, archive.getmembers()), origin,
                            lambda info: _tar_opener(archive, info))


def _tar_opener(archive: tarfile.TarFile, info: tarfile.TarInfo) -> Callable[[], BinaryIO]:
    def open_member() -> BinaryIO:
        handle = archive.extractfile(info)
        if handle is None:
            raise ModelError(f"member {info.name!r} is not a regular file; bundle refused")
        return handle  # type: ignore[return-value]

    return open_member


@contextmanager
def open_bundle(bundle: Path) -> Iterator[dict[str, Member]]:
    """The bundle's members by plain name, whatever its form. Raises ModelError."""
    origin = str(bundle)
    try:
        if bundle.is_dir():
            yield _folder_members(bundle)
        elif not bundle.is_file():
            raise ModelError(f"{origin}: no such bundle (a folder, .zip or .tar(.gz))")
        elif zipfile.is_zipfile(bundle):
            with zipfile.ZipFile(bundle) as archive:
                yield _zip_members(archive, origin)
        elif tarfile.is_tarfile(bundle):
            with tarfile.open(bundle, "r:*") as archive:
                yield _tar_members(archive, origin)
        else:
            raise ModelError(f"{origin}: not a model bundle (a folder, .zip or .tar(.gz))")
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise ModelError(f"{origin}: damaged archive ({exc}); bundle refused") from None
