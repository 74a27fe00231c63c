"""Where each exhibit stands, in words: queued, running, failed (why), done, no speech found, language
uncertain, truncated, edited, verified by whom. One reading for the window's exhibit list and the CLI's
`exhibits` (which listed names and hashes only: a user could not tell what was transcribed, failed or
signed off without opening each)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.editing import operations as editing
from app.core.editing.proofread import set_aside
from app.core.language_parts import named_readings, shares
from app.core.media.boxes import UNINDEXED_VIDEO
from app.core.models.catalogue import ENGLISH_ONLY_NOTE
from app.core.store import Case, Exhibit
from app.core.store.chats import PART_WAY, taken_in_part
from app.core.store.interview import verified_at
from app.core.store.views import RunSummary, latest_jobs, latest_speech_runs
from app.core.translation.langcodes import language_name

WITHHELD = "language uncertain: "  # a run's warning listing what its withheld speech was read as (asr.language_check)
UNCERTAIN_LANGUAGE = 0.6  # detection probability below this: say so, offer a re-run
UNCERTAIN = "language uncertain"  # the status of a run whose speech gave no words, or whose language is in doubt
CHAT_STATUS = "chat: see Timeline"
NO_SPEECH = ("no speech found", "no speech was detected in this recording")  # (status, detail)
PART_WAY_STATUS = "taken in part-way"  # a chat or text whose take-in was killed before its messages were stored


@dataclass(frozen=True)
class ExhibitStatus:
    exhibit: Exhibit
    language: str  # by name, "" when no run says it
    status: str
    kind: str  # audio, video, chat or text: recording_kind (no default: a video left out read "audio")
    verified_by: str | None = None
    detail: str = ""  # the failure's reason, the detection probability...
    run_id: int | None = None


def safe_language_name(code: str | None) -> str:
    if not code:
        return "unknown language"
    try:
        return language_name(code)
    except Exception:  # noqa: BLE001 - an odd code is shown as it is
        return code


def mixed_languages(run: RunSummary | None) -> str:
    """A recording decoded in several languages, by name with each one's share of its speech
    ("mixed: English 64%, German 36%"); "" for one language."""
    share = shares([list(part) for part in run.languages]) if run else {}
    if len(share) < 2:
        return ""
    return "mixed: " + ", ".join(f"{safe_language_name(code)} {fraction:.0%}" for code, fraction in share.items())


def language_uncertain(run: RunSummary | None) -> bool:
    """Speech was found (words, or [inaudible] markers: VAD heard >= 1 s of speech) and either
    the language was detected with a low probability or no word was recognised at all (a
    wrong language reads as nothing: fr_voicenote detected as Thai). No speech: never this."""
    if run is None or not run.heard_speech:
        return False
    unsure = run.language_probability is not None and run.language_probability < UNCERTAIN_LANGUAGE
    return unsure or run.worded_count == 0


def no_speech_found(run: RunSummary | None) -> bool:
    """A finished run in which the VAD found no speech (noise, silence): an honest empty result."""
    return bool(run and run.status == "complete" and not run.heard_speech)


def uncertain_detail(run: RunSummary) -> str:
    """Why the language is in doubt, in words. An English-only model detects nothing: its runs read
    "detected as English, 100% sure" beside "the language was not detected"."""
    found = f"detected as {safe_language_name(run.language)}, {(run.language_probability or 0.0):.0%} sure"
    if ENGLISH_ONLY_NOTE in run.warnings:
        found = "not detected (an English-only model hears every language as English)"
    readings = next((named_readings(w).split("; ", 1)[-1] for w in run.warnings if w.startswith(WITHHELD)), "")
    if run.worded_count == 0 and ENGLISH_ONLY_NOTE in run.warnings:  # `--language` is refused with this model
        return (f"speech heard ({run.inaudible_ms / 1000:.0f} s) but no words recognised; {found}: "
                "re-run with a multilingual model (--model base) in its language")
    if run.worded_count == 0 and run.language_set:  # nothing detected: it was decoded in the language it was given
        return (f"speech heard ({run.inaudible_ms / 1000:.0f} s) but no words recognised in "
                f"{safe_language_name(run.language)}, the language it was set to: if it is another, re-run in that one")
    if run.worded_count == 0:  # every language its speech was read as, where the run noted them
        return (f"speech heard ({run.inaudible_ms / 1000:.0f} s) but no words recognised; {readings or found}: "
                "re-run in its language")
    return f"{found}: check and re-run"


def recording_kind(exhibit: Exhibit, run: RunSummary | None) -> str:
    """audio, video, chat or text. A phone video without its index (moov) has no picture track to be
    found, but its run says it is a video whose pictures were passed over: it was listed as "audio"."""
    source = exhibit.source
    if source.kind in ("text", "chat"):
        return source.kind
    unindexed = run is not None and any(w.startswith(UNINDEXED_VIDEO) for w in run.warnings)
    return "video" if source.has_video or unindexed else "audio"


def run_status(case: Case, exhibit: Exhibit, run: RunSummary | None) -> tuple[str, str, str | None]:
    """(status, detail, verified by) of an exhibit's latest speech run, in words."""
    if exhibit.source.kind == "chat":
        return CHAT_STATUS, "its messages, voice notes in their place, in the Timeline tab", None
    if run is None or run.status != "complete":
        return "not transcribed", "", None
    state, by = editing.status(case, run.id)
    if state == "verified":
        return f"verified by {by}", signed_off_detail(case, run), by
    aside = set_aside(case, exhibit.id, run.id, state)
    status, detail = _draft_status(exhibit, run, state)
    if aside is not None:  # a new transcription asked for, whatever it found, edited or not: said, not hidden
        detail = "; ".join(part for part in (detail, aside.draft_note()) if part)
    return status, detail, None


