"""Hostile media, fifth round, built here with ffmpeg or bytes: the containers cameras, dictaphones
and older recorders write besides a phone's, encrypted WhatsApp files, stereo whose channels
cancel, WAV headers a writer got wrong, a tag whose length runs past the file, a fragmented MP4
cut short."""

from __future__ import annotations

import hashlib
import json
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media.damage import format_damaged
from app.core.media.decode import SAMPLE_RATE, probe, read_all
from app.core.media.intake import ENCRYPTED, find_media
from tests.conftest import MEDIA
from tests.test_cli import run_cli
from tests.test_hostile_media import ffmpeg


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


TONE = ("-f", "lavfi", "-i", "sine=frequency=440:duration=2")
PICTURE = ("-f", "lavfi", "-i", "testsrc=size=64x64:rate=25:duration=2")
OTHER_CONTAINERS = {  # name: what ffmpeg is told to write
    "dashcam.ts": (*PICTURE, *TONE, "-c:v", "mpeg2video", "-c:a", "mp2", "-f", "mpegts"),
    "camcorder.m2ts": (*TONE, "-c:a", "mp2", "-f", "mpegts", "-mpegts_m2ts_mode", "1"),
    "dvd.mpg": (*PICTURE, *TONE, "-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg"),
    "clip.flv": (*TONE, "-c:a", "libmp3lame", "-ar", "22050", "-f", "flv"),
    "long.w64": (*TONE, "-f", "w64"),
    "old.voc": (*TONE, "-c:a", "pcm_u8", "-f", "voc"),
    "lossless.wv": (*TONE, "-c:a", "wavpack", "-f", "wv"),
    "studio.tta": (*TONE, "-c:a", "tta", "-f", "tta"),
    "film.ac3": (*TONE, "-ar", "48000", "-c:a", "ac3", "-f", "ac3"),
    "note.mka": (*TONE, "-c:a", "libopus", "-f", "matroska"),
    "feature_phone.mmf": (*TONE, "-ar", "8000", "-c:a", "adpcm_yamaha", "-f", "mmf"),
    "archive.nut": (*TONE, "-c:a", "pcm_s16le", "-f", "nut"),
    "lab.sf": (*TONE, "-f", "ircam"),
}


@pytest.mark.parametrize("named", [True, False], ids=["named", "nameless"])
def test_containers_ffmpeg_reads_are_found_in_a_folder_by_name_or_content(tmp_path, named):
    """A body camera's .ts/.mts, a DVD's .mpg, a Flash video, a Wave64 or WavPack recording met in a
    folder were 'skipped: not a media file' (only phone formats were looked for): their words were
    never transcribed, though ffmpeg reads each. They are found by their name, or, renamed or
    nameless as a carving tool leaves them, by their first bytes."""
    for name, args in OTHER_CONTAINERS.items():
        ffmpeg(*args, str(tmp_path / name))
        if not named:
            (tmp_path / name).rename(tmp_path / f"carved_{Path(name).stem}.bin")
    met = list(find_media([str(tmp_path)]))
    assert len(met) == len(OTHER_CONTAINERS)
    for found in met:
        assert found.source is not None, (found.path, found.skipped, found.error)
        assert 1900 <= found.source.duration_ms <= 2300, found.path


def test_typescript_sources_in_a_folder_stay_skipped_not_failed(tmp_path):
    """'.ts' is TypeScript's name too: a transport stream is found by its content, and a source file
    named .ts is passed over as not media, never a failure."""
    (tmp_path / "app.ts").write_text("export const x: number = 1;\n" * 40)
    [found] = find_media([str(tmp_path)])
    assert found.source is None and found.error is None and found.skipped == "not a media file"


