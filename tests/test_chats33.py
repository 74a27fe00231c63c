"""Session 33's chat fixes: Discord's damage count not forged by words, a sender read with damaged markup made
unknown and said (five HTML readers), Telegram linked stickers/GIFs and poll votes, DCE's minified page."""

from __future__ import annotations

import re

from app.core.chats.html_cut import READ_ON_PAST
from tests.test_chatsfix32c import _SPOT, _damaged, _dce_message, _dce_page


def test_words_that_write_a_discord_container_mark_do_not_make_a_healthy_page_damaged():
    """DCE encodes a message's `"`, `<` and `>` but not `=`: words `write class=chatlog__message-container here`
    (or the container's id) counted as a message the page opens, so the healthy page's next message said it "may be
    missing or misread". The marks now end at the tag's raw `>`; a damaged page still says the message it lost."""
    from app.core.chats import discord_html
    forged = ["write class=chatlog__message-container here", "see id=chatlog__message-container-7 there",
              "id=chatlog__message-container-7 class=chatlog__message-container data-message-id=7 x"]
    messages = [_dce_message(i + 1, "anna", words) for i, words in enumerate(forged)] + [_dce_message(4, "bob", "ok")]
    healthy = discord_html.parse(_dce_page(messages), "c.html")[0].messages
    assert [(m.text, m.note) for m in healthy] == [(words, "") for words in forged] + [("ok", "")]
    damaged = discord_html.parse(_damaged(_dce_page(messages), "<div id=chatlog__message-container-2 "), "c.html")
    assert any(READ_ON_PAST in m.note and "opens 4 messages, 3 of them read" in m.note for m in damaged[0].messages)


def _linked_block(i: int, css: str, href: str, title: str, status: str) -> str:
    """A message holding a file tdesktop drew no thumbnail of (pushGenericMedia with a link): the block is an `<a>`."""
    return (f'<div class="message default clearfix" id="message{i}"><div class="body"><div class="pull_right date '
            f'details" title="15.01.2024 21:0{i}:00 UTC+03:00">21:0{i}</div><div class="from_name">Anna </div>'
            f'<div class="media_wrap clearfix"><a class="media clearfix pull_left block_link {css}" href="{href}">'
            f'<div class="fill pull_left"></div><div class="body"><div class="title bold">{title}</div>'
            f'<div class="status details">{status}</div></div></a></div></div></div>\n')


def test_a_telegram_sticker_or_gif_linked_without_a_thumbnail_is_named_a_sticker_or_an_animation():
    """An animated sticker (.tgs) or a GIF tdesktop drew no thumbnail of is a generic block classed as a photo or a
    video, titled "Sticker" or "Animation". Before (review_revJ X2) they came out an image and a video; a photo and a
    voice message linked the same way keep their kinds, as the JSON reader names the same files."""
    from app.core.chats import telegram_html
    from tests.test_chatsfix32b import _telegram_page
    blocks = [_linked_block(1, "media_photo", "stickers/AnimatedSticker.tgs", "Sticker", "😀, 12.1 KB"),
              _linked_block(2, "media_video", "video_files/gif.mp4", "Animation", "1.2 MB"),
              _linked_block(3, "media_photo", "photos/photo_1.jpg", "Photo", "80 KB"),
              _linked_block(4, "media_voice_message", "voice_messages/audio_1.ogg", "Voice message", "00:05, 9 KB")]
    read = telegram_html.parse_pages([_telegram_page("".join(blocks))], "messages.html").messages
    assert [(m.attachment.kind, m.attachment.path, m.attachment.missing) for m in read] == [
        ("sticker", "stickers/AnimatedSticker.tgs", False), ("animation", "video_files/gif.mp4", False),
        ("image", "photos/photo_1.jpg", False), ("audio", "voice_messages/audio_1.ogg", False)]


