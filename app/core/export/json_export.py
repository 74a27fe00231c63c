"""JSON: the full-fidelity export, and the one other tools read back.

The key order is fixed and times are seconds with 3 decimals, so the same
transcript always gives byte-identical output. `load_transcript_json` reads it
back into a Transcript (e.g. to translate a transcript file later).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.export import changes
from app.core.export.base import finite, ms_to_s, provenance, register, s_to_ms
from app.core.language_parts import language_at, shares
from app.core.types import (
    FLAG_OVERLAP,
    ChangedLine,
    ModelInfo,
    Segment,
    SoftwareInfo,
    SourceInfo,
    Transcript,
    Word,
)


class JsonExporter:
    name = "json"
    extension = "json"
    binary = False

    def render(self, transcript: Transcript) -> bytes:
        text = json.dumps(transcript_to_json(transcript), ensure_ascii=False, indent=2)
        return (text + "\n").encode("utf-8")


def transcript_to_json(transcript: Transcript) -> dict[str, Any]:
    prov = provenance(transcript)
    marks = changes.changed(transcript)
    found_in = transcript.export.found_in if transcript.export else ""  # the zip → member, as the TXT's Source
    return {
        "source": {**prov["source"], **_stream(transcript.source), **({"found_in": found_in} if found_in else {})},
        "language": transcript.language,
        "language_probability": finite(transcript.language_probability),
        "task": transcript.task,
        "model": _model(transcript.model),
        "settings": prov["settings"],
        "software": prov["software"],
        "created_at": transcript.created_at,
        "status": transcript.status,
        "verified_by": transcript.verified_by,
        "verified_at": transcript.verified_at,  # when it was signed off, as the TXT, DOCX and PDF say
        "review": _review(transcript),
        "run_id": transcript.run_id,
        "warnings": list(transcript.warnings),
        "source_language": transcript.source_language,
        **_languages(transcript),
        "segments": [_segment(seg, transcript.languages, marks.get(seg.id or 0)) for seg in transcript.segments],
    }


def _languages(transcript: Transcript) -> dict[str, Any]:
    """A recording decoded in several languages: each one's share of its worded speech, how sure its
    parts were, and where they are (each segment says its own)."""
    share = shares([list(p) for p in transcript.languages])
    if len(share) < 2:
        return {}
    return {"languages": [
        {"language": code, "share": round(fraction, 3),
         "speech_s": ms_to_s(sum(int(p[4]) for p in transcript.languages if p[2] == code)),
         "probability": finite(min(float(p[3]) for p in transcript.languages if p[2] == code)),
         "spans": [[ms_to_s(p[0]), ms_to_s(p[1])] for p in transcript.languages if p[2] == code]}
        for code, fraction in share.items()]}


def _review(transcript: Transcript) -> dict[str, Any] | None:
    """What people did to the text, as the DOCX/PDF/TXT's "Corrected by" and "Uncertain words" rows say it:
    who changed it and which of the words the model was unsure of no one marked as listened to again (the
    JSON held only "edited"/"verified", so a reader could not tell a sign-off of every word from one of
    none). None where it is not known (an export made from a JSON file, not from a case)."""
    state = transcript.export.review if transcript.export else None
    if state is None:
        return None
    left = [{"start": ms_to_s(start), "word": text} for start, text in state.unchecked]
    return {
        "corrected_by": list(state.edited_by),
        "uncertain_below": state.below,
        "uncertain_words": state.uncertain,
        "uncertain_reviewed": state.uncertain - len(left),
        "uncertain_never_reviewed": left,
        "lines_changed": len(state.changed),  # each one's segment says "edited" and gives the machine's words
        **({"translated_from": state.translated_from} if state.translated_from else {}),
    }


def _stream(src: SourceInfo) -> dict[str, Any]:
    """What the JSON adds to the provenance's source record: how the audio is stored."""
    return {
        "container": src.container,
        "audio_codec": src.audio_codec,
        "sample_rate": src.sample_rate,
        "channels": src.channels,
        "has_video": src.has_video,
    }


def _model(model: ModelInfo) -> dict[str, Any]:
    return {"name": model.name, "sha256": model.sha256, "family": model.family, "path": model.path}


