"""Hostile media, third round, built here with ffmpeg or bytes: names that differ only by case
or accent form or end in '.manifest', WAV headers claiming hours or a rate no recording has,
edit lists hiding sound, ID3 before an M4A, carved files with junk after them, a Mac's '._'
twins, links to nothing, and the window's intake and export paths."""

from __future__ import annotations

import hashlib
import os
import struct
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from app.core.errors import MediaError
from app.core.evidence.export_set import manifest_name, write_set
from app.core.export import render_transcript
from app.core.export.record import source_rows
from app.core.media.decode import probe, read_all
from app.core.media.intake import find_media
from app.core.names import output_names
from tests.test_export import make_transcript
from tests.test_hostile_media import dominant_hz, ffmpeg, rms


def _wav(path: Path, rate: int = 8000, seconds: float = 5.0, stated_s: float | None = None) -> Path:
    """A 16-bit mono WAV of a 440 Hz tone, its header's rate and data size as given."""
    samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(8000 * seconds)) / 8000) * 32767).astype("<i2")
    data = samples.tobytes()
    stated = len(data) if stated_s is None else int(stated_s * rate * 2)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2 % 2**32, 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", (36 + stated) % 2**32) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", stated % 2**32) + data)
    return path


def test_names_differing_only_by_case_or_accent_form_never_share_an_export(tmp_path):
    """'Note.opus', 'note.opus' and 'NOTE.OPUS' were exported as Note.json, note.json and
    NOTE.json: on the exFAT stick or NTFS/macOS disk an investigator exports to, one name, each
    set writing over the one before. So were 'café' typed composed and decomposed (a macOS name)."""
    nfc, nfd = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    paths = ["/x/Note.opus", "/x/note.opus", "/y/NOTE.OPUS", f"/x/{nfc}.m4a", f"/x/{nfd}.m4a", "/x/other.opus"]
    names = output_names(paths)
    folded = [unicodedata.normalize("NFC", name).casefold() for name in names.values()]
    assert len(set(folded)) == len(paths)
    assert names["/x/other.opus"] == "other"
    for name in names.values():
        write_set(tmp_path, name, [(f"{name}.json", b"{}")], {})
    manifests = [p.name for p in tmp_path.iterdir() if p.name.endswith(".manifest.json")]
    assert len({unicodedata.normalize("NFC", m).casefold() for m in manifests}) == len(paths)
    assert all(manifest_name(name) in manifests for name in names.values())


def test_a_truncated_source_is_not_said_to_decode_to_its_stated_length(tmp_path):
    """A WAV whose header states 6 hours holds 5 s: its exports read 'duration 06:00:00.000
    (TRUNCATED: the file is decodable only up to this point)', a claim that 6 hours decode."""
    wav = _wav(tmp_path / "six_hours.wav", stated_s=6 * 3600)
    source = probe(wav)
    audio, reader = read_all(str(wav), expected_ms=source.duration_ms)
    assert source.duration_ms == 6 * 3600 * 1000 and reader.truncated and abs(audio.size / 16000 - 5.0) < 0.1
    transcript = replace(make_transcript(tmp_path), source=replace(source, truncated=True))
    [(_, text)] = render_transcript(transcript, tmp_path / "out", ["txt"], "six_hours")
    size_line = next(line for line in text.decode().splitlines() if line.startswith("Size:"))
    assert "decodable only up to" not in size_line
    assert "06:00:00.000 as stated" in size_line and "cut short or damaged" in size_line
    duration = dict(source_rows(transcript))["Duration"]
    assert "decodable only up to" not in duration and "cut short or damaged" in duration


@pytest.mark.parametrize(("rate", "shown"), [(7, "7"), (0, "0"), (4_000_000_000, "4,000,000,000")])
def test_a_wav_header_stating_a_rate_no_recording_has_is_a_one_line_reason(tmp_path, rate, shown):
    """A damaged header saying 7 Hz made 80 kB of samples a recording of over 3 hours, decoded
    and searched for speech for as long; 0 Hz or 4 GHz was 'not a media file ffmpeg can read'."""
    wav = _wav(tmp_path / "odd_rate.wav", rate=rate)
    with pytest.raises(MediaError) as raised:
        probe(wav)
    assert raised.value.reason == f"the header declares a sample rate of {shown} Hz (damaged): no speech can be read at that rate"


