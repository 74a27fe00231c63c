"""Each export format's real output, read back with a real reader."""

from __future__ import annotations

import html

import io
import json
import os
from dataclasses import replace
from pathlib import Path

import docx
import pysubs2
import pytest
from pypdf import PdfReader

from app.core.export import (
    ExportError,
    available_formats,
    export_transcript,
    get_exporter,
    load_transcript_json,
)
from app.core.export.base import hhmmss, ms_to_s, provenance, provenance_lines, safe_write
from app.core.types import (
    FLAG_LENGTH_SHORT,
    ModelInfo,
    Segment,
    SoftwareInfo,
    SourceInfo,
    Transcript,
    Word,
)

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
MODEL_SHA = "ab" * 32
TEXT_1 = "Dzień dobry, nazywam się Łukasz Żółć."
TEXT_2 = "Gdzie pan był w nocy? Proszę odpowiedzieć."
TRANSLATION_2 = "Where were you at night?"


def make_transcript(folder: Path = Path("/cases/17/evidence")) -> Transcript:
    words = (
        Word(1200, 1700, " Dzień", 0.91),
        Word(1700, 2300, " dobry,", 0.875),
    )
    segments = (
        Segment(
            1200,
            4500,
            " " + TEXT_1,
            speaker="SPEAKER_00",
            words=words,
            avg_logprob=-0.21,
            no_speech_prob=0.012,
        ),
        Segment(
            62345,
            65001,
            " " + TEXT_2,
            speaker="SPEAKER_01",
            channel=1,
            avg_logprob=-0.4,
            no_speech_prob=0.05,
        ),
        Segment(70000, 71000, " Tak.", flags=("low_confidence",)),
    )
    return Transcript(
        source=SourceInfo(
            path=str(folder / "interview_mono.wav"),
            sha256=SHA,
            bytes=1_234_567,
            duration_ms=75_500,
            container="wav",
            audio_codec="pcm_s16le",
            sample_rate=16000,
            channels=1,
        ),
        language="pl",
        language_probability=0.987,
        model=ModelInfo(name="base", path="/models/base", sha256=MODEL_SHA),
        settings={"model": "base", "beam_size": 5, "vad": True, "languages": []},
        software=SoftwareInfo(
            "Parley", "0.1.0", {"faster-whisper": "1.2.1", "ctranslate2": "4.6.0"}
        ),
        segments=segments,
        created_at="2025-11-23T17:52:03Z",
        warnings=("audio clipped at 00:01:10",),
        run_id=7,
    )


def make_translation(transcript: Transcript | None = None) -> Transcript:
    t = transcript or make_transcript()
    segs = list(t.segments)
    segs[0] = replace(segs[0], source_text=TEXT_1, text=" Good morning, my name is Łukasz Żółć.")
    segs[1] = replace(
        segs[1], source_text=TEXT_2, text=" " + TRANSLATION_2, flags=(FLAG_LENGTH_SHORT,)
    )
    segs[2] = replace(segs[2], source_text="Tak.", text=" Yes.")
    return replace(
        t,
        task="text-translate",
        language="en",
        source_language="pl",
        model=ModelInfo(name="nllb", path="/models/nllb", sha256="cd" * 32, family="nllb"),
        segments=tuple(segs),
    )


def render(name: str, transcript: Transcript) -> bytes:
    return get_exporter(name).render(transcript)


# --- registry and helpers ----------------------------------------------------


def test_registry_lists_every_format():
    assert available_formats() == ["docx", "json", "pdf", "srt", "txt", "vtt"]
    with pytest.raises(ValueError, match="unknown export format"):
        get_exporter("rtf")


def test_time_helpers():
    assert hhmmss(62345) == "00:01:02.345"
    assert hhmmss(3_600_000 * 12 + 5) == "12:00:00.005"
    assert ms_to_s(1234) == 1.234
    assert ms_to_s(0) == 0.0


