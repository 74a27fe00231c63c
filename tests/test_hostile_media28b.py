"""Hostile media, round 28 (review 3 of the zeroed-start work): zeros where an AMR note starts, a DTX
note's wiped speech, surround Opus with its header wiped, an MP4 index past 4 GB, long wipes, a
4.75 kbit/s 3GP's wiped samples, a damaged OpusHead's own values."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.media import aac_frames, opening, zeroed_start
from app.core.media.decode import MediaError, probe, read_all
from tests.conftest import MEDIA
from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media26 import read
from tests.test_hostile_media28 import first_page_size, he_aac_frame, lag


@pytest.mark.parametrize("wiped", [64, 777, 1000, 3000])
def test_an_amr_note_whose_first_frames_are_zeros_is_heard_at_its_length(tmp_path, wiped):
    """Zeros from the first frame on: no frame walked yet to give the note's size, an 'unexpected error
    reading it (IndexError)' (base heard it). The size is that of the first whole frames after them."""
    data = (MEDIA / "en_voicenote.amr").read_bytes()
    path = tmp_path / "note.amr"
    path.write_bytes(data[:6] + bytes(wiped) + data[6 + wiped:])
    expected = read_all(str(MEDIA / "en_voicenote.amr"))[0]
    _, audio, reader = read(path)
    assert abs(len(audio) - len(expected)) <= 320, (len(audio), len(expected))
    assert abs(lag(audio, expected)) <= 160
    assert any(f"the first {wiped:,} bytes at byte 6" in note for note in reader.notes), reader.notes


def test_a_dtx_note_whose_speech_is_wiped_after_a_pause_keeps_its_length(tmp_path):
    """A phone's DTX note: after a pause its commonest frames are NO_DATA (1 byte), and 775 wiped bytes of
    speech were read as 775 lost 20 ms frames (15.5 s): every later word 15 s late (60 s for 45). They are
    read as frames of the note's speech size."""
    healthy = tmp_path / "dtx.amr"
    note = str(MEDIA / "en_voicenote.m4a")
    ffmpeg("-i", note, "-i", note, "-filter_complex", "[0]apad=pad_dur=20[p];[p][1]concat=n=2:v=0:a=1",
           "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-dtx", "1", str(healthy))
    data = healthy.read_bytes()
    assert data.count(b"\x7c") > 500  # NO_DATA frames: the pause
    at = len(data) - 4000
    path = tmp_path / "wiped.amr"
    path.write_bytes(data[:at] + bytes(775) + data[at + 775:])
    expected = read_all(str(healthy))[0]
    _, audio, reader = read(path)
    assert abs(len(audio) - len(expected)) <= 320, (len(audio), len(expected))
    assert abs(lag(audio, expected)) <= 160
    assert any("stretch(es) of zero bytes" in note for note in reader.notes), reader.notes


def test_zeros_to_an_amr_notes_end_are_no_lost_sound(tmp_path):
    """A tail never written (a recorder that stopped): 200 kB of zeros were read as 125 s of lost sound."""
    path = tmp_path / "note.amr"
    path.write_bytes((MEDIA / "en_voicenote.amr").read_bytes() + bytes(200_000))
    _, _, reader = read(path)
    assert not any("stretch(es) of zero bytes" in note for note in reader.notes), reader.notes
    assert reader.truncated


def test_a_surround_opus_whose_first_page_is_wiped_is_refused_in_one_line(tmp_path):
    """A 5.1 Opus (channel mapping 1: several streams in each packet) with its OpusHead wiped was read
    by one stereo decoder: noise (correlation 0.008 with the sound) heard as a 56 s recording."""
    healthy = tmp_path / "surround.opus"
    ffmpeg("-i", str(MEDIA / "en_voicenote.m4a"), "-ac", "6", "-c:a", "libopus", "-mapping_family", "1", str(healthy))
    data = bytearray(healthy.read_bytes())
    head = first_page_size(data)
    data[:head] = bytes(head)
    path = tmp_path / "wiped.opus"
    path.write_bytes(bytes(data))
    assert len(read(healthy)[1]) > 16000 * 5
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert "\n" not in str(raised.value) and "several streams (surround sound)" in str(raised.value)


