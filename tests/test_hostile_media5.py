"""Hostile media, sixth round, built here with ffmpeg or bytes: streams whose format changes part-way
(ADTS AAC joined from two recordings; Ogg chains whose links differ in channels or rate, or repeat
one serial number), recordings whose clock starts hours in, an MP4 holding only subtitles, MP4 edit
lists that start late, are empty, point past the samples, repeat or reorder the audio, and an Opus
header whose pre-skip drops speech."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.test_hostile_media import dominant_hz, ffmpeg, rms
from tests.test_odd_media import _ogg_crc

TONE = ("-f", "lavfi", "-i", "sine=frequency={hz}:duration={s}")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tone(hz: int, seconds: float) -> tuple[str, ...]:
    return tuple(arg.format(hz=hz, s=seconds) for arg in TONE)


def test_adts_aac_whose_rate_and_channels_change_part_way_is_read_in_place(tmp_path):
    """Two ADTS AAC recordings joined (2 s at 8 kHz mono, then 4 s at 44.1 kHz stereo): the
    resampler refused the first 44.1 kHz frame ('Frame does not match AudioResampler setup'),
    an unexpected error that failed the file and the batch it was packed with; ffmpeg times
    every frame at the first header's rate, so the second part also read as 36 s of slivers."""
    first, second, joined = tmp_path / "a.aac", tmp_path / "b.aac", tmp_path / "joined.aac"
    ffmpeg(*_tone(440, 2), "-ar", "8000", "-ac", "1", "-c:a", "aac", "-f", "adts", str(first))
    ffmpeg(*_tone(1000, 4), "-ar", "44100", "-ac", "2", "-c:a", "aac", "-f", "adts", str(second))
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    info = probe(joined)
    assert abs(info.duration_ms - 6000) < 300
    for mono in (True, False):
        audio, reader = read_all(str(joined), mono=mono, expected_ms=info.duration_ms)
        audio = audio if mono else audio[0]
        assert abs(audio.size / SAMPLE_RATE - 6.0) < 0.3 and not reader.truncated and reader.damaged == ()
        assert abs(dominant_hz(audio, 0.5, 1.8) - 440) < 20 and abs(dominant_hz(audio, 3.0, 5.5) - 1000) < 20
        assert min(rms(audio, t, t + 0.1) for t in np.arange(2.5, 5.5, 0.1)) > 0.05  # no slivers of silence


LINKS = {  # name: (first link's ffmpeg output options, second's)
    "opus mono, then stereo": (("-ac", "1", "-c:a", "libopus", "-f", "ogg"), ("-ac", "2", "-c:a", "libopus", "-f", "ogg")),
    "opus stereo, then mono": (("-ac", "2", "-c:a", "libopus", "-f", "ogg"), ("-ac", "1", "-c:a", "libopus", "-f", "ogg")),
    "vorbis 8 kHz mono, then 44.1 kHz stereo": (("-ar", "8000", "-ac", "1", "-c:a", "libvorbis", "-f", "ogg"),
                                                ("-ar", "44100", "-ac", "2", "-c:a", "libvorbis", "-f", "ogg")),
    "vorbis stereo, then opus mono": (("-ac", "2", "-c:a", "libvorbis", "-f", "ogg"), ("-ac", "1", "-c:a", "libopus", "-f", "ogg")),
}


@pytest.mark.parametrize("links", LINKS.values(), ids=LINKS.keys())
def test_a_chained_ogg_whose_links_differ_in_channels_or_rate_is_read_link_after_link(tmp_path, links):
    """Voice notes joined end to end, the second recorded in stereo (or at another rate): ffmpeg's
    demuxer read the second link as damage ('damaged 00:06.1-00:08.2', flagged truncated), so a
    second note holding the speech gave an empty transcript; and a chain whose channels changed
    failed the channel-by-channel read with a traceback (blocks of 1 and 2 rows joined)."""
    first, second, chain = tmp_path / "a.ogg", tmp_path / "b.ogg", tmp_path / "chain.ogg"
    ffmpeg(*_tone(440, 2), *links[0], str(first))
    ffmpeg(*_tone(1000, 3), *links[1], str(second))
    chain.write_bytes(first.read_bytes() + second.read_bytes())
    before = _sha(chain)
    info = probe(chain)
    assert abs(info.duration_ms - 5000) < 100
    for mono in (True, False):
        audio, reader = read_all(str(chain), mono=mono, expected_ms=info.duration_ms)
        assert audio.ndim == 1 if mono else audio.shape[0] == info.channels
        audio = audio if mono else audio.mean(axis=0)
        assert abs(audio.size / SAMPLE_RATE - 5.0) < 0.1 and not reader.truncated and reader.damaged == ()
        assert abs(dominant_hz(audio, 0.3, 1.7) - 440) < 20 and abs(dominant_hz(audio, 2.5, 4.5) - 1000) < 20
    assert _sha(chain) == before


