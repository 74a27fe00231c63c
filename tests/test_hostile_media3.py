"""Hostile media, fourth round, built here with ffmpeg or bytes: junk inside an Ogg longer than
ffmpeg searches across, AMR without its header or inside a CAF, folders that cannot be read,
a two-track M4A behind an ID3 tag, and what a phone extraction's folder may hold besides."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.media import streams as audio_streams
from app.core.media.decode import probe, read_all
from app.core.media.intake import find_media
from tests.conftest import MEDIA
from tests.test_hostile_media import dominant_hz, ffmpeg, rms

ID3_TAG = b"ID3\x04\x00\x00" + bytes([0, 0, 1, 0]) + b"TIT2" + bytes(124)  # a 128-byte tag body


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _two_tone_opus(path: Path, seconds: int = 30) -> Path:
    half = seconds // 2
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={half}", "-f", "lavfi",
           "-i", f"sine=frequency=1000:duration={half}", "-filter_complex", "[0][1]concat=n=2:v=0:a=1",
           "-c:a", "libopus", str(path))
    return path


def _page_starts(data: bytes) -> list[int]:
    return [at for at in range(len(data)) if data.startswith(b"OggS", at)]


@pytest.mark.parametrize("junk", [1_000, 100_000, 400_000])
def test_junk_inside_an_ogg_is_read_past_however_long(tmp_path, junk):
    """Over 64 kB of junk between two pages of a voice note (a carving tool's splice, a damaged
    copy) stopped ffmpeg's reader there: the rest was lost and the note flagged truncated. It is
    read past as shorter junk always was: every sample the note holds decodes, in place."""
    note = _two_tone_opus(tmp_path / "note.opus", 10)
    data = note.read_bytes()
    starts = _page_starts(data)
    mid = starts[len(starts) // 2]
    spliced = tmp_path / "spliced.opus"
    spliced.write_bytes(data[:mid] + np.random.default_rng(5).bytes(junk) + data[mid:])
    before = _sha(spliced)
    source = probe(spliced)
    audio, reader = read_all(str(spliced), expected_ms=source.duration_ms)
    assert np.array_equal(audio, read_all(str(note))[0])
    assert not reader.truncated and reader.notes == ()
    assert _sha(spliced) == before


def test_junk_over_an_oggs_pages_names_what_it_took_and_keeps_the_rest_in_place(tmp_path):
    """80 kB of pages overwritten mid-note: the stretch lost is named damaged; what follows keeps
    its time (the 1000 Hz half still at 15 s to 30 s), where it had all been lost."""
    note = _two_tone_opus(tmp_path / "note.opus", 30)
    data = bytearray(note.read_bytes())
    at = len(data) // 4
    data[at:at + 80_000] = np.random.default_rng(6).bytes(80_000)
    damaged = tmp_path / "damaged.opus"
    damaged.write_bytes(bytes(data))
    audio, reader = read_all(str(damaged), expected_ms=probe(damaged).duration_ms)
    assert abs(audio.size / 16000 - 30.0) < 0.2 and not reader.truncated
    assert abs(dominant_hz(audio, 16.0, 29.0) - 1000) < 10 and rms(audio, 16.0, 29.0) > 0.05
    [(start_ms, end_ms)] = reader.damaged
    lost_from, lost_to = at / len(data) * 30_000, (at + 80_000) / len(data) * 30_000  # at the file's mean rate
    assert lost_from - 1_500 < start_ms <= lost_from + 1_000 and lost_to - 500 <= end_ms < lost_to + 3_000
    assert reader.notes[0].startswith("damaged ")


def _amr_nb(path: Path, seconds: float, source: str | None = None) -> Path:
    audio_in = ["-i", source] if source else ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    ffmpeg(*audio_in, "-ar", "8000", "-ac", "1", "-c:a", "libopencore_amrnb", "-f", "amr", str(path))
    return path


@pytest.mark.parametrize("seconds", [1, 6])
def test_an_amr_voice_note_without_its_header_is_read_in_a_folder_or_named(tmp_path, seconds):
    """A phone's raw AMR (frames only, no '#!AMR' header) saved without an extension was passed
    over as 'not a media file' in a folder; a short one, named .amr, was 'not a media file ffmpeg
    can read' (ffmpeg needs 100 frames to know it). Both are read: the same audio as with the header."""
    with_header = _amr_nb(tmp_path / "with_header.amr", seconds)
    folder = tmp_path / "phone"
    folder.mkdir()
    (folder / "VOICE0001").write_bytes(with_header.read_bytes()[6:])
    named = tmp_path / "raw.amr"
    named.write_bytes(with_header.read_bytes()[6:])
    [found] = find_media([str(folder)])
    assert found.skipped is None and found.error is None and found.source is not None
    expected = read_all(str(with_header))[0]
    for path in (Path(found.path), named):
        audio, reader = read_all(str(path), expected_ms=probe(path).duration_ms)
        assert np.array_equal(audio, expected) and not reader.truncated
    assert probe(named).duration_ms == probe(with_header).duration_ms


