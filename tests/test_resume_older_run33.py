"""A run interrupted under a build before session 33 recorded its settings without `reread_min_language`; this
build records it (0.8, the rule then too), so the run no longer matched and the file was decoded again from the
start, the old run left 'running' for good with nothing said (review revG, medium). It is resumed; one whose
recorded rule differs is not."""

from __future__ import annotations

from app.core.asr import load_engine, runs
from app.core.evidence.provenance import software_info
from app.core.media.decode import probe
from app.core.options import TranscribeOptions
from app.core.store import Case
from tests.conftest import MEDIA

TINY = TranscribeOptions(model="tiny.en", threads=2, diarize="off")


def test_a_run_interrupted_under_the_build_before_is_resumed(tmp_path, models_dir):
    case = Case.open(tmp_path / "case")
    try:
        exhibit, _ = case.add_exhibit(probe(MEDIA / "en_voicenote.opus"))
        engine = load_engine(TINY, models_dir)
        now = runs.settings_for(TINY, engine, exhibit.source)
        before = {key: value for key, value in now.items() if key != "reread_min_language"}
        older = case.start_run(exhibit.id, TINY.task, engine.info, before, software_info())
        assert runs.run_for(case, engine, exhibit, TINY) == older
        other = case.start_run(exhibit.id, TINY.task, engine.info, {**now, "reread_min_language": 0.5}, software_info())
        assert runs.run_for(case, engine, exhibit, TINY) not in (other, None)
    finally:
        case.close()
