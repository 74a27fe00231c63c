"""Translation runs in the case store, text exhibits and the queue entry point.

Everything runs through the real code (case store, CTranslate2, sentencepiece)
on the tiny random-weight NLLB-200 and M2M-100 fixtures: the words are
gibberish, but times, speakers, source text, flags and provenance are real.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.core.chats.text_intake import (
    FLAG_CHAT_MEDIA,
    FLAG_CHAT_SYSTEM,
    import_text,
    import_transcript_json,
    split_chat_speaker,
)
from app.core.errors import LanguageError, MediaError, ParleyError
from app.core.models.cache import ModelCache
from app.core.options import TranslateOptions, from_dict
from app.core.store import Case
from app.core.translation.engine import SentenceTranslation, load_translator
from app.core.translation.runs import (
    TASK,
    NoTranscriptError,
    SameLanguageError,
    translate_job,
    translate_run,
    translate_run_result,
)
from app.core.types import (
    FLAG_LENGTH_SHORT,
    FLAG_LOW_CONFIDENCE,
    ModelInfo,
    Segment,
    SoftwareInfo,
    SourceInfo,
    Word,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY_NLLB = FIXTURES / "tiny_nllb"
TINY_M2M = FIXTURES / "tiny_m2m"

POLISH = [
    Segment(
        0,
        2100,
        "Gdzie byłeś w nocy dwunastego marca?",
        speaker="SPEAKER_1",
        channel=0,
        words=(Word(0, 500, " Gdzie", 0.9),),
        avg_logprob=-0.2,
        no_speech_prob=0.01,
    ),
    Segment(
        2500,
        4000,
        "Byłem w domu z bratem.",
        speaker="SPEAKER_2",
        channel=1,
        flags=(FLAG_LOW_CONFIDENCE,),
    ),
    Segment(
        4200,
        9000,
        "Samochód stał przed sklepem o dziewiątej. Potem odjechał.",
        speaker="SPEAKER_1",
        channel=0,
    ),
    Segment(9500, 9900, "Nie wiem.", speaker="SPEAKER_2", channel=1),
]

ANDROID_CHAT = """\
12/03/2024, 21:14 - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.
12/03/2024, 21:14 - Anna Nowak: Gdzie jesteś?
12/03/2024, 21:15 - Bartek: Jestem w domu.
Przyjdę jutro rano.
12/03/2024, 21:16 - Anna Nowak: <Media omitted>
12/03/2024, 21:17 - Bartek: Przynieś pieniądze i nikomu nic nie mów.
"""

IOS_CHAT = """\
[12.03.24, 21:14:05] Anna Nowak: \u200eMessages and calls are end-to-end encrypted.
[12.03.24, 21:14:09] Anna Nowak: Gdzie jesteś?
[12.03.24, 21:15:30] Bartek: \u200eimage omitted
[12.03.24, 21:16:01] Bartek: Spotkajmy się na dworcu o ósmej.
"""


@pytest.fixture(scope="module")
def nllb():
    return load_translator(TINY_NLLB, device="cpu", threads=1)


@pytest.fixture(scope="module")
def m2m():
    return load_translator(TINY_M2M, device="cpu", threads=1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_transcript(
    case: Case, segments=POLISH, language: str | None = "pl", task: str = "transcribe"
) -> int:
    """A finished transcription run, as the speech pipeline would have stored it."""
    source = SourceInfo(
        path="/evidence/interview.wav",
        sha256="ab" * 32,
        bytes=1234,
        duration_ms=10_000,
        container="wav",
        audio_codec="pcm_s16le",
        sample_rate=16000,
        channels=2,
    )
    exhibit, _ = case.add_exhibit(source)
    model = ModelInfo("base", "/models/base", "cd" * 32)
    run_id = case.start_run(
        exhibit.id, task, model, {"beam_size": 5}, SoftwareInfo("Parley", "0.1.0")
    )
    case.append_segments(run_id, tuple(segments), {}, language, 0.97)
    case.finish_run(run_id)
    return run_id


def job_for(exhibit_id: int, **options) -> SimpleNamespace:
    options = {"model": str(TINY_NLLB), "target": "en", "device": "cpu", "threads": 1, **options}
    return SimpleNamespace(
        id=1,
        exhibit_id=exhibit_id,
        task="translate",
        parent_job_id=None,
        options=options,
        settings=from_dict(TranslateOptions, options),
    )


def translator_for(job: SimpleNamespace):
    return ModelCache().translator(job.settings)


# --- translate_run -----------------------------------------------------------------


def test_translation_run_keeps_times_speakers_channels_and_source_text(case, nllb):
    parent = stored_transcript(case)
    run_id = translate_run(case, nllb, parent, "en")
    record = case.run(run_id)
    assert (record.task, record.parent_run_id, record.status) == (TASK, parent, "complete")
    assert record.language == "en"
    translation = case.transcript(run_id)
    assert translation.source_language == "pl"
    assert len(translation.segments) == len(POLISH)
    for source, out in zip(POLISH, translation.segments):
        assert (out.start_ms, out.end_ms, out.speaker, out.channel) == (
            source.start_ms,
            source.end_ms,
            source.speaker,
            source.channel,
        )
        assert out.source_text == source.text
        assert out.text.strip() and out.text != source.text
        assert out.words == ()  # word timings belong to the source language
    assert FLAG_LOW_CONFIDENCE in translation.segments[1].flags  # the source's doubt is kept


def test_translation_run_provenance(case, nllb):
    parent = stored_transcript(case)
    run_id = translate_run(case, nllb, parent, "en", beam_size=2)
    t = case.transcript(run_id)
    assert t.model.sha256 == sha256(TINY_NLLB / "model.bin")
    assert (t.model.name, t.model.family) == ("tiny_nllb", "nllb")
    s = t.settings
    assert (s["src_flores"], s["tgt_flores"], s["beam_size"]) == ("pol_Latn", "eng_Latn", 2)
    assert (s["source_language"], s["target_language"], s["parent_run_id"]) == ("pl", "en", parent)
    assert s["model_licence"] == "CC-BY-NC-4.0"
    assert s["source_run"]["task"] == "transcribe" and s["source_run"]["model_sha256"] == "cd" * 32
    assert t.software.name == "Parley" and "ctranslate2" in t.software.components
    assert any("machine translation" in w for w in t.warnings)


def test_source_language_explicit_detected_or_refused(case, nllb):
    parent = stored_transcript(case, language="de")
    assert (
        case.transcript(translate_run(case, nllb, parent, "en")).settings["src_flores"]
        == "deu_Latn"
    )
    explicit = translate_run(case, nllb, parent, "en", source="pol_Latn")
    assert case.transcript(explicit).settings["src_flores"] == "pol_Latn"
    unknown = stored_transcript(case, language=None)
    with pytest.raises(ParleyError, match="--from"):
        translate_run(case, nllb, unknown, "en")
    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        translate_run(case, nllb, parent, "xx")
    with pytest.raises(SameLanguageError):
        translate_run(case, nllb, parent, "deu_Latn")


def test_whisper_speech_to_english_run_is_english_text(case, nllb):
    parent = stored_transcript(
        case, [Segment(0, 1000, "Meet me at the station.")], language="de", task="translate"
    )
    run_id = translate_run(case, nllb, parent, "pl")
    assert case.transcript(run_id).settings["src_flores"] == "eng_Latn"


def test_m2m100_translation_uses_its_language_tokens(case, m2m):
    parent = stored_transcript(case)
    t = case.transcript(translate_run(case, m2m, parent, "en"))
    assert (t.settings["src_token"], t.settings["tgt_token"]) == ("__pl__", "__en__")
    assert t.settings["model_licence"] == "MIT"
    assert [s.source_text for s in t.segments] == [s.text for s in POLISH]


def test_suspicious_length_is_flagged_not_hidden(case, nllb, monkeypatch):
    real = nllb.translate_texts

    def drops_the_first(texts, src, tgt, beam_size=4):
        out = real(texts, src, tgt, beam_size=beam_size)
        return [SentenceTranslation(texts[0], "", (FLAG_LENGTH_SHORT,)), *out[1:]]

    monkeypatch.setattr(nllb, "translate_texts", drops_the_first)
    t = case.transcript(translate_run(case, nllb, stored_transcript(case), "en"))
    assert FLAG_LENGTH_SHORT in t.segments[0].flags
    assert t.segments[0].source_text == POLISH[0].text
    assert any("flagged" in w for w in t.warnings)


def test_edited_transcript_is_what_gets_translated(case, nllb):
    editing = pytest.importorskip("app.core.editing.operations")
    parent = stored_transcript(case)
    first = editing.segment_ids(case, parent)[0]
    editing.edit_text(case, parent, first, "Gdzie byłeś wczoraj?", actor="tester")
    t = case.transcript(translate_run(case, nllb, parent, "en"))
    assert t.segments[0].source_text == "Gdzie byłeś wczoraj?"
    assert t.settings["source_run"]["status"] == "edited"


# --- text exhibits ---------------------------------------------------------------------


def read_only_file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o444)
    return path


@pytest.mark.parametrize(
    ("text", "stamps"),
    [
        (
            ANDROID_CHAT,
            [
                "12/03/2024, 21:14",
                "12/03/2024, 21:14",
                "12/03/2024, 21:15",
                "12/03/2024, 21:16",
                "12/03/2024, 21:17",
            ],
        ),
        (
            IOS_CHAT,
            [
                "12.03.24, 21:14:05",
                "12.03.24, 21:14:09",
                "12.03.24, 21:15:30",
                "12.03.24, 21:16:01",
            ],
        ),
    ],
)
def test_chat_export_becomes_an_exhibit_and_a_text_run(case, nllb, tmp_path, text, stamps):
    path = read_only_file(tmp_path / "evidence", "_chat.txt", text)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    exhibit, run_id = import_text(case, path, language="pl")
    assert exhibit.source.kind == "chat"
    assert exhibit.source.sha256 == sha256(path)
    assert (exhibit.source.bytes, exhibit.source.duration_ms) == (path.stat().st_size, 0)
    messages = case.segments(run_id)
    assert [split_chat_speaker(m.speaker)[0] for m in messages] == stamps
    assert all(m.start_ms == m.end_ms == 0 for m in messages)

    translated = case.transcript(translate_run(case, nllb, run_id, "en")).segments
    assert [s.speaker for s in translated] == [m.speaker for m in messages]
    for message, out in zip(messages, translated):
        assert out.source_text == message.text
        if {FLAG_CHAT_MEDIA, FLAG_CHAT_SYSTEM} & set(message.flags):
            assert out.text == message.text  # attachments and notes: copied, not translated
            assert out.flags[: len(message.flags)] == message.flags
        else:
            assert out.text != message.text
    senders = {split_chat_speaker(s.speaker)[1] for s in translated}
    assert {"Anna Nowak", "Bartek"} <= senders
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before  # the original is untouched


def test_chat_media_and_system_messages_are_never_sent_to_the_model(
    case, nllb, tmp_path, monkeypatch
):
    seen: list[str] = []
    real = nllb.translate_texts

    def spy(texts, src, tgt, beam_size=4):
        seen.extend(texts)
        return real(texts, src, tgt, beam_size=beam_size)

    monkeypatch.setattr(nllb, "translate_texts", spy)
    _, run_id = import_text(case, read_only_file(tmp_path, "_chat.txt", ANDROID_CHAT))
    translate_run(case, nllb, run_id, "en", source="pl")
    assert seen == [
        "Gdzie jesteś?",
        "Jestem w domu.\nPrzyjdę jutro rano.",
        "Przynieś pieniądze i nikomu nic nie mów.",
    ]


def test_plain_text_paragraphs_and_reimport(case, nllb, tmp_path):
    path = read_only_file(
        tmp_path, "statement.txt", "Pierwszy akapit.\nDruga linia.\n\n\nDrugi akapit.\n"
    )
    exhibit, run_id = import_text(case, path)
    assert exhibit.source.kind == "text"
    assert [s.text for s in case.segments(run_id)] == [
        "Pierwszy akapit.\nDruga linia.",
        "Drugi akapit.",
    ]
    assert import_text(case, path) == (exhibit, run_id)  # the same file: the same run
    with pytest.raises(ParleyError, match="--from"):
        translate_run(case, nllb, run_id, "en")  # a text's language is never guessed
    out = case.transcript(translate_run(case, nllb, run_id, "en", source="pl")).segments
    assert out[0].source_text == "Pierwszy akapit.\nDruga linia."
    assert out[0].text.count("\n") == 1  # line breaks inside a paragraph are kept


def test_unusable_text_inputs_give_one_line_reasons(case, tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        import_text(case, tmp_path / "missing.txt")
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    with pytest.raises(MediaError, match="not a text file"):
        import_text(case, binary)
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(MediaError, match="not a Parley transcript JSON"):
        import_transcript_json(case, bad)


def test_transcript_json_import_keeps_the_original_exhibit(case, tmp_path):
    from app.core.export import export_transcript

    run_id = stored_transcript(case)
    [path] = export_transcript(case.transcript(run_id), tmp_path / "out", ["json"])
    assert import_transcript_json(case, path)[1] == run_id  # exported from this case
    other = Case.open(tmp_path / "other-case")
    try:
        exhibit, imported = import_transcript_json(other, path)
        assert exhibit.source.sha256 == "ab" * 32
        t = other.transcript(imported)
        assert (t.task, t.language, t.model.sha256) == ("transcribe", "pl", "cd" * 32)
        assert t.settings["imported_sha256"] == sha256(path)
        assert [(s.start_ms, s.end_ms, s.speaker, s.text) for s in t.segments] == [
            (s.start_ms, s.end_ms, s.speaker, s.text) for s in POLISH
        ]
        assert import_transcript_json(other, path)[1] == imported
    finally:
        other.close()


# --- queue worker entry ---------------------------------------------------------------


def test_translate_job_translates_the_latest_transcript(case):
    parent = stored_transcript(case)
    exhibit_id = case.run(parent).exhibit_id
    progress: list[tuple[float, int]] = []
    job = job_for(exhibit_id)
    result = translate_job(case, job, translator_for(job), on_progress=lambda f, n: progress.append((f, n)))
    assert not result.stopped and result.segments == len(POLISH)
    assert case.run(result.run_id).parent_run_id == parent
    assert progress[-1] == (1.0, len(POLISH))
    cache = ModelCache()
    assert cache.translator(job.settings) is cache.translator(job.settings)  # loaded once, kept


def test_translate_job_without_transcript_and_stopping(case):
    exhibit, _ = case.add_exhibit(SourceInfo("/evidence/x.wav", "ef" * 32, 10, 1000))
    with pytest.raises(NoTranscriptError, match="no transcript to translate yet"):
        translate_job(case, job_for(exhibit.id), translator_for(job_for(exhibit.id)))
    parent = stored_transcript(case)
    exhibit_id = case.run(parent).exhibit_id
    runs_before = case.conn.execute("SELECT count(*) FROM runs").fetchone()[0]
    job = job_for(exhibit_id)
    result = translate_job(case, job, translator_for(job), should_stop=lambda: True)
    assert result.stopped and result.run_id is None
    assert case.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == runs_before


def test_translate_run_result_reports_progress(case, nllb):
    parent = stored_transcript(case)
    seen: list[float] = []
    result = translate_run_result(case, nllb, parent, "en", on_progress=lambda f, n: seen.append(f))
    assert seen[-1] == 1.0 and result.run_id is not None
    assert (
        json.loads(
            case.conn.execute(
                "SELECT settings_json FROM runs WHERE id=?", (result.run_id,)
            ).fetchone()[0]
        )["beam_size"]
        == 4
    )
