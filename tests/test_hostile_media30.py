"""Hostile media, round 30: session 29's leftovers and the classes session 30's sweep
(bench/hostile_media_sweep.py) found.

- A chained Ogg whose next link's first page lost its beginning-of-stream flag (one bit) read that
  link as pages of the link before: ffmpeg dropped them, the link was lost and the file called cut.
- A block-coded WAV (IMA or Microsoft ADPCM) was heard past its end: the coder pads its last block
  with silence, and the fact chunk's sample count, which says where the sound ends, was not kept.
- A RealAudio file whose packets all state the time 0 (ffmpeg's own writer) was recorded as 20 ms.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media29 import assert_links_in_place, heard, note


def _without_start_flag(link: bytes) -> bytes:
    assert link[:4] == b"OggS" and link[5] & 0x02
    return link[:5] + bytes([link[5] & ~0x02]) + link[6:]


@pytest.mark.parametrize("codec", ["opus", "ogg"])
def test_a_chain_link_whose_first_page_lost_its_start_flag_is_heard_in_place(tmp_path, codec):
    path = tmp_path / f"chain.{codec}"
    path.write_bytes(note(tmp_path, 440, 1, codec) + _without_start_flag(note(tmp_path, 1000, 1.5, codec))
                     + note(tmp_path, 700, 1, codec))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 3500) < 60, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 3.5) < 0.06, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 1.0), (1000, 1.5), (700, 1.0)])
    assert not reader.truncated and reader.notes == ()


def _adpcm(tmp_path, codec: str, rate: int, channels: int) -> tuple[str, np.ndarray]:
    path = tmp_path / f"{codec}_{rate}_{channels}.wav"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=500:duration=3.01:sample_rate={rate}", "-ac", str(channels),
           "-c:a", codec, str(path))
    plain = tmp_path / "plain.wav"
    ffmpeg("-i", str(path), "-c:a", "pcm_s16le", str(plain))  # ffmpeg's own decoding, every block whole
    return str(path), read_all(str(plain))[0]


@pytest.mark.parametrize("codec,rate,channels", [("adpcm_ima_wav", 16000, 1), ("adpcm_ms", 44100, 2),
                                                  ("adpcm_ima_wav", 8000, 2)])
def test_a_block_coded_wav_ends_where_its_fact_chunk_says(tmp_path, codec, rate, channels):
    path, whole_blocks = _adpcm(tmp_path, codec, rate, channels)
    source = probe(path)
    audio, reader = read_all(path, expected_ms=source.duration_ms)
    assert source.duration_ms == 3010
    assert abs(audio.size - 3.01 * SAMPLE_RATE) <= 2, audio.size
    assert whole_blocks.size > audio.size + SAMPLE_RATE // 100  # the padding is there to leave out
    assert np.allclose(audio, whole_blocks[:audio.size], atol=1e-3)  # the same sound, only the padding gone
    assert not reader.truncated and reader.notes == ()


def test_a_block_coded_wav_whose_fact_count_falls_short_of_its_blocks_keeps_every_block(tmp_path):
    """A fact count short of the blocks by more than the last one is damage, not padding: nothing is
    left out for it."""
    path, whole_blocks = _adpcm(tmp_path, "adpcm_ima_wav", 16000, 1)
    data = bytearray(Path(path).read_bytes())
    at = data.find(b"fact") + 8
    data[at:at + 4] = struct.pack("<I", 16000)  # 1 s of 3.01
    damaged = tmp_path / "short_fact.wav"
    damaged.write_bytes(bytes(data))
    audio, _ = read_all(str(damaged))
    assert audio.size == whole_blocks.size


def test_a_realaudio_file_whose_packets_all_state_time_0_is_as_long_as_its_packets(tmp_path):
    path = tmp_path / "note.rm"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=3:sample_rate=8000", "-c:a", "real_144", str(path))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000) <= 40, source.duration_ms  # 20 ms before
    assert abs(audio.size / SAMPLE_RATE - source.duration_ms / 1000) < 0.02
    assert not reader.truncated


def _late_vorbis(tmp_path, hz: int, seconds: float, rate: int, late_s: int) -> bytes:
    """A Vorbis note whose clock starts `late_s` in (a live stream captured part-way)."""
    path = tmp_path / f"late_{hz}_{rate}.ogg"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={hz}:duration={seconds}:sample_rate={rate}",
           "-c:a", "libvorbis", "-output_ts_offset", str(late_s), str(path))
    return path.read_bytes()


def test_a_48_khz_vorbis_capture_whose_clock_starts_late_is_heard_from_its_start(tmp_path):
    """A 48 kHz Vorbis stream's packets were read as Opus packets to find where its clock starts:
    0.9 s of silence named damaged was put before the capture's sound."""
    path = tmp_path / "capture.ogg"
    path.write_bytes(_late_vorbis(tmp_path, 1000, 2, 48000, 40))
    _, audio, reader = heard(path)
    assert abs(audio.size / SAMPLE_RATE - 2.0) < 0.01, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(1000, 2.0)])
    assert reader.notes == () and not reader.truncated


