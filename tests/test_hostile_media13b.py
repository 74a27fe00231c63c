"""Hostile media, round 13 (2): a video whose sound starts seconds or minutes after its picture.

A Matroska/WebM track's DURATION tag (ffmpeg writes where its last frame ends, counted from the
file's start) was taken for a length and the sound's start added again: sound starting 3 s in
was called cut 3 s short of an end it never had, sound starting minutes in (past the 5 s ffmpeg
first looks at) was as long as the picture, both named damaged to there. An MPEG-TS (a camcorder's
.m2ts, a dash camera's .ts) whose sound starts minutes in was recorded as 0 Hz with no channels,
its first tenth of a second named damaged. The words must sit where the player has them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA
from tests.test_cli import run_cli
from tests.test_hostile_media import ffmpeg, rms
from tests.test_hostile_media12 import naming

BURSTS = "sine=frequency=440:duration=6,volume='if(lt(mod(t,3),1),1,0)':eval=frame"  # sound at 0-1, 3-4 s
CONTAINERS = {  # name: the picture's and the sound's codecs, the muxer's own options
    "late.mkv": ("mpeg4", "libopus", ()), "late.webm": ("libvpx", "libopus", ()),
    "late.ts": ("mpeg2video", "mp2", ("-f", "mpegts")),
    "late.m2ts": ("mpeg2video", "ac3", ("-f", "mpegts", "-mpegts_m2ts_mode", "1")),  # 192-byte packets
    "late.mp4": ("mpeg4", "aac", ()),
}


def late_video(path, offset_s: int, sound: list[str]) -> None:
    video, audio, extra = CONTAINERS[path.name]
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=32x24:rate=1:duration={offset_s + 8}", "-itsoffset", str(offset_s),
           *sound, "-map", "0:v", "-map", "1:a", "-c:v", video, "-c:a", audio, *extra, str(path))


@pytest.mark.parametrize("offset_s", [3, 130])
@pytest.mark.parametrize("name", CONTAINERS)
def test_sound_starting_after_the_picture_is_placed_there_and_ends_where_it_ends(tmp_path, name, offset_s):
    path = tmp_path / name
    late_video(path, offset_s, ["-f", "lavfi", "-i", BURSTS])
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.sample_rate > 0 and source.channels == 1, (source.sample_rate, source.channels)
    assert abs(source.duration_ms - (offset_s + 6) * 1000) < 300, source.duration_ms
    assert rms(audio, 0, offset_s - 0.3) < 0.001
    assert rms(audio, offset_s + 0.2, offset_s + 0.8) > 0.05 and rms(audio, offset_s + 3.2, offset_s + 3.8) > 0.05
    assert rms(audio, offset_s + 1.3, offset_s + 2.7) < 0.005
    assert not reader.truncated and reader.notes == ()


def test_the_words_of_sound_starting_minutes_into_a_video_are_timed_as_the_player_shows_them(tmp_path):
    folder = tmp_path / "seized"
    folder.mkdir()
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ar", "16000", str(tmp_path / "speech.wav"))
    speech = ["-i", str(tmp_path / "speech.wav")]  # an Ogg input ignores -itsoffset
    for name in ("late.webm", "late.m2ts"):
        late_video(folder / name, 130, speech)
    out = tmp_path / "out"
    result = run_cli("transcribe", str(folder), "--out", str(out), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("late.webm", "late.m2ts"):
        run = json.loads((out / f"{name}.json").read_text())
        text = " ".join(s["text"] for s in run["segments"]).lower()
        assert "station" in text and "money" in text, (name, text)
        starts = [s["start"] for s in run["segments"]]
        words = [w["start"] for s in run["segments"] for w in s["words"]]
        assert min(starts) >= 129.5 and min(words) >= 129.5, (name, starts)
        assert max(s["end"] for s in run["segments"]) <= 136.5, name
        assert not any("truncated" in w or "damaged" in w for w in run["warnings"]), run["warnings"]


PRIVATE = bytes([0x63, 0xA2])  # a Matroska track's CodecPrivate (its codec data: OpusHead, AAC's configuration)


@pytest.fixture(scope="module")
def matroska_notes(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("matroska")
    out = {}
    for name, codec, channels in (("opus.webm", "libopus", 1), ("stereo.webm", "libopus", 2),
                                  ("opus.mkv", "libopus", 1), ("aac.mkv", "aac", 1)):
        ffmpeg("-f", "lavfi", "-i", BURSTS, "-ac", str(channels), "-c:a", codec, str(folder / name))
        out[name] = (folder / name).read_bytes()
    return out


def damaged_private(data: bytes, damage: str) -> bytes:
    at = data.index(PRIVATE)
    size = data[at + 2] & 0x7F
    out = bytearray(data)
    if damage == "zeroed":
        out[at + 3:at + 3 + size] = bytes(size)
    else:  # cut to its first byte by a writer that stopped; a Void element fills the bytes after it
        out[at + 2] = 0x80 | 1
        out[at + 4:at + 3 + size] = bytes([0xEC, 0x80 | (size - 3)]) + bytes(size - 3)
    return bytes(out)


@pytest.mark.parametrize("damage", ["zeroed", "cut"])
@pytest.mark.parametrize("name", ["opus.webm", "stereo.webm", "opus.mkv", "aac.mkv"])
def test_a_matroska_track_whose_codec_data_is_damaged_or_cut_is_read_without_it(tmp_path, matroska_notes, name, damage):
    """Before: no channels, nothing decoded, the whole note 'damaged' and truncated."""
    path = tmp_path / name
    path.write_bytes(damaged_private(matroska_notes[name], damage))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.channels == (2 if name.startswith("stereo") else 1) and abs(source.duration_ms - 6000) < 100
    assert rms(audio, 0.2, 0.8) > 0.05 and rms(audio, 3.2, 3.8) > 0.05 and rms(audio, 1.3, 2.7) < 0.005
    assert not reader.truncated and not reader.damaged
    assert "audio track's codec data" in " ".join(reader.notes) and "read without it" in " ".join(reader.notes)


def test_a_whole_matroska_track_keeps_its_codec_data_and_has_no_note(tmp_path, matroska_notes):
    from app.core.media import mkv_private

    for name, data in matroska_notes.items():
        path = tmp_path / name
        path.write_bytes(data)
        with open(path, "rb") as handle:
            assert mkv_private.unusable(handle) is None, name
        assert read_all(str(path))[1].notes == (), name


def naming_m2ts(data: bytes, stream_type: int) -> bytes:
    """The M2TS (192-byte packets: a 4-byte time, then 188 bytes) with every PMT's first stream
    type set and its checksum made again (the PMT's PID read from the PAT, PID 0)."""
    out = bytes(data)
    pat = next(out[at:at + 188] for at in range(4, len(out), 192) if (out[at + 1] & 0x1F) << 8 | out[at + 2] == 0)
    table = 5 + pat[4]
    return naming(out, stream_type, (pat[table + 10] & 0x1F) << 8 | pat[table + 11], first=4, step=192)


@pytest.mark.parametrize("codec, named", [("aac", 0x03), ("libmp3lame", 0x0F)])
def test_a_camcorders_m2ts_whose_table_names_the_other_codec_is_read_as_its_frames_are(tmp_path, codec, named):
    """Before: 188-byte transport streams only; an M2TS naming MP3 over AAC frames (or the
    reverse) decoded nothing: the whole clip 'damaged', truncated, no words."""
    made = tmp_path / "made.m2ts"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "16000", "-c:a", codec, "-f", "mpegts", "-mpegts_m2ts_mode", "1",
           str(made))
    path = tmp_path / "clip.m2ts"
    path.write_bytes(naming_m2ts(made.read_bytes(), named))
    assert path.read_bytes() != made.read_bytes()
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 6100) < 150
    assert rms(audio, 0.2, 0.8) > 0.05 and rms(audio, 3.2, 3.8) > 0.05 and rms(audio, 1.3, 2.7) < 0.005
    assert not reader.damaged and not reader.truncated
    assert any("program table names its sound" in note for note in reader.notes)


