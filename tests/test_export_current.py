"""Every export path exports the current transcript: a proofreader's edit and sign-off
reach every format written by `python -m app export` (issue: the CLI once exported the
machine draft while the window exported the corrections)."""

from __future__ import annotations

import json

from docx import Document
from pypdf import PdfReader

from app.core.editing import operations as editing
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.store import Case
from app.core.types import ModelInfo, Segment, Word
from tests.conftest import MEDIA
from tests.test_cli import run_cli

MODEL = ModelInfo("tiny.en", "/models/tiny.en", "ab" * 32)
EDITED = "We met outside the Crown and Anchor"


def _case_with_verified_edit(folder) -> int:
    case = Case.open(folder)
    try:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
        run = case.start_run(exhibit.id, "transcribe", MODEL, {"beam_size": 5}, software_info())
        words = (Word(0, 400, " we", 0.9), Word(500, 900, " met", 0.9), Word(1000, 1400, " outside", 0.9))
        case.append_segments(run, (Segment(0, 2000, "we met outside", words=words),
                                   Segment(2000, 4000, "the bank on Main Street")), {}, "en", 0.99)
        case.finish_run(run)
        first = editing.segment_ids(case, run)[0]
        editing.edit_text(case, run, first, EDITED, actor="DC Jones")
        editing.set_verified(case, run, "DS Patel")
        return run
    finally:
        case.close()


def test_cli_export_carries_the_edit_and_the_verification_into_every_format(tmp_path):
    run = _case_with_verified_edit(tmp_path / "case")
    out = tmp_path / "out"
    result = run_cli("export", "--case", str(tmp_path / "case"), "--out", str(out),
                     "--format", "json,txt,srt,vtt,docx,pdf")
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "en_voicenote.json").read_text(encoding="utf-8"))
    assert data["segments"][0]["text"] == EDITED
    assert data["status"] == "verified" and data["verified_by"] == "DS Patel"
    for ext in ("txt", "vtt"):
        text = (out / f"en_voicenote.{ext}").read_text(encoding="utf-8")
        assert EDITED in text and "verified" in text and "DS Patel" in text, ext
    assert EDITED in (out / "en_voicenote.srt").read_text(encoding="utf-8")  # SRT has no room for a status
    docx_text = "\n".join(p.text for p in Document(str(out / "en_voicenote.docx")).paragraphs)
    docx_text += "\n".join(c.text for t in Document(str(out / "en_voicenote.docx")).tables
                           for r in t.rows for c in r.cells)
    assert EDITED in docx_text and "DS Patel" in docx_text
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(out / "en_voicenote.pdf")).pages)
    assert EDITED in pdf_text and "DS Patel" in pdf_text
    case = Case.open(tmp_path / "case")
    try:
        audited = [e for e in case.audit.entries(f"run/{run}") if e.action == "export.written"]
        assert len(audited) == 7  # six formats and the manifest
    finally:
        case.close()


def test_export_without_a_task_writes_the_proofread_transcript_not_a_later_text_translation(tmp_path):
    """A translation made after the sign-off is newer: `export` without --task once wrote it, under
    the transcript's own name, in place of the record a typist had proofread."""
    run = _case_with_verified_edit(tmp_path / "case")
    case = Case.open(tmp_path / "case")
    try:
        exhibit = case.exhibits()[0]
        nllb = ModelInfo("nllb", "/models/nllb", "cd" * 32, "nllb")
        translated = case.start_run(exhibit.id, "text-translate", nllb, {}, software_info(),
                                    parent_run_id=run, source_language="en")
        case.append_segments(translated, (Segment(0, 2000, "Spotkaliśmy się", source_text=EDITED),), {}, "pl", None)
        case.finish_run(translated)
    finally:
        case.close()
    for task, out, wanted in ((None, "default", EDITED), ("text-translate", "tr", "Spotkaliśmy się")):
        result = run_cli("export", "--case", str(tmp_path / "case"), "--out", str(tmp_path / out), "--format", "json",
                         *(["--task", task] if task else []))
        assert result.returncode == 0, result.stderr
        data = json.loads((tmp_path / out / "en_voicenote.json").read_text(encoding="utf-8"))
        assert data["segments"][0]["text"] == wanted
        assert data["run_id"] == (run if task is None else translated)
