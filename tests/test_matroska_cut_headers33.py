"""A Matroska/WebM file cut inside its headers (before its first cluster), a whole WAV joined after it (review
revD, D-X). It was refused as 'the file ends before any audio (cut short in its headers)' and the WAV never
named: a file met and not accounted for. Its Segment's stated end lies inside the WAV (ffmpeg wrote its sizes),
and the walk of its cut headers runs on into the WAV's bytes (a Vorbis track's 3 kB of CodecPrivate), so the
search for a second file started past the WAV's opening, or never ran. The refusal now names both: the cut and
the WAV. A FLAC track's CodecPrivate (a FLAC stream header) is still no second file."""

from __future__ import annotations

import pytest

from app.core.errors import MediaError
from app.core.media.decode import probe
from tests.test_hostile_media import ffmpeg
from tests.test_hostile_media32 import SPEECH, _speech

pytestmark = pytest.mark.skipif(not SPEECH.exists(), reason="shared media not present")

CLUSTER = b"\x1f\x43\xb6\x75"
CUT = "the file ends before any audio (cut short in its headers)"
CODINGS = {"webm": ("-c:a", "libopus"), "mka": ("-c:a", "flac"), "mkv": ("-c:a", "libvorbis")}


@pytest.mark.parametrize("seconds", [3, 40])  # 40 s: a WAV over the MiB the headers' cut is looked for in
@pytest.mark.parametrize("written", [(), ("-live", "1")], ids=["sizes stated", "as it went"])
@pytest.mark.parametrize("ext", CODINGS)
def test_a_matroska_cut_in_its_headers_then_a_wav_names_the_cut_and_the_wav(tmp_path, ext, written, seconds):
    whole = _speech(tmp_path / f"whole.{ext}", 4, "-ar", "16000", *CODINGS[ext], *written).read_bytes()
    cut = whole[:whole.index(CLUSTER) * 9 // 10]  # inside its Tracks (a Vorbis track's CodecPrivate)
    other = tmp_path / "other.wav"
    ffmpeg("-ss", "40", "-t", str(seconds), "-i", str(SPEECH), "-ar", "16000", str(other))
    alone, joined = tmp_path / f"alone.{ext}", tmp_path / f"joined.{ext}"
    alone.write_bytes(cut)
    joined.write_bytes(cut + other.read_bytes())
    with pytest.raises(MediaError) as refused_alone:
        probe(alone)
    with pytest.raises(MediaError) as refused:
        probe(joined)
    assert refused_alone.value.reason == CUT  # a FLAC track's own stream header named no file
    assert refused.value.reason == (
        f"{CUT}; another file follows this one's end at byte {len(cut):,} ({other.stat().st_size:,} bytes opening as "
        "a WAV of its own: two files joined, by a copy or a carving): it was not read; open it as a file of its own to "
        "hear it")
