"""Intake of real phone media and of every kind of bad input in shared/media."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.hashing import sha256_file
from app.core.media.decode import AudioReader, probe, read_all
from tests.conftest import MEDIA

GOOD = ["en_voicenote.opus", "en_voicenote.m4a", "en_voicenote.amr", "en_voicenote.mp3",
        "de_voicenote.opus", "es_voicenote.ogg", "fr_voicenote.m4a", "pl_voicenote.opus",
        "ro_voicenote.3gp", "interview.mp4", "interview_mono.wav", "interview_stereo.wav"]


@pytest.mark.parametrize("name", GOOD)
def test_probe_reads_phone_formats_and_hashes_them(name, manifest):
    source = probe(MEDIA / name)
    assert source.sha256 == manifest["files"][name]["sha256"]
    assert source.bytes == manifest["files"][name]["bytes"]
    assert source.duration_ms > 5000
    assert source.audio_codec
    audio, reader = read_all(source.path, expected_ms=source.duration_ms)
    assert abs(len(audio) / 16000 - source.duration_ms / 1000) < 0.3
    assert not reader.truncated


def test_stereo_keeps_its_channels():
    source = probe(MEDIA / "interview_stereo.wav")
    assert source.channels == 2
    audio, _ = read_all(source.path, mono=False)
    assert audio.shape[0] == 2
    assert not np.allclose(audio[0], audio[1])


def test_video_is_recognised_as_video_with_audio():
    source = probe(MEDIA / "interview.mp4")
    assert source.has_video and source.channels == 1


@pytest.mark.parametrize(
    "name, reason",
    [("empty.wav", "empty file"), ("not_audio.wav", "not a media file"),
     ("random_bytes.m4a", "not a media file"), ("missing.opus", "no such file")],
)
def test_bad_inputs_give_one_line_reasons(name, reason):
    with pytest.raises(MediaError) as info:
        probe(MEDIA / name)
    message = str(info.value)
    assert reason in message and name in message and "\n" not in message


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(MediaError, match="is a folder"):
        probe(tmp_path)


def test_truncated_mp3_decodes_its_prefix_and_is_flagged():
    source = probe(MEDIA / "truncated.mp3")
    audio, reader = read_all(source.path, expected_ms=source.duration_ms)
    assert 1.0 < len(audio) / 16000 < 3.0
    assert reader.truncated


def test_video_without_audio_is_a_clear_error(tmp_path):
    import imageio_ffmpeg

    video = tmp_path / "silent_video.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i",
         "testsrc=duration=1:size=64x64:rate=5", "-pix_fmt", "yuv420p", str(video)],
        check=True,
    )
    with pytest.raises(MediaError, match="video has no audio track"):
        probe(video)


def test_blocks_keep_memory_flat_and_cover_the_file():
    reader = AudioReader(str(MEDIA / "interview_mono.wav"), block_seconds=10)
    sizes = [len(b) for b in reader.blocks()]
    assert max(sizes) == 160000
    assert abs(sum(sizes) - 905247) < 2000


def test_resume_offset_skips_audio():
    reader = AudioReader(str(MEDIA / "interview_mono.wav"), start_ms=50000)
    total = sum(len(b) for b in reader.blocks())
    assert abs(total / 16000 - 6.58) < 0.1


def test_original_is_not_modified(manifest):
    before = sha256_file(MEDIA / "interview.mp4")
    probe(MEDIA / "interview.mp4")
    read_all(str(MEDIA / "interview.mp4"))
    assert sha256_file(MEDIA / "interview.mp4") == before == manifest["files"]["interview.mp4"]["sha256"]
