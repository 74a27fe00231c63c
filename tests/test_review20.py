"""Review of session 20's integrity gate: what checking an honest case costs.

`export` checks the run against the log before it writes, and every edit, sign-off and undo checks the
transcript against its last logged digest. Both read the audit log: before, the export of one run read
every run's `run.started` and `run.complete` entry (a phone of 1,000 voice notes exported in one command,
or exported run by run as the queue works, read the log quadratically), and every edit read every entry
the run had ever logged (each of a proofreader's edits slower than the one before). Counted here in audit
entries read, not in time.
"""

from __future__ import annotations

import shutil

import pytest

from app.core.editing import operations as editing
from app.core.evidence.export_gate import run_refusals
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.store import audit as audit_module
from app.core.types import Segment
from tests.conftest import MEDIA
from tests.test_verify import MODEL

OTHERS = 60  # other exhibits' runs made before and after the one checked


@pytest.fixture(scope="module")
def phone(tmp_path_factory):
    """Sixty voice notes' runs, the one checked (edited three times), then sixty more."""
    root = tmp_path_factory.mktemp("r20")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARLEY_HEADS_DIR", str(root / "heads"))
        case = Case.open(root / "case")
        try:
            runs = [_run(case, root, n) for n in range(2 * OTHERS + 1)]
            checked = runs[OTHERS]
            for n in range(3):
                editing.edit_text(case, checked, editing.segment_ids(case, checked)[0], f"edit {n}", actor="DC Jones")
        finally:
            case.close()
    return root, checked


def _run(case: Case, root, n: int) -> int:
    original = root / "evidence" / f"note{n}.opus"
    original.parent.mkdir(exist_ok=True)
    shutil.copy(MEDIA / "en_voicenote.opus", original)
    with original.open("ab") as f:  # each its own recording
        f.write(bytes([n]))
    exhibit, _ = case.add_exhibit(probe(original))
    run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
    case.append_segments(run, (Segment(0, 1500, f"note {n}"), Segment(1500, 3000, "bring it")), {}, "en", 0.98)
    case.finish_run(run)
    return run


@pytest.fixture()
def read(monkeypatch):
    """How many audit entries were read (each entry's details parsed once per read)."""
    count = [0]
    parse = audit_module._details

    def counted(text):
        count[0] += 1
        return parse(text)

    monkeypatch.setattr(audit_module, "_details", counted)
    return count


def test_exporting_one_run_does_not_read_every_run_s_entries(phone, read, monkeypatch):
    root, checked = phone
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(root / "heads"))
    case = Case.open(root / "case")
    try:
        assert run_refusals(case, checked) == []  # the chain walked once (not counted: it parses no details)
        read[0] = 0
        assert run_refusals(case, checked) == []
    finally:
        case.close()
    assert read[0] < OTHERS, f"{read[0]} audit entries read to export one run of {2 * OTHERS + 1}"


def test_an_edit_does_not_read_every_entry_its_run_ever_logged(phone, read, monkeypatch, tmp_path):
    root, checked = phone
    shutil.copytree(root / "case", tmp_path / "case")
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    case = Case.open(tmp_path / "case")
    try:
        first = editing.segment_ids(case, checked)[1]
        counts = []
        for n in range(8):
            read[0] = 0
            editing.edit_text(case, checked, first, f"again {n}", actor="DC Jones")
            counts.append(read[0])
        assert editing.current_segments(case, checked)[1].text == "again 7"
    finally:
        case.close()
    assert counts[-1] <= counts[0], f"audit entries read per edit grew with the edits made: {counts}"


def test_exporting_run_1_does_not_read_runs_10_to_19_and_100_on(phone, read, monkeypatch):
    """The run's entries were read by the prefix of its subject: `run/1` read run 10's, run 100's... too."""
    root, _checked = phone
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(root / "heads"))
    case = Case.open(root / "case")
    try:
        assert run_refusals(case, 1) == []
        read[0] = 0
        assert run_refusals(case, 1) == []
    finally:
        case.close()
    assert read[0] < OTHERS // 2, f"{read[0]} audit entries read to export run 1 of {2 * OTHERS + 1}"


def test_a_newer_run_the_worker_finishes_while_the_window_exports_is_no_refusal(tmp_path, monkeypatch):
    """The gate's checks read the store one statement at a time: a newer run of the exhibit that the worker
    finished between two of them was seen finished in the log but not complete in the store, and the export
    the investigator asked for was refused as tampered with ("an older run would be exported in its place")."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    window = Case.open(tmp_path / "case")
    worker = Case.open(tmp_path / "case")
    try:
        older = _run(window, tmp_path, 0)
        exhibit = window.run(older).exhibit_id
        newer = worker.start_run(exhibit, "transcribe", MODEL, {"beam_size": 1}, software_info())
        worker.append_segments(newer, (Segment(0, 1500, "note 0 again"),), {}, "en", 0.98)
        latest_runs = Case.latest_runs

        def worker_finishes_meanwhile(self, exhibit_id, task=None, *args, **kwargs):
            found = latest_runs(self, exhibit_id, task, *args, **kwargs)
            if self is window and task is not None and worker.run(newer).status == "running":
                worker.finish_run(newer)
            return found

        monkeypatch.setattr(Case, "latest_runs", worker_finishes_meanwhile)
        assert run_refusals(window, older) == []
        assert worker.run(newer).status == "complete"  # it did finish meanwhile
        monkeypatch.setattr(Case, "latest_runs", latest_runs)
        assert run_refusals(window, older) == []  # and once finished, the older run is still exportable
    finally:
        worker.close()
        window.close()


def test_a_transcript_the_window_edits_while_the_worker_translates_it_is_no_refusal(tmp_path, monkeypatch):
    """The worker read the text to translate, then its last logged digest: a proofreader's edit in the window
    between the two (the first one making the working copy) was taken for a row edited outside Parley, and the
    queued translation refused ("edited outside Parley: not translated")."""
    from pathlib import Path

    from app.core.translation import runs as translation_runs
    from app.core.translation.engine import load_translator

    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    nllb = load_translator(Path(__file__).resolve().parent / "fixtures" / "tiny_nllb", device="cpu", threads=1)
    worker = Case.open(tmp_path / "case")
    window = Case.open(tmp_path / "case")
    try:
        run = _run(worker, tmp_path, 0)
        current_transcript = translation_runs.current_transcript

        def window_edits_meanwhile(case, run_id):
            found = current_transcript(case, run_id)
            if not editing.has_working_copy(window, run_id):
                editing.edit_text(window, run_id, editing.segment_ids(window, run_id)[1], "bring the van", "DC Jones")
            return found

        monkeypatch.setattr(translation_runs, "current_transcript", window_edits_meanwhile)
        translation_runs.translate_run(worker, nllb, run, "fr", source="en")
        assert editing.current_segments(window, run)[1].text == "bring the van"  # the edit did land meanwhile
        assert len(worker.run_ids("complete")) == 2  # the translation of the text as read
    finally:
        window.close()
        worker.close()