def test_a_telegram_polls_chosen_answer_and_closing_are_said_alike_in_html_and_json():
    """tdesktop writes ", chosen vote" after the exporting account's answer and "Final results" once the poll closed
    ("Anonymous poll" while open); the JSON gives `chosen` and `closed`. Both were dropped: now both readers say
    them in the same words."""
    from app.core.chats import telegram, telegram_html
    from tests.test_chatsfix32b import _telegram_page
    from tests.test_chatsfix32c import _tdesktop_poll
    for closed in (True, False):
        poll = _tdesktop_poll("Where?", [("Pub", "1 vote"), ("Park", "2 votes, chosen vote")], "3 votes")
        poll = poll if closed else poll.replace("Final results", "Anonymous poll")
        page = _telegram_page('<div class="message default clearfix" id="message5"><div class="body"><div '
                              'class="pull_right date details" title="15.01.2024 21:05:00 UTC+03:00">21:05</div>'
                              f'<div class="from_name">Anna </div>{poll}</div></div>\n')
        [from_html] = telegram_html.parse_pages([page], "messages.html").messages
        json_poll = {"question": "Where?", "closed": closed, "total_voters": 3, "answers": [
            {"text": "Pub", "voters": 1, "chosen": False}, {"text": "Park", "voters": 2, "chosen": True}]}
        [chat] = telegram.chats_of({"name": "Crew", "type": "private_group", "id": 1, "messages": [
            {"id": 5, "type": "message", "date": "2024-01-15T21:05:00", "from": "Anna", "poll": json_poll, "text": ""}]})
        said = ("poll (closed): " if closed else "poll: ") + "Pub (1), Park (2, this account's vote)"
        assert (from_html.text, from_html.note) == ("Where?", said)
        assert (chat.messages[0].text, chat.messages[0].note) == ("Where?", said)


_GV_NAME = "Anna - Text - 2021-03-02T10_00_00Z.html"


def test_a_sender_read_with_a_piece_of_damaged_markup_is_unknown_and_said_in_every_html_reader():
    """Damage the parser reads on past (a spot inside a tag, `<![foo]>`) put markup into a sender, or made a
    name or number alone the sender, with the message count right and nothing said: Google Voice "Anna" (its
    number's tag lost), Telegram "Boris Ivan 01.03.2021 10:00:00" (a forwarded block's tag lost, its author read
    into the sender's), Discord "Anna" for bob's message (his header's author lost, the group's taken), iMessage
    "Me span>". Now each is no sender, its note saying what was read."""
    from app.core.chats import discord_html, googlevoice, imessage_html, telegram_html
    from app.core.chats.html_cut import MARKUP_SENDER_NOTE
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    from tests.test_chatsfix32b import _telegram_page
    anna = _cite("Anna", "+17320000111")
    voice = _text_page("Anna", [_message(1, anna, "one"), _message(2, ME, "two"), _message(3, anna, "three")])
    read = googlevoice.parse(voice.replace('<a class="tel"', f'<a {_SPOT}class="tel"', 1), _GV_NAME)[0].messages
    assert [m.sender for m in read] == [None, "Me", "Anna (+17320000111)"]
    assert "its sender is not read" in read[0].note and read[0].text == "one"
    forwarded = ('<div class="message default clearfix" id="message7"><div class="body"><div class="pull_right date '
                 'details" title="01.04.2021 09:07:00 UTC+03:00">09:07</div><div class="from_name">Boris </div>\n'
                 '<div class="forwarded body"><div class="from_name">Ivan<span class="details"> 01.03.2021 10:00:00'
                 '</span></div><div class="text">seventh</div></div></div></div>\n')
    [healthy] = telegram_html.parse_pages([_telegram_page(forwarded)], "messages.html").messages
    assert (healthy.sender, healthy.note) == ("Boris", "forwarded from Ivan")
    damaged = forwarded.replace('<div class="forwarded', f'<d{_SPOT}iv class="forwarded')
    [read_tg] = telegram_html.parse_pages([_telegram_page(damaged)], "messages.html").messages
    assert read_tg.sender is None and "its sender is not read" in read_tg.note and "Ivan" in read_tg.note
    page = _dce_page([_dce_message(1, "anna", "one"), _dce_message(2, "bob", "two"), _dce_message(3, "anna", "3")])
    read_dc = discord_html.parse(page.replace("<span class=chatlog__author title=bob>",
                                              f"<s{_SPOT}pan class=chatlog__author title=bob>"), "c.html")[0].messages
    assert [(m.sender, m.text) for m in read_dc] == [("anna", "one"), (None, "two"), ("anna", "3")]
    assert "its sender is not read" in read_dc[1].note
    im = ('<html>\n<head>\n<meta charset="UTF-8">\n</head>\n<body>\n<div class="message">\n<div class="sent iMessage">'
          '\n<p><span class="timestamp">Jan 14, 2024  9:01:00 AM</span>\n<span class="sender">Me</s' + _SPOT
          + 'pan></p>\n<hr><div class="message_part">\n<span class="bubble">hi</span>\n</div>\n</div>\n</div>\n'
          '</body>\n</html>\n')
    [read_im] = imessage_html.parse(im, "+15551234567.html")[0].messages
    assert (read_im.sender, read_im.text) == (None, "hi")
    assert read_im.note == MARKUP_SENDER_NOTE.format(read="Me pan>")


