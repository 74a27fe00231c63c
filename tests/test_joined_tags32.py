"""ID3 tags where taggers and copies leave them, around a second file joined after the first: two tags in
a row before a recording (a tagger that put a new one before the old); an ID3v2 + ID3v1 tag followed by a
whole small file; a tagged second after an MP3 or ADTS; and real single files that must get no note."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.core.media import joined
from tests.test_container_sizes31 import OFFSETS_S, SPEECH, _heard, _speech, _written, folders  # noqa: F401
from tests.test_hostile_media import ffmpeg
from tests.test_joined_kinds31 import _assert_first_heard_and_second_named, _id3_tag
from tests.test_joined_kinds32 import FIRSTS, ID3V1

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")

JOINED_NOTES = ("another file", "an ID3 tag follows")
CODECS = {"wav": ("-c:a", "pcm_s16le"), "m4a": ("-c:a", "aac"), "amr": ("-c:a", "libopencore_amrnb", "-ar", "8000"),
          "flac": ("-c:a", "flac")}


def _assert_heard_as_alone(alone: Path, tagged: Path) -> None:
    whole, whole_audio, _ = _heard(alone)
    source, audio, reader = _heard(tagged)
    assert source.duration_ms == whole.duration_ms and np.array_equal(audio, whole_audio), \
        (tagged.name, source.duration_ms, whole.duration_ms, reader.notes)
    assert not any(note for note in reader.notes if note.startswith(JOINED_NOTES)), reader.notes


@pytest.mark.parametrize("suffix", ["wav", "m4a", "amr"])
def test_a_recording_behind_two_id3_tags_is_heard_whole(folders, suffix):
    """Refused as 'an ID3 tag ... with no audio after it': the recording's opening after the second tag
    was taken for a second file joined after the first tag, and the file cut down to the two tags."""
    for folder in folders:
        alone = _speech(folder, f"note.{suffix}", OFFSETS_S[1], 4, *CODECS[suffix])
        tags = _id3_tag("Interview 5 (new)") + _id3_tag("Interview 5")
        _assert_heard_as_alone(alone, _written(folder, f"tagged.{suffix}", tags + alone.read_bytes()))


SECONDS = {"wav_8k_3s": ("wav", 3, b"", "-ar", "8000"), "amr_3s": ("amr", 3, b""), "wav_16k_5s": ("wav", 5, b""),
           "tagged_flac_3s": ("flac", 3, _id3_tag("Interview 8"))}  # a FLAC with an ID3 tag of its own in front
NAMED = {"wav": "a WAV", "amr": "an AMR", "flac": "a FLAC"}


@pytest.mark.parametrize("first_kind", ["wav", "flac"])
@pytest.mark.parametrize("second", SECONDS)
def test_a_file_after_an_id3_and_an_id3v1_tag_is_named_not_called_titles(folders, first_kind, second):
    """A whole file under 64 kB behind a tagger's ID3v2 + ID3v1 tag was called 'titles or names a tagging
    program added after it: it is no audio'; a larger one, or one with an ID3 tag of its own, 'an MP3
    (ID3-tagged)'."""
    other, seconds, own_tag, *rate = SECONDS[second]
    for folder in folders:
        first = _speech(folder, f"note.{first_kind}", OFFSETS_S[0], 3, *CODECS[first_kind])
        second_file = _speech(folder, f"other.{other}", OFFSETS_S[2], seconds, *CODECS[other], *rate)
        data = first.read_bytes() + _id3_tag("Interview 6") + ID3V1 + own_tag + second_file.read_bytes()
        joined_file = _written(folder, f"both.{first_kind}", data)
        _assert_first_heard_and_second_named(first, joined_file, f"{NAMED[other]} behind an ID3 tag")


