"""Hostile media, round 24: a phone video (H.264/H.265 pictures, AAC sound) whose index (moov) is
missing or cut.

A phone killed mid-recording leaves its video's media data whole with no index: the file was
refused in one line ('a video's interleaved sound is not searched'), its words lost. The sound's
AAC frames lie between runs of the pictures' NAL units: those are passed over by their lengths,
the frames between found by decoding them."""

from __future__ import annotations

import struct
from pathlib import Path

import av
import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA
from tests.media_helpers import transcribed_alone
from tests.test_hostile_media import rms
from tests.test_hostile_media12 import ffmpeg
from tests.test_hostile_media23 import BURSTS, assert_bursts_in_place, box_at, without_moov

PICTURES = "testsrc2=size=176x144:rate=30:duration=9"


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A 9 s video (its sound 440 Hz bursts at 0-1, 3-4 and 6-7 s), made once per kind."""
    folder = tmp_path_factory.mktemp("video")

    def make(codec: str = "libx264", rate: int = 48000, channels: int = 1) -> Path:
        path = folder / f"clip-{codec}-{rate}-{channels}.mp4"
        if not path.exists():
            ffmpeg("-f", "lavfi", "-i", PICTURES, "-f", "lavfi", "-i", BURSTS, "-c:v", codec, "-preset", "ultrafast",
                   "-pix_fmt", "yuv420p", "-ar", str(rate), "-ac", str(channels), "-c:a", "aac", "-shortest",
                   *(["-tag:v", "hvc1"] if codec == "libx265" else []), str(path))
        return path
    return make


def phone_layout(path: Path, seconds: float, sound_first: bool, before_sound: bytes = b"") -> bytes:
    """The file as a phone's recorder lays it out and leaves it when killed: its header, then the
    pictures' and the sound's samples in runs of `seconds` each, one track's run after the
    other's (Android's muxer writes about 1 s runs), and no index (`before_sound`: a picture put
    before the first run of sound)."""
    data = path.read_bytes()
    at, size = box_at(data, b"ftyp")
    runs: dict[tuple[int, int], list[bytes]] = {}
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.size and packet.pts is not None:
                sound = packet.stream.type == "audio"
                key = (int(float(packet.pts * packet.time_base) // seconds), 0 if sound == sound_first else 1)
                runs.setdefault(key, []).append(bytes(packet))
    sound = min(key for key in runs if key[1] == (0 if sound_first else 1))
    samples = b"".join((before_sound if key == sound else b"") + b"".join(runs[key]) for key in sorted(runs))
    return data[at:at + size] + struct.pack(">I4s", 8 + len(samples), b"mdat") + samples


def assert_read_from_its_sound(source, audio, reader, pictures: str = "H.264", slack_ms: float = 100) -> None:
    assert abs(source.duration_ms - 9000) < slack_ms, source.duration_ms  # the encoder's priming and padding
    assert abs(len(audio) / 16 - 9000) < slack_ms, len(audio) / 16
    assert_bursts_in_place(audio)
    assert any("a video without its index" in note and pictures in note and "AAC frames" in note
               for note in reader.notes), reader.notes


@pytest.mark.parametrize("layout", ["ffmpeg", "1s-runs-sound-first", "half-second-runs-pictures-first"])
def test_a_phone_video_without_its_index_keeps_its_sound_in_place(tmp_path, video, layout):
    clip = video(channels=1 if layout == "ffmpeg" else 2)
    path = tmp_path / "VID_20240314_221503.mp4"
    if layout == "ffmpeg":
        path.write_bytes(without_moov(clip.read_bytes()))
    else:
        path.write_bytes(phone_layout(clip, 1.0 if layout.startswith("1s") else 0.5, "sound-first" in layout))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert_read_from_its_sound(source, audio, reader)
    assert not reader.truncated and reader.damaged == ()


def test_an_h265_phone_video_without_its_index_keeps_its_sound(tmp_path, video):
    path = tmp_path / "IMG_0412.mov"
    path.write_bytes(phone_layout(video("libx265"), 1.0, sound_first=False))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert_read_from_its_sound(source, audio, reader, "H.265")


def test_a_phone_video_whose_index_is_cut_is_read_at_the_rate_its_remains_state(tmp_path, video):
    """44.1 kHz decodes alike to 48 kHz: the sound's AAC configuration left in a cut index settles it."""
    data = video(rate=44100).read_bytes()
    at, _ = box_at(data, b"moov")
    path = tmp_path / "clip.mp4"
    path.write_bytes(without_moov(data, keep=data.index(b"esds") + 40 - at))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert_read_from_its_sound(source, audio, reader)
    assert any("44,100 Hz" in note and "as what is left of its index states" in note for note in reader.notes)


