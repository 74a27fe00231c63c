"""Hostile media, round 13: block-coded WAVs (IMA ADPCM, Microsoft ADPCM, GSM 6.10: call
recorders, dictaphones, older phones) whose fmt chunk states a damaged block size or bit depth.

ffmpeg lays the samples out by the fmt chunk's block size alone: a size of 1 gave no sound at all
(the whole note 'damaged', truncated), half the size damage every few tenths, 0xFFFF noise over
the speech; an IMA file stating 8 bits was read as another codec (half its length, noise), and a
GSM 6.10 file whose block size was not 65 as one of no channels."""

from __future__ import annotations

import struct
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, probe, read_all

BURSTS = "sine=frequency=440:duration=8,volume='if(lt(mod(t,3),1),1,0)':eval=frame"  # sound at 0-1, 3-4, 6-7 s


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


def rms(audio: np.ndarray, start_s: float, end_s: float) -> float:
    piece = audio[int(start_s * SAMPLE_RATE):int(end_s * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(piece ** 2))) if piece.size else 0.0


def fmt_at(data: bytes) -> int:
    return data.index(b"fmt ") + 8


@pytest.fixture(scope="module")
def adpcm(tmp_path_factory) -> dict[tuple[str, int], bytes]:
    """Eight seconds of bursts in IMA and Microsoft ADPCM, mono and stereo, as ffmpeg writes them."""
    folder = tmp_path_factory.mktemp("adpcm")
    out = {}
    for codec in ("adpcm_ima_wav", "adpcm_ms"):
        for channels in (1, 2):
            path = folder / f"{codec}{channels}.wav"
            ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "8000", "-ac", str(channels), "-c:a", codec, str(path))
            out[codec, channels] = path.read_bytes()
    return out


def heard_as_bursts(path) -> tuple[float, object]:
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    for start in (0, 3, 6):
        assert rms(audio, start + 0.1, start + 0.9) > 0.06, start  # the speech there, whole
        assert rms(audio, start + 1.2, start + 2.8) < 0.005, start  # the silence after it, no noise
    assert not reader.truncated and not reader.damaged
    return source.duration_ms, reader


