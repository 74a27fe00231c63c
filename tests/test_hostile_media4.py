"""Hostile media, fifth round, built here with ffmpeg or bytes: the containers cameras, dictaphones
and older recorders write besides a phone's, encrypted WhatsApp files, stereo whose channels
cancel, WAV headers a writer got wrong, a tag whose length runs past the file, a fragmented MP4
cut short."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from app.core.media.intake import ENCRYPTED, find_media
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
