"""Hostile media, ninth round (session 17), built here with ffmpeg and bytes: an M4A holding
samples of 0 bytes (a phone's muxer writing a dropped frame as an empty sample), and an M4A whose
index lists no samples at all (samples per chunk 0, or every sample 0 bytes)."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media import ffmpeg

STBL = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _box(data: bytes, *path: bytes) -> int:
    """Where the box at `path` starts (its size field), walking from the top of the file."""
    at, end, found = 0, len(data), -1
    for kind in path:
        while at < end:
            size, name = struct.unpack_from(">I4s", data, at)
            if name == kind:
                found, at, end = at, at + 8, at + size
                break
            at += size
        else:
            raise AssertionError(f"no {kind!r} box")
    return found


def _fast_start_m4a(tmp_path: Path) -> Path:
    """6 s of a voice note as a fast-start AAC M4A (its index before its samples)."""
    path = tmp_path / "plain.m4a"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-t", "6", "-c:a", "aac", "-movflags", "+faststart", str(path))
    return path


def _sample_places(data: bytes) -> tuple[list[int], list[int]]:
    """Each sample's offset in the file and its size, from the track's chunk offsets, samples per
    chunk and sample sizes."""
    stsz, stco, stsc = (_box(data, *STBL, kind) for kind in (b"stsz", b"stco", b"stsc"))
    sizes = list(struct.unpack_from(f">{struct.unpack_from('>I', data, stsz + 16)[0]}I", data, stsz + 20))
    chunks = struct.unpack_from(f">{struct.unpack_from('>I', data, stco + 12)[0]}I", data, stco + 16)
    runs = [struct.unpack_from(">II", data, stsc + 16 + 12 * n) for n in range(struct.unpack_from(">I", data, stsc + 12)[0])]
    places, sample = [], 0
    for number, offset in enumerate(chunks, start=1):
        for _ in range(next(per for first, per in reversed(runs) if first <= number)):
            places.append(offset)
            offset += sizes[sample]
            sample += 1
    return places, sizes


def _with_empty_samples(data: bytes, which: set[int]) -> bytes:
    """The fast-start M4A with the samples in `which` made 0 bytes long, as a muxer writes them: their
    bytes gone from the mdat, the chunk offsets after them moved back, the rest of the file whole."""
    places, sizes = _sample_places(data)
    gone = [(places[n], sizes[n]) for n in sorted(which)]
    out = bytearray(data)
    stsz, stco, mdat = _box(data, *STBL, b"stsz"), _box(data, *STBL, b"stco"), _box(data, b"mdat")
    for n in which:
        struct.pack_into(">I", out, stsz + 20 + 4 * n, 0)
    for k in range(struct.unpack_from(">I", data, stco + 12)[0]):
        offset = struct.unpack_from(">I", data, stco + 16 + 4 * k)[0]
        struct.pack_into(">I", out, stco + 16 + 4 * k, offset - sum(size for at, size in gone if at < offset))
    struct.pack_into(">I", out, mdat, struct.unpack_from(">I", data, mdat)[0] - sum(size for _, size in gone))
    for at, size in sorted(gone, reverse=True):
        del out[at:at + size]
    return bytes(out)


def _lag_ms(expected: np.ndarray, audio: np.ndarray, at_s: float) -> float:
    """How far (ms) the audio 0.2 s from `at_s` lies from where it lies in `expected` (within 40 ms)."""
    start, n = int(at_s * SAMPLE_RATE), int(0.2 * SAMPLE_RATE)
    piece = expected[start:start + n]
    shifts = range(-int(0.04 * SAMPLE_RATE), int(0.04 * SAMPLE_RATE) + 1)
    return 1000 * max(shifts, key=lambda d: float(np.dot(piece, audio[start + d:start + d + n]))) / SAMPLE_RATE


EMPTY = {"one sample": {50}, "a run of 40": set(range(50, 90)), "every seventh": set(range(10, 200, 7))}


@pytest.mark.parametrize("which", EMPTY.values(), ids=EMPTY.keys())
def test_samples_of_0_bytes_are_gaps_in_place_not_a_shift_of_the_rest(tmp_path, which):
    """An empty sample was handed to the decoder, which read it as the end of the stream and refused
    the next packet; the 21 ms it stood for (under the 40 ms of jitter a timeline lets pass) was not
    kept, so everything after it came 21 ms early: with every seventh sample empty the 6 s note
    decoded as 5.3 s, its last words 0.8 s from where they were said. Now each empty sample is a
    gap of its own length, named damaged, and the rest of the note stays where it was recorded."""
    plain = _fast_start_m4a(tmp_path)
    path = tmp_path / "empty_samples.m4a"
    path.write_bytes(_with_empty_samples(plain.read_bytes(), which))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(audio.size - expected.size) <= 0.01 * SAMPLE_RATE
    after_s = (max(which) + 2) * 1024 / 48000
    assert abs(_lag_ms(expected, audio, after_s)) <= 2  # the words after the last empty sample where said
    assert reader.damaged and reader.damaged[0][0] >= 1000 * min(which) * 1024 // 48000 - 100
    assert not reader.truncated
    assert _sha(path) == before


def _no_samples_listed(data: bytes) -> bytes:
    out = bytearray(data)
    struct.pack_into(">I", out, _box(data, *STBL, b"stsc") + 20, 0)  # the first run: 0 samples a chunk
    return bytes(out)


def _every_sample_empty(data: bytes) -> bytes:
    return _with_empty_samples(data, set(range(len(_sample_places(data)[1]))))


DAMAGED_INDEX = {"no samples per chunk": _no_samples_listed, "every sample 0 bytes": _every_sample_empty}


@pytest.mark.parametrize("damage", DAMAGED_INDEX.values(), ids=DAMAGED_INDEX.keys())
def test_an_m4a_whose_index_lists_no_audio_is_damaged_not_an_empty_recording(tmp_path, damage):
    """Samples per chunk of 0 gave no packet: the shortfall was put down to an edit list (one that
    shows nothing hides nothing) and the 6 s note went out as a whole recording with no speech in
    it, no warning; every sample 0 bytes was 'the edit list shows 0.0 s of the 6.1 s it holds'.
    The track holds no more than its edit list shows: it is named damaged and cut short."""
    path = tmp_path / "no_samples.m4a"
    path.write_bytes(damage(_fast_start_m4a(tmp_path).read_bytes()))
    before = _sha(path)
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert audio.size < 0.1 * SAMPLE_RATE
    assert reader.truncated and reader.damaged and reader.damaged[-1][1] >= 5900
    assert not any("edit list" in note for note in reader.notes)
    assert _sha(path) == before


def _speech_wav(tmp_path: Path) -> Path:
    path = tmp_path / "speech.wav"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-ac", "1", "-ar", "16000", "-t", "6", "-c:a", "pcm_s16le",
           "-bitexact", str(path))
    return path


def _with_data_size(data: bytes, size: int) -> bytes:
    out = bytearray(data)
    struct.pack_into("<I", out, data.find(b"data") + 4, size)
    return bytes(out)


@pytest.mark.parametrize("mark", [0x7FFFF000, 0x7FFFFF00, 0x7FFFFFFF], ids=["sox", "arecord", "int32 max"])
def test_a_wav_whose_writer_marked_its_length_unknown_is_as_long_as_its_samples(tmp_path, mark):
    """sox writing to a pipe leaves the data size 0x7FFFF000 ('length unknown'), arecord 0x7FFFFF00:
    a 6 s recording was stated as 18:38:28 long, 'TRUNCATED: the file is cut short', 'damaged
    00:06.1-18:38:28.9'. Like a size left 0 or 0xFFFFFFFF, the mark claims nothing."""
    plain = _speech_wav(tmp_path)
    path = tmp_path / "unknown_length.wav"
    path.write_bytes(_with_data_size(plain.read_bytes(), mark))
    before = _sha(path)
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) <= 10 and abs(audio.size / SAMPLE_RATE - 6.0) <= 0.01
    assert not reader.truncated and reader.damaged == ()
    assert _sha(path) == before