@pytest.mark.parametrize("rate", [44100, 48000])
def test_a_vorbis_chain_whose_second_link_clock_starts_late_is_as_long_as_its_links(tmp_path, rate):
    """Vorbis links were counted from their clock's 0 (no start read from the pages): a 1 s note
    followed by a 2 s capture whose clock starts 40 s in was recorded as 43 s at intake."""
    path = tmp_path / "chain.ogg"
    first = tmp_path / "first.ogg"
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration=1:sample_rate={rate}", "-c:a", "libvorbis", str(first))
    path.write_bytes(first.read_bytes() + _late_vorbis(tmp_path, 1000, 2, rate, 40))
    source, audio, reader = heard(path)
    assert abs(source.duration_ms - 3000) < 20, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE - 3.0) < 0.02, audio.size / SAMPLE_RATE
    assert_links_in_place(audio, [(440, 1.0), (1000, 2.0)])
    assert reader.notes == () and not reader.truncated


@pytest.mark.parametrize("kept", [None, 400])
def test_an_amr_note_followed_by_zeros_to_the_files_end_is_as_long_as_its_frames(tmp_path, kept):
    """Zeros to the end (a file made larger than it was filled, a recorder that stopped): intake read
    them as 13-byte frames (200 kB of them 5 minutes, 2 MB 51 minutes), and the run named them all damaged."""
    healthy = tmp_path / "note.amr"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=3:sample_rate=8000", "-c:a", "libopencore_amrnb",
           "-b:a", "12.2k", str(healthy))
    note_bytes = healthy.read_bytes()[:kept]
    path = tmp_path / "zeros.amr"
    path.write_bytes(note_bytes + bytes(200_000))
    frames_ms = round((len(note_bytes) - 6) // 32 * 20)  # 12.2 kbit/s: 32-byte frames of 20 ms
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.duration_ms == frames_ms, source.duration_ms
    assert abs(audio.size / SAMPLE_RATE * 1000 - frames_ms) <= 20
    assert reader.truncated and not any(end > frames_ms + 100 for _, end in reader.damaged), reader.notes
    assert any("zero bytes run to the file's end" in note for note in reader.notes)


def test_a_realaudio_file_in_a_seized_folder_is_taken_in(tmp_path):
    """Inside a folder a .rm was 'skipped: not a media file' (neither its name nor its '.RMF' opening
    was known): a recording passed over as not one. Named .rm, or with no extension at all, it is probed."""
    from app.core.media.intake import find_media

    folder = tmp_path / "seized"
    folder.mkdir()
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=2:sample_rate=8000", "-c:a", "real_144",
           str(folder / "call.rm"))
    (folder / "call_copy").write_bytes((folder / "call.rm").read_bytes())
    (folder / "cut.rm").write_bytes((folder / "call.rm").read_bytes()[:20])
    found = {Path(f.path).name: f for f in find_media([str(folder)])}
    assert found["call.rm"].source is not None and abs(found["call.rm"].source.duration_ms - 2000) <= 40
    assert found["call_copy"].source is not None and found["call_copy"].skipped is None
    assert found["cut.rm"].source is None and found["cut.rm"].skipped is None and found["cut.rm"].error


