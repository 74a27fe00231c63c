"""Hostile media, seventh round, built here with ffmpeg or bytes: text files ffmpeg follows to other
files or the network (an ffconcat list, an SDP description, an M3U playlist) under a recording's
name, a stereo WAV whose channel mask names other positions, Opus headers whose output gain
silences or overdrives the speech, RF64 recordings never closed (ds64 missing or 0), and an MP3
that is only its ID3 tag."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media import streams
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.conftest import MEDIA
from tests.test_cli import run_cli
from tests.test_hostile_media import ffmpeg, rms
from tests.test_odd_media import _ogg_crc


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _speech_wav(path: Path, seconds: float = 6.0) -> Path:
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ac", "1", "-ar", "16000", "-t", str(seconds), str(path))
    return path


SCRIPTS = {  # name: (the text, what the refusal names)
    "ffconcat list": ("ffconcat version 1.0\nfile speech.wav\nfile speech.wav\n", "ffconcat"),
    "sdp description": (("v=0\no=- 0 0 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n"
                         "m=audio 5004 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"), "SDP"),
    "m3u playlist": ("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:6.0,\nspeech.wav\n#EXT-X-ENDLIST\n", "playlist"),
}


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_a_text_file_naming_other_media_is_refused_never_followed(tmp_path, script):
    """A 53-byte ffconcat list named .mp4 beside a recording was transcribed as 12 s of that
    recording's words under the list's own hash; an SDP description named .mp4 had ffmpeg listen
    on a UDP port for 40 s, then gave an empty 'truncated' transcript."""
    _speech_wav(tmp_path / "speech.wav", 3)
    text, named = script
    path = tmp_path / "evidence.mp4"
    path.write_text(text)
    with pytest.raises(MediaError) as refused:
        probe(path)
    assert refused.value.reason.startswith("a text file, not a recording") and named in refused.value.reason
    with pytest.raises(MediaError):
        read_all(str(path))


def test_the_demuxer_is_never_allowed_to_open_another_file(tmp_path, monkeypatch):
    """However a list gets past the look at its first bytes, ffmpeg may open no protocol for it."""
    from app.core.media import opening

    _speech_wav(tmp_path / "speech.wav", 3)
    path = tmp_path / "late.mp4"
    path.write_bytes(b"ffconcat version 1.0\nfile speech.wav\n")
    monkeypatch.setattr(opening, "SCRIPTS", ())
    with open(path, "rb") as handle, pytest.raises(ValueError):
        opening._open(handle)


def _riff(fmt: bytes, data: bytes, magic: bytes = b"RIFF", extra: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)

    body = b"WAVE" + extra + chunk(b"fmt ", fmt) + chunk(b"data", data)
    return magic + struct.pack("<I", len(body) if magic == b"RIFF" else 0xFFFFFFFF) + body


def _extensible(channels: int, mask: int) -> bytes:
    guid = struct.pack("<IHH", 1, 0, 0x10) + bytes.fromhex("800000aa00389b71")  # PCM
    return struct.pack("<HHIIHHHHI", 0xFFFE, channels, 16000, 32000 * channels, 2 * channels, 16, 22, 16, mask) + guid


def _pcm(path: Path) -> np.ndarray:
    return np.frombuffer(path.read_bytes()[44:], dtype="<i2")


@pytest.mark.parametrize("mask", [0x8 | 0x100, 0x800 | 0x100, 0x200 | 0x400], ids=["LFE+BC", "TC+BC", "SL+SR"])
def test_a_stereo_wav_whose_channel_mask_names_other_positions_is_read(tmp_path, mask):
    """Two channels a recorder marked LFE and back centre: resampling them to 'stereo' failed
    ('ArgumentError: Invalid argument') after the whole file decoded, an unexpected error that
    also failed, twice, every file packed in its batch."""
    voice = _pcm(_speech_wav(tmp_path / "speech.wav"))
    path = tmp_path / "masked.wav"
    path.write_bytes(_riff(_extensible(2, mask), np.stack([voice, voice], 1).tobytes()))
    info = probe(path)
    mixed, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(mixed.size / SAMPLE_RATE - 6.0) < 0.05 and rms(mixed, 0, 6) > 0.05 and reader.notes == ()
    planes, _ = read_all(str(path), mono=False, expected_ms=info.duration_ms)
    assert planes.shape[0] == 2 and np.allclose(planes[0], planes[1]) and rms(planes[0], 0, 6) > 0.05
    with open(path, "rb") as handle:  # how a file with several audio streams is measured
        assert abs(streams._scan(handle, 0).size / SAMPLE_RATE - 6.0) < 0.05


def _opus_gain(data: bytes, gain_q8: int, checksum: bool = True) -> bytes:
    out = bytearray(data)
    struct.pack_into("<h", out, out.find(b"OpusHead") + 16, gain_q8)
    if checksum:  # the first Ogg page's checksum made good, as a writer would
        end = 27 + out[26] + sum(out[27:27 + out[26]])
        out[22:26] = b"\x00\x00\x00\x00"
        struct.pack_into("<I", out, 22, _ogg_crc(bytes(out[:end])))
    return bytes(out)


@pytest.mark.parametrize("container", ["ogg", "webm"])
@pytest.mark.parametrize("gain_db", [-128, 128])
def test_an_opus_header_gain_that_silences_or_overdrives_is_left_out_and_named(tmp_path, container, gain_db):
    """The OpusHead output gain at -128 dB decoded a voice note full of speech as silence ('no
    speech found', no warning); at +128 dB the speech was overdriven to noise (called damaged)."""
    plain = tmp_path / f"plain.{container}"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "libopus", str(plain))
    path = tmp_path / f"gain.{container}"
    path.write_bytes(_opus_gain(plain.read_bytes(), max(-32768, min(32767, gain_db * 256)), container == "ogg"))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert any(f"output gain of {gain_db:+d} dB" in note for note in reader.notes)
    assert reader.damaged == () and not reader.truncated
    assert _sha(path) == before


