"""Search across a case (app.core.search): current text, accents, phrases, prefixes, no-space scripts."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from app.core.chats.intake import take_in
from app.core.chats.text_intake import import_text
from app.core.editing import operations as editing
from app.core.errors import StoreError
from app.core.search import count, folding, search
from app.core.search.query import parse
from app.core.store import Case, db, search_index
from app.core.store.chats import attachment_exhibits
from tests.conftest import MEDIA, REPO
from tests.search_helpers import SEGMENT_MS, add_exhibit, add_run

INTERVIEW = [
    "We met at the Café in Zürich last Friday.",
    "The banking app showed two transfers.",
    "He drove a red car to the bank on Main Street.",
    "Nobody saw the car that was red.",
]


@pytest.fixture()
def interview(case: Case) -> tuple[int, int]:
    exhibit = add_exhibit(case, "interview.wav")
    return exhibit, add_run(case, exhibit, INTERVIEW, speakers=["Officer", "Witness", "Witness", None])


def _texts(case: Case, query: str) -> list[str]:
    return [h.text for h in search(case, query)]


def test_a_hit_names_the_exhibit_run_segment_moment_and_speaker(case, interview):
    exhibit, run = interview
    [hit] = search(case, "transfers")
    assert (hit.exhibit_id, hit.exhibit_name, hit.run_id, hit.task) == (exhibit, "interview.wav", run,
                                                                         "transcribe")
    assert (hit.start_ms, hit.end_ms, hit.speaker) == (SEGMENT_MS, SEGMENT_MS + 2500, "Witness")
    assert hit.segment_id == editing.segment_ids(case, run)[1]
    assert hit.snippet == "The banking app showed two [transfers]."
    assert not hit.edited


def test_case_and_accents_do_not_matter_either_way(case, interview):
    for query in ("cafe", "CAFÉ", "zurich", "ZÜRICH", "Zurich cafe"):
        assert _texts(case, query) == [INTERVIEW[0]], query
    exhibit = add_exhibit(case, "note.txt", kind="text")
    add_run(case, exhibit, ["Der Kaffee im Cafe Zurich war kalt."], task="text")
    assert len(search(case, "café zürich")) == 2


def test_letters_without_an_accent_to_remove_are_folded_too(case):
    exhibit = add_exhibit(case, "pl.opus")
    add_run(case, exhibit, ["Zadzwoń do Łukasza, on wie.", "Søren og Đorđe i Kırıkkale"], language="pl")
    [hit] = search(case, "lukasza")
    assert hit.snippet == "Zadzwoń do [Łukasza], on wie."  # marked in the text as written
    assert _texts(case, "ŁUKASZA zadzwon") == ["Zadzwoń do Łukasza, on wie."]
    assert _texts(case, "soren dorde kirikkale") == ["Søren og Đorđe i Kırıkkale"]


def test_the_sql_fold_and_the_query_fold_are_the_same_map(case):
    migration = next(path for number, path in db.migrations() if number == 5)
    assert folding.sql_definitions() in migration.read_text(encoding="utf-8")
    exhibit = add_exhibit(case, "letters.txt", kind="text")
    add_run(case, exhibit, [f"q{k}q" for k in folding.FOLD], task="text")
    for letter, base in folding.FOLD.items():
        snippets = [hit.snippet for hit in search(case, f"q{base}q", limit=200)]
        assert f"[q{letter}q]" in snippets, hex(ord(letter))


def test_greek_arabic_and_hebrew_fold_their_marks(case):
    exhibit = add_exhibit(case, "scripts.txt", kind="text")
    add_run(case, exhibit, ["Ραντεβού στην Αθήνα, οδός Σταδίου", "قال مُحَمَّد إنه في المنزل",
                            "أحمد ذهب إلى السوق", "שָׁלוֹם חבר"], task="text")
    assert search(case, "αθηνα οδος")[0].snippet == "Ραντεβού στην [Αθήνα], [οδός] Σταδίου"
    assert search(case, "محمد")[0].snippet == "قال [مُحَمَّد] إنه في المنزل"
    assert _texts(case, "احمد الي") == ["أحمد ذهب إلى السوق"]
    assert _texts(case, "שלום") == ["שָׁלוֹם חבר"]


def test_a_long_text_is_cut_around_the_match_at_spaces(case):
    exhibit = add_exhibit(case, "statement.txt", kind="text")
    words = [f"word{i}" for i in range(200)]
    words[100] = "Krakow"
    add_run(case, exhibit, [" ".join(words)], task="text")
    [hit] = search(case, "krakow")
    assert hit.snippet.startswith("\u2026word") and hit.snippet.endswith("\u2026")
    assert "[Krakow]" in hit.snippet and len(hit.snippet) < 160
    assert " word99 [Krakow] word101 " in hit.snippet


def test_plain_words_must_all_occur_in_any_order(case, interview):
    assert sorted(_texts(case, "red car")) == sorted([INTERVIEW[2], INTERVIEW[3]])
    assert sorted(_texts(case, "car red")) == sorted([INTERVIEW[2], INTERVIEW[3]])
    assert _texts(case, "red bicycle") == []


def test_a_quoted_phrase_needs_its_words_together_and_in_order(case, interview):
    assert _texts(case, '"red car"') == [INTERVIEW[2]]
    assert _texts(case, '"car red"') == []
    assert _texts(case, '"at the cafe"') == [INTERVIEW[0]]
    assert _texts(case, "\u201cred car\u201d") == [INTERVIEW[2]]  # typographic quotes too


def test_a_star_makes_a_prefix_and_a_bare_word_is_whole(case, interview):
    assert _texts(case, "bank") == [INTERVIEW[2]]
    assert sorted(_texts(case, "bank*")) == sorted([INTERVIEW[1], INTERVIEW[2]])
    assert _texts(case, '"red ca*"') == [INTERVIEW[2]]


@pytest.mark.parametrize("text, query", [
    ("我们明天在北京火车站见面，带上钱。", "北京"),          # two characters: scanned
    ("我们明天在北京火车站见面，带上钱。", "火车站"),        # three or more: the trigram index
    ("明日の朝、東京駅で会いましょう。", "東京駅"),
    ("ไปที่ธนาคารพรุ่งนี้ตอนเช้า", "ธนาคาร"),
    ("내일 서울역에서 만나요", "서울역"),
])
def test_scripts_without_spaces_are_searched_as_substrings(case, text, query):
    exhibit = add_exhibit(case, "chat.txt", kind="text")
    add_run(case, exhibit, [text, "nothing to see"], task="text")
    [hit] = search(case, query)
    assert hit.text == text and f"[{query}]" in hit.snippet
    assert search(case, query + "站X") == []


def test_a_substring_and_a_word_combine(case):
    exhibit = add_exhibit(case, "mixed.txt", kind="text")
    add_run(case, exhibit, ["北京 police station", "北京 market", "police in 上海市"], task="text")
    assert _texts(case, "北京 police") == ["北京 police station"]
    assert _texts(case, "上海市 police") == ["police in 上海市"]


@pytest.mark.parametrize("query", [
    '"unbalanced', 'a"b"c"', "AND", "OR NOT", "NEAR(a b)", "(", ")", "*", "**", "col:text",
    "text:bank", "^bank", "-bank", "+", "'", "''", '""', "\\", "%", "_", "a' OR 1=1 --",
    "bank AND", "{bank}", "[bank]", "\x00", " ", "", "\u200e", "北", "\u3002",
])
def test_no_query_raises_an_sqlite_error(case, interview, query):
    hits = search(case, query)
    assert isinstance(hits, list) and count(case, query) >= len(hits)


def test_syntax_characters_are_read_as_words(case, interview):
    assert _texts(case, "bank:") == [INTERVIEW[2]]
    assert sorted(_texts(case, '"red car')) == sorted([INTERVIEW[2], INTERVIEW[3]])
    assert _texts(case, "(transfers)") == [INTERVIEW[1]]
    assert _texts(case, "AND transfers") == []  # AND is a word like any other


def test_the_index_follows_edits_splits_merges_and_undo(case, interview):
    _, run = interview
    ids = editing.segment_ids(case, run)
    change = editing.edit_text(case, run, ids[2], "He drove a blue van to the bank.")
    [hit] = search(case, "blue van")
    assert hit.edited and hit.segment_id in editing.segment_ids(case, run)
    assert search(case, '"red car"') == []
    assert len(search(case, "cafe")) == 1 and search(case, "cafe")[0].edited  # the whole run moved
    undone = editing.undo(case, change.revision_id)
    assert _texts(case, '"red car"') == [INTERVIEW[2]] and search(case, "blue") == []
    assert undone.revision_id
    wid = editing.segment_ids(case, run)[0]
    editing.split(case, run, wid, INTERVIEW[0].index("last"))
    [friday] = search(case, "friday")
    assert friday.text == "last Friday." and friday.start_ms > 0
    editing.merge(case, run, editing.segment_ids(case, run)[:2])
    assert _texts(case, "zurich friday") == [INTERVIEW[0]]
    editing.set_speaker(case, run, search(case, "transfers")[0].segment_id, "PC Jones")
    assert search(case, "transfers")[0].speaker == "PC Jones"
    editing.replace_all(case, run, "bank", "building society")
    assert _texts(case, "building society") == ["He drove a red car to the building society on Main Street."]
    search_index.check(case.conn)  # both indexes still match the text, row for row
    current = {s.text for s in editing.current_segments(case, run)}
    indexed = {r[0] for r in case.conn.execute("SELECT text FROM search_text WHERE run_id=?", (run,))}
    assert indexed == current


def test_the_integrity_check_notices_an_index_out_of_step(case, interview):
    search_index.check(case.conn)
    case.conn.execute("INSERT INTO search_words (rowid, folded) VALUES (999, 'stray words')")
    with pytest.raises(StoreError, match="does not match"):
        search_index.check(case.conn)
    search_index.rebuild(case.conn)  # the repair: both indexes read anew from search_text
    search_index.check(case.conn)
    assert search(case, "stray") == [] and len(search(case, "transfers")) == 1


def test_translations_and_text_imports_are_searched(case, interview, tmp_path):
    exhibit, run = interview
    add_run(case, exhibit, ["Spotkaliśmy się w kawiarni."], task="translate", language="pl",
            parent_run_id=run)
    [hit] = search(case, "kawiarni")
    assert hit.task == "translate" and hit.language == "pl"
    chat = tmp_path / "WhatsApp Chat with Anna.txt"
    chat.write_text("12/03/2024, 21:14 - Anna: bring the money to the garage\n"
                    "12/03/2024, 21:15 - Bob: which garage?\n", encoding="utf-8")
    import_text(case, chat)
    hits = search(case, "garage")
    assert {h.speaker for h in hits} == {"[12/03/2024, 21:14] Anna", "[12/03/2024, 21:15] Bob"}
    assert {h.exhibit_name for h in hits} == {chat.name}


def test_many_matches_come_in_index_order_without_ranking(case, monkeypatch):
    exhibit = add_exhibit(case, "long.wav")
    add_run(case, exhibit, [f"the money number {i}" for i in range(30)])
    ranked = search(case, "money", limit=5)
    monkeypatch.setattr(search_index, "RANKED_MAX", 10)
    unranked = search(case, "money", limit=5)
    assert len(ranked) == len(unranked) == 5 and count(case, "money") == 30
    assert [h.start_ms for h in unranked] == sorted(h.start_ms for h in unranked)


def _old_case(folder) -> None:
    """A case store as Parley wrote it before search existed (migrations below 005)."""
    folder.mkdir()
    conn = sqlite3.connect(folder / db.STORE_NAME, isolation_level=None)
    for number, path in db.migrations():
        if number >= 5:
            break
        for statement in db.statements(path.read_text(encoding="utf-8")):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version={number}")
    conn.execute("INSERT INTO exhibits (id, sha256, path, name, bytes, added_at)"
                 " VALUES (1, 'aa', '/e/old.wav', 'old.wav', 1, 'now')")
    for run in (1, 2):
        conn.execute("INSERT INTO runs (id, exhibit_id, task, model_name, model_sha256, model_family,"
                     " settings_json, software_json, status, created_at)"
                     " VALUES (?, 1, 'transcribe', 'm', 's', 'whisper', '{}', '{}', 'complete', 'now')",
                     (run,))
    conn.execute("INSERT INTO segments (id, run_id, start_ms, end_ms, text)"
                 " VALUES (1, 1, 0, 1000, 'the stolen bicycle'), (2, 2, 0, 1000, 'an old draft')")
    conn.execute("INSERT INTO working_transcripts (run_id, created_at, created_by) VALUES (2, 'now', 'x')")
    conn.execute("INSERT INTO working_segments (run_id, origin_segment_id, start_ms, end_ms, text)"
                 " VALUES (2, 2, 0, 1000, 'the corrected draft')")
    conn.close()


def test_an_existing_case_is_indexed_by_the_migration(tmp_path):
    _old_case(tmp_path / "old")
    case = Case.open(tmp_path / "old")
    try:
        assert _texts(case, "bicycle") == ["the stolen bicycle"]
        assert _texts(case, "corrected") == ["the corrected draft"]
        assert search(case, "old draft") == []  # superseded by the proofread copy
    finally:
        case.close()


def test_parse_quotes_every_term_for_fts5():
    query = parse('bank* "red car" 北京 x"y')
    assert query.words_expression() == '"bank" * AND "red car" AND "x" AND "y"'
    assert query.substrings == ("北京",) and query.short_substrings() == ("北京",)
    assert parse('"北京 火车站"').trigram_expression() == '"北京 火车站"'
    assert parse('o"brien"').words_expression() == '"o" AND "brien"'
    assert parse('say ""hi""').words_expression() == '"say" AND "hi"'
    assert parse("...").empty


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "app", *args], check=False, capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)


def test_cli_search_prints_hits_and_json(case, interview):
    case.close()
    out = _cli("search", "cafe zurich", "--case", str(case.folder))
    assert out.returncode == 0, out.stderr
    assert "interview.wav" in out.stdout and "00:00:00" in out.stdout and "Officer" in out.stdout
    assert "[Café]" in out.stdout
    out = _cli("search", '"red car"', "--case", str(case.folder), "--json")
    assert out.returncode == 0, out.stderr
    [hit] = json.loads(out.stdout)
    assert hit["exhibit"] == "interview.wav" and hit["speaker"] == "Witness"
    assert hit["start_ms"] == 2 * SEGMENT_MS and "[red car]" in hit["snippet"]


def test_cli_search_without_hits_exits_zero_and_says_so(case, interview):
    case.close()
    out = _cli("search", "unicorn", "--case", str(case.folder))
    assert out.returncode == 0 and out.stdout == "" and "no hits" in out.stderr
    out = _cli("search", "unicorn", "--case", str(case.folder), "--json")
    assert out.returncode == 0 and json.loads(out.stdout) == []
    out = _cli("search", '"(', "--case", str(case.folder), "--json")  # no word at all: said, not "no hits"
    assert out.returncode == 2 and out.stdout == "" and "holds no word to look for" in out.stderr


def test_a_chat_message_row_without_a_run_is_found_as_chat(case):
    """The hook migration 005 leaves for chat messages kept in a table of their own (source 2)."""
    exhibit = add_exhibit(case, "result.json", kind="chat")
    case.conn.execute(
        "INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, speaker,"
        " text) VALUES (?, ?, 7, ?, NULL, 0, 0, 'Dave', 'the van is at the depot, 07700 900123')",
        (7 * 4 + search_index.SOURCE_CHAT, search_index.SOURCE_CHAT, exhibit))
    [hit] = search(case, "depot")
    assert (hit.task, hit.run_id, hit.segment_id, hit.speaker) == ("chat", None, 7, "Dave")
    from app.core.search.entities import case_entities

    [phone] = [e for e in case_entities(case) if e.kind == "phone"]
    assert phone.occurrences[0].task == "chat" and phone.exhibits == ((exhibit, "result.json"),)


def test_chat_messages_taken_in_are_searchable(tmp_path):
    """A chat export's messages are in the case-wide search, with their sender, from intake on."""
    import shutil

    from app.core.search import search as find
    from app.core.store import Case as StoreCase
    from tests.conftest import REPO

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    shutil.copy(REPO / "tests" / "fixtures" / "chats" / "whatsapp_android_en.txt", evidence / "chat.txt")
    case = StoreCase.open(tmp_path / "case")
    try:
        [taken] = take_in(case, evidence / "chat.txt")
        message = next(m for m in taken.export.messages if len(m.text.split()) >= 2 and not m.system)
        word = max(message.text.split(), key=len).strip(".,!?")
        hits = find(case, word)
        assert any(h.task == "chat" and h.speaker == message.sender for h in hits), hits
    finally:
        case.close()