def test_provenance_dict_and_lines():
    t = make_transcript()
    prov = provenance(t)
    assert prov["source"]["sha256"] == SHA
    assert prov["source"]["duration_s"] == 75.5
    assert prov["model"] == {"name": "base", "sha256": MODEL_SHA}
    assert prov["run_id"] == 7
    lines = provenance_lines(t)
    assert f"SHA-256: {SHA}" in lines
    assert f"Model: base (sha256 {MODEL_SHA})" in lines
    assert "Settings: beam_size=5 languages=[] model=base vad=true" in lines
    assert "Software: Parley 0.1.0 (ctranslate2 4.6.0, faster-whisper 1.2.1)" in lines
    assert "Created: 2025-11-23T17:52:03Z" in lines
    assert lines[0].startswith("Source: ") and lines[0].endswith("interview_mono.wav")


# --- every format is deterministic ------------------------------------------


@pytest.mark.parametrize("name", ["json", "txt", "srt", "vtt", "docx", "pdf"])
def test_same_transcript_gives_identical_bytes(name):
    for t in (make_transcript(), make_translation()):
        assert render(name, t) == render(name, t)


# --- JSON --------------------------------------------------------------------


def test_json_shape_and_values():
    data = json.loads(render("json", make_transcript()).decode("utf-8"))
    assert list(data) == [
        "source",
        "language",
        "language_probability",
        "task",
        "model",
        "settings",
        "software",
        "created_at",
        "status",
        "verified_by",
        "verified_at",
        "review",
        "run_id",
        "warnings",
        "source_language",
        "segments",
    ]
    assert data["review"] is None  # not made from a case: who corrected it, what was reviewed, not known
    assert list(data["source"]) == [
        "path",
        "name",
        "sha256",
        "bytes",
        "duration_s",
        "truncated",
        "container",
        "audio_codec",
        "sample_rate",
        "channels",
        "has_video",
    ]
    assert data["source"]["name"] == "interview_mono.wav"
    assert data["source"]["duration_s"] == 75.5
    assert data["model"] == {
        "name": "base",
        "sha256": MODEL_SHA,
        "family": "whisper",
        "path": "/models/base",
    }
    assert data["software"]["components"] == {"ctranslate2": "4.6.0", "faster-whisper": "1.2.1"}
    assert data["task"] == "transcribe" and data["source_language"] is None
    first, second = data["segments"][:2]
    assert list(first) == [
        "start",
        "end",
        "speaker",
        "channel",
        "text",
        "flags",
        "avg_logprob",
        "no_speech_prob",
        "words",
    ]
    assert (first["start"], first["end"]) == (1.2, 4.5)
    assert (second["start"], second["end"]) == (62.345, 65.001)
    assert first["text"] == " " + TEXT_1
    assert second["channel"] == 1 and second["speaker"] == "SPEAKER_01"
    assert first["words"][1] == {"start": 1.7, "end": 2.3, "word": " dobry,", "probability": 0.875}
    assert data["segments"][2]["flags"] == ["low_confidence"]


def test_json_is_utf8_indented_with_trailing_newline():
    raw = render("json", make_transcript())
    assert raw.endswith(b"}\n")
    assert "Łukasz Żółć".encode() in raw  # not \u escapes
    assert b'\n  "source": {\n' in raw


def test_json_translation_carries_source_text():
    data = json.loads(render("json", make_translation()))
    assert data["source_language"] == "pl" and data["language"] == "en"
    seg = data["segments"][1]
    assert seg["source_text"] == TEXT_2 and seg["text"] == " " + TRANSLATION_2
    assert seg["flags"] == [FLAG_LENGTH_SHORT]


def test_json_round_trip(tmp_path):
    for t in (make_transcript(), make_translation()):
        path = tmp_path / "t.json"
        path.write_bytes(render("json", t))
        back = load_transcript_json(path)
        assert back == t
        assert render("json", back) == render("json", t)