def _segment(seg: Segment, languages: tuple[tuple, ...] = (), change: ChangedLine | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start": ms_to_s(seg.start_ms),
        "end": ms_to_s(seg.end_ms),
        "speaker": seg.speaker,
        "channel": seg.channel,
        "text": seg.text,
    }
    if change is not None:  # a person changed its text: what the machine wrote over its time, and who
        out.update({"edited": True, "machine_text": change.machine_text, "edited_by": list(change.by)})
        if change.machine_speaker is not None:  # given to another speaker: the one the machine heard
            out["machine_speaker"] = change.machine_speaker or None  # null: the machine gave it none
    if len({part[2] for part in languages}) > 1 and seg.text.strip():  # decoded in several: this one's
        out["language"] = language_at([list(p) for p in languages], seg.start_ms, seg.end_ms)
    if seg.inaudible:  # speech detected, no words recognised: the record shows [inaudible hh:mm:ss]
        out["inaudible"] = True
    if FLAG_OVERLAP in seg.flags:  # another speaker talks over part of it (diarisation)
        out["overlap"] = True
    if seg.source_text is not None:
        out["source_text"] = seg.source_text
    out.update(
        {
            "flags": list(seg.flags),
            "avg_logprob": finite(seg.avg_logprob),
            "no_speech_prob": finite(seg.no_speech_prob),
            "words": [_word(w) for w in seg.words],
        }
    )
    return out


def _word(word: Word) -> dict[str, Any]:
    return {
        "start": ms_to_s(word.start_ms),
        "end": ms_to_s(word.end_ms),
        "word": word.text,
        "probability": finite(word.probability),
    }


# --- reading back ------------------------------------------------------------


def load_transcript_json(path: str | Path) -> Transcript:
    """Read a file written by the JSON exporter back into a Transcript.

    Not carried by the JSON and so restored as defaults: SourceInfo.kind,
    ModelInfo.licence and segment store ids.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return transcript_from_json(data)


def transcript_from_json(data: dict[str, Any]) -> Transcript:
    software = data.get("software") or {}
    return Transcript(
        source=_source_from(data["source"]),
        language=data.get("language"),
        model=_model_from(data.get("model") or {}),
        settings=dict(data.get("settings") or {}),
        software=SoftwareInfo(
            name=software.get("name", ""),
            version=software.get("version", ""),
            components=dict(software.get("components") or {}),
        ),
        segments=tuple(_segment_from(seg) for seg in data.get("segments") or ()),
        task=data.get("task", "transcribe"),
        language_probability=data.get("language_probability"),
        source_language=data.get("source_language"),
        created_at=data.get("created_at", ""),
        warnings=tuple(data.get("warnings") or ()),
        run_id=data.get("run_id"),
        status=data.get("status", "machine draft"),
        verified_by=data.get("verified_by"),
        verified_at=data.get("verified_at"),
        languages=_languages_from(data.get("languages") or ()),
    )


def _languages_from(entries: Any) -> tuple[tuple, ...]:
    """The parts `_languages` wrote (each language's speech given to its first span)."""
    parts = []
    for entry in entries:
        for index, (start, end) in enumerate(entry.get("spans") or ()):
            speech = s_to_ms(entry.get("speech_s") or 0) if index == 0 else 0
            parts.append((s_to_ms(start), s_to_ms(end), entry["language"], entry.get("probability") or 0.0, speech))
    return tuple(sorted(parts))


def _source_from(src: dict[str, Any]) -> SourceInfo:
    return SourceInfo(
        path=src.get("path") or src.get("name", ""),
        sha256=src.get("sha256", ""),
        bytes=int(src.get("bytes", 0)),
        duration_ms=s_to_ms(src.get("duration_s", 0)),
        container=src.get("container", ""),
        audio_codec=src.get("audio_codec", ""),
        sample_rate=int(src.get("sample_rate", 0)),
        channels=int(src.get("channels", 0)),
        has_video=bool(src.get("has_video", False)),
        truncated=bool(src.get("truncated", False)),
    )


def _model_from(model: dict[str, Any]) -> ModelInfo:
    return ModelInfo(
        name=model.get("name", ""),
        path=model.get("path", ""),
        sha256=model.get("sha256", ""),
        family=model.get("family", "whisper"),
    )


def _segment_from(seg: dict[str, Any]) -> Segment:
    return Segment(
        start_ms=s_to_ms(seg["start"]),
        end_ms=s_to_ms(seg["end"]),
        text=seg.get("text", ""),
        speaker=seg.get("speaker"),
        channel=seg.get("channel"),
        words=tuple(_word_from(w) for w in seg.get("words") or ()),
        avg_logprob=seg.get("avg_logprob"),
        no_speech_prob=seg.get("no_speech_prob"),
        flags=tuple(seg.get("flags") or ()),
        source_text=seg.get("source_text"),
    )


def _word_from(word: dict[str, Any]) -> Word:
    probability = word.get("probability")
    return Word(
        start_ms=s_to_ms(word["start"]),
        end_ms=s_to_ms(word["end"]),
        text=word.get("word", ""),
        probability=float("nan") if probability is None else float(probability),
    )


register(JsonExporter())
