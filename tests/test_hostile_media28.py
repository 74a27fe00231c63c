"""Hostile media, round 28: a recording whose first bytes are zeros (its header wiped: a carving that
lost the first sector, a copy whose first block never came).

An MP4/M4A/3GP/MOV so damaged was 'not a media file ffmpeg can read' though its index (moov), which
states where each sample lies, was whole; a 3GP voice note's was even read as a headerless AMR with
its index decoded as frames (7.18 s of a 6.35 s note, 'cut inside a frame'). It is now read by its
index, the zeros named. A WAV so damaged states its rate, channels and sample size nowhere else: it
is still refused, in one line that now names the zeros."""

from __future__ import annotations

import io

import numpy as np
import pytest

from app.core.media import aac_frames, opus_head
from app.core.media.decode import MediaError, probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media26 import read


def zeroed(data: bytes, count: int) -> bytes:
    return bytes(count) + data[count:]


def zeros(data: bytes) -> int:
    """Zero bytes at the start (a size field's high bytes after those wiped are zeros too)."""
    return len(data) - len(data.lstrip(b"\x00"))


@pytest.mark.parametrize("name,count", [("en_voicenote.m4a", 44), ("en_voicenote.m4a", 24), ("interview.mp4", 44),
                                        ("interview.mp4", 32), ("ro_voicenote.3gp", 44), ("ro_voicenote.3gp", 16)])
def test_an_mp4_whose_first_bytes_are_zeros_is_read_by_its_index(tmp_path, name, count):
    original = MEDIA / name
    path = tmp_path / name
    path.write_bytes(zeroed(original.read_bytes(), count))
    expected = read_all(str(original))[0]
    source, audio, reader = read(path)
    assert source.duration_ms == probe(original).duration_ms
    assert len(audio) == len(expected) and not reader.truncated
    assert np.abs(expected).max() > 0.1 and np.allclose(audio, expected, atol=1e-4)
    assert any(f"first {zeros(path.read_bytes()):,} bytes are zeros" in note and "read by its index" in note
               for note in reader.notes), reader.notes