@pytest.mark.parametrize("rate", [8000, 96000])
def test_a_wav_at_a_phone_or_studio_rate_still_decodes(tmp_path, rate):
    wav = tmp_path / f"r{rate}.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ar", str(rate), "-c:a", "pcm_s16le", str(wav))
    audio, reader = read_all(str(wav), expected_ms=probe(wav).duration_ms)
    assert abs(audio.size / 16000 - 3.0) < 0.05 and rms(audio, 0.5, 2.5) > 0.05 and not reader.truncated


def test_an_id3_tag_put_before_an_m4a_is_read_past(tmp_path):
    """A tagger that writes ID3 before any file left an M4A voice note 'not a media file ffmpeg
    can read'. The recording after the tag is read; the hash is still the whole file's."""
    plain, tagged = tmp_path / "plain.m4a", tmp_path / "tagged.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", str(plain))
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 1, 0]) + b"TIT2" + bytes(124)  # a 128-byte tag body
    tagged.write_bytes(tag + plain.read_bytes())
    before = hashlib.sha256(tagged.read_bytes()).hexdigest()
    source = probe(tagged)
    audio, reader = read_all(str(tagged), expected_ms=source.duration_ms)
    assert source.sha256 == before == hashlib.sha256(tagged.read_bytes()).hexdigest()
    assert abs(source.duration_ms - 3000) < 100 and rms(audio, 0.5, 2.5) > 0.05
    assert np.array_equal(audio, read_all(str(plain))[0])
    assert reader.notes == () and not reader.truncated


def test_a_link_to_nothing_named_directly_says_so(tmp_path):
    """A dangling link, or links in a loop, named on the command line read 'no such file', which
    sends the investigator looking for a file that is there (the link)."""
    os.symlink(tmp_path / "gone.opus", tmp_path / "dangling.opus")
    os.symlink(tmp_path / "loop_b", tmp_path / "loop_a")
    os.symlink(tmp_path / "loop_a", tmp_path / "loop_b")
    met = {Path(f.path).name: f.error for f in find_media([str(tmp_path / "dangling.opus"), str(tmp_path / "loop_a"),
                                                           str(tmp_path / "absent.opus")])}
    linked = "a symbolic link to nothing (its target is missing, or links loop)"
    assert met == {"dangling.opus": linked, "loop_a": linked, "absent.opus": "no such file"}


def _two_notes_of_one_stem(case) -> list[int]:
    """Two exhibits named en_voicenote.opus and en_voicenote.m4a, each with a run of its own words."""
    from app.core.evidence.provenance import software_info
    from app.core.types import ModelInfo, Segment
    from tests.conftest import MEDIA

    runs = []
    for n, name in enumerate(["en_voicenote.opus", "en_voicenote.m4a"]):
        found = next(iter(find_media([str(MEDIA / name)])))
        exhibit, _ = case.add_exhibit(found.source, found_at=found.path)
        run = case.start_run(exhibit.id, "transcribe", ModelInfo("tiny.en", "/m", "00" * 32), {}, software_info())
        case.append_segments(run, (Segment(0, 900, f"Said in file {n}."),), {}, "en", 0.9)
        case.finish_run(run)
        runs.append(run)
    return runs


