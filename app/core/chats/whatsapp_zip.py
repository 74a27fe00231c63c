"""WhatsApp's `.zip` export (the chat text plus its media), read safely.

Nothing is extracted until every member has been checked; one bad member
refuses the whole archive (nothing half-imported):

- a name that escapes its folder (`..`, absolute, a drive letter) or a link;
- a zip bomb: more members, more bytes in all or in one member, or a higher
  compression ratio than any real export has (see Limits);
- no chat text inside.

The chat is read in memory; only the media asked for are written, and only
below the folder given (the case's own folder).
"""

from __future__ import annotations

import shutil
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from app.core.chats import whatsapp, zipnames
from app.core.chats.copies import remove_stale_parts, write_copy
from app.core.chats.placeholders import strip_marks
from app.core.errors import ChatError

CONTAINER = "whatsapp-zip"
MAX_CHAT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    members: int = 50_000
    total_bytes: int = 16 * 1024**3
    member_bytes: int = 4 * 1024**3
    ratio: float = 200.0  # uncompressed / compressed, for members over ratio_floor bytes
    ratio_floor: int = 1024 * 1024


def is_zip(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError:
        return False


def member_path(name: str) -> PurePosixPath | None:
    """The member's relative path, or None when it would land outside its folder."""
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":") or "\x00" in normal:
        return None
    parts = [p for p in normal.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def _windows_separators(info: zipfile.ZipInfo) -> None:
    """A member named with Windows' backslashes ("WhatsApp Chat with Bob\\PTT-....opus", as older Windows
    tools zip): its folders made '/' as the zip's other members', in the name as its code page reads it (a
    Shift-JIS character's second byte may be 0x5C, no backslash), so a chat finds the files of its own folder."""
    name = stored_name(info)
    if "\\" in name:
        info.filename = name.replace("\\", "/")
        info.flag_bits |= 0x800  # the name now read: `zipnames` reads it as it is


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def check(archive: zipfile.ZipFile, path: str, limits: Limits = Limits()) -> list[zipfile.ZipInfo]:
    """Every file member, after checking the whole archive; ChatError on the first problem."""
    infos = archive.infolist()
    for info in infos:
        _windows_separators(info)
    if len(infos) > limits.members:
        raise ChatError(path, f"zip refused: {len(infos):,} members (limit {limits.members:,})")
    total = 0
    for info in infos:
        if member_path(info.filename) is None:
            raise ChatError(path, f"zip refused: member {info.filename!r} escapes its folder; nothing extracted")
        if _is_link(info):
            raise ChatError(path, f"zip refused: member {info.filename!r} is a link; nothing extracted")
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > limits.member_bytes or (
                info.file_size > limits.ratio_floor and ratio > limits.ratio):
            raise ChatError(path, f"zip refused: member {info.filename!r} would expand to "
                                  f"{info.file_size:,} bytes ({ratio:,.0f}x); looks like a zip bomb")
    if total > limits.total_bytes:
        raise ChatError(path, f"zip refused: {total:,} bytes uncompressed (limit {limits.total_bytes:,}); "
                              "looks like a zip bomb")
    return [i for i in infos if not i.is_dir()]


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, stopping at `limit` (a lying header cannot make it read more)."""
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ChatError(info.filename, f"larger than {limit:,} bytes")
    return data


def chat_members(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo], path: str,
                 decode) -> list[tuple[zipfile.ZipInfo, str]]:
    """The members holding chat texts, in the zip's order: the best WhatsApp-looking .txt, and every
    other that reads as a chat on its own (several exports zipped together)."""
    found: list[tuple[float, zipfile.ZipInfo, str]] = []
    for info in files:
        if not info.filename.lower().endswith(".txt") or info.file_size > MAX_CHAT_BYTES or is_junk(info):
            continue
        text = decode(read_member(archive, info, MAX_CHAT_BYTES))
        score = whatsapp.score(text)
        if score > 0:
            found.append((score, info, text))
    if not found:
        raise ChatError(path, "no WhatsApp chat text found in this zip")
    best = max(found, key=lambda f: f[0])[1]
    return [(info, text) for _, info, text in found if info is best or whatsapp.looks_like(text)]


def is_junk(info: zipfile.ZipInfo) -> bool:
    """What a Mac adds when it zips a folder again (resource forks, folder settings): not the export's."""
    parts = info.filename.replace("\\", "/").split("/")
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] == ".DS_Store"


def unreferenced(media: list[zipfile.ZipInfo], used: set[str]) -> list[zipfile.ZipInfo]:
    """Files of the zip that no message refers to (a message line lost or removed from the text)."""
    return [i for i in media if i.filename not in used and not is_junk(i)]


def stored_name(info: zipfile.ZipInfo) -> str:
    """The member's name as written: UTF-8 even where the zip lacks the UTF-8 flag (re-zipped on
    Windows, Python read it as cp437: 'Запись.opus' came out as 'ÉùÉ░...'), else in the code page of
    the Windows that zipped it (`zipnames`)."""
    return zipnames.member_name(info)


def find_member(files: list[zipfile.ZipInfo], name: str) -> zipfile.ZipInfo | None:
    """The member an attachment names: same relative path, else same file name."""
    wanted = strip_marks(name).strip()
    for info in files:
        if str(member_path(stored_name(info))) == wanted:
            return info
    lower = same_name(PurePosixPath(wanted).name)
    matches = [i for i in files if same_name(PurePosixPath(stored_name(i).replace("\\", "/")).name) == lower]
    if not matches:  # a name in a code page read otherwise than the chat writes it ('Belge ğüş.pdf', cp857)
        matches = [i for i in files if any(same_name(PurePosixPath(r.replace("\\", "/")).name) == lower
                                           for r in zipnames.member_readings(i))]
    return matches[0] if len(matches) == 1 else None


def same_name(name: str) -> str:
    """A file name as compared with the one a chat writes: case aside, and composed (a Mac writes
    `É` as `E` and an accent, NFD; the chat as one character, NFC)."""
    return unicodedata.normalize("NFC", name).lower()


def extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, folder: Path, name: str | None = None) -> Path:
    """Write one checked member below `folder` (never outside it), under `name` when given (its name as
    the zip's code page wrote it), and return its path."""
    relative = member_path(name or info.filename)
    root = folder.resolve()
    target = (root / str(relative)).resolve()
    if relative is None or root not in target.parents:
        raise ChatError(info.filename, "refused: would be written outside the case folder")
    remove_stale_parts(target)  # a killed writer's partial copy, though this copy is whole
    if _holds(target, info):
        return target

    def fill(out: BinaryIO) -> None:
        with archive.open(info) as source:
            shutil.copyfileobj(source, out, 1024 * 1024)

    return write_copy(target, fill, read_only=True)  # a copy of evidence: read-only


def _holds(target: Path, info: zipfile.ZipInfo) -> bool:
    """Whether an earlier run's copy is the member, byte for byte (its CRC-32): its size alone is not
    enough, as a power cut can leave a file its size and zeros (NTFS, exFAT, FAT)."""
    if not target.is_file() or target.stat().st_size != info.file_size:
        return False
    crc = 0
    with open(target, "rb") as copy:
        while block := copy.read(1024 * 1024):
            crc = zlib.crc32(block, crc)
    return crc == info.CRC
