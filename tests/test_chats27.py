"""Chat exports (session 27): one spelling of an export's path (as named, links kept), a voice note's record naming
the zip and member it came from, and a sweep of layouts (each read exactly or refused in one line).

Each test builds its export as a small file and reads it as `timeline` does (`load_export`, `take_in`).
"""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

from app.core.chats.intake import UNZIPPED_COPY, take_in
from app.core.chats.text_intake import import_text
from tests.conftest import MEDIA
from tests.test_chat_layouts18 import _chats
from tests.test_chats26 import VOICE, _whatsapp_zip


def _linked(tmp_path: Path) -> tuple[Path, Path]:
    """An evidence folder and a link to it (a mounted share, a folder reached through a link)."""
    zipped, _ = _whatsapp_zip(tmp_path / "real")
    link = tmp_path / "link"
    os.symlink(tmp_path / "real", link)
    return link / zipped.name, link / "loose"


def test_a_chat_export_reached_through_a_link_is_recorded_as_named_like_its_media(tmp_path, case):
    """Before: a zip in a folder reached through a link was recorded at its resolved path (`real/...`), its unzipped
    copy met later too, while each recording was recorded as named (`link/...`): one case held two spellings of one
    folder. Now every path is as the user named it."""
    zipped, loose = _linked(tmp_path)
    [taken] = take_in(case, zipped)
    assert case.exhibit(taken.exhibit_id).source.path == str(zipped)
    assert str(zipped) in case.exhibit(taken.exhibit_id).paths
    [again] = take_in(case, loose)
    [met] = case.audit.entries_of(UNZIPPED_COPY)
    assert met.details["path"] == str(loose / "_chat.txt")
    [origin] = case.audit.entries_of("chat.attachment_taken_in")
    assert origin.details["export"] == str(zipped)
    logged = json.dumps([e.details for e in case.audit.entries_of("exhibit.added")] + [met.details])
    assert str(tmp_path / "real") not in logged


def test_a_chat_text_imported_through_a_link_is_recorded_as_named(tmp_path, case):
    """Before: `translate` of a chat text reached through a link recorded its resolved path."""
    _, loose = _linked(tmp_path)
    exhibit, _ = import_text(case, loose / "_chat.txt")
    assert exhibit.source.path == str(loose / "_chat.txt")


def test_an_exhibit_reached_through_a_link_is_found_by_the_path_it_was_named_by(tmp_path, case):
    """Before: `exhibits`/`export` given the path through the link found no exhibit (the key was resolved)."""
    zipped, _ = _linked(tmp_path)
    [taken] = take_in(case, zipped)
    assert case.find_exhibit(os.path.relpath(zipped)).id == taken.exhibit_id
    assert case.find_exhibit(str(zipped)).id == taken.exhibit_id
    [media] = taken.media
    assert case.find_exhibit(media.path).id == media.exhibit_id
