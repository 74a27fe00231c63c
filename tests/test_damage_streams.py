"""Damage is placed and named; every audio stream is seen (issue 11, findings 5 and 6)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from app.core.media.damage import Timeline, clock, format_damaged, merge
from app.core.media.decode import probe, read_all
from app.core.options import TranscribeOptions
from tests.conftest import MEDIA

CLEAN = MEDIA / "en_voicenote.opus"


def ogg_pages(data: bytes) -> list[int]:
    pages, at = [], data.find(b"OggS")
    while at >= 0:
        pages.append(at)
        at = data.find(b"OggS", at + 4)
    return pages


@pytest.fixture()
def damaged_opus(tmp_path) -> Path:
    """A copy of the voice note with one Ogg page in the middle corrupted (its CRC fails)."""
    data = bytearray(CLEAN.read_bytes())
    pages = ogg_pages(bytes(data))
    middle = len(pages) // 2
    for k in range(pages[middle] + 40, pages[middle + 1] - 10):
        data[k] ^= 0x5A
    path = tmp_path / "damaged.opus"
    path.write_bytes(bytes(data))
    return path


def envelope(audio: np.ndarray, ms: int = 20) -> np.ndarray:
    n = 16 * ms
    frames = audio[: len(audio) // n * n].reshape(-1, n)
    return np.sqrt((frames ** 2).mean(axis=1))


def test_audio_after_a_damaged_page_keeps_its_sample_positions(damaged_opus):
    clean, _ = read_all(str(CLEAN))
    source = probe(damaged_opus)
    audio, reader = read_all(source.path, expected_ms=source.duration_ms)
    assert len(audio) == len(clean)  # nothing pulled earlier: the lost second is silence
    (start, end), = reader.damaged
    assert 1500 <= start < end <= 3500 and end - start >= 900
    after = slice(end * 16 + 16000 // 10, None)  # from 0.1 s after the damage to the end
    assert np.corrcoef(envelope(audio[after]), envelope(clean[after]))[0, 1] > 0.99
    assert np.abs(audio[start * 16 + 160: end * 16 - 160]).max() == 0.0  # the gap is silence
    assert reader.notes == (format_damaged(reader.damaged),)
    assert reader.notes[0].startswith("damaged 00:00:0") and not reader.truncated


def test_a_clean_file_has_no_damage_and_decodes_as_before():
    audio, reader = read_all(str(CLEAN))
    assert reader.damaged == () and reader.notes == ()
    assert abs(len(audio) - 98137) < 16


def test_truncation_is_a_damaged_range_to_the_stated_end():
    source = probe(MEDIA / "truncated.mp3")
    _, reader = read_all(source.path, expected_ms=source.duration_ms)
    assert reader.truncated
    assert reader.damaged[-1][1] == source.duration_ms


def test_formatter_and_merge():
    assert format_damaged([(4000, 5000)]) == "damaged 00:00:04.0-00:00:05.0"
    assert merge([(5, 9), (0, 5), (20, 30)]) == ((0, 9), (20, 30))
    assert format_damaged([]) == ""
    assert clock(3_723_500) == "01:02:03.5"


def test_timeline_fills_gaps_and_drops_overlaps():
    line = Timeline()
    line.start(0.0)
    assert line.jump_to(0.0) is None
    line.emit(np.ones(16000, np.float32))
    line.advance(0.0, 1.0)
    assert line.jump_to(1.01) is None  # jitter below the tolerance
    gap = line.jump_to(2.0)
    filled = list(line.fill(line.move(gap)))
    assert sum(len(b) for b in filled) == 16000 and line.emitted == 32000
    line.advance(2.0, 1.0)
    line.emit(np.ones(16000, np.float32))
    back = line.jump_to(2.5)  # the stream steps back half a second: that half is dropped
    assert line.move(back) == 0
    kept = line.emit(np.ones(16000, np.float32))
    assert len(kept) == 8000
    assert line.damaged == ((1000, 2000), (2500, 3000))


def make_two_stream_mp4(folder: Path) -> Path:
    """A video whose first audio stream is silent and whose second holds the speech."""
    out = folder / "two_streams.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-i", str(MEDIA / "en_voicenote.m4a"),
         "-f", "lavfi", "-i", "color=c=black:s=64x64:r=5",
         "-map", "2:v", "-map", "0:a", "-map", "1:a", "-t", "6", "-c:v", "libx264", "-c:a", "aac",
         "-shortest", str(out)],
        check=True, capture_output=True, timeout=60)
    return out


@pytest.fixture()
def two_streams(tmp_path) -> Path:
    return make_two_stream_mp4(tmp_path)


def test_intake_lists_every_audio_stream_and_decoding_takes_the_speech(two_streams):
    source = probe(two_streams)
    assert len(source.audio_streams) == 2
    silent, speech = source.audio_streams
    assert silent.speech_ms == 0 and speech.speech_ms > 3000
    assert source.has_video
    audio, reader = read_all(source.path, expected_ms=source.duration_ms)
    clean, _ = read_all(str(MEDIA / "en_voicenote.m4a"))
    assert np.abs(audio).max() > 0.1
    n = min(len(audio), len(clean), 16000 * 5)
    assert np.corrcoef(envelope(audio[:n]), envelope(clean[:n]))[0, 1] > 0.9
    assert reader.notes == (("2 audio streams; transcribed audio stream #1 (the one holding the most speech); "
                            "not transcribed: #0"),)


def test_a_single_stream_file_lists_one_stream():
    source = probe(MEDIA / "interview.mp4")
    assert [s.index for s in source.audio_streams] == [source.audio_streams[0].index]
    assert source.audio_streams[0].codec == source.audio_codec


@pytest.mark.slow
def test_damaged_note_words_keep_their_times(base_engine, base_run, damaged_opus):
    from app.core.asr import transcribe_source

    options = TranscribeOptions(model="base", threads=2)
    clean = [w for d in base_run(CLEAN.name) for s in d.segments for w in s.words]  # the session's run
    hurt = [w for d in transcribe_source(base_engine, probe(damaged_opus), options) for s in d.segments
            for w in s.words]
    late_clean = {w.text.strip(" .,").lower(): w.start_ms for w in clean if w.start_ms > 3600}
    late_hurt = {w.text.strip(" .,").lower(): w.start_ms for w in hurt if w.start_ms > 3600}
    common = late_clean.keys() & late_hurt.keys()
    assert len(common) >= 3
    assert all(abs(late_clean[k] - late_hurt[k]) <= 300 for k in common)


@pytest.mark.slow
def test_two_stream_video_is_transcribed(base_engine, two_streams):
    from app.core.asr import transcribe_source

    options = TranscribeOptions(model="base", threads=2)
    text = " ".join(s.text for d in transcribe_source(base_engine, probe(two_streams), options) for s in d.segments)
    assert len(text.split()) >= 8


def test_two_silent_streams_are_named_in_a_warning(tmp_path):
    out = tmp_path / "silent.mka"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono",
         "-map", "0:a", "-map", "1:a", "-t", "3", "-c:a", "pcm_s16le", str(out)],
        check=True, capture_output=True, timeout=60)
    source = probe(out)
    assert [s.speech_ms for s in source.audio_streams] == [0, 0]
    _, reader = read_all(source.path)
    assert reader.notes == (("2 audio streams and none holds speech; transcribed audio stream #0; "
                            "not transcribed: #1"),)


def test_a_late_first_frame_is_a_leading_gap_but_priming_offsets_are_not():
    line = Timeline()
    line.start(0.013)
    assert line.jump_to(0.0) is None  # 13 ms of codec priming: the timeline starts here
    late = Timeline()
    late.start(0.0)
    assert late.jump_to(2.0) == 32000  # the first two seconds were lost
    assert next(iter(late.fill(late.move(32000)))).shape == (32000,)
    assert late.damaged == ((0, 2000),)


@pytest.mark.slow
def test_cli_transcribes_the_speech_stream_and_lists_every_stream(tmp_path):
    import sys

    from tests.conftest import REPO

    evidence = tmp_path / "ev"
    evidence.mkdir()
    video = make_two_stream_mp4(evidence)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                              check=False, timeout=600)

    result = cli("transcribe", str(video), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                 "--model", "tiny.en", "--format", "txt")
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "out" / "two_streams.txt").read_text().split()) >= 8
    listed = cli("exhibits", "--all", "--case", str(tmp_path / "case"))
    assert "2 audio streams: #0 aac 16000 Hz 1 ch, no speech; #1 aac 16000 Hz 1 ch, speech" in listed.stdout


@pytest.mark.slow
@pytest.mark.parametrize("batch", [True, False], ids=["batched", "alone"])
def test_damage_and_the_stream_chosen_reach_every_export(tmp_path, damaged_opus, batch):
    """The damaged range is named in the run's warnings, so in the JSON and in the TXT header."""
    import json
    import shutil
    import sys

    from tests.conftest import REPO

    evidence = tmp_path / "ev"
    evidence.mkdir()
    shutil.copy(damaged_opus, evidence / "damaged.opus")
    make_two_stream_mp4(evidence)
    args = ["transcribe", str(evidence), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
            "--model", "tiny.en", "--format", "json,txt", *([] if batch else ["--no-batch"])]
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, text=True,
                            check=False, timeout=600)
    assert result.returncode == 0, result.stderr
    damaged = json.loads((tmp_path / "out" / "damaged.json").read_text())
    assert any(w.startswith("damaged ") for w in damaged["warnings"]), damaged["warnings"]
    assert "damaged " in (tmp_path / "out" / "damaged.txt").read_text()
    video = json.loads((tmp_path / "out" / "two_streams.json").read_text())
    assert any("stream" in w for w in video["warnings"]), video["warnings"]
