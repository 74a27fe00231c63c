"""Hostile media, tenth round (session 18), built here with ffmpeg and bytes: an Opus header whose
channel mapping no decoder can use, AMR voice notes whose file header is damaged or names the
other AMR, and a Wave64 cut short."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import probe, read_all
from app.core.media.opus_gain import ogg_crc
from tests.conftest import MEDIA
from tests.test_hostile_media import ffmpeg, rms


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _opus_head(data: bytes, channels: int, family: int, table: bytes = b"") -> bytes:
    """The Ogg Opus file with its OpusHead stating `channels` and mapping `family` (and a table after
    it), its first page's checksum made good as a writer's would be."""
    body = 27 + data[26]
    end = body + sum(data[27:body])
    head = data[body:end]
    head = head[:9] + bytes([channels]) + head[10:18] + bytes([family]) + table
    page = bytearray(data[:26] + bytes([1, len(head)]) + head)
    page[22:26] = bytes(4)
    struct.pack_into("<I", page, 22, ogg_crc(bytes(page)))
    return bytes(page) + data[end:]


MAPPINGS = {
    "family 0 with 3 channels": (3, 0, b""),
    "family 1 without its table": (1, 1, b""),
    "a channel routed to no stream": (1, 1, bytes([1, 0, 7])),
    "a channel routed to nothing": (2, 1, bytes([1, 0, 0, 255])),
    "family 1 with 9 channels": (9, 1, bytes([1, 0]) + bytes(9)),
}


@pytest.mark.parametrize("damage", MAPPINGS.values(), ids=MAPPINGS.keys())
def test_an_opus_header_whose_channel_mapping_no_decoder_can_use_is_read_as_its_stream(tmp_path, damage):
    """One damaged byte in a voice note's OpusHead (3 channels in family 0, a family-1 header
    without its table, a channel routed to no stream) left the decoder unopened: 0 channels, the
    whole note 'damaged', nothing decoded; a channel routed to nothing silenced every channel,
    'no speech found' with no warning. The packets are one mono stream: read as that, said so."""
    plain = MEDIA / "en_voicenote.opus"
    path = tmp_path / "mapping.opus"
    path.write_bytes(_opus_head(plain.read_bytes(), *damage))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert info.channels == 1 and audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert any("channel mapping is damaged" in note and "mono" in note for note in reader.notes)
    assert reader.damaged == () and not reader.truncated
    assert _sha(path) == before


def test_a_stereo_opus_note_or_a_webm_with_a_damaged_mapping_keeps_its_two_channels(tmp_path):
    """The packets say stereo (their first byte's stereo bit): read as stereo, each side its own."""
    stereo = tmp_path / "stereo.opus"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-i", str(MEDIA / "de_voicenote.opus"), "-filter_complex",
           "[0:a][1:a]amerge=inputs=2", "-t", "5", "-c:a", "libopus", "-b:a", "64k", str(stereo))
    path = tmp_path / "mapping.opus"
    path.write_bytes(_opus_head(stereo.read_bytes(), 3, 0))
    expected, _ = read_all(str(stereo), mono=False)
    planes, reader = read_all(str(path), mono=False)
    assert probe(path).channels == 2 and planes.shape == expected.shape and np.abs(planes - expected).max() < 1e-4
    assert any("stereo stream" in note for note in reader.notes)
    webm = tmp_path / "voice.webm"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "libopus", str(webm))
    damaged = bytearray(webm.read_bytes())
    damaged[damaged.find(b"OpusHead") + 18] = 1  # family 1, no table after it
    (tmp_path / "mapping.webm").write_bytes(bytes(damaged))
    expected, _ = read_all(str(webm))
    audio, reader = read_all(str(tmp_path / "mapping.webm"))
    assert audio.size == expected.size and np.abs(audio - expected).max() < 1e-4 and rms(audio, 0, 6) > 0.05
    assert any("channel mapping is damaged" in note for note in reader.notes)


@pytest.mark.parametrize("table", [bytes([1, 0, 0]), b""], ids=["family 1 mono", "family 0 stereo header"])
def test_an_opus_header_whose_mapping_is_valid_is_read_as_it_says_with_no_note(tmp_path, table):
    path = tmp_path / "valid.opus"
    path.write_bytes(_opus_head((MEDIA / "en_voicenote.opus").read_bytes(), 1 if table else 2, 1 if table else 0, table))
    audio, reader = read_all(str(path))
    assert probe(path).channels == (1 if table else 2) and reader.notes == () and rms(audio, 0, 6) > 0.05


