"""Hostile media, round 23: an M4A (AAC) voice note whose index (moov) is missing or cut; ffmpeg's
log level raised by one thread's CAF repair while others decode.

A phone recorder killed mid-recording leaves an M4A's AAC frames whole with no index after them:
the file was refused whole ('an MP4/MOV without its index'), its words lost. A CAF repair raised
ffmpeg's process-wide log level for the length of a decode and put it back after: another thread's
ffmpeg errors meanwhile went to Python's logging (printed), and two threads doing it at once left
one of them hearing nothing of its own decoder's errors."""

from __future__ import annotations

import logging
import struct
import threading
from pathlib import Path

import av
import av.logging
import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.caf_entries import varints
from app.core.media.decode import probe, read_all
from app.core.media.ffmpeg_log import captured
from tests.conftest import MEDIA
from tests.media_helpers import transcribed_alone
from tests.test_hostile_media import rms
from tests.test_hostile_media12 import ffmpeg, pages, sealed
from tests.test_hostile_media13 import caf_entry_changed

BURSTS = "sine=frequency=440:duration=9,volume='if(lt(mod(t,3),1),1,0)':eval=frame"  # sound at 0-1, 3-4, 6-7 s


def box_at(data: bytes, kind: bytes) -> tuple[int, int]:
    """(where, size) of the top-level box of this kind."""
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        size = int.from_bytes(data[at + 8:at + 16], "big") if size == 1 else size or len(data) - at
        if data[at + 4:at + 8] == kind:
            return at, size
        at += size
    raise AssertionError(kind)


def without_moov(data: bytes, keep: int = 0) -> bytes:
    """The file as a recorder killed before writing its index leaves it: the moov taken out
    (`keep` of its first bytes left at the file's end: an index cut while it was written)."""
    at, size = box_at(data, b"moov")
    return data[:at] + data[at + size:] + data[at:at + keep]


@pytest.fixture(scope="module")
def m4a(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m4a")

    def make(rate: int, channels: int) -> bytes:
        path = folder / f"note-{rate}-{channels}.m4a"
        if not path.exists():
            ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", str(rate), "-ac", str(channels), "-c:a", "aac", str(path))
        return path.read_bytes()
    return make


def assert_bursts_in_place(audio) -> None:
    for start in (0, 3, 6):
        assert rms(audio, start + 0.2, start + 0.8) > 0.05, (start, rms(audio, start + 0.2, start + 0.8))
        assert rms(audio, start + 1.3, start + 2.7) < 0.01, (start, rms(audio, start + 1.3, start + 2.7))


@pytest.mark.parametrize("rate,channels", [(48000, 1), (16000, 1), (48000, 2), (32000, 1), (8000, 1)])
def test_an_m4a_without_its_index_is_read_from_its_aac_frames(tmp_path, m4a, rate, channels):
    path = tmp_path / "note.m4a"
    path.write_bytes(without_moov(m4a(rate, channels)))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    frame_ms = 1024 * 1000 / rate  # the encoder's priming and last frame's padding, which the index trimmed
    assert abs(source.duration_ms - 9000) < 2 * frame_ms + 20 and source.audio_codec == "aac", source
    assert source.audio_streams[0].duration_ms == source.duration_ms, source
    assert source.container.startswith("mov,"), source.container  # what the file is, not how it was read
    assert abs(len(audio) / 16 - 9000) < 2 * frame_ms + 20, len(audio) / 16000
    assert_bursts_in_place(audio)
    assert any("without its index" in note and "AAC frames" in note for note in reader.notes), reader.notes
    assert not reader.truncated and reader.damaged == ()


@pytest.mark.parametrize("stated", [0, 8, "64-bit 0"], ids=["to-the-end", "header-only", "large-size-unset"])
def test_an_m4a_without_its_index_whose_media_data_size_was_never_written_is_read(tmp_path, m4a, stated):
    """A recorder writes the media data's size when it stops: killed first, the field holds what it
    wrote at the start (0, the header's own 8 bytes, or a 64-bit size of 0)."""
    data = without_moov(m4a(48000, 1))
    at, _ = box_at(data, b"mdat")
    if stated == "64-bit 0":
        data = data[:at] + struct.pack(">I4sQ", 1, b"mdat", 0) + data[at + 8:]
    else:
        data = data[:at] + struct.pack(">I", stated) + data[at + 4:]
    path = tmp_path / "note.m4a"
    path.write_bytes(data)
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(len(audio) / 16 - 9000) < 2 * 1024 / 48 + 20, len(audio) / 16000
    assert_bursts_in_place(audio)
    assert any("AAC frames" in note for note in reader.notes), reader.notes


def test_a_3gp_without_its_index_whose_media_data_size_states_only_its_header_is_read(tmp_path):
    whole = tmp_path / "whole.3gp"
    ffmpeg("-f", "lavfi", "-i", BURSTS, "-ar", "8000", "-c:a", "libopencore_amrnb", str(whole))
    data = without_moov(whole.read_bytes())
    at, _ = box_at(data, b"mdat")
    path = tmp_path / "note.3gp"
    path.write_bytes(data[:at] + struct.pack(">I", 8) + data[at + 4:])
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 9000) < 100, source.duration_ms
    assert_bursts_in_place(audio)
    assert any("AMR-NB frames" in note for note in reader.notes), reader.notes