def vint(data: bytes, at: int) -> tuple[int, int]:
    width = next(n for n in range(1, 9) if data[at] & (0x80 >> (n - 1)))
    return int.from_bytes(data[at:at + width], "big") & ((1 << (7 * width)) - 1), at + width


def simple_blocks(data: bytes) -> list[int]:
    """Where each SimpleBlock's flags byte is, walked element by element (EBML header, Segment,
    its Clusters; ffmpeg writes no element of unknown size in a whole file)."""
    def element(at: int) -> tuple[int, int, int]:
        width = next(n for n in range(1, 5) if data[at] & (0x80 >> (n - 1)))
        size, body = vint(data, at + width)
        return int.from_bytes(data[at:at + width], "big"), body, body + size

    _, _, at = element(0)
    _, at, end = element(at)  # into the Segment
    flags = []
    while at < end:
        kind, body, after = element(at)
        if kind == 0x1F43B675:  # a Cluster: into it
            at = body
            continue
        if kind == 0xA3:
            flags.append(vint(data, body)[1] + 2)
        at = after
    return flags


@pytest.mark.parametrize("lacing", {"Xiph": 0x02, "EBML": 0x06, "fixed-size": 0x04}.items(), ids=lambda item: item[0])
def test_a_webm_block_whose_lacing_bits_are_damaged_loses_no_other_block(tmp_path, matroska_notes, lacing):
    """One flipped bit saying a 20 ms block was laced had ffmpeg give up on the rest of its
    cluster: 3 s of speech around it lost ('damaged 00:01.9-00:05.0')."""
    whole = tmp_path / "whole.webm"
    whole.write_bytes(matroska_notes["opus.webm"])
    data = bytearray(matroska_notes["opus.webm"])
    blocks = simple_blocks(bytes(data))
    assert len(blocks) > 250
    for at in blocks[100:103]:
        data[at] |= lacing[1]
    path = tmp_path / "note.webm"
    path.write_bytes(data)
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert np.array_equal(audio, read_all(str(whole))[0])  # the frames were whole: only their flags were damaged
    assert not reader.damaged and not reader.truncated
    assert any(note.startswith("3 Matroska/WebM block(s) state a lacing") for note in reader.notes)


@pytest.mark.parametrize("lacing, lace, data, short", [(1, bytes([1, 40]), 82, 41), (3, bytes([2, 0x80 | 40, 0xBF]), 121, 42),
                                                       (2, bytes([1]), 81, 80), (1, bytes([2, 255, 10, 5]), 275, 270)])
def test_a_lace_that_splits_its_bytes_is_left_as_it_is(lacing, lace, data, short):
    """A muxer that laces audio (mkvmerge) writes laces like these: never touched; the same lace
    over fewer bytes than its sizes need cannot be split."""
    from app.core.media.mkv_lacing import _splits

    assert _splits(lacing, lace, data)
    assert not _splits(lacing, lace, short)
