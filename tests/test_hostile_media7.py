"""Hostile media, eighth round, built here with ffmpeg or bytes: a big-endian RIFX WAV, a float WAV
far past full scale, AAC locked by DRM or Common Encryption, a subtitle file under a recording's
name, and an M4A whose track timescale is possible but wrong (8,000 or 32,000 on 16 kHz audio)."""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media import streams
from app.core.media.decode import probe, read_all
from app.core.media.intake import find_media
from tests.conftest import MEDIA
from tests.test_cli import run_cli
from tests.test_hostile_media import ffmpeg


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _speech(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """6 s of a voice note as a 16 kHz 16-bit WAV, and its samples."""
    path = tmp_path / "speech.wav"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ac", "1", "-ar", "16000", "-t", "6", str(path))
    return path, np.round(read_all(str(path))[0] * 32768).clip(-32768, 32767).astype("<i2")


def _wave(magic: bytes, fmt: tuple[int, int, int, int], data: bytes) -> bytes:
    """A WAV: 'RIFF' little-endian, 'RIFX' with every size, field and sample big-endian."""
    end = ">" if magic == b"RIFX" else "<"
    tag, channels, rate, bits = fmt
    body = struct.pack(f"{end}HHIIHH", tag, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    chunks = b"fmt " + struct.pack(f"{end}I", len(body)) + body + b"data" + struct.pack(f"{end}I", len(data)) + data
    return magic + struct.pack(f"{end}I", 4 + len(chunks)) + b"WAVE" + chunks


def _alike(a: np.ndarray, b: np.ndarray) -> float:
    n = min(a.size, b.size)
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


@pytest.mark.parametrize("bits", [16, 32])
def test_a_big_endian_rifx_wav_is_read_as_its_samples_not_noise(tmp_path, bits):
    """A RIFX WAV (old Macs, DAT and broadcast tools): ffmpeg took its big-endian samples as
    little-endian, so a voice read as loud noise: 'no speech found'. It is also found in a folder
    by its content when saved without an extension."""
    speech, voice = _speech(tmp_path)
    plain, _ = read_all(str(speech))
    samples = voice.astype(">i2") if bits == 16 else (voice.astype(np.int32) << 16).astype(">i4")
    rifx = tmp_path / "dat_transfer"
    rifx.write_bytes(_wave(b"RIFX", (1, 1, 16000, bits), samples.tobytes()))
    info = probe(rifx)
    assert (info.container, info.audio_codec) == ("rifx", f"pcm_s{bits}be")
    assert abs(info.duration_ms - 6000) < 50
    audio, _ = read_all(str(rifx), expected_ms=info.duration_ms)
    assert _alike(audio, plain) > 0.999
    met = {Path(found.path).name: found for found in find_media([str(tmp_path)])}
    assert met["dat_transfer"].source is not None and met["dat_transfer"].skipped is None


def test_a_rifx_wav_cut_in_its_header_or_in_a_format_ffmpeg_lacks_is_one_line(tmp_path):
    cut = tmp_path / "cut.wav"
    cut.write_bytes(_wave(b"RIFX", (1, 1, 16000, 16), b"")[:36])
    with pytest.raises(MediaError, match="big-endian .RIFX. WAV"):
        probe(cut)
    odd = tmp_path / "adpcm.wav"
    odd.write_bytes(_wave(b"RIFX", (2, 1, 16000, 4), b"\x01" * 4000))
    with pytest.raises(MediaError, match="format ffmpeg cannot read"):
        probe(odd)


@pytest.mark.parametrize("gain_db", [20, 55])
def test_a_float_wav_far_past_full_scale_is_scaled_down_not_clipped(tmp_path, gain_db):
    """A 32-bit float WAV may hold samples far over 1.0 (a field recorder's float mode): clipped at
    full scale, the voice became a square wave and tiny.en heard 'need me to live the station'.
    The whole recording is scaled by one gain, and a warning says by how much."""
    speech, voice = _speech(tmp_path)
    plain, _ = read_all(str(speech))
    loud = tmp_path / "loud.wav"
    loud.write_bytes(_wave(b"RIFF", (3, 1, 16000, 32), (voice / 32768 * 10 ** (gain_db / 20)).astype("<f4").tobytes()))
    audio, reader = read_all(str(loud))
    assert _alike(audio, plain) > 0.999
    assert 0.5 < np.abs(audio).max() <= 1.0
    assert any("over full scale" in note and "scaled down" in note for note in reader.notes)


@pytest.mark.parametrize("clicks", [0, 5])
def test_a_float_wav_within_full_scale_or_with_a_few_clicks_past_it_is_left_at_its_level(tmp_path, clicks):
    """A few damaged samples at 900.0 in a float file at speech level are clicks, clipped: taken
    for its peak, they would scale the voice 59 dB down, to silence."""
    _, voice = _speech(tmp_path)
    level = (voice / 32768 * 0.5).astype("<f4")
    level[np.linspace(1000, level.size - 1000, clicks).astype(int)] = 900.0
    quiet = tmp_path / "quiet.wav"
    quiet.write_bytes(_wave(b"RIFF", (3, 1, 16000, 32), level.tobytes()))
    audio, reader = read_all(str(quiet))
    assert not any("full scale" in note for note in reader.notes)
    assert abs(np.percentile(np.abs(audio), 99) - np.percentile(np.abs(voice / 32768 * 0.5), 99)) < 0.01


def _m4a(tmp_path: Path) -> Path:
    speech, _ = _speech(tmp_path)
    m4a = tmp_path / "plain.m4a"
    ffmpeg("-i", str(speech), "-c:a", "aac", str(m4a))
    return m4a


@pytest.mark.parametrize("entry", [b"enca", b"drms"])
def test_audio_locked_by_drm_or_common_encryption_is_named_encrypted_not_damaged(tmp_path, entry):
    """An M4A whose sample entry says its AAC is encrypted (FairPlay 'drms', CENC 'enca'): its
    ciphertext decoded to garbage, reported as 'ended before its stated duration' and 'damaged
    00:00.0-00:06.2'."""
    raw = bytearray(_m4a(tmp_path).read_bytes())
    mdat = raw.find(b"mdat")
    size = struct.unpack(">I", raw[mdat - 4:mdat])[0]
    raw[mdat + 4:mdat - 4 + size] = np.random.default_rng(7).bytes(size - 8)  # ciphertext, as good as
    locked = tmp_path / "locked.m4a"
    locked.write_bytes(bytes(raw).replace(b"mp4a", entry, 1))
    with pytest.raises(MediaError, match=f"encrypted audio.*'{entry.decode()}'.*without the key") as caught:
        probe(locked)
    assert "damaged" not in str(caught.value).replace("(not damaged)", "")


def test_a_subtitle_file_under_a_recordings_name_is_named_for_what_it_is(tmp_path):
    subs = tmp_path / "call.mp3"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,500\nMeet me behind the station\n\n")
    with pytest.raises(MediaError, match=r"a subtitle file \(SRT\).*not a recording"):
        probe(subs)


def _with_timescale(m4a: Path, timescale: int, name: str) -> Path:
    raw = bytearray(m4a.read_bytes())
    mdhd = raw.find(b"mdhd")
    at = mdhd + 4 + (20 if raw[mdhd + 4] == 1 else 12)
    assert struct.unpack(">I", raw[at:at + 4])[0] == 16000
    raw[at:at + 4] = struct.pack(">I", timescale)
    out = m4a.with_name(name)
    out.write_bytes(bytes(raw))
    return out


@pytest.mark.parametrize("stated", [8000, 32000])
def test_an_audio_track_whose_timescale_is_possible_but_wrong_is_timed_by_its_samples(tmp_path, stated):
    """8,000 on 16 kHz AAC gave each 64 ms packet 128 ms: every other stretch silent and not a word
    right; 32,000 recorded a 6 s note as 3 s. A timescale that is right stays unnoted."""
    m4a = _m4a(tmp_path)
    plain, _ = read_all(str(m4a), expected_ms=probe(m4a).duration_ms)
    wrong = _with_timescale(m4a, stated, f"ts{stated}.m4a")
    info = probe(wrong)
    assert abs(info.duration_ms - probe(m4a).duration_ms) < 50
    audio, reader = read_all(str(wrong), expected_ms=info.duration_ms)
    assert _alike(audio, plain) > 0.999 and not reader.truncated
    assert any(f"timescale of {stated:,}" in note and "timed by its samples" in note for note in reader.notes)
    _, plain_reader = read_all(str(m4a))
    assert not any("timescale" in note for note in plain_reader.notes)


def test_the_cli_gives_each_its_own_words_or_its_reason_and_lists_every_file(tmp_path):
    """The user's view: a RIFX WAV, a float WAV 40 dB over, an M4A timed at 8,000, an encrypted
    M4A and subtitles named .mp3 in one folder."""
    folder = tmp_path / "seized"
    folder.mkdir()
    _, voice = _speech(tmp_path)
    (folder / "dat.wav").write_bytes(_wave(b"RIFX", (1, 1, 16000, 16), voice.astype(">i2").tobytes()))
    (folder / "float.wav").write_bytes(_wave(b"RIFF", (3, 1, 16000, 32), (voice / 327.68).astype("<f4").tobytes()))
    m4a = _m4a(tmp_path)
    _with_timescale(m4a, 8000, "ts.m4a").rename(folder / "ts.m4a")
    (folder / "locked.m4a").write_bytes(m4a.read_bytes().replace(b"mp4a", b"enca", 1))
    (folder / "subs.mp3").write_text("1\n00:00:01,000 --> 00:00:02,500\nHello\n\n")
    before = {p.name: _sha(p) for p in folder.iterdir()}
    case, out = str(tmp_path / "case"), tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", case, "--model", "tiny.en",
                     "--format", "json")
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert "unexpected error" not in said and "Traceback" not in said
    assert "locked.m4a: encrypted audio" in said and "subs.mp3: a subtitle file (SRT)" in said
    for name in ("dat", "float", "ts"):
        text = " ".join(s["text"] for s in json.loads((out / f"{name}.json").read_text())["segments"]).lower()
        assert "behind the station" in text and "money" in text, (name, text)
    listed = run_cli("exhibits", "--all", "--case", case)
    assert all(name in listed.stdout for name in before)
    assert {p.name: _sha(p) for p in folder.iterdir()} == before


def _fast_start(tmp_path: Path) -> bytes:
    speech, _ = _speech(tmp_path)
    m4a = tmp_path / "fast.m4a"
    ffmpeg("-i", str(speech), "-c:a", "aac", "-movflags", "+faststart", str(m4a))
    return m4a.read_bytes()


@pytest.mark.parametrize("cut_at", ["before the samples' box", "at the samples' start", "in the first sample"])
def test_a_fast_start_m4a_cut_before_its_first_sample_ends_before_any_audio(tmp_path, cut_at):
    """The index whole, every sample's bytes gone: 'the file's edit list shows 0.0 s of the 6.2 s of
    audio it holds: the 6.2 s it hides are not transcribed' (an invented cause), and, cut just
    before the mdat box, not even flagged truncated: an empty transcript of a whole file."""
    data = _fast_start(tmp_path)
    mdat = data.find(b"mdat")
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(data[:{"before": mdat - 4, "at": mdat + 4, "in": mdat + 14}[cut_at.split()[0]]])
    with pytest.raises(MediaError, match="ends before any audio"):
        probe(cut)


@pytest.mark.parametrize("kept", [3000, 20000])
def test_a_fast_start_m4a_cut_in_its_samples_is_cut_not_an_edit_list(tmp_path, kept):
    """Cut a few packets into its samples (all in one chunk): the edit list was blamed for hiding the
    rest ('shows 0.4 s of the 6.2 s'), the lost stretch not named. Cut short is what it is."""
    data = _fast_start(tmp_path)
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(data[:data.find(b"mdat") + 4 + kept])
    info = probe(cut)
    audio, reader = read_all(str(cut), expected_ms=info.duration_ms)
    assert reader.truncated
    assert not any("edit list" in note for note in reader.notes)
    assert any("cut short" in note for note in reader.notes)
    start, end = reader.damaged[-1]
    assert abs(start - audio.size * 1000 / 16000) < 200 and end >= 6000


def test_a_whole_fast_start_m4a_is_neither_cut_nor_noted(tmp_path):
    whole = tmp_path / "whole.m4a"
    whole.write_bytes(_fast_start(tmp_path))
    info = probe(whole)
    audio, reader = read_all(str(whole), expected_ms=info.duration_ms)
    assert not reader.truncated and not reader.notes and audio.size / 16000 > 5.9


def test_a_file_of_many_audio_tracks_is_listened_to_in_one_pass_and_the_speaking_one_chosen(tmp_path, monkeypatch):
    """100 two-minute tracks in a 10 MB Matroska file took 7.5 minutes to open: each track was read
    in a pass over the whole file of its own (the passes growing with the tracks), two minutes of each
    listened to. Now one pass, and all tracks together share a fixed budget of listening."""
    speech, _ = _speech(tmp_path)
    mka = tmp_path / "tracks.mka"
    silent = ["-f", "lavfi", "-t", "6", "-i", "anullsrc=r=16000:cl=mono"]
    ffmpeg(*silent * 11, "-i", str(speech), *[arg for n in range(12) for arg in ("-map", f"{n}:a")],
           "-c:a", "pcm_s16le", str(mka))
    opened = []
    real = streams.open_container
    monkeypatch.setattr(streams, "open_container", lambda handle: opened.append(handle) or real(handle))
    info = probe(mka)
    assert len(opened) == 1
    assert len(info.audio_streams) == 12 and streams.choose(info.audio_streams).index == 11
    assert all(s.speech_ms == 0 for s in info.audio_streams[:11]) and info.audio_streams[11].speech_ms > 5000
    assert streams.scan_seconds(2) == streams.SCAN_S
    assert streams.scan_seconds(100) * 100 <= streams.SCAN_BUDGET_S


def _extended(value: float) -> bytes:
    """An 80-bit extended float, as an AIFF states its rate."""
    if math.isnan(value) or math.isinf(value):
        return struct.pack(">HQ", 0x7FFF, (3 << 62) if math.isnan(value) else (1 << 63))
    mantissa, exponent = math.frexp(abs(value))  # value = mantissa * 2**exponent, 0.5 <= mantissa < 1
    return struct.pack(">HQ", (0x8000 if value < 0 else 0) | (exponent - 1 + 16383), int(mantissa * 2 ** 64))


def _aiff_and_caf(tmp_path: Path) -> tuple[bytes, bytes]:
    speech, _ = _speech(tmp_path)
    ffmpeg("-i", str(speech), str(tmp_path / "note.aiff"))
    ffmpeg("-i", str(speech), "-c:a", "pcm_s16be", str(tmp_path / "note.caf"))
    return (tmp_path / "note.aiff").read_bytes(), (tmp_path / "note.caf").read_bytes()


@pytest.mark.parametrize(("rate", "said"), [(float("nan"), "nan Hz"), (float("inf"), "inf Hz"), (-16000.0, "-16,000 Hz"),
                                            (1e-300, "1e-300 Hz"), (1e300, "1e+300 Hz")])
def test_a_caf_or_aiff_stating_a_rate_no_number_can_be_names_the_rate(tmp_path, rate, said):
    """A CAF's rate (a 64-bit float) of NaN, a negative or a vanishing one was refused as 'the header
    declares 0 audio channels', its channels whole; an AIFF's (80-bit) as 'not a media file'."""
    aiff, caf = _aiff_and_caf(tmp_path)
    bad_caf = bytearray(caf)
    at = bad_caf.find(b"desc") + 12
    bad_caf[at:at + 8] = struct.pack(">d", rate)
    (tmp_path / "bad.caf").write_bytes(bytes(bad_caf))
    bad_aiff = bytearray(aiff)
    at = bad_aiff.find(b"COMM") + 16
    bad_aiff[at:at + 10] = _extended(rate)
    (tmp_path / "bad.aiff").write_bytes(bytes(bad_aiff))
    for name in ("bad.caf", "bad.aiff"):
        with pytest.raises(MediaError, match=re.escape(f"declares a sample rate of {said}")) as caught:
            probe(tmp_path / name)
        assert "channels" not in caught.value.reason and "not a media file" not in caught.value.reason
    assert probe(tmp_path / "note.caf").sample_rate == probe(tmp_path / "note.aiff").sample_rate == 16000
