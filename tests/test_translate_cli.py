"""`python -m app translate` end to end, and Whisper's own speech-to-English.

Text translation runs on the tiny random-weight NLLB-200 / M2M-100 fixtures, so
the words are gibberish but files, alignment, metadata and provenance are real.
Error cases run as a user would (a subprocess) to see the one-line message and
the exit status. One test runs the real Whisper base model (task translate).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.core.chats.text_intake import split_chat_speaker
from app.core.store import Case
from app.core.types import ModelInfo, Segment, SoftwareInfo, SourceInfo, Word
from tests.conftest import MEDIA, REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY_NLLB = FIXTURES / "tiny_nllb"
TINY_M2M = FIXTURES / "tiny_m2m"

ANDROID = """\
12/03/2024, 21:14 - Messages and calls are end-to-end encrypted. No one outside of this chat can read them.
12/03/2024, 21:14 - Anna: Gdzie jesteś?
12/03/2024, 21:15 - Bartek: Jestem w domu.
Przyjdę jutro rano.
12/03/2024, 21:16 - Anna: <Media omitted>
12/03/2024, 21:17 - Bartek: Przynieś pieniądze i nikomu nic nie mów.
"""

IOS = """\
[12/03/2024, 09:14:05 PM] Anna: \u200eMessages and calls are end-to-end encrypted.
[12/03/2024, 09:14:09 PM] Anna: Gdzie jesteś?
[12/03/2024, 09:15:30 PM] Bartek: \u200e<attached: 00000012-PHOTO-2024-03-12-21-15-30.jpg>
[12/03/2024, 09:16:01 PM] Bartek: Spotkajmy się na dworcu o ósmej.
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture()
def evidence_dir(tmp_path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    return folder


def write_evidence(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o444)
    return path


@pytest.fixture()
def transcript_json(tmp_path) -> tuple[Path, tuple[Segment, ...]]:
    """A Polish transcript exported by this program (as `transcribe` would write it)."""
    from app.core.export import export_transcript

    segments = (
        Segment(
            0,
            2100,
            "Gdzie byłeś w nocy dwunastego marca?",
            speaker="SPEAKER_1",
            channel=0,
            words=(Word(0, 600, " Gdzie", 0.9),),
            avg_logprob=-0.3,
            no_speech_prob=0.02,
        ),
        Segment(2500, 4000, "Byłem w domu z bratem.", speaker="SPEAKER_2", channel=1),
        Segment(4200, 7300, "Nie wiem, kto wziął samochód.", speaker="SPEAKER_2", channel=1),
    )
    case = Case.open(tmp_path / "first-case")
    source = SourceInfo(
        path=str(MEDIA / "pl_voicenote.opus"),
        sha256="12" * 32,
        bytes=20021,
        duration_ms=7680,
        container="ogg",
        audio_codec="opus",
        sample_rate=48000,
        channels=2,
    )
    exhibit, _ = case.add_exhibit(source)
    run_id = case.start_run(
        exhibit.id,
        "transcribe",
        ModelInfo("base", "", "34" * 32),
        {"beam_size": 5},
        SoftwareInfo("Parley", "0.1.0"),
    )
    case.append_segments(run_id, segments, {}, "pl", 0.98)
    case.finish_run(run_id)
    [path] = export_transcript(
        case.transcript(run_id), tmp_path / "transcripts", ["json"], basename="pl_interview"
    )
    case.close()
    return path, segments


def test_translate_transcript_json(tmp_path, transcript_json, capsys):
    path, segments = transcript_json
    out = tmp_path / "out"
    status = main(
        [
            "translate",
            str(path),
            "--to",
            "en",
            "--model",
            str(TINY_NLLB),
            "--out",
            str(out),
            "--case",
            str(tmp_path / "case"),
            "--threads",
            "1",
        ]
    )
    assert status == 0, capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        "pl_interview.json",
        "pl_interview.manifest.json",
        "pl_interview.srt",
        "pl_interview.txt",
        "pl_interview.vtt",
    ]
    data = load(out / "pl_interview.json")
    assert data["task"] == "text-translate"
    assert (data["source_language"], data["language"]) == ("pl", "en")
    assert data["source"]["sha256"] == "12" * 32  # the original recording, not the JSON
    assert data["model"]["sha256"] == sha256(TINY_NLLB / "model.bin")
    settings = data["settings"]
    assert (settings["src_flores"], settings["tgt_flores"], settings["beam_size"]) == (
        "pol_Latn",
        "eng_Latn",
        4,
    )
    case = Case.open(tmp_path / "case")
    try:
        parent = case.run(data["run_id"]).parent_run_id
        assert settings["parent_run_id"] == parent
        assert case.transcript(parent).settings["imported_sha256"] == sha256(path)
    finally:
        case.close()
    assert len(data["segments"]) == len(segments)
    for seg, out_seg in zip(segments, data["segments"]):
        assert (out_seg["start"], out_seg["end"]) == (seg.start_ms / 1000, seg.end_ms / 1000)
        assert (out_seg["speaker"], out_seg["channel"]) == (seg.speaker, seg.channel)
        assert out_seg["source_text"] == seg.text
    txt = (out / "pl_interview.txt").read_text(encoding="utf-8")
    assert "(original) Byłem w domu z bratem." in txt
    assert txt.startswith("TRANSLATION OF A RECORDING\npl_voicenote.opus\n")  # as its DOCX and PDF open