@pytest.mark.parametrize("name", ["msgstore.db.crypt14", "msgstore-2024-01-01.1.db.crypt15", "AUD-2024.opus.enc"])
def test_an_encrypted_whatsapp_file_is_named_as_encrypted(tmp_path, name):
    """A WhatsApp backup or media file still encrypted was 'not a media file' (or, named as an
    .opus, 'not a media file ffmpeg can read'): it says it is encrypted and what it needs."""
    path = tmp_path / name
    path.write_bytes(b"\x00\x01" + np.random.default_rng(3).bytes(50_000))
    before = _sha(path)
    [in_folder] = find_media([str(tmp_path)])
    [named] = find_media([str(path)])
    assert in_folder.skipped == ENCRYPTED and named.error == ENCRYPTED
    assert _sha(path) == before


def _wav(path: Path, planes: np.ndarray, rate: int = 16000) -> Path:
    """A plain 16-bit PCM WAV of (channels, samples) floats."""
    pcm = (np.clip(planes.T, -1, 1) * 32767).astype("<i2")
    channels = planes.shape[0]
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", pcm.nbytes) + pcm.tobytes()
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def _voice() -> np.ndarray:
    return read_all(str(MEDIA / "interview_mono.wav"))[0][: 20 * SAMPLE_RATE]


@pytest.mark.parametrize("channels, inverted", [(2, (1,)), (4, (2,)), (3, (0, 2))])
def test_a_channel_wired_in_opposite_polarity_does_not_cancel_the_voice(tmp_path, channels, inverted):
    """The same voice on two channels, one upside down (a balanced lead's pins swapped) was mixed
    by summing: the voice cancelled to silence and the transcript came out empty. The channel
    running opposite is turned over, the voice is as loud as on any one channel, and a warning
    names it."""
    voice = _voice()
    planes = np.stack([-voice if c in inverted else voice for c in range(channels)]) * 0.5
    path = _wav(tmp_path / "inverted.wav", planes)
    before = _sha(path)
    audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    single = float(np.sqrt(np.mean((0.5 * voice) ** 2)))
    assert float(np.sqrt(np.mean(audio ** 2))) > 0.6 * single
    assert any("opposite polarity" in note for note in reader.notes)
    assert _sha(path) == before


def test_stereo_in_step_or_with_two_voices_mixes_as_before_with_no_warning(tmp_path):
    """Channels in step (a phone's stereo) or carrying different voices are never turned over: the
    mix is ffmpeg's stereo downmix, (L + R) / sqrt(2), and no warning is written."""
    voice = _voice()
    other = np.roll(voice, 7 * SAMPLE_RATE)  # another stretch of the interview: a second voice
    for name, planes in (("same.wav", np.stack([voice, voice * 0.8])), ("two.wav", np.stack([voice, other]))):
        planes = planes * 0.5
        audio, reader = read_all(str(_wav(tmp_path / name, planes)))
        pcm = (np.clip(planes, -1, 1) * 32767).astype("<i2") / 32768  # as _wav wrote them
        expected = (pcm[0] * np.sqrt(0.5) + pcm[1] * np.sqrt(0.5)).astype(np.float32)
        assert np.abs(audio - expected).max() < 1e-5
        assert not any("polarity" in note for note in reader.notes)


def test_inverted_stereo_gets_its_words_from_the_cli(tmp_path):
    """The user's view: an inverted-stereo voice note had an empty transcript ('no speech found')."""
    voice = read_all(str(MEDIA / "en_voicenote.opus"))[0]
    (tmp_path / "ev").mkdir()
    path = _wav(tmp_path / "ev" / "inverted.wav", np.stack([voice, -voice]) * 0.7)
    result = run_cli("transcribe", str(path), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en", "--format", "json")
    assert result.returncode == 0, result.stderr
    run = json.loads((tmp_path / "out" / "inverted.json").read_text())
    text = " ".join(s["text"] for s in run["segments"]).lower()
    assert "station" in text and "money" in text
    assert any("opposite polarity" in w for w in run["warnings"])


def _chunk(kind: bytes, body: bytes, pad: bool = True) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if pad and len(body) % 2 else b"")


def _riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


FMT_MONO_16K = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)


