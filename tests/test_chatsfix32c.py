"""Session 32's fixes of review_revJ (chatsfix32b): the damage count on the exporters' real markup (DCE's minified
page, imessage-exporter's announcements), Telegram HTML polls, marks tied to their tag."""

from __future__ import annotations

from app.core.chats.html_cut import READ_ON_PAST

_SPOT = "<![foo]>"  # a marked section Python's HTML parser stops at: the element it sits in is lost


def _damaged(page: str, opening: str) -> str:
    """`page` with a damaged spot inside the first `opening` tag (`<d<![foo]>iv …`)."""
    return page.replace(opening, opening[:2] + _SPOT + opening[2:], 1)


def _dce_message(i: int, author: str, text: str, pinned: bool = False) -> str:
    """One message as DiscordChatExporter writes it after WebMarkupMin: one-token attribute values unquoted, a
    pinned message's two-token class quoted."""
    cls = ('"chatlog__message-container chatlog__message-container--pinned"' if pinned
           else "chatlog__message-container")
    return (f"<div id=chatlog__message-container-{i} class={cls} data-message-id={i}><div class=chatlog__message>"
            f"<div class=chatlog__message-primary><div class=chatlog__header><span class=chatlog__author "
            f"title={author}>{author}</span> <span class=chatlog__timestamp><a href=#chatlog__message-container-{i}>"
            f'14/01/2024 09:0{i}</a></span></div><div class="chatlog__content chatlog__markdown"><span '
            f"class=chatlog__markdown-preserve>{text}</span></div></div></div></div>")


def _dce_page(messages: list[str]) -> str:
    return ("<!DOCTYPE html><html lang=en><head><title>Guild - chat</title><meta charset=utf-8></head><body>"
            "<div class=preamble><div class=preamble__entries-container><div class=preamble__entry>Guild</div></div>"
            "</div><div class=chatlog><div class=chatlog__message-group>" + "".join(messages)
            + "</div></div></body></html>")


def test_a_damaged_minified_discord_page_says_the_message_it_lost():
    """Before (review_revJ H1): the marks needed quotes DCE's minifier drops, so on its real page the count saw 0
    messages and anna's lost "two" merged into bob's unsaid. Now the loss is said; the healthy page says nothing."""
    from app.core.chats import discord_html
    messages = [_dce_message(1, "anna", "one"), _dce_message(2, "bob", "two"),
                _dce_message(3, "anna", "three", pinned=True)]
    healthy = discord_html.parse(_dce_page(messages), "c.html")[0].messages
    assert [(m.sender, m.text, m.note) for m in healthy] == [("anna", "one", ""), ("bob", "two", ""),
                                                              ("anna", "three", "pinned")]
    damaged = discord_html.parse(_damaged(_dce_page(messages), "<div id=chatlog__message-container-2 "), "c.html")
    read = damaged[0].messages
    assert len(read) < 3
    assert any(READ_ON_PAST in m.note and "opens 3 messages" in m.note for m in read)


def _im_message(t: int, sender: str, body: str) -> str:
    """One received message as imessage-exporter's html.rs writes it."""
    return (f'<div class="message">\n<div class="received">\n<p><span class="timestamp">Jan 14, 2024  9:0{t}:00 AM'
            f'</span>\n<span class="sender">{sender}</span></p>\n<hr><div class="message_part">\n<span class="bubble">'
            f"{body}</span>\n</div>\n</div>\n</div>\n")


def test_a_damaged_imessage_page_with_an_announcement_says_the_message_it_lost():
    """imessage-exporter writes an announcement `<div class ="announcement">` (a space before "="). Before
    (review_revJ H2): the one mark missed it while the reader counted it, and a spot inside a message's own `<div`
    broke mark and message alike, so "two" was lost with no note. Now a second mark (the message's one "received"
    div) sees the message, the announcement is counted, and the loss is said; the healthy page says nothing."""
    from app.core.chats import imessage_html
    announcement = ('<div class ="announcement"><p><span class="timestamp">Jan 14, 2024  9:05:00 AM</span> Bob named '
                    "the conversation <b>X</b></p></div>\n")
    page = ('<html>\n<head>\n<meta charset="UTF-8">\n</head>\n<body>\n' + announcement
            + _im_message(1, "+15551234567", "one") + _im_message(2, "+15557654321", "two")
            + _im_message(3, "+15551234567", "three") + "</body>\n</html>\n")
    healthy = imessage_html.parse(page, "chat.html")[0].messages
    assert [(m.sender, m.text) for m in healthy] == [(None, "Bob named the conversation X"), ("+15551234567", "one"),
                                                     ("+15557654321", "two"), ("+15551234567", "three")]
    assert not any(m.note for m in healthy)
    second = page.index('<div class="message">', page.index("one"))
    damaged = page[:second + 2] + _SPOT + page[second + 2:]
    read = imessage_html.parse(damaged, "chat.html")[0].messages
    assert [m.text for m in read] == ["Bob named the conversation X", "one", "three"]
    assert any(READ_ON_PAST in m.note and "opens 4 messages, 3 of them read" in m.note for m in read)