@pytest.mark.parametrize(
    ("name", "text", "media", "first_stamp"),
    [
        ("WhatsApp Chat with Anna.txt", ANDROID, "<Media omitted>", "12/03/2024, 21:14"),
        (
            "_chat.txt",
            IOS,
            "<attached: 00000012-PHOTO-2024-03-12-21-15-30.jpg>",
            "12/03/2024, 09:14:05 PM",
        ),
    ],
)
def test_translate_whatsapp_chat(tmp_path, evidence_dir, capsys, name, text, media, first_stamp):
    chat = write_evidence(evidence_dir, name, text)
    out = tmp_path / "out"
    status = main(
        [
            "translate",
            str(chat),
            "--from",
            "pl",
            "--to",
            "en",
            "--model",
            str(TINY_M2M),
            "--out",
            str(out),
            "--case",
            str(tmp_path / "case"),
            "--threads",
            "1",
        ]
    )
    assert status == 0, capsys.readouterr().err
    stem = Path(name).stem
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.json", f"{stem}.manifest.json", f"{stem}.txt"]
    data = load(out / f"{stem}.json")
    assert data["source"]["sha256"] == sha256(chat) and data["source"]["duration_s"] == 0
    assert data["model"]["family"] == "m2m100"
    messages = data["segments"]
    assert split_chat_speaker(messages[0]["speaker"])[0] == first_stamp
    by_sender = [(split_chat_speaker(m["speaker"])[1], m["source_text"]) for m in messages]
    assert ("Anna", "Gdzie jesteś?") in by_sender
    attachment = next(m for m in messages if "chat_media" in m["flags"])
    assert attachment["text"] == attachment["source_text"] == media  # never translated
    note = next(m for m in messages if "chat_system" in m["flags"])
    assert note["text"] == note["source_text"]
    translated = [m for m in messages if not {"chat_media", "chat_system"} & set(m["flags"])]
    assert translated and all(m["text"] != m["source_text"] for m in translated)
    assert all(m["speaker"] and m["start"] == m["end"] == 0 for m in messages)
    assert chat.read_text(encoding="utf-8") == text  # the original is untouched


def test_translate_plain_text(tmp_path, evidence_dir, capsys):
    doc = write_evidence(
        evidence_dir,
        "statement.txt",
        "Byłem w domu.\nOglądałem film.\n\nNie znam tego człowieka.\n",
    )
    out = tmp_path / "out"
    status = main(
        [
            "translate",
            str(doc),
            "--from",
            "pol_Latn",
            "--to",
            "de",
            "--model",
            str(TINY_NLLB),
            "--out",
            str(out),
            "--case",
            str(tmp_path / "case"),
            "--format",
            "json,docx",
            "--threads",
            "1",
        ]
    )
    assert status == 0, capsys.readouterr().err
    data = load(out / "statement.json")
    assert [s["source_text"] for s in data["segments"]] == [
        "Byłem w domu.\nOglądałem film.",
        "Nie znam tego człowieka.",
    ]
    assert data["settings"]["tgt_flores"] == "deu_Latn"
    assert (out / "statement.docx").stat().st_size > 0


def test_media_input_is_transcribed_then_translated_and_reused(tmp_path, models_dir, capsys):
    out, case_dir = tmp_path / "out", tmp_path / "case"
    args = [
        "translate",
        str(MEDIA / "en_voicenote.opus"),
        "--to",
        "pl",
        "--model",
        str(TINY_NLLB),
        "--whisper-model",
        "tiny.en",
        "--out",
        str(out),
        "--case",
        str(case_dir),
        "--format",
        "json",
        "--threads",
        "2",
    ]
    assert main(args) == 0, capsys.readouterr().err
    data = load(out / "en_voicenote.json")
    assert data["source_language"] == "en" and data["language"] == "pl"
    assert data["segments"] and all(s["end"] > s["start"] for s in data["segments"])
    assert "station" in " ".join(s["source_text"] for s in data["segments"]).lower()
    first = (out / "en_voicenote.json").read_bytes()
    assert main(args) == 0  # again: the stored transcript and translation are reused, not redone
    assert load(out / "en_voicenote.json")["run_id"] == json.loads(first)["run_id"]
    case = Case.open(case_dir)
    try:
        tasks = [r[0] for r in case.conn.execute("SELECT task FROM runs ORDER BY id")]
    finally:
        case.close()
    assert tasks == ["transcribe", "text-translate"]


