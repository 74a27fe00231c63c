"""Chat exports as the tools write them (eighth round): iMessage as ReagentX's imessage-exporter writes
it in text (a time line with its read receipt, the sender, the parts one a line, copied files in
`attachments/<chat id>/`, the phone's own path for a file not copied, replies indented inside the
message they answer), and a phone's SMS Backup & Restore XML handed over zipped.

Each export is built here the way the tool writes it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import av
import pytest

from app.core.chats import load_export
from app.core.errors import ChatError
from tests.conftest import MEDIA

IMESSAGE = """\
Mar 05, 2024  2:03:45 PM
+14155550134
Are we still on for Thursday?

Mar 05, 2024  2:05:01 PM (Read by them after 2 minutes)
Me
Yes! 6pm at Tartine

Can't wait
Tapbacks:
    Loved by +14155550134


Mar 06, 2024  9:01:00 AM
+14155550134
attachments/12/Audio Message.caf

Mar 06, 2024  9:01:30 AM
+14155550134
listen to this
/Users/x/Library/Messages/Attachments/ab/11/5E1C-77/IMG_0001.heic
~/Library/Messages/Attachments/cd/13/9A0B-12/voice.amr

Mar 06, 2024  9:02:00 AM Me named the conversation Dinner

Mar 06, 2024  9:03:00 AM
Me
Replying here
This message responded to an earlier message.

    Mar 06, 2024  9:04:00 AM
    +14155550134
    nested reply

Mar 06, 2024 10:05:00\u202fPM
Me
Attachment missing!

