"""Hostile-media sweep: build a wide set of broken, odd and adversarial media files with real tools
(the pip ffmpeg, byte surgery), then probe and decode each in a process of its own and classify
what happened.

    python bench/hostile_media_sweep.py make OUT          # the files (about 700), under OUT
    python bench/hostile_media_sweep.py run OUT [GLOB ...] > r.jsonl  # one JSON line a file: heard /
                                                            # refused / traceback / hang / crash
    python bench/hostile_media_sweep.py summary r.jsonl [before.jsonl]

`run` never stops at a file: each is probed (intake's `probe`) and decoded (`read_all`) in its own
process under a timeout. A refusal is a MediaError of one line; anything else raised is a
'traceback'; whatever else the process printed on stderr (PyAV's "exception being dropped") is kept
with the file's row. The special files (a FIFO, a symlink loop, an unreadable file, a file written while
read) are made by `make` as they are. The shared media are read, never copied into the repo.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import imageio_ffmpeg
import numpy
import soundfile

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SHARED = Path(os.environ.get("PARLEY_SHARED", "/work/shared")) / "media"
REPO = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120
SPEECH = ["-ss", "0", "-t", "6", "-i", str(SHARED / "interview_mono.wav")]
# container: (extension, ffmpeg output arguments), each from the same 6 s of speech
BASES = {
    "opus": ("opus", ["-c:a", "libopus", "-b:a", "24k"]),
    "vorbis": ("ogg", ["-c:a", "libvorbis"]),
    "m4a": ("m4a", ["-c:a", "aac", "-b:a", "48k"]),
    "amr": ("amr", ["-ar", "8000", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"]),
    "3gp": ("3gp", ["-ar", "8000", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"]),
    "caf": ("caf", ["-c:a", "alac"]),
    "mp4": ("mp4", ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=6", "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "aac", "-shortest"]),
    "mov": ("mov", ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=6", "-c:v", "mjpeg",
                    "-c:a", "pcm_s16le", "-shortest"]),
    "wav": ("wav", ["-c:a", "pcm_s16le"]),
    "mp3": ("mp3", ["-c:a", "libmp3lame", "-b:a", "32k"]),
    "aac": ("aac", ["-c:a", "aac", "-b:a", "48k"]),
    "flac": ("flac", ["-c:a", "flac"]),
    "webm": ("webm", ["-c:a", "libopus"]),
    "mkv": ("mkv", ["-c:a", "libvorbis"]),
    "wma": ("wma", ["-c:a", "wmav2"]),
    "ima": ("wav", ["-c:a", "adpcm_ima_wav"]),
    "msadpcm": ("wav", ["-ac", "2", "-ar", "44100", "-c:a", "adpcm_ms"]),
    "rm": ("rm", ["-ar", "8000", "-c:a", "real_144"]),
}
CUT_FRACTIONS = (0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
CUT_BYTES = (1, 4, 8, 12, 16, 28, 44, 64, 100, 200, 512, 1024, 4096)


def ffmpeg(out: Path, *args: str) -> Path:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args, str(out)], check=True,
                   stdin=subprocess.DEVNULL)
    return out


def _bases(out: Path) -> dict[str, Path]:
    made = {}
    for name, (ext, args) in BASES.items():
        video = args[:2] == ["-f", "lavfi"]  # a picture source before the codec arguments
        inputs = [*SPEECH, *args[:4]] if video else SPEECH
        rest = args[4:] if video else args
        made[name] = ffmpeg(out / f"base_{name}.{ext}", *inputs, *rest)
    return made


def _damaged(name: str, path: Path, out: Path, rng: random.Random) -> None:
    data = path.read_bytes()
    ext = path.suffix
    for fraction in CUT_FRACTIONS:
        (out / f"{name}_cut{int(fraction * 100):02d}pct{ext}").write_bytes(data[:int(len(data) * fraction)])
    for size in CUT_BYTES:
        (out / f"{name}_head{size}b{ext}").write_bytes(data[:size])
    for trial in range(8):  # one bit flipped in the first 128 bytes (headers)
        flipped = bytearray(data)
        at = rng.randrange(min(128, len(data)))
        flipped[at] ^= 1 << rng.randrange(8)
        (out / f"{name}_flip{trial}_{at}{ext}").write_bytes(flipped)
    for trial in range(3):  # a 512-byte block zeroed, and a 512-byte block duplicated in place
        at = rng.randrange(len(data) // 8, len(data) * 7 // 8)
        (out / f"{name}_zero{trial}{ext}").write_bytes(data[:at] + bytes(512) + data[at + 512:])
        (out / f"{name}_dup{trial}{ext}").write_bytes(data[:at] + data[at:at + 512] * 2 + data[at + 512:])
    (out / f"{name}_wrongext.opus").write_bytes(data)
    (out / f"{name}_wrongext2.wav").write_bytes(data)
    (out / f"{name}_noext").write_bytes(data)
    (out / f"{name}_twice{ext}").write_bytes(data + data)


def _wav_header(rate: int, channels: int, bits: int, data_size: int) -> bytes:
    block = channels * bits // 8
    return (b"RIFF" + struct.pack("<I", (36 + data_size) % 2**32) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate,
            rate * block % 2**32, block % 2**16, bits) + b"data" + struct.pack("<I", data_size))


def _odd_formats(out: Path, bases: dict[str, Path]) -> None:
    pcm = bases["wav"].read_bytes()[44:]
    for rate in (0, 1, 8, 384_000, 768_000, 4_000_000_000):
        (out / f"wav_rate{rate}.wav").write_bytes(_wav_header(rate % 2**32, 1, 16, len(pcm)) + pcm)
    for channels in (0, 3, 8, 32, 255):
        (out / f"wav_ch{channels}.wav").write_bytes(_wav_header(16000, channels, 16, len(pcm)) + pcm)
    (out / "wav_claims_4gb.wav").write_bytes(_wav_header(16000, 1, 16, 0xFFFFFFF0) + pcm[:3200])
    (out / "wav_header_only.wav").write_bytes(_wav_header(16000, 1, 16, 0))
    speech = soundfile.read(bases["wav"])[0]
    for channels in (8, 32):  # the speech in the first channel, the others silent
        layout = numpy.zeros((len(speech), channels))
        layout[:, 0] = speech
        soundfile.write(out / f"real_ch{channels}.wav", layout, 16000, subtype="PCM_16")
    ffmpeg(out / "rate_384k.flac", "-f", "lavfi", "-i", "sine=f=300:d=2:r=384000", "-c:a", "flac")
    ffmpeg(out / "dc_only.wav", "-f", "lavfi", "-i", "aevalsrc=0.5:d=5:s=16000")
    ffmpeg(out / "clipped.wav", "-f", "lavfi", "-i", "aevalsrc='if(lt(mod(t*100,1),0.5),1,-1)':d=5:s=16000")
    ffmpeg(out / "video_no_audio.mp4", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=3",
           "-c:v", "libx264", "-preset", "ultrafast")
    ffmpeg(out / "video_no_audio.webm", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=15:duration=3",
           "-c:v", "libvpx") if _has_encoder("libvpx") else None
    ffmpeg(out / "nested.mkv", "-i", str(bases["mp4"]), "-attach", str(bases["m4a"]), "-metadata:s:t",
           "mimetype=audio/mp4", "-c", "copy")
    inner = bases["wav"].read_bytes()
    (out / "wav_in_wav.wav").write_bytes(_wav_header(16000, 1, 16, len(inner)) + inner)
    opus = bases["opus"].read_bytes()
    (out / "ogg_in_wav.wav").write_bytes(_wav_header(48000, 1, 16, len(opus)) + opus)
    (out / "empty.opus").write_bytes(b"")
    (out / "one_byte.m4a").write_bytes(b"\x00")
    (out / "one_byte.opus").write_bytes(b"O")
    (out / "oggs_only.ogg").write_bytes(b"OggS")
    (out / "ftyp_only.m4a").write_bytes(bases["m4a"].read_bytes()[:32])
    _huge_claims(out, bases)


def _has_encoder(name: str) -> bool:
    listing = subprocess.run([FFMPEG, "-hide_banner", "-encoders"], capture_output=True, text=True, check=True).stdout
    return f" {name} " in listing


def _huge_claims(out: Path, bases: dict[str, Path]) -> None:
    """Headers stating days or billions of samples over a few bytes of sound."""
    flac = bytearray(bases["flac"].read_bytes())
    flac[18 + 3] |= 0x0F  # STREAMINFO total samples' top bits: ~ 2^36 samples
    flac[22:26] = b"\xff\xff\xff\xff"
    (out / "flac_huge_count.flac").write_bytes(flac[:20000])
    m4a = bytearray(bases["m4a"].read_bytes())
    at = m4a.find(b"mdhd")
    if at > 0:  # version 0: duration at +20
        m4a[at + 20:at + 24] = b"\x7f\xff\xff\xff"
        (out / "m4a_huge_mdhd.m4a").write_bytes(m4a)
    amr = bases["amr"].read_bytes()
    (out / "amr_then_zeros.amr").write_bytes(amr[:400] + bytes(2_000_000))


def _big_mdat(out: Path, bases: dict[str, Path]) -> None:
    """A moov after 100 MB of mdat: the speech's AAC M4A with junk media data added before it."""
    ffmpeg(out / "tmp_mdat_first.m4a", *SPEECH, "-c:a", "aac", "-b:a", "48k")
    data = (out / "tmp_mdat_first.m4a").read_bytes()
    (out / "tmp_mdat_first.m4a").unlink()
    moov = data.find(b"moov") - 4
    mdat = data.find(b"mdat") - 4
    if moov < mdat:  # moov first: leave it
        return
    filler = 100 * 1024 * 1024
    size = struct.unpack(">I", data[mdat:mdat + 4])[0] + filler
    with open(out / "moov_after_100mb.m4a", "wb") as f:
        f.write(data[:mdat] + struct.pack(">I", size) + data[mdat + 4:moov])
        f.write(bytes(filler))  # the stco offsets still point at the audio before the filler
        f.write(data[moov:])


