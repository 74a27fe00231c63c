"""An index-less phone video's AMR sound: a picture's last bytes read as one more frame at a run's start.

A byte of a picture that names the recording's mode, a frame's length before a run of frames,
joined the run: 20 ms of a picture's bytes heard as sound, every later word 20 ms late. Which
pictures did it depended on the encoder's exact bytes: the landing CI's x264 (another machine,
another thread count) gave one more frame than the index holds. H.264/H.265 pictures are now passed
over by their NAL units' lengths; a frame ending in a JPEG's end marker, or whose padding bits are
set where the recording's coder keeps them zero, is a picture's, not the sound's."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from app.core.media import moovless
from tests.test_hostile_media12 import ffmpeg
from tests.test_hostile_media23 import BURSTS, without_moov

MODE_7 = 0x3C  # the table-of-contents byte of a 12.2 kbit/s frame (32 bytes, its last 4 bits padding)


def clip(folder: Path, codec: str, *settings: str, rate: int = 15) -> Path:
    """A 9 s QCIF video of AMR-NB sound, its index (moov, written last) taken out."""
    made = folder / f"made-{codec}-{'_'.join(settings)}-{rate}.{'mov' if codec == 'mjpeg' else '3gp'}"
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=176x144:rate={rate}:duration=9", "-f", "lavfi", "-i", BURSTS,
           "-c:v", codec, *settings, "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-shortest", str(made))
    return made


def index_runs(made: Path) -> list[tuple[int, int]]:
    """Where the index puts the sound's frames, frames that follow one another joined into runs."""
    with av.open(str(made)) as container:
        frames = sorted((packet.pos, packet.pos + packet.size)
                        for packet in container.demux(container.streams.audio[0]) if packet.size)
    runs: list[list[int]] = []
    for start, end in frames:
        if runs and runs[-1][1] == start:
            runs[-1][1] = end
        else:
            runs.append([start, end])
    return [(start, end) for start, end in runs]


def found_runs(data: bytes, folder: Path) -> list[tuple[int, int]]:
    path = folder / "VID_0001.3gp"
    path.write_bytes(data)
    with path.open("rb") as handle:
        found = moovless.found(handle)
    assert found is not None
    return list(found.runs)


@pytest.mark.parametrize("settings", [("-threads", "6"), ("-threads", "12"), ("-crf", "18"), ("-crf", "20"),
                                      ("-crf", "30"), ("-crf", "17", "-r", "30")])
def test_h264_pictures_give_no_frame_whatever_the_encoders_bytes(tmp_path, settings):
    """x264's bytes change with its threads and quality: whichever they are, the runs are the index's."""
    made = clip(tmp_path, "libx264", *settings)
    assert found_runs(without_moov(made.read_bytes()), tmp_path) == index_runs(made)


def planted(made: Path, last_byte: int | None) -> tuple[bytes, list[tuple[int, int]]]:
    """The index-less file with a mode byte planted a frame's length before each of three runs that
    follow a picture (and the picture's last byte set, if given), and the index's runs."""
    data = bytearray(without_moov(made.read_bytes()))
    runs = index_runs(made)
    for start, _ in runs[10:40:10]:
        data[start - 32] = MODE_7
        if last_byte is not None:
            data[start - 1] = last_byte
    return bytes(data), runs


@pytest.mark.parametrize("codec", ["mpeg4", "h263", "libx264"])
def test_a_pictures_bytes_with_padding_bits_set_are_not_a_frame(tmp_path, codec):
    """The coder writes each frame's padding bits zero (RFC 4867): a 'frame' of a picture's bytes
    ending in a byte whose last four bits are set is no frame of this recording."""
    data, runs = planted(clip(tmp_path, codec), 0x97)
    assert found_runs(data, tmp_path) == runs


def test_a_frame_ending_in_a_jpegs_end_marker_is_the_pictures(tmp_path):
    made = clip(tmp_path, "mjpeg")
    data, runs = planted(made, None)
    assert all(data[start - 2:start] == b"\xff\xd9" for start, _ in runs[10:40:10])  # each JPEG ends there
    assert found_runs(data, tmp_path) == runs


def test_a_damaged_nal_length_loses_no_sound(tmp_path):
    """The NAL units are walked to trim frames inside them, never to skip bytes: a length damaged to
    reach 30 runs on (a flipped bit, a forged file) lost those runs' 1.9 s of sound unsaid."""
    made = clip(tmp_path, "libx264")
    data = bytearray(without_moov(made.read_bytes()))
    runs = index_runs(made)
    stop, target = runs[20][1], runs[50][0]
    data[stop:stop + 4] = (target - stop - 4).to_bytes(4, "big")
    assert sum(end - start for start, end in found_runs(bytes(data), tmp_path)) == sum(e - s for s, e in runs)


def test_two_picture_frames_before_a_run_are_both_the_pictures(tmp_path):
    """A picture's repeating pattern can name the mode twice, a frame's length apart."""
    made = clip(tmp_path, "mpeg4")
    data = bytearray(without_moov(made.read_bytes()))
    runs = index_runs(made)
    for start, _ in runs[10:40:10]:
        data[start - 64], data[start - 33], data[start - 32], data[start - 1] = MODE_7, 0x97, MODE_7, 0x97
    assert found_runs(bytes(data), tmp_path) == runs


def test_a_nal_length_damaged_into_the_next_run_trims_at_most_two_of_its_frames(tmp_path):
    """A length damaged to end on a frame of the next run called that run's first frames the picture's:
    a picture's bytes give one stray, a repeating pattern two; more are the sound's, and kept."""
    made = clip(tmp_path, "libx264")
    base = without_moov(made.read_bytes())
    runs = index_runs(made)
    total = sum(end - start for start, end in runs)
    tried = 0
    for k in range(10, len(runs) - 1):
        stop, (start, end) = runs[k][1], runs[k + 1]
        if (end - start) // 32 < 4:
            continue
        data = bytearray(base)
        data[stop:stop + 4] = (start + 3 * 32 - stop - 4).to_bytes(4, "big")  # ends on the run's 4th frame
        assert sum(e - s for s, e in found_runs(bytes(data), tmp_path)) == total
        tried += 1
        if tried == 3:
            break
    assert tried == 3
