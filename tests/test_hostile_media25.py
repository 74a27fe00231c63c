"""Hostile media, round 25: an older phone's 3GP/MOV video (H.263, MPEG-4 Part 2, MJPEG or H.264
pictures, AMR sound) whose index (moov) is missing or cut.

A phone killed mid-recording leaves the media data whole with no index: the file was refused in one
line ('its media data was read without it as AMR and as AAC-LC frames ... and is neither'), its words
lost. The sound's AMR frames state their own sizes: the runs of them between the pictures are read,
ending where a picture starts (ffmpeg writes one to four frames between pictures, a phone about a
second's worth)."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media import moovless
from app.core.media.by_content import remembered
from app.core.media.decode import probe, read_all
from app.core.media.views import window
from tests.conftest import MEDIA
from tests.media_helpers import transcribed_alone
from tests.test_hostile_media import rms
from tests.test_hostile_media12 import ffmpeg
from tests.test_hostile_media23 import BURSTS, assert_bursts_in_place, box_at, without_moov
from tests.test_hostile_media24 import phone_layout

CONTAINERS = {"h263": "3gp", "mpeg4": "3gp", "libx264": "3gp", "mjpeg": "mov"}  # 3GP takes no MJPEG
NAMES = {"h263": "H.263", "mpeg4": "MPEG-4 Part 2", "libx264": "H.264", "mjpeg": "MJPEG"}


@pytest.fixture(scope="module")
def amr_video(tmp_path_factory):
    """A 9 s QCIF video of AMR-NB sound (440 Hz bursts at 0-1, 3-4 and 6-7 s), made once per kind."""
    folder = tmp_path_factory.mktemp("amr-video")

    def make(codec: str, rate: int = 15, sound: str = BURSTS) -> Path:
        path = folder / f"clip-{codec}-{rate}-{len(sound)}.{CONTAINERS[codec]}"
        if not path.exists():
            ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=176x144:rate={rate}:duration=9", "-f", "lavfi", "-i", sound,
                   "-c:v", codec, "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-shortest", str(path))
        return path
    return make


def read(path: Path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


def assert_heard_between_pictures(source, audio, reader) -> None:
    assert abs(source.duration_ms - 9000) < 100, source.duration_ms
    assert abs(len(audio) / 16 - 9000) < 100, len(audio) / 16
    assert_bursts_in_place(audio)
    assert any("a video without its index" in note and "AMR-NB frames" in note for note in reader.notes), reader.notes


def assert_the_samples_of_the_indexed_file(audio, clip: Path) -> None:
    """The same samples as the file with its index gives, but for the encoder's delay its edit list
    skips (6.25 ms: the index is gone, and with it the edit list)."""
    whole, _ = read_all(str(clip))
    delay = len(audio) - len(whole)
    assert 0 <= delay <= 160, delay
    assert np.allclose(audio[delay:], whole, atol=2e-3)


@pytest.mark.parametrize("codec", list(CONTAINERS))
def test_an_amr_phone_video_without_its_index_keeps_its_sound_in_place(tmp_path, amr_video, codec):
    """ffmpeg's layout: one to four AMR frames between each two pictures."""
    clip = amr_video(codec)
    path = tmp_path / f"VID0001.{CONTAINERS[codec]}"
    path.write_bytes(without_moov(clip.read_bytes()))
    source, audio, reader = read(path)
    assert_heard_between_pictures(source, audio, reader)
    assert not reader.truncated and reader.damaged == ()
    assert_the_samples_of_the_indexed_file(audio, clip)


@pytest.mark.parametrize("codec,seconds,sound_first", [("h263", 1.0, False), ("mpeg4", 0.5, True),
                                                       ("libx264", 1.0, True), ("mjpeg", 0.5, False)])
def test_an_amr_phone_video_in_runs_without_its_index_keeps_its_sound(tmp_path, amr_video, codec, seconds,
                                                                       sound_first):
    """A phone's layout: the pictures' and the sound's samples in runs of half a second or a second."""
    path = tmp_path / f"VID0002.{CONTAINERS[codec]}"
    path.write_bytes(phone_layout(amr_video(codec), seconds, sound_first))
    source, audio, reader = read(path)
    assert_heard_between_pictures(source, audio, reader)
    assert not reader.truncated