def _minified(page: str) -> str:
    """`page` as DiscordChatExporter writes it after WebMarkupMin: its ignore markers gone, the whitespace between
    tags dropped, a class's spaces trimmed and a one-token attribute value unquoted."""
    page = re.sub(r"\s*\n\s*", "", page.replace("<!--wmm:ignore-->", "").replace("<!--/wmm:ignore-->", ""))
    page = re.sub(r'class="([^"]*)"', lambda found: 'class="' + " ".join(found[1].split()) + '"', page)
    return re.sub(r'(\s[\w:-]+)="([^\s"\'=<>`]+)"', r"\1=\2", page)


def test_the_discord_builder_minified_as_dce_writes_it_reads_alike_and_says_its_damage():
    """Review M1: layout6's builder writes DCE's templates with their quotes; the exporter's real page is minified.
    Both read alike; on the minified page a damaged container says the message it lost, a damaged author is no
    sender (not the group's), and a healthy page says nothing of damage."""
    from app.core.chats import discord_html
    from tests.test_chat_layouts6 import _dce_dm_page
    quoted = discord_html.parse(_dce_dm_page(), "anna.html")[0]
    page = _minified(_dce_dm_page())
    assert "<div id=chatlog__message-container-2 class=chatlog__message-container data-message-id=2>" in page
    minified = discord_html.parse(page, "anna.html")[0]
    assert minified == quoted and [m.sender for m in minified.messages] == ["Anna (anna_k)"] * 2 + ["bob"]
    assert not any("damaged" in m.note for m in minified.messages)
    lost = discord_html.parse(page.replace("<div id=chatlog__message-container-2", f"<d{_SPOT}iv id=chatlog__message"
                                                                                 "-container-2"), "anna.html")[0]
    assert any("opens 3 messages, 2 of them read" in m.note for m in lost.messages)
    unread = discord_html.parse(page.replace("<span class=chatlog__author title=bob", f"<span{_SPOT} class=chatlog_"
                                                                                     "_author title=bob"), "anna.html")
    assert [(m.sender, m.text) for m in unread[0].messages] == [
        ("Anna (anna_k)", "where are you?\nat the depot & waiting"), ("Anna (anna_k)", ""), (None, "coming")]


def test_two_messages_read_as_one_take_neither_sender_on_google_voice_and_messenger():
    """A spot inside a message's own tag (`<div class="mes<![foo]>sage">`) reads it into the message before: the
    page's count says so, but the record's sender was both names run together ("AnnaMe (+1…)", "Bob JonesAnna
    Smith"), a person who is no participant. Now it is no sender, its note saying what was read."""
    from app.core.chats import googlevoice, messenger_html
    from tests.test_chat_layouts17 import _messenger_page
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    anna = _cite("Anna", "+17320000111")
    voice = _text_page("Anna", [_message(1, anna, "one"), _message(2, ME, "two"), _message(3, anna, "three")])
    second = voice.index('<div class="message">', voice.index("one</q>"))
    read = googlevoice.parse(voice[:second + 10] + _SPOT + voice[second + 10:], _GV_NAME)[0].messages
    assert [m.sender for m in read] == [None, "Anna (+17320000111)"]
    assert "its sender is not read" in read[0].note and "opens 3 messages, 2 of them read" in read[-1].note + read[0].note
    page = _messenger_page([("Anna Smith", "one", "Jan 15, 2024 9:05:12 pm"), ("Bob Jones", "two",
                            "Jan 15, 2024 9:04:00 pm"), ("Anna Smith", "three", "Jan 15, 2024 9:03:00 pm")])
    spot = page.index('<section class="_a6-g">', page.index(">one<")) + 4
    read_ms = messenger_html.parse_pages([page[:spot] + _SPOT + page[spot:]]).messages
    assert all(m.sender in (None, "Anna Smith", "Bob Jones") for m in read_ms) and None in [m.sender for m in read_ms]


