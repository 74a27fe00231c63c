"""Hostile media, round 21: an Ogg stream whose pages change their serial number part-way; a 3GP
voice note whose index (moov) is missing or cut.

A recorder that restarted its writer, or a recovery that joined two copies, left the rest of a
voice note's pages under a serial no page began (no beginning-of-stream page, no headers): ffmpeg
read none of them, so a 9 s note gave its first seconds, the rest called 'data that is not audio'.
A phone that died or an app killed while recording leaves a 3GP's AMR frames whole with no index
after them: the file was refused whole ('an MP4/MOV without its index'), its words lost."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import probe, read_all
from tests.conftest import MEDIA
from tests.media_helpers import transcribed_alone
from tests.test_hostile_media import rms
from tests.test_hostile_media12 import ffmpeg, pages, sealed

BURSTS = "sine=frequency=440:duration=9,volume='if(lt(mod(t,3),1),1,0)':eval=frame"  # sound at 0-1, 3-4, 6-7 s
SERIAL_AT = 14


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("serials")
    out = {}
    for name, codec in (("note.opus", "libopus"), ("note.ogg", "libvorbis")):
        ffmpeg("-f", "lavfi", "-i", BURSTS, "-c:a", codec, str(folder / name))
        out[name] = (folder / name).read_bytes()
    return out


def renumbered(data: bytes, from_page: int, reseal: bool) -> bytes:
    """The pages from `from_page` on under another serial; `reseal`: their checksums made again (a
    writer that restarted) or left as they were (the serial field alone damaged)."""
    out = []
    for number, page in enumerate(pages(data)):
        if number >= from_page:
            struct.pack_into("<I", page, SERIAL_AT, 0x5EED0BAD)
            out.append(sealed(page) if reseal else bytes(page))
        else:
            out.append(bytes(page))
    return b"".join(out)


def audio_pages(data: bytes) -> int:
    return len(pages(data)) - 2  # the two header pages


@pytest.mark.parametrize("reseal", [True, False], ids=["rewritten", "serial-damaged"])
@pytest.mark.parametrize("name", ["note.opus", "note.ogg"])
def test_an_ogg_whose_pages_change_serial_part_way_is_read_whole_and_said_so(tmp_path, notes, name, reseal):
    data = notes[name]
    path = tmp_path / name
    path.write_bytes(renumbered(data, 2 + audio_pages(data) // 3, reseal))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 9000) < 100, source.duration_ms
    assert abs(len(audio) / 16000 - 9) < 0.1, len(audio) / 16000
    for start in (0, 3, 6):  # every burst heard, in its place
        assert rms(audio, start + 0.2, start + 0.8) > 0.05, (start, rms(audio, start + 0.2, start + 0.8))
        assert rms(audio, start + 1.3, start + 2.7) < 0.01, start
    assert not reader.truncated and reader.damaged == ()
    assert any("serial number no stream began" in note for note in reader.notes), reader.notes
    assert not any("not audio" in note for note in reader.notes), reader.notes


def test_a_page_whose_bytes_are_damaged_under_a_changed_serial_is_not_mended(tmp_path, notes):
    data = notes["note.opus"]
    split = pages(data)
    last = split[-2]  # an audio page: its serial changed and a byte of its audio flipped, checksum as it was
    struct.pack_into("<I", last, SERIAL_AT, 0x5EED0BAD)
    last[-5] ^= 0xFF
    path = tmp_path / "note.opus"
    path.write_bytes(b"".join(bytes(page) for page in split))
    source = probe(path)
    _, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert not any("serial number no stream began" in note for note in reader.notes), reader.notes


def test_a_sound_ogg_and_a_chained_one_carry_no_serial_note(tmp_path, notes):
    chained = tmp_path / "chained.opus"
    chained.write_bytes(notes["note.opus"] + renumbered(notes["note.opus"], 0, True))  # a proper second link
    for path, data in ((tmp_path / "whole.opus", notes["note.opus"]), (chained, None)):
        if data is not None:
            path.write_bytes(data)
        source = probe(path)
        _, reader = read_all(str(path), expected_ms=source.duration_ms)
        assert not any("serial" in note for note in reader.notes), (path.name, reader.notes)


def without_index(data: bytes, keep_of_moov: int = 0, cut_at: int | None = None) -> bytes:
    """A 3GP as a phone leaves it when recording stops before its index is written: the moov gone
    (or `keep_of_moov` bytes of it), or the file cut at `cut_at`, inside its media data."""
    if cut_at is not None:
        return data[:cut_at]
    moov = data.index(b"moov") - 4
    return data[:moov + keep_of_moov]


@pytest.fixture(scope="module")
def amr_3gp(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("3gp") / "note.3gp"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "8000", "-c:a", "libopencore_amrnb", str(path))
    return path.read_bytes()


@pytest.mark.parametrize("keep", [0, 200], ids=["moov-missing", "moov-cut"])
def test_a_3gp_voice_note_without_its_index_is_read_from_its_amr_frames(tmp_path, amr_3gp, keep):
    path = tmp_path / "note.3gp"
    path.write_bytes(without_index(amr_3gp, keep_of_moov=keep))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 9000) < 100 and source.audio_codec.startswith("amr"), source
    assert source.container.startswith("mov,"), source.container  # what the file is, not how it was read
    for start in (0, 3, 6):
        assert rms(audio, start + 0.2, start + 0.8) > 0.05, start
        assert rms(audio, start + 1.3, start + 2.7) < 0.01, start
    assert any("without its index" in note and "AMR-NB frames" in note for note in reader.notes), reader.notes
    assert not reader.truncated and reader.damaged == ()


def test_a_3gp_cut_inside_its_media_data_keeps_the_frames_before_the_cut_and_is_truncated(tmp_path, amr_3gp):
    path = tmp_path / "note.3gp"
    path.write_bytes(without_index(amr_3gp, cut_at=amr_3gp.index(b"mdat") + 4 + 32 * 225 + 7))  # 4.5 s of 12.2 kbit/s frames, mid-frame
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 4500) < 100, source.duration_ms
    assert rms(audio, 0.2, 0.8) > 0.05 and rms(audio, 3.2, 3.8) > 0.05
    assert reader.truncated and any("cut short" in note for note in reader.notes), reader.notes


def test_the_words_of_a_3gp_note_without_its_index_are_transcribed(tmp_path):
    whole = tmp_path / "whole.3gp"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ar", "8000", "-c:a", "libopencore_amrnb", str(whole))
    run = transcribed_alone(tmp_path, "note.3gp", without_index(whole.read_bytes()))
    text = " ".join(s["text"] for s in run["segments"]).lower()
    assert "station" in text and "money" in text, text
    assert any("without its index" in w for w in run["warnings"]), run["warnings"]


def amr_frame_starts(data: bytes) -> list[int]:
    from app.core.media.amr import NB_SIZES
    starts, at = [], 6  # after '#!AMR\n'
    while at < len(data):
        starts.append(at)
        at += NB_SIZES[data[at] >> 3 & 0x0F]
    return starts


@pytest.mark.parametrize("damage", [
    {0: 0x34, 1: 0x34}, {1: 0x34, 3: 0x34}, {2: 0x2C, 5: 0x04, 7: 0xFF}, {0: 0x7C, 1: 0x04, 3: 0x2C},
    {100: 0x34, 107: 0x04}, {103: 0x44, 106: 0x2C, 107: 0x7C},
], ids=["frames-0-1", "frames-1-3", "frames-2-5-7", "frames-0-1-3", "mid-two", "mid-three"])
def test_an_amr_note_with_several_headers_damaged_close_together_keeps_every_word_in_its_place(tmp_path, damage):
    whole = (MEDIA / "en_voicenote.amr").read_bytes()
    reference, _ = read_all(str(MEDIA / "en_voicenote.amr"))
    damaged = bytearray(whole)
    starts = amr_frame_starts(whole)
    for frame, toc in damage.items():
        damaged[starts[frame]] = toc
    path = tmp_path / "note.amr"
    path.write_bytes(bytes(damaged))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(len(audio) - len(reference)) < 0.03 * 16000, len(audio) / 16000
    n = min(len(audio), len(reference))
    assert np.corrcoef(audio[16000:n], reference[16000:n])[0, 1] > 0.99  # the same sound, at the same times
    assert any(f"{len(damage)} damaged frame header(s)" in note for note in reader.notes), reader.notes


def ebml_size_at(data: bytes, at: int) -> tuple[int, int]:
    """(width, value) of the EBML size field at `at`."""
    width = next(n for n in range(1, 9) if data[at] & (0x80 >> (n - 1)))
    return width, int.from_bytes(data[at:at + width], "big") & ((1 << (7 * width)) - 1)


def entry_fields(data: bytes) -> dict[str, int]:
    """Where each size field of the first track entry lies: its own ('entry') and its children's, by ID."""
    at = -1
    while True:  # the Tracks element (its ID is in the SeekHead before it too)
        at = data.index(b"\x16\x54\xae\x6b", at + 1)
        entry = at + 4 + ebml_size_at(data, at + 4)[0]
        if data[entry] == 0xAE:
            break
    fields = {"entry": entry + 1}
    width, size = ebml_size_at(data, entry + 1)
    at, end = entry + 1 + width, entry + 1 + width + size
    while at < end:
        id_width = next(n for n in range(1, 5) if data[at] & (0x80 >> (n - 1)))
        fields[data[at:at + id_width].hex()] = at + id_width
        width, size = ebml_size_at(data, at + id_width)
        at += id_width + width + size
    return fields