def test_a_wav_cut_short_still_states_its_length_and_is_truncated(tmp_path):
    """A size that is a real length (twice what the file holds) is still a claim: cut short."""
    data = _speech_wav(tmp_path).read_bytes()
    start = data.find(b"data") + 8
    path = tmp_path / "cut.wav"
    path.write_bytes(data[:start + (len(data) - start) // 2])
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) <= 10 and abs(audio.size / SAMPLE_RATE - 3.0) <= 0.01
    assert reader.truncated


@pytest.mark.parametrize("units", [0xFFFFFFFF, 48_000 * 5, 0], ids=["0xFFFFFFFF", "5 s", "0"])
def test_an_m4a_whose_sample_table_gives_its_packets_an_impossible_length_is_timed_by_its_samples(tmp_path, units):
    """An stts entry giving 288 AAC packets 0xFFFFFFFF units each (a day a packet) had ffmpeg give
    each one unit: 0.02 s decoded, the note stated as 00:00:00.006 long, 'no speech found' and no
    warning. Each packet is given the time its samples last, and the header fault is named."""
    plain = _fast_start_m4a(tmp_path)
    data = bytearray(plain.read_bytes())
    stts = _box(bytes(data), *STBL, b"stts")
    assert struct.unpack_from(">II", data, stts + 16)[0] > 1  # the first entry: most of the packets
    struct.pack_into(">I", data, stts + 20, units)
    path = tmp_path / "packet_lengths.m4a"
    path.write_bytes(bytes(data))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 200 and abs(audio.size - expected.size) <= 0.03 * SAMPLE_RATE
    assert abs(_lag_ms(expected, audio, 4.0)) <= 2
    assert not reader.truncated and reader.damaged == ()
    assert any("a length no packet can have" in note for note in reader.notes)
    assert _sha(path) == before


@pytest.mark.parametrize("count", [0xFFFFFFFF, 10 ** 9], ids=["unknown", "damaged"])
def test_a_compressed_wav_whose_fact_chunk_counts_more_than_its_samples_is_as_long_as_they_are(tmp_path, count):
    """ffmpeg takes an ADPCM (GSM, µ-law...) WAV's length from its fact chunk's sample count: left
    0xFFFFFFFF by a streaming writer, it made a whole 6 s note 24:51:18 long, 'TRUNCATED', 'damaged
    00:06.1-24:51:18.5'. The data chunk's bytes bound the length; a data chunk cut short still
    states how long the recording was."""
    plain = tmp_path / "adpcm.wav"
    ffmpeg("-i", str(_speech_wav(tmp_path)), "-c:a", "adpcm_ima_wav", str(plain))
    data = bytearray(plain.read_bytes())
    assert data.find(b"fact") > 0
    struct.pack_into("<I", data, data.find(b"fact") + 8, count)
    path = tmp_path / "fact.wav"
    path.write_bytes(bytes(data))
    before = _sha(path)
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 200 and abs(audio.size / SAMPLE_RATE - 6.0) < 0.2
    assert not reader.truncated and reader.damaged == ()
    assert _sha(path) == before
    cut = tmp_path / "fact_cut.wav"
    cut.write_bytes(bytes(data[:len(data) // 2]))
    info = probe(cut)
    audio, reader = read_all(str(cut), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 200 and audio.size / SAMPLE_RATE < 3.5 and reader.truncated


def _ogg_pages(data: bytes) -> list[bytes]:
    pages, at = [], 0
    while at < len(data):
        count = data[at + 26]
        size = 27 + count + sum(data[at + 27:at + 27 + count])
        pages.append(data[at:at + size])
        at += size
    return pages


def test_an_ogg_opus_without_its_comment_header_is_read_not_called_not_media(tmp_path):
    """A voice note whose OpusTags page is missing (a writer that leaves it out, a page lost in
    recovery) was 'not a media file ffmpeg can read', every audio page of it whole. It is read as
    it would be with empty tags, and the run says the header was missing."""
    plain = tmp_path / "plain.opus"
    ffmpeg("-i", str(_speech_wav(tmp_path)), "-c:a", "libopus", str(plain))
    pages = _ogg_pages(plain.read_bytes())
    assert pages[1][27 + pages[1][26]:][:8] == b"OpusTags"
    path = tmp_path / "tagless.opus"
    path.write_bytes(pages[0] + b"".join(pages[2:]))
    _reads_as_plain(path, plain, "no comment header (OpusTags)")


REPEATED = {"every audio page": lambda n: n >= 2, "one page": lambda n: n == 5}


@pytest.mark.parametrize("twice", REPEATED.values(), ids=REPEATED.keys())
def test_an_ogg_page_written_twice_in_a_row_is_heard_once(tmp_path, twice):
    """Each audio page followed by a copy of itself (a copy that retried its blocks, a recovery
    joining overlapping fragments) was decoded twice: 'meet me behind me behind the station at the
    station at', a 6 s note 12.3 s long. A page can never follow itself: each is read once, named."""
    plain = tmp_path / "plain.opus"
    ffmpeg("-i", str(_speech_wav(tmp_path)), "-c:a", "libopus", str(plain))
    pages = _ogg_pages(plain.read_bytes())
    path = tmp_path / "repeated.opus"
    path.write_bytes(b"".join(page * (2 if twice(n) else 1) for n, page in enumerate(pages)))
    _reads_as_plain(path, plain, "follow an identical copy of themselves")


SHUFFLES = {"audio pages reversed": lambda audio: audio[::-1],
            "halves swapped": lambda audio: audio[len(audio) // 2:] + audio[:len(audio) // 2]}


@pytest.mark.parametrize("shuffle", SHUFFLES.values(), ids=SHUFFLES.keys())
def test_an_ogg_whose_pages_lie_out_of_their_numbers_order_is_read_in_that_order(tmp_path, shuffle):
    """A note's fragments joined in the wrong order: its speech came out in pieces, reordered ('the
    package, tell anyone... bring them the station at a meet me behind'), called cut short. The
    pages' sequence numbers give their order: read in it, and the run says so."""
    plain = tmp_path / "plain.opus"
    ffmpeg("-i", str(_speech_wav(tmp_path)), "-c:a", "libopus", str(plain))
    pages = _ogg_pages(plain.read_bytes())
    assert len(pages) > 4
    path = tmp_path / "shuffled.opus"
    path.write_bytes(b"".join(pages[:2] + shuffle(pages[2:])))
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 100 and audio.size == expected.size
    assert np.abs(audio - expected).max() < 1e-4
    assert not reader.truncated and reader.damaged == ()
    assert any("out of the order of their sequence numbers" in note for note in reader.notes)
    assert _sha(path) == before


def test_an_mp4_whose_index_is_whole_but_damaged_is_not_called_one_without_an_index(tmp_path):
    """A sample description holding no entry: ffmpeg cannot read the track, and the reason was 'an
    MP4/MOV without its index (the moov atom is missing or cut)', the moov whole in the file."""
    data = bytearray(_fast_start_m4a(tmp_path).read_bytes())
    struct.pack_into(">I", data, _box(bytes(data), *STBL, b"stsd") + 12, 0)
    path = tmp_path / "no_description.m4a"
    path.write_bytes(bytes(data))
    with pytest.raises(MediaError, match="whole but damaged") as raised:
        probe(path)
    assert "missing or cut" not in str(raised.value)
    cut = tmp_path / "cut_in_index.m4a"
    cut.write_bytes(bytes(data[:_box(bytes(data), b"moov") + 100]))
    with pytest.raises(MediaError, match="missing or cut"):
        probe(cut)


def _reads_as_plain(path: Path, plain: Path, note: str) -> None:
    """`path` reads as the 6 s `plain` it was made from, whole, with `note` said of it, and is left unchanged."""
    before = _sha(path)
    expected, _ = read_all(str(plain))
    info = probe(path)
    audio, reader = read_all(str(path), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - 6000) < 100 and abs(audio.size - expected.size) <= 0.02 * SAMPLE_RATE
    n = min(audio.size, expected.size)
    assert np.abs(audio[:n] - expected[:n]).max() < 1e-4
    assert not reader.truncated and reader.damaged == ()
    assert any(note in said for said in reader.notes)
    assert _sha(path) == before