def _amr_note(path: Path) -> Path:
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-f", "amr",
           str(path))
    return path


HEADERS = {
    "a byte flipped": lambda note: b"#!ANR\n" + note[6:],
    "its newline lost": lambda note: b"#!AMR" + note[6:],
    "its newline made CRLF": lambda note: b"#!AMR\r\n" + note[6:],
    "zeroed": lambda note: bytes(6) + note[6:],
    "the wideband header": lambda note: b"#!AMR-WB\n" + note[6:],
    "junk before it": lambda note: b"\xff\xfe\x00\x01JUNK" * 8 + note,
    "written twice": lambda note: note[:6] + note,
}


@pytest.mark.parametrize("header", HEADERS.values(), ids=HEADERS.keys())
def test_an_amr_note_whose_file_header_is_damaged_or_the_wrong_one_is_read_as_its_frames(tmp_path, header):
    """'#!AMR-WB' before AMR-NB frames decoded them as wideband: 8 s of noise for a 6 s note, all of
    it 'damaged'. A header with a byte damaged ('#!ANR', zeroed, written twice) had its 6 bytes
    decoded as frames: 'damaged 00:00.0-00:00.3', every word 0.18 s later than said, and the
    length ffmpeg guessed called 'truncated'; one with its newline lost or made CRLF, or with junk
    before it, was 'not a media file'. Each is read as the frames after the header, said so."""
    plain = _amr_note(tmp_path / "plain.amr")
    path = tmp_path / "note.amr"
    path.write_bytes(header(plain.read_bytes()))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert info.duration_ms == probe(plain).duration_ms and info.audio_codec == "amrnb"
    assert audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert reader.damaged == () and not reader.truncated and any("AMR-NB frames after it" in n for n in reader.notes)
    assert _sha(path) == before


def test_amr_wb_frames_behind_the_narrowband_header_are_read_as_wideband(tmp_path):
    from app.core.media.amr import WB_SIZES

    rng = np.random.default_rng(3)
    frames = b"".join(bytes([(int(m) << 3) | 0x04]) + rng.bytes(WB_SIZES[m] - 1) for m in rng.integers(0, 9, 250))
    awb, path = tmp_path / "note.awb", tmp_path / "note.amr"
    awb.write_bytes(b"#!AMR-WB\n" + frames)
    path.write_bytes(b"#!AMR\n" + frames)
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert probe(path).sample_rate == 16000 and np.array_equal(audio, read_all(str(awb))[0])
    assert any("says AMR-NB but its frames are not" in note for note in reader.notes)


def test_a_whole_amr_note_reads_as_before_with_no_note(tmp_path):
    plain = _amr_note(tmp_path / "plain.amr")
    audio, reader = read_all(str(plain), expected_ms=probe(plain).duration_ms)
    assert reader.notes == () and rms(audio, 0, 6) > 0.05


def test_a_wave64_cut_short_is_flagged_truncated_from_its_header(tmp_path):
    """A Wave64 (a WAV with 64-bit sizes; Sound Forge, some recorders) cut at half was read as a
    whole 3 s recording: ffmpeg states its length from the bytes present. Its data chunk states 6 s."""
    whole = tmp_path / "whole.w64"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ar", "8000", "-c:a", "pcm_s16le", "-f", "w64", str(whole))
    cut = tmp_path / "cut.w64"
    cut.write_bytes(whole.read_bytes()[:whole.stat().st_size // 2])
    info = probe(cut)
    audio, reader = read_all(str(cut), expected_ms=info.duration_ms)
    assert info.duration_ms == probe(whole).duration_ms and reader.truncated
    assert reader.damaged and reader.damaged[-1][1] == info.duration_ms and 2.9 < audio.size / 16000 < 3.2
    _, plain = read_all(str(whole), expected_ms=probe(whole).duration_ms)
    assert not plain.truncated and plain.notes == ()


def _syncsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127])


