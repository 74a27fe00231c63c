"""Hostile media, eleventh round (session 18, second round), built here with ffmpeg and bytes: an
MP4/M4A edit list whose media time no writer writes (negative, other than -1)."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media import ffmpeg, rms


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _with_media_time(source: Path, target: Path, entry: int, media_time: int) -> None:
    """The file with entry `entry` of its last edit list (the audio track's; version 0) starting at
    `media_time`."""
    data = bytearray(source.read_bytes())
    at = data.rfind(b"elst")
    assert data[at + 4] == 0 and struct.unpack_from(">I", data, at + 8)[0] > entry
    struct.pack_into(">i", data, at + 12 + entry * 12 + 4, media_time)
    target.write_bytes(bytes(data))


PRIMING = 1024  # the AAC encoder's delay, shown once the damaged time is read past


def _aligned(audio: np.ndarray, whole: np.ndarray, late: int = PRIMING) -> float:
    """How closely `audio` from `late` samples in follows `whole` (1.0: the same sound, same place)."""
    n = min(audio.size - late, whole.size)
    return float(np.corrcoef(audio[late:late + n], whole[:n])[0, 1])


@pytest.mark.parametrize("media_time", [-5_000, -16_000, -64_000, -2_000_000_000])
def test_an_edit_whose_media_time_is_negative_but_not_minus_one_is_damage_and_the_audio_is_read_whole(tmp_path, media_time):
    """ffmpeg read a negative time (other than -1) as a shift: -16,000 dropped the last second of a
    voice note and called it hidden by the edit list, -5,000 dropped 0.3 s with no word,
    -2,000,000,000 all of it but 64 ms (a 6 s note probed as 0.06 s long)."""
    whole, _ = read_all(str(MEDIA / "en_voicenote.m4a"))
    damaged = tmp_path / "note.m4a"
    _with_media_time(MEDIA / "en_voicenote.m4a", damaged, 0, media_time)
    before = _sha(damaged)
    info = probe(damaged)
    audio, reader = read_all(str(damaged), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6134) < 100 and not info.truncated  # the track states 6.198 s
    assert audio.size - PRIMING >= whole.size and _aligned(audio, whole) > 0.99  # nothing lost at either end
    notes = " ".join(reader.notes)
    assert "edit list is damaged" in notes and f"{media_time:,}" in notes and "hides" not in notes
    assert _sha(damaged) == before


def test_an_empty_edit_before_a_damaged_one_still_starts_the_audio_late(tmp_path):
    """A video whose audio starts 3 s in (an empty edit, media time -1, then the audio's edit):
    the pause is kept, so every word keeps the recording's time; only the damaged time is read past."""
    made = _late_video(tmp_path)
    damaged = tmp_path / "late.mp4"
    _with_media_time(made, damaged, 1, -8_000)
    good, _ = read_all(str(made))
    audio, reader = read_all(str(damaged), expected_ms=probe(damaged).duration_ms)
    assert rms(audio, 0.0, 2.8) < 1e-4 < rms(audio, 3.5, 5.0)
    assert audio.size >= good.size and _aligned(audio, good, late=0) > 0.99  # its edit showed from 0
    assert any("edit list is damaged" in note for note in reader.notes)


def test_a_plain_trim_and_an_empty_edit_are_still_an_edit_lists_own(tmp_path):
    """Media time -1 alone (an empty edit: the track shows nothing) is a valid edit list, named as
    hiding the audio, not read past as damage."""
    muted = tmp_path / "muted.m4a"
    _with_media_time(MEDIA / "en_voicenote.m4a", muted, 0, -1)
    audio, reader = read_all(str(muted), expected_ms=probe(muted).duration_ms)
    notes = " ".join(reader.notes)
    assert "hides" in notes and "damaged" not in notes
    assert rms(audio, 0.0, 6.0) < 1e-4


def test_an_edit_starting_inside_its_track_is_a_trim_named_as_hiding_not_damage(tmp_path):
    """Media time 32,000 (2 s into the 6 s track) is an edit list's own trim: the audio before it is
    named as hidden, not read past."""
    trimmed = tmp_path / "trimmed.m4a"
    _with_media_time(MEDIA / "en_voicenote.m4a", trimmed, 0, 32_000)
    _, reader = read_all(str(trimmed), expected_ms=probe(trimmed).duration_ms)
    notes = " ".join(reader.notes)
    assert "hides" in notes and "damaged" not in notes


def _as_version_1(source: Path, target: Path, media_time: int) -> None:
    """The M4A (index after its samples, as ffmpeg writes it) with its one-entry edit list rewritten
    in version 1 (64-bit times, as a long recording's writer uses), starting at `media_time`; the
    boxes holding it (edts, trak, moov) grown by the 8 bytes it gains."""
    data = bytearray(source.read_bytes())
    at = data.rfind(b"elst") - 4
    assert data.find(b"moov") > data.find(b"mdat") and struct.unpack_from(">I", data, at + 12)[0] == 1
    duration, _, rate = struct.unpack_from(">IiI", data, at + 16)
    elst = struct.pack(">I4sBxxxIQqI", 36, b"elst", 1, 1, duration, media_time, rate)
    for kind in (b"edts", b"trak", b"moov"):
        box = data.rfind(kind, 0, at) - 4
        struct.pack_into(">I", data, box, struct.unpack_from(">I", data, box)[0] + 8)
    target.write_bytes(bytes(data[:at] + elst + data[at + 28:]))


def test_a_version_1_edit_list_with_a_negative_media_time_is_read_whole(tmp_path):
    whole, _ = read_all(str(MEDIA / "en_voicenote.m4a"))
    valid, damaged = tmp_path / "valid.m4a", tmp_path / "damaged.m4a"
    _as_version_1(MEDIA / "en_voicenote.m4a", valid, 1024)
    _as_version_1(MEDIA / "en_voicenote.m4a", damaged, -(1 << 40))
    good, reader = read_all(str(valid), expected_ms=probe(valid).duration_ms)
    assert good.size == whole.size and reader.notes == ()  # the rewritten box itself reads as before
    audio, reader = read_all(str(damaged), expected_ms=probe(damaged).duration_ms)
    assert audio.size - PRIMING >= whole.size and _aligned(audio, whole) > 0.99
    assert any("edit list is damaged" in note and f"{-(1 << 40):,}" in note for note in reader.notes)


def _late_video(tmp_path: Path) -> Path:
    made = tmp_path / "made.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=64x48:r=5:d=10", "-itsoffset", "3", "-i",
           str(MEDIA / "en_voicenote.m4a"), "-map", "0", "-map", "1", "-c:v", "mpeg4", "-c:a", "copy", str(made))
    return made


def test_an_empty_edit_holding_the_audio_back_past_the_files_end_is_damage_not_hours_of_silence(tmp_path):
    """A 10 s video whose audio's empty edit says 2,000,000,000 units (34 hours at 16 kHz): it was
    a recording 34 hours long, decoded as 34 hours of silence before 6 s of speech (the words timed
    34:43:20). The file says it lasts 10 s; the audio is read from its start, and the note says so."""
    made = _late_video(tmp_path)
    data = bytearray(made.read_bytes())
    at = data.rfind(b"elst")
    assert struct.unpack_from(">i", data, at + 16)[0] == -1
    struct.pack_into(">I", data, at + 12, 2_000_000_000)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    info = probe(damaged)
    assert info.duration_ms < 10_000
    whole, _ = read_all(str(MEDIA / "en_voicenote.m4a"))
    audio, reader = read_all(str(damaged), expected_ms=info.duration_ms)
    assert audio.size - PRIMING >= whole.size and _aligned(audio, whole) > 0.99  # its edit showed from 0
    assert any("empty edit holds its audio back" in note for note in reader.notes)


def test_an_empty_edit_within_the_files_length_still_starts_the_audio_late(tmp_path):
    audio, reader = read_all(str(_late_video(tmp_path)))
    assert rms(audio, 0.0, 2.8) < 1e-4 < rms(audio, 3.5, 5.0) and reader.notes == ()