@pytest.mark.parametrize("info", [b"INFOINAM\x05\x00\x00\x00Room2", b"x" * 33])
def test_a_wav_whose_odd_chunk_lacks_its_pad_byte_is_read_whole(tmp_path, info):
    """A writer that leaves out the pad byte after an odd-length chunk (a LIST of tags, a note)
    put ffmpeg one byte short of the data chunk: 'a WAV holding no audio', not a word read. The
    chunk is found where the writer put it and every sample is read, as from a well-formed file."""
    voice = (_voice()[: 4 * SAMPLE_RATE] * 32767).astype("<i2").tobytes()
    bad, good = tmp_path / "unpadded.wav", tmp_path / "padded.wav"
    bad.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), _chunk(b"LIST", info, pad=False), _chunk(b"data", voice)))
    good.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), _chunk(b"LIST", info), _chunk(b"data", voice)))
    before = _sha(bad)
    source = probe(bad)
    assert source.duration_ms == 4000 and source.sha256 == before
    audio, reader = read_all(str(bad), expected_ms=source.duration_ms)
    assert np.array_equal(audio, read_all(str(good))[0]) and not reader.truncated
    assert _sha(bad) == before


def test_samples_split_over_two_data_chunks_are_all_read_and_said_so(tmp_path):
    """A WAV whose samples a writer split over two data chunks was read to the end of the first
    alone: half the recording gone with no word said. Both are read, one after the other."""
    voice = (_voice()[: 6 * SAMPLE_RATE] * 32767).astype("<i2").tobytes()
    half = len(voice) // 2
    split, whole = tmp_path / "split.wav", tmp_path / "whole.wav"
    split.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), _chunk(b"data", voice[:half]), _chunk(b"data", voice[half:])))
    whole.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), _chunk(b"data", voice)))
    source = probe(split)
    assert source.duration_ms == 6000
    audio, reader = read_all(str(split), expected_ms=source.duration_ms)
    assert np.array_equal(audio, read_all(str(whole))[0])
    assert any("2 data chunks" in note for note in reader.notes)


def test_a_wav_stating_more_channels_than_ffmpeg_lays_out_names_the_number(tmp_path):
    """65,535 channels in the header was reported as 'the header declares 0 audio channels'; its block
    size and byte rate state one (session 27): read as one, the number named."""
    fmt = struct.pack("<HHIIHH", 1, 65535, 16000, 32000, 2, 16)
    path = tmp_path / "many.wav"
    path.write_bytes(_riff(_chunk(b"fmt ", fmt), _chunk(b"data", bytes(64000))))
    source = probe(path)
    assert source.channels == 1 and abs(source.duration_ms - 2000) < 5
    _, reader = read_all(str(path), expected_ms=source.duration_ms)
    assert any("its channel count stated as 65,535 (damaged): read as the 1" in note for note in reader.notes)


def test_a_wav_stating_more_channels_than_its_block_size_holds_names_the_number(tmp_path):
    """Where the block size and byte rate do not state the channels either, it stays refused."""
    fmt = struct.pack("<HHIIHH", 1, 65535, 16000, 32000, 3, 16)
    path = tmp_path / "many.wav"
    path.write_bytes(_riff(_chunk(b"fmt ", fmt), _chunk(b"data", bytes(64000))))
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert raised.value.reason.startswith("the header declares 65,535 audio channels (damaged)")


def test_an_mp3_whose_tag_states_a_length_past_the_file_is_still_read(tmp_path):
    """An ID3 tag whose size field says more than the file holds (a tagger's or a carving's
    damage) had ffmpeg skip the whole file: 'not a media file ffmpeg can read', the recording
    lost. The tag's frames are stepped over and every sample is read as from the intact file."""
    intact, damaged = tmp_path / "intact.mp3", tmp_path / "damaged.mp3"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "libmp3lame", "-id3v2_version", "3",
           "-metadata", "title=Voice note 14 March", str(intact))
    data = bytearray(intact.read_bytes())
    assert data[:3] == b"ID3"
    data[6:10] = b"\x7f\x7f\x7f\x7f"  # 256 MB
    damaged.write_bytes(bytes(data))
    before = _sha(damaged)
    source = probe(damaged)
    assert source.audio_codec.startswith("mp3") and abs(source.duration_ms - probe(intact).duration_ms) < 100
    audio, reader = read_all(str(damaged), expected_ms=source.duration_ms)
    assert np.array_equal(audio, read_all(str(intact))[0]) and not reader.truncated
    assert _sha(damaged) == before