# --- TXT ---------------------------------------------------------------------


def test_txt_header_and_lines():
    lines = render("txt", make_transcript()).decode("utf-8").splitlines()
    assert lines[:2] == ["TRANSCRIPT OF A RECORDING", "interview_mono.wav"]  # as the DOCX and PDF open
    assert f"SHA-256: {SHA}" in lines
    body = lines[lines.index("=" * 72) + 1 :]
    assert body == [
        "",
        f"[00:00:01.200 --> 00:00:04.500] SPEAKER_00: {TEXT_1}",
        f"[00:01:02.345 --> 00:01:05.001] SPEAKER_01: {TEXT_2}",
        "[00:01:10.000 --> 00:01:11.000] Tak.  [low_confidence]",
    ]


def test_txt_translation_shows_original():
    text = render("txt", make_translation()).decode("utf-8")
    assert text.splitlines()[:2] == ["TRANSLATION OF A RECORDING", "interview_mono.wav"]
    assert (
        f"[00:01:02.345 --> 00:01:05.001] SPEAKER_01: {TRANSLATION_2}  [{FLAG_LENGTH_SHORT}]\n"
        f"    (original) {TEXT_2}\n"
    ) in text


# --- SRT / VTT ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["srt", "vtt"])
def test_subtitles_parse_back(name):
    raw = render(name, make_transcript()).decode("utf-8")
    subs = pysubs2.SSAFile.from_string(raw, format_=name)
    assert [(e.start, e.end) for e in subs] == [(1200, 4500), (62345, 65001), (70000, 71000)]
    assert [e.plaintext for e in subs] == [f"SPEAKER_00: {TEXT_1}", f"SPEAKER_01: {TEXT_2}", "Tak."]


def test_srt_has_no_provenance():
    raw = render("srt", make_transcript()).decode("utf-8")
    assert raw.startswith("1\n00:00:01,200 --> 00:00:04,500\n")
    assert SHA not in raw


def test_vtt_note_block_carries_provenance():
    raw = render("vtt", make_transcript()).decode("utf-8")
    assert raw.startswith("WEBVTT\n\nNOTE\n")
    note = raw.split("\n\n")[1]
    assert f"SHA-256: {SHA}" in note and "-->" not in note
    assert "\n\n00:00:01.200 --> 00:00:04.500\n" in raw or "\n1\n00:00:01.200" in raw


def test_subtitles_keep_braces_verbatim():
    t = make_transcript()
    t = replace(t, segments=(replace(t.segments[0], text="{Nie} wiem"),))
    subs = pysubs2.SSAFile.from_string(render("srt", t).decode(), format_="srt")
    assert "{Nie} wiem" in render("srt", t).decode()
    assert len(subs) == 1


@pytest.mark.parametrize("name", ["srt", "vtt"])
def test_a_line_break_of_any_kind_in_an_edited_line_is_no_cue_of_its_own(name):
    """An edit holding CRs ("I did not\r\r00:00:30,000 --> 00:00:31,000\rI did it") gave a subtitle reader a cue
    Parley never wrote: only LF was a line break of the cue, a blank line ended it, and "-->" in it is a timing
    line to players (session 31's review). Each break is a line of the cue, no line is blank, "-->" is "->"."""
    t = make_transcript()
    forged = "I did not\r\r00:00:30,000 --> 00:00:31,000\rI did it\u2028end\x85more\n\nlast"
    t = replace(t, segments=(replace(t.segments[0], text=forged), *t.segments[1:]))
    raw = render(name, t).decode("utf-8")
    cues = [block for block in raw.split("\n\n") if "-->" in block]  # a player's cues: blocks with a timing line
    assert len(cues) == 3
    assert [line for line in raw.splitlines() if "-->" in line] == \
        ["00:00:01,200 --> 00:00:04,500", "00:01:02,345 --> 00:01:05,001", "00:01:10,000 --> 00:01:11,000"] \
        if name == "srt" else \
        ["00:00:01.200 --> 00:00:04.500", "00:01:02.345 --> 00:01:05.001", "00:01:10.000 --> 00:01:11.000"]
    lines = [html.unescape(line) for line in cues[0].splitlines()[-5:]]  # a VTT cue writes ">" as "&gt;"
    assert lines == ["00:00:30,000 -> 00:00:31,000", "I did it", "end", "more", "last"]


