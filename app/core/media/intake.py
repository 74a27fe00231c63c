"""Find media in what the user points at: files, or folders walked recursively.

Inside a folder, files are recognised by their content (magic bytes), not by
their extension alone; anything else is skipped and listed. Files named
explicitly are always tried, so a bad one gets a clear reason.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import MediaError
from app.core.media import amr
from app.core.media import streams as audio_streams
from app.core.media.decode import probe
from app.core.media.opening import APPLE_DOUBLE
from app.core.names import is_utf8, storable
from app.core.store import Case
from app.core.store.intake_log import IntakeEntry, log_intake
from app.core.store.spelling import where_met
from app.core.types import SourceInfo

MEDIA_EXTENSIONS = {
    ".opus", ".ogg", ".oga", ".m4a", ".mp4", ".m4v", ".mov", ".amr", ".awb", ".3gp", ".3g2",
    ".caf", ".mp3", ".wav", ".aac", ".flac", ".wma", ".wmv", ".webm", ".mkv", ".aif", ".aiff", ".avi",
    # what recorders, dash and body cameras, dictaphones and older phones write besides ('.ts' is
    # left to its content: the name is TypeScript's too)
    ".mka", ".weba", ".3ga", ".m4b", ".aifc", ".mts", ".m2ts", ".mpg", ".mpeg", ".vob", ".flv", ".f4v",
    ".asf", ".w64", ".voc", ".au", ".snd", ".tta", ".wv", ".ac3", ".mp2", ".spx", ".dss", ".mxf",
    ".mmf", ".nut", ".rm", ".ra", ".rmvb",  # RealMedia: an older phone's or a 2000s download's
    ".al", ".ul",  # headerless A-law, mu-law: a voice logger's export (known by its name alone: headerless.py)
}


@dataclass(frozen=True)
class Found:
    path: str
    source: SourceInfo | None = None
    error: str | None = None  # why it cannot be used (a failure)
    skipped: str | None = None  # why a file in a folder was passed over (not media)


def looks_like_media(head: bytes) -> bool:
    """True for the containers and raw streams phones and recorders produce."""
    # RF64 and BW64: the WAV of a recorder that may write past 4 GB
    if head[:4] in (b"RIFF", b"RIFX", b"RF64", b"BW64", b"OggS", b"fLaC", b"caff", b"FORM", b"ID3\x03", b"ID3\x04", b"ID3\x02"):
        return True
    if head[:6] == b"#!AMR\n" or head[:9] == b"#!AMR-WB\n" or head[:5] == b"#!AMR":
        return True
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
        return True
    if head[:4] == b"\x1a\x45\xdf\xa3":  # Matroska / WebM
        return True
    if any(head.startswith(magic) for magic in OTHER_MAGIC):
        return True
    if _transport_stream(head):
        return True
    if head[:16] == bytes.fromhex("3026b2758e66cf11a6d900aa0062ce6c"):  # ASF (wma/wmv)
        return True
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:  # MPEG audio / ADTS
        return True
    return head[:4] == b".snd"


OTHER_MAGIC = (
    b"\x00\x00\x01\xba",  # MPEG program stream (.mpg, .vob)
    b"FLV\x01", b"riff\x2e\x91\xcf\x11",  # Flash video; Sony Wave64 (a WAV past 4 GB)
    b"Creative Voice File\x1a", b"TTA1", b"wvpk", b"MAC ", b"MPCK",  # VOC, TrueAudio, WavPack, APE, Musepack
    b"\x0b\x77", b"\x7f\xfe\x80\x01",  # AC-3 / E-AC-3, DTS
    b"\x02dss", b"\x03ds2", b"\x06\x0e\x2b\x34",  # Olympus dictation; MXF (broadcast)
    b"MMMD", b"nut/multimedia container",  # an older phone's SMAF, NUT
    b".RMF", b".ra\xfd",  # RealMedia, a bare RealAudio stream
    *(bytes([0x64, 0xA3, n, 0]) for n in range(1, 5)), *(bytes([0, n, 0xA3, 0x64]) for n in range(1, 5)),  # IRCAM
)
TS_PACKET = 188


def _transport_stream(head: bytes) -> bool:
    """An MPEG transport stream (a dash or body camera's .ts/.mts, a TV recording): a sync byte
    every 188 bytes, or every 192 after a 4-byte timestamp (Blu-ray/AVCHD .m2ts)."""
    for start, step in ((0, TS_PACKET), (4, TS_PACKET + 4)):
        marks = head[start::step][:3]
        if len(marks) == 3 and marks == b"GGG":
            return True
    return False


def _sniff(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return False
            head = handle.read(amr.SNIFF_BYTES)
            return looks_like_media(head) or amr.raw_format(head) is not None
    except OSError:
        return False


ENCRYPTED = ("encrypted (a WhatsApp .cryptNN backup or .enc media file): nothing in it can be read until it is "
             "decrypted with the key from the phone's extraction")


def _encrypted_by_name(path: Path) -> bool:
    """A WhatsApp backup (msgstore.db.crypt14) or an encrypted media file (.enc) by its name: its
    bytes are indistinguishable from random ones, so its name is all that says what it is."""
    suffix = path.suffix.lower()
    return suffix == ".enc" or (suffix.startswith(".crypt") and suffix[6:].isdigit())


SYMLINK = "symbolic link not followed"
SPECIAL = "device file, FIFO or socket (not opened)"
NOT_MEDIA = "not a media file"


def unreadable_folder(exc: OSError) -> str:
    """One line for a folder that cannot be listed: nothing in it was looked at."""
    return f"unreadable folder ({_os_reason(exc, exc.filename)}): the files in it were not looked at"


TOO_LONG = "its path is too long for the system to open: {:,} bytes, move or copy it nearer the top"


def _os_reason(exc: OSError, path: str | bytes | None = None) -> str:
    """Why the system would not look at a file or folder, in a few words."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENAMETOOLONG and path is not None:
        return TOO_LONG.format(len(os.fsencode(path)))
    return (exc.strerror or "cannot be read").lower()


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:  # missing, or behind a folder that cannot be entered: the probe says which
        return False


def _is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:  # a path too long to look at: entering it fails, and says so
        return False


def _walk(folder: Path, errors: list[Found]) -> Iterator[Path]:
    """Every entry under folder, links to folders included (reported, never entered)."""
    def on_error(exc: OSError) -> None:
        errors.append(Found(str(exc.filename or folder), error=unreadable_folder(exc)))

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs.sort()
        linked = [d for d in dirs if _is_link(Path(root) / d)]
        for name in sorted(files + linked):
            yield Path(root) / name


NOT_UTF8 = ("the file name is not UTF-8 (its bytes are kept as \\xNN in the record); "
            "not transcribed: copy it under a UTF-8 name to transcribe it")


def _probe(path: Path) -> Found:
    if not is_utf8(str(path)):
        return Found(str(path), error=NOT_UTF8)
    try:
        return Found(str(path), source=probe(path))
    except MediaError as exc:
        return Found(str(path), error=ENCRYPTED if _encrypted_by_name(path) else exc.reason)
    except Exception as exc:  # noqa: BLE001 - one file's unforeseen fault fails that file, never the command
        return Found(str(path), error=f"unexpected error reading it ({type(exc).__name__}: {exc}); not transcribed")


def _not_a_regular_file(file: Path) -> Found | None:
    """A link, a device, a FIFO or an unreadable file, said so without ever opening it."""
    try:
        mode = os.lstat(file).st_mode
    except OSError as exc:
        denied = exc.errno in (errno.EACCES, errno.EPERM)
        return Found(str(file), error="unreadable (permission denied: its folder can be listed, not entered)" if denied
                     else f"unreadable ({_os_reason(exc, str(file))})")
    if stat.S_ISLNK(mode):
        return Found(str(file), skipped=SYMLINK)
    if not stat.S_ISREG(mode):
        return Found(str(file), skipped=SPECIAL)
    if not os.access(file, os.R_OK):
        return Found(str(file), error="unreadable (permission denied)")
    return None


def _in_folder(file: Path) -> Found:
    odd = _not_a_regular_file(file)
    if odd is not None:
        return odd
    claims_media = file.suffix.lower() in MEDIA_EXTENSIONS
    if not claims_media and not _sniff(file):
        return Found(str(file), skipped=ENCRYPTED if _encrypted_by_name(file) else NOT_MEDIA)
    found = _probe(file)
    if found.source is None and (not claims_media or found.error == APPLE_DOUBLE) and found.error != NOT_UTF8:
        found = Found(str(file), skipped=found.error)
    return found


def find_media(inputs: Iterable[str]) -> Iterator[Found]:
    """Yield one Found per file met: usable media, a failure with its reason, or a skip.

    Inside a folder nothing is followed or opened that is not a regular file:
    symbolic links (to files or folders), devices and FIFOs are listed as skipped.
    A file named twice (twice over, or itself and in a folder named too) is met once.
    """
    seen: set[str | tuple[int, int, int, str]] = set()
    for found in _each_met(inputs):
        same_file = same_file_key(found.path)  # a bind mount: two paths, one file (a hard link keeps its own name)
        if found.path not in seen and (same_file is None or same_file not in seen):
            seen.update((found.path, same_file) if same_file else (found.path,))
            yield found


def same_file_key(path: str) -> tuple[int, int, int, str] | None:
    """(device, inode, its folder's inode, name) of a file, or None where it cannot be looked at: one file
    reached through two paths to one folder (a bind mount) has one key; a hard link is a file met in its own
    folder or under its own name (a tree copied with `cp -al`), and has its own."""
    try:
        info, folder = os.lstat(path), os.stat(os.path.dirname(path) or ".")
    except (OSError, ValueError):
        return None
    return info.st_dev, info.st_ino, folder.st_ino, os.path.basename(path)


PROBES = 2  # files probed (hashed, their header read) side by side: at intake no worker runs yet, a core idles


def _each_met(inputs: Iterable[str]) -> Iterator[Found]:
    """One Found per file met, in order; PROBES files probed at a time (at most twice as many ahead)."""
    pool = ThreadPoolExecutor(PROBES)
    ahead: deque[Future[Found] | Found] = deque()
    try:
        try:
            for planned in _planned(inputs, pool):
                ahead.append(planned)
                if len(ahead) > 2 * PROBES:
                    yield _found(ahead.popleft())
        except Exception:  # the files met before a fault are still given first, as when probed one by one
            while ahead:
                yield _found(ahead.popleft())
            raise
        while ahead:
            yield _found(ahead.popleft())
    except BaseException:  # stopped (Ctrl-C, the command ended, the window closed): no file waited for or begun
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def _found(planned: Future[Found] | Found) -> Found:
    return planned.result() if isinstance(planned, Future) else planned


def _planned(inputs: Iterable[str], pool: ThreadPoolExecutor) -> Iterator[Future[Found] | Found]:
    for raw in inputs:
        if not raw.strip():  # an unset shell variable: Path("") is the current folder, never meant
            yield Found(repr(raw), error="an empty name was given, not a file or folder")
            continue
        path = Path(where_met(raw))  # one spelling, however the folder was reached (links, `..`, other letters)
        if not _is_folder(path):
            yield pool.submit(_probe, path)
            continue
        if not os.access(path, os.R_OK | os.X_OK):
            yield Found(str(path), error=unreadable_folder(PermissionError(errno.EACCES, "Permission denied")))
            continue
        errors: list[Found] = []
        for file in _walk(path, errors):
            yield pool.submit(_in_folder, file)
        yield from errors


def _hash_if_readable(path: str) -> tuple[str | None, int | None]:
    """SHA-256 and size of a regular file, opened without following a link or blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None, None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return None, None
        digest = hashlib.sha256()
        try:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
        except OSError:
            return None, None
        return digest.hexdigest(), info.st_size


def intake_entry(found: Found, exhibit_id: int | None = None) -> IntakeEntry:
    """What the case records of a file met: its status, why, and its hash where it could be read."""
    if found.source is not None:
        streams = audio_streams.describe_streams(tuple(found.source.audio_streams))
        return IntakeEntry(found.path, "media", streams, found.source.sha256, found.source.bytes, exhibit_id)
    digest, size = (None, None) if found.skipped in (SYMLINK, SPECIAL) else _hash_if_readable(found.path)
    if found.skipped:
        return IntakeEntry(storable(found.path), "skipped", found.skipped, digest, size)
    return IntakeEntry(storable(found.path), "failed", found.error or "", digest, size)


def nothing_to_transcribe(met: list[Found]) -> str:
    """One line for a command whose inputs held no usable media."""
    reasons = Counter(f.skipped or f.error or "" for f in met if f.source is None)
    if not reasons:
        return "nothing to transcribe: no files found in the inputs"
    counted = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items(), key=lambda r: (-r[1], r[0])))
    return f"nothing to transcribe: {len(met)} file(s) met, none usable ({counted})"


def record_met(case: Case, met: list[Found], exhibit_of: dict[str, int] | None = None) -> None:
    """Record every file met in the case's intake log (and so in its audit log)."""
    exhibit_of = exhibit_of or {}
    log_intake(case, [intake_entry(f, exhibit_of.get(f.path)) for f in met])