def test_a_discord_message_whose_words_tag_is_damaged_says_its_words_may_be_lost():
    """A spot inside the tag holding a message's words (`<span class=chatlog__markdown-pre<![foo]>serve>`): the
    parser reads on, the words are not read and the page's count is right, so "two" came out empty with nothing
    said (111 of the minified page's 1,359 offsets). Now the message says its words may be lost there."""
    from app.core.chats import discord_html
    page = _dce_page([_dce_message(1, "anna", "one"), _dce_message(2, "bob", "two"), _dce_message(3, "anna", "3")])
    at = page.index("markdown-preserve>two")
    read = discord_html.parse(page[:at + 8] + _SPOT + page[at + 8:], "c.html")[0].messages
    assert [(m.sender, m.text) for m in read] == [("anna", "one"), ("bob", ""), ("anna", "3")]
    assert read[1].note.startswith("no words or files read: the page's markup is damaged inside this message")
    assert not read[0].note and not read[2].note


def _tdesktop_message(i: int, body: str, joined: bool = False, name: str = "Anna") -> str:
    """A message as Telegram Desktop's export_output_html.cpp writes it: each div on a line of its own, indented by
    depth (pushDiv), class before id; a joined message (the same sender's next) has no picture or from_name."""
    css = "message default clearfix joined" if joined else "message default clearfix"
    picture = "" if joined else (
        '      <div class="pull_left userpic_wrap">\n       <div class="userpic userpic2" style="width: 42px; height: '
        '42px">\n        <div class="initials" style="line-height: 42px">\nA\n        </div>\n       </div>\n'
        "      </div>\n")
    sender = "" if joined else f'       <div class="from_name">\n{name}\n       </div>\n'
    return (f'     <div class="{css}" id="message{i}">\n{picture}      <div class="body">\n       <div class="pull_right '
            f'date details" title="14.01.2024 09:0{i}:00 UTC+01:00">\n09:0{i}\n       </div>\n{sender}       <div '
            f'class="text">\n{body}\n       </div>\n      </div>\n     </div>\n')


def test_a_telegram_page_in_tdesktops_own_layout_reads_whole_and_says_a_lost_message():
    """Review M1 for Telegram: a page as tdesktop writes it (a date line, a service message, a joined message, the
    indented one-div-a-line form) reads every message with its sender; a damaged joined message is said lost."""
    from app.core.chats import telegram_html
    head = ('<!DOCTYPE html>\n<html>\n <head>\n  <meta charset="utf-8"/>\n<title>Exported Data</title>\n </head>\n'
            ' <body onload="CheckLocation();">\n  <div class="page_wrap">\n   <div class="page_header">\n    <div '
            'class="content">\n     <div class="text bold">\nAnna\n     </div>\n    </div>\n   </div>\n   <div '
            'class="page_body chat_page">\n    <div class="history">\n')
    service = ('     <div class="message service" id="message{i}">\n      <div class="body details">\n{words}\n'
               "      </div>\n     </div>\n")
    page = (head + service.format(i=-1, words="14 January 2024")
            + service.format(i=1, words="Anna created group &laquo;X&raquo; with members Bob")
            + _tdesktop_message(2, "hi") + _tdesktop_message(3, "again", joined=True)
            + _tdesktop_message(4, "hello", name="Bob") + "    </div>\n   </div>\n  </div>\n </body>\n</html>\n")
    read = telegram_html.parse_pages([page], "messages.html").messages
    assert [(m.sender, m.text, m.system) for m in read] == [
        (None, "Anna created group «X» with members Bob", True), ("Anna", "hi", False), ("Anna", "again", False),
        ("Bob", "hello", False)]
    assert not any("damaged" in m.note for m in read)
    joined = page.index('<div class="message default clearfix joined"')
    damaged = telegram_html.parse_pages([page[:joined + 2] + _SPOT + page[joined + 2:]], "messages.html").messages
    assert "again" not in [m.text for m in damaged]
    assert any("opens 5 messages, 4 of them read" in m.note for m in damaged)  # the date line is written as one