def test_an_ordinary_opus_gain_is_applied_as_the_header_says(tmp_path):
    """A normalising encoder's few dB stand: the note is for headers no encoder writes."""
    plain = tmp_path / "plain.opus"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "libopus", str(plain))
    quieter = tmp_path / "quieter.opus"
    quieter.write_bytes(_opus_gain(plain.read_bytes(), -6 * 256))
    full, _ = read_all(str(plain))
    audio, reader = read_all(str(quieter))
    assert abs(rms(audio, 0, 6) / rms(full, 0, 6) - 10 ** (-6 / 20)) < 0.02 and reader.notes == ()


def test_the_ogg_checksum_is_the_one_ogg_writers_make():
    from app.core.media.opus_gain import ogg_crc

    page = bytes(range(200))
    assert ogg_crc(page) == _ogg_crc(page)


@pytest.mark.parametrize("ds64", [None, bytes(28)], ids=["no ds64", "ds64 of zeros"])
def test_an_rf64_never_closed_is_read_whole_and_said_so(tmp_path, ds64):
    """A recorder killed before it wrote its ds64 sizes (left 0) or the chunk itself: ffmpeg read
    no sample ('damaged 00:00.0-00:06.1', an empty transcript) or refused the file."""
    voice = _pcm(_speech_wav(tmp_path / "speech.wav"))
    extra = b"" if ds64 is None else b"ds64" + struct.pack("<I", len(ds64)) + ds64
    path = tmp_path / "unclosed.wav"
    path.write_bytes(_riff(struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16), voice.tobytes(), b"RF64", extra))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and abs(audio.size / SAMPLE_RATE - 6.0) < 0.05
    assert np.abs(audio - voice / 32768).max() < 1e-4
    assert reader.damaged == () and not reader.truncated and any("ds64" in note for note in reader.notes)