def test_an_mp4_whose_zeros_reach_its_first_samples_names_them_damaged(tmp_path):
    """A MOV's first sound samples start 36 bytes in: the 8 zeroed past them are damage, not sound."""
    data = (MEDIA / "interview.mp4").read_bytes()
    at = data.index(b"mdat") + 4
    path = tmp_path / "clip.mp4"
    path.write_bytes(zeroed(data, at + 200))
    source, audio, reader = read(path)
    assert abs(len(audio) / 16 - source.duration_ms) < 100
    assert any("first" in note and "are zeros" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("name", ["interview_mono.wav", "interview_stereo.wav", "noise_10s.wav"])
def test_a_wav_whose_header_is_zeroed_is_refused_in_one_line_naming_the_zeros(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(zeroed((MEDIA / name).read_bytes(), 44))
    with pytest.raises(MediaError) as raised:
        probe(path)
    message = str(raised.value)
    assert "\n" not in message and "first 44 bytes are zeros where its header belongs" in message, message


def test_zeros_with_no_index_after_them_stay_refused(tmp_path):
    """An index-less M4A (moov gone) whose ftyp is zeroed: nothing states where its samples lie."""
    data = (MEDIA / "en_voicenote.m4a").read_bytes()
    at = data.index(b"moov") - 4
    path = tmp_path / "note.m4a"
    path.write_bytes(zeroed(data[:at], 44))
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert "\n" not in str(raised.value) and "zeros" in str(raised.value)


def he_aac_frame() -> bytes:
    """A raw AAC frame as an HE-AAC encoder writes them (no encoder here writes HE-AAC): a silent lone
    channel, then a fill element holding SBR data (its header), then END."""
    silent_channel = "000" + "0000" + format(100, "08b") + "0" + "00" + "0" + "000000" + "0" + "000"
    payload = "1101" + "1" + "1" + "0101" + "0101" + "000" + "00" + "0" + "0" + "0" * 40  # EXT_SBR_DATA, header
    payload += "0" * (-len(payload) % 8)
    bits = silent_channel + "110" + format(len(payload) // 8, "04b") + payload + "111"
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[at:at + 8], 2) for at in range(0, len(bits), 8))


@pytest.mark.parametrize("rate", [24000, 22050, 16000])
def test_an_he_aac_frame_is_decoded_without_making_the_decoder_afresh(rate):
    """SBR doubles the output rate: each trial of an index-less HE-AAC note's bytes made a new decoder
    (review 3 #5, 20 of 20 trials); the sound is that of the frame, at twice the core rate."""
    decoder = aac_frames.Decoder(rate, 1)
    first = decoder.context
    for _ in range(5):
        frames = decoder.frames(he_aac_frame())
        assert frames and frames[0].sample_rate == 2 * rate
    assert decoder.context is first


@pytest.mark.parametrize("name", ["ro_voicenote.3gp"])
def test_a_3gp_note_with_zeroed_samples_keeps_the_times_of_the_words_after_them(tmp_path, name):
    """A 3GP's AMR sample of zero bytes read as two 4.75 kbit/s frames and more (40 ms for its 20): 26
    such put every word after them half a second late, unsaid (lj.3gp: 10.19 s of 9.67). Each is now
    damage, named; what follows keeps its time."""
    data = (MEDIA / name).read_bytes()
    start = data.index(b"mdat") + 4
    end = data.index(b"moov") - 4
    at = (start + end) // 2
    path = tmp_path / name
    path.write_bytes(data[:at] + bytes(800) + data[at + 800:])
    expected = read_all(str(MEDIA / name))[0]
    _, audio, reader = read(path)
    assert abs(len(audio) - len(expected)) < 16 * 25, (len(audio), len(expected))
    assert abs(lag(audio, expected)) <= 160  # 10 ms (a resampler started afresh past damage); was 8,000
    assert reader.damaged


def lag(audio: np.ndarray, expected: np.ndarray) -> int:
    """Samples by which the last 2 s of `expected` are found later in `audio` (by cross-correlation)."""
    window = expected[len(expected) - 32000:]
    search = audio[len(expected) - 32000 - 16000:]
    size = len(search) + len(window)
    spectrum = np.fft.rfft(search, size) * np.conj(np.fft.rfft(window, size))
    return int(np.argmax(np.fft.irfft(spectrum, size)[:len(search) - len(window) + 1])) - 16000


@pytest.mark.parametrize("wiped", [300, 800, 2000])
def test_an_amr_note_with_a_stretch_of_zero_bytes_keeps_the_times_of_the_words_after_it(tmp_path, wiped):
    """Zero bytes read as 13-byte 4.75 kbit/s frames: 775 wiped bytes of a 12.2 kbit/s note (0.48 s)
    were read as 1.2 s, every word after them late, under a note saying the words keep their times. They
    are now read as lost frames of the note's own size, named."""
    data = (MEDIA / "en_voicenote.amr").read_bytes()
    at = len(data) // 3
    path = tmp_path / "note.amr"
    path.write_bytes(data[:at] + bytes(wiped) + data[at + wiped:])
    expected = read_all(str(MEDIA / "en_voicenote.amr"))[0]
    _, audio, reader = read(path)
    assert abs(len(audio) - len(expected)) <= 320, (len(audio), len(expected))
    assert abs(lag(audio, expected)) <= 160
    assert any("stretch(es) of zero bytes" in note for note in reader.notes), reader.notes


def test_the_places_an_aac_search_passes_over_unread_are_none_ffmpeg_decodes_a_frame_from():
    """An index-less video's search decoded each place it tried (106,670 decodes for a 60 s H.263 clip,
    4-6 CPU s, in intake's process and again in the worker's); a place whose window header LC refuses is
    now passed over unread (47,715 decodes, the same 939 frames). Each place so passed over in a voice
    note's media data is one the decoder refuses too, and every true frame start is tried."""
    import av
    path = str(MEDIA / "en_voicenote.m4a")
    with av.open(path) as container:
        stream = container.streams.audio[0]
        rate, channels = stream.rate, stream.channels
        packets = [(packet.pos, packet.size) for packet in container.demux(stream) if packet.size]
    data = memoryview((MEDIA / "en_voicenote.m4a").read_bytes())
    assert all(aac_frames.may_open(data, at, rate) for at, _ in packets)
    places = range(packets[0][0], packets[-1][0], 7)
    for trial_rate in (rate, 48000 if rate != 48000 else 16000):
        passed = [at for at in places if not aac_frames.may_open(data, at, trial_rate)]
        assert len(passed) > len(places) // 4
        decoder = aac_frames.Decoder(trial_rate, channels)
        assert not any(decoder.frames(data[at:at + 1600]) for at in passed)


def first_page_size(data: bytes) -> int:
    return 27 + data[26] + sum(data[27:27 + data[26]])


@pytest.mark.parametrize("name", ["en_voicenote.opus", "de_voicenote.opus"])
@pytest.mark.parametrize("damage", ["zeros", "flipped", "tags-too"])
def test_an_opus_note_whose_first_page_is_wiped_or_damaged_is_heard(tmp_path, name, damage):
    """OpusHead's page wiped (a carving that lost the first sector) or a byte of it flipped (its checksum
    fails): 'not a media file', 'its headers are damaged', though the tags and every audio page were
    whole. Opus decodes at 48 kHz, its packets say mono or stereo: it is read, the assumptions named."""
    data = bytearray((MEDIA / name).read_bytes())
    head = first_page_size(data)
    if damage == "zeros":
        data[:head] = bytes(head)
    else:
        data[head - 5] ^= 0x10  # inside OpusHead's fields
        if damage == "tags-too":
            data[head + first_page_size(data[head:]) - 3] ^= 0x01  # inside OpusTags' vendor string
    path = tmp_path / name
    path.write_bytes(bytes(data))
    expected = read_all(str(MEDIA / name))[0]
    _, audio, reader = read(path)
    assert abs(len(audio) - len(expected)) <= 160 and abs(lag(audio, expected)) <= 160
    assert np.abs(expected).max() > 0.1 and np.allclose(audio, expected, atol=1e-3)
    said = "pre-skip of 312" if damage == "zeros" else "pre-skip (312 samples)"  # a damaged header's own values
    assert any("first page (its OpusHead header" in note and said in note for note in reader.notes), reader.notes


def test_an_ogg_without_opus_tags_whose_first_page_is_wiped_stays_refused_in_one_line(tmp_path):
    """A Vorbis file's first page wiped: its headers (codebooks) cannot be made again. It was called 'cut
    short in its headers'; the line now names the zeros."""
    data = bytearray((MEDIA / "es_voicenote.ogg").read_bytes())
    head = first_page_size(data)
    data[:head] = bytes(head)
    path = tmp_path / "note.ogg"
    path.write_bytes(bytes(data))
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert "\n" not in str(raised.value) and "zeros where its header belongs" in str(raised.value)


@pytest.mark.parametrize("name", ["interview_mono.wav", "en_voicenote.m4a", "en_voicenote.mp3"])
def test_a_recording_behind_an_id3_tag_with_megabytes_of_padding_and_a_wrong_size_is_heard(tmp_path, name):
    """A tag stating more bytes than the file holds is walked frame by frame, then its zero padding: only
    its first 64 kB were passed over ('its first 65,536 bytes are all zero'), and an MP4's first box lost
    the zero bytes of its size with them."""
    tag = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + bytes(4 << 20)
    path = tmp_path / name
    path.write_bytes(tag + (MEDIA / name).read_bytes())
    expected = read_all(str(MEDIA / name))[0]
    _, audio, _ = read(path)
    assert abs(len(audio) - len(expected)) <= 160 and abs(lag(audio, expected)) <= 160


def test_an_opus_note_behind_junk_keeps_its_own_header():
    """Its whole OpusHead is read, not one assumed (pre-skip, gain) in its place."""
    data = (MEDIA / "en_voicenote.opus").read_bytes()
    assert opus_head.lost(io.BytesIO(b"\x01junk" * 200 + data)) is None
    assert opus_head.lost(io.BytesIO(data)) is None
