"""Odd media from seized phones, built here with ffmpeg or bytes: names that are nearly all
dots, Ogg pages that lie, codecs chained in one Ogg, headers that declare no channels, ..."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from app.core.export import render_transcript
from app.core.media.decode import probe, read_all
from app.core.names import output_names
from tests.test_export import make_transcript
from tests.test_hostile_media import dominant_hz


def ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args],
                   check=True, timeout=60)


@pytest.mark.parametrize("name", ["..opus", "...m4a", ".opus"])
def test_a_name_of_dots_gets_an_export_name_of_its_own(tmp_path, name):
    """'..opus' has the stem '.', which no output may be named: one such file in a phone's folder
    stopped the whole run ('.': not usable as an export file name) with the rest unwritten."""
    names = output_names([f"/x/{name}", "/x/note.opus"])
    assert names["/x/note.opus"] == "note"
    written = render_transcript(make_transcript(Path("/x")), tmp_path, ["txt"], names[f"/x/{name}"])
    assert [file for file, _ in written] == [f"{names[f'/x/{name}']}.txt"]
    assert names[f"/x/{name}"].strip(".")


def _tone(path: Path, hz: int, codec: str, seconds: float = 3.0) -> bytes:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency={hz}:duration={seconds}", "-c:a", codec, "-f", "ogg", str(path))
    return path.read_bytes()


@pytest.mark.parametrize("codecs", [("libvorbis", "libopus"), ("libopus", "libvorbis", "libopus")])
def test_an_ogg_chain_whose_codec_changes_is_decoded_link_after_link(tmp_path, codecs):
    """A Vorbis voice note joined to an Opus one: ffmpeg's demuxer stopped at the change, so
    every link after the first was lost and called damage. Each is heard, in order, undamaged."""
    tones = [440, 880, 1320][:len(codecs)]
    chained = tmp_path / "mixed.ogg"
    chained.write_bytes(b"".join(_tone(tmp_path / f"{n}.ogg", hz, codec) for n, (hz, codec) in enumerate(zip(tones, codecs))))
    source = probe(chained)
    audio, reader = read_all(str(chained), expected_ms=source.duration_ms)
    assert abs(source.duration_ms - 3000 * len(codecs)) < 150
    assert abs(reader.decoded_ms - 3000 * len(codecs)) < 150
    for n, hz in enumerate(tones):
        assert abs(dominant_hz(audio, 3 * n + 0.3, 3 * n + 2.7) - hz) < 10
    assert reader.notes == () and not reader.truncated