def test_recordings_sharing_a_stem_exported_together_each_keep_their_set(tmp_path, case, qapp, models_dir):
    """The window's 'export all' wrote each run under its recording's stem: a voice note's
    'note.opus' and 'note.m4a' (or one name met in two chats' folders) both became note.*, the
    second set written over the first. Runs exported together are named as `transcribe` names them."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.main_window import MainWindow
    from tests.gui_case import settings

    runs = _two_notes_of_one_stem(case)
    window = MainWindow(case, settings(tmp_path, models_dir), start_worker=False)
    try:
        paths, error = window.export_to(tmp_path / "out", ["txt"], runs)
    finally:
        window.close()
    assert error is None
    assert [p.name for p in paths] == ["en_voicenote.opus.txt", "en_voicenote.opus.manifest.json",
                                       "en_voicenote.m4a.txt", "en_voicenote.m4a.manifest.json"]
    assert "Said in file 0." in paths[0].read_text() and "Said in file 1." in paths[2].read_text()


def test_audio_an_mp4_edit_list_hides_is_named_not_passed_over(tmp_path):
    """A video trimmed in place keeps what it recorded; its edit list shows the player (and
    ffmpeg) only the stretch kept. The 3 s hidden were passed over in silence: a transcript of
    3 s, no warning, while the file holds 6 s of speech. The shown part is transcribed, the
    hidden part named."""
    whole, trimmed = tmp_path / "whole.m4a", tmp_path / "trimmed.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-f", "lavfi", "-i", "sine=frequency=1000:duration=3",
           "-filter_complex", "[0][1]concat=n=2:v=0:a=1", "-c:a", "aac", str(whole))
    ffmpeg("-itsoffset", "-3", "-i", str(whole), "-c", "copy", str(trimmed))  # an edit list starting at 3 s
    _, kept = read_all(str(whole), expected_ms=probe(whole).duration_ms)
    assert kept.notes == ()
    source = probe(trimmed)
    audio, reader = read_all(str(trimmed), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000) < 200 and abs(dominant_hz(audio, 0.5, 2.5) - 1000) < 10
    hidden = "the file's edit list shows 3.0 s of the 6.0 s of audio it holds: the 3.0 s it hides are not transcribed"
    assert reader.notes == (hidden,)


def test_a_wav_cut_before_its_first_sample_says_so(tmp_path):
    """A copy cut inside the header (in ffmpeg's LIST chunk) was 'not a media file ffmpeg can
    read', as if it were something else under a .wav name. Cut just after the header, ffmpeg
    opens it: flagged truncated, all of it damaged."""
    whole, cut = tmp_path / "whole.wav", tmp_path / "cut.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "pcm_s16le", str(whole))
    cut.write_bytes(whole.read_bytes()[:whole.read_bytes().find(b"LIST") + 12])
    with pytest.raises(MediaError) as raised:
        probe(cut)
    assert raised.value.reason.startswith("a WAV holding no audio: it ends within or just after its header")
    cut.write_bytes(_wav(tmp_path / "five.wav").read_bytes()[:44])  # the data chunk claims 5 s; none is there
    audio, reader = read_all(str(cut), expected_ms=probe(cut).duration_ms)
    assert audio.size == 0 and reader.truncated and reader.notes == ("damaged 00:00:00.0-00:00:05.0",)


def test_a_folder_dropped_on_the_window_is_accounted_for_in_the_case(tmp_path, case, qapp, qtbot, models_dir):
    """The window took usable files in as exhibits and listed failures on screen, but recorded
    nothing of what it met: a FIFO, a file that is not media, a duplicate under another name and
    a broken recording left no trace in the case ('exhibits --all', the audit log)."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.core.store.intake_log import intake_entries
    from app.gui.main_window import MainWindow
    from tests.conftest import MEDIA
    from tests.gui_case import settings

    phone = tmp_path / "phone"
    phone.mkdir()
    note = (MEDIA / "en_voicenote.opus").read_bytes()
    (phone / "a.opus").write_bytes(note)
    (phone / "copy of a.opus").write_bytes(note)
    (phone / "notes.txt").write_text("not media")
    (phone / "broken.m4a").write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(100))
    os.mkfifo(phone / "pipe.opus")
    prefs = settings(tmp_path, models_dir)
    prefs.setValue("intake/auto_transcribe", False)
    window = MainWindow(case, prefs, start_worker=False)
    try:
        window.add_paths([str(phone)])
        qtbot.waitUntil(lambda: len(intake_entries(case)) == 5, timeout=20_000)
    finally:
        window.close()
    logged = {Path(e.path).name: (e.status, e.exhibit_id) for e in intake_entries(case)}
    exhibit = case.exhibits()[0].id
    assert logged == {"a.opus": ("media", exhibit), "copy of a.opus": ("media", exhibit),
                      "notes.txt": ("skipped", None), "broken.m4a": ("failed", None), "pipe.opus": ("skipped", None)}