@pytest.mark.parametrize("name", ["srt", "vtt"])
def test_a_backslash_or_markup_typed_in_a_line_is_written_as_typed(name):
    """pysubs2 holds ASS text: a proofreader's "C:\\Users\\Nick\\new and \\host" lost its N, n and h to line
    breaks and a space, and a line holding "{\\p1}" was an ASS drawing whose cue was not written (review of 49927ac,
    H3); in a VTT cue "<inaudible>" or "I <3 you" is a tag a player shows nothing of (M1): written as entities."""
    t = make_transcript()
    typed = ["Files in C:\\Users\\Nick\\new and \\host", "he said {\\p1} then left", "I <3 you & <inaudible>"]
    t = replace(t, segments=tuple(replace(s, text=text) for s, text in zip(t.segments, typed)))
    raw = render(name, t).decode("utf-8")
    cues = [block.splitlines()[2:] for block in raw.split("\n\n") if "-->" in block]
    shown = [" ".join(lines).split(": ", 1)[-1] for lines in cues]
    if name == "vtt":
        shown = [html.unescape(text) for text in shown]
        assert "<" not in raw.split("-->", 1)[1]
    assert shown == typed


@pytest.mark.parametrize("name", ["srt", "vtt"])
def test_a_private_use_character_typed_beside_a_backslash_is_written_as_typed(name):
    """The exporter hid backslashes from pysubs2 as U+E000, and a U+E000 typed in a line (a private-use character
    some phone keyboards use) was written as a space (review revI, L4): both are written as typed, with the
    next private-use character typed too."""
    t = make_transcript()
    typed = "pin \uE000 code C:\\new \uE001 end\\"
    t = replace(t, segments=(replace(t.segments[0], text=typed), *t.segments[1:]))
    raw = render(name, t).decode("utf-8")
    cue = next(block for block in raw.split("\n\n") if "-->" in block).splitlines()[2:]
    assert " ".join(cue).split(": ", 1)[-1] == typed


# --- DOCX --------------------------------------------------------------------


def docx_tables(raw: bytes) -> tuple[docx.document.Document, list[list[list[str]]]]:
    doc = docx.Document(io.BytesIO(raw))
    return doc, [[[c.text for c in row.cells] for row in table.rows] for table in doc.tables]


def test_docx_provenance_and_segments():
    doc, (interview, prov) = docx_tables(render("docx", make_transcript()))
    assert doc.paragraphs[0].text == "TRANSCRIPT OF A RECORDING"  # no interview details given (session 18)
    assert doc.paragraphs[1].text == "interview_mono.wav"
    assert [row[0] for row in interview] == ["Case reference", "Exhibit reference"]
    prov_map = {row[0]: row[1] for row in prov}
    assert prov_map["SHA-256"] == SHA
    assert prov_map["Model"] == "base" and prov_map["Model SHA-256"] == MODEL_SHA
    assert prov_map["Status"] == "machine draft"
    assert prov_map["Produced"] == "2025-11-23 17:52 UTC"
    body = [p.text for p in doc.paragraphs if p.text.startswith("00:")]
    assert body[0] == f"00:00:01\tSPEAKER_00\t{TEXT_1}"
    assert body[2] == "00:01:10\t\tTak. [low confidence]"
    footer = "\n".join(p.text for p in doc.sections[0].footer.paragraphs)
    assert SHA in footer
    assert doc.core_properties.created.isoformat() == "2025-11-23T17:52:03+00:00"
    assert doc.core_properties.identifier == SHA


