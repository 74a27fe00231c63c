"""A phone's chats as one story across exports: the same chat exported twice (March, then
March-April; zipped and unzipped side by side in a dump) is one story, not the same messages
over again. Exports built here as small WhatsApp texts and zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

from app.cli.search import hit_line, hit_record
from app.core.chats.intake import take_in
from app.core.search import search

MARCH = ("13/03/2024, 10:11 - Alice: hello Bob, the van is at the yard\n"
         "13/03/2024, 10:13 - Bob: ok see you at the yard\n")
APRIL = MARCH + "02/04/2024, 09:05 - Alice: the yard again in april\n"


def _exports(root: Path) -> tuple[Path, Path, Path]:
    """March's export zipped and unzipped side by side, and a later March-April export zipped."""
    unzipped = root / "Download" / "WhatsApp Chat with Bob" / "WhatsApp Chat with Bob.txt"
    unzipped.parent.mkdir(parents=True)
    unzipped.write_text(MARCH, encoding="utf-8")
    march, later = root / "Download" / "WhatsApp Chat with Bob.zip", root / "Download" / "WhatsApp Chat with Bob (1).zip"
    for archive, text in ((march, MARCH), (later, APRIL)):
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("WhatsApp Chat with Bob.txt", text)
    return unzipped, march, later


def test_a_message_in_three_exports_of_its_chat_is_one_search_hit_naming_the_others(case, tmp_path):
    """Search listed 'hello Bob' three times, once per export of the chat, nothing saying they
    were one message."""
    for export in _exports(tmp_path):
        take_in(case, export)
    hits = search(case, "yard")
    assert sorted(h.text for h in hits) == [
        "hello Bob, the van is at the yard", "ok see you at the yard", "the yard again in april"]
    [hello] = [h for h in hits if h.text.startswith("hello")]
    others = {hello.exhibit_id} | {o.exhibit_id for o in hello.also_in}
    assert len(others) == 3 and {o.index for o in hello.also_in} == {0}
    assert hit_record(hello)["also_in"] == [
        {"exhibit_id": o.exhibit_id, "export": o.export, "index": 0} for o in hello.also_in]
    line = hit_line(hello)
    assert line.count("[also in exhibit") == 2 and "WhatsApp Chat with Bob.txt" in line + hello.exhibit_name
    [april] = [h for h in hits if "april" in h.text]
    assert april.also_in == ()
    assert len(search(case, "yard", limit=2)) == 2  # the limit counts messages, not copies
