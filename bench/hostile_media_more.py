"""More entries for bench/hostile_media_sweep.py (session 32): the cases sessions 31-32 found, made
from the sweep's own base files by byte edits (the pip ffmpeg's CAF writer takes no AAC or Opus, so an
iPhone-style CAF is put together from ffmpeg's packets).

- a PCM CAF cut by exactly 2^16 bytes (more than it keeps); an A-law one by 2^15;
- an M4A whose edit list starts with a 2 s empty edit (in the movie's own timescale, the lengths grown);
- a CAF and a W64 with a 4 kB chunk after the audio; a WAV written as it went with a LIST after its samples;
- AAC and Opus CAFs as Apple's recorders write them (packet table before the audio), whole and cut at 60%;
- a WebM followed by a WAV; an M4A whose mdat size is 0 or 0xFFFFFFFF, its index after it.

Session 33 (`session33`): a WAV written as it went with a LIST and a 2 MB id3 chunk after its samples; an M4A of
mdat size 0 followed by its copy or a WAV; a WAV behind 17 ID3 tags, or behind a second tag stating a size past
the file's end; a bare MP3 after a WAV, a CAF, an AMR or a FLAC, a WAV after an Opus; an Apple AAC CAF of data size -1
with 4 kB of junk or a bare MP3 after it; two audio tracks in two languages; an M4A whose index lists no track.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from pathlib import Path

import av

W64_MARKERS = uuid.UUID("ABF76256-392D-11D2-86C7-00C04F8EDB8A").bytes_le


def session32(out: Path, bases: dict[str, Path], ffmpeg: Callable[..., Path], speech: list[str]) -> None:
    pcm = ffmpeg(out / "caf_pcm_3s.caf", *speech[:3], "3", *speech[4:], "-c:a", "pcm_s16be").read_bytes()
    (out / "caf_cut_2p16.caf").write_bytes(pcm[:-65536])
    alaw = ffmpeg(out / "caf_alaw.caf", *speech, "-ar", "8000", "-c:a", "pcm_alaw").read_bytes()
    (out / "caf_alaw_cut_2p15.caf").write_bytes(alaw[:-32768])
    (out / "caf_chunk_after.caf").write_bytes(pcm + b"Plyx" + struct.pack(">q", 4096) + bytes(4096))
    w64 = ffmpeg(out / "w64_3s.w64", *speech[:3], "3", *speech[4:], "-c:a", "pcm_s16le").read_bytes()
    grown = bytearray(w64 + W64_MARKERS + struct.pack("<Q", 24 + 4096) + bytes(4096))
    struct.pack_into("<Q", grown, 16, len(grown))
    (out / "w64_markers_after.w64").write_bytes(bytes(grown))
    wav = bytearray(bases["wav"].read_bytes() + b"LIST" + struct.pack("<I", 4092) + b"INFO" + bytes(4088))
    for at in (4, wav.index(b"data") + 4):
        struct.pack_into("<I", wav, at, 0xFFFFFFFF)
    (out / "wav_streamed_list_after.wav").write_bytes(bytes(wav))
    (out / "m4a_edit_empty_2s.m4a").write_bytes(held_back(bases["m4a"].read_bytes(), 2.0))
    for coding, source in (("aac", bases["m4a"]), ("opus", bases["webm"])):
        apple = apple_caf(source, coding)
        (out / f"caf_{coding}_apple.caf").write_bytes(apple)
        (out / f"caf_{coding}_apple_cut60pct.caf").write_bytes(apple[:len(apple) * 6 // 10])
    (out / "webm_then_wav.webm").write_bytes(bases["webm"].read_bytes() + bases["wav"].read_bytes())
    m4a = bases["m4a"].read_bytes()
    for stated in (0, 0xFFFFFFFF):
        changed = bytearray(m4a)
        struct.pack_into(">I", changed, m4a.index(b"mdat") - 4, stated)
        (out / f"m4a_mdat_size_{stated:x}.m4a").write_bytes(bytes(changed))


def session33(out: Path, bases: dict[str, Path], ffmpeg: Callable[..., Path], speech: list[str]) -> None:
    wav, m4a = bases["wav"].read_bytes(), bases["m4a"].read_bytes()
    picture = ID3_V4 + _syncsafe(2_000_010) + b"APIC" + _syncsafe(2_000_000) + bytes(2) + bytes(range(256)) * 7812 + bytes(128)
    streamed = bytearray(wav + _riff_chunk(b"LIST", b"INFO" + _riff_chunk(b"INAM", b"note\x00")) + _riff_chunk(b"id3 ", picture))
    for at in (4, streamed.index(b"data") + 4):
        struct.pack_into("<I", streamed, at, 0xFFFFFFFF)
    (out / "wav_streamed_big_id3_after.wav").write_bytes(bytes(streamed))
    sized_0 = bytearray(m4a)
    struct.pack_into(">I", sized_0, m4a.index(b"mdat") - 4, 0)
    (out / "m4a_mdat_size_0_then_copy.m4a").write_bytes(bytes(sized_0) + m4a)
    (out / "m4a_mdat_size_0_then_wav.m4a").write_bytes(bytes(sized_0) + wav)
    (out / "wav_behind_17_id3.wav").write_bytes((ID3_V4 + _syncsafe(0)) * 17 + wav)
    (out / "wav_behind_id3_past_end.wav").write_bytes(ID3_V4 + _syncsafe(0) + ID3_V4 + _syncsafe(len(wav) + 5000) + wav)
    bare = ffmpeg(out / "bare.mp3", *speech, "-c:a", "libmp3lame", "-write_xing", "0", "-id3v2_version", "0").read_bytes()
    (out / "wav_then_bare_mp3.wav").write_bytes(wav + bare)
    (out / "caf_then_bare_mp3.caf").write_bytes(ffmpeg(out / "caf_pcm.caf", *speech, "-c:a", "pcm_s16be").read_bytes() + bare)
    (out / "opus_then_wav.opus").write_bytes(bases["opus"].read_bytes() + wav)
    apple = bytearray(apple_caf(bases["m4a"], "aac"))
    struct.pack_into(">q", apple, apple.index(b"data") + 4, -1)
    (out / "caf_aac_apple_size_m1_junk4k.caf").write_bytes(bytes(apple) + bytes(range(256)) * 16)
    (out / "caf_aac_apple_size_m1_then_bare_mp3.caf").write_bytes(bytes(apple) + bare)
    (out / "amr_then_bare_mp3.amr").write_bytes(bases["amr"].read_bytes() + bare)
    (out / "flac_then_bare_mp3.flac").write_bytes(bases["flac"].read_bytes() + bare)
    ffmpeg(out / "two_languages.mkv", *speech, *speech, "-map", "0:a", "-map", "1:a", "-c:a", "aac",
           "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=spa")
    ffmpeg(out / "m4a_no_track.m4a", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "0", "-c:a", "aac")


ID3_V4 = b"ID3\x04\x00\x00"  # an ID3v2.4 tag's header before its size


def _syncsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)


def _children(data: bytes, start: int, end: int):
    at = start
    while at + 8 <= end:
        size = struct.unpack_from(">I", data, at)[0]
        yield data[at + 4:at + 8], at, size
        at += max(size, 8)


def held_back(data: bytes, seconds: float, handlers: tuple[bytes, ...] = (b"soun",)) -> bytes:
    """The MP4/M4A (its index after its media data) whose tracks of these handlers start `seconds` late: an
    empty edit (media time -1) put first in each one's edit list, the movie's and each track's length grown
    by it, as an editor that trims or delays a track writes it."""
    d = bytearray(data)
    moov = next(at for kind, at, _ in _children(data, 0, len(data)) if kind == b"moov")
    mvhd = d.index(b"mvhd", moov) - 4
    pause = round(seconds * struct.unpack_from(">I", d, mvhd + 20)[0])
    struct.pack_into(">I", d, mvhd + 24, struct.unpack_from(">I", d, mvhd + 24)[0] + pause)
    late = []
    for kind, trak, size in _children(data, moov + 8, moov + struct.unpack_from(">I", d, moov)[0]):
        hdlr = d.index(b"hdlr", trak) + 12 if kind == b"trak" else 0
        if kind == b"trak" and d[hdlr:hdlr + 4] in handlers:
            tkhd = d.index(b"tkhd", trak) - 4  # version 0: its duration 28 bytes in
            struct.pack_into(">I", d, tkhd + 28, struct.unpack_from(">I", d, tkhd + 28)[0] + pause)
            late.append((trak, d.index(b"elst", trak, trak + size) - 4))
    for trak, elst in reversed(late):
        struct.pack_into(">I", d, elst + 12, struct.unpack_from(">I", d, elst + 12)[0] + 1)
        d[elst + 16:elst + 16] = struct.pack(">Iii", pause, -1, 0x10000)
        for box in (elst, elst - 8, trak, moov):  # elst, edts, trak, moov grow by the entry
            struct.pack_into(">I", d, box, struct.unpack_from(">I", d, box)[0] + 12)
    return bytes(d)


def _varint(n: int) -> bytes:
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | n & 0x7F)
        n >>= 7
    return bytes(reversed(out))


def _descriptor(tag: int, body: bytes) -> bytes:
    return bytes([tag, 0x80, 0x80, 0x80, len(body)]) + body


def _chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack(">q", len(body)) + body


def apple_caf(source: Path, coding: str) -> bytes:
    """A CAF as an iPhone app writes one (desc, kuki, the packet table, then the audio), holding the AAC or
    Opus packets ffmpeg wrote to `source` (ffmpeg's CAF writer takes neither)."""
    with av.open(str(source)) as container:
        stream = container.streams.audio[0]
        packets = [bytes(packet) for packet in container.demux(stream) if packet.size]
        config, rate, channels = bytes(stream.codec_context.extradata), stream.rate, stream.channels
    if coding == "aac":
        decoder = _descriptor(4, bytes([0x40, 0x15, 0, 0, 0]) + struct.pack(">II", 64000, 32000) + _descriptor(5, config))
        cookie, name, frames, priming = b"\0\0\0\0" + _descriptor(3, b"\0\1\0" + decoder + _descriptor(6, b"\2")), b"aac ", 1024, 1024
    else:
        cookie, name, frames, priming, rate = config, b"opus", 960, 312, 48000
    table = struct.pack(">qqii", len(packets), len(packets) * frames - priming, priming, 0) + b"".join(map(_varint, map(len, packets)))
    return (b"caff\0\1\0\0" + _chunk(b"desc", struct.pack(">d4sIIIII", float(rate), name, 0, 0, frames, channels, 0))
            + _chunk(b"kuki", cookie) + _chunk(b"pakt", table) + _chunk(b"data", b"\0\0\0\1" + b"".join(packets)))
