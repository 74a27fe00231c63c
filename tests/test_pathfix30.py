"""Names taken from evidence never place an output outside the folder written to (review of chatsfix30).

H1/H2: a chat's own title named its timeline, and `safe_basename` kept '/', so "../../../X" wrote above `--out`,
"/abs/X" wrote anywhere, and "Mum/Dad" was refused. H3: two MMS parts with one stamp, number and name shared one
copied file, so one person's recording was linked to the other's message and a hash was lost.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from app.core.chats.registry import load_export
from app.core.chats.sms import load_backup
from app.core.errors import ParleyError
from app.core.names import path_inside, safe_basename
from tests.test_cli_mistakes import run

MEDIA = Path("/work/shared/media")
WHATSAPP = "01/02/2024, 10:00 - Anna: hello\n01/02/2024, 10:01 - Bob: hi\n"


def _telegram(path: Path, title: str, words: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"name": title, "type": "private_group", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-01T10:00:00", "from": "Anna", "from_id": "user1", "text": words},
        {"id": 2, "type": "message", "date": "2024-01-01T10:01:00", "from": "Bob", "from_id": "user2", "text": "ok"}]}),
        encoding="utf-8")


def _timeline(capsys, tmp_path: Path, evidence: Path) -> tuple[int, str, Path]:
    out = tmp_path / "work" / "out" / "a" / "b"
    code, _, err = run(capsys, "timeline", str(evidence), "--out", str(out), "--format", "json,docx",
                       "--case", str(tmp_path / "work" / "case"))
    return code, err, out


@pytest.mark.parametrize("title, written_as", [
    ("../../../ESCAPED", "_.._.._.._ESCAPED"),
    ("{tmp}/ABSOLUTE", "{tmp_}_ABSOLUTE"),
    ("Mum/Dad", "Mum_Dad"),
])
def test_a_chats_title_names_its_timeline_inside_the_output_folder(capsys, tmp_path, title, written_as):
    """Before: the first two wrote X.timeline.json/.docx three folders above --out and at the absolute path; the
    third was refused ("No such file or directory"). Now each is written under a safe name inside --out."""
    tmp = str(tmp_path).lstrip("/").replace("/", "_")
    evidence = tmp_path / "in"
    _telegram(evidence / "result.json", title.format(tmp=tmp_path), "hello there")
    (evidence / "WhatsApp Chat with Anna.txt").write_text(WHATSAPP, encoding="utf-8")
    code, err, out = _timeline(capsys, tmp_path, evidence)
    written = sorted(p for p in tmp_path.rglob("*.timeline.*"))
    assert all(p.parent == out for p in written), written
    name = written_as.format(tmp_="_" + tmp)
    assert sorted(p.name for p in written) == sorted([f"{name}.timeline.json", f"{name}.timeline.docx",
                                                      "WhatsApp Chat with Anna.timeline.json",
                                                      "WhatsApp Chat with Anna.timeline.docx"]), err
    assert code == 0, err
    assert "hello there" in (out / f"{name}.timeline.json").read_text(encoding="utf-8")


def test_two_chats_whose_safe_names_collide_each_keep_their_own_timeline(capsys, tmp_path):
    """"Mum/Dad" and "Mum_Dad" both become "Mum_Dad": the second is written as Mum_Dad-2, never over the first."""
    evidence = tmp_path / "in"
    _telegram(evidence / "one" / "result.json", "Mum/Dad", "words of the first chat")
    _telegram(evidence / "two" / "result.json", "Mum_Dad", "words of the second chat")
    code, err, out = _timeline(capsys, tmp_path, evidence)
    assert code == 0, err
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.timeline.json")}
    assert sorted(texts) == ["Mum_Dad-2.timeline.json", "Mum_Dad.timeline.json"]
    assert sum("words of the first chat" in t for t in texts.values()) == 1
    assert sum("words of the second chat" in t for t in texts.values()) == 1


@pytest.mark.parametrize("name", ["..", ".", "", "../x", "/etc/x", "a/b", "a\\b", "a\x00b"])
def test_no_name_from_evidence_names_a_file_outside_the_folder(tmp_path, name):
    """`safe_basename` makes each one file name in the folder (not hidden); `path_inside` refuses it as given."""
    target = path_inside(tmp_path, safe_basename(name) or "_")
    assert target.parent == tmp_path and not target.name.startswith(".")
    with pytest.raises(ParleyError):
        path_inside(tmp_path, name)


def _mms(stamp: str, address: str, data: bytes) -> str:
    encoded = base64.b64encode(data).decode()
    return (f'<mms date="{stamp}" msg_box="1" address="{address}" m_type="132"><parts><part seq="0" ct="audio/amr" '
            f'cl="voice.amr" data="{encoded}" /></parts><addrs><addr address="{address}" type="137" /></addrs></mms>')


@pytest.mark.parametrize("first_stamp, second_stamp", [("1700000000000", "1700000000000"), ("17/00", "17_00"),
                                                       ("1" * 40 + "A", "1" * 40 + "B")])
def test_two_mms_parts_with_one_stamp_and_name_keep_their_own_recordings(tmp_path, first_stamp, second_stamp):
    """Before: both messages linked to one `mms/<stamp>-0-voice.amr` holding the second's bytes; one hash kept."""
    first = (MEDIA / "en_voicenote.amr").read_bytes()
    second = bytes(reversed(first))
    backup = tmp_path / "sms.xml"
    backup.write_text(f'<smses count="2">{_mms(first_stamp, "+447700900111", first)}'
                      f'{_mms(second_stamp, "+447700900222", second)}</smses>', encoding="utf-8")
    loaded = load_backup(backup, tmp_path / "out")
    linked = {chat.name: m.attachment.path for chat in loaded.export.chats for m in chat.messages if m.attachment}
    assert len(set(linked.values())) == 2 and len(loaded.hashes) == 2
    for party, data in (("+447700900111", first), ("+447700900222", second)):
        path = next(p for name, p in linked.items() if party in name)
        assert loaded.hashes[path] == hashlib.sha256(data).hexdigest()
        assert (tmp_path / "out" / path).read_bytes() == data
    assert len(list((tmp_path / "out" / "mms").iterdir())) == 2