def test_a_chat_hit_carries_its_message_time_as_the_timeline_shows_it(tmp_path):
    """A hit in a chat message has the message's date-time (normalised, or as written when
    ambiguous), the same moment the export's timeline gives that message."""
    import shutil

    from app.core.chats.timeline import build_timeline

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for name in ("whatsapp_android_en.txt", "whatsapp_ambiguous.txt"):
        shutil.copy(REPO / "tests" / "fixtures" / "chats" / name, evidence / name)
    case = Case.open(tmp_path / "case")
    try:
        exports = [take_in(case, evidence / name)[0].exhibit_id
                   for name in ("whatsapp_android_en.txt", "whatsapp_ambiguous.txt")]
        entries = {e.message_id: e for x in exports for e in build_timeline(case, x).entries}
        [saturday] = search(case, "Saturday")
        [hola] = search(case, "hola")
        assert saturday.when == "2024-03-12 21:15:00"
        assert hola.when == "04/05/2022, 10:00 (ambiguous)"
        for hit in (saturday, hola, *search(case, "station")):
            entry = entries[hit.segment_id]
            assert (hit.message_time, hit.message_datetime) == (entry.time, entry.datetime)
        note = add_exhibit(case, "note.opus")
        add_run(case, note, ["Hello.", "Bring the cash on Saturday."])
        [spoken] = [h for h in search(case, "Saturday") if h.run_id is not None]
        assert spoken.message_time is None and spoken.when == "00:00:03.000"
    finally:
        case.close()