def test_a_fragmented_mp4_cut_short_is_flagged_truncated(tmp_path):
    """A fragmented MP4 (a camera or a browser recording as it goes) states no total length; cut
    short, it decoded to its last whole fragment and read as complete, its lost ending unsaid.
    The last box claiming more than the file holds flags it cut; the intact file is not."""
    whole, cut = tmp_path / "whole.mp4", tmp_path / "cut.mp4"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov",
           "-frag_duration", "500000", str(whole))
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    before = _sha(cut)
    intact, reader = read_all(str(whole), expected_ms=probe(whole).duration_ms)
    assert not reader.truncated and not any("cut short" in note for note in reader.notes)
    audio, reader = read_all(str(cut), expected_ms=probe(cut).duration_ms)
    assert reader.truncated and any("cut short" in note for note in reader.notes)
    assert 0 < audio.size < intact.size
    assert _sha(cut) == before


def test_an_mp4_is_called_cut_for_a_box_past_its_end_never_for_junk_a_carving_kept(tmp_path):
    """An mdat box claiming more than the file holds is a cut; random bytes after the last box
    (a carving tool's tail) read as no box: that file is whole, not cut."""
    note, carved = tmp_path / "note.m4a", tmp_path / "carved.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", str(note))
    carved.write_bytes(note.read_bytes() + b"\x00\x10\x00\x00mdat" + np.random.default_rng(5).bytes(5000)[:2000])
    _, reader = read_all(str(carved), expected_ms=probe(carved).duration_ms)
    assert any("cut short" in note for note in reader.notes)  # an mdat header claiming 1 MB: a real cut
    carved.write_bytes(note.read_bytes() + np.random.default_rng(5).bytes(5000))
    _, reader = read_all(str(carved), expected_ms=probe(carved).duration_ms)
    assert not reader.truncated and not any("cut short" in note for note in reader.notes)


@pytest.mark.parametrize("kind", [b"LIST", b"bext", b"JUNK"])
def test_a_wav_whose_chunk_before_the_samples_claims_the_rest_of_the_file_is_read(tmp_path, kind):
    """A damaged length on a chunk before the samples (a LIST of tags, a broadcast WAV's bext)
    had ffmpeg step past the end of the file: 'a WAV holding no audio', every sample lost. The
    data chunk after it is found, every sample read, and the damage said."""
    voice = (_voice()[: 3 * SAMPLE_RATE] * 32767).astype("<i2").tobytes()
    tags = b"INFOINAM\x06\x00\x00\x00Room2\x00"
    damaged, clean = tmp_path / "damaged.wav", tmp_path / "clean.wav"
    damaged.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), kind + struct.pack("<I", 0x7FFFFFF0) + tags,
                              _chunk(b"data", voice)))
    clean.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), _chunk(b"data", voice)))
    before = _sha(damaged)
    source = probe(damaged)
    audio, reader = read_all(str(damaged), expected_ms=source.duration_ms)
    assert source.duration_ms == 3000 and np.array_equal(audio, read_all(str(clean))[0])
    assert any("past the end of the file" in note for note in reader.notes)
    assert _sha(damaged) == before


