"""Where the ID3v2 tags in a row at a place in a file end: the tags a tagger put before a recording (an MP3,
an M4A, a WAV; its new one before the old), at the start or after a first file (joined.py).

A tag's end is where its header says, unless that runs past the file's end, or lands where nothing a tag is
put before opens while its frames and padding, walked, end where something does (a size damaged, mis-written
too short or too long): then where they end. The tags are walked as long as one follows another, however
many (each is 10 bytes or more, so the walk ends with the file): a walk of 16 at most took a 17th tag for a
second file, and the recording behind the tags was refused as 'an ID3 tag with no audio after it'.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from app.core.media import file_kinds

ID3_HEADER = file_kinds.ID3_HEADER
MOST_FRAMES = 4096  # frames walked in a tag whose stated size cannot be right
PADDING_READ = 1 << 16  # a tagger's padding may run to megabytes (read 64 kB at a time)
EMPTY_TAGS = re.compile(b"(?:ID3..[" + re.escape(bytes(b for b in range(256) if not b & 0x10)) + b"]\\x00{4})+", re.DOTALL)
MOST_UNSYNCHRONISED = 1 << 24  # bytes of an unsynchronised frame (a cover) read to count its inserted zeros
EMPTY_TAGS_READ = 1 << 20  # bytes searched for them at a time
BOX_NAMES = (b"ftyp", b"moov", b"mdat", b"free", b"wide")


def opens_tag(head: bytes) -> bool:
    """Whether an ID3v2 tag's header (its size in 7-bit bytes) opens `head`."""
    return len(head) >= ID3_HEADER and head[:3] == b"ID3" and not any(b & 0x80 for b in head[6:10])


def tags_end(handle: BinaryIO, at: int) -> int:
    """Where the ID3v2 tags in a row from `at` end (`at` itself where none opens there)."""
    size_of_file = handle.seek(0, 2)
    while at < size_of_file and opens_tag(head := _peek(handle, at, file_kinds.HEAD)):
        if (run := EMPTY_TAGS.match(head)) is not None and run.end() > ID3_HEADER:
            at = _past_empty_tags(handle, at)
            head = _peek(handle, at, file_kinds.HEAD)
        at = tag_end(handle, at, head, size_of_file)
    return at


def _past_empty_tags(handle: BinaryIO, at: int) -> int:
    """The last of the empty tags (a header stating no bytes, no footer) in a row from `at`, each followed by
    another tag: stepped over by one search a block (walked one by one, 2 MB of them cost 6.7 CPU s a file)."""
    while (run := EMPTY_TAGS.match(_peek(handle, at, EMPTY_TAGS_READ))) is not None and run.end() > ID3_HEADER:
        at += run.end() - ID3_HEADER
    return at


def tag_end(handle: BinaryIO, at: int, head: bytes, size_of_file: int) -> int:
    """Where the tag at `at` (`head`: its first bytes) ends: by its stated size, or by its frames walked."""
    stated = at + file_kinds.id3_size(head)
    if stated < size_of_file and _opens_something(handle, stated):
        return stated
    walked = _frames_end(handle, at, head)
    if stated >= size_of_file or (walked < size_of_file and _opens_something(handle, walked)):
        return walked
    return stated  # an MP3's frames after it (their sync lies about in audio: not searched for)


def _opens_something(handle: BinaryIO, at: int) -> bool:
    """Whether another tag, a file of a kind file_kinds knows, or MPEG audio frames open at `at`."""
    head = _peek(handle, at, file_kinds.HEAD)  # the frames' bytes read only where no tag or file opens
    return opens_tag(head) or file_kinds.kind(head) is not None or file_kinds.opens_with_frames(
        _peek(handle, at, file_kinds.FRAMES_LOOK))


def _frames_end(handle: BinaryIO, start: int, head: bytes) -> int:
    """Where a tag's frames and padding end, walked frame by frame (past its extended header; an unsynchronised
    v2.3 tag's frames by their bytes on disk): the audio's first frame, whose header (an MP3's Xing/LAME
    gapless info) must be the first thing ffmpeg reads for the samples to keep their places."""
    version = head[3]
    wide = version >= 3  # v2.3/v2.4: 10-byte frame headers, 4-letter ids; v2.2: 6 bytes, 3 letters
    header, name = (10, 4) if wide else (6, 3)
    unsynchronised = version < 4 and head[5] & 0x80  # (v2.4 states its frames' sizes on disk)
    at = start + ID3_HEADER + _extended_header(handle, start, head)
    for _ in range(MOST_FRAMES):
        frame = _peek(handle, at, file_kinds.HEAD)  # a WAV's 'RIFF' reads as a frame's name: a file opens there
        if len(frame) < header or not all(48 <= b <= 57 or 65 <= b <= 90 for b in frame[:name]) or \
                file_kinds.kind(frame) is not None:
            break
        size_bytes = frame[name:name + (4 if wide else 3)]
        syncsafe = version == 4 and not any(b & 0x80 for b in size_bytes)
        body = sum(b << ((7 if syncsafe else 8) * (len(size_bytes) - 1 - n)) for n, b in enumerate(size_bytes))
        at += header + (_on_disk(handle, at + header, body) if unsynchronised else body)
    handle.seek(at)
    while padding := handle.read(PADDING_READ):
        if rest := padding.lstrip(b"\x00"):
            return _box_start(handle, at + len(padding) - len(rest))
        at += len(padding)
    return at


def _extended_header(handle: BinaryIO, start: int, head: bytes) -> int:
    """The bytes of the extended header after a tag's header (its flag 0x40): v2.3 states its size after its 4
    size bytes, v2.4 (7 bits a byte) with them. Read as a frame's name, it ended the walk at its own bytes."""
    if head[3] < 3 or not head[5] & 0x40 or len(size_bytes := _peek(handle, start + ID3_HEADER, 4)) < 4:
        return 0
    if head[3] == 4:
        return sum(b << (7 * (3 - n)) for n, b in enumerate(size_bytes))
    return 4 + int.from_bytes(size_bytes, "big")


def _on_disk(handle: BinaryIO, at: int, size: int) -> int:
    """The bytes an unsynchronised frame stating `size` bytes takes (a 0x00 put after each 0xFF that needed
    one); `size` for a frame over MOST_UNSYNCHRONISED bytes."""
    if size > MOST_UNSYNCHRONISED:
        return size
    data, length = _peek(handle, at, 2 * size + 1), size
    while (longer := size + data[:length + 1].count(b"\xff\x00")) > length:
        length = longer
    return length


def _box_start(handle: BinaryIO, at: int) -> int:
    """`at`, or up to 3 bytes before it where an MP4 box starts there (its size's high bytes are zeros)."""
    near = _peek(handle, max(0, at - 3), 11)
    back = next((3 - k for k in range(4) if near[k + 4:k + 8] in BOX_NAMES), 0)
    return at - back if at >= 3 else at


def _peek(handle: BinaryIO, at: int, count: int) -> bytes:
    handle.seek(at)
    return handle.read(count)