@pytest.mark.parametrize("content", [bytes(5000), b"\x7c" * 5000, "random"])
def test_bytes_that_only_resemble_amr_frames_stay_not_media(tmp_path, content):
    """Zeros, a run of NO_DATA frames or random bytes are not taken for a headerless AMR."""
    folder = tmp_path / "phone"
    folder.mkdir()
    data = np.random.default_rng(2).bytes(5000) if content == "random" else content
    (folder / "blob").write_bytes(data)
    [found] = find_media([str(folder)])
    assert found.skipped == "not a media file" and found.source is None


WB_SIZES = [18, 24, 33, 37, 41, 47, 51, 59, 61]


def _varint(n: int) -> bytes:
    out = [n & 0x7F]
    while n := n >> 7:
        out.append(0x80 | (n & 0x7F))
    return bytes(reversed(out))


def _caf(frames: list[bytes], fourcc: bytes, rate: float, samples_per_frame: int) -> bytes:
    """A CAF as an iPhone writes it: desc, pakt (each packet's size), data."""
    desc = struct.pack(">d4sIIIII", rate, fourcc, 0, 0, samples_per_frame, 1, 0)
    table = struct.pack(">qqii", len(frames), len(frames) * samples_per_frame, 0, 0) + b"".join(
        _varint(len(f)) for f in frames)
    body = b"".join(frames)
    return (b"caff" + struct.pack(">HH", 1, 0) + b"desc" + struct.pack(">q", len(desc)) + desc
            + b"pakt" + struct.pack(">q", len(table)) + table
            + b"data" + struct.pack(">q", len(body) + 4) + bytes(4) + body)


def test_amr_wb_in_a_caf_is_decoded_not_called_a_codec_ffmpeg_lacks(tmp_path):
    """An iPhone's CAF holding AMR-WB ('sawb') was 'its audio is in a codec or sample format
    ffmpeg cannot decode': ffmpeg decodes AMR-WB, its CAF reader lacks the tag. The frames
    decode exactly as the same frames in an .awb file."""
    rng = np.random.default_rng(7)
    modes = rng.integers(0, 9, 250)  # 5 s of 20 ms frames, the rate changing as a phone's does
    frames = [bytes([(int(m) << 3) | 0x04]) + rng.bytes(WB_SIZES[m] - 1) for m in modes]
    caf, awb = tmp_path / "note.caf", tmp_path / "note.awb"
    caf.write_bytes(_caf(frames, b"sawb", 16000.0, 320))
    awb.write_bytes(b"#!AMR-WB\n" + b"".join(frames))
    before = _sha(caf)
    source = probe(caf)
    assert (source.container, source.audio_codec) == ("caf", "amrwb")
    audio, reader = read_all(str(caf), expected_ms=source.duration_ms)
    assert audio.size == 5 * 16000 and np.array_equal(audio, read_all(str(awb))[0])
    assert not reader.truncated and _sha(caf) == before == source.sha256


def _as_nobody(paths: list[str]) -> list[tuple[str, str | None, str | None]]:
    """find_media run by an unprivileged user (root reads any folder): a forked child drops to
    'nobody' and sends back what it met."""
    if os.geteuid() != 0:
        return [(f.path, f.skipped, f.error) for f in find_media(paths)]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgid(65534)
            os.setuid(65534)
            os.write(write, json.dumps([(f.path, f.skipped, f.error) for f in find_media(paths)]).encode())
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 1 << 16):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return [tuple(row) for row in json.loads(data)]


