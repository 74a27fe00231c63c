"""Entities across a case (app.core.search.entities): finders, spoken numbers, sharing, CSV, CLI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest

from app.core.chats.intake import take_in
from app.core.chats.text_intake import import_text
from app.core.editing import operations as editing
from app.core.search import entities as ent
from app.core.search.spoken_numbers import digit_runs, normalise_digits, parse_cardinal
from app.core.store import Case
from tests.conftest import REPO
from tests.search_helpers import SEGMENT_MS, add_exhibit, add_run


def _found(text: str, kind: str, region: str = "GB") -> list[tuple[str, str]]:
    return [(m.value, m.as_written) for m in ent.find_in_text(text, region) if m.kind == kind]


def _values(text: str, kind: str, region: str = "GB") -> list[str]:
    return [value for value, _ in _found(text, kind, region)]


# ------------------------------------------------------------ spoken numbers


@pytest.mark.parametrize("text, digits", [
    ("oh seven seven double nine, one two three four five six", "07799123456"),
    ("07700 nine double oh one two three", "07700900123"),
    ("zero one two one, four nine six, triple oh", "0121496000"),
    ("nought one one three four five", "011345"),
    ("0 double 7 double 0 900123", "07700900123"),
])
def test_spoken_digit_runs_become_digits(text, digits):
    [run] = digit_runs(text)
    assert run.digits == digits and normalise_digits(text).text == digits


@pytest.mark.parametrize("text", [
    "one or two of them", "give me two, three minutes", "Oh, one two three", "the one two three",
    "number one", "twenty two", "1 2 3 4 5 6",  # digits only: nothing spoken to rewrite
    "double or nothing", "oh no, oh well",
])
def test_ordinary_speech_is_left_alone(text):
    assert normalise_digits(text).text == text


def test_a_normalised_span_maps_back_to_the_words_said():
    text = "ring oh seven seven double nine one two three tonight"
    normalised = normalise_digits(text)
    start = normalised.text.index("0")
    a, b = normalised.span(start, start + len("07799123"))
    assert text[a:b] == "oh seven seven double nine one two three"


@pytest.mark.parametrize("words, value", [
    ("five hundred", 500), ("two thousand five hundred", 2500), ("twenty-five", 25),
    ("a hundred", 100), ("one hundred and fifty", 150), ("five hundred thousand", 500_000),
    ("five five hundred", None), ("twenty thirty", None), ("two thousand three thousand", None),
    ("a grand", None), ("and five", None), ("hundred", None), ("twenty fifteen", None),
])
def test_cardinals(words, value):
    assert parse_cardinal(words.split()) == value


# ------------------------------------------------------------------ finders


def test_phone_numbers_written_or_spoken_are_one_normalised_value():
    assert _values("call me on 07700 900123 tomorrow", "phone") == ["+447700900123"]
    assert _values("ring 0121 496 0000 after six", "phone") == ["+441214960000"]
    assert _values("his Polish number is +48 601 234 567", "phone") == ["+48601234567"]
    said = "it's oh seven seven double oh nine double oh one two three, ring it"
    assert _found(said, "phone") == [("+447700900123", "oh seven seven double oh nine double oh one two three")]


def test_the_region_reads_numbers_without_a_country_code():
    assert _values("zadzwoń 601 234 567", "phone", region="PL") == ["+48601234567"]
    assert _values("zadzwoń 601 234 567", "phone", region="GB") == []


@pytest.mark.parametrize("text", [
    "it cost 123456789 in total", "version 2.3.4 of the app", "on 12/03/2024 at 10:30",
    "reference 2024 0312", "one two three", "the year 1998",
])
def test_numbers_that_are_not_phone_numbers(text):
    assert _values(text, "phone") == []


def test_uk_postcodes():
    assert _values("drop it at B1 1AA or at sw1a 2aa, then M60 2LA", "postcode") == \
        ["B1 1AA", "SW1A 2AA", "M60 2LA"]
    assert _values("flat B11AA", "postcode") == ["B1 1AA"]
    for text in ("AB12 CDE", "Q1 1AA is not one", "born in 1990", "room 101", "B1 1CI"):
        assert _values(text, "postcode") == [], text


def test_uk_vehicle_registrations_in_three_formats():
    text = "a silver Golf, AB12 CDE, followed by K123 ABC and the old XYZ 123A; also LD73XYZ"
    assert _values(text, "vehicle") == ["AB12 CDE", "K123 ABC", "XYZ 123A", "LD73 XYZ"]


@pytest.mark.parametrize("text", [
    "an MP3 player", "COVID19 cases", "ab12 cde in lower case", "a V8 engine", "flight BA 123",
    "the A1 road", "the M6 toll", "AB12 CDI", "the 4x4 was parked", "WHO ARE YOU 2",
])
def test_ordinary_words_are_not_vehicle_registrations(text):
    assert _values(text, "vehicle") == []


def test_money_in_signs_digits_and_words():
    text = ("£1,250 for him, €300 for her, $20.50 for the cab, 500 quid, 2 grand, £5k, "
            "five hundred pounds and fifty quid, 2.5 grand")
    assert _values(text, "money") == ["GBP 1250", "EUR 300", "USD 20.50", "GBP 500", "GBP 2000",
                                      "GBP 5000", "GBP 500", "GBP 50", "GBP 2500"]
    assert _found("he wants five hundred pounds", "money") == [("GBP 500", "five hundred pounds")]


@pytest.mark.parametrize("text", [
    "500 people came", "ten pounds of cocaine", "a grand house", "he pounds the door",
    "the dog pounds", "it weighs 5 pounds of weight", "page 500",
])
def test_not_money(text):
    assert _values(text, "money") == []


def test_email_addresses_written_and_spoken():
    text = "mail Bob.Smith@Example.com or john dot smith at gmail dot com or j_b at mail dot co dot uk"
    assert _values(text, "email") == ["bob.smith@example.com", "john.smith@gmail.com",
                                      "j_b@mail.co.uk"]
    assert _values("meet me at the station dot", "email") == []
    assert _values("look at this dot com thing", "email") == []


def test_dates_follow_the_region_when_day_and_month_could_swap():
    text = "on 03/04/2024, on 2024-03-12, on 25/12/23, on 12th March 2024, March 14 and 5 May"
    assert _values(text, "date") == ["2024-04-03", "2024-03-12", "2023-12-25", "2024-03-12",
                                     "--03-14", "--05-05"]
    assert _values("on 03/04/2024 and 12/25/2024", "date", region="US") == ["2024-03-04", "2024-12-25"]
    for text in ("31/02/2024", "we may 5 of them", "13/13/2024", "version 1.2.3", "march 5 miles"):
        assert _values(text, "date") == [], text


def test_times():
    assert _values("at 21:14, at 9:30pm, at 9.30 p.m., at 7am, at 10:30:15", "time") == \
        ["21:14", "21:30", "21:30", "07:00", "10:30:15"]
    for text in ("score was 25:70", "I am here", "it cost 9.30", "pm me", "13pm"):
        assert _values(text, "time") == [], text


def test_times_as_said_in_interviews():
    text = ("The time is 1022. The time is now 10-15. Arrested at 1400 hours, home by 9 o'clock, "
            "out at nine o\u2019clock")
    assert _values(text, "time") == ["10:22", "10:15", "14:00", "09:00", "09:00"]
    for text in ("at 8 we left", "1022 people", "10-15 minutes", "the time is 2599", "2500 hours",
                 "a clock", "one o'clocks"):
        assert _values(text, "time") == [], text


# ---------------------------------------------------------------------- the case


@pytest.fixture()
def phone_case(case, tmp_path):
    note = add_exhibit(case, "voice_note_1.opus")
    run = add_run(case, note, ["Hello mate.", "Ring me on oh seven seven double oh nine double oh one two three.",
                               "Bring five hundred quid to B1 1AA."], speakers=["SPEAKER_0"] * 3)
    chat = tmp_path / "WhatsApp Chat with Dave.txt"
    chat.write_text("12/03/2024, 21:14 - Dave: my new number 07700 900123\n"
                    "12/03/2024, 21:15 - Dave: parked the van AB12 CDE near B1 1AA\n", encoding="utf-8")
    chat_exhibit, _ = import_text(case, chat)
    other = add_exhibit(case, "interview.wav")
    polish = add_run(case, other, ["Zadzwoń pod 07700 900123 jutro."], language="pl")
    add_run(case, other, ["Call 07700 900123 tomorrow, £500."], task="text-translate",
            parent_run_id=polish)
    return {"note": note, "run": run, "chat": chat_exhibit.id, "other": other}


def _entity(found, kind, value):
    return next(e for e in found if (e.kind, e.value) == (kind, value))


def test_an_entity_said_in_a_voice_note_and_typed_in_a_chat_is_shared(case, phone_case):
    found = ent.case_entities(case)
    phone = _entity(found, "phone", "+447700900123")
    assert phone.shared and [i for i, _ in phone.exhibits] == \
        [phone_case["note"], phone_case["chat"], phone_case["other"]]
    spoken = phone.occurrences[0]
    assert (spoken.run_id, spoken.start_ms, spoken.speaker) == (phone_case["run"], SEGMENT_MS, "SPEAKER_0")
    assert spoken.as_written == "oh seven seven double oh nine double oh one two three"
    assert spoken.segment_id == editing.segment_ids(case, phone_case["run"])[1]
    assert {o.task for o in phone.occurrences} == {"transcribe", "text", "text-translate"}
    assert found[0] == phone  # the most shared first
    assert _entity(found, "postcode", "B1 1AA").shared
    assert not _entity(found, "vehicle", "AB12 CDE").shared
    assert _entity(found, "money", "GBP 500").shared  # "five hundred quid" and "£500"


def test_entities_follow_the_proofread_text(case, phone_case):
    run = phone_case["run"]
    editing.edit_text(case, run, editing.segment_ids(case, run)[2], "Bring it to B2 2BB.")
    found = ent.case_entities(case)
    assert _entity(found, "postcode", "B2 2BB").occurrences[0].edited
    assert [o.exhibit_id for o in _entity(found, "postcode", "B1 1AA").occurrences] == [phone_case["chat"]]


def test_the_case_region_is_kept_and_a_bad_one_refused(case):
    exhibit = add_exhibit(case, "pl.opus")
    add_run(case, exhibit, ["numer 601 234 567, spotkanie 03/04/2024"], language="pl")
    assert ent.case_region(case) == "GB" and not [e for e in ent.case_entities(case) if e.kind == "phone"]
    ent.set_case_region(case, "pl")
    assert ent.case_region(case) == "PL"
    assert _entity(ent.case_entities(case), "phone", "+48601234567")
    assert _entity(ent.case_entities(case, region="US"), "date", "2024-03-04")
    with pytest.raises(ent.EntityError, match="not a region code"):
        ent.set_case_region(case, "XX")


def test_csv_has_a_row_per_mention_and_defuses_formulas(case, phone_case, tmp_path):
    exhibit = add_exhibit(case, "hostile.txt", kind="text")
    add_run(case, exhibit, ["=HYPERLINK(\"http://x\") call 07700 900123"], task="text")
    path = tmp_path / "entities.csv"
    found = ent.case_entities(case)
    rows = ent.write_csv(found, path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        read = list(csv.DictReader(handle))
    assert rows == len(read) == sum(len(e.occurrences) for e in found)
    phone_rows = [r for r in read if r["kind"] == "phone"]
    assert {r["value"] for r in phone_rows} == {"'+447700900123"}
    assert phone_rows[0]["exhibits"] == "4" and "WhatsApp Chat with Dave.txt" in phone_rows[0]["shared_with"]
    assert next(r for r in read if r["exhibit"] == "hostile.txt")["text"].startswith("'=HYPERLINK")
    with pytest.raises(ent.EntityError):
        ent.write_csv(found, tmp_path / "no" / "such" / "dir.csv")


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "app", *args], check=False, capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)


def test_cli_entities_lists_writes_csv_and_refuses_a_bad_region(case, phone_case, tmp_path, tmp_path_factory):
    case.close()
    csv_path = tmp_path_factory.mktemp("reports") / "e.csv"  # tmp_path holds the chat: evidence, never written in
    out = _cli("entities", "--case", str(case.folder), "--csv", str(csv_path), "--json")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert listed[0]["kind"] == "phone" and listed[0]["value"] == "+447700900123" and listed[0]["shared"]
    assert csv_path.is_file()
    out = _cli("entities", "--case", str(case.folder), "--kind", "vehicle")
    assert out.returncode == 0 and "AB12 CDE" in out.stdout and "+44" not in out.stdout
    out = _cli("entities", "--case", str(case.folder), "--region", "XX")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "not a region code" in out.stderr
    out = _cli("entities", "--case", str(case.folder), "--shared", "--json")
    assert {(e["kind"], e["value"]) for e in json.loads(out.stdout)} == \
        {("phone", "+447700900123"), ("postcode", "B1 1AA"), ("money", "GBP 500")}
    out = _cli("entities", "--case", str(case.folder), "--region", "PL", "--save-region", "--kind", "date")
    assert out.returncode == 0, out.stderr
    assert "saved: this case's region is now PL (was GB)" in out.stderr  # it saved without a word
    reopened = Case.open(case.folder)
    assert ent.case_region(reopened) == "PL"
    reopened.close()
    out = _cli("entities", "--case", str(tmp_path / "nowhere"))
    assert out.returncode == 1 and "no Parley case here" in out.stderr
    assert not (tmp_path / "nowhere").exists()


def test_entities_are_stored_and_only_changed_texts_read_again(case, phone_case):
    first = ent.case_entities(case)
    assert ent.scan(case, "GB") == 0  # everything was stored by the first call
    run = phone_case["run"]
    editing.edit_text(case, run, editing.segment_ids(case, run)[0], "Hello mate, 07911 123456.")
    assert ent.scan(case, "GB") == 3  # the run's working copy: its three segments are new texts
    again = ent.case_entities(case)
    assert _entity(again, "phone", "+447911123456").occurrences[0].edited
    assert {(e.kind, e.value) for e in first} < {(e.kind, e.value) for e in again}
    total = case.conn.execute("SELECT count(*) FROM search_text").fetchone()[0]
    assert ent.scan(case, "PL") == total  # another region: everything is read again


def test_a_chat_message_mention_gives_the_message_time_not_a_media_time(case, tmp_path):
    """A number typed in a chat taken in as `timeline` takes it: its mention names the message's
    date-time (JSON and CSV), not "00:00:00.000", a moment of a recording it has not got."""
    folder = tmp_path / "WhatsApp Chat with Dave"
    folder.mkdir()
    (folder / "WhatsApp Chat with Dave.txt").write_text(
        "13/03/2024, 21:14 - Dave: hello\n13/03/2024, 21:15 - Dave: call me on 07700 900461\n",
        encoding="utf-8")
    take_in(case, folder)
    mention = _entity(ent.case_entities(case), "phone", "+447700900461").occurrences[0]
    assert mention.task == "chat"
    assert (mention.message_time, mention.message_datetime) == ("13/03/2024, 21:15", "2024-03-13T21:15:00")
    assert mention.when == "2024-03-13 21:15:00"
    [row] = [r for r in ent.csv_rows(ent.case_entities(case)) if r["value"] == "+447700900461"]
    assert row["time"] == mention.when and row["time"] != "00:00:00.000"
