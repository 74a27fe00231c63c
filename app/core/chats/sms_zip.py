"""A phone's SMS backup handed over zipped (SMS Backup & Restore's `sms-20240116080000.xml`, Signal
Android's `SignalPlaintextBackup.xml`, alone or among other exports in the zip).

    backups(archive, files) -> list[ZipInfo]
    load_member(path, info, archive, extract_to) -> Loaded

The XML is read in place, streamed from the zip (a backup with its MMS media runs to gigabytes); only
the audio and video its MMS carry are written out, below `extract_to / <the member's name>`, to be
transcribed. Every file it carries is hashed as it is read.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import replace
from pathlib import Path

from app.core.chats import sms, whatsapp_zip
from app.core.chats.parsing import Loaded, decode
from app.core.errors import ChatError
from app.core.names import path_inside, plain_name

CONTAINER = f"{sms.CONTAINER}-zip"
HEAD_BYTES = 4096


def member_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, size: int = HEAD_BYTES) -> str:
    """The first `size` bytes of a member as text; "" when it cannot be read."""
    try:
        with archive.open(info) as handle:
            return decode(handle.read(size))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        return ""  # the zip's own reading says what is wrong with it


def backups(archive: zipfile.ZipFile, files: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The members that are SMS backups, by their content (`<smses`), in the zip's order."""
    return [info for info in files if info.filename.lower().endswith(".xml") and not whatsapp_zip.is_junk(info)
            and sms.looks_like_text(member_head(archive, info))]


def load_member(path: Path, info: zipfile.ZipInfo, archive: zipfile.ZipFile, extract_to: Path | None) -> Loaded:
    """The backup's conversations, said with the zip's path and the member's name."""
    member = whatsapp_zip.stored_name(info)
    target = path_inside(extract_to, plain_name(member, 120)) if extract_to is not None else None
    try:
        with archive.open(info) as handle:
            loaded = sms.load_backup(Path(member), target, handle)
    except ChatError as exc:
        raise ChatError(f"{path}: {member}", exc.reason) from None
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, zlib.error) as exc:
        raise ChatError(f"{path}: {member}", f"cannot be read from the zip ({exc})") from None
    export = replace(loaded.export, container=CONTAINER, source=member)
    return replace(loaded, export=export, original=path)