@pytest.fixture(scope="module")
def webm_note(tmp_path_factory) -> tuple[bytes, object]:
    path = tmp_path_factory.mktemp("webm") / "note.webm"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-c:a", "libopus", str(path))
    return path.read_bytes(), read_all(str(path))[0]


@pytest.mark.parametrize(("field", "change"), [
    ("d7", +1), ("88", +1), ("22b59c", +3), ("56bb", +3), ("83", +3), ("e1", -1), ("63a2", -1), ("entry", +1),
    ("entry", -1),
], ids=["track-number", "flag-default", "language", "seek-preroll", "track-type", "audio", "codec-data",
        "entry-longer", "entry-shorter"])
def test_a_webm_track_entry_one_of_whose_sizes_is_damaged_is_read_whole(tmp_path, webm_note, field, change):
    whole, reference = webm_note
    at = entry_fields(whole)[field]
    width, size = ebml_size_at(whole, at)
    damaged = bytearray(whole)
    damaged[at:at + width] = ((1 << (7 * width)) | (size + change)).to_bytes(width, "big")
    path = tmp_path / "note.webm"
    path.write_bytes(bytes(damaged))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.audio_codec == "opus" and source.channels == 1 and len(source.audio_streams) == 1, source
    assert abs(len(audio) - len(reference)) < 0.03 * 16000
    n = min(len(audio), len(reference))
    assert np.corrcoef(audio[:n], reference[:n])[0, 1] > 0.99
    assert any("track entry states a damaged size" in note for note in reader.notes), reader.notes
    assert not any("codec data" in note for note in reader.notes), reader.notes  # mended, not left out