def test_a_folder_that_cannot_be_read_or_entered_says_so_in_words(tmp_path):
    """A locked folder inside an extraction read a bare 'Permission denied'; a file named in a
    folder that can be listed but not entered raised PermissionError out of intake (a traceback
    in the window, the whole command stopped by one file)."""
    top = Path(tempfile.mkdtemp(prefix="parley-perm-"))  # beyond tmp_path, which 'nobody' cannot enter
    try:
        top.chmod(0o755)
        phone = top / "phone"
        for sub in ("locked", "listed_only"):
            (phone / sub).mkdir(parents=True)
            shutil.copy(MEDIA / "en_voicenote.opus", phone / sub / "note.opus")
        shutil.copy(MEDIA / "en_voicenote.opus", phone / "ok.opus")
        (phone / "locked").chmod(0o000)
        (phone / "listed_only").chmod(0o644)
        behind = str(phone / "listed_only" / "note.opus")
        met = {os.path.relpath(path, phone): (skipped, error)
               for path, skipped, error in _as_nobody([behind, str(phone), str(phone / "locked")])}
    finally:
        for sub in ("locked", "listed_only"):
            (top / "phone" / sub).chmod(0o755)
        shutil.rmtree(top)
    assert met == {
        "listed_only/note.opus": (None, "permission denied (a folder on its path cannot be entered)"),
        "ok.opus": (None, None),
        "locked": (None, "unreadable folder (permission denied): the files in it were not looked at"),
    }


def test_the_speech_stream_of_an_id3_tagged_m4a_with_two_tracks_is_found(tmp_path):
    """The scan for the track holding speech opened the file without reading past the ID3 tag:
    every track measured 'no speech', so the silent first track was transcribed."""
    plain, tagged = tmp_path / "two.m4a", tmp_path / "two_tagged.m4a"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-i", str(MEDIA / "en_voicenote.m4a"),
           "-map", "0:a", "-map", "1:a", "-shortest", "-c:a", "aac", str(plain))
    tagged.write_bytes(ID3_TAG + plain.read_bytes())
    streams = tuple(probe(tagged).audio_streams)
    assert [s.speech_ms > 3000 for s in streams] == [False, True]
    assert audio_streams.speech_stream_index(tagged, streams) == streams[1].index
    audio, reader = read_all(str(tagged))
    assert rms(audio, 0.5, 3.0) > 0.01 and "transcribed audio stream #1" in reader.notes[0]


def test_a_missing_file_and_a_link_to_nothing_still_say_so(tmp_path):
    os.symlink(tmp_path / "gone.opus", tmp_path / "dangling.opus")
    for name, reason in (("absent.opus", "no such file"),
                         ("dangling.opus", "a symbolic link to nothing (its target is missing, or links loop)")):
        with pytest.raises(MediaError) as raised:
            probe(tmp_path / name)
        assert raised.value.reason == reason