def _tdesktop_poll(question: str, answers: list[tuple[str, str]], total: str) -> str:
    """A poll as Telegram Desktop's pushPoll writes it: each div on a line of its own, indented by depth (pushTag),
    an answer's votes in a details span ("2 votes, chosen vote"), none when it had no vote."""
    shown = [f' <span class="details">{votes}</span>' if votes else "" for _, votes in answers]
    rows = "".join(f'\n         <div class="answer">\n- {words}{details}\n         </div>\n'
                   for (words, _), details in zip(answers, shown))
    return ('\n       <div class="media_wrap clearfix">\n\n        <div class="media_poll">\n\n         <div class="question '
            f'bold">\n{question}\n         </div>\n\n         <div class="details">\nFinal results\n         </div>\n'
            f'{rows}\n         <div class="total details\t">\n{total}\n         </div>\n\n        </div>\n\n       </div>\n')


def test_a_telegram_html_poll_keeps_its_question_and_answers_as_the_json_reader_does(tmp_path):
    """Before (review_revJ X1): the reader knew no `media_poll`, so a poll came out an empty message with no note:
    its question, answers and votes lost. Now the question is the message's words and the answers with their votes
    are said in the note, worded as the JSON reader words the same poll."""
    from app.core.chats import load_export, telegram
    from tests.test_chatsfix32b import _telegram_page
    poll = _tdesktop_poll("Where do we meet &amp; when?<br>Reply today",
                          [("The pub", "2 votes, chosen vote"), ("Park", ""), ("Home", "1 vote")], "3 votes")
    message = ('<div class="message default clearfix" id="message5"><div class="body"><div class="pull_right date '
               'details" title="15.01.2024 21:05:00 UTC+03:00">21:05</div><div class="from_name">Anna </div>'
               f"{poll}</div></div>\n")
    (tmp_path / "messages.html").write_text(_telegram_page(message), encoding="utf-8")
    [loaded] = load_export(tmp_path / "messages.html")
    [read] = loaded.export.messages
    json_poll = {"question": "Where do we meet & when?\nReply today", "closed": True, "total_voters": 3,
                 "answers": [{"text": "The pub", "voters": 2, "chosen": True}, {"text": "Park", "voters": 0},
                             {"text": "Home", "voters": 1}]}
    [chat] = telegram.chats_of({"name": "Crew", "type": "private_group", "id": 1, "messages": [
        {"id": 5, "type": "message", "date": "2024-01-15T21:05:00", "from": "Anna", "poll": json_poll, "text": ""}]})
    [from_json] = chat.messages
    assert (read.sender, read.text, read.note) == ("Anna", "Where do we meet & when?\nReply today",
                                                   "poll (closed): The pub (2, this account's vote), Park (0), Home (1)")
    assert (read.text, read.note) == (from_json.text, from_json.note)
    assert read.attachment is None


def test_words_holding_a_raw_class_attribute_count_no_message_on_google_voice_and_messenger(tmp_path):
    """Before (review_revJ L1): the marks were not tied to a tag, so words written with their quotes raw
    (`write class="dt" there`) counted as messages the page opens, and a healthy page was said to be damaged.
    Now only a tag counts; a page that did lose a message still says so."""
    from app.core.chats import googlevoice, messenger_html
    from tests.test_chat_layouts17 import _messenger_page
    from tests.test_chatsfix30 import ME, _cite, _message, _text_page
    anna = _cite("Anna", "+17323212222")
    voice = _text_page("Anna", [_message(1, anna, "hi"), _message(2, ME, 'write class="dt" there'),
                                _message(3, anna, 'and class="message" here')])
    read = googlevoice.parse(voice, "Anna - Text - 2021-01-22T01_33_43Z.html")[0].messages
    assert [(m.text, READ_ON_PAST in m.note) for m in read] == [
        ("hi", False), ('write class="dt" there', False), ('and class="message" here', False)]
    messenger = _messenger_page([("Anna", 'say class="x _a6-o" and class="y _a6-g" to them', "Jan 15, 2024 9:05:12 pm"),
                                 ("Bob", "ok", "Jan 15, 2024 9:04:00 pm")])
    read = messenger_html.parse_pages([messenger]).messages
    assert [(m.text, READ_ON_PAST in m.note) for m in read] == [
        ("ok", False), ('say class="x _a6-o" and class="y _a6-g" to them', False)]
    damaged = messenger_html.parse_pages([_damaged(messenger, '<section class="_a6-g"><h2 class="_2ph_ _a6-h _a6-i">Bob')])
    assert any(READ_ON_PAST in m.note for m in damaged.messages)
