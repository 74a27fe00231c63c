"""Odd media from seized phones, built here with ffmpeg or bytes: names that are nearly all
dots, Ogg pages that lie, codecs chained in one Ogg, headers that declare no channels, ..."""

from __future__ import annotations

import struct
import subprocess
import threading
from itertools import pairwise
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from app.core.asr.pipeline import RunState, transcribe_tracks
from app.core.asr.speech import SpeechChunk
from app.core.errors import MediaError
from app.core.export import render_transcript
from app.core.media.decode import probe, read_all
from app.core.names import output_names
from app.core.options import TranscribeOptions
from tests.test_export import make_transcript
from tests.test_hostile_media import dominant_hz


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


@pytest.mark.parametrize("name", ["..opus", "...m4a", ".opus"])
def test_a_name_of_dots_gets_an_export_name_of_its_own(tmp_path, name):
    """'..opus' has the stem '.', which no output may be named: one such file in a phone's folder
    stopped the whole run ('.': not usable as an export file name) with the rest unwritten."""
    names = output_names([f"/x/{name}", "/x/note.opus"])
    assert names["/x/note.opus"] == "note"
    written = render_transcript(make_transcript(Path("/x")), tmp_path, ["txt"], names[f"/x/{name}"])
    assert [file for file, _ in written] == [f"{names[f'/x/{name}']}.txt"]
    assert names[f"/x/{name}"].strip(".")


def _tone(path: Path, hz: int, codec: str, seconds: float = 3.0) -> bytes:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={hz}:duration={seconds}", "-c:a", codec, "-f", "ogg", str(path))
    return path.read_bytes()


@pytest.mark.parametrize("codecs", [("libvorbis", "libopus"), ("libopus", "libvorbis", "libopus")])
def test_an_ogg_chain_whose_codec_changes_is_decoded_link_after_link(tmp_path, codecs):
    """A Vorbis voice note joined to an Opus one: ffmpeg's demuxer stopped at the change, so
    every link after the first was lost and called damage. Each is heard, in order, undamaged."""
    tones = [440, 880, 1320][:len(codecs)]
    chained = tmp_path / "mixed.ogg"
    chained.write_bytes(b"".join(_tone(tmp_path / f"{n}.ogg", hz, codec) for n, (hz, codec) in enumerate(zip(tones, codecs))))
    source = probe(chained)
    audio, reader = read_all(str(chained), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000 * len(codecs)) < 150
    assert abs(reader.decoded_ms - 3000 * len(codecs)) < 150
    for n, hz in enumerate(tones):
        assert abs(dominant_hz(audio, 3 * n + 0.3, 3 * n + 2.7) - hz) < 10
    assert reader.notes == () and not reader.truncated


def _ogg_crc(page: bytes) -> int:
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1) & 0xFFFFFFFF
    return crc


def _with_last_granule(data: bytes, granule: int) -> bytes:
    """The Ogg file with its last page's end position (granule) rewritten, its checksum made good."""
    at = data.rfind(b"OggS")
    page = bytearray(data[at:])
    page[6:14] = struct.pack("<q", granule)
    page[22:26] = bytes(4)
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return data[:at] + bytes(page)


@pytest.mark.parametrize("stated_s", [36000, 1])
def test_an_ogg_whose_last_page_lies_about_its_end_keeps_its_true_length(tmp_path, stated_s):
    """The last page says 10 hours (or 1 s) for 3 s of Opus: the file was recorded as 10 hours
    long, flagged truncated and 'damaged 00:03.0-10:00:00.0'. Its pages tell the true length."""
    note = tmp_path / "lying.opus"
    note.write_bytes(_with_last_granule(_tone(tmp_path / "tone.opus", 440, "libopus"), stated_s * 48000))
    source = probe(note)
    _, reader = read_all(str(note), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000) < 100
    assert reader.notes == () and not reader.truncated