@pytest.mark.parametrize("kept", [b"esds", b"mdhd"], ids=["to-its-aac-configuration", "to-its-track-clock"])
def test_an_m4a_whose_index_is_cut_is_read_at_the_rate_its_remains_state(tmp_path, m4a, kept):
    """44.1 kHz decodes alike to 48 kHz: the AAC configuration (or the track's timescale) left in a
    cut index settles it."""
    data = m4a(44100, 1)
    at, _ = box_at(data, b"moov")
    path = tmp_path / "note.m4a"
    path.write_bytes(without_moov(data, keep=data.index(kept) + 40 - at))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 9000) < 150, source.duration_ms
    assert_bursts_in_place(audio)
    assert any("44,100 Hz" in note and "as what is left of its index states" in note for note in reader.notes), \
        reader.notes


def test_an_m4a_without_its_index_at_an_untold_rate_says_which_it_took(tmp_path, m4a):
    path = tmp_path / "note.m4a"
    path.write_bytes(without_moov(m4a(44100, 1)))
    _, reader = read_all(str(path))
    assert any("48 kHz" in note and "44.1 kHz decodes alike" in note for note in reader.notes), reader.notes


def test_an_m4a_cut_inside_its_media_data_keeps_the_frames_before_the_cut_and_is_truncated(tmp_path, m4a):
    data = without_moov(m4a(48000, 1))
    whole = tmp_path / "whole.m4a"
    whole.write_bytes(data)
    reference, _ = read_all(str(whole))
    start, _ = box_at(data, b"mdat")
    path = tmp_path / "note.m4a"
    path.write_bytes(data[:start + (len(data) - start) * 2 // 3 + 3])  # mid-frame, past the second burst
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert 4.0 < len(audio) / 16000 < 8.5 and abs(source.duration_ms - len(audio) / 16) < 30, len(audio) / 16000
    assert np.allclose(audio[:16000 * 4], reference[:16000 * 4], atol=1e-4)  # the same sound, in its place
    assert reader.truncated and any("cut short" in note for note in reader.notes), reader.notes


def test_an_index_less_mp4_whose_media_data_is_not_aac_or_amr_says_what_was_tried(tmp_path):
    whole = tmp_path / "whole.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=5:duration=9", "-f", "lavfi", "-i", BURSTS,
           "-c:v", "mpeg4", "-c:a", "libopus", str(whole))
    path = tmp_path / "clip.mp4"
    path.write_bytes(without_moov(whole.read_bytes()))
    with pytest.raises(MediaError, match="without its index.*AAC-LC frames.*is neither"):
        probe(path)


def test_the_words_of_an_m4a_note_without_its_index_are_transcribed(tmp_path):
    run = transcribed_alone(tmp_path, "note.m4a", without_moov((MEDIA / "en_voicenote.m4a").read_bytes()))
    text = " ".join(s["text"] for s in run["segments"]).lower()
    assert "bring the money" in text and "package" in text, text
    assert any("without its index" in w for w in run["warnings"]), run["warnings"]


def test_a_capture_does_not_let_another_threads_ffmpeg_errors_through_to_logging(caplog):
    inside, said = threading.Event(), threading.Event()

    def capturing() -> None:
        with captured():
            inside.set()
            said.wait(10)

    thread = threading.Thread(target=capturing)
    thread.start()
    assert inside.wait(10)
    with caplog.at_level(logging.DEBUG, logger="libav"):
        av.logging.log(av.logging.ERROR, "other", "an error of another thread's decode")
    said.set()
    thread.join(10)
    assert not [r for r in caplog.records if r.name.startswith("libav")], caplog.records
    assert av.logging.get_level() is None


def test_two_threads_capturing_at_once_each_hear_their_own_errors():
    first_in, first_out, second_in = threading.Event(), threading.Event(), threading.Event()
    heard: dict[str, list] = {}

    def first() -> None:
        with captured() as logs:
            first_in.set()
            second_in.wait(10)
        heard["first"] = list(logs)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with captured() as logs:
            second_in.set()
            first_out.wait(10)  # the first is done: its capture put back what it found
            av.logging.log(av.logging.ERROR, "alac", "bits left")
            av.logging.log(av.logging.ERROR, "alac", "bits left")  # the same again: heard again
        heard["second"] = list(logs)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [log[2] for log in heard["second"]] == ["bits left", "bits left"], heard
    assert heard["first"] == [], heard
    assert av.logging.get_level() is None and av.logging.get_skip_repeated()


def aac_caf(m4a: Path) -> bytes:
    """An iPhone app's AAC note in a CAF (ffmpeg writes none): the M4A's packets, its AAC
    configuration as the CAF's magic cookie, a packet table of their sizes."""
    with av.open(str(m4a)) as container:
        stream = container.streams.audio[0]
        rate, packets = stream.codec_context.sample_rate, [bytes(p) for p in container.demux(stream) if p.size]
    raw = m4a.read_bytes()
    at = raw.index(b"esds")
    cookie = raw[at + 8:at - 4 + int.from_bytes(raw[at - 4:at], "big")]
    desc = struct.pack(">d4sIIIII", float(rate), b"aac ", 2, 0, 1024, 1, 0)
    pakt = struct.pack(">qqii", len(packets), len(packets) * 1024, 0, 0) + varints([len(p) for p in packets])

    def chunk(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack(">q", len(body)) + body
    return (b"caff\x00\x01\x00\x00" + chunk(b"desc", desc) + chunk(b"kuki", cookie) + chunk(b"pakt", pakt)
            + chunk(b"data", b"\0\0\0\0" + b"".join(packets)))


@pytest.mark.parametrize(("codec", "damage"), [("alac", ((5, 30), (15, -20), (25, 50))),
                                               ("alac", ((3, 9), (20, 60), (28, -30))),
                                               ("aac", ((5, 30), (40, -20), (80, 50)))],
                         ids=["alac-apart", "alac-early-and-late", "aac"])
def test_a_caf_whose_packet_table_states_three_packets_sizes_wrong_is_read_whole(tmp_path, codec, damage):
    """Three damaged sizes in an iPhone app's ALAC or AAC note: read as 1.5 s of 8, the rest
    'damaged', truncated, its last bytes 'cannot be located'. All three are put right: the same
    samples as the note undamaged."""
    whole = tmp_path / "whole.caf"
    made = tmp_path / ("whole.caf" if codec == "alac" else "whole.m4a")
    ffmpeg("-i", str(MEDIA / "interview_mono.wav"), "-t", "8", "-ar", "16000", "-ac", "1", "-c:a", codec, str(made))
    if codec == "aac":
        whole.write_bytes(aac_caf(made))
    data = whole.read_bytes()
    for packet, by in damage:
        data = caf_entry_changed(data, packet, by)
    path = tmp_path / "note.caf"
    path.write_bytes(data)
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert source.duration_ms == probe(whole).duration_ms
    assert np.array_equal(audio, read_all(str(whole))[0]) and not reader.truncated and not reader.damaged
    assert all(f"packet {packet + 1} as" in reader.notes[0] for packet, _ in damage), reader.notes
    assert "3 damaged entries" in reader.notes[0], reader.notes


def test_an_opus_note_shorter_than_its_damaged_pre_skip_says_none_of_it_is_heard(tmp_path):
    """A 0.6 s note whose damaged header's pre-skip reads 65,535 samples (1.4 s): nothing decodes,
    and the run said only that 'the first 1.4 s' were dropped, as if the rest were heard."""
    note = tmp_path / "note.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.6", "-c:a", "libopus", str(note))
    split = pages(note.read_bytes())
    head = split[0]
    struct.pack_into("<H", head, 27 + head[26] + 10, 65535)
    note.write_bytes(sealed(head) + b"".join(bytes(page) for page in split[1:]))
    info = probe(note)
    audio, reader = read_all(str(note), expected_ms=info.duration_ms)
    assert len(audio) < 0.05 * 16000, len(audio)  # nothing of it heard
    assert any("longer than the whole recording (0.6 s): none of it is heard" in note for note in reader.notes), \
        reader.notes


def test_an_m4a_without_its_index_damaged_inside_keeps_the_frames_after_the_damage(tmp_path, m4a):
    """A run of damaged bytes inside the media data: the frames after it are found again (each
    opening as the frames do), not lost with the rest of the note, and the damage is named."""
    data = bytearray(without_moov(m4a(48000, 1)))
    start, _ = box_at(bytes(data), b"mdat")
    at = start + (len(data) - start) * 45 // 100  # inside the second burst
    data[at:at + 300] = bytes(300)
    path = tmp_path / "note.m4a"
    path.write_bytes(bytes(data))
    source = probe(path)
    audio, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert 8.8 < len(audio) / 16000 < 9.1, len(audio) / 16000  # a few frames lost, not the rest of the note
    assert rms(audio, 6.2, 6.8) > 0.05 and rms(audio, 7.3, 8.7) < 0.01  # the last burst in its place
    assert any("do not decode (damaged, or not sound) and are left out" in note for note in reader.notes), reader.notes
