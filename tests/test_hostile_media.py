"""Hostile phone media, built here with ffmpeg: audio that starts late in a video, chained
Ogg voice notes, and names too long to take an output suffix."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.evidence.export_set import manifest_name, write_set
from app.core.media.damage import format_damaged
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from app.core.media.intake import find_media, record_met
from app.core.names import output_names, printable, safe_basename
from app.core.store.intake_log import intake_entries


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


def rms(audio: np.ndarray, start_s: float, end_s: float) -> float:
    piece = audio[int(start_s * SAMPLE_RATE):int(end_s * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(piece ** 2))) if piece.size else 0.0


def dominant_hz(audio: np.ndarray, start_s: float, end_s: float) -> float:
    piece = audio[int(start_s * SAMPLE_RATE):int(end_s * SAMPLE_RATE)]
    spectrum = np.abs(np.fft.rfft(piece))
    return float(np.fft.rfftfreq(piece.size, 1 / SAMPLE_RATE)[int(np.argmax(spectrum))])


def test_audio_starting_late_in_a_video_is_placed_where_the_picture_has_it(tmp_path):
    """A phone video whose sound starts 5 s in: the words belong at 5 s (the video pane plays
    in sync), not at 0, and the silence before is no damage."""
    video = tmp_path / "late.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=8", "-itsoffset", "5",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-map", "0:v", "-map", "1:a",
           "-c:v", "mpeg4", "-c:a", "aac", str(video))
    source = probe(video)
    audio, reader = read_all(str(video), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 7000) < 300
    assert rms(audio, 0.0, 4.5) < 0.001
    assert rms(audio, 5.3, 6.7) > 0.05
    assert reader.notes == () and not reader.truncated


def test_a_chained_ogg_is_decoded_link_after_link(tmp_path):
    """Two Opus voice notes joined end to end: the second's clock starts again at 0. Both are
    heard, in order, the duration is their sum, and nothing is called damaged."""
    first, second, chained = tmp_path / "a.opus", tmp_path / "b.opus", tmp_path / "chained.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "libopus", str(first))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=1000:duration=3", "-c:a", "libopus", str(second))
    chained.write_bytes(first.read_bytes() + second.read_bytes())
    source = probe(chained)
    audio, reader = read_all(str(chained), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 6000) < 100
    assert abs(audio.size / SAMPLE_RATE - 6.0) < 0.1
    assert abs(dominant_hz(audio, 0.5, 2.5) - 440) < 10
    assert abs(dominant_hz(audio, 3.5, 5.5) - 1000) < 10
    assert reader.notes == () and not reader.truncated


def test_a_plain_ogg_keeps_its_stated_duration(tmp_path):
    plain = tmp_path / "plain.ogg"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "libvorbis", str(plain))
    assert abs(probe(plain).duration_ms - 3000) < 100


def test_a_name_of_250_bytes_still_gets_its_export_set(tmp_path):
    """A phone file name may take the whole 255 bytes; its outputs add '.manifest.json'."""
    names = output_names([f"/x/{'L' * 250}.opus", f"/x/{'Ł' * 125}.m4a", "/x/short.opus"])
    long_name, polish, short = names.values()
    assert short == "short"
    assert long_name.startswith("L" * 150) and long_name != safe_basename("M" * 250)
    for name in (long_name, polish):
        assert len(manifest_name(name).encode()) <= 255
        write_set(tmp_path, name, [(f"{name}.json", b"{}")], {})
        assert (tmp_path / manifest_name(name)).exists()


def test_bidirectional_marks_never_reach_an_output_name():
    assert safe_basename("\u200fevil\u200e\u061c") == "_evil__"


def test_an_mp4_cut_before_or_inside_its_index_says_so(tmp_path):
    """A phone video killed while recording: ffmpeg writes the index (moov) last. Cut before it
    or inside it, the file is named for what it is, not 'not media' or 'no audio track'. Since
    session 26 its AAC sound between MPEG-4 Part 2 pictures is heard (it was refused), the missing
    index said in the reading's notes."""
    whole = tmp_path / "whole.mp4"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-f", "lavfi",
           "-i", "testsrc=size=64x48:rate=10:duration=3", "-c:a", "aac", "-c:v", "mpeg4", str(whole))
    data = whole.read_bytes()
    index = data.rfind(b"moov") - 4
    (tmp_path / "before.mp4").write_bytes(data[: index // 2])
    (tmp_path / "inside.mp4").write_bytes(data[: index + 200])
    for name in ("before.mp4", "inside.mp4"):
        source = probe(tmp_path / name)
        audio, reader = read_all(str(tmp_path / name), expected_ms=source.duration_ms)
        assert source.duration_ms > 1000 and len(audio) > 16000
        assert any("without its index (the moov atom is missing or cut" in note for note in reader.notes), reader.notes


def test_a_broken_heif_photo_is_not_called_a_cut_video(tmp_path):
    photo = tmp_path / "IMG_0001.heic"
    photo.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    with pytest.raises(MediaError) as failed:
        probe(photo)
    assert "moov" not in failed.value.reason


def test_garbage_inside_an_amr_note_loses_only_its_own_stretch(tmp_path):
    """Garbage read as AMR frames of a reserved mode made ffmpeg answer 'patches welcome' (not
    'invalid data'), which ended the decode there: the rest of the note was lost as 'truncated'.
    (Raw AMR has no timestamps: garbage read as frames can shift what follows; it is named damaged.)"""
    note = tmp_path / "note.amr"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-ar", "8000", "-c:a", "libopencore_amrnb",
           "-b:a", "12.2k", str(note))
    data = bytearray(note.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 1500] = random.Random(2).randbytes(1500)
    note.write_bytes(bytes(data))
    source = probe(note)
    audio, reader = read_all(str(note), expected_ms=source.duration_ms)
    assert not reader.truncated
    assert audio.size / SAMPLE_RATE > 5.5
    end_s = audio.size / SAMPLE_RATE
    assert rms(audio, end_s - 1.0, end_s - 0.1) > 0.02  # the note's tail, after the garbage, is heard
    assert reader.damaged and reader.damaged[0][0] > 2500  # and the garbage is named, not the start


def test_an_ogg_voice_note_cut_short_is_flagged_truncated(tmp_path):
    """An Ogg file states no duration beyond its last page, so a cut one looked whole; its
    missing end-of-stream mark says it was cut."""
    whole, cut = tmp_path / "whole.opus", tmp_path / "cut.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=6", "-c:a", "libopus", str(whole))
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 55 // 100 + 3])
    _, kept = read_all(str(whole), expected_ms=probe(whole).duration_ms)
    audio, reader = read_all(str(cut), expected_ms=probe(cut).duration_ms)
    assert not kept.truncated and kept.notes == ()
    assert reader.truncated and any("cut short" in note for note in reader.notes)
    assert 2.0 < audio.size / SAMPLE_RATE < 4.5