def _chains(out: Path, bases: dict[str, Path]) -> None:
    """Chained Oggs (links joined end to end), one link's BOS flag flipped."""
    a = bases["opus"].read_bytes()
    ffmpeg(out / "tmp_tone.opus", "-f", "lavfi", "-i", "sine=f=500:d=2:r=48000", "-c:a", "libopus")
    b = (out / "tmp_tone.opus").read_bytes()
    (out / "tmp_tone.opus").unlink()
    (out / "chain_plain.opus").write_bytes(a + b + a)
    second = bytearray(b)
    second[5] &= ~0x02  # the link's first page no longer says 'beginning of stream'
    (out / "chain_bos_flipped.opus").write_bytes(a + bytes(second) + a)
    v = bases["vorbis"].read_bytes()
    (out / "chain_vorbis.ogg").write_bytes(v + v)


def _names(out: Path, bases: dict[str, Path]) -> None:
    data = bases["opus"].read_bytes()
    for name in ("ünïcödé_نص_音声.opus", "new\nline.opus", "tab\tand space .opus", "-dash.opus",
                 "x" * 240 + ".opus", "rtl\u202eoggo.opus", "back\\slash.opus", ".hidden.opus"):
        (out / name).write_bytes(data)
    try:
        (out / b"bad\xff\xfename.opus".decode("utf-8", "surrogateescape")).write_bytes(data)
    except OSError:
        pass