def _speech_in_first_of(tmp_path, channels: int) -> Path:
    import soundfile

    tone = 0.5 * np.sin(np.arange(SAMPLE_RATE) * 2 * np.pi * 500 / SAMPLE_RATE)
    layout = np.zeros((SAMPLE_RATE, channels))
    layout[:, 0] = tone
    path = tmp_path / f"ch{channels}.wav"
    soundfile.write(path, layout, SAMPLE_RATE, subtype="PCM_16")
    return path


def test_a_stream_of_more_channels_than_ffmpeg_can_mix_is_refused_in_one_line(tmp_path):
    """65 channels or more (a header stating 255): every decoding failed in ffmpeg's resampler
    ('NotImplementedError: Function not implemented'), a traceback, and in the worker the whole batch
    of short files holding it failed as an unexpected error, retried three times."""
    from app.core.errors import MediaError

    path = _speech_in_first_of(tmp_path, 65)
    with pytest.raises(MediaError) as refused:
        probe(path)
    assert "65 channels" in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(MediaError):
        read_all(str(path))
    audio, reader = read_all(str(_speech_in_first_of(tmp_path, 64)))  # the most that mixes: heard
    assert audio.size == SAMPLE_RATE and reader.notes == ()


@pytest.mark.parametrize("container", ["g722", "sbc", "al"])
def test_a_raw_stream_known_only_by_its_file_name_is_heard(tmp_path, container):
    """Raw G.722, SBC and headerless A-law have no magic bytes: ffmpeg knows them by the file's name. A
    wrapper around the handle without the name hid it: 'not a media file'. The A-law is a telephone's, at
    8 kHz (ffmpeg would read it at 44.1 kHz: test_container_sizes31 checks the rate and its note)."""
    path = tmp_path / f"note.{container}"
    codec = {"g722": ["-c:a", "g722"], "sbc": ["-c:a", "sbc"], "al": ["-ar", "8000", "-f", "alaw"]}[container]
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=2:sample_rate=16000", *codec, str(path))
    source = probe(path)
    audio, _ = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 2000) <= 40 and abs(audio.size / SAMPLE_RATE - 2) <= 0.04


def test_a_flac_cut_after_its_magic_is_cut_short_in_its_headers(tmp_path):
    from app.core.errors import MediaError

    path = tmp_path / "cut.flac"
    path.write_bytes(b"fLaC")
    with pytest.raises(MediaError, match="cut short in its headers"):
        probe(path)


@pytest.mark.parametrize("header", [b"#!AMR\n", b"#!AMR-WB\n"])
@pytest.mark.parametrize("zeros", [100_000, 63])
def test_an_amr_header_followed_only_by_zeros_says_so(tmp_path, header, zeros):
    """The header and zero bytes: windowed down to its header, the file was 'cut short in its headers',
    a false reason for a 100 kB file whose header is whole; 63 zeros were heard as frames, cut short. The
    zeros may be frames never written or frames wiped: the reason claims neither."""
    from app.core.errors import MediaError

    path = tmp_path / "zeros.amr"
    path.write_bytes(header + bytes(zeros))
    for read in (probe, lambda p: read_all(str(p))):
        with pytest.raises(MediaError, match=f"followed only by {zeros:,} zero bytes: the file holds no audio frame "
                                             r"\(never written, or zeroed\)"):
            read(path)


def test_an_amr_header_written_twice_before_zeros_counts_the_zeros_after_both(tmp_path):
    from app.core.errors import MediaError

    path = tmp_path / "zeros.amr"
    path.write_bytes(b"#!AMR\n" * 2 + bytes(5_000))
    with pytest.raises(MediaError, match=r"header \(and 6 bytes of it written again\) is followed only by 5,000 zero"):
        probe(path)


def test_a_tiny_adpcm_note_is_as_long_at_intake_as_decoded(tmp_path):
    """A 0.05 s IMA ADPCM note (one padded block; fact: 400 samples): intake recorded the block's 256 ms,
    decoding heard the fact's 50 ms, and the record disagreed with itself."""
    path = tmp_path / "tiny.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=500:duration=0.05:sample_rate=8000", "-c:a", "adpcm_ima_wav", str(path))
    source = probe(path)
    audio, _ = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 50) <= 5 and abs(audio.size / SAMPLE_RATE * 1000 - source.duration_ms) <= 5