"""


def _caf(target: Path) -> Path:
    """A voice message as iPhones keep them: a Core Audio file (here PCM, decoded from the shared m4a)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(MEDIA / "en_voicenote.m4a")) as source, av.open(str(target), "w", format="caf") as out:
        stream = out.add_stream("pcm_s16le", rate=16000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return target


def _imessage_export(folder: Path) -> Path:
    """An imessage-exporter txt export: one voice message copied (.caf), one not copied but found
    beside by its name (.amr), one photo neither copied nor there."""
    _caf(folder / "attachments" / "12" / "Audio Message.caf")
    shutil.copy(MEDIA / "en_voicenote.amr", folder / "attachments" / "12" / "voice.amr")
    chat = folder / "+14155550134.txt"
    chat.write_text(IMESSAGE, encoding="utf-8")
    return chat


def test_imessage_text_every_message_counted_and_voice_found(tmp_path: Path) -> None:
    _imessage_export(tmp_path / "export")
    [loaded] = load_export(tmp_path / "export")
    assert loaded.export.container == "imessage"
    [chat] = loaded.export.chats
    messages = chat.messages
    assert len(messages) == 9  # 7 messages, one with two files, and the app's note
    assert messages[0].text == "Are we still on for Thursday?" and messages[0].datetime == "2024-03-05T14:03:45"
    assert messages[1].sender == "Me" and messages[1].text == "Yes! 6pm at Tartine\n\nCan't wait"
    assert "Loved by +14155550134" in messages[1].note and "Read by them after 2 minutes" in messages[1].note
    voice = messages[2].attachment
    assert voice is not None and voice.kind == "audio" and voice.path == "attachments/12/Audio Message.caf"
    assert voice.playable and loaded.files[voice.path].is_file()
    assert messages[3].text == "listen to this" and messages[3].attachment.missing
    assert messages[3].attachment.name == "IMG_0001.heic"
    assert messages[4].attachment.path == "attachments/12/voice.amr" and messages[4].text == ""
    assert messages[5].system and messages[5].sender is None and "named the conversation" in messages[5].text
    assert messages[6].text == "Replying here" and "reply" in messages[6].note
    assert messages[7].text == "nested reply" and "Mar 06, 2024  9:03:00 AM" in messages[7].note
    assert messages[8].datetime == "2024-03-06T22:05:00"  # macOS 14's narrow space before PM
    assert messages[8].attachment.missing and messages[8].attachment.name is None
    assert "4 attachment(s) named, 2 of them not in the export" in loaded.export.accounting()


def test_imessage_text_no_words_taken_from_tapbacks(tmp_path: Path) -> None:
    _imessage_export(tmp_path / "export")
    [loaded] = load_export(tmp_path / "export")
    words = " ".join(m.text for m in loaded.export.messages)
    assert "Loved by" not in words and "Tapbacks" not in words and "responded to" not in words
    assert "attachments/12" not in words and "Attachment missing" not in words


def test_imessage_text_voice_absent_is_missing(tmp_path: Path) -> None:
    chat = _imessage_export(tmp_path / "export")
    shutil.rmtree(tmp_path / "export" / "attachments")
    [loaded] = load_export(chat)
    audio = [m.attachment for m in loaded.export.messages if m.attachment and m.attachment.kind == "audio"]
    assert len(audio) == 2 and all(a.missing and not a.playable for a in audio)
    assert loaded.files == {}


def test_a_note_of_dates_is_not_taken_for_imessage(tmp_path: Path) -> None:
    note = tmp_path / "notes.txt"
    note.write_text("Mar 05, 2024  2:03:45 PM\n\nMar 06, 2024  2:03:45 PM\n\nnothing more\n", encoding="utf-8")
    with pytest.raises(ChatError):
        load_export(note)


def test_imessage_text_in_a_zip(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    _imessage_export(folder)
    archive = tmp_path / "imessage.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                out.write(path, f"export/{path.relative_to(folder).as_posix()}")
    [loaded] = load_export(archive, tmp_path / "case")
    messages = loaded.export.messages
    assert len(messages) == 9
    played = [m.attachment for m in messages if m.attachment and m.attachment.playable]
    assert len(played) == 2 and all(loaded.files[a.path].is_file() for a in played)


def _sms_backup(with_media: bool = True) -> str:
    """A backup as SMS Backup & Restore writes it: every SMS, then every MMS (an AMR voice recording
    carried in the backup, base64), a sent SMS, one MMS photo left out of the backup."""
    voice = base64.b64encode((MEDIA / "en_voicenote.amr").read_bytes()).decode("ascii") if with_media else ""
    data = f' data="{voice}"' if with_media else ""
    return f"""<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>
<!--File Created By SMS Backup &amp; Restore v10.20.002 on 16/01/2024 08:00:00-->
<?xml-stylesheet type="text/xsl" href="sms.xsl"?>
<smses count="4" backup_set="6b2c7a6e-1e0b-4a53-9c1c-111111111111" backup_date="1705392000000" type="full">
  <sms protocol="0" address="+447700900123" date="1705352700000" type="1" subject="null" body="where are you?" toa="null" sc_toa="null" service_center="+447785016005" read="1" status="-1" locked="0" date_sent="1705352698000" sub_id="1" readable_date="15 Jan 2024 21:05:00" contact_name="Anna" />
  <sms protocol="0" address="+447700900123" date="1705352730000" type="2" subject="null" body="on my way" toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" sub_id="1" readable_date="15 Jan 2024 21:05:30" contact_name="Anna" />
  <mms date="1705352760000" rr="null" sub="null" ct_t="application/vnd.wap.multipart.related" read_status="null" seen="1" msg_box="1" address="+447700900123" sub_cs="null" resp_st="null" retr_st="null" d_tm="null" text_only="0" exp="null" locked="0" m_id="mavodi-1" st="null" retr_txt_cs="null" retr_txt="null" creator="null" date_sent="1705352758" read="1" m_size="5120" rpt_a="null" ct_cls="null" pri="129" sub_id="1" tr_id="T18d0c1" resp_txt="null" ct_l="null" m_cls="personal" d_rpt="129" v="18" _id="12" m_type="132" readable_date="15 Jan 2024 21:06:00" contact_name="Anna">
    <parts>
      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" fn="null" cid="&lt;smil&gt;" cl="smil.xml" ctt_s="null" ctt_t="null" text="&lt;smil&gt;&lt;/smil&gt;" />
      <part seq="0" ct="audio/amr" name="null" chset="null" cd="null" fn="null" cid="&lt;audio&gt;" cl="audio.amr" ctt_s="null" ctt_t="null" text="null"{data} />
      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" cid="&lt;text&gt;" cl="text000000.txt" ctt_s="null" ctt_t="null" text="listen" />
    </parts>
    <addrs>
      <addr address="+447700900123" type="137" charset="106" />
      <addr address="insert-address-token" type="151" charset="106" />
    </addrs>
  </mms>
  <mms date="1705352820000" msg_box="1" address="+447700900123" m_type="132" readable_date="15 Jan 2024 21:07:00" contact_name="Anna">
    <parts>
      <part seq="0" ct="image/jpeg" name="IMG_0002.jpg" fn="null" cl="IMG_0002.jpg" text="null" />
    </parts>
    <addrs><addr address="+447700900123" type="137" charset="106" /></addrs>
  </mms>
</smses>
"""


def _zipped_backup(tmp_path: Path, with_media: bool = True) -> Path:
    archive = tmp_path / "phone-sms.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("SMSBackupRestore/sms-20240116080000.xml", _sms_backup(with_media))
    return archive


def test_sms_backup_in_a_zip_read_and_voice_written_out(tmp_path: Path) -> None:
    [loaded] = load_export(_zipped_backup(tmp_path), tmp_path / "case")
    assert loaded.export.container == "sms-backup-xml-zip"
    assert loaded.export.source == "SMSBackupRestore/sms-20240116080000.xml"
    assert loaded.original == tmp_path / "phone-sms.zip"
    [chat] = loaded.export.chats
    assert [m.text for m in chat.messages] == ["where are you?", "on my way", "listen", ""]
    assert chat.messages[1].sender == "(this phone)"
    voice = chat.messages[2].attachment
    assert voice is not None and voice.kind == "audio" and voice.playable
    written = loaded.files[voice.path]
    assert written.read_bytes() == (MEDIA / "en_voicenote.amr").read_bytes()
    assert loaded.hashes[voice.path] == hashlib.sha256(written.read_bytes()).hexdigest()
    assert (tmp_path / "case") in written.parents
    photo = chat.messages[3].attachment
    assert photo is not None and photo.missing and photo.name == "IMG_0002.jpg"


def test_sms_backup_in_a_zip_without_media_says_each_missing(tmp_path: Path) -> None:
    [loaded] = load_export(_zipped_backup(tmp_path, with_media=False), tmp_path / "case")
    attachments = [m.attachment for m in loaded.export.messages if m.attachment]
    assert len(attachments) == 2 and all(a.missing for a in attachments) and loaded.files == {}


def test_sms_backup_in_a_zip_cut_short_is_said(tmp_path: Path) -> None:
    archive = tmp_path / "cut.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("sms-20240116080000.xml", _sms_backup()[:1500])
    with pytest.raises(ChatError) as caught:
        load_export(archive)
    assert "sms-20240116080000.xml" in caught.value.path and "malformed XML" in caught.value.reason


def test_sms_backup_beside_a_whatsapp_chat_in_one_zip(tmp_path: Path) -> None:
    archive = tmp_path / "phone.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("WhatsApp Chat with Ben.txt", "15/01/2024, 21:05 - Ben: hello\n15/01/2024, 21:06 - Ann: hi\n")
        out.writestr("sms-20240116080000.xml", _sms_backup(with_media=False))
    containers = sorted(loaded.export.container for loaded in load_export(archive))
    assert containers == ["sms-backup-xml-zip", "whatsapp-zip"]
    [whatsapp] = [loaded for loaded in load_export(archive) if loaded.export.container == "whatsapp-zip"]
    assert [m.text for m in whatsapp.export.messages] == ["hello", "hi"]  # the backup is no file of Ben's chat


IMESSAGE_HTML = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<style>
body { font-family: -apple-system; }
</style>
</head>
<body>

<div class="message">
<div class="received">
<p><span class="timestamp">Mar 05, 2024  2:03:45 PM</span>
<span class="sender">+14155550134</span></p>
<hr><div class="message_part">
<span class="bubble">Are we &amp; still on?</span>
</div>
<div class="reactions">
<hr><p>Reactions:</p>
<div class="reaction">Loved by Me</div>
</div>
<div class="replies">
<div class="reply" id="9C1F-REPLY">
<div class="message">
<div class="sent iMessage">
<p><span class="timestamp">Mar 05, 2024  2:05:01 PM (Read by them after 2 minutes)</span>
<span class="reply_anchor"><a href="#r-9C1F-REPLY">⇲</a></span>
<span class="sender">Me</span></p>
<hr><div class="message_part">
<span class="bubble">yes</span>
</div>
</div>
</div>
</div>
</div>
</div>
</div>

<div class="message">
<div class="received">
<p><span class="timestamp">Mar 06, 2024  9:01:00 AM (Read by you after 1 minute)</span>
<span class="sender">+14155550134</span></p>
<hr><div class="message_part">
<span class="bubble">listen to this</span>
</div>
<hr><div class="message_part">
<div class="attachment">
<audio controls src="attachments/12/Audio Message.caf" type="audio/x-caf" </audio>
</div>
</div>
<hr><div class="message_part">
<div class="attachment">
<img src="attachments/12/IMG_0001.jpeg" loading="lazy">
</div>
</div>
<hr><div class="message_part">
<span class="attachment_error">Unable to locate attachment: ~/Library/Messages/Attachments/cd/13/9A0B-12/voice.amr</span>
</div>
</div>
</div>

<div class ="announcement"><p><span class="timestamp">Mar 06, 2024  9:02:00 AM</span> Me named the conversation <b>Dinner</b></p></div>

<div class="message">
<div class="sent iMessage">
<p><span class="timestamp">Mar 06, 2024  9:05:00 AM</span>
<span class="sender">Me</span></p>
<hr><div class="message_part">
Attachment does not exist!
</div>
</div>
</div>
</body>
</html>
"""


def test_imessage_html_every_message_counted_and_voice_found(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    _caf(folder / "attachments" / "12" / "Audio Message.caf")
    (folder / "+14155550134.html").write_text(IMESSAGE_HTML, encoding="utf-8")
    [loaded] = load_export(folder)
    assert loaded.export.container == "imessage"
    messages = loaded.export.messages
    assert len(messages) == 7  # 4 messages, one with three files, and the app's note
    assert messages[0].text == "Are we & still on?" and "Loved by Me" in messages[0].note
    assert messages[1].text == "yes" and messages[1].sender == "Me" and "2:03:45 PM" in messages[1].note
    assert messages[1].datetime == "2024-03-05T14:05:01"
    voice = messages[2].attachment
    assert messages[2].text == "listen to this" and voice.kind == "audio" and voice.playable
    assert loaded.files[voice.path].is_file()
    assert messages[3].attachment.name == "IMG_0001.jpeg" and messages[3].attachment.missing
    assert messages[4].attachment.name == "voice.amr" and messages[4].attachment.missing
    assert messages[5].system and messages[5].text == "Me named the conversation Dinner"
    assert messages[6].attachment.missing and messages[6].attachment.name is None
    words = " ".join(m.text for m in messages)
    assert "Reactions" not in words and "Unable to locate" not in words and "does not exist" not in words


SIGTOP = """Conversation: Alice (+31612345678)

From: Alice (+31612345678)
Type: incoming
Sent: Sun, 31 Jan 2021 12:00:00 +0100
Received: Sun, 31 Jan 2021 12:00:01 +0100

Hoi, waar ben je?

From: Alice (+31612345678)
Type: incoming
Sent: Sun, 31 Jan 2021 12:03:00 +0100
Received: Sun, 31 Jan 2021 12:03:02 +0100
Attachment: no filename (audio/aac, 20480 bytes)

From: You
Type: outgoing
Sent: Sun, 31 Jan 2021 12:04:00 +0100
Attachment: no filename (audio/aac, 9000 bytes)

From: Alice (+31612345678)
Type: incoming
Sent: Sun, 31 Jan 2021 12:05:00 +0100
Received: Sun, 31 Jan 2021 12:05:01 +0100
Attachment: IMG_0042.jpg (image/jpeg, 120000 bytes)
"""


def test_sigtop_voice_messages_found_in_its_attachments_folder(tmp_path: Path) -> None:
    """`sigtop export-messages messages` and `sigtop export-attachments attachments`: a voice message has
    no file name; sigtop writes it as attachment-<time sent>.aac in attachments/<conversation>/."""
    chat = tmp_path / "messages" / "Alice (+31612345678).txt"
    chat.parent.mkdir()
    chat.write_text(SIGTOP, encoding="utf-8")
    files = tmp_path / "attachments" / "Alice (+31612345678)"
    files.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", files / "attachment-2021-01-31-12-03-00.aac")
    shutil.copy(MEDIA / "en_voicenote.mp3", files / "IMG_0042.jpg.bak")  # not the photo: the photo is missing
    [loaded] = load_export(chat)
    messages = loaded.export.messages
    assert len(messages) == 4
    voice = messages[1].attachment
    assert voice.kind == "audio" and voice.playable and voice.placeholder == "Attachment: no filename (audio/aac, 20480 bytes)"
    assert loaded.files[voice.path] == files / "attachment-2021-01-31-12-03-00.aac"
    assert messages[2].attachment.missing and not messages[2].attachment.playable  # not exported
    assert messages[3].attachment.missing and messages[3].attachment.name == "IMG_0042.jpg"
    assert "3 attachment(s) named, 2 of them not in the export" in loaded.export.accounting()


def _sigtop_json_message(kind: str, sent: int, body: str = "", **extra) -> dict:
    base = {"timestamp": sent, "attachments": [], "conversationId": "5c1e0d2a-7b7e-4b59-9d0e-0c1f2a3b4c5d",
            "id": f"9a0b-{sent}", "type": kind, "sent_at": sent, "received_at": sent + 2000, "schemaVersion": 10,
            "readStatus": 0, "body": body}
    if kind == "incoming":
        base |= {"source": "+31612345678", "sourceDevice": 1, "sourceServiceId": "b8e1c2d3-0000-4000-8000-000000000001"}
    return base | extra


def test_sigtop_json_every_message_and_voice_found_whatever_the_zone(tmp_path: Path) -> None:
    """sigtop -f json: Signal Desktop's own message objects; the voice message's file named by the
    exporting computer's local time (here UTC+1), the JSON's time in UTC."""
    voice = {"contentType": "audio/aac", "size": 20480, "flags": 1, "path": "3f/3f0c9e", "width": 0, "height": 0}
    photo = {"contentType": "image/jpeg", "fileName": "IMG_0042.jpg", "size": 120000, "path": "7a/7a1b"}
    data = [_sigtop_json_message("incoming", 1612090800000, "Hoi, waar ben je?"),
            _sigtop_json_message("incoming", 1612090980000, "luister", attachments=[voice, photo]),
            _sigtop_json_message("outgoing", 1612091040000, "ok", reactions=[{"emoji": "👍", "fromId": "x"}]),
            _sigtop_json_message("group-v2-change", 1612091100000)]
    chat = tmp_path / "messages" / "Alice (+31612345678).json"
    chat.parent.mkdir()
    chat.write_text("[\n" + ",\n".join(json.dumps(m, separators=(",", ":")) for m in data) + "\n]\n", encoding="utf-8")
    files = tmp_path / "attachments" / "Alice (+31612345678)"
    files.mkdir(parents=True)
    shutil.copy(MEDIA / "en_voicenote.m4a", files / "attachment-2021-01-31-12-03-00.aac")  # 11:03:00 UTC
    for loaded in (load_export(tmp_path)[0], load_export(_zipped(tmp_path, tmp_path / "sigtop.zip"), tmp_path / "case")[0]):
        _check_sigtop_json(loaded)


def _zipped(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path != archive:
                out.write(path, path.relative_to(folder).as_posix())
    return archive


def _check_sigtop_json(loaded) -> None:
    messages = loaded.export.messages
    assert len(messages) == 5
    assert messages[0].sender.replace(" ", "") == "+31612345678" and messages[0].datetime == "2021-01-31T11:00:00+00:00"
    assert messages[1].text == "luister" and messages[1].attachment.playable
    played = loaded.files[messages[1].attachment.path]
    assert played.name == "attachment-2021-01-31-12-03-00.aac" and played.read_bytes() == (MEDIA / "en_voicenote.m4a").read_bytes()
    assert messages[2].attachment.missing and messages[2].attachment.name == "IMG_0042.jpg"
    assert messages[3].sender == "You" and "👍" in messages[3].note
    assert messages[4].system and messages[4].sender is None


def test_imessage_copied_files_no_message_names_kept_once(tmp_path: Path) -> None:
    """imessage-exporter's chats share one attachments/ tree: a copied file no chat names is kept by the
    folder's first chat, as a note; a file another chat names is that chat's, never a stray."""
    folder = tmp_path / "export"
    _imessage_export(folder)
    (folder / "attachments" / "7").mkdir()
    shutil.copy(MEDIA / "en_voicenote.mp3", folder / "attachments" / "7" / "Audio Message.mp3")
    (folder / "attachments" / "12" / "IMG_0003.jpeg").write_bytes(b"\xff\xd8\xff\xe0 not named")
    (folder / "Ben.txt").write_text("Mar 07, 2024  8:00:00 AM\nBen\nattachments/7/Audio Message.mp3\n\n",
                                    encoding="utf-8")
    loaded = {Path(item.export.source).name: item for item in load_export(folder)}
    first, ben = loaded["+14155550134.txt"], loaded["Ben.txt"]
    assert ben.export.messages[0].attachment.playable
    strays = [m.attachment.path for m in first.export.messages if m.sender is None and m.attachment]
    assert strays == ["attachments/12/IMG_0003.jpeg"]
    assert "1 file(s) no message names" in first.export.accounting()
    assert "0 file(s) no message names" in ben.export.accounting()