def test_an_amr_video_at_thirty_pictures_a_second_keeps_every_frame(tmp_path, amr_video):
    """At 30 pictures a second most runs are one or two frames."""
    clip = amr_video("mpeg4", rate=30)
    path = tmp_path / "clip.3gp"
    path.write_bytes(without_moov(clip.read_bytes()))
    source, audio, reader = read(path)
    assert_heard_between_pictures(source, audio, reader)
    assert_the_samples_of_the_indexed_file(audio, clip)


def test_an_amr_video_cut_mid_recording_keeps_the_sound_before_the_cut_and_is_truncated(tmp_path, amr_video):
    whole = without_moov(amr_video("h263").read_bytes())
    path = tmp_path / "clip.3gp"
    path.write_bytes(whole[:len(whole) * 3 // 4 + 5])
    source, audio, reader = read(path)
    assert 6.0 < len(audio) / 16000 < 8.5 and abs(source.duration_ms - len(audio) / 16) < 30, len(audio) / 16000
    assert rms(audio, 3.2, 3.8) > 0.05 and rms(audio, 1.3, 2.7) < 0.01
    assert reader.truncated and any("cut short" in note for note in reader.notes), reader.notes


def test_an_amr_video_whose_index_is_cut_is_read_alike(tmp_path, amr_video):
    data = amr_video("mpeg4").read_bytes()
    at, size = box_at(data, b"moov")
    path = tmp_path / "clip.3gp"
    path.write_bytes(data[:at + size // 2])
    assert_heard_between_pictures(*read(path))


def test_an_amr_video_damaged_inside_keeps_the_sound_after_the_damage(tmp_path, amr_video):
    data = bytearray(without_moov(amr_video("h263").read_bytes()))
    start, _ = box_at(bytes(data), b"mdat")
    at = start + (len(data) - start) * 45 // 100
    data[at:at + 3000] = bytes(3000)
    path = tmp_path / "clip.3gp"
    path.write_bytes(bytes(data))
    _, audio, reader = read(path)
    assert 8.5 < len(audio) / 16000 < 9.1, len(audio) / 16000  # at most the frames the zeros held are lost
    assert rms(audio, len(audio) / 16000 - 2.6, len(audio) / 16000 - 2.2) > 0.05  # the last burst is there
    assert any("1 stretch(es) of zero bytes (3,000 bytes" in note for note in reader.notes), reader.notes


def test_an_opus_video_without_its_index_is_one_line_naming_what_was_tried(tmp_path):
    whole = tmp_path / "whole.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15:duration=9", "-f", "lavfi", "-i", BURSTS,
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "libopus", str(whole))
    path = tmp_path / "clip.mp4"
    path.write_bytes(without_moov(whole.read_bytes()))
    with pytest.raises(MediaError, match=r"without its index.*H\.264 pictures.*AMR frames.*\(Opus, PCM\)") as error:
        probe(path)
    assert "\n" not in str(error.value)


def test_the_words_of_an_amr_video_without_its_index_are_transcribed(tmp_path):
    whole = tmp_path / "whole.3gp"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=176x144:rate=15", "-i", str(MEDIA / "en_voicenote.opus"),
           "-c:v", "h263", "-ar", "8000", "-c:a", "libopencore_amrnb", "-shortest", str(whole))
    run = transcribed_alone(tmp_path, "VID_0003.3gp", without_moov(whole.read_bytes()))
    text = " ".join(s["text"] for s in run["segments"]).lower()
    assert "station" in text and "money" in text, text
    assert any("a video without its index" in w for w in run["warnings"]), run["warnings"]


def test_a_picture_full_of_bytes_naming_an_amr_mode_adds_no_sound(tmp_path, amr_video):
    """A picture whose bytes name the sound's mode at a frame's spacing (a flat stretch of an image)
    reads as frames only where they run on to a picture or LONG of them: noise would be invented."""
    clip = amr_video("mpeg4")
    decoy = b"\x00\x00\x01\xb6" + (b"\x3c" + bytes(31)) * 5 + b"\x01"  # five 'frames', then no picture start
    path = tmp_path / "clip.3gp"
    path.write_bytes(phone_layout(clip, 1.0, sound_first=False, before_sound=decoy))
    source, audio, reader = read(path)
    assert_heard_between_pictures(source, audio, reader)
    with path.open("rb") as handle:
        assert moovless.found(handle).frames == amr_frames(clip)


def amr_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for packet in container.demux(container.streams.audio[0]) if packet.size)


def test_every_frame_is_found_where_the_index_puts_it(tmp_path, amr_video):
    """The runs found are the index's samples, frame for frame (none added, none lost)."""
    clip = amr_video("libx264")
    path = tmp_path / "clip.3gp"
    path.write_bytes(without_moov(clip.read_bytes()))
    with av.open(str(clip)) as container:
        truth = sorted((packet.pos, packet.pos + packet.size) for packet in container.demux(container.streams.audio[0])
                       if packet.size)
    with path.open("rb") as handle:
        found = moovless.found(handle)
    assert found is not None and found.frames == len(truth) == amr_frames(clip)
    merged: list[list[int]] = []
    for start, end in truth:
        if merged and merged[-1][1] == start:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    assert [tuple(run) for run in merged] == list(found.runs)


class CountingFile(io.FileIO):
    """A file that counts the bytes read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        CountingFile.read_bytes += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        CountingFile.read_bytes += count or 0
        return count


def test_a_search_of_a_file_is_kept_without_reading_the_file_again(tmp_path):
    """Each opening of a file (five or so a run) hashed it whole to find the search kept for it: a
    4 GB video was read 20 GB over before a word was heard. A file rewritten is searched again."""
    path = tmp_path / "VID_0004.3gp"
    path.write_bytes(bytes(8 << 20))
    kept: dict = {}
    looks = []
    with CountingFile(path) as handle:
        assert remembered(kept, handle, lambda: looks.append(1) or "found") == "found"
    CountingFile.read_bytes = 0
    with CountingFile(path) as handle:
        assert remembered(kept, handle, lambda: looks.append(1) or "again") == "found"
    assert looks == [1] and CountingFile.read_bytes < 1 << 16, CountingFile.read_bytes
    path.write_bytes(b"\x01" * (8 << 20))  # the same size, other bytes
    with CountingFile(path) as handle:
        assert remembered(kept, handle, lambda: looks.append(1) or "rewritten") == "rewritten"
    with CountingFile(path) as handle:  # a view of a file has no identity of its own: its bytes are hashed
        assert remembered(kept, window(handle, 0, 1 << 20), lambda: "view") == "view"
        assert remembered(kept, window(handle, 0, 1 << 20), lambda: "again") == "view"


def test_amr_wb_frames_between_h263_pictures_are_found_frame_for_frame(tmp_path, amr_video):
    """AMR-WB (no encoder here: frames of 23.85 kbit/s, their payloads random) between a real video's
    H.263 pictures, three after each: found as AMR-WB, every frame where it was put."""
    clip = amr_video("h263")
    with av.open(str(clip)) as container:
        pictures = [bytes(packet) for packet in container.demux(container.streams.video[0]) if packet.size]
    rng = np.random.default_rng(25)
    data = clip.read_bytes()
    at, size = box_at(data, b"ftyp")
    head = data[at:at + size] + b"\x00\x00\x00\x00mdat"
    body, frames = b"", []
    for picture in pictures:
        body += picture
        for _ in range(3):
            frames.append(len(head) + len(body))
            body += b"\x44" + rng.bytes(60)  # mode 8, quality bit set: 61 bytes
    path = tmp_path / "clip.3gp"
    path.write_bytes(head[:-8] + (8 + len(body)).to_bytes(4, "big") + b"mdat" + body)
    with path.open("rb") as handle:
        found = moovless.found(handle)
    assert found is not None and found.kind == "amrwb" and found.frames == len(frames), found
    assert [start for start, _ in found.runs] == frames[::3]


@pytest.mark.parametrize("name", ["en_voicenote.m4a", "ro_voicenote.3gp", "interview.mp4"])
def test_a_brand_that_is_not_text_is_read_past(tmp_path, name):
    """A flipped byte in an MP4's brand (ffmpeg's 'major_brand' tag) failed the file with
    \"'utf-8' codec can't decode byte 0xcc in position 0: invalid continuation byte\": no reason a
    user could follow, and the recording lost. The tag is read with the bytes it cannot show replaced."""
    data = bytearray((MEDIA / name).read_bytes())
    data[8:12] = b"\xcc\x80\xff\xfe"
    path = tmp_path / name
    path.write_bytes(bytes(data))
    _, audio, _ = read(path)
    whole, _ = read_all(str(MEDIA / name))
    assert len(audio) == len(whole) and np.allclose(audio, whole, atol=1e-6)


@pytest.mark.parametrize("name,at,size", [("en_voicenote.m4a", 0, b"\x00\xff\x00\x1c"),
                                          ("ro_voicenote.3gp", 0, b"\xff\xff\x00\x1c"),
                                          ("interview.mp4", 0, b"\x00\x00\x00\x02"),
                                          ("interview.mp4", 32, b"\x00\x00\xff\x08")])
def test_a_first_box_stating_a_damaged_size_is_read_to_the_box_after_it(tmp_path, name, at, size):
    """A flipped byte in the size of the ftyp box (or of the free box after it) sent the box walk past
    the file's end: 'not a media file', or 'an MP4/MOV without its index' with the index whole in the
    file. The next box is found where the boxes after it follow one another to the file's end."""
    data = bytearray((MEDIA / name).read_bytes())
    assert data[at + 4:at + 8] in (b"ftyp", b"free")
    data[at:at + 4] = size
    path = tmp_path / name
    path.write_bytes(bytes(data))
    _, audio, reader = read(path)
    whole, _ = read_all(str(MEDIA / name))
    assert len(audio) == len(whole) and np.allclose(audio, whole, atol=1e-6)
    assert not reader.truncated and any("(damaged)" in note or "damaged box" in note for note in reader.notes), reader.notes