def test_a_closed_rf64_reads_as_before_with_no_note(tmp_path):
    voice = _pcm(_speech_wav(tmp_path / "speech.wav"))
    sizes = struct.pack("<QQQI", 36 + 36 + voice.nbytes, voice.nbytes, voice.size, 0)
    path = tmp_path / "closed.wav"
    path.write_bytes(_riff(struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16), voice.tobytes(), b"RF64",
                           b"ds64" + struct.pack("<I", len(sizes)) + sizes))
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 6.0) < 0.05 and reader.notes == ()


@pytest.mark.parametrize("padding", [0, 2048])
def test_an_mp3_that_is_only_its_id3_tag_says_so(tmp_path, padding):
    """A download that stopped after the tag: 'not a media file' (or 'its first 20 bytes are all
    zero', which they were not) instead of what it is."""
    frame = b"TIT2" + struct.pack(">I", 11) + b"\x00\x00" + b"\x03Voice note"
    body = frame + bytes(padding)
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    path = tmp_path / "note.mp3"
    path.write_bytes(b"ID3\x03\x00\x00" + size + body)
    with pytest.raises(MediaError, match="an ID3 tag .* with no audio after it"):
        probe(path)


def test_the_cli_accounts_for_each_and_gives_words_only_from_the_file_itself(tmp_path):
    """The user's view: one folder holding a voice note, an ffconcat list naming it, a stereo WAV
    masked LFE+BC and a voice note whose Opus gain is -128 dB. Before: the list got the note's
    words twice under its own hash, the masked WAV failed with an unexpected error and took its
    batch-mates down twice, the silenced note was 'no speech found'."""
    folder = tmp_path / "seized"
    folder.mkdir()
    speech = _speech_wav(folder / "speech.wav")
    (folder / "list.mp4").write_text("ffconcat version 1.0\nfile speech.wav\nfile speech.wav\n")
    voice = _pcm(speech)
    (folder / "masked.wav").write_bytes(_riff(_extensible(2, 0x8 | 0x100), np.stack([voice, voice], 1).tobytes()))
    ffmpeg("-i", str(speech), "-c:a", "libopus", str(tmp_path / "plain.opus"))
    (folder / "muted.opus").write_bytes(_opus_gain((tmp_path / "plain.opus").read_bytes(), -32768))
    before = {p.name: _sha(p) for p in folder.iterdir()}
    case, out = str(tmp_path / "case"), tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", case, "--model", "tiny.en",
                     "--format", "json")
    assert result.returncode == 1, result.stderr
    assert "unexpected error" not in result.stdout + result.stderr
    assert "list.mp4: a text file, not a recording: an ffconcat list" in result.stdout + result.stderr
    assert not (out / "list.json").exists()
    for name in ("speech", "masked", "muted"):
        run = json.loads((out / f"{name}.json").read_text())
        text = " ".join(s["text"] for s in run["segments"]).lower()
        assert "station" in text and "money" in text, name
    assert any("output gain of -128 dB" in w for w in json.loads((out / "muted.json").read_text())["warnings"])
    listed = run_cli("exhibits", "--all", "--case", case)
    assert all(name in listed.stdout for name in before)
    assert {p.name: _sha(p) for p in folder.iterdir()} == before


@pytest.mark.parametrize("stated", [0, 1, 1 << 31])
def test_an_audio_track_whose_timescale_is_impossible_is_timed_by_its_sample_rate(tmp_path, stated):
    """An M4A whose track header (mdhd) states a timescale of 1 made each 64 ms AAC packet 1,024 s:
    0.06 s decoded, 'truncated, damaged 00:00.0-00:06.0' and no words, every packet whole."""
    plain = tmp_path / "plain.m4a"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "aac", str(plain))
    data = bytearray(plain.read_bytes())
    at = data.find(b"mdhd")
    assert data[at + 4] == 0  # version 0: the timescale 12 bytes into the box's body
    struct.pack_into(">I", data, at + 16, stated)
    path = tmp_path / "damaged.m4a"
    path.write_bytes(bytes(data))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 100 and audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert reader.damaged == () and not reader.truncated
    assert any(f"timescale of {stated:,}" in note and "16,000 Hz" in note for note in reader.notes)
    assert _sha(path) == before