def test_an_mp3_behind_an_id3_tag_of_megabytes_is_read_without_handing_ffmpeg_the_tag(tmp_path, monkeypatch):
    """An MP3 whose ID3 tag carries megabytes (a file, private data: a 20 MB one took 16 s to read
    for 6 s of speech, ffmpeg reading the tag again at every opening). The tag holds no sound: ffmpeg
    is handed what follows it, and the audio is the same."""
    import av

    from app.core.media import opening

    plain = tmp_path / "plain.mp3"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "libmp3lame", "-q:a", "5", "-id3v2_version", "0", str(plain))
    blob = np.random.default_rng(5).bytes(2 << 20)
    frame = b"PRIV" + struct.pack(">I", len(blob) + 6) + b"\x00\x00" + b"owner\x00" + blob
    path = tmp_path / "tagged.mp3"
    path.write_bytes(b"ID3\x03\x00\x00" + _syncsafe(len(frame)) + frame + plain.read_bytes())
    before, handed, real_open = _sha(path), [], av.open

    def watched(handle, *args, **kwargs):
        if hasattr(handle, "read"):
            handle.seek(0)
            handed.append(handle.read(3))
            handle.seek(0)
        return real_open(handle, *args, **kwargs)

    monkeypatch.setattr(opening.av, "open", watched)
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    monkeypatch.undo()
    expected, _ = read_all(str(plain))
    assert handed and b"ID3" not in handed and audio.size == expected.size and np.abs(audio - expected).max() < 1e-4
    assert info.duration_ms == probe(plain).duration_ms and not reader.truncated and reader.damaged == ()
    assert _sha(path) == before


def _top_level(data: bytes) -> list[tuple[int, bytes, int]]:
    out, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        out.append((at, kind, size))
        at += size
    return out


def test_a_fragmented_mp4_cut_inside_a_fragments_sample_table_keeps_the_fragments_before(tmp_path):
    """A fragmented MP4 (an iPhone's screen recording, a messenger's live capture) cut inside a
    moof's sample table (trun) was refused whole, 'an MP4/MOV whose index is whole but damaged':
    every fragment before the cut was lost. They are read, and the file flagged cut short."""
    whole = tmp_path / "whole.mp4"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov+default_base_moof",
           "-frag_duration", "500000", str(whole))
    data = whole.read_bytes()
    moofs = [(at, size) for at, kind, size in _top_level(data) if kind == b"moof"]
    at, size = moofs[len(moofs) // 2]
    path = tmp_path / "cut.mp4"
    path.write_bytes(data[:at + size - 7])
    before = _sha(path)
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    expected, _ = read_all(str(whole))
    assert reader.truncated and 2.0 < audio.size / 16000 < 4.5
    assert np.abs(audio[:16000 * 2] - expected[:16000 * 2]).max() < 1e-4
    assert _sha(path) == before


def test_a_webm_or_a_fragmented_recording_cut_in_its_headers_is_called_cut(tmp_path):
    """A WebM cut in its headers was 'cannot read media (Input/output error)'; a fragmented MP4
    cut in its audio track's description 'its audio is in a codec ffmpeg cannot decode'; a video
    cut in its index at its sound's track 'video has no audio track', and one cut in its first
    fragment 'a video whose audio track holds no sound at all (empty)'."""
    webm, frag, video = tmp_path / "note.webm", tmp_path / "note.mp4", tmp_path / "video.mp4"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "libopus", str(webm))
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov", str(frag))
    ffmpeg("-f", "lavfi", "-i", "color=size=64x64:duration=3", "-i", str(MEDIA / "en_voicenote.opus"), "-t", "3",
           "-c:v", "mpeg4", "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov", str(video))
    note, pictured = frag.read_bytes(), video.read_bytes()
    sound = pictured.find(b"trak", pictured.find(b"trak") + 4)  # the second track: the sound's
    cuts = {"webm": webm.read_bytes()[:webm.read_bytes().find(b"OpusHead") + 4],
            "mp4 in its sound's description": note[:note.find(b"minf") + 8],
            "video at its sound's track": pictured[:sound + 8],
            "video in its sound's description": pictured[:pictured.find(b"minf", sound) + 8],
            "video in its first fragment": pictured[:pictured.find(b"moof") + 100]}
    for name, data in cuts.items():
        path = tmp_path / ("cut.webm" if name == "webm" else "cut.mp4")
        path.write_bytes(data)
        with pytest.raises(MediaError) as caught:
            probe(path)
        reason = caught.value.reason
        assert "cut" in reason and "codec" not in reason and "has no audio track" not in reason, (name, reason)
        assert "empty" not in reason and "Input/output" not in reason, (name, reason)