@pytest.mark.parametrize("wiped", [6000, 20000])
def test_an_m4a_wiped_past_four_kilobytes_is_read_by_its_index(tmp_path, wiped):
    """More zeros than the 4 kB searched past them were refused, 'nothing after them states its format',
    though the index ending the file was whole. The samples after the zeros are heard at their times."""
    data = (MEDIA / "en_voicenote.m4a").read_bytes()
    path = tmp_path / "note.m4a"
    path.write_bytes(bytes(wiped) + data[wiped:])
    expected = read_all(str(MEDIA / "en_voicenote.m4a"))[0]
    source, audio, reader = read(path)
    assert source.duration_ms == probe(MEDIA / "en_voicenote.m4a").duration_ms
    assert abs(len(audio) - len(expected)) <= 320 and abs(lag(audio, expected)) <= 160
    assert np.corrcoef(audio[-32000:], expected[-32000:])[0, 1] > 0.99  # the same sound at the same time
    assert any(f"first {wiped:,} bytes are zeros" in note for note in reader.notes), reader.notes


def test_a_zeroed_start_mp4_whose_index_lies_past_four_gigabytes_opens(tmp_path):
    """A multi-GB recording (sparse here) with its first box zeroed and its index past 4 GB: 'struct.error'
    (the media data's size packed in 32 bits), an unexpected error. It is stated in 64 bits."""
    data = (MEDIA / "en_voicenote.m4a").read_bytes()
    moov = data.index(b"moov") - 4
    path = tmp_path / "big.m4a"
    with open(path, "wb") as out:
        out.write(bytes(44) + data[44:moov])
        out.seek((1 << 32) + 1000)
        out.write(data[moov:])
    with open(path, "rb") as handle:
        wiped = zeroed_start.found(handle)
        assert wiped is not None and wiped.moov == (1 << 32) + 1000
        with opening.open_container(handle) as container:
            stream = container.streams.audio[0]
            frames = sum(frame.samples for packet in container.demux(stream) for frame in packet.decode())
    expected = read_all(str(MEDIA / "en_voicenote.m4a"))[0]
    assert abs(frames / stream.rate - len(expected) / 16000) < 0.05


def test_a_wiped_stretch_of_a_4_75_kbit_3gp_note_is_named(tmp_path):
    """A 4.75 kbit/s sample is 13 bytes, and 13 zero bytes read as one frame marked bad (Q = 0): 1.5 s
    wiped was heard as 30 s undamaged, nothing said. No coder writes a frame of zeros: it is damage."""
    healthy = tmp_path / "note.3gp"
    ffmpeg("-i", str(MEDIA / "en_voicenote.m4a"), "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb",
           "-b:a", "4.75k", str(healthy))
    data = healthy.read_bytes()
    start, end = data.index(b"mdat") + 4, data.index(b"moov") - 4
    at, size = (start + end) // 2, (end - start) // 10
    path = tmp_path / "wiped.3gp"
    path.write_bytes(data[:at] + bytes(size) + data[at + size:])
    assert not read(healthy)[2].damaged
    _, audio, reader = read(path)
    assert reader.damaged, reader.notes
    assert abs(len(audio) - len(read(healthy)[1])) <= 320


