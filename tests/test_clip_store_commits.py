"""A batched voice note's result is stored in one commit, not three.

Storing each short file's result wrote its segments, its packing record and its completion in
three transactions, each synced to disk with the audit head file after it (the store is
`synchronous=FULL`): while a group's 28 results were stored one after the other, the decoder's
replicas waited. Now one transaction (the same audit entries, in the same order); a file whose
speakers are searched still has its words stored before the search.
"""

from __future__ import annotations

from app.core.asr import ClipResult
from app.core.asr.runs import store_clip
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.types import ModelInfo, Segment, Word
from tests.conftest import MEDIA

MODEL = ModelInfo("tiny.en", "/models/tiny.en", "0" * 64)


def _stored(case, name: str, partner: str) -> tuple[list[str], int]:
    source, other = probe(MEDIA / name), probe(MEDIA / partner)
    exhibit = case.add_exhibit(source)[0]
    run_id = case.start_run(exhibit.id, "transcribe", MODEL, {"model": "tiny.en"}, software_info())
    words = (Word(500, 900, " Meet", 0.9), Word(900, 1400, " me", 0.8))
    result = ClipResult(source, (Segment(500, 1400, "Meet me", words=words, avg_logprob=-0.2),), "en", 0.97,
                        packed_with=(other.sha256,))
    statements: list[str] = []
    case.conn.set_trace_callback(lambda sql: statements.append(sql.split()[0].upper()))
    store_clip(case, exhibit, run_id, result, (source.sha256, other.sha256))
    case.conn.set_trace_callback(None)
    return statements, run_id


def test_a_packed_notes_result_is_one_commit_with_its_entries_in_order(case):
    statements, run_id = _stored(case, "en_voicenote.opus", "es_voicenote.ogg")
    # the result's commit and the head file's (written under the store's lock): was 6, three of each
    assert statements.count("COMMIT") == 2, statements
    assert case.run(run_id).status == "complete"
    assert [s.text for s in case.segments(run_id)] == ["Meet me"]
    actions = [e.action for e in case.audit.entries_about(f"run/{run_id}")]
    assert actions == ["run.started", "run.appended", "run.packed", "run.complete"]
    assert case.audit.verify(None) == []  # the chain whole


def test_a_result_the_store_cannot_take_leaves_nothing_of_it(case, monkeypatch):
    """A full disk at its completion: nothing of the result kept (its batch decodes it again), not its
    segments without their run's end."""
    from app.core.errors import StoreError
    from app.core.store import Case

    def full(*_args, **_kwargs):
        raise StoreError("the case store could not be written (database or disk is full)")

    monkeypatch.setattr(Case, "finish_run", full)
    try:
        _stored(case, "en_voicenote.m4a", "pl_voicenote.opus")
    except StoreError:
        pass
    else:
        raise AssertionError("the store's refusal was not raised")
    assert case.conn.execute("SELECT count(*) FROM segments").fetchone()[0] == 0
    assert [e.action for e in case.audit.entries("run/")] == ["run.started"]
