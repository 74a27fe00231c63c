"""A phone's chats as one story, the leftovers: a zipped dump's sibling media folder, the 'also in'
warning for both phones, numbers counted from 1, search's count of messages, a chat taken in part-way
marked in the window's exhibit list. Inputs built here as small WhatsApp texts and zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.core.chats.intake import take_in
from app.core.chats.timeline import build_timeline
from app.core.hashing import sha256_file
from tests.conftest import MEDIA

BOB = ("13/03/2024, 10:11 - Alice: hello\n"
       "13/03/2024, 10:12 - Bob: PTT-20240313-WA0001.opus (file attached)\n")
ANN = ("14/03/2024, 09:00 - Alice: hi Ann\n"
       "14/03/2024, 09:01 - Ann: PTT-20240314-WA0002.opus (file attached)\n"
       "14/03/2024, 09:02 - Ann: PTT-20240314-WA0003.opus (file attached)\n"
       "14/03/2024, 09:03 - Ann: PTT-20240314-WA0004.opus (file attached)\n")


def _zipped_dump(root: Path) -> Path:
    """Two chats in their own folders under chats/, their voice notes in a sibling media/audio/; Ann's
    second voice note lies in two folders as near as each other (which is hers is not known)."""
    archive = root / "dump.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("dump/chats/Bob/WhatsApp Chat with Bob.txt", BOB)
        z.writestr("dump/chats/Ann/WhatsApp Chat with Ann.txt", ANN)
        z.write(MEDIA / "en_voicenote.opus", "dump/media/audio/PTT-20240313-WA0001.opus")
        z.write(MEDIA / "pl_voicenote.opus", "dump/media/audio/PTT-20240314-WA0002.opus")
        z.write(MEDIA / "de_voicenote.opus", "dump/media/audio/PTT-20240314-WA0003.opus")
        z.write(MEDIA / "es_voicenote.ogg", "dump/media/voice/PTT-20240314-WA0003.opus")
        z.write(MEDIA / "en_voicenote.opus", "dump/chats/Bob/PTT-20240314-WA0004.opus")  # in Bob's export: not Ann's
    return archive


def test_a_voice_note_in_a_sibling_folder_of_a_zipped_dump_is_found_in_its_message(case, tmp_path):
    """A zip holding several chats looked for their files only in each chat's own folder: the voice
    notes in the zip's media/audio/ showed missing, as they no longer do in the same dump unzipped."""
    taken = take_in(case, _zipped_dump(tmp_path))
    notes = {e.attachment.name: (e.attachment.missing, e.attachment.sha256)
             for t in taken for e in build_timeline(case, t.exhibit_id).entries
             if e.attachment is not None and e.sender is not None}
    assert notes == {
        "PTT-20240313-WA0001.opus": (False, sha256_file(MEDIA / "en_voicenote.opus")),
        "PTT-20240314-WA0002.opus": (False, sha256_file(MEDIA / "pl_voicenote.opus")),
        "PTT-20240314-WA0003.opus": (True, None),  # two as near: not guessed
        "PTT-20240314-WA0004.opus": (True, None)}