def test_a_recording_named_like_a_manifest_keeps_its_transcript(tmp_path):
    """'x.manifest.opus' beside 'x.opus': its JSON transcript was written as x.manifest.json, the
    name of x.opus's manifest, which then replaced it; verify saw nothing wrong (the log listed the
    name twice). No export name ends in '.manifest'."""
    paths = ["/m/x.manifest.opus", "/m/x.opus", "/m/y.Manifest.m4a"]
    names = output_names(paths)
    assert names["/m/x.opus"] == "x"
    for n, path in enumerate(paths):
        write_set(tmp_path, names[path], [(f"{names[path]}.json", f'{{"n": {n}}}'.encode())], {})
    for n, path in enumerate(paths):
        assert (tmp_path / f"{names[path]}.json").read_text() == f'{{"n": {n}}}'
        assert (tmp_path / manifest_name(names[path])).is_file()
    assert not any(name.casefold().endswith(".manifest") for name in names.values())


def test_a_file_named_with_a_leading_dash_gets_a_hint_not_only_a_missing_input(tmp_path, monkeypatch, capsys):
    """`transcribe -x.opus --out OUT`: argparse reads '-x.opus' as an option and said only
    'the following arguments are required: INPUT', naming none of what was typed."""
    from app.cli.main import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.opus").write_bytes(b"OggS")
    with pytest.raises(SystemExit) as stopped:
        main(["transcribe", "-x.opus", "--out", str(tmp_path / "out")])
    assert stopped.value.code == 2
    assert ("-x.opus: a file name starting with '-' reads as an option: write ./-x.opus, or put -- before "
            "the file names") in capsys.readouterr().err.splitlines()
    assert not (tmp_path / "out").exists()


def test_an_rf64_wav_saved_without_an_extension_is_found_by_its_content(tmp_path):
    """A recorder's RF64 WAV (the form that may pass 4 GB) copied off without its name's
    extension was skipped as 'not a media file': its magic bytes were not known."""
    folder = tmp_path / "recorder"
    folder.mkdir()
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-rf64", "always", "-c:a", "pcm_s16le",
           "-f", "wav", str(folder / "TAKE0001"))
    [found] = find_media([str(folder)])
    assert found.skipped is None and found.source is not None
    assert abs(found.source.duration_ms - 2000) < 50


@pytest.mark.parametrize("pages", [1, 2])
def test_an_ogg_cut_in_its_headers_says_it_ends_before_any_audio(tmp_path, pages):
    """A voice note cut after its first page or two (its headers: a transfer that stopped at
    once) read 'cannot read media (End of file)', ffmpeg's words, not what is wrong."""
    whole, cut = tmp_path / "whole.opus", tmp_path / "cut.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "libopus", str(whole))
    data = whole.read_bytes()
    starts = [at for at in range(len(data)) if data.startswith(b"OggS", at)]
    cut.write_bytes(data[:starts[pages]])
    with pytest.raises(MediaError) as raised:
        probe(cut)
    assert raised.value.reason == "the file ends before any audio (cut short in its headers)"


def test_a_macs_appledouble_twin_is_skipped_as_metadata_not_failed(tmp_path):
    """A phone extraction copied by a Mac onto an exFAT disk holds a '._note.opus' beside each
    note: each was a failed recording ('not a media file ffmpeg can read') and the run exited 1.
    It is passed over as what it is; named on its own, it says so."""
    folder = tmp_path / "extraction"
    folder.mkdir()
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "libopus", str(folder / "note.opus"))
    header = struct.pack(">II16sH", 0x00051607, 0x00020000, b"Mac OS X        ", 1) + struct.pack(">III", 9, 38, 32)
    (folder / "._note.opus").write_bytes(header + bytes(4096 - len(header)))
    met = {Path(f.path).name: f for f in find_media([str(folder)])}
    assert met["note.opus"].source is not None
    reason = "macOS metadata (an AppleDouble '._' file a Mac writes beside a file it copies), not a recording"
    assert met["._note.opus"].skipped == reason and met["._note.opus"].error is None
    with pytest.raises(MediaError) as raised:
        probe(folder / "._note.opus")
    assert raised.value.reason == reason


def _zeroed(data: bytes, box: bytes, at: int) -> bytes:
    """The file with the 4-byte field `at` bytes into the (only) `box` set to 0."""
    where = data.find(box) + 4 + at
    return data[:where] + bytes(4) + data[where + 4:]


