"""A chat timeline's DOCX/PDF line for the runs behind its transcripts wrote each setting as Python prints it
(`batch=True`, `vad=False`), unlike every transcript's own export (`batch=true`): one record, two spellings of
the same settings for a defence expert to reconcile. It now writes them as the transcripts' exports do."""

from __future__ import annotations

from types import SimpleNamespace

from app.core.chats.timeline import RunRecord
from app.core.export.base import settings_text
from app.core.export.timeline import run_items
from app.core.types import ModelInfo


def test_the_timelines_settings_line_reads_as_the_transcripts_exports_do():
    settings = {"batch": True, "vad": False, "beam_size": 5, "language": "es", "languages": ["en", "es"],
                "note": "two words"}
    run = RunRecord(run_id=3, task="transcribe", model=ModelInfo("base", "/m/base", "ab" * 32), language="es",
                    source_language=None, status="machine draft", settings=settings, software="Parley 0.1.0",
                    created_at="2026-12-04T10:00:00Z", language_said="es (detected)")
    [(label, line)] = run_items(SimpleNamespace(runs=[run]))
    assert label == "Transcription"
    assert "batch=true" in line and "vad=false" in line and "True" not in line and "False" not in line, line
    assert line.endswith("settings: " + settings_text({k: v for k, v in settings.items() if k != "languages"}))
    assert 'note="two words"' in line