def _specials(out: Path, bases: dict[str, Path]) -> None:
    locked = out / "unreadable.opus"
    shutil.copy(bases["opus"], locked)
    locked.chmod(0)
    os.mkfifo(out / "fifo.opus")
    (out / "loop_a.opus").symlink_to("loop_b.opus")
    (out / "loop_b.opus").symlink_to("loop_a.opus")
    (out / "dangling.opus").symlink_to("nowhere.opus")
    (out / "dir_named.m4a").mkdir()


def _boxes_on_path(data: bytes, path: list[bytes]) -> list[int]:
    """The offsets of the boxes named by `path` (moov, trak, ...), each the first of its name inside the one before."""
    found, at, end = [], 0, len(data)
    for name in path:
        while at + 8 <= end and data[at + 4:at + 8] != name:
            at += struct.unpack(">I", data[at:at + 4])[0]
        found.append(at)
        at, end = at + 8, at + struct.unpack(">I", data[at:at + 4])[0]
    return found


def _grown(data: bytes, path: list[bytes], at: int, extra: bytes) -> bytes:
    """`extra` put in at `at`, inside the boxes of `path`, each box's size grown to hold it (moov last: no offset moves)."""
    data = bytearray(data[:at] + extra + data[at:])
    for box in _boxes_on_path(bytes(data), path):
        data[box:box + 4] = struct.pack(">I", struct.unpack(">I", data[box:box + 4])[0] + len(extra))
    return bytes(data)