def test_an_mp4_whose_header_states_no_length_is_measured_and_none_of_it_hidden_unsaid(tmp_path):
    """A recorder that never filled in its track's length (mdhd 0): the exhibit was 0 s long with
    3 s transcribed. With its edit list 0 s long too, nothing decoded, no warning: 'no speech'
    over a file holding 3 s of it."""
    plain, no_length, nothing_shown = tmp_path / "plain.m4a", tmp_path / "no_length.m4a", tmp_path / "nothing_shown.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", str(plain))
    no_length.write_bytes(_zeroed(plain.read_bytes(), b"mdhd", 16))  # version 0: flags, two times, timescale
    source = probe(no_length)
    audio, reader = read_all(str(no_length), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000) < 100 and abs(audio.size / 16000 - 3.0) < 0.1
    assert reader.notes == () and not reader.truncated
    nothing_shown.write_bytes(_zeroed(no_length.read_bytes(), b"elst", 8))  # its one edit: 0 s long
    _, reader = read_all(str(nothing_shown), expected_ms=probe(nothing_shown).duration_ms)
    hidden = "the file's edit list shows 0.0 s of the 3.0 s of audio it holds: the 3.0 s it hides are not transcribed"
    assert reader.notes == (hidden,)


def test_the_window_shows_a_name_that_could_spoof_another_escaped(tmp_path, case, qapp):
    """The commands print a name's newline or right-to-left override as an escape; the window
    showed it raw: 'song\\u202eoipo.opus' showed as another name, a newline split the title."""
    pytest.importorskip("PySide6.QtMultimedia")
    from app.gui.exhibits_view import ExhibitsModel, exhibit_rows
    from app.gui.intake_panel import NotAddedPanel

    odd = tmp_path / "call\u202eoipo.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", "-f", "mp4", str(odd))
    [found] = find_media([str(odd)])
    case.add_exhibit(found.source, found_at=found.path)
    model = ExhibitsModel()
    model.set_rows(exhibit_rows(case))
    assert model.index(0, 0).data() == "call\\u202eoipo.m4a"
    panel = NotAddedPanel()
    panel.add(str(tmp_path / "line\nbreak.opus"), "not a media file ffmpeg can read")
    assert panel.entries() == ["line\\nbreak.opus: not a media file ffmpeg can read"]


@pytest.mark.parametrize("tail", ["random", "zeros"])
def test_a_carved_voice_note_with_junk_after_its_end_is_whole_not_truncated(tmp_path, tail):
    """A carving tool cannot tell where a voice note ends and keeps what follows. Ogg states no
    length past its last page, now lost in the junk: the note was 0 s long and 'truncated' (the
    source ended before its stated duration), though every word of it decoded."""
    note, carved = tmp_path / "note.opus", tmp_path / "carved.opus"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "libopus", str(note))
    junk = np.random.default_rng(3).bytes(200_000) if tail == "random" else bytes(200_000)
    carved.write_bytes(note.read_bytes() + junk)
    source = probe(carved)
    audio, reader = read_all(str(carved), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000) < 100
    assert np.array_equal(audio, read_all(str(note))[0])
    assert not reader.truncated
    assert reader.notes == ("data that is not audio follows the end of the recording (not transcribed)",)


def test_sound_a_muxer_starts_late_without_an_edit_list_names_no_damage(tmp_path):
    """Without an edit list a muxer starts a video's sound late by making its first sample last
    until the sound begins (here 30 s). Placed right, but the stretch was named 'damaged
    00:00.0-00:30.0' in every export: a loss the file does not have. (A gap no packet states, a
    lost Ogg page, is still named: tests/test_damage_streams.py.)"""
    video = tmp_path / "late.3gp"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=2:duration=36", "-itsoffset", "30", "-f", "lavfi",
           "-i", "sine=frequency=440:duration=3", "-map", "0:v", "-map", "1:a", "-c:v", "mpeg4", "-ar", "8000",
           "-c:a", "libopencore_amrnb", "-use_editlist", "0", str(video))
    audio, reader = read_all(str(video), expected_ms=probe(video).duration_ms)
    assert rms(audio, 1.0, 29.5) < 0.001 and rms(audio, 30.3, 32.7) > 0.03
    assert reader.damaged == () and reader.notes == ()