def test_a_damaged_opus_header_keeps_the_pre_skip_it_states(tmp_path):
    """ffmpeg's own Opus encoder writes a pre-skip of 120: a byte flipped in its OpusHead (checksum fails)
    had libopus's 312 assumed in place of the 120 it still stated, every word 4 ms early."""
    healthy = tmp_path / "native.opus"
    ffmpeg("-i", str(MEDIA / "en_voicenote.m4a"), "-ac", "1", "-c:a", "opus", "-strict", "-2", str(healthy))
    data = bytearray(healthy.read_bytes())
    head = first_page_size(data)
    assert int.from_bytes(data[head - 9:head - 7], "little") == 120  # its pre-skip
    data[head - 5] ^= 0x10  # its input rate: the page's checksum fails
    path = tmp_path / "flipped.opus"
    path.write_bytes(bytes(data))
    expected = read_all(str(healthy))[0]
    _, audio, reader = read(path)
    assert len(audio) == len(expected) and np.allclose(audio, expected, atol=1e-4)
    assert any("pre-skip (120 samples)" in note for note in reader.notes), reader.notes


def test_an_aac_search_trial_not_read_as_a_frame_leaves_no_sbr_on():
    """SBR, once on, reads every later AAC-LC frame at twice the rate: kept where the trial was a frame
    (HE-AAC), not past bytes the decoder refused."""
    decoder = aac_frames.Decoder(16000, 1)
    assert decoder.frames(he_aac_frame())[0].sample_rate == 32000
    kept = decoder.context
    assert not decoder.frames(b"\xff\x00 no frame")
    assert decoder.context is not kept
    assert decoder.frames(lc_frame())[0].sample_rate == 16000


def lc_frame() -> bytes:
    """A silent lone channel, then END: an AAC-LC frame."""
    bits = "000" + "0000" + format(100, "08b") + "0" + "00" + "0" + "000000" + "0" + "000" + "111"
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[at:at + 8], 2) for at in range(0, len(bits), 8))


def test_an_unknown_file_opening_with_zeros_is_not_called_damaged_outright(tmp_path):
    """A disk image opens with zeros too: zeros where a header belongs say the file may be damaged."""
    path = tmp_path / "image.m4a"
    path.write_bytes(bytes(32768) + b"CD001" + np.random.default_rng(3).bytes(20000))
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert "\n" not in str(raised.value) and "it may be damaged" in str(raised.value), str(raised.value)


def test_a_4_75_kbit_amr_note_whose_first_frames_are_zeros_keeps_its_times(tmp_path):
    """Its zeros are read as frames of zeros, damage: a raw .amr states no start, and the timeline began at
    its first whole frame, every word 1.3 s early (28.02 s of 30.02, the end called cut)."""
    healthy = tmp_path / "note.amr"
    ffmpeg("-i", str(MEDIA / "en_voicenote.m4a"), "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb",
           "-b:a", "4.75k", str(healthy))
    data = healthy.read_bytes()
    path = tmp_path / "wiped.amr"
    path.write_bytes(data[:6] + bytes(1300) + data[6 + 1300:])
    expected = read_all(str(healthy))[0]
    _, audio, reader = read(path)
    assert len(audio) == len(expected) and abs(lag(audio, expected)) <= 16
    assert reader.damaged and reader.damaged[0][0] == 0 and not reader.truncated


def test_a_wipe_over_a_comfort_noise_frame_in_speech_keeps_the_times_after_it(tmp_path):
    """A phone's DTX note sends a 6-byte comfort-noise (SID) frame between words: wiped with the speech
    around it, the frames after the zeros lie 6 bytes off the speech frames' grid, and the walk mended its
    way back through false frames (0.48 s late). It goes on at the first whole frames after the zeros."""
    data = (MEDIA / "en_voicenote.amr").read_bytes()
    middle = 6 + 32 * 100
    healthy = tmp_path / "note.amr"
    healthy.write_bytes(data[:middle] + bytes([0x44]) + bytes(range(1, 6)) + data[middle:])
    data = healthy.read_bytes()
    at = middle - 300
    path = tmp_path / "wiped.amr"
    path.write_bytes(data[:at] + bytes(777) + data[at + 777:])
    expected = read_all(str(healthy))[0]
    _, audio, reader = read(path)
    assert abs(len(audio) - len(expected)) <= 320, (len(audio), len(expected))
    assert abs(lag(audio, expected)) <= 320
    assert any("stretch(es) of zero bytes" in note for note in reader.notes), reader.notes