def _iso_variants(out: Path, bases: dict[str, Path]) -> None:
    """MP4/M4A: the index (moov) cut or written twice, edit lists repeating or starting late, a fragmented
    file cut inside a fragment, Apple Lossless in an M4A."""
    fast = ffmpeg(out / "m4a_faststart.m4a", *SPEECH, "-c:a", "aac", "-b:a", "48k", "-movflags", "+faststart")
    data = fast.read_bytes()
    moov = _boxes_on_path(data, [b"moov"])[0]
    size = struct.unpack(">I", data[moov:moov + 4])[0]
    for part in (8, 2):
        (out / f"m4a_moov_cut_1of{part}.m4a").write_bytes(data[:moov + size // part])
    plain = bases["m4a"].read_bytes()  # moov last: a second copy after it moves no offset
    last = _boxes_on_path(plain, [b"moov"])[0]
    (out / "m4a_moov_twice.m4a").write_bytes(plain + plain[last:])
    (out / "m4a_moov_twice_fast.m4a").write_bytes(data[:moov + size] + data[moov:])
    elst = plain.find(b"elst") - 4
    count = struct.unpack(">I", plain[elst + 12:elst + 16])[0]
    if elst > 0 and plain[elst + 8] == 0 and count == 1:  # version 0: one 12-byte entry
        entry = plain[elst + 16:elst + 28]
        path = [b"moov", b"trak", b"edts", b"elst"]
        twice = bytearray(_grown(plain, path, elst + 28, entry))
        twice[elst + 12:elst + 16] = struct.pack(">I", 2)
        (out / "m4a_edit_repeats.m4a").write_bytes(bytes(twice))
        late = bytearray(_grown(plain, path, elst + 16, struct.pack(">Iii", 2 * 1000, -1, 65536)))
        late[elst + 12:elst + 16] = struct.pack(">I", 2)  # 2,000 ticks of nothing (0.125 s: ffmpeg's mvhd counts the
        # sample rate, 16,000 a second), then the audio; hostile_media_more makes a true 2 s one
        (out / "m4a_edit_starts_late.m4a").write_bytes(bytes(late))
    frag = ffmpeg(out / "m4a_fragmented.m4a", *SPEECH, "-c:a", "aac", "-b:a", "48k", "-movflags",
                  "frag_keyframe+empty_moov", "-frag_duration", "1000000").read_bytes()
    moofs = [at - 4 for at in range(len(frag)) if frag[at:at + 4] == b"moof"]
    if len(moofs) > 2:
        (out / "m4a_frag_cut_in_moof.m4a").write_bytes(frag[:moofs[2] + 20])
        (out / "m4a_frag_cut_in_mdat.m4a").write_bytes(frag[:(moofs[2] + moofs[3 if len(moofs) > 3 else 2]) // 2])
    ffmpeg(out / "alac.m4a", *SPEECH, "-c:a", "alac")
    alac = (out / "alac.m4a").read_bytes()
    (out / "alac_cut50pct.m4a").write_bytes(alac[:len(alac) // 2])


def _tagged_and_streamed(out: Path, bases: dict[str, Path]) -> None:
    """An ID3v2 tag before ADTS and FLAC (a tagger's), a 3 MB one before MP3; a WAV written as a stream
    (its data size 0 or 0xFFFFFFFF); 24-bit and float WAVE_FORMAT_EXTENSIBLE; a WebM/MKV with 2 kB cut out
    of a cluster."""
    def id3(payload: int) -> bytes:
        frame = b"PRIV" + struct.pack(">I", payload + 6) + b"\x00\x00" + b"owner\x00" + bytes(payload)
        size = len(frame)
        return b"ID3\x03\x00\x00" + bytes((size >> 21 & 127, size >> 14 & 127, size >> 7 & 127, size & 127)) + frame
    (out / "id3_then_adts.aac").write_bytes(id3(100_000) + bases["aac"].read_bytes())
    (out / "id3_then_flac.flac").write_bytes(id3(100_000) + bases["flac"].read_bytes())
    (out / "id3_3mb_then_mp3.mp3").write_bytes(id3(3 << 20) + bases["mp3"].read_bytes())
    wav = bases["wav"].read_bytes()
    data = wav.index(b"data") + 4  # after ffmpeg's LIST chunk
    for name, size in (("0", 0), ("ffffffff", 0xFFFFFFFF)):  # the RIFF and data sizes a writer to a pipe leaves
        (out / f"wav_stream_size{name}.wav").write_bytes(wav[:4] + struct.pack("<I", size) + wav[8:data]
                                                         + struct.pack("<I", size) + wav[data + 4:])
    speech = soundfile.read(bases["wav"])[0]
    for subtype in ("PCM_24", "PCM_32", "FLOAT"):
        soundfile.write(out / f"wavex_{subtype.lower()}.wav", speech, 16000, subtype=subtype, format="WAVEX")
    for name in ("webm", "mkv"):
        data = bases[name].read_bytes()
        (out / f"{name}_hole2k.{name}").write_bytes(data[:len(data) // 2] + data[len(data) // 2 + 2048:])


def _sizes_past_the_filesystem(out: Path, bases: dict[str, Path]) -> None:
    """Each CAF chunk's size with bit 48 set, a W64 data size with bit 62 set (40 billion hours): on ext4 (2^44
    at most) every seek there fails, and PyAV printed the first failure as 'exception being dropped'."""
    data = bases["caf"].read_bytes()
    at = 8
    while at + 12 <= len(data) and (size := struct.unpack(">q", data[at + 4:at + 12])[0]) >= 0:
        flipped = data[:at + 4] + struct.pack(">q", size | 1 << 48) + data[at + 12:]
        (out / f"caf_{data[at:at + 4].decode('latin-1')}_size_2p48.caf").write_bytes(flipped)
        at += 12 + size
    w64 = ffmpeg(out / "base_w64.w64", *SPEECH, "-c:a", "pcm_s16le").read_bytes()
    at = w64.index(b"data") + 16
    (out / "w64_data_size_2p62.w64").write_bytes(w64[:at] + struct.pack("<Q", struct.unpack("<Q", w64[at:at + 8])[0]
                                                                          | 1 << 62) + w64[at + 8:])


def _rates_and_tracks(out: Path) -> None:
    """The speech at every common rate from 8 to 192 kHz; two audio tracks in different languages (the
    second the speech), in MKV and MP4."""
    for rate in (8000, 11025, 22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000):
        ffmpeg(out / f"rate_{rate}.flac", *SPEECH, "-ar", str(rate), "-c:a", "flac")
    other = ["-i", str(SHARED / "de_voicenote.opus")]
    for ext, codec in (("mkv", "libopus"), ("mp4", "aac")):
        ffmpeg(out / f"two_languages.{ext}", *other, *SPEECH, "-map", "0:a", "-map", "1:a", "-c:a", codec,
               "-metadata:s:a:0", "language=deu", "-metadata:s:a:1", "language=eng")


def _stated_ends(out: Path, bases: dict[str, Path]) -> None:
    """ADTS frames near the end stating 4,096 bytes more than they hold (bit 12 of the length: a whole
    file, not a cut), and one of them also cut in its last frame; Ogg notes cut at a page, zero bytes
    after to their size or 100 kB (a recorder's file made larger than it filled), a whole one with 100 kB
    of zeros after it, and one whose last page or the page before it fails its checksum."""
    data = bases["aac"].read_bytes()
    starts = [0]
    while starts[-1] + 7 <= len(data):
        at = starts[-1]
        starts.append(at + ((data[at + 3] & 3) << 11 | data[at + 4] << 3 | data[at + 5] >> 5))
    flipped = {}
    for back in (1, 2, 3, 5):  # the last frame's own: a cut, as far as the bytes tell
        at = starts[-1 - back]
        flipped[back] = data[:at + 3] + bytes((data[at + 3] | 0x02,)) + data[at + 4:]
        (out / f"aac_len4096_last{back}.aac").write_bytes(flipped[back])
    (out / "aac_len4096_last3_cut.aac").write_bytes(flipped[3][:(starts[-2] + len(data)) // 2])
    for name in ("opus", "vorbis"):
        ogg, ext = bases[name].read_bytes(), bases[name].suffix
        page = ogg.index(b"OggS", len(ogg) // 2)
        (out / f"{name}_half_then_zeros{ext}").write_bytes(ogg[:page] + bytes(len(ogg) - page))
        (out / f"{name}_half_then_100k_zeros{ext}").write_bytes(ogg[:page] + bytes(100_000))
        (out / f"{name}_whole_then_100k_zeros{ext}").write_bytes(ogg + bytes(100_000))
        pages = [at for at in range(len(ogg) - 4) if ogg[at:at + 4] == b"OggS"] + [len(ogg)]
        for back in (1, 2):  # the last page, the one before it, failing its checksum (a byte of its body changed)
            at = (pages[-back - 1] + 27 + ogg[pages[-back - 1] + 26] + pages[-back]) // 2  # the middle of its body
            (out / f"{name}_crc_last{back}{ext}").write_bytes(ogg[:at] + bytes((ogg[at] ^ 0x55,)) + ogg[at + 1:])


def _joined_after(out: Path, bases: dict[str, Path]) -> None:
    """A CAF (big-endian PCM), a Wave64, a CAF written as it went (data size -1, to a pipe), an AMR, an
    AIFF, a FLAC, an M4A, an RF64, an MP3 and an ADTS with a whole file of another kind after it: each second
    named, not heard as the first's audio nor lost; a tagger's ID3v2 tag and ID3v1 'TAG' after a CAF (a
    tag), a WAV a tagger put an unpadded ID3 tag before (heard), and that after a CAF (named a WAV)."""
    firsts = {"caf": ffmpeg(out / "base_pcm.caf", *SPEECH, "-c:a", "pcm_s16be").read_bytes(),
              "w64": ffmpeg(out / "base_pcm.w64", *SPEECH, "-c:a", "pcm_s16le").read_bytes(),
              "streamed_caf": subprocess.run([FFMPEG, "-v", "error", *SPEECH, "-c:a", "pcm_s16be", "-f", "caf", "-"],
                                             capture_output=True, check=True, stdin=subprocess.DEVNULL).stdout,
              "aiff": ffmpeg(out / "base_pcm.aiff", *SPEECH, "-c:a", "pcm_s16be").read_bytes(),
              "rf64": ffmpeg(out / "base_rf64.wav", *SPEECH, "-c:a", "pcm_s16le", "-rf64", "always").read_bytes(),
              **{name: bases[name].read_bytes() for name in ("amr", "flac", "m4a", "mp3", "aac")}}
    seconds = {name: bases[name] for name in ("wav", "m4a", "flac", "opus", "amr", "mp3")}
    seconds["aiff"] = out / "base_pcm.aiff"
    for first, data in firsts.items():
        for name, second in seconds.items():
            suffix = "wav" if first == "rf64" else first.rsplit("_")[-1]
            (out / f"{first}_plus_{name}.{suffix}").write_bytes(data + second.read_bytes())
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x14TIT2\x00\x00\x00\x0a\x00\x00\x00Interview"  # a title, no padding
    (out / "caf_plus_id3_id3v1.caf").write_bytes(firsts["caf"] + tag + b"TAG" + bytes(125))
    (out / "id3_unpadded_then_wav.wav").write_bytes(tag + bases["wav"].read_bytes())
    (out / "caf_plus_id3_wav.caf").write_bytes(firsts["caf"] + tag + bases["wav"].read_bytes())


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    bases = _bases(out)
    rng = random.Random(30)
    for name, path in bases.items():
        _damaged(name, path, out, rng)
    _odd_formats(out, bases)
    _big_mdat(out, bases)
    _chains(out, bases)
    _names(out, bases)
    _specials(out, bases)
    _iso_variants(out, bases)
    _tagged_and_streamed(out, bases)
    _rates_and_tracks(out)
    _sizes_past_the_filesystem(out, bases)
    _stated_ends(out, bases)
    _joined_after(out, bases)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from hostile_media_more import session32, session33
    session32(out, bases, ffmpeg, SPEECH)
    session33(out, bases, ffmpeg, SPEECH)
    print(f"{sum(1 for _ in out.iterdir())} entries in {out}")


def one(path: str) -> dict:
    """Probe and decode `path` in this process: heard (lengths, notes) or refused (the reason)."""
    sys.path.insert(0, str(REPO))
    from app.core.errors import MediaError
    from app.core.media.decode import read_all
    from app.core.media.probing import probe
    try:
        info = probe(path)
        audio, reader = read_all(path, expected_ms=info.duration_ms)
    except MediaError as exc:
        return {"outcome": "refused", "reason": str(exc)}
    peak = float(abs(audio).max()) if audio.size else 0.0
    return {"outcome": "heard", "probe_ms": info.duration_ms, "decoded_ms": round(audio.shape[-1] / 16),
            "truncated": reader.truncated, "peak": round(peak, 3), "notes": list(reader.notes),
            "samples_sha256": hashlib.sha256(audio.tobytes()).hexdigest()[:16]}


def _changing(path: Path, stop: threading.Event) -> None:
    """Append to `path` until stopped: a recorder still writing."""
    with open(path, "ab") as f:
        while not stop.is_set():
            f.write(os.urandom(4096))
            f.flush()
            time.sleep(0.2)  # 20 kB/s: a recorder's pace


def run(folder: Path, patterns: list[str]) -> None:
    """Each file of `folder` (or those matching `patterns`, in their order) in a process of its own."""
    growing = folder / "growing.opus"  # a file written while the sweep reads it (unless another sweep writes it)
    stop = threading.Event()
    writer = None
    if not growing.exists() and (folder / "base_opus.opus").exists():  # a folder `make` made, no other
        shutil.copy(folder / "base_opus.opus", growing)
        writer = threading.Thread(target=_changing, args=(growing, stop), daemon=True)
        writer.start()
    try:
        entries = sorted(folder.iterdir(), key=lambda p: os.fsencode(p.name))
        if patterns:
            entries = [e for pattern in patterns for e in entries if e.match(pattern)]
        for entry in entries:
            print(json.dumps(_one_in_process(entry)), flush=True)
    finally:
        stop.set()
        if writer is not None:
            writer.join()
            growing.unlink()


def _one_in_process(entry: Path) -> dict:
    name = os.fsencode(entry.name).decode("utf-8", "backslashreplace")
    started = time.monotonic()
    before = os.times()
    try:
        done = subprocess.run([sys.executable, __file__, "one", os.fsencode(entry)], capture_output=True,
                              timeout=TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return {"file": name, "outcome": "hang"}
    after = os.times()
    cpu = round(after.children_user + after.children_system - before.children_user - before.children_system, 2)
    row = {"file": name, "cpu_s": cpu, "wall_s": round(time.monotonic() - started, 1)}
    if done.returncode < 0:
        return {**row, "outcome": "crash", "signal": -done.returncode}
    if done.returncode != 0 or not done.stdout.strip():
        return {**row, "outcome": "traceback", "stderr": done.stderr.decode(errors="replace")[-600:]}
    printed = done.stderr.decode(errors="replace").strip()  # a refusal is one line of its own: nothing else
    return {**row, **json.loads(done.stdout.decode().strip().splitlines()[-1]), **({"stderr": printed[-600:]} if printed else {})}


def summary(rows_file: Path, before_file: Path | None = None) -> None:
    rows = [json.loads(line) for line in rows_file.read_text().splitlines() if line.strip()]
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + 1
        if row["outcome"] in ("traceback", "hang", "crash") or "\n" in row.get("reason", "") or "stderr" in row:
            print(row["file"], row["outcome"], row.get("stderr", row.get("reason", ""))[-300:])
    print(len(rows), "files:", counts, "| printed on stderr:", sum("stderr" in row for row in rows))
    if before_file is not None:
        before = {r["file"]: r for r in map(json.loads, before_file.read_text().splitlines()) if r}
        for row in rows:
            old = before.get(row["file"])
            if old and (old["outcome"], old.get("decoded_ms")) != (row["outcome"], row.get("decoded_ms")):
                print("changed:", row["file"], old["outcome"], old.get("decoded_ms"), "->", row["outcome"],
                      row.get("decoded_ms"))


if __name__ == "__main__":
    command, target = sys.argv[1], sys.argv[2]
    if command == "make":
        make(Path(target))
    elif command == "one":
        print(json.dumps(one(target)))
    elif command == "run":
        run(Path(target), sys.argv[3:])
    else:
        summary(Path(target), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