def _draft_status(exhibit: Exhibit, run: RunSummary, state: str) -> tuple[str, str]:
    """(status, detail) of a complete run not signed off."""
    if language_uncertain(run):
        return UNCERTAIN, uncertain_detail(run)
    if no_speech_found(run):
        return NO_SPEECH
    done = "edited" if state == "edited" else "done"
    if exhibit.source.truncated or run.truncated:
        return f"{done} · truncated", "the file is truncated or damaged; only what could be read"
    return done, ""


def signed_off_detail(case: Case, run: RunSummary) -> str:
    when = verified_at(case, run.id)
    return f"signed off {when.replace('T', ' ')[:16]} UTC" if when else "signed off"


def exhibit_statuses(case: Case) -> list[ExhibitStatus]:
    """Every exhibit with its language (by name) and status; a job queued, running, paused or failed
    for one not transcribed says so."""
    jobs, runs = latest_jobs(case), latest_speech_runs(case)
    part_way = {exhibit_id for exhibit_id, _ in taken_in_part(case)}
    rows = []
    for e in case.exhibits():
        run = runs.get(e.id)
        language = mixed_languages(run) or (safe_language_name(run.language) if run and run.language else "")
        status, detail, verified_by = run_status(case, e, run)
        job = jobs.get(e.id)
        if e.id in part_way:  # nothing of it stored: not "chat: see Timeline", whose tab would be empty
            status, detail = PART_WAY_STATUS, PART_WAY
        elif job and job.state in ("queued", "running", "paused"):
            if job.state == "running":  # a batch of short files reports only at its end
                status = f"running {job.progress:.0%}" if job.progress > 0 else "running"
            else:
                status = job.state
        elif job and job.state == "failed" and status == "not transcribed":
            status, detail = "failed", job.error or "no reason recorded"
        rows.append(ExhibitStatus(e, language, status, recording_kind(e, run), verified_by, detail,
                                  run.id if run else None))
    return rows