def test_a_wav_header_declaring_no_channels_is_a_one_line_reason(tmp_path):
    """A WAV whose header says 0 channels decoded to nothing and was reported as a truncated file
    with no speech, 'damaged' from start to end; it is refused with what is wrong."""
    wav = tmp_path / "zero_channels.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "16000", "-c:a", "pcm_s16le", str(wav))
    data = bytearray(wav.read_bytes())
    fmt = data.find(b"fmt ")
    data[fmt + 10:fmt + 12] = bytes(2)
    data[fmt + 20:fmt + 22] = struct.pack("<H", 3)  # a block size stating no whole sample: nothing to read it by
    wav.write_bytes(bytes(data))
    with pytest.raises(MediaError) as raised:
        probe(wav)
    assert raised.value.reason == "the header declares 0 audio channels (damaged): its samples cannot be laid out"


def test_a_webm_video_whose_sound_ends_early_is_not_called_truncated(tmp_path):
    """Matroska states no length per stream but the file's (its picture's, 8 s), so 3 s of sound
    that simply ended was flagged truncated, 'damaged 00:03.0-00:08.0'. Its DURATION tag tells its
    own length; a WebM cut in half is still flagged."""
    video, cut = tmp_path / "short_sound.webm", tmp_path / "cut.webm"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=8", "-f", "lavfi", "-i",
           "sine=frequency=440:duration=3", "-c:v", "libvpx", "-c:a", "libopus", str(video))
    source = probe(video)
    _, reader = read_all(str(video), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000) < 100
    assert reader.notes == () and not reader.truncated
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-c:a", "libopus", str(tmp_path / "full.webm"))
    cut.write_bytes((tmp_path / "full.webm").read_bytes()[:(tmp_path / "full.webm").stat().st_size // 2])
    source = probe(cut)
    _, reader = read_all(str(cut), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 6000) < 100 and reader.truncated


@pytest.mark.parametrize("kind", ["jpg", "png", "gif"])
def test_a_picture_named_m4a_is_called_a_picture(tmp_path, kind):
    """A photo saved as .m4a (a chat app's cache, or a name changed to hide it) was called 'video
    has no audio track', sending the investigator to look for a video."""
    picture = tmp_path / f"pic.{kind}"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48", "-frames:v", "1", "-update", "1", str(picture))
    disguised = tmp_path / "voice.m4a"
    disguised.write_bytes(picture.read_bytes())
    with pytest.raises(MediaError) as raised:
        probe(disguised)
    assert raised.value.reason == f"a picture ({'JPEG' if kind == 'jpg' else kind.upper()}), not a recording"


def _wav_header(tag: int, bits: int, data: bytes) -> bytes:
    align = (bits + 7) // 8
    fmt = struct.pack("<HHIIHH", tag, 1, 8000, 8000 * align, align, bits)
    return (b"RIFF" + struct.pack("<I", 20 + len(fmt) + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt))
            + fmt + b"data" + struct.pack("<I", len(data)) + data)


@pytest.mark.parametrize(("tag", "bits"), [(1, 36), (0x1234, 16)])
def test_a_wav_in_a_codec_ffmpeg_does_not_know_is_a_one_line_reason(tmp_path, tag, bits):
    """A 36-bit PCM WAV, or one naming a codec ffmpeg has no decoder for, has no codec context:
    probing it raised AttributeError, a traceback that ended the whole folder's run."""
    wav = tmp_path / "odd.wav"
    wav.write_bytes(_wav_header(tag, bits, bytes(5 * 8000)))
    with pytest.raises(MediaError) as raised:
        probe(wav)
    assert raised.value.reason == "its audio is in a codec or sample format ffmpeg cannot decode"


def test_a_wav_cut_short_is_flagged_truncated_from_its_header(tmp_path):
    """ffmpeg states a cut WAV's length from the bytes left, so a recording cut at 60 % read as a
    shorter, complete file. Its data chunk says how long it was; a size left unwritten (0 or
    0xFFFFFFFF, a recorder killed) claims nothing."""
    whole, cut = tmp_path / "whole.wav", tmp_path / "cut.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=5", "-ar", "16000", "-c:a", "pcm_s16le", str(whole))
    cut.write_bytes(whole.read_bytes()[:100_000])  # 3.1 s of the 5
    source = probe(cut)
    _, reader = read_all(str(cut), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 5000) < 50 and reader.truncated
    assert reader.notes == ("damaged 00:00:03.1-00:00:05.0",)
    unwritten = bytearray(cut.read_bytes())
    data = unwritten.find(b"data")
    unwritten[data + 4:data + 8] = b"\xff" * 4
    cut.write_bytes(bytes(unwritten))
    assert abs(probe(cut).duration_ms - 3121) < 50


