"""Chat exports as phones write them (sixth round): the app's own words in the languages not read
before (a deletion, a missed call, a file left out, an edit, in Finnish, Danish, Swedish, Czech,
Hungarian, Greek, Vietnamese, Japanese...), ...

Each export is built here the way the app writes it.
"""

from __future__ import annotations

from pathlib import Path

from app.core.chats import load_export


def _messages(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Anna.txt"):
    chat = tmp_path / name
    chat.write_text(text, encoding="utf-8")
    [loaded] = load_export(chat)
    return loaded.export.messages


def test_deletions_calls_files_left_out_and_edits_in_more_languages_are_the_apps_words(tmp_path):
    """`Tämä viesti poistettiin` (Finnish: this message was deleted) was kept as Anna's words, to be
    translated and searched as hers; `<Media jätetty pois>` as her text, no file said missing."""
    messages = _messages(tmp_path, (
        "15.1.2024 klo 21.05 - Anna: Hei\n"
        "15.1.2024 klo 21.06 - Anna: Tämä viesti poistettiin\n"
        "15.1.2024 klo 21.07 - Bob: Poistit tämän viestin\n"
        "15.1.2024 klo 21.08 - Anna: <Media jätetty pois>\n"
        "15.1.2024 klo 21.09 - Bob: Vastaamaton äänipuhelu\n"
        "15.1.2024 klo 21.10 - Anna: Nähdään huomenna <Tätä viestiä on muokattu>\n"
        "15.1.2024 klo 21.11 - Bob: Denne besked er blevet slettet\n"
        "15.1.2024 klo 21.12 - Bob: \u200eTato zpráva byla smazána\n"
        "15.1.2024 klo 21.13 - Anna: \u200ebillede udeladt\n"
        "15.1.2024 klo 21.14 - Anna: \u200eYhteystietokortti jätettiin pois\n"
        "15.1.2024 klo 21.15 - Bob: Tin nhắn này đã bị xóa\n"
        "15.1.2024 klo 21.16 - Bob: このメッセージは削除されました。\n"
        "15.1.2024 klo 21.17 - Anna: Αυτό το μήνυμα διαγράφηκε\n"
        "15.1.2024 klo 21.18 - Anna: Ez az üzenet törlésre került\n"
        "15.1.2024 klo 21.19 - Anna: Kirjoitin että viesti poistettiin eilen\n"
    ))
    assert [m.system for m in messages] == [False, True, True, False, True, False, True, True, False, False,
                                           True, True, True, True, False]
    assert messages[0].text == "Hei" and messages[14].text == "Kirjoitin että viesti poistettiin eilen"
    left_out = [messages[i].attachment for i in (3, 8, 9)]
    assert all(a is not None and a.missing and a.name is None for a in left_out)
    assert [a.kind for a in left_out] == ["other", "image", "document"]
    assert messages[5].text == "Nähdään huomenna" and "Tätä viestiä on muokattu" in messages[5].note
    assert all(m.sender in ("Anna", "Bob") for m in messages)
