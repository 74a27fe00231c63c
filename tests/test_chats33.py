"""Session 33's chat fixes: Discord's damage count not forged by words, (more below)."""

from __future__ import annotations

from app.core.chats.html_cut import READ_ON_PAST
from tests.test_chatsfix32c import _damaged, _dce_message, _dce_page


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
