"""Odd media from seized phones, built here with ffmpeg or bytes: names that are nearly all
dots, Ogg pages that lie, codecs chained in one Ogg, headers that declare no channels, ..."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from app.core.export import render_transcript
from app.core.names import output_names
from tests.test_export import make_transcript


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