def _eight_channels(path: Path, speaking: int) -> Path:
    """An 8-channel WAV with no channel positions (a multitrack recorder's), speech on one channel."""
    import wave

    voice, _ = read_all(str(MEDIA / "en_voicenote.m4a"))
    pcm = np.zeros((voice.size, 8), "<i2")
    pcm[:, speaking] = (voice * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(8)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(pcm.tobytes())
    return path


@pytest.mark.parametrize("speaking", [3, 7])
def test_every_channel_of_a_multitrack_recording_is_heard(tmp_path, speaking):
    """ffmpeg reads 8 channels without positions as 7.1 and its downmix leaves out the LFE
    channel (the fourth): a multitrack recorder's fourth microphone was silence, 'no speech
    found' over a recording of speech. Every channel now counts alike."""
    wav = _eight_channels(tmp_path / "eight.wav", speaking)
    mono, reader = read_all(str(wav), expected_ms=probe(wav).duration_ms)
    channels, _ = read_all(str(wav), mono=False)
    assert channels.shape[0] == 8 and rms(channels[speaking], 0.5, 5.5) > 0.02
    assert np.allclose(mono, channels.mean(axis=0), atol=1e-6)
    assert rms(mono, 0.5, 5.5) > rms(channels[speaking], 0.5, 5.5) / 10 and not reader.truncated


@pytest.mark.parametrize("moment", ["while its header is read", "while it is hashed"])
def test_a_file_still_being_written_while_it_is_read_is_refused_not_recorded(tmp_path, monkeypatch, moment):
    """A recorder still writing its WAV (its sizes left unset) when the folder was taken in: the
    file was hashed while it grew and then its size taken, so the case recorded a SHA-256 of
    one length beside a size of another, and the job failed later as 'changed since it was
    taken in'. It is refused at once, in words. The recorder writes at a set point of the probe
    (after the header is read, or once hashing has begun), never 'some time' a thread gets to:
    under load a writer thread could be scheduled only after the probe had finished."""
    from app.core import hashing
    from app.core.media import probing

    wav = tmp_path / "recording.wav"
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    wav.write_bytes(b"RIFF\xff\xff\xff\xffWAVEfmt " + struct.pack("<I", 16) + fmt + b"data\xff\xff\xff\xff"
                    + bytes(64_000))
    written: list[int] = []

    def record() -> None:  # the recorder appends one more block, through its own handle
        with open(wav, "ab") as out:
            out.write(np.full(1600, 300, dtype="<i2").tobytes())
        written.append(wav.stat().st_size)

    if moment == "while its header is read":
        read_header = probing._read_header

        def header_then_write(*args):
            described = read_header(*args)
            record()
            return described
        monkeypatch.setattr(probing, "_read_header", header_then_write)
    else:
        class Recording:  # the probe's handle; the recorder writes once its first chunk was read
            def __init__(self, handle):
                self.handle = handle

            def seek(self, *args):
                return self.handle.seek(*args)

            def read(self, size=-1):
                chunk = self.handle.read(min(size, 4096) if size and size > 0 else 4096)
                if not written:
                    record()
                return chunk
        monkeypatch.setattr(probing, "sha256_handle", lambda handle: hashing.sha256_handle(Recording(handle)))
    with pytest.raises(MediaError) as raised:
        probe(wav)
    assert written, "the recorder never wrote"
    found = re.fullmatch(r"the file changed while it was read \(([\d,]+) bytes, then ([\d,]+): still being written, "
                         r"or replaced\); not taken in", raised.value.reason)
    assert found and int(found[1].replace(",", "")) == 64_044 and int(found[2].replace(",", "")) == written[0]


@pytest.mark.parametrize(("name", "kind"), [
    ("report.m4a", "a PDF document"),
    ("video.mp4", "a ZIP archive: an app, an Office document or a chat export may be one"),
    ("note.opus", "its first 65,536 bytes are all zero: never written, wiped, or a disk's empty space"),
])
def test_a_file_disguised_as_a_recording_is_named_for_what_it_is(tmp_path, name, kind):
    """A PDF saved as .m4a, a zip renamed .mp4, a note of nothing but zeros (a carved file's
    empty space) each read 'not a media file ffmpeg can read', saying nothing of what it is."""
    import zipfile

    path = tmp_path / name
    if kind.startswith("a PDF"):
        path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(3000))
    elif kind.startswith("a ZIP"):
        with zipfile.ZipFile(path, "w") as archive:
            archive.write(MEDIA / "en_voicenote.opus", "en_voicenote.opus")
    else:
        path.write_bytes(bytes(100_000))
    with pytest.raises(MediaError) as raised:
        probe(path)
    assert raised.value.reason == f"not a media file ffmpeg can read ({kind})"


def test_a_2_gb_file_of_zeros_is_refused_without_being_read_into_memory(tmp_path):
    """A sparse 2 GB 'recording' of zeros (a disk image's hole, a file allocated and never
    written): refused in a moment with its reason, the process staying small."""
    import subprocess
    import sys

    big = tmp_path / "call.wav"
    with open(big, "wb") as out:
        out.truncate(2 << 30)
    # the peak of this program's own memory (VmHWM); ru_maxrss would carry over the peak of the
    # process it was forked from (pytest's own, over 1.5 GB late in the suite)
    code = ("import re, sys; from app.core.media.intake import find_media; "
            "[f] = find_media([sys.argv[1]]); print(f.error); "
            "print(int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]) // 1024)")
    child = subprocess.run([sys.executable, "-c", code, str(big)], capture_output=True, text=True, timeout=300,
                           cwd=Path(__file__).resolve().parents[1], check=False)
    error, peak_mb = child.stdout.strip().splitlines()
    assert error == ("not a media file ffmpeg can read (its first 65,536 bytes are all zero: never written, wiped, "
                     "or a disk's empty space)")
    assert int(peak_mb) < 400 and big.stat().st_size == 2 << 30