def test_a_name_holding_its_own_escaped_angle_brackets_is_kept_as_the_sender():
    """A name's own "<" and ">" are written "&lt;" and "&gt;" by every exporter, its quotes each its own way: tdesktop
    "&apos;" and "&quot;" (SerializeString), DCE "&#x27;" (RazorBlade's HtmlHelper.Encode), Google "&#39;". Before
    (review revF H1) a word holding both, ">'<", '"<3"', "O'Neil<3", was found escaped on no page: a healthy page's
    true sender was made unknown and said "the page's markup is damaged". Such a name is no markup."""
    from app.core.chats import discord_html, googlevoice, telegram_html
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    from tests.test_chatsfix32b import _telegram_page
    read = discord_html.parse(_dce_page([_dce_message(1, "&lt;3anna&gt;", "one")]), "c.html")[0].messages
    assert [(m.sender, m.note) for m in read] == [("<3anna>", "")]
    for written, name in [("Anna &gt;&apos;&lt;", "Anna >'<"), ("Anna &quot;&lt;3&quot;", 'Anna "<3"'),
                          ("Kim O&apos;Neil&lt;3", "Kim O'Neil<3")]:
        page = _telegram_page(_tdesktop_message(1, "hi", name=written) + _tdesktop_message(2, "yo", name="Bob"))
        read = telegram_html.parse_pages([page], "messages.html").messages
        assert [(m.sender, m.note) for m in read] == [(name, ""), ("Bob", "")]
    for written, name in [("anna&gt;&#x27;&lt;", "anna>'<"), ("&quot;&lt;3&quot;anna", '"<3"anna')]:
        read = discord_html.parse(_dce_page([_dce_message(1, written, "one"), _dce_message(2, "bob", "two")]),
                                  "c.html")[0].messages
        assert [(m.sender, m.note) for m in read] == [(name, ""), ("bob", "")]
    page = _text_page("Mom", [_message(1, _cite("Mom&#39;s&lt;3", "+17323217777"), "hi"), _message(2, ME, "yo")])
    read = googlevoice.parse(page, "Mom - Text - 2021-01-22T01_33_43Z.html")[0].messages
    assert [(m.sender, m.note) for m in read] == [("Mom's<3 (+17323217777)", ""), ("Me", "")]


def test_a_page_whose_only_damage_is_a_sender_not_read_is_warned_on_the_command_line(case, tmp_path, capsys):
    """Review revF M3: a spot in Anna's from_name tag made her sender unknown and said so in that message's note
    only; `timeline` printed its usual line and no warning. Now it warns, as for a page not read past a spot."""
    from app.cli.timeline import _take_in_all
    from app.core.chats.html_cut import MARKUP_SENDER_SAID
    from tests.test_chatsfix32b import _telegram_page
    folder = tmp_path / "ChatExport_2024-01-15"
    folder.mkdir()
    page = _telegram_page(_tdesktop_message(1, "meet at 9") + _tdesktop_message(2, "ok", name="Bob"))
    (folder / "messages.html").write_text(page.replace('class="from_name">', f'class="from_name"{_SPOT}>', 1),
                                          encoding="utf-8")
    [taken], status = _take_in_all(case, [str(folder)])
    err = capsys.readouterr().err
    assert status == 0 and [(m.sender, m.text) for m in taken.export.messages] == [(None, "meet at 9"), ("Bob", "ok")]
    assert MARKUP_SENDER_SAID in taken.export.messages[0].note and "damaged HTML" not in err
    assert ("warning: 1 message(s) with their sender or words not read where the page's markup is damaged" in err)
    (folder / "messages.html").write_text(page, encoding="utf-8")
    _take_in_all(case, [str(folder)])
    assert "warning" not in capsys.readouterr().err


def test_a_discord_page_whose_only_damage_is_an_author_or_words_not_read_is_warned_on_the_command_line(
        case, tmp_path, capsys):
    """The same for DiscordChatExporter's notes: a header's author element damaged, a message's words' tag damaged."""
    from app.cli.timeline import _take_in_all
    page = _dce_page([_dce_message(1, "anna", "one"), _dce_message(2, "bob", "two"), _dce_message(3, "anna", "3")])
    for number, (tag, damaged) in enumerate([
            ("<span class=chatlog__author title=bob>", f"<s{_SPOT}pan class=chatlog__author title=bob>"),
            ("<span class=chatlog__markdown-preserve>two", f"<span class=chatlog__markdown-pre{_SPOT}serve>two")]):
        html_file = tmp_path / f"Guild - chat {number} [1].html"
        html_file.write_text(page.replace(tag, damaged), encoding="utf-8")
        [taken], status = _take_in_all(case, [str(html_file)])
        err = capsys.readouterr().err
        assert status == 0 and len(taken.export.messages) == 3 and "damaged HTML" not in err, err
        assert "warning: 1 message(s) with their sender or words not read where the page's markup is damaged" in err