TAGS = {"infinite": b"00:00:" + b" " * 9 + b"inf", "not a number": b"00:00:" + b" " * 9 + b"nan",
        "1e300 s": b"00:00:1e300       ", "999,999 hours": b"999999:00:00.00000", "negative": b"-1:00:00.000000000"}


@pytest.mark.parametrize("tag", TAGS.values(), ids=TAGS.keys())
def test_a_matroska_duration_tag_no_recording_can_have_is_no_length(tmp_path, tag):
    """A WebM/MKV track's DURATION tag is text: 'inf' stopped the whole transcribe command
    ('unexpected error (OverflowError ...)', no file of the folder taken in), 'nan' failed the
    note as 'cannot convert float NaN to integer', '1e300' stored a 301-digit length, and 999,999
    hours called a whole 6 s note truncated, 'damaged 00:06.0-999999:00:00.0'; '-1:00:00' a length of -1 h."""
    plain = tmp_path / "plain.mkv"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "libopus", str(plain))
    data = plain.read_bytes()
    at = data.find(b"00:00:06.0")
    assert at > 0 and len(tag) == 18
    path = tmp_path / "tagged.mkv"
    path.write_bytes(data[:at] + tag + data[at + 18:])
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and abs(audio.size / SAMPLE_RATE - 6.0) < 0.05
    assert not reader.truncated and reader.notes == ()


def test_a_fault_no_one_foresaw_in_one_file_fails_that_file_not_the_folder(tmp_path, monkeypatch):
    """Whatever a file's header does to the probe, the other files met are still taken in."""
    from app.core.media import intake

    for name in ("a.wav", "b.wav", "c.wav"):
        _speech_wav(tmp_path / name, 1)
    real = intake.probe

    def probe_failing_on_b(path, sha256=None):
        if Path(path).name == "b.wav":
            raise OverflowError("cannot convert float infinity to integer")
        return real(path, sha256)

    monkeypatch.setattr(intake, "probe", probe_failing_on_b)
    met = {Path(f.path).name: f for f in intake.find_media([str(tmp_path)])}
    assert met["a.wav"].source is not None and met["c.wav"].source is not None
    assert met["b.wav"].source is None and "OverflowError" in met["b.wav"].error


def _flac_with(path: Path, rate: int | None = None, total: int | None = None) -> bytes:
    """The FLAC's bytes with its STREAMINFO sample rate (20 bits, 10 bytes into it) or sample count
    (the 36 bits after the channels and sample size) rewritten."""
    data = bytearray(path.read_bytes())
    assert data[:4] == b"fLaC"
    at = 8 + 10
    packed = int.from_bytes(data[at:at + 8], "big")
    packed = packed if rate is None else (packed & ~(0xFFFFF << 44)) | (rate << 44)
    packed = packed if total is None else (packed & ~((1 << 36) - 1)) | total
    data[at:at + 8] = packed.to_bytes(8, "big")
    return bytes(data)


def _flac(tmp_path: Path) -> Path:
    plain = tmp_path / "plain.flac"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "flac", str(plain))
    return plain


@pytest.mark.parametrize("rate", [48000, 8000, 0])
def test_a_flac_header_whose_rate_is_not_its_frames_is_timed_by_its_frames(tmp_path, rate):
    """ffmpeg times a FLAC's frames by STREAMINFO's rate: 48,000 over frames recorded at 16,000
    kept 2 s of a 6 s note ('damaged 00:00.0-00:02.1'), 8,000 spread it over 12 s with gaps, 0
    kept 1.2 s."""
    plain = _flac(tmp_path)
    path = tmp_path / "damaged.flac"
    path.write_bytes(_flac_with(plain, rate=rate))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert not reader.truncated and reader.damaged == ()
    assert any(f"sample rate of {rate:,} Hz over frames recorded at 16,000 Hz" in note for note in reader.notes)
    assert _sha(path) == before