def test_a_short_damaged_range_never_reads_as_empty():
    """A damaged last AMR frame (3.30-3.34 s) was written 'damaged 00:03.3-00:03.3'."""
    assert format_damaged([(3300, 3340)]) == "damaged 00:00:03.3-00:00:03.4"
    assert format_damaged([(4000, 5000)]) == "damaged 00:00:04.0-00:00:05.0"


def test_a_file_name_that_is_not_utf8_fails_alone_and_is_recorded(tmp_path, case):
    """An Android dump can hold names in any bytes: SQLite refused the name and the whole run
    stopped ('surrogates not allowed'), nothing recorded. Now that file fails with its reason,
    is logged with its hash (its bytes written \\xNN), and the rest carries on."""
    folder = tmp_path / "phone"
    folder.mkdir()
    note = tmp_path / "note.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libopus", str(note))
    shutil.copy(note, os.fsencode(folder) + b"/bad\xff\xfe.opus")
    shutil.copy(note, folder / "good.opus")
    (folder / "a\udcff.txt").write_text("not media")
    met = {printable(f.path): f for f in find_media([str(folder)])}
    assert set(met) == {f"{folder}/bad\\xff\\xfe.opus", f"{folder}/good.opus", f"{folder}/a\\xff.txt"}
    assert met[f"{folder}/good.opus"].source is not None
    assert "not UTF-8" in met[f"{folder}/bad\\xff\\xfe.opus"].error
    record_met(case, list(met.values()))
    logged = {e.path: e for e in intake_entries(case)}
    assert logged[f"{folder}/bad\\xff\\xfe.opus"].status == "failed"
    assert logged[f"{folder}/bad\\xff\\xfe.opus"].sha256 == hashlib.sha256(note.read_bytes()).hexdigest()
    assert logged[f"{folder}/a\\xff.txt"].status == "skipped"