def test_a_chats_unread_page_is_warned_on_the_command_line_and_not_counted_as_a_message(capsys, tmp_path):
    """Before (M1): the first of three Telegram pages damaged, the line said "3 messages" (the note for the unread
    page counted as one) and nothing else; the loss was only inside the timeline. Now: 2 messages and a warning."""
    from tests.test_chatsfix30 import _telegram_page, damaged_telegram_page

    chat = tmp_path / "in" / "ChatExport_2021"
    chat.mkdir(parents=True)
    (chat / "messages.html").write_text(damaged_telegram_page(1), encoding="utf-8")
    (chat / "messages2.html").write_text(_telegram_page(2, "second page words"), encoding="utf-8")
    (chat / "messages3.html").write_text(_telegram_page(3, "third page words"), encoding="utf-8")
    _, err, _ = _timeline(capsys, tmp_path, tmp_path / "in")
    lines = [x for x in err.splitlines() if x.startswith(str(chat / "messages.html"))]
    assert "telegram-html, 2 messages," in lines[0], err
    assert lines[1] == (f"{chat / 'messages.html'}: warning: page 1 of this chat's 3 pages: damaged HTML, not read "
                        "(unknown status keyword 'foo' in marked section): that page's messages are not in this chat")


def test_a_single_pages_messages_before_a_damaged_spot_are_kept_and_the_spot_said(tmp_path):
    """Before (M2): a Google Voice page with good messages and one `<![foo]>` was refused whole. Now the messages
    read before the spot are kept (the one the spot is in, as far as it goes), and it says where the page
    stopped being read."""
    from tests.test_chatsfix30 import _cite, _message, _text_page

    page = tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html"
    page.write_text(_text_page("Anna", [_message(1, _cite("Anna", "+1555"), "first words"),
                                        _message(2, _cite("Anna", "+1555"), "second words"),
                                        _message(3, _cite("Anna", "+1555"), "see <![foo bar]> here")]),
                    encoding="utf-8")
    [loaded] = load_export(page)
    [chat] = loaded.export.chats
    assert [m.text for m in chat.messages] == ["first words", "second words", "see"]  # read up to the spot
    assert chat.messages[-1].note == ("the page is damaged HTML at line 17 (unknown status keyword 'foo ' in marked "
                                      "section) and was not read past it: this message may be cut there, and what "
                                      "the page holds after it is not in this chat")
    assert chat.messages[0].note == chat.messages[1].note == ""


def test_a_page_read_up_to_a_damaged_spot_is_warned_on_the_command_line(capsys, tmp_path):
    """Before: the page was refused whole (exit 1). Now its first message is in the timeline and a warning says the
    page was not read past the damaged spot."""
    from tests.test_chatsfix30 import _cite, _message, _text_page

    evidence = tmp_path / "in"
    evidence.mkdir()
    page = evidence / "Anna - Text - 2021-01-22T01_33_43Z.html"
    page.write_text(_text_page("Anna", [_message(1, _cite("Anna", "+1555"), "first words"),
                                        _message(2, _cite("Anna", "+1555"), "see <![foo bar]> here")]),
                    encoding="utf-8")
    code, err, out = _timeline(capsys, tmp_path, evidence)
    assert code == 0, err
    assert f"{page}: warning: the page is damaged HTML and was not read past the spot" in err, err
    assert "first words" in next(out.glob("*.timeline.json")).read_text(encoding="utf-8")