def test_a_caf_cut_before_its_packet_table_says_so(tmp_path):
    """An Apple CAF of ALAC keeps its packet table after the audio: cut short, it was 'not a media
    file ffmpeg can read', which reads as a wrongly named file rather than a cut recording."""
    whole, cut = tmp_path / "note.caf", tmp_path / "cut.caf"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "alac", str(whole))
    assert abs(probe(whole).duration_ms - 2000) < 100
    cut.write_bytes(whole.read_bytes()[:whole.stat().st_size * 6 // 10])
    with pytest.raises(MediaError) as raised:
        probe(cut)
    assert raised.value.reason == "a CAF file ffmpeg cannot read: damaged, or cut before its packet table (written last)"


class _PassThrough:
    """A decoder that hears nothing: each chunk is a commit unit without segments."""

    def __init__(self) -> None:
        self.decoded: list[SpeechChunk] = []

    def decode(self, chunks, state, should_stop):
        for chunk in chunks:
            if should_stop():
                return
            self.decoded.append(chunk)
            yield chunk, []


def test_minutes_of_silence_still_move_progress_and_honour_a_stop(tmp_path, monkeypatch):
    """Progress, the resume point and a stop request moved only when speech was decoded: a long
    silent recording (a phone left recording in a pocket) sat at 0 % for all of its decoding and
    could not be paused or cancelled until it ended. Each few minutes without speech is now a
    unit of its own: stored, counted, a place to stop."""
    monkeypatch.setattr("app.core.asr.speech.BUFFER_S", 10.0)  # VAD buffers of 10 s, not 3 min: a quick test
    silent = tmp_path / "pocket.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "70", "-c:a", "pcm_s16le", str(silent))
    source = probe(silent)
    units = list(transcribe_tracks(source, TranscribeOptions(), _PassThrough(), RunState()))
    steps = [u.progress for u in units if not u.final]
    assert len(steps) >= 2 and all(0 < a < b < 1 for a, b in pairwise(steps))
    assert all(u.segments == () for u in units) and units[-1].final
    state = RunState()
    stopped = list(transcribe_tracks(source, TranscribeOptions(), _PassThrough(), state, should_stop=lambda: bool(state.done_ms)))
    assert len(stopped) == 1 and not stopped[0].final and 0 < stopped[0].done_ms < 70_000
    assert state.anchor_ms == {stopped[0].track.key: stopped[0].done_ms}


def test_a_stopped_speaker_search_stops_reading_the_recording(tmp_path, monkeypatch):
    """The speaker turns are found beside the decoding; when the run ends without them (stopped,
    or nothing said: a 10-hour silent file) the search is told to stop, but it went on decoding
    every block of the recording (filtering them out), so the run waited for a second full decode."""
    from app.core.diarize.pipeline import DiarisationStopped, find_turns, speaker_model_dir
    from app.core.media.decode import AudioReader

    wav = tmp_path / "long.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "1", "-c:a", "pcm_s16le", str(wav))
    read: list[int] = []

    def blocks(self):
        for n in range(1200):  # ten hours of 30 s blocks
            read.append(n)
            yield np.zeros(480_000, dtype=np.float32)

    monkeypatch.setattr(AudioReader, "blocks", blocks)
    whisper = Path(__file__).resolve().parent.parent / "models" / "tiny.en"
    folder = speaker_model_dir(whisper)
    if folder is None:
        pytest.skip("no speaker model installed")
    stop = threading.Event()
    stop.set()
    with pytest.raises(DiarisationStopped):  # and nothing made of the part read
        find_turns(probe(wav), TranscribeOptions(), whisper, folder, stop=stop)
    assert len(read) <= 1