@pytest.mark.parametrize("first_kind", ["mp3", "bare_mp3", "adts"])
@pytest.mark.parametrize("other", ["wav", "flac"])
def test_a_tagged_file_after_an_mp3_or_adts_is_cut_before_its_tag(folders, first_kind, other):
    """Cut after the second's tag: the tag's bytes heard as the first's audio (a tagged MP3 59 ms longer,
    a bare one 'damaged' over its last 0.2 s), the note at the file behind the tag."""
    name, *codec = FIRSTS[first_kind]
    for folder in folders:
        first = _speech(folder, name, OFFSETS_S[0], 3, *codec)
        second_file = _speech(folder, f"other.{other}", OFFSETS_S[2], 3, *CODECS[other])
        data = first.read_bytes() + _id3_tag("Interview 7") + second_file.read_bytes()
        joined_file = _written(folder, f"both.{name.rsplit('.', 1)[1]}", data)
        _assert_first_heard_and_second_named(first, joined_file, f"{NAMED[other]} behind an ID3 tag")


SINGLES = {"vbr_mp3_cover.mp3": ("-c:a", "libmp3lame", "-q:a", "0", "-id3v2_version", "3", "-write_id3v1", "1"),
           "flac_picture.flac": ("-c:a", "flac"),
           "faststart_cover.m4a": ("-c:a", "aac", "-movflags", "+faststart"),
           "dtx.amr": ("-c:a", "libopencore_amrnb", "-ar", "8000", "-dtx", "1"),
           "adts.aac": ("-c:a", "aac", "-f", "adts")}
COVERED = ("vbr_mp3_cover.mp3", "flac_picture.flac", "faststart_cover.m4a")


@pytest.mark.parametrize("name", SINGLES)
def test_a_real_single_file_gets_no_joined_note(tmp_path, name):
    """A real file of each kind whose second file is searched for (covers, Xing headers, DTX frames) is
    one file: no 'another file', no 'ID3 tag follows'."""
    source = _speech(tmp_path, "source.wav", OFFSETS_S[3], 6, "-c:a", "pcm_s16le")
    made = tmp_path / name
    if name in COVERED:
        ffmpeg("-f", "lavfi", "-i", "testsrc=size=600x600:rate=1", "-frames:v", "1", str(tmp_path / "cover.png"))
        ffmpeg("-i", str(source), "-i", str(tmp_path / "cover.png"), "-map", "0:a", "-map", "1:v", "-c:v", "copy",
               "-disposition:v", "attached_pic", "-metadata", "title=RIFF WAVE FORM ID3", *SINGLES[name], str(made))
    else:
        ffmpeg("-i", str(source), *SINGLES[name], str(made))
    with made.open("rb") as handle:
        assert joined.found(handle) is None
    _, _, reader = _heard(made)
    assert not any(note for note in reader.notes if note.startswith(JOINED_NOTES)), reader.notes


def test_the_shared_media_and_eval_clips_get_no_joined_note():
    """Every shared recording and the first 20 eval clips: one file each."""
    clips = sorted(Path("/work/shared/eval/speech").glob("*.wav"))[:20]
    for path in [*sorted(SPEECH.parent.iterdir()), *clips]:
        with path.open("rb") as handle:
            assert joined.found(handle) is None, path.name


@pytest.mark.parametrize("tail", [b"\n", b"\r\n", ID3V1[:100], b"APETAGEX" + b"\x00" * 24, b"LYRICSBEGINno end mark"])
@pytest.mark.parametrize("first_kind", ["wav", "flac"])
def test_a_taggers_tags_with_a_damaged_tail_are_a_tag_not_a_joined_file(folders, first_kind, tail):
    """A tagger's ID3v2 + ID3v1 (or APE, Lyrics3) after the audio, its tail damaged (a stray line break, a cut
    ID3v1, an APE size off, a Lyrics3 with no end mark): "another file ... an MP3 (ID3-tagged) of its own: two files
    joined" (review of endsfix32b, H1). No file lies behind the tags: a tag follows."""
    for folder in folders:
        first = _speech(folder, f"note.{first_kind}", OFFSETS_S[0], 3, *CODECS[first_kind])
        tagged = _written(folder, f"tagged.{first_kind}", first.read_bytes() + _id3_tag("Interview 9") + ID3V1 + tail)
        with tagged.open("rb") as handle:
            second = joined.found(handle)
        assert second is not None and second.opens_as == "id3", (tail, second)