def test_list_languages(capsys):
    assert main(["translate", "--list-languages"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 202 and any(line.split()[:2] == ["pl", "pol_Latn"] for line in lines)
    assert main(["translate", "--list-languages", "--model", str(TINY_M2M)]) == 0
    m2m = capsys.readouterr().out.splitlines()
    assert 90 <= len(m2m) <= 100 and any("Polish" in line for line in m2m)


# --- errors: one line, exit 1, no traceback --------------------------------------------


def assert_one_line(result: subprocess.CompletedProcess, *fragments: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_language_code(tmp_path, evidence_dir):
    doc = write_evidence(evidence_dir, "a.txt", "Tak.")
    result = run_cli(
        "translate",
        str(doc),
        "--from",
        "pl",
        "--to",
        "xx",
        "--model",
        str(TINY_NLLB),
        "--out",
        str(tmp_path / "out"),
        "--case",
        str(tmp_path / "c"),
    )
    assert_one_line(result, "unknown language code 'xx'")


def test_broken_model_folders(tmp_path, evidence_dir):
    doc = write_evidence(evidence_dir, "a.txt", "Tak.")
    incomplete = tmp_path / "incomplete"
    shutil.copytree(TINY_NLLB, incomplete)
    (incomplete / "model.bin").unlink()
    corrupt = tmp_path / "corrupt"
    shutil.copytree(TINY_NLLB, corrupt)
    (corrupt / "model.bin").write_bytes(b"not a model" * 100)
    common = [str(doc), "--from", "pl", "--to", "en", "--case", str(tmp_path / "c")]
    cases = [
        (incomplete, "missing model.bin"),
        (corrupt, "cannot load this model"),
        (tmp_path / "nowhere", "no model folder at"),
        (REPO / "models" / "tiny.en", "is a Whisper (speech) model"),
    ]
    for model, reason in cases:
        result = run_cli("translate", *common, "--model", str(model), "--out", str(tmp_path / "o"))
        assert_one_line(result, reason)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_unreadable_inputs_fail_alone(tmp_path, evidence_dir):
    good = write_evidence(evidence_dir, "good.txt", "Tak.")
    missing = evidence_dir / "missing.txt"
    bad_json = write_evidence(evidence_dir, "bad.json", "{not json")
    out = tmp_path / "out"
    result = run_cli(
        "translate",
        str(missing),
        str(good),
        str(bad_json),
        "--from",
        "pl",
        "--to",
        "en",
        "--model",
        str(TINY_NLLB),
        "--out",
        str(out),
        "--case",
        str(tmp_path / "c"),
        "--format",
        "json",
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(evidence_dir))]
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(errors) == 2 and errors[0] == f"{missing}: no such file"
    assert errors[1].startswith(f"{bad_json}: not a Parley transcript JSON (Expecting property")
    assert sorted(p.name for p in out.iterdir()) == ["good.json", "good.manifest.json"]


def test_outputs_are_never_written_beside_the_evidence(tmp_path, evidence_dir):
    doc = write_evidence(evidence_dir, "a.txt", "Tak.")
    result = run_cli(
        "translate",
        str(doc),
        "--from",
        "pl",
        "--to",
        "en",
        "--model",
        str(TINY_NLLB),
        "--out",
        str(evidence_dir),
        "--case",
        str(tmp_path / "c"),
    )
    assert_one_line(result, "refusing to write outputs beside the evidence")


# --- Whisper's own speech-to-English --------------------------------------------------


@pytest.mark.slow
def test_whisper_translate_task_end_to_end(tmp_path, models_dir):
    out = tmp_path / "out"
    result = run_cli(
        "transcribe",
        str(MEDIA / "en_voicenote.opus"),
        "--task",
        "translate",
        "--model",
        "base",
        "--out",
        str(out),
        "--case",
        str(tmp_path / "case"),
        "--format",
        "json,txt",
        "--threads",
        "2",
    )
    assert result.returncode == 0, result.stderr
    data = load(out / "en_voicenote.json")
    assert data["task"] == "translate" and data["settings"]["task"] == "translate"
    text = " ".join(s["text"] for s in data["segments"]).lower()
    assert text.isascii() and "station" in text and "money" in text
    assert (out / "en_voicenote.txt").read_text("utf-8").startswith("TRANSLATION OF A RECORDING\nen_voicenote.opus\n")