def test_a_wav_a_tagger_put_an_id3_tag_before_is_read(tmp_path):
    """An ID3 tag before a WAV's RIFF header (a tagging tool's doing) was 'not a media file
    ffmpeg can read'. It is read past, as before an M4A."""
    voice = (_voice()[: 3 * SAMPLE_RATE] * 32767).astype("<i2").tobytes()
    clean, tagged = tmp_path / "clean.wav", tmp_path / "tagged.wav"
    clean.write_bytes(_riff(_chunk(b"fmt ", FMT_MONO_16K), _chunk(b"data", voice)))
    frame = b"TIT2" + struct.pack(">I", 6) + b"\x00\x00" + b"\x00Room2"
    tagged.write_bytes(b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(frame) + 20]) + frame + bytes(20) + clean.read_bytes())
    source = probe(tagged)
    assert (source.container, source.duration_ms) == ("wav", 3000)
    assert np.array_equal(read_all(str(tagged))[0], read_all(str(clean))[0])


def _float_wav(path: Path, planes: np.ndarray) -> Path:
    """A 32-bit float WAV (format 3) of (channels, samples), NaN and infinities kept."""
    data = planes.T.astype("<f4").tobytes()
    channels = planes.shape[0]
    fmt = struct.pack("<HHIIHH", 3, channels, 16000, 16000 * 4 * channels, 4 * channels, 32)
    path.write_bytes(_riff(_chunk(b"fmt ", fmt), _chunk(b"data", data)))
    return path


@pytest.mark.parametrize("channels, broken", [(2, 1), (8, 5)])
def test_one_channel_of_not_numbers_leaves_the_others_heard(tmp_path, channels, broken):
    """One channel of a float recording holding NaN or infinite samples made every sample of the
    mix NaN: the whole recording 'damaged', the transcript empty, though every other channel was
    whole. The broken channel is left out where it is broken, no stretch is called damaged, a
    warning names the channel, and the numeric warnings of numpy never reach the user's screen."""
    voice = _voice()[: 4 * SAMPLE_RATE] * 0.5
    planes = np.stack([voice] * channels)
    planes[broken, ::2] = np.nan
    planes[broken, 1::2] = np.inf
    path = _float_wav(tmp_path / "broken.wav", planes)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
    assert np.all(np.isfinite(audio)) and float(np.sqrt(np.mean(audio ** 2))) > 0.5 * float(np.sqrt(np.mean(voice ** 2)))
    assert not any(note.startswith("damaged") for note in reader.notes)
    assert any(f"channel {broken + 1} holds samples that are not numbers" in note for note in reader.notes)


def test_every_channel_broken_at_once_is_still_named_damaged(tmp_path):
    voice = _voice()[: 3 * SAMPLE_RATE] * 0.5
    planes = np.stack([voice, voice])
    planes[:, SAMPLE_RATE:2 * SAMPLE_RATE] = np.nan
    audio, reader = read_all(str(_float_wav(tmp_path / "both.wav", planes)))
    assert "damaged 00:00:01.0-00:00:02.0" in reader.notes
    assert not np.any(audio[SAMPLE_RATE + 10:2 * SAMPLE_RATE - 10])


def test_a_single_lost_sample_on_a_tenths_edge_never_reads_as_empty():
    """One NaN sample at exactly 2.5 s was written 'damaged 00:02.5-00:02.5'."""
    assert format_damaged([(2500, 2500)]) == "damaged 00:00:02.5-00:00:02.6"


def test_a_damaged_track_timescale_is_never_read_as_a_day_of_hidden_audio(tmp_path):
    """An M4A whose track header states a timescale of 0 (damaged) had ffmpeg read each 64 ms AAC
    packet as 1024 s, and the warning said 'the edit list shows 6.0 s of the 99161.0 s of audio it
    holds: the 99155.0 s it hides are not transcribed' of a 6 s file: a claim the file does not
    make. What the packets can hold by their codec's frame size bounds the claim."""
    note = tmp_path / "note.m4a"
    ffmpeg("-i", str(MEDIA / "en_voicenote.opus"), "-c:a", "aac", str(note))
    data = bytearray(note.read_bytes())
    at = data.find(b"mdhd")
    struct.pack_into(">I", data, at + 16, 0)
    note.write_bytes(bytes(data))
    _, reader = read_all(str(note), expected_ms=probe(note).duration_ms)
    assert not any("edit list" in line for line in reader.notes)