def test_a_float_wav_holding_nan_and_infinite_samples_gives_no_invented_text(tmp_path):
    """NaN, infinite and absurd samples in a 32-bit float WAV reached Whisper, which wrote a line
    of ')))))' over the whole file and lost its words. They are silenced and named damaged."""
    wav = tmp_path / "float.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-ar", "16000", "-c:a", "pcm_f32le", str(wav))
    data = bytearray(wav.read_bytes())
    start = data.find(b"data") + 8
    samples = np.frombuffer(bytes(data[start:]), dtype="<f4").copy()
    samples[16000:16400] = np.nan
    samples[32000:32400] = np.inf
    samples[48000:48400] = 1e30
    data[start:] = samples.tobytes()
    wav.write_bytes(bytes(data))
    audio, reader = read_all(str(wav), expected_ms=probe(wav).duration_ms)
    assert np.isfinite(audio).all() and np.abs(audio).max() <= 1.0
    assert rms(audio, 0.1, 0.9) > 0.05 and rms(audio, 3.1, 3.9) > 0.05
    assert [start for start, _ in reader.damaged] == [1000, 2000, 3000]


def test_an_m4a_holding_only_its_cover_picture_has_no_audio_track(tmp_path):
    cover = tmp_path / "cover.m4a"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x64:d=1", "-frames:v", "1", "-c:v", "mjpeg",
           "-disposition:v", "attached_pic", str(cover))
    with pytest.raises(MediaError) as failed:
        probe(cover)
    assert failed.value.reason == "no audio track"


def test_a_matroska_video_whose_sound_starts_late_names_no_damage_before_it(tmp_path):
    """Sound 20 s into a Matroska video lies past what ffmpeg probes, so the audio stream is
    given a start of 0 and its first packet comes at 20 s: the silence before it is where the
    sound starts, not a damaged stretch."""
    video = tmp_path / "late.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=24", "-itsoffset", "20",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-map", "0:v", "-map", "1:a",
           "-c:v", "mpeg4", "-c:a", "libopus", str(video))
    audio, reader = read_all(str(video), expected_ms=probe(video).duration_ms)
    assert rms(audio, 0.0, 19.5) < 0.001 and rms(audio, 20.3, 21.7) > 0.05
    assert not any(start < 19000 for start, _ in reader.damaged)


def test_damaged_ranges_are_written_once_each_never_overlapping():
    """Garbage in an AMR note gives dozens of short ranges a few ms apart; written to the tenth
    they read '00:03.4-00:03.7, 00:03.6-00:03.8, ...'. Ranges that meet once written are one."""
    ranges = [(3350, 3420), (3440, 3650), (3610, 3790), (5000, 5040)]
    assert format_damaged(ranges) == "damaged 00:00:03.3-00:00:03.8, damaged 00:00:05.0-00:00:05.1"