@pytest.mark.parametrize("total", [196_609_792, 2_684_315_392], ids=["3.4 hours", "46 hours"])
def test_a_flac_header_claiming_hours_of_a_whole_note_is_as_long_as_its_frames(tmp_path, total):
    """A STREAMINFO sample count of 3.4 hours on a whole 6 s note was shown 'as stated',
    truncated, 'damaged 00:06.0-3:24:48' (and a claim over 30 s turned diarisation on): the
    frames end on the encoder's closing short block, so the note is whole."""
    path = tmp_path / "claims.flac"
    path.write_bytes(_flac_with(_flac(tmp_path), total=total))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and abs(audio.size / SAMPLE_RATE - 6.0) < 0.05
    assert not reader.truncated and reader.damaged == ()


def test_a_flac_cut_short_is_still_flagged_truncated(tmp_path):
    """The frames' closing short block is what makes a stream whole: a cut one ends on a full block."""
    plain = _flac(tmp_path)
    path = tmp_path / "cut.flac"
    data = plain.read_bytes()
    path.write_bytes(data[:len(data) * 2 // 3])
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and audio.size / SAMPLE_RATE < 4.5 and reader.truncated


@pytest.mark.parametrize("frames", [0x7FFFFFFF, 16_900], ids=["21,474 hours", "100 times over"])
def test_an_mp3_whose_xing_frame_count_its_bytes_cannot_hold_is_as_long_as_its_frames(tmp_path, frames):
    """A whole 6 s MP3 whose Xing header counts 2^31 frames (its byte count, 18,432, intact) was
    shown 21,474 hours long, truncated, 'damaged 00:06.0-21474:50:11'. No frame holds under 24
    bytes, so a count its stated bytes cannot hold is the damage, not the file's end."""
    plain = tmp_path / "plain.mp3"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "libmp3lame", str(plain))
    data = bytearray(plain.read_bytes())
    at = max(data.find(b"Xing"), data.find(b"Info"))
    assert at > 0 and struct.unpack_from(">I", data, at + 4)[0] & 3 == 3  # frames and bytes both stated
    struct.pack_into(">I", data, at + 8, frames)
    path = tmp_path / "claims.mp3"
    path.write_bytes(bytes(data))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 150 and abs(audio.size / SAMPLE_RATE - 6.0) < 0.1
    assert not reader.truncated and reader.damaged == ()
    cut = tmp_path / "cut.mp3"  # the same header on a file cut in half: its bytes fall short, it stays cut
    cut.write_bytes(plain.read_bytes()[:len(data) // 2])
    assert read_all(str(cut), expected_ms=probe(cut).duration_ms)[1].truncated


def _caf_with_empty_data() -> bytes:
    desc = struct.pack(">d4sIIIII", 8000.0, b"alaw", 0, 1, 1, 1, 8)
    return (b"caff" + struct.pack(">HH", 1, 0) + b"desc" + struct.pack(">q", len(desc)) + desc
            + b"data" + struct.pack(">q", 4) + bytes(4))


HEADERS_ONLY = {"note.amr": b"#!AMR\n", "note.awb": b"#!AMR-WB\n", "note.caf": _caf_with_empty_data()}


@pytest.mark.parametrize("name", HEADERS_ONLY)
def test_a_file_that_is_only_its_header_is_one_line_not_an_empty_transcript(tmp_path, name):
    """'#!AMR\\n' alone (a voice note whose recording never started), or a CAF whose data chunk is
    empty, was taken in as a recording of 00:00:00.000 and written out as a transcript with 'no
    speech found'; a WAV, FLAC or WebM cut in its headers already says it ends before any audio."""
    path = tmp_path / name
    path.write_bytes(HEADERS_ONLY[name])
    with pytest.raises(MediaError, match="the file ends before any audio"):
        probe(path)


@pytest.mark.parametrize("tick_ns", [1, 1000, (1 << 23) - 1])
def test_a_matroska_clock_tick_that_is_damaged_is_read_by_the_millisecond_tick(tmp_path, tick_ns):
    """A WebM/MKV whose TimecodeScale says 1 ns was a 6 s voice note stated as 14 ms long with
    words to 6 s; 8,388,607 ns spread its packets over 11 s, a gap after each ('damaged
    00:00.0-00:11.1')."""
    plain = tmp_path / "plain.mkv"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "libopus", str(plain))
    data = bytearray(plain.read_bytes())
    at = data.find(b"\x2a\xd7\xb1")
    assert data[at + 3] == 0x83 and int.from_bytes(data[at + 4:at + 7], "big") == 1_000_000
    data[at + 4:at + 7] = tick_ns.to_bytes(3, "big")
    path = tmp_path / "tick.mkv"
    path.write_bytes(bytes(data))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert reader.damaged == () and any(f"stated as {tick_ns:,} ns" in note for note in reader.notes)
    assert _sha(path) == before


def test_a_name_holding_control_characters_is_exported_to_docx(tmp_path):
    """A seized file named with a terminal escape ('\\x1b[31mred.wav') was transcribed, then every
    DOCX export of the case failed, and with it the whole export set: 'export: All strings must be
    XML compatible' (the document's title property held the name as it was)."""
    folder = tmp_path / "seized"
    folder.mkdir()
    _speech_wav(folder / "\x1b[31mred.wav", 3)
    case, out = str(tmp_path / "case"), tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(tmp_path / "first"), "--case", case, "--model", "tiny.en",
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    result = run_cli("export", "--format", "docx,txt", "--out", str(out), "--case", case)
    assert result.returncode == 0, result.stderr
    assert len(list(out.glob("*.docx"))) == 1 and len(list(out.glob("*.txt"))) == 1
    assert run_cli("verify", "--case", case, "--exports", str(out)).returncode == 0


def _with_granules(data: bytes, granule_of) -> bytes:
    """The Ogg file with each page's end position rewritten (granule_of(page number, stated, pages)),
    its checksum made good."""
    pages, at = [], 0
    while at < len(data):
        count = data[at + 26]
        size = 27 + count + sum(data[at + 27:at + 27 + count])
        pages.append(bytearray(data[at:at + size]))
        at += size
    for n, page in enumerate(pages):
        struct.pack_into("<q", page, 6, granule_of(n, struct.unpack_from("<q", page, 6)[0], len(pages)))
        page[22:26] = b"\x00\x00\x00\x00"
        struct.pack_into("<I", page, 22, _ogg_crc(bytes(page)))
    return b"".join(pages)


GRANULES = {
    "-1 on every audio page": lambda n, g, total: g if n < 2 else -1,
    "-1 but the last": lambda n, g, total: g if n < 2 or n == total - 1 else -1,
    "0 on every audio page": lambda n, g, total: g if n < 2 else 0,
    "running backwards": lambda n, g, total: g if n < 2 else 10 ** 6 - n * 1000,
}


@pytest.mark.parametrize("granule_of", GRANULES.values(), ids=GRANULES.keys())
def test_an_ogg_opus_whose_page_positions_are_missing_is_timed_by_its_packets(tmp_path, granule_of):
    """A writer that left every page's end position -1 gave 'Invalid data' after the headers: 6 s
    of speech decoded as 0 s, 'truncated, damaged 00:00.0-00:06.1'; positions of 0 kept 1 s;
    positions running backwards claimed 20.8 s, 'damaged 00:05.9-00:20.8'."""
    plain = tmp_path / "plain.opus"
    ffmpeg("-i", str(_speech_wav(tmp_path / "speech.wav")), "-c:a", "libopus", str(plain))
    path = tmp_path / "positions.opus"
    path.write_bytes(_with_granules(plain.read_bytes(), granule_of))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and abs(audio.size - expected.size) <= 16000 * 0.03
    n = min(audio.size, expected.size)
    assert np.abs(audio[:n] - expected[:n]).max() < 1e-4
    assert reader.damaged == () and not reader.truncated and any("end positions" in note for note in reader.notes)
    assert _sha(path) == before
