"""A tagger's ID3v2 + ID3v1 (or APE) after a recording, then a voice note joined after the tags (an MP3, tagged or
bare, or an ADTS AAC: under 64 kB, 16 s at 32 kbit/s): session 32's damaged-tail rule called all of it 'an ID3 tag
follows ... it is no audio', the second recording hidden (review revA, H5). And a stray line break or junk straight
after the ID3v2 tag, no ID3v1 between, was 'another file ... 33 bytes opening as an MP3 of its own' (R-M3)."""

from __future__ import annotations

import pytest

from app.core.media import joined
from tests.test_container_sizes31 import OFFSETS_S, SPEECH, _speech, _written, folders  # noqa: F401
from tests.test_joined_kinds31 import _id3_tag
from tests.test_joined_kinds32 import ID3V1

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")

FIRST = ("-c:a", "pcm_s16le")
VOICE_NOTES = {"tagged_mp3": ("mp3", "-c:a", "libmp3lame", "-b:a", "32k"),
               "bare_mp3": ("mp3", "-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "0", "-write_xing", "0"),
               "adts": ("aac", "-c:a", "aac", "-b:a", "32k")}
TAGGERS = {"id3v2+id3v1": lambda: _id3_tag("Interview 6") + ID3V1,
           "id3v2+ape": lambda: _id3_tag("Interview 6") + b"APETAGEX" + (2000).to_bytes(4, "little")
           + (32).to_bytes(4, "little") + b"\x00" * 16}


@pytest.mark.parametrize("tagger", TAGGERS)
@pytest.mark.parametrize("note", VOICE_NOTES)
def test_a_voice_note_joined_after_a_taggers_tags_is_named_not_hidden_as_a_tag(folders, note, tagger):
    suffix, *codec = VOICE_NOTES[note]
    for folder in folders:
        first = _speech(folder, "interview.wav", OFFSETS_S[0], 3, *FIRST)
        second = _speech(folder, f"note.{suffix}", OFFSETS_S[2], 3, *codec)
        both = _written(folder, "both.wav", first.read_bytes() + TAGGERS[tagger]() + second.read_bytes())
        with both.open("rb") as handle:
            found = joined.found(handle)
        assert found is not None and found.opens_as != "id3", (note, tagger, found)


@pytest.mark.parametrize("tail", [b"\n", b"\r\n", b"junk left by a copy tool, forty bytes.."])
def test_a_stray_tail_straight_after_an_id3_tag_is_a_tag_not_a_second_file(folders, tail):
    for folder in folders:
        first = _speech(folder, "interview.wav", OFFSETS_S[0], 3, *FIRST)
        tagged = _written(folder, "tagged.wav", first.read_bytes() + _id3_tag("Interview 9") + tail)
        with tagged.open("rb") as handle:
            found = joined.found(handle)
        assert found is not None and found.opens_as == "id3", (tail, found)


LYRICS3_NO_END = b"LYRICSBEGININD0000210EAL00012Interview 6LYR01800" + b"la la la, the words of the song\r\n" * 60
APE_ITEMS = b"".join(len(v).to_bytes(4, "little") + b"\x00" * 4 + k + b"\x00" + v
                     for k, v in ((b"Title", b"Interview 6"), (b"Lyrics", b"words " * 300)))
APE_SIZE_OFF = (b"APETAGEX" + (2000).to_bytes(4, "little") + (len(APE_ITEMS) + 32 + 999).to_bytes(4, "little")
                + (2).to_bytes(4, "little") + b"\xa0\x00\x00\x80" + b"\x00" * 8 + APE_ITEMS)


@pytest.mark.parametrize("tail", [LYRICS3_NO_END, APE_SIZE_OFF], ids=["lyrics3_no_end_2kB", "ape_size_off_2kB"])
def test_a_long_damaged_tag_after_the_tags_is_a_tag_not_a_second_file(folders, tail):
    """Over 512 bytes, a Lyrics3 with no end mark or an APE tag whose size is off was called 'another file ... two
    files joined ... open it as a file of its own', a file that does not exist (review revD, D-M3): a tail opening
    with a tagger's mark and no file opening anywhere in it is the tags' damaged tail."""
    for folder in folders:
        first = _speech(folder, "interview.wav", OFFSETS_S[0], 3, *FIRST)
        tagged = _written(folder, "tagged.wav", first.read_bytes() + _id3_tag("Interview 6") + ID3V1 + tail)
        with tagged.open("rb") as handle:
            found = joined.found(handle)
        assert found is not None and found.opens_as == "id3", found