def test_a_phone_video_cut_mid_recording_keeps_the_sound_before_the_cut_and_is_truncated(tmp_path, video):
    whole = phone_layout(video(), 1.0, sound_first=False)
    reference = tmp_path / "whole.mp4"
    reference.write_bytes(whole)
    before, _ = read_all(str(reference))
    path = tmp_path / "clip.mp4"
    path.write_bytes(whole[:len(whole) * 3 // 4 + 5])  # inside a picture, past the second burst
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert 4.5 < len(audio) / 16000 < 8.5 and abs(source.duration_ms - len(audio) / 16) < 30, len(audio) / 16000
    assert np.allclose(audio[:16000 * 4], before[:16000 * 4], atol=1e-4)  # the same sound, in its place
    assert reader.truncated and any("cut short" in note for note in reader.notes), reader.notes


def test_a_phone_video_damaged_inside_keeps_the_sound_after_the_damage(tmp_path, video):
    data = bytearray(phone_layout(video(), 1.0, sound_first=False))
    start, _ = box_at(bytes(data), b"mdat")
    at = start + (len(data) - start) * 45 // 100
    data[at:at + 3000] = bytes(3000)
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(data))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert 7.5 < len(audio) / 16000 < 9.1, len(audio) / 16000  # what the damage held lost, not the rest
    assert rms(audio, len(audio) / 16000 - 2.6, len(audio) / 16000 - 2.0) > 0.05  # the last burst is there
    assert any("neither its pictures' NAL units nor AAC frames" in note for note in reader.notes), reader.notes


def test_the_words_of_a_video_without_its_index_are_transcribed_at_their_times(tmp_path):
    run = transcribed_alone(tmp_path, "interview.mp4", without_moov((MEDIA / "interview.mp4").read_bytes()))
    text = " ".join(s["text"] for s in run["segments"]).lower()
    assert "my name is daniel price" in text and "station road" in text and "no comment" in text, text
    name = next(s for s in run["segments"] if "price" in s["text"].lower())
    assert 8.5 < name["start"] < 11.5, name  # 'My name is Daniel Price.' is said at 9.4-11.2 s
    assert any("a video without its index" in w for w in run["warnings"]), run["warnings"]


def test_a_video_without_its_index_or_any_sound_says_it_holds_only_pictures(tmp_path):
    whole = tmp_path / "whole.mp4"
    ffmpeg("-f", "lavfi", "-i", PICTURES, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-an",
           str(whole))
    path = tmp_path / "clip.mp4"
    path.write_bytes(without_moov(whole.read_bytes()))
    with pytest.raises(MediaError, match="without its index.*holds H.264 pictures and no AAC-LC frames"):
        probe(path)


@pytest.mark.parametrize("rate,pictures", [(44100, 25), (48000, 30), (22050, 24), (11025, 15)])
def test_a_video_without_its_index_is_timed_at_the_rate_its_pictures_bear_out(tmp_path, rate, pictures):
    """44.1 kHz sound decodes alike at 48 kHz (ffmpeg's default for a 25-a-second video of 44.1 kHz
    sound): read at 48 kHz its words came 9% early. The pictures' count between the sound's runs
    settles which rate lasts as long as they do at a camera's picture rate. (ffmpeg's frames of
    11.025 kHz sound run past the standard's 768 bytes: each was a stretch of damage.)"""
    whole = tmp_path / "whole.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=176x144:rate={pictures}:duration=9", "-f", "lavfi", "-i", BURSTS,
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-ar", str(rate), "-c:a", "aac",
           "-shortest", str(whole))
    path = tmp_path / "clip.mp4"
    path.write_bytes(without_moov(whole.read_bytes()))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert_read_from_its_sound(source, audio, reader, slack_ms=max(100, 2 * 1024 * 1000 / rate + 20))
    assert any(f"at {rate:,} Hz" in note and "as long as its pictures at" in note for note in reader.notes), reader.notes


def test_a_picture_of_megabytes_between_the_sound_is_passed_over(tmp_path, video):
    """An 8K camera's key picture runs to megabytes: the search for the sound stopped at it and the
    rest of the recording was said not to decode."""
    picture = struct.pack(">I", 5_000_001) + bytes([0x65, 0x88]) + np.random.default_rng(5).bytes(4_999_999)
    path = tmp_path / "clip.mp4"
    path.write_bytes(phone_layout(video(channels=2), 1.0, sound_first=False, before_sound=picture))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert_read_from_its_sound(source, audio, reader)
    assert not reader.damaged, reader.damaged
