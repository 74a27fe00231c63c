"""CAF and Wave64 sizes read in our own code (app/core/media/data_ends.py, joined.py), and raw
telephone audio (headerless.py): the same outcome whatever the audio's bytes and the filesystem.

Each file is cut from the shared interview (speech, read at test time) at several places and
written both under pytest's folder and on tmpfs (/dev/shm): ext4 refuses a seek past 2^44 bytes,
tmpfs allows it, and ffmpeg read a damaged size's next 'chunk header' from the audio bytes, so the
outcome had depended on both.
"""

from __future__ import annotations

import shutil
import struct
import tempfile
import uuid
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from app.core.media.intake import find_media
from tests.test_hostile_media import ffmpeg

SPEECH = Path("/work/shared/media/interview_mono.wav")
OFFSETS_S = (3, 13, 23, 33)  # where in the interview each recording starts

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")


@pytest.fixture
def folders(tmp_path):
    """pytest's folder, and one on tmpfs when the machine has one."""
    places = [tmp_path]
    if Path("/dev/shm").is_dir():
        places.append(Path(tempfile.mkdtemp(dir="/dev/shm")))
    yield places
    for place in places[1:]:
        shutil.rmtree(place, ignore_errors=True)


def _speech(folder: Path, name: str, offset_s: float, seconds: float, *codec: str) -> Path:
    path = folder / name
    ffmpeg("-ss", str(offset_s), "-t", str(seconds), "-i", str(SPEECH), *codec, str(path))
    return path