@pytest.mark.parametrize("codec", ["adpcm_ima_wav", "adpcm_ms"])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("stated", [1, "half", "double", 0xFFFF])
def test_an_adpcm_wav_whose_block_size_is_damaged_is_read_as_its_blocks_are(tmp_path, adpcm, codec, channels, stated):
    data = bytearray(adpcm[codec, channels])
    at = fmt_at(data) + 12
    true = struct.unpack_from("<H", data, at)[0]
    stated = {"half": true // 2, "double": true * 2}.get(stated, stated)
    struct.pack_into("<H", data, at, stated)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    duration_ms, reader = heard_as_bursts(path)
    assert abs(duration_ms - 8000) < 300
    stated_as = f"{stated:,} byte" + ("" if stated == 1 else "s")
    assert f"states a block size of {stated_as} (damaged): read as blocks of {true:,} bytes" in " ".join(reader.notes)


@pytest.mark.parametrize("bits", [0, 8])
def test_an_ima_adpcm_wav_whose_bit_depth_is_damaged_is_read_as_4_bits(tmp_path, adpcm, bits):
    """8 bits made ffmpeg read it as Zork ADPCM (4 s of noise from 8 s of speech), 0 as no channels."""
    data = bytearray(adpcm["adpcm_ima_wav", 1])
    struct.pack_into("<H", data, fmt_at(data) + 14, bits)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    duration_ms, reader = heard_as_bursts(path)
    assert probe(path).channels == 1 and abs(duration_ms - 8000) < 300
    assert f"states {bits} bits per sample (damaged): read as 4" in " ".join(reader.notes)


@pytest.mark.parametrize("codec", ["adpcm_ima_wav", "adpcm_ms"])
def test_a_whole_adpcm_wav_or_one_with_only_its_samples_per_block_damaged_reads_with_no_note(tmp_path, adpcm, codec):
    data = bytearray(adpcm[codec, 1])
    path = tmp_path / "whole.wav"
    path.write_bytes(data)
    assert heard_as_bursts(path)[1].notes == ()
    struct.pack_into("<H", data, fmt_at(data) + 18, 0xFFFF)  # ffmpeg reads by the block size: no harm
    path.write_bytes(data)
    assert heard_as_bursts(path)[1].notes == ()


def gsm_wav(frames: bytes, block_align: int) -> bytes:
    """A Microsoft GSM 6.10 WAV (65-byte blocks of 320 samples at 8 kHz), as a call recorder writes."""
    fmt = struct.pack("<HHIIHHHH", 0x31, 1, 8000, 1625, block_align, 0, 2, 320)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"fact" + struct.pack("<II", 4, len(frames) // 65 * 320)
    body += b"data" + struct.pack("<I", len(frames)) + frames
    return b"RIFF" + struct.pack("<I", len(body)) + body


@pytest.mark.parametrize("block_align", [1, 64, 130, 65])
def test_a_gsm_wav_whose_block_size_is_not_65_is_read_in_65_byte_blocks(tmp_path, block_align):
    """No GSM encoder here: its frames are any bits, so 8 s of them decode to 8 s of sound.
    Before, a block size of 1, 64 or 130 gave a file of no channels, all of it 'damaged'."""
    frames = np.random.default_rng(1).integers(0, 256, 65 * 25 * 8, dtype=np.uint8).tobytes()
    path = tmp_path / "call.wav"
    path.write_bytes(gsm_wav(frames, block_align))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.channels == 1 and source.audio_codec == "gsm_ms" and source.duration_ms == 8000
    assert len(audio) == 8 * SAMPLE_RATE and rms(audio, 0, 8) > 0.01
    assert not reader.truncated and not reader.damaged
    said = [n for n in reader.notes if "GSM 6.10" in n]
    assert said == ([] if block_align == 65 else
                    [(f"the GSM 6.10 header states a block size of {block_align} byte{'' if block_align == 1 else 's'} "
                      "(damaged): read as blocks of 65 bytes, as its own blocks are laid out")])


@pytest.fixture(scope="module")
def mp3_wav(tmp_path_factory) -> bytes:
    """Eight seconds of bursts as MP3 frames inside a WAV (WAVE_FORMAT_MPEGLAYER3), as an older
    phone or a call recorder writes them, without its fact chunk."""
    path = tmp_path_factory.mktemp("mp3wav") / "call.wav"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "16000", "-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k", str(path))
    data = path.read_bytes()
    fact = data.index(b"fact")
    data = data[:fact] + data[fact + 12:]
    return b"RIFF" + struct.pack("<I", len(data) - 8) + data[8:]


@pytest.mark.parametrize("field, stated", [("byte rate", 16000), ("byte rate", 1000), ("sample rate", 44100)])
def test_an_mp3_in_a_wav_whose_header_states_a_wrong_rate_is_as_long_as_its_frames(tmp_path, mp3_wav, field, stated):
    """The fmt chunk's byte rate, 4 times too high, recorded 8 s of speech as 2 s; 4 times too low
    as 32 s, the note called truncated and 00:08-00:32 'damaged'. MP3 frames time themselves."""
    data = bytearray(mp3_wav)
    struct.pack_into("<I", data, fmt_at(data) + (8 if field == "byte rate" else 4), stated)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    duration_ms, reader = heard_as_bursts(path)
    assert abs(duration_ms - 8100) < 150 and reader.notes == ()


def test_an_mp3_in_a_wav_cut_short_is_still_truncated(tmp_path, mp3_wav):
    path = tmp_path / "call.wav"
    path.write_bytes(mp3_wav[:len(mp3_wav) // 2])
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 8100) < 150 and reader.truncated and rms(audio, 3.1, 3.9) > 0.06


@pytest.mark.parametrize("codec", ["adpcm_ima_wav", "adpcm_ms"])
@pytest.mark.parametrize("byte_rate", [4013 * 4, 1000])
def test_an_adpcm_wav_whose_byte_rate_is_damaged_is_as_long_as_its_blocks(tmp_path, adpcm, codec, byte_rate):
    """A fact chunk was checked against the byte rate: 4 times too high recorded 8 s as 2 s."""
    data = bytearray(adpcm[codec, 1])
    struct.pack_into("<I", data, fmt_at(data) + 8, byte_rate)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    duration_ms, reader = heard_as_bursts(path)
    assert abs(duration_ms - 8000) < 300 and reader.notes == ()


def amr_frame_starts(data: bytes, header: int, sizes: dict[int, int]) -> list[int]:
    at, starts = header, []
    while at < len(data):
        starts.append(at)
        at += sizes.get(data[at] >> 3 & 0x0F, 1)
    return starts


@pytest.mark.parametrize("damaged", {"a smaller mode": [(100, 2 << 3 | 4)], "NO_DATA": [(150, 0x7C)],
                                     "a mode no coder writes": [(150, 9 << 3 | 4)], "padding bits set": [(120, 0x3D)],
                                     "three of them": [(60, 0x04), (150, 0x7C), (250, 5 << 3 | 4)]}.items(),
                         ids=lambda item: item[0])
def test_an_amr_note_whose_frame_headers_are_damaged_mid_file_keeps_every_word_in_its_place(tmp_path, damaged):
    """One damaged frame header made the reader land inside the frame and read its speech as false
    frames: the 6.1 s note lasted up to 7.3 s, every word after the damage up to 1.2 s late."""
    from app.core.media.amr import NB_SIZES
    from tests.conftest import MEDIA

    whole = (MEDIA / "en_voicenote.amr").read_bytes()
    data = bytearray(whole)
    starts = amr_frame_starts(whole, 6, NB_SIZES)
    for frame, toc in damaged[1]:
        data[starts[frame]] = toc
    path = tmp_path / "note.amr"
    path.write_bytes(data)
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    heard, _ = read_all(str(MEDIA / "en_voicenote.amr"))
    assert probe(path).duration_ms == probe(MEDIA / "en_voicenote.amr").duration_ms
    assert np.array_equal(audio, heard)  # the frame's own speech was whole: only its header was damaged
    assert not reader.truncated and not reader.damaged
    assert f"an AMR voice note with {len(damaged[1])} damaged frame header(s)" in " ".join(reader.notes)


def test_an_amr_wb_note_whose_frame_header_is_damaged_keeps_its_length_and_its_frames(tmp_path):
    from app.core.media.amr import WB_HEADER, WB_SIZES

    rng = np.random.default_rng(7)
    frames = b"".join(bytes([2 << 3 | 0x04]) + rng.bytes(WB_SIZES[2] - 1) for _ in range(300))  # 6 s
    whole, damaged = tmp_path / "whole.awb", tmp_path / "note.awb"
    whole.write_bytes(WB_HEADER + frames)
    data = bytearray(WB_HEADER + frames)
    data[len(WB_HEADER) + 150 * WB_SIZES[2]] = 7 << 3 | 0x04  # frame 150 said to be 51 bytes, not 33
    damaged.write_bytes(data)
    assert probe(damaged).duration_ms == probe(whole).duration_ms == 6000
    audio, reader = read_all(str(damaged), expected_ms=6000)
    assert np.array_equal(audio, read_all(str(whole))[0]) and not reader.damaged


def test_junk_after_an_amr_notes_end_is_not_mended_into_frames():
    from io import BytesIO

    from app.core.media import amr_frames
    from tests.conftest import MEDIA

    note = (MEDIA / "en_voicenote.amr").read_bytes()
    assert amr_frames.mended(BytesIO(note)) is None
    junk = np.random.default_rng(3).integers(0, 256, 200_000, dtype=np.uint8).tobytes()
    assert amr_frames.mended(BytesIO(note + junk)) is None


def caf_entry_changed(data: bytes, packet: int, by: int) -> bytes:
    """The CAF with its packet table's entry for `packet` stated `by` bytes off (same width)."""
    at = 8
    while data[at:at + 4] != b"pakt":
        at += 12 + struct.unpack(">q", data[at + 4:at + 12])[0]
    entry, out = at + 12 + 24, bytearray(data)
    for _ in range(packet):
        while out[entry] & 0x80:
            entry += 1
        entry += 1
    width = 1
    while out[entry + width - 1] & 0x80:
        width += 1
    value = 0
    for byte in out[entry:entry + width]:
        value = value << 7 | byte & 0x7F
    value += by
    out[entry:entry + width] = bytes(((value >> 7 * (width - 1 - n)) & 0x7F) | (0x80 if n < width - 1 else 0)
                                     for n in range(width))
    return bytes(out)


@pytest.mark.parametrize("packet, by", [(10, 40), (10, -40), (1, 7), (30, -100)])
def test_a_caf_whose_packet_table_states_one_packets_size_wrong_is_read_whole(tmp_path, packet, by):
    """One damaged size put every later packet in the wrong place: 8 s of an iPhone app's ALAC
    decoded to 2.8 s, the rest 'damaged', truncated, its last bytes 'cannot be located'."""
    whole = tmp_path / "whole.caf"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "16000", "-ac", "1", "-c:a", "alac", str(whole))
    path = tmp_path / "note.caf"
    path.write_bytes(caf_entry_changed(whole.read_bytes(), packet, by))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.duration_ms == probe(whole).duration_ms == 8000
    assert np.array_equal(audio, read_all(str(whole))[0])
    assert not reader.truncated and not reader.damaged
    assert f"states packet {packet + 1} as" in " ".join(reader.notes)


@pytest.mark.parametrize("codec", ["adpcm_ima_wav", "adpcm_ms"])
@pytest.mark.parametrize("channels, stated", [(1, 2), (2, 1)])
def test_an_adpcm_wav_whose_header_states_the_wrong_channel_count_is_read_as_its_blocks_hold(
        tmp_path, adpcm, codec, channels, stated):
    """A mono note stated as stereo gave noise (IMA) or nothing at all (MS, 'damaged', truncated);
    a stereo one stated as mono gave noise twice as long. Each block starts with one header per
    channel: they say how many there are."""
    data = bytearray(adpcm[codec, channels])
    struct.pack_into("<H", data, fmt_at(data) + 2, stated)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    duration_ms, reader = heard_as_bursts(path)
    assert probe(path).channels == channels and abs(duration_ms - 8000) < 300
    stated_as = f"{stated} channel" + ("" if stated == 1 else "s")
    assert f"states {stated_as}, but its blocks hold {channels} (damaged)" in " ".join(reader.notes)


def test_a_mono_ima_note_opening_on_digital_silence_stays_mono(tmp_path):
    """Blocks of digital silence are zero bytes, which also read as a second channel's header."""
    path = tmp_path / "call.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono:d=20", "-f", "lavfi", "-i", BURSTS, "-filter_complex",
           "[0][1]concat=n=2:v=0:a=1", "-ar", "8000", "-ac", "1", "-c:a", "adpcm_ima_wav", str(path))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.channels == 1 and abs(source.duration_ms - 28000) < 300 and reader.notes == ()
    assert rms(audio, 20.2, 20.8) > 0.06 and rms(audio, 0, 19.8) < 0.001


def test_a_gsm_wav_stated_as_stereo_is_read_as_the_mono_it_is(tmp_path):
    """GSM 6.10 in a WAV is mono: stated as 2 channels, nothing decoded, all of it 'damaged'."""
    frames = np.random.default_rng(1).integers(0, 256, 65 * 25 * 8, dtype=np.uint8).tobytes()
    data = bytearray(gsm_wav(frames, 65))
    struct.pack_into("<H", data, fmt_at(data) + 2, 2)
    path = tmp_path / "call.wav"
    path.write_bytes(data)
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.channels == 1 and len(audio) == 8 * SAMPLE_RATE and not reader.damaged
