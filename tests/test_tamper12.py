"""Hostile expert, session 12: records `verify` had left unchecked against the audit log.

- who made a working copy and when (`working_transcripts.created_by`, `created_at`);
- an exhibit's name (what search hits, chat hits and `find_exhibit` go by);
- the case's voice profiles, the voiceprints kept with diarised runs or computed later, and the
  suggestions dismissed (a profile, or a dismissal, decides which names are offered for a voice).

A case made before these were logged verifies clean, the missing field said "not recorded".
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.cli import main
from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.store import Case
from app.core.store import speakers as store
from app.core.store.audit import AuditLog
from app.core.types import Segment
from tests.test_verify import MODEL, _forged, _sql, _unedited_run, chat, made, verify  # noqa: F401 - the case every tampering starts from

VOICE_MODEL = "5e" * 32


def _voice(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(192).astype(np.float32)
    return vector / np.linalg.norm(vector)


def _notes(capsys, folder) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["verify", "--case", str(folder)])
    return code, [line for line in capsys.readouterr().out.splitlines() if line.startswith("note:")]


# ------------------------------------------------------------------ the working copy: who made it, when

WORKING_COPY = [
    ("who made it", "UPDATE working_transcripts SET created_by='DS Brown'", "created_by"),
    ("when", "UPDATE working_transcripts SET created_at='2020-01-01T09:00:00.000000Z'", "created_at"),
]


@pytest.mark.parametrize(("statement", "field"), [w[1:] for w in WORKING_COPY], ids=[w[0] for w in WORKING_COPY])
def test_who_made_the_working_copy_and_when_edited_in_the_store(made, capsys, statement, field):  # noqa: F811
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(f"run {made['run']}:") and "working copy" in line and field in line
                             for line in lines), lines


def _logged_the_old_way(monkeypatch, actions: dict[str, tuple[str, ...]]) -> None:
    """The log as an older Parley wrote it: these entries without these details."""
    record = AuditLog.record

    def old_record(self, action, subject, details=None, actor=None):
        dropped = actions.get(action, ())
        return record(self, action, subject, {k: v for k, v in (details or {}).items() if k not in dropped}, actor)

    monkeypatch.setattr(AuditLog, "record", old_record)


def test_a_working_copy_made_before_its_time_was_logged_is_not_recorded_not_tampered(made, capsys,  # noqa: F811
                                                                                     monkeypatch):
    run = _unedited_run(made["case"])
    _logged_the_old_way(monkeypatch, {"transcript.working_copy": ("created_at",)})
    case = Case.open(made["case"])
    try:
        editing.edit_text(case, run, editing.segment_ids(case, run)[0], "nothing at all", actor="DC Jones")
    finally:
        case.close()
    code, notes = _notes(capsys, made["case"])
    assert code == 0 and any(f"run {run}" in n and "not recorded" in n for n in notes), notes
    assert not any(f"run {made['run']}" in n for n in notes), notes  # the case's own edit logged its time
    _sql(made["case"], f"UPDATE working_transcripts SET created_by='DS Brown' WHERE run_id={run}")
    code, lines = verify(capsys, made["case"])  # who made it was always logged (the entry's actor)
    assert code == 1 and any(f"run {run}" in line and "created_by" in line for line in lines), lines


# ------------------------------------------------------------------ the exhibit's name

def test_an_exhibit_s_name_edited_in_the_store(made, capsys):  # noqa: F811
    """Search and chat hits name an exhibit by this column, and `exhibits 'name'` finds it by it."""
    _sql(made["case"], "UPDATE exhibits SET name='interview-of-someone-else.opus'")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith("exhibit 1:") and "(name)" in line for line in lines), lines


def test_an_exhibit_taken_in_before_its_name_was_logged(made, capsys, monkeypatch, tmp_path):  # noqa: F811
    """Its name is still checked: it must be the last part of its (logged) path."""
    from app.core.media.decode import probe
    from tests.conftest import MEDIA

    _logged_the_old_way(monkeypatch, {"exhibit.added": ("name",)})
    other = tmp_path / "evidence" / "call.opus"
    other.write_bytes((MEDIA / "de_voicenote.opus").read_bytes())
    case = Case.open(made["case"])
    try:
        exhibit, _ = case.add_exhibit(probe(other))
    finally:
        case.close()
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], f"UPDATE exhibits SET name='note.opus' WHERE id={exhibit.id}")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith(f"exhibit {exhibit.id}:") and "name" in line for line in lines), lines


# ------------------------------------------------------------------ voice profiles

@pytest.fixture()
def enrolled(made):  # noqa: F811
    case = Case.open(made["case"])
    try:
        store.add_profile(case, "DC Harris", _voice(1), VOICE_MODEL, {"exhibit": 1, "run": made["run"]},
                          actor="DC Jones")
        store.add_profile(case, "Linda Johnson", _voice(2), VOICE_MODEL, {"exhibit": 1}, actor="DC Jones")
    finally:
        case.close()
    return made


def _other_blob() -> str:
    return _voice(3).astype("<f4").tobytes().hex()


PROFILES = [
    ("its name", "UPDATE speaker_profiles SET name='John Smith' WHERE name='DC Harris'", "name"),
    ("its voiceprint (same size)", f"UPDATE speaker_profiles SET embedding=X'{_other_blob()}' WHERE id=1",
     "embedding_sha256"),
    ("its voiceprint cut short", "UPDATE speaker_profiles SET embedding=substr(embedding, 1, 64) WHERE id=1",
     "embedding_sha256"),
    ("the speaker model", "UPDATE speaker_profiles SET model_sha256='{}' WHERE id=1".format("77" * 32),
     "model_sha256"),
    ("what it was made from", "UPDATE speaker_profiles SET source_json='{\"exhibit\": 7}' WHERE id=1", "source"),
    ("when", "UPDATE speaker_profiles SET created_at='2020-01-01T09:00:00.000000Z' WHERE id=1", "created_at"),
    ("two profiles' voices swapped", ("UPDATE speaker_profiles SET name='-' WHERE id=1; UPDATE speaker_profiles SET "
     "name='DC Harris' WHERE id=2; UPDATE speaker_profiles SET name='Linda Johnson' WHERE id=1"), "name"),
    ("one deleted", "DELETE FROM speaker_profiles WHERE id=1", "gone from the store"),
    ("one forged", ("INSERT INTO speaker_profiles (name, model_sha256, dim, embedding, source_json, created_at) "
     "SELECT 'John Smith', model_sha256, dim, embedding, source_json, created_at FROM speaker_profiles WHERE id=1"),
     "never saw it enrolled"),
]


@pytest.mark.parametrize(("statement", "words"), [p[1:] for p in PROFILES], ids=[p[0] for p in PROFILES])
def test_a_voice_profile_edited_in_the_store(enrolled, capsys, statement, words):
    assert verify(capsys, enrolled["case"]) == (0, [])
    _sql(enrolled["case"], *statement.split("; "))
    code, lines = verify(capsys, enrolled["case"])
    assert code == 1 and any(line.startswith("voice profile ") and words in line for line in lines), lines


def test_a_profile_enrolled_before_its_time_was_logged(made, capsys, monkeypatch):  # noqa: F811
    _logged_the_old_way(monkeypatch, {"speaker.enrol": ("created_at",)})
    case = Case.open(made["case"])
    try:
        store.add_profile(case, "DC Harris", _voice(1), VOICE_MODEL, {}, actor="DC Jones")
    finally:
        case.close()
    code, notes = _notes(capsys, made["case"])
    assert code == 0 and any("voice profile 1" in n and "not recorded" in n for n in notes), notes


# ------------------------------------------------------------------ voiceprints kept with runs, and dismissals

@pytest.fixture()
def diarised(made):  # noqa: F811
    """A run diarised as `asr.runs._diarise` stores it; voiceprints computed later for another; a dismissal."""
    case = Case.open(made["case"])
    try:
        run = case.start_run(1, "transcribe", MODEL, {"beam_size": 5, "diarize": "on"}, software_info())
        case.append_segments(run, (Segment(0, 1500, "meet me"), Segment(1500, 3000, "no")), {}, "en", 0.9)
        voices = {"Speaker 1": (_voice(4), 1500), "Speaker 2": (_voice(5), 1500)}
        case.replace_segments(run, (Segment(0, 1500, "meet me", speaker="Speaker 1"),
                                    Segment(1500, 3000, "no", speaker="Speaker 2")), {
            "speakers": 2, "model_sha256": VOICE_MODEL,
            "voiceprints": {label: store.voiceprint_digest(v) for label, (v, _ms) in voices.items()},
            "voiceprint_speech_ms": {label: ms for label, (_v, ms) in voices.items()}})
        store.save_run_voiceprints(case, run, VOICE_MODEL, voices)
        case.finish_run(run)
        store.save_segment_voiceprints(case, made["run"], VOICE_MODEL, [("Speaker 1", "ba" * 32, _voice(6), 2900, 3)],
                                       {"reason": "speakers edited"}, actor="DC Jones")
        store.dismiss_suggestion(case, run, "Speaker 2", "DC Harris", 0.71, actor="DC Jones")
    finally:
        case.close()
    return {**made, "diarised": run}


VOICEPRINTS = [
    ("a run's voiceprint replaced", (f"UPDATE run_voiceprints SET embedding=X'{_other_blob()}' "
     "WHERE speaker='Speaker 1'"), "voiceprint"),
    ("two speakers' voiceprints swapped", ("UPDATE run_voiceprints SET speaker='-' WHERE speaker='Speaker 1'; "
     "UPDATE run_voiceprints SET speaker='Speaker 1' WHERE speaker='Speaker 2'; "
     "UPDATE run_voiceprints SET speaker='Speaker 2' WHERE speaker='-'"), "voiceprint"),
    ("a run's voiceprint deleted", "DELETE FROM run_voiceprints WHERE speaker='Speaker 2'", "Speaker 2: gone"),
    ("a run's voiceprints all deleted", "DELETE FROM run_voiceprints", "gone from the store"),
    ("a run's speech time", "UPDATE run_voiceprints SET speech_ms=60000", "speech_ms"),
    ("voiceprints forged for a run never diarised", ("INSERT INTO run_voiceprints SELECT 1, speaker, model_sha256, "
     "dim, embedding, speech_ms FROM run_voiceprints"), "never saw"),
    ("a computed voiceprint replaced", f"UPDATE segment_voiceprints SET embedding=X'{_other_blob()}'",
     "embedding_sha256"),
    ("a computed voiceprint relabelled", "UPDATE segment_voiceprints SET speaker='Speaker 9'", "speaker"),
    ("a computed voiceprint's windows", "UPDATE segment_voiceprints SET windows=30", "windows"),
    ("when it was computed", "UPDATE segment_voiceprints SET computed_at='2020-01-01T09:00:00.000000Z'",
     "computed_at"),
    ("a computed voiceprint deleted", "DELETE FROM segment_voiceprints", "gone from the store"),
    ("a computed voiceprint forged", "INSERT INTO segment_voiceprints SELECT run_id, '{}', model_sha256, speaker, "
     "dim, embedding, speech_ms, windows, computed_at FROM segment_voiceprints".format("ab" * 32), "never saw"),
    ("a dismissal forged (a match never offered)", ("INSERT INTO speaker_dismissals VALUES (2, 'Speaker 1', "
     "'DC Harris', '2026-01-01', 'DC Jones')"), "never saw anyone dismiss"),
    ("a dismissal deleted", "DELETE FROM speaker_dismissals", "gone from the store"),
    ("who dismissed it", "UPDATE speaker_dismissals SET actor='DS Brown'", "actor"),
    ("when", "UPDATE speaker_dismissals SET at='2020-01-01T09:00:00.000000Z'", "(at)"),
]


@pytest.mark.parametrize(("statement", "words"), [v[1:] for v in VOICEPRINTS], ids=[v[0] for v in VOICEPRINTS])
def test_voiceprints_and_dismissals_edited_in_the_store(diarised, capsys, statement, words):
    assert verify(capsys, diarised["case"]) == (0, [])
    _sql(diarised["case"], *statement.split("; "))
    code, lines = verify(capsys, diarised["case"])
    assert code == 1 and any(line.startswith("run ") and words in line for line in lines), lines


def test_voiceprints_and_dismissals_logged_before_their_times_were(made, capsys, monkeypatch):  # noqa: F811
    _logged_the_old_way(monkeypatch, {"speaker.voiceprints_computed": ("computed_at",),
                                      "speaker.suggestion_dismissed": ("at",)})
    case = Case.open(made["case"])
    try:
        store.save_segment_voiceprints(case, made["run"], VOICE_MODEL, [("Speaker 1", "ba" * 32, _voice(6), 2900, 3)],
                                       {}, actor="DC Jones")
        store.dismiss_suggestion(case, made["run"], "Speaker 1", "DC Harris", 0.7, actor="DC Jones")
    finally:
        case.close()
    code, notes = _notes(capsys, made["case"])
    assert code == 0 and sum("not recorded" in n for n in notes) == 2, notes


# ------------------------------------------------------------------ more the exports print, found unchecked

def _duplicate(made, name: str = "copy-of-note.opus"):  # noqa: F811
    """The same recording met again under another name: linked to exhibit 1 (a manifest lists both paths)."""
    from app.core.media.decode import probe

    copy = made["original"].parent / name
    copy.write_bytes(made["original"].read_bytes())
    case = Case.open(made["case"])
    try:
        case.add_exhibit(probe(copy), found_at=str(copy))
    finally:
        case.close()
    return copy


@pytest.mark.parametrize("how", ["removed", "reordered", "added"])
def test_the_paths_an_exhibit_was_found_at_edited_in_the_store(made, capsys, how):  # noqa: F811
    copy = _duplicate(made)
    assert verify(capsys, made["case"]) == (0, [])
    unseen = made["original"].parent / "unseen.opus"  # the same bytes, at a path intake never met
    unseen.write_bytes(made["original"].read_bytes())
    _sql(made["case"], *{
        "removed": [f"DELETE FROM exhibit_paths WHERE path='{copy}'"],
        "reordered": ["UPDATE exhibit_paths SET rowid=rowid+100", f"UPDATE exhibit_paths SET rowid=1 WHERE path='{copy}'"],
        "added": [f"INSERT INTO exhibit_paths VALUES (1, '{unseen}', '2026-01-01')"],
    }[how])
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith("exhibit 1:") and "paths it was found at" in line
                             for line in lines), lines


SCORES = [
    ("the machine draft's confidence", "UPDATE segments SET avg_logprob=-0.01", "machine draft's segment scores"),
    ("its no-speech probability", "UPDATE segments SET no_speech_prob=0.97", "machine draft's segment scores"),
    ("the working copy's confidence", "UPDATE working_segments SET avg_logprob=-0.01",
     "edited transcript's segment scores"),
    ("what reproduce decodes it with", "UPDATE runs SET state_json='{\"batch\": [\"" + "00" * 32 + "\"]}'", "(state)"),
    ("the exhibit marked cut short", "UPDATE exhibits SET truncated=1", "(truncated)"),
]


@pytest.mark.parametrize(("statement", "words"), [s[1:] for s in SCORES], ids=[s[0] for s in SCORES])
def test_scores_state_and_truncation_edited_in_the_store(made, capsys, statement, words):  # noqa: F811
    _sql(made["case"], "DROP TRIGGER segments_sealed_update", statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(words in line for line in lines), lines


def test_an_exhibit_a_run_found_cut_short_is_marked_so_and_verifies(made, capsys):  # noqa: F811
    case = Case.open(made["case"])
    try:
        run = case.start_run(1, "transcribe", MODEL, {"beam_size": 2}, software_info())
        case.append_segments(run, (Segment(0, 1000, "meet me"),), {}, "en", 0.9)
        case.mark_truncated(1)
        case.finish_run(run, truncated=True)
    finally:
        case.close()
    assert verify(capsys, made["case"]) == (0, [])


def test_runs_finished_before_their_scores_were_logged_say_so_once(made, capsys, monkeypatch):  # noqa: F811
    _logged_the_old_way(monkeypatch, {"run.complete": ("scores_sha256", "state_sha256"),
                                      "run.started": ("chunks_logged",)})  # nor its chunks (session 13)
    runs = [_unedited_run(made["case"]), _unedited_run(made["case"])]
    _forged(made["case"], f"UPDATE segments SET avg_logprob=-9 WHERE run_id={runs[0]}")
    code, notes = _notes(capsys, made["case"])
    assert code == 0 and [n for n in notes if "scores" in n] == [
        (f"note: runs {runs[0]}, {runs[1]}: its segment scores (avg_logprob, no_speech_prob) are not recorded in the "
        "audit log (finished before session 12): not checked")], notes


# ------------------------------------------------------------------ the search index and the entities found

@pytest.fixture()
def indexed(chat):  # noqa: F811 - made, with a WhatsApp chat taken in and the case's entities listed once
    from app.core.search.entities import case_entities

    case = Case.open(chat["case"])
    try:
        assert any(e.kind == "phone" for e in case_entities(case))
    finally:
        case.close()
    return chat


INDEX = [
    ("a transcript's indexed text", ("UPDATE search_text SET text='I killed him' WHERE source=1 AND id=(SELECT min(id) "
     "FROM search_text WHERE source=1)"), "run 1: its text in the search index differs"),
    ("a forged hit", ("INSERT INTO search_text (id, source, ref_id, exhibit_id, run_id, start_ms, end_ms, text) VALUES "
     "(99997, 1, 99, 1, 1, 0, 10, 'I killed him')"), "run 1: its text in the search index differs"),
    ("a segment hidden from search", "DELETE FROM search_text WHERE source=1", "run 1: its text in the search index"),
    ("a chat message hidden from search", "DELETE FROM search_text WHERE source=2 AND text LIKE '%car park%'",
     "exhibit 2: its chat messages in the search index differ"),
    ("a word forged into the word index", ("INSERT INTO search_words (rowid, folded) VALUES ((SELECT min(id) FROM "
     "search_text), 'killed')"), "search index: its word lists differ"),
    ("a phone number changed", "UPDATE entity_mentions SET value='+447700900999' WHERE kind='phone'",
     "entities: the entities stored"),
    ("a phone number hidden", "DELETE FROM entity_mentions WHERE kind='phone'", "entities: the entities stored"),
    ("a mention forged", ("INSERT INTO entity_mentions VALUES ((SELECT min(id) FROM search_text), 'phone', "
     "'+447700900123', '07700 900123', 0, 5)"), "entities: the entities stored"),
]


@pytest.mark.parametrize(("statement", "words"), [i[1:] for i in INDEX], ids=[i[0] for i in INDEX])
def test_the_search_index_and_entities_edited_in_the_store(indexed, capsys, statement, words):
    assert verify(capsys, indexed["case"]) == (0, [])
    _sql(indexed["case"], statement)
    code, lines = verify(capsys, indexed["case"])
    assert code == 1 and any(line.startswith(words) for line in lines), lines


# ------------------------------------------------------------------ reproduce re-runs only the record made

def _reproduce(capsys, *args: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["reproduce", *args])
    said = capsys.readouterr()
    return code, said.err.strip().splitlines() + said.out.strip().splitlines()


@pytest.mark.parametrize("statement", ["UPDATE runs SET settings_json='{\"beam_size\": 1}'",
                                       "UPDATE runs SET state_json='{\"batch\": [\"" + "00" * 32 + "\"]}'",
                                       "UPDATE exhibits SET sha256='{}'".format("cd" * 32)])
def test_reproduce_refuses_a_record_edited_in_the_store(made, capsys, statement):  # noqa: F811
    """Re-run, a forged record (settings, the files it was decoded with, the source's hash) would show a
    forged transcript reproducible, or a true one not: refused in one line, before any model is loaded."""
    _sql(made["case"], statement)
    code, lines = _reproduce(capsys, str(made["run"]), "--case", str(made["case"]))
    assert code == 1 and len(lines) == 1 and "differs from the audit log" in lines[0] and "not re-run" in lines[0], lines


def test_reproduce_refuses_a_manifest_changed_since_it_was_written(made, capsys):  # noqa: F811
    manifest = made["out"] / "note.manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "run_id": data["run_id"]}, indent=1), encoding="utf-8")  # same content
    code, lines = _reproduce(capsys, str(manifest), "--case", str(made["case"]))
    assert code == 1 and len(lines) == 1 and "not a manifest this case's audit log lists" in lines[0], lines


# ------------------------------------------------------------------ records Parley never writes: findings, not tracebacks

MALFORMED = [
    ("settings not an object", "UPDATE runs SET settings_json='[1]'", "run 1: its record"),
    ("software without its name", "UPDATE runs SET software_json='{}'", "run 1: its record"),
    ("state not JSON", "UPDATE runs SET state_json='x'", "run 1: its record"),
    ("a word's probability as text", ("INSERT INTO words VALUES ((SELECT min(id) FROM segments), 0, 0, 500, 'meet', "
     "'x')"), "run 1: a record in the store is not as"),
    ("a revision not JSON", "DROP TRIGGER revisions_no_update; UPDATE revisions SET after_json='x'", "working copies:"),
    ("the officers not JSON", ("INSERT INTO interview_details (exhibit_id, officers_json, updated_at, updated_by) "
     "VALUES (1, 'x', '2026-01-01', 'DC Jones')"), "records of interview:"),
    ("an audit entry's details not an object", ("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET "
     "details_json='[1, 2]' WHERE action='run.started'"), "audit log: audit entry 2"),
    ("an audit entry's subject not Parley's", ("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET subject='run/x' "
     "WHERE action='run.started'"), "audit log: audit entry 2"),
]


@pytest.mark.parametrize(("statement", "words"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_record_no_parley_writes_is_a_finding_never_a_traceback(made, capsys, statement, words):  # noqa: F811
    _sql(made["case"], "DROP TRIGGER words_sealed_update", *statement.split("; "))
    code, lines = verify(capsys, made["case"])  # main() returned: it raised nothing
    assert code == 1 and any(line.startswith(words) for line in lines), lines


def test_another_case_s_rows_and_head_file_copied_in(made, capsys, tmp_path):  # noqa: F811
    """A run, its segments and a voice profile copied from another case (ATTACH), then its head file."""
    other = tmp_path / "other-case"
    case = Case.open(other)
    try:
        store.add_profile(case, "DC Harris", _voice(1), VOICE_MODEL, {}, actor="DC Jones")
    finally:
        case.close()
    _sql(made["case"], f"ATTACH '{other / 'case.sqlite'}' AS other",
         "INSERT INTO speaker_profiles SELECT * FROM other.speaker_profiles")
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(line.startswith("voice profile 1:") and "never saw it enrolled" in line
                             for line in lines), lines
    (made["case"] / "audit-head.json").write_bytes((other / "audit-head.json").read_bytes())
    code, lines = verify(capsys, made["case"])
    # said as the head file replaced since session 19 (was "entry 1 differs from the head file (the log was rewritten")
    assert code == 1 and any(line.startswith("audit log: the head file beside the store names entry 1 ")
                             and "the head file was replaced (another case's?)" in line for line in lines), lines