def _written(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _heard(path: Path):
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    return source, audio, reader


def _caf_size_at(data: bytes, kind: bytes) -> int:
    """Where the 8-byte size of the CAF chunk `kind` is (chunks follow the 8-byte 'caff' header)."""
    at = 8
    while data[at:at + 4] != kind:
        at += 12 + struct.unpack_from(">q", data, at + 4)[0]
    return at + 4


def _w64_data_size_at(data: bytes) -> int:
    return data.index(b"data\xf3\xac\xd3\x11") + 16  # the 16-byte GUID, then its 8-byte little-endian size


def _with_size(data: bytes, at: int, change, fmt: str) -> bytes:
    changed = bytearray(data)
    struct.pack_into(fmt, changed, at, change(struct.unpack_from(fmt, data, at)[0]))
    return bytes(changed)


def _assert_heard_whole(damaged: Path, intact: Path, noted: str) -> None:
    """The damaged file heard as the intact one (the same samples, the same length at intake),
    not called cut short, with a note naming the damage."""
    whole, whole_audio, whole_reader = _heard(intact)
    source, audio, reader = _heard(damaged)
    assert whole_reader.notes == () and not whole_reader.truncated
    assert source.duration_ms == whole.duration_ms, (damaged, source.duration_ms, whole.duration_ms)
    assert audio.size == whole_audio.size and np.array_equal(audio, whole_audio), (damaged, audio.size / SAMPLE_RATE)
    assert not reader.truncated and not reader.damaged, (damaged, reader.notes)
    assert any(noted in note for note in reader.notes), (damaged, reader.notes)


@pytest.mark.parametrize("bit", [9, 13])
def test_a_caf_whose_data_size_lost_a_bit_is_heard_to_its_end_with_a_note(folders, bit):
    """512 or 8,192 bytes of speech after the stated end: about half such files were heard up to
    0.256 s short with no note ('Daniel' heard as 'Death'), as the audio's bytes read as a chunk header."""
    for folder in folders:
        for offset in OFFSETS_S:
            intact = _speech(folder, f"note_{offset}.caf", offset, 6, "-c:a", "pcm_s16le")
            data = intact.read_bytes()
            at = _caf_size_at(data, b"data")
            assert struct.unpack_from(">q", data, at)[0] & 1 << bit
            damaged = _written(folder, f"short_{offset}.caf", _with_size(data, at, lambda size: size & ~(1 << bit), ">q"))
            _assert_heard_whole(damaged, intact, "bytes more follow it that are no chunk")


@pytest.mark.parametrize("bit", [9, 12])
def test_a_w64_whose_data_size_lost_a_bit_is_heard_to_its_end_with_a_note(folders, bit):
    for folder in folders:
        for offset in OFFSETS_S:
            intact = _speech(folder, f"note_{offset}.w64", offset, 3, "-c:a", "pcm_s16le")
            data = intact.read_bytes()
            at = _w64_data_size_at(data)
            assert struct.unpack_from("<Q", data, at)[0] & 1 << bit
            damaged = _written(folder, f"short_{offset}.w64", _with_size(data, at, lambda size: size & ~(1 << bit), "<Q"))
            _assert_heard_whole(damaged, intact, "bytes more follow it that are no chunk")


@pytest.mark.parametrize("bit", [24, 29, 40, 50])
def test_a_w64_whose_data_size_gained_a_bit_is_as_long_as_its_bytes(folders, bit):
    """Its 'riff' size is still the file's length: the data size is damaged, the file whole. A 3 s note
    was recorded as 4.7 hours to 8.7 years long (ext4), or 40 billion hours (tmpfs), 'TRUNCATED'."""
    for folder in folders:
        intact = _speech(folder, "note.w64", OFFSETS_S[1], 3, "-c:a", "pcm_s16le")
        data = intact.read_bytes()
        at = _w64_data_size_at(data)
        damaged = _written(folder, "long.w64", _with_size(data, at, lambda size: size | 1 << bit, "<Q"))
        _assert_heard_whole(damaged, intact, "a damaged size, not a recording cut short")


@pytest.mark.parametrize("chunk", [b"chan", b"info"])
def test_a_caf_whose_chunk_before_the_audio_points_past_any_file_is_heard_with_a_note(folders, chunk):
    """A chunk size OR'd with 2^48: refused on ext4 (a seek it refuses), heard or not on tmpfs. The
    chunks after it are found, and the file heard whole."""
    for folder in folders:
        intact = _speech(folder, "note.caf", OFFSETS_S[2], 3, "-ac", "2", "-c:a", "pcm_s16le")
        data = intact.read_bytes()
        if chunk not in data:
            pytest.skip(f"ffmpeg wrote no {chunk!r} chunk")
        at = _caf_size_at(data, chunk)
        damaged = _written(folder, "flipped.caf", _with_size(data, at, lambda size: size | 1 << 48, ">q"))
        _assert_heard_whole(damaged, intact, f"'{chunk.decode()}' chunk states")


@pytest.mark.parametrize("bit", [40, 56])
def test_a_caf_whose_data_size_gained_a_bit_is_as_long_as_its_bytes(folders, bit):
    """A terabyte or more past the bytes present is a damaged size, not a recording cut short: a 6 s note
    was claimed as 9,544 hours cut short, or refused on ext4 and heard on tmpfs. (A smaller bit could be a
    cut of exactly that many bytes: tests/test_hostile_media32.py.)"""
    for folder in folders:
        intact = _speech(folder, "note.caf", OFFSETS_S[1], 3, "-c:a", "pcm_s16le")
        data = intact.read_bytes()
        at = _caf_size_at(data, b"data")
        damaged = _written(folder, "long.caf", _with_size(data, at, lambda size: size | 1 << bit, ">q"))
        _assert_heard_whole(damaged, intact, "more than any recording holds): a damaged size, not a recording cut short")


ALAC_DAMAGE = {
    "pakt after the audio": (b"pakt", lambda size: size | 1 << 50, "'pakt' chunk after the audio"),
    "chan into kuki": (b"chan", lambda size: size + 16, "'chan' chunk states 28 bytes"),
    "kuki onto its own atom": (b"kuki", lambda size: size - 32, "'kuki' chunk states 16 bytes"),
    "data one bit past the pakt": (b"data", lambda size: size | 1 << 20, "runs into the chunks after the audio"),
    "data 1,000 bytes into the pakt": (b"data", lambda size: size + 1000, "runs into the chunks after the audio"),
    "data one bit short of the pakt": (b"data", lambda size: size & ~(1 << next(b for b in range(9, 20) if size >> b & 1)),
                                       "bytes more follow it that are no chunk"),
}


@pytest.mark.parametrize("damage", ALAC_DAMAGE)
def test_an_alac_caf_whose_chunk_size_is_damaged_is_heard_whole_with_a_note(folders, damage):
    """ffmpeg writes an ALAC CAF's packet table after the audio: its size with a high bit set was a seek ext4
    refused ('unreadable') and tmpfs allowed; a data size one bit larger ran into it (refused: 'cut before
    its packet table'). A 'chan' size 16 bytes long landed inside the 'kuki' chunk, on the 'frma' atom
    there, and a 'kuki' size 32 short on its 'alac' atom: the size to put right is the chunk's, not the atom's."""
    for folder in folders:
        intact = _speech(folder, "note.caf", OFFSETS_S[2], 3, "-c:a", "alac")
        data = intact.read_bytes()
        kind, change, noted = ALAC_DAMAGE[damage]
        damaged = _written(folder, "damaged.caf", _with_size(data, _caf_size_at(data, kind), change, ">q"))
        _assert_heard_whole(damaged, intact, noted)


def test_a_caf_or_w64_cut_inside_a_chunk_before_its_audio_is_refused_in_one_line(folders):
    """Refused saying so, by our own reading of the chunks ('a CAF file ffmpeg cannot read: damaged, or cut
    before its packet table'; a W64: 'not a media file')."""
    for folder in folders:
        caf = _speech(folder, "note.caf", OFFSETS_S[0], 2, "-c:a", "pcm_s16le").read_bytes()
        w64 = _speech(folder, "note.w64", OFFSETS_S[0], 2, "-c:a", "pcm_s16le").read_bytes()
        for name, data in (("cut.caf", caf[:_caf_size_at(caf, b"data") - 10]), ("cut.w64", w64[:72])):
            path = _written(folder, name, data)
            for read in (probe, lambda p: read_all(str(p))):
                with pytest.raises(MediaError) as refused:
                    read(path)
                assert "\n" not in str(refused.value) and "chunk, before any audio (cut short in its headers)" \
                    in str(refused.value), refused.value


@pytest.mark.parametrize("suffix,codec,named", [("caf", "pcm_s16le", "a CAF"), ("caf", "alac", "a CAF"),
                                                ("w64", "pcm_s16le", "a Wave64")])
def test_a_caf_or_w64_joined_to_a_copy_of_itself_is_heard_once_and_the_copy_named(folders, suffix, codec, named):
    """The second, intact recording was lost with no note (ALAC), or told to a court as damaged (a PCM
    CAF, as the filesystem had it; a W64: 'damaged 00:00:03.0-00:00:06.1')."""
    for folder in folders:
        intact = _speech(folder, f"note.{suffix}", OFFSETS_S[3], 3, "-c:a", codec)
        twice = _written(folder, f"twice.{suffix}", intact.read_bytes() * 2)
        whole, whole_audio, _ = _heard(intact)
        source, audio, reader = _heard(twice)
        assert source.duration_ms == whole.duration_ms and np.array_equal(audio, whole_audio)
        assert not reader.truncated and not reader.damaged, reader.notes
        assert any(f"at byte {intact.stat().st_size:,}" in note and f"{named} of its own" in note
                   for note in reader.notes), reader.notes


@pytest.mark.parametrize("lost", [64_000, 32_768, 65_536])
def test_a_caf_or_w64_cut_short_still_says_so(folders, lost):
    """A cut file's stated length stands (not taken for a damaged size): the loss is named. A cut of
    exactly 2^k bytes (a W64 that lost 65,536 bytes: 'duration 00:00:01.952', 'a damaged size, not a
    recording cut short') is a cut too."""
    for folder in folders:
        for suffix in ("caf", "w64"):
            intact = _speech(folder, f"note.{suffix}", OFFSETS_S[1], 6, "-c:a", "pcm_s16le")
            cut = _written(folder, f"cut.{suffix}", intact.read_bytes()[:-lost])
            source, audio, reader = _heard(cut)
            left_s = 6 - lost / (SAMPLE_RATE * 2)
            assert source.duration_ms == 6000 and abs(audio.size / SAMPLE_RATE - left_s) < 0.01, (suffix, audio.size)
            assert reader.truncated and reader.damaged[-1][1] == 6000, (suffix, reader.notes)
            assert not any("not a recording cut short" in note for note in reader.notes), (suffix, reader.notes)


@pytest.mark.parametrize("lost", [1, 4, 4_096])
def test_a_caf_or_w64_a_few_bytes_short_keeps_its_stated_length(folders, lost):
    """A loss of 2^k bytes too small to be named damaged (under half a second) is no 'damaged size'."""
    for folder in folders:
        for suffix in ("caf", "w64"):
            intact = _speech(folder, f"note.{suffix}", OFFSETS_S[1], 4, "-c:a", "pcm_s16le")
            source, _, reader = _heard(_written(folder, f"cut.{suffix}", intact.read_bytes()[:-lost]))
            assert source.duration_ms == 4000, (suffix, source.duration_ms)
            assert not any("damaged size" in note for note in reader.notes), (suffix, reader.notes)


W64_MARKERS = uuid.UUID("ABF76256-392D-11D2-86C7-00C04F8EDB8A").bytes_le  # Sound Forge's (libsndfile's w64.c)


def _after_the_audio(data: bytes, suffix: str) -> bytes:
    """The file with a whole chunk after its audio that data_ends.py does not name (a W64's 'riff'
    size counting it)."""
    body = b"Marker 1: interview start ".ljust(4000, b".")
    if suffix == "caf":
        return data + b"Plyx" + struct.pack(">q", len(body)) + body  # a CAF's user-defined chunk kind
    chunk = W64_MARKERS + struct.pack("<Q", 24 + len(body)) + body
    return data[:16] + struct.pack("<Q", len(data) + len(chunk)) + data[24:] + chunk


@pytest.mark.parametrize("suffix", ["caf", "w64"])
def test_a_chunk_we_do_not_name_after_the_audio_is_no_audio(folders, suffix):
    """An intact W64 with Sound Forge's 'markers' chunk after its audio was heard 126 ms long, called
    damaged, and its last line's words changed: the chunk's bytes were read as sound."""
    for folder in folders:
        intact = _speech(folder, f"note.{suffix}", OFFSETS_S[1], 4, "-c:a", "pcm_s16le")
        marked = _written(folder, f"marked.{suffix}", _after_the_audio(intact.read_bytes(), suffix))
        _, whole_audio, _ = _heard(intact)
        _, audio, reader = _heard(marked)
        assert np.array_equal(audio, whole_audio), (suffix, audio.size / SAMPLE_RATE)
        assert reader.notes == () and not reader.truncated, (suffix, reader.notes)


def test_a_caf_with_a_wav_after_it_is_heard_as_itself_and_the_wav_named(folders):
    """A 3 s CAF followed by a 5 s WAV was heard as the WAV's speech under the CAF's name (tmpfs) or
    refused (ext4): the WAV's 'data' chunk was taken for the CAF's chunks after its audio."""
    for folder in folders:
        caf = _speech(folder, "note.caf", OFFSETS_S[0], 3, "-c:a", "pcm_s16le")
        wav = _speech(folder, "other.wav", OFFSETS_S[2], 5, "-c:a", "pcm_s16le")
        both = _written(folder, "both.caf", caf.read_bytes() + wav.read_bytes())
        whole, whole_audio, _ = _heard(caf)
        source, audio, reader = _heard(both)
        assert source.duration_ms == whole.duration_ms and np.array_equal(audio, whole_audio)
        assert not reader.truncated and not reader.damaged, reader.notes
        assert any(f"at byte {caf.stat().st_size:,}" in note and "a WAV of its own" in note
                   for note in reader.notes), reader.notes


@pytest.mark.parametrize("coding,suffix", [("alaw", "al"), ("mulaw", "ul")])
def test_headerless_telephone_audio_is_read_at_8_khz_with_a_note(tmp_path, coding, suffix):
    """A 4 s interview as raw 8 kHz G.711 was read at ffmpeg's 44.1 kHz: 'duration 0.726 s, no speech found'."""
    path = _speech(tmp_path, f"call.{suffix}", OFFSETS_S[0], 4, "-ar", "8000", "-f", coding)
    reference = _speech(tmp_path, "call.wav", OFFSETS_S[0], 4, "-ar", "8000", "-c:a", "pcm_" + coding)
    source, audio, reader = _heard(path)
    _, heard_in_wav, _ = _heard(reference)  # the same samples, their rate stated in a WAV header
    assert source.duration_ms == 4000 and source.sample_rate == 8000
    assert np.array_equal(audio, heard_in_wav)
    assert any("states no sample rate: read at 8,000 Hz" in note for note in reader.notes), reader.notes


def test_headerless_telephone_audio_in_a_folder_is_taken_as_when_named(tmp_path):
    """A folder of a voice logger's exports was 'skipped: not a media file', each file read when named."""
    for coding, suffix in (("alaw", "al"), ("mulaw", "ul")):
        _speech(tmp_path, f"call.{suffix}", OFFSETS_S[0], 2, "-ar", "8000", "-f", coding)
    found = sorted(find_media([str(tmp_path)]), key=lambda f: f.path)
    assert [(Path(f.path).name, f.source is not None and f.source.sample_rate) for f in found] == [
        ("call.al", 8000), ("call.ul", 8000)], found


def test_headerless_linear_samples_are_refused_in_one_line(tmp_path):
    path = _speech(tmp_path, "call.sw", OFFSETS_S[0], 2, "-f", "s16le")
    with pytest.raises(MediaError, match="its sample rate is not stated in the file") as refused:
        probe(path)
    assert "\n" not in str(refused.value)