def _caf_pakt(data: bytes) -> int:
    """Where the CAF's pakt chunk body starts."""
    at = 8
    while data[at:at + 4] != b"pakt":
        at += 12 + struct.unpack_from(">q", data, at + 4)[0]
    return at + 12


PAKT_DAMAGE = {
    "a count of 2**40 packets": lambda b, at: struct.pack_into(">q", b, at, 1 << 40),
    "a count of 0": lambda b, at: struct.pack_into(">q", b, at, 0),
    "a count of 3": lambda b, at: struct.pack_into(">q", b, at, 3),
    "priming of 2**30 frames": lambda b, at: struct.pack_into(">i", b, at + 16, 1 << 30),
    "a chunk size too small for it": lambda b, at: struct.pack_into(">q", b, at - 8, 10),
}


@pytest.mark.parametrize("damage", PAKT_DAMAGE.values(), ids=PAKT_DAMAGE.keys())
def test_a_caf_whose_packet_table_header_is_damaged_is_read_by_its_entries(tmp_path, damage):
    """An ALAC CAF (an iPhone app's recording) whose packet table states a billion packets, 0, an
    absurd priming or a chunk size too small for it was refused whole ('damaged, or cut before its
    packet table'); one stating 3 packets gave 0.25 s and called the rest 'not audio'. Its entries
    are whole: read by them, said so."""
    whole = tmp_path / "whole.caf"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "alac", "-f", "caf", str(whole))
    data = bytearray(whole.read_bytes())
    damage(data, _caf_pakt(bytes(data)))
    path = tmp_path / "damaged.caf"
    path.write_bytes(bytes(data))
    before = _sha(path)
    expected, _ = read_all(str(whole))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(audio.size - expected.size) < 16000 * 0.1 and np.abs(audio[:expected.size] - expected[:audio.size]).max() < 1e-4
    assert any("packet table is damaged" in note for note in reader.notes) and not reader.truncated
    assert _sha(path) == before


def test_a_caf_whose_packet_table_is_cut_half_way_is_read_as_far_as_it_locates_and_says_what_is_lost(tmp_path):
    whole = tmp_path / "whole.caf"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "alac", "-f", "caf", str(whole))
    data = whole.read_bytes()
    at = _caf_pakt(data)
    path = tmp_path / "half.caf"
    path.write_bytes(data[:at + 24 + (len(data) - at - 24) // 2])
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    expected, _ = read_all(str(whole))
    assert 2.0 < audio.size / 16000 < 4.5 and np.abs(audio[:-1600] - expected[:audio.size - 1600]).max() < 1e-4
    assert any("cannot be located" in note for note in reader.notes)
    _, plain = read_all(str(whole))
    assert plain.notes == ()


def test_an_amr_note_or_a_webm_written_as_it_went_cut_short_is_flagged_truncated(tmp_path):
    """An AMR file states no length, nor does a WebM a recorder writes as it goes (clusters of
    unknown size, no duration): cut in their middle, each read as a whole, shorter note. The file
    ending inside a frame or a block is the sign: flagged truncated, said so."""
    amr = _amr_note(tmp_path / "whole.amr")
    live = tmp_path / "whole.webm"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "libopus", "-f", "webm", "-live", "1",
           "-cluster_time_limit", "500", str(live))
    for whole, said in ((amr, "inside a frame"), (live, "inside an element")):
        data = whole.read_bytes()
        cut = tmp_path / f"cut{whole.suffix}"
        cut.write_bytes(data[:len(data) // 2 + 1])
        audio, reader = read_all(str(cut), expected_ms=probe(cut).duration_ms)
        assert reader.truncated and any(said in note for note in reader.notes), whole
        assert 2.0 < audio.size / 16000 < 4.5
        _, plain = read_all(str(whole), expected_ms=probe(whole).duration_ms)
        assert not plain.truncated and plain.notes == (), whole