def test_a_voice_note_joined_to_a_copy_of_itself_is_as_long_as_both(tmp_path):
    """Two copies of one note joined (one serial number, twice): the length was the last link's,
    3 s, while the transcript ran to 6 s."""
    note, twice = tmp_path / "note.opus", tmp_path / "twice.opus"
    ffmpeg(*_tone(440, 3), "-c:a", "libopus", str(note))
    twice.write_bytes(note.read_bytes() * 2)
    info = probe(twice)
    audio, reader = read_all(str(twice), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 50 and abs(audio.size / 16 - info.duration_ms) < 50
    assert not reader.truncated and reader.damaged == ()


@pytest.mark.parametrize("fmt", ["ogg", "matroska", "mp4", "mpegts"])
def test_a_recording_whose_clock_starts_hours_in_is_as_long_as_its_sound(tmp_path, fmt):
    """An Ogg cut out of a live stream keeps the granule positions the broadcast reached; a Matroska
    file may keep its source's timestamps. ffmpeg states such a file's length as where it ends: 3 s
    of sound starting at 10:00:00 was recorded as 10 hours long, flagged truncated and named
    'damaged 00:03.0-10:00:03.1'."""
    late = tmp_path / f"late.{fmt}"
    codec = {"ogg": "libopus", "matroska": "libopus", "mp4": "aac", "mpegts": "mp2"}[fmt]
    ffmpeg(*_tone(440, 3), "-c:a", codec, "-output_ts_offset", "36000", "-f", fmt, str(late))
    info = probe(late)
    assert abs(info.duration_ms - 3000) < 100
    audio, reader = read_all(str(late), expected_ms=info.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - 3.0) < 0.1 and not reader.truncated and reader.damaged == ()
    assert rms(audio, 0.2, 2.8) > 0.05


def test_an_mp4_holding_only_a_subtitle_track_is_not_called_one_without_its_index(tmp_path):
    """A 3GPP timed-text file (a chat app's captions, a subtitle track saved alone) under an .mp4
    name holds its index whole: it was 'an MP4/MOV without its index (the moov atom is missing or
    cut ...)', sending the examiner to look for the rest of a recording that never was."""
    captions, subtitles = tmp_path / "s.srt", tmp_path / "captions.mp4"
    captions.write_text("1\n00:00:00,000 --> 00:00:02,000\nhello\n")
    ffmpeg("-i", str(captions), "-c:s", "mov_text", str(subtitles))
    with pytest.raises(MediaError) as raised:
        probe(subtitles)
    assert "only subtitles" in raised.value.reason and "moov" not in raised.value.reason
    cut = tmp_path / "cut.mp4"  # the same file cut inside its index is still called so
    data = subtitles.read_bytes()
    cut.write_bytes(data[:data.find(b"moov") + 40])
    with pytest.raises(MediaError) as raised:
        probe(cut)
    assert "moov" in raised.value.reason


def _m4a_with_edit_start(tmp_path: Path, media_time: int) -> Path:
    """A 6 s AAC note whose (single) edit starts `media_time` samples (at 48 kHz) into its audio."""
    note = tmp_path / f"edit_{media_time}.m4a"
    ffmpeg(*_tone(440, 6), "-ar", "48000", "-c:a", "aac", str(note))
    data = bytearray(note.read_bytes())
    struct.pack_into(">i", data, data.find(b"elst") + 16, media_time)
    note.write_bytes(bytes(data))
    return note


@pytest.mark.parametrize(("media_time", "shown_s"), [(4 * 48000, 2.0), (-1, 0.0)],
                         ids=["starting 4 s in", "empty"])
def test_audio_an_edit_list_hides_is_named_not_called_a_cut(tmp_path, media_time, shown_s):
    """An edit starting 4 s into a 6 s track (or an empty edit) shows 2 s (or none) of it (a single
    edit pointing past its samples shows nothing there is: damage, tests/test_hostile_media22.py); ffmpeg states the track's length from the edit's duration, so the 4 s
    (or the whole note) it hides were called 'damaged 00:02.1-00:06.2', the file flagged cut short,
    and what was never transcribed was not said to be in the file."""
    note = _m4a_with_edit_start(tmp_path, media_time)
    info = probe(note)
    audio, reader = read_all(str(note), expected_ms=info.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - shown_s) < 0.3 and not reader.truncated and reader.damaged == ()
    [note_line] = reader.notes
    assert f"shows {shown_s:.1f} s" in note_line and "it hides are not transcribed" in note_line


def test_an_mp4_whose_samples_are_cut_short_is_still_truncated(tmp_path):
    """The index whole before the samples (a 'fast start' file) and the samples cut at 60 %: a cut,
    not an edit list's doing."""
    note, cut = tmp_path / "note.m4a", tmp_path / "cut.m4a"
    ffmpeg(*_tone(440, 6), "-c:a", "aac", "-movflags", "+faststart", str(note))
    data = note.read_bytes()
    cut.write_bytes(data[:int(len(data) * 0.6)])
    info = probe(cut)
    audio, reader = read_all(str(cut), expected_ms=info.duration_ms)
    assert reader.truncated and audio.size / SAMPLE_RATE < 5
    assert not any("edit list" in line for line in reader.notes)


def _with_edits(source: Path, target: Path, entries: list[tuple[float, float]]) -> Path:
    """`source` (an M4A whose single track has a one-entry edit list, movie and media timescales
    both 48 kHz here) with its edit list rewritten to (duration s, media start s) entries."""
    data = bytearray(source.read_bytes())
    elst = data.find(b"elst") - 4
    old_size = struct.unpack_from(">I", data, elst)[0]
    body = struct.pack(">I", len(entries)) + b"".join(struct.pack(">IiHH", round(d * 48000), round(t * 48000), 1, 0)
                                                       for d, t in entries)
    new = struct.pack(">I", 12 + len(body)) + b"elst" + bytes(4) + body
    data[elst:elst + old_size] = new
    for kind in (b"moov", b"trak", b"edts"):  # the boxes holding it grow with it
        at = data.find(kind) - 4
        struct.pack_into(">I", data, at, struct.unpack_from(">I", data, at)[0] + len(new) - old_size)
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize(("entries", "said"), [
    ([(2, 0), (2, 0)], ("shows 4.0 s", "the 4.0 s it hides", "plays 2.0 s of that audio more than once")),
    ([(3, 3), (3, 0)], ("plays 3.0 s of its audio before audio recorded ahead of it",)),
], ids=["first 2 s twice", "halves swapped"])
def test_an_edit_list_that_repeats_or_reorders_the_audio_says_so(tmp_path, entries, said):
    """An edit list playing the first 2 s twice (its words transcribed twice, as if said twice) was
    'shows 4.0 s of the 6.0 s ...: the 2.0 s it hides' (4.0 s are never heard); one playing the second
    half before the first (the transcript's order not the recording's) was not named at all."""
    source = tmp_path / "note.m4a"
    ffmpeg(*_tone(440, 6), "-ar", "48000", "-c:a", "aac", str(source))
    data = source.read_bytes()
    assert struct.unpack_from(">I", data, data.find(b"mvhd") + 16)[0] == 48000  # the timescales _with_edits assumes
    edited = _with_edits(source, tmp_path / "edited.m4a", entries)
    info = probe(edited)
    audio, reader = read_all(str(edited), expected_ms=info.duration_ms)
    assert abs(audio.size / SAMPLE_RATE - sum(d for d, _ in entries)) < 0.1 and not reader.truncated
    [line] = reader.notes
    assert all(part in line for part in said), line


def test_an_opus_header_whose_pre_skip_drops_speech_says_so_not_cut_short(tmp_path):
    """A damaged Opus header whose pre-skip reads 65,535 samples: ffmpeg drops the first 1.4 s
    unseen, so the note read as cut short at its end ('damaged 00:04.7-00:06.2', truncated) while
    what was lost was its first words, never named."""
    note = tmp_path / "note.opus"
    ffmpeg(*_tone(440, 6), "-c:a", "libopus", str(note))
    data = bytearray(note.read_bytes())
    struct.pack_into("<H", data, data.find(b"OpusHead") + 10, 65535)
    first_page = 27 + data[26] + sum(data[27:27 + data[26]])
    struct.pack_into("<I", data, 22, 0)
    struct.pack_into("<I", data, 22, _ogg_crc(bytes(data[:first_page])))
    note.write_bytes(bytes(data))
    info = probe(note)
    audio, reader = read_all(str(note), expected_ms=info.duration_ms)
    assert not reader.truncated and reader.damaged == ()
    [line] = reader.notes
    assert line == ("the Opus header's pre-skip drops the first 1.4 s (65,535 samples; an encoder's is under "
                    "0.1 s: a damaged header): they are not transcribed")
    assert abs(audio.size / SAMPLE_RATE - (6.0 - 65535 / 48000)) < 0.1