def test_docx_translation_is_side_by_side():
    _, (_, _, segs) = docx_tables(render("docx", make_translation()))
    assert segs[0] == ["Line", "Time", "Speaker", "Original (Polish)", "Translation (English)"]
    assert segs[2][3:] == [TEXT_2, f"{TRANSLATION_2} [translation may be incomplete]"]


def test_docx_page_number_fields():
    raw = render("docx", make_transcript())
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
        assert all(info.date_time == (2025, 11, 23, 17, 52, 2) for info in z.infolist())
    assert any(" PAGE " in f and " NUMPAGES " in f for f in footers)


# --- PDF ---------------------------------------------------------------------


def pdf_text(raw: bytes) -> str:
    reader = PdfReader(io.BytesIO(raw))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_contains_hash_and_diacritics():
    raw = render("pdf", make_transcript())
    assert raw.startswith(b"%PDF-")
    text = pdf_text(raw)
    assert SHA in text
    assert "Łukasz Żółć" in text
    assert "SPEAKER_01" in text and "00:01:02" in text
    assert f"Page 1 of {len(PdfReader(io.BytesIO(raw)).pages)}" in text
    meta = PdfReader(io.BytesIO(raw)).metadata
    assert meta.creation_date.isoformat().startswith("2025-11-23T17:52:03")


def test_pdf_translation_shows_both_texts():
    text = pdf_text(render("pdf", make_translation()))
    assert "TRANSLATION OF A RECORDING\ninterview_mono.wav" in text  # no interview details given (session 18)
    assert "Where were you at night?" in text and "Gdzie pan był" in text


# --- writing -----------------------------------------------------------------


def test_safe_write_replaces_atomically_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.json"
    safe_write(target, b"old")
    inode_before = target.stat().st_ino
    safe_write(target, "nowy żółć".encode())
    assert target.read_bytes() == "nowy żółć".encode()
    assert target.stat().st_ino != inode_before  # a new file was renamed over it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_safe_write_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    safe_write(target, b"old")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        safe_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_export_transcript_writes_named_files(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    t = make_transcript(evidence)
    out = tmp_path / "exports"
    paths = export_transcript(t, out, ["json", "txt", "srt", "vtt", "docx", "pdf"])
    assert [p.name for p in paths] == [
        "interview_mono.json",
        "interview_mono.txt",
        "interview_mono.srt",
        "interview_mono.vtt",
        "interview_mono.docx",
        "interview_mono.pdf",
    ]
    assert all(p.parent == out and p.stat().st_size > 0 for p in paths)
    assert paths[0].read_bytes() == render("json", t)
    assert list(evidence.iterdir()) == []
    named = export_transcript(t, out, ["json"], basename="interview_mono_ch1")
    assert named == [out / "interview_mono_ch1.json"]


def test_export_transcript_refuses_the_source_folder(tmp_path):
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    t = make_transcript(evidence)
    with pytest.raises(ValueError, match="refusing to write exports into the folder") as err:
        export_transcript(t, evidence, ["json"])
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError):  # the same folder spelt differently
        export_transcript(t, evidence / ".." / "evidence", ["txt"])
    assert list(evidence.iterdir()) == []


def test_export_transcript_checks_formats_before_writing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="unknown export format"):
        export_transcript(make_transcript(tmp_path / "ev"), out, ["json", "nope"])
    assert not out.exists()
    with pytest.raises(ExportError):
        export_transcript(make_transcript(tmp_path / "ev"), out, ["json"], basename="../x")


def test_pdf_shapes_only_scripts_that_need_it():
    from app.core.export.pdf import needs_shaping

    t = make_transcript()
    assert not needs_shaping(t)  # Polish: plain left-to-right
    arabic = replace(t, segments=(replace(t.segments[0], text="مرحبا بكم"),))
    assert needs_shaping(arabic)
    assert pdf_text(render("pdf", arabic)).count("\n") >= 1  # renders without error