def _deep(top: Path, levels: int = 22) -> Path:
    """A folder nested past the 4,096 bytes a path may have (a phone's app data, copied whole);
    made one level at a time from inside the last, as a path that long cannot be named."""
    here = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d" * 200, dir_fd=here)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = inner
        data = (MEDIA / "en_voicenote.opus").read_bytes()
        note = os.open("note.opus", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here)
        os.write(note, data)
        os.close(note)
    finally:
        os.close(here)
    return top.joinpath(*["d" * 200] * levels, "note.opus")


def test_a_folder_nested_past_the_longest_path_is_accounted_for_not_a_traceback(tmp_path):
    """A folder nested past 4,096 bytes of path stopped intake with 'OSError: File name too
    long' (a traceback in the window; the command's one line 'File name too long' named no
    file and nothing else in the inputs was taken). The folder it cannot enter and a file too
    deep to open are each named with the reason; everything else is taken as before."""
    from app.core.names import shortened
    from tests.test_intake_accounting import run_cli

    phone = tmp_path / "phone"
    phone.mkdir()
    shutil.copy(MEDIA / "en_voicenote.opus", phone / "near.opus")
    note = _deep(phone)
    met = {len(os.fsencode(f.path)): f for f in find_media([str(phone), str(note)])}
    too_long = "its path is too long for the system to open: {:,} bytes, move or copy it nearer the top"
    near = met.pop(len(os.fsencode(str(phone / "near.opus"))))
    assert near.source is not None
    [(folder_len, folder), (note_len, deep_note)] = sorted(met.items())
    assert folder.error == f"unreadable folder ({too_long.format(folder_len)}): the files in it were not looked at"
    assert deep_note.error == f"unreadable ({too_long.format(note_len)})" and note_len == len(os.fsencode(str(note)))
    result = run_cli("transcribe", str(note), "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"),
                     "--model", "tiny.en")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{shortened(str(note))}: unreadable ({too_long.format(note_len)})"


def test_an_amr_voice_note_with_pauses_sent_as_comfort_noise_is_whole(tmp_path):
    """A phone's AMR encoder sends pauses as comfort-noise (SID) and NO_DATA frames (DTX).
    ffmpeg's own decoder refuses them: a 26 s note with 20 s of pause after 6 s of speech
    decoded 5.9 s, 'damaged' through its pauses, flagged truncated, and was recorded as 6.9 s
    long (the bitrate of its first frames). It decodes whole, at its true length, undamaged."""
    note = tmp_path / "dtx.amr"
    ffmpeg("-i", str(MEDIA / "en_voicenote.m4a"), "-af", "apad=pad_dur=20", "-ar", "8000", "-ac", "1",
           "-c:a", "libopencore_amrnb", "-dtx", "1", str(note))
    data = note.read_bytes()
    assert data.count(b"\x7c") > 500  # NO_DATA frames are there (their 1-byte TOC, 0x7C)
    source = probe(note)
    audio, reader = read_all(str(note), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - audio.size / 16) < 1 and abs(audio.size / 16000 - 26.1) < 0.1
    assert not reader.truncated and reader.notes == () and reader.damaged == ()
    assert rms(audio, 0.5, 5.5) > 0.02 and rms(audio, 8.0, 25.0) < 0.01


@pytest.mark.parametrize(("ext", "codec", "extra"), [("mp3", "libmp3lame", []), ("mp3", "libmp3lame", ["-write_xing", "0"]),
                                                      ("aac", "aac", [])])
def test_junk_inside_an_mp3_or_adts_file_is_not_called_a_lost_ending(tmp_path, ext, codec, extra):
    """An MP3 or ADTS AAC with 100 kB of junk spliced in: ffmpeg took its length from the file's
    size (no Xing header, or one the file outgrew), 32 s for 20 s of sound; the note was flagged
    truncated and 'damaged 00:20.4-00:32.6' named a loss past its end. Its length is measured from
    its packets: the junk alone is named."""
    source = tmp_path / f"source.{ext}"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=20", "-c:a", codec, *extra, str(source))
    data = source.read_bytes()
    spliced = tmp_path / f"spliced.{ext}"
    spliced.write_bytes(data[:len(data) // 2] + np.random.default_rng(8).bytes(100_000) + data[len(data) // 2:])
    info = probe(spliced)
    audio, reader = read_all(str(spliced), expected_ms=info.duration_ms)
    assert abs(info.duration_ms - audio.size / 16) < 100 and not reader.truncated
    assert all(end <= audio.size / 16 + 50 for _, end in reader.damaged)
    assert rms(audio, audio.size / 16000 - 3, audio.size / 16000 - 0.5) > 0.05