def test_a_3gp_cut_short_is_still_cut_not_a_damaged_box(tmp_path):
    data = (MEDIA / "ro_voicenote.3gp").read_bytes()
    path = tmp_path / "note.3gp"
    path.write_bytes(data[:len(data) // 2])
    _, _, reader = read(path)
    assert reader.truncated and not any("box" in note and "damaged" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("spots", [(0, 1), (30, 45)])
def test_an_opus_note_whose_first_page_is_damaged_is_read_without_it(tmp_path, spots):
    """Refused as 'an Ogg whose first pages (its headers) are damaged' until session 28: its OpusHead page
    is now made again from what Opus always is and its packets say (opus_head.py), the assumptions named."""
    data = bytearray((MEDIA / "en_voicenote.opus").read_bytes())
    for spot in spots:
        data[spot] ^= 0xFF
    path = tmp_path / "en_voicenote.opus"
    path.write_bytes(bytes(data))
    source, _, reader = read(path)
    assert abs(source.duration_ms - probe(MEDIA / "en_voicenote.opus").duration_ms) < 30
    assert any("first page (its OpusHead header" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("name,spots", [("es_voicenote.ogg", (70, 200))])
def test_an_ogg_whose_header_pages_are_damaged_is_not_called_cut(tmp_path, name, spots):
    """Flipped bytes in an Ogg's first pages (its capture pattern, or its OpusHead/Vorbis headers,
    which then fail their checksum) were refused as 'the file ends before any audio (cut short in
    its headers)' or 'not a media file', the file whole after them."""
    data = bytearray((MEDIA / name).read_bytes())
    for spot in spots:
        data[spot] ^= 0xFF
    path = tmp_path / name
    path.write_bytes(bytes(data))
    with pytest.raises(MediaError, match=r"an Ogg whose first pages \(its headers\) are damaged.*not a file cut short"):
        probe(path)


def test_an_ogg_cut_in_its_headers_is_still_called_cut(tmp_path):
    path = tmp_path / "note.opus"
    path.write_bytes((MEDIA / "en_voicenote.opus").read_bytes()[:1500])
    with pytest.raises(MediaError, match=r"cut short in its headers"):
        probe(path)