def test_a_whole_webm_names_no_damaged_size(webm_note, tmp_path):
    path = tmp_path / "note.webm"
    path.write_bytes(webm_note[0])
    _, reader = read_all(str(path))
    assert reader.notes == (), reader.notes


def track_list_fields(data: bytes) -> list[tuple[str, int]]:
    """(path of IDs, where its size field lies) of every element in a Matroska file's track list,
    the entries' Audio and Video elements walked into."""
    tracks = data.rindex(b"\x16\x54\xae\x6b", 0, 1024) + 4
    width, size = ebml_size_at(data, tracks)
    out: list[tuple[str, int]] = []

    def walk(at: int, end: int, path: str) -> None:
        while at < end:
            id_width = next(n for n in range(1, 5) if data[at] & (0x80 >> (n - 1)))
            name = f"{path}/{data[at:at + id_width].hex()}"
            out.append((name, at + id_width))
            width, size = ebml_size_at(data, at + id_width)
            body = at + id_width + width
            if data[at] in (0xAE, 0xE0, 0xE1):
                walk(body, body + size, name)
            at = body + size

    walk(tracks + width, tracks + width + size, "")
    return out


@pytest.fixture(scope="module")
def mkv_video(tmp_path_factory) -> tuple[bytes, object]:
    path = tmp_path_factory.mktemp("mkv") / "clip.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=9", "-f", "lavfi", "-i", BURSTS,
           "-c:v", "mpeg4", "-c:a", "aac", str(path))
    return path.read_bytes(), read_all(str(path))[0]


def test_a_videos_track_list_with_any_one_size_field_damaged_keeps_its_sound(tmp_path, mkv_video):
    """Every size field of the track list (its checksum's, each entry's, their elements', the Audio and
    Video elements' own) damaged, one at a time."""
    whole, reference = mkv_video
    lost = []
    for name, at in track_list_fields(whole):
        for flip in (0x02,):  # a bit flipped: two bytes too many or too few
            width = ebml_size_at(whole, at)[0]
            damaged = bytearray(whole)
            damaged[at + width - 1] ^= flip
            path = tmp_path / "clip.mkv"
            path.write_bytes(bytes(damaged))
            try:
                source = probe(path)
                audio, reader = read_all(str(path), expected_ms=source.duration_ms)
            except MediaError as error:
                lost.append((name, flip, str(error)[-40:]))
                continue
            n = min(len(audio), len(reference))
            if abs(len(audio) - len(reference)) > 0.1 * 16000 or np.corrcoef(audio[:n], reference[:n])[0, 1] < 0.99:
                lost.append((name, flip, reader.notes))
    assert len(lost) <= 1, lost  # of 34; one left: a TrackType stated 3 bytes whose walk fits another way