def test_a_voice_note_hit_names_the_messages_that_carried_it(case, tmp_path):
    """A word said in a voice note led only to the recording: the hit now says who sent it, when,
    and in which chat (both chats, where one note was forwarded into two)."""
    folder = tmp_path / "WhatsApp Chat with Sam"
    folder.mkdir()
    (folder / "_chat.txt").write_text(
        "[05/10/2024, 21:14:03] Sam: hello\n"
        "[05/10/2024, 21:15:40] Sam: <attached: 00000012-AUDIO-2024-10-05-21-15-40.opus>\n", encoding="utf-8")
    shutil.copy(MEDIA / "en_voicenote.opus", folder / "00000012-AUDIO-2024-10-05-21-15-40.opus")
    [taken] = take_in(case, folder)
    [note] = attachment_exhibits(case, taken.exhibit_id)
    add_run(case, note, ["Bring the package."])
    folder_case = case.folder
    case.close()
    out = _cli("search", "--case", str(folder_case), "package")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("[sent by Sam, 2024-10-05 21:15:40, in _chat.txt]")
    [hit] = json.loads(_cli("search", "--case", str(folder_case), "--json", "package").stdout)
    assert hit["sent_in"] == [{"chat": "_chat.txt", "sender": "Sam", "time": "05/10/2024, 21:15:40",
                               "datetime": "2024-10-05T21:15:40"}]
    [hello] = json.loads(_cli("search", "--case", str(folder_case), "--json", "hello").stdout)
    assert hello["sent_in"] == [] and hello["message_datetime"] == "2024-10-05T21:14:03"
