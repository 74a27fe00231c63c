"""Hostile expert, session 11: what earlier tampering rounds left unseen.

- the diarisation models (speaker and segmentation) are checked against their manifest before
  use, like the Whisper models, and a run records the digest of every file of each;
- a case rolled back whole (store and head file) to an older copy can be caught with the head
  `verify` prints (`verify --head`);
- fields of an exhibit's and a run's record that exports print (name, duration, codec, when it
  was produced, the model's folder...) are checked against the log;
- a model bundle that only vouches for itself says so, and one posing as a known model with
  other files is refused.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.cli import main
from app.core.diarize.engine import load_embedder
from app.core.diarize.pipeline import diarize_settings
from app.core.diarize.segmentation import load_segmenter
from app.core.editing import operations as editing
from app.core.errors import ModelError
from app.core.evidence.head import AuditHead, write_head_file
from app.core.hashing import sha256_file
from app.core.media.decode import probe
from app.core.models import catalogue
from app.core.models.integrity import files_digest, folder_hashes
from app.core.options import TranscribeOptions
from app.core.store import Case
from app.core.store.interview import write_interview
from tests.conftest import MEDIA
from tests.test_model_tamper import flip_byte
from tests.test_verify import _sql, made, verify  # noqa: F401 - the case every tampering starts from

SPEAKER, SEGMENTATION = "speaker-campplus", "segmentation-3.0"
DIARISE = TranscribeOptions(model="tiny.en", diarize="on", threads=1)


@pytest.fixture(scope="module")
def pristine_diar(tmp_path_factory, models_dir) -> Path:
    root = tmp_path_factory.mktemp("diar") / "models"
    for name in (SPEAKER, SEGMENTATION):
        shutil.copytree(models_dir / name, root / name)
    return root


@pytest.fixture()
def diar_models(pristine_diar, tmp_path, models_dir) -> Path:
    """A models folder of its own: copies of both diarisation models, and tiny.en beside them."""
    root = tmp_path / "models"
    shutil.copytree(pristine_diar, root)
    (root / "tiny.en").symlink_to(models_dir / "tiny.en")
    return root


def _settings(root: Path) -> dict:
    return diarize_settings(DIARISE, probe(MEDIA / "en_voicenote.opus"), root / "tiny.en")


def test_a_run_records_every_file_of_both_diarisation_models(diar_models):
    settings = _settings(diar_models)
    assert settings["diarization_model_files_sha256"] == files_digest(folder_hashes(diar_models / SPEAKER))
    assert settings["diarization_segmentation_files_sha256"] == files_digest(folder_hashes(diar_models / SEGMENTATION))


@pytest.mark.parametrize("changed", [f"{SPEAKER}/campplus.onnx", f"{SPEAKER}/speaker-model.json",
                                     f"{SEGMENTATION}/segmentation.onnx"])
def test_a_diarisation_model_changed_by_one_byte_is_refused_before_use(diar_models, changed):
    path = diar_models / changed
    flip_byte(path, min(1000, path.stat().st_size // 2))
    with pytest.raises(ModelError) as refused:
        _settings(diar_models)
    message = str(refused.value)
    assert "\n" not in message and "changed since it was installed" in message and path.name in message, message
    with pytest.raises(ModelError, match="changed since it was installed"):
        if changed.startswith(SPEAKER):
            load_embedder(path.parent, threads=1)
        else:
            load_segmenter(path.parent, threads=1)


def test_a_speaker_model_changed_after_it_was_loaded_is_not_used_again(diar_models):
    folder = diar_models / SPEAKER
    embedder = load_embedder(folder, threads=1)
    assert embedder.embed([np.zeros(16000, dtype=np.float32)]).shape == (1, embedder.dim)
    flip_byte(folder / "campplus.onnx", 5000)
    with pytest.raises(ModelError, match="changed since it was installed"):
        load_embedder(folder, threads=1)


# ------------------------------------------------------------------ the store's records against the log

# (what a forger changes, the SQL, the field the finding must name): each is printed in every export
RECORD_FIELDS = [
    ("when the transcript was produced", "UPDATE runs SET created_at='2020-01-01T09:00:00.000000Z'", "created_at"),
    ("when it finished", "UPDATE runs SET finished_at='2020-01-01T09:00:00.000000Z'", "finished_at"),
    ("the model's folder", "UPDATE runs SET model_path='/models/large-v3'", "model_path"),
    ("the model's family", "UPDATE runs SET model_family='nllb'", "model_family"),
    ("how sure the language was", "UPDATE runs SET language_probability=0.31", "language_probability"),
    ("the language translated from", "UPDATE runs SET source_language='pl'", "source_language"),
    ("a run marked truncated", "UPDATE runs SET truncated=1", "truncated"),
    ("when the exhibit was taken in", "UPDATE exhibits SET added_at='2020-01-01T09:00:00.000000Z'", "added_at"),
    ("the recording's length", "UPDATE exhibits SET duration_ms=duration_ms+60000", "duration_ms"),
    ("its codec", "UPDATE exhibits SET container='mp3', audio_codec='mp3'", "audio_codec"),
    ("its channels", "UPDATE exhibits SET channels=2", "channels"),
    ("a picture", "UPDATE exhibits SET has_video=1", "has_video"),
    ("where the source was", "UPDATE exhibits SET path='/seized/phone2/note.opus'", "source_path"),
]


@pytest.mark.parametrize(("statement", "field"), [f[1:] for f in RECORD_FIELDS], ids=[f[0] for f in RECORD_FIELDS])
def test_a_printed_field_of_a_record_edited_in_the_store(made, capsys, statement, field):  # noqa: F811
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(field in line and "differs from the audit log" in line for line in lines), lines


# ------------------------------------------------------------------ a whole case folder put back

def _noted_head(capsys, folder: Path) -> str:
    capsys.readouterr()
    assert main(["verify", "--case", str(folder)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("audit head:"))
    return line.split("SHA-256 ")[1].split()[0]


def test_a_case_folder_put_back_whole_is_shown_by_the_head_noted_down(made, capsys, tmp_path):  # noqa: F811
    """Store and head file rolled back together, no export made since: only a head kept off the
    machine can show it. verify prints it; `verify --head` checks it is still in the chain."""
    older = tmp_path / "older-copy"
    shutil.copytree(made["case"], older)
    case = Case.open(made["case"])
    editing.edit_text(case, made["run"], editing.segment_ids(case, made["run"])[0], "meet me at the station",
                      actor="DC Jones")
    case.close()
    head = _noted_head(capsys, made["case"])
    assert main(["verify", "--case", str(made["case"]), "--head", head[:16]]) == 0
    shutil.rmtree(made["case"])
    shutil.copytree(older, made["case"])
    capsys.readouterr()
    code = main(["verify", "--case", str(made["case"]), "--head", head[:16]])
    said = capsys.readouterr()
    lines = said.err.splitlines()
    assert code == 1 and any("audit log" in line and head[:16] in line and "older copy" in line
                             for line in lines), lines
    assert "note it down" not in said.out and "not to be relied on: see the findings" in said.out


# ------------------------------------------------------------------ a bundle that vouches only for itself

@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory, models_dir) -> Path:
    return catalogue.make_bundle(models_dir / "tiny.en", tmp_path_factory.mktemp("bundle") / "tiny.en")


def _rewrite_sums(bundle: Path) -> None:
    """What a forger does after changing a file: SHA256SUMS written again to match."""
    lines = [f"{sha256_file(p)}  {p.name}" for p in sorted(bundle.iterdir()) if p.name != catalogue.BUNDLE_SUMS]
    (bundle / catalogue.BUNDLE_SUMS).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _import(capsys, bundle: Path, models: Path) -> tuple[int, list[str], list[str]]:
    capsys.readouterr()
    code = main(["models", "import", str(bundle), "--models-dir", str(models)])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


@pytest.mark.parametrize("how", ["tokenizer edited", "configuration edited", "vocabulary dropped"])
def test_a_known_model_s_bundle_altered_with_its_sums_rewritten_is_refused(tiny_bundle, tmp_path, capsys, how):
    bundle = tmp_path / "tiny.en"
    shutil.copytree(tiny_bundle, bundle)
    if how == "vocabulary dropped":
        (bundle / "vocabulary.txt").unlink()
        changed = "vocabulary.txt"
    else:
        changed = "tokenizer.json" if how.startswith("tokenizer") else "config.json"
        path = bundle / changed
        path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    _rewrite_sums(bundle)
    code, _out, err = _import(capsys, bundle, tmp_path / "models")
    assert code == 1 and len(err) == 1 and "known model tiny.en" in err[0] and changed in err[0], err
    assert not (tmp_path / "models" / "tiny.en").exists()


def test_a_bundle_says_whether_it_is_a_known_model_or_vouches_only_for_itself(tiny_bundle, tmp_path, capsys):
    code, out, err = _import(capsys, tiny_bundle, tmp_path / "models")
    assert code == 0 and out == [str(tmp_path / "models" / "tiny.en")], out
    assert any("every file matches the known model tiny.en" in line for line in err), err
    other = tmp_path / "other"
    shutil.copytree(tiny_bundle, other)
    flip_byte(other / "model.bin", 5000)  # other weights: nothing known to compare with
    _rewrite_sums(other)
    code, _out, err = _import(capsys, other, tmp_path / "models")
    digest = files_digest(folder_hashes(tmp_path / "models" / "other"))
    assert code == 0 and any("not a model Parley knows" in line and digest in line for line in err), err


def test_the_log_s_last_export_entries_removed_and_the_head_file_mended(made, capsys):  # noqa: F811
    """The log cut just after an export was staged, the head file written to match: from the store
    alone a kill in the export's last instant looks the same, so verify says both, and the head noted
    earlier settles it."""
    head = _noted_head(capsys, made["case"])
    _sql(made["case"], "DROP TRIGGER IF EXISTS audit_log_no_delete",
         "DELETE FROM audit_log WHERE action='export.written'")
    with sqlite3.connect(made["case"] / "case.sqlite") as conn:
        entry, digest = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    write_head_file(made["case"], AuditHead(entry, digest))
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any("note.manifest.json" in line and "last entries were removed" in line
                             for line in lines), lines
    capsys.readouterr()
    assert main(["verify", "--case", str(made["case"]), "--head", head]) == 1
    assert any("not in this case's chain" in line for line in capsys.readouterr().err.splitlines())


# ------------------------------------------------------------------ a -wal beside the store, on read-only media

@pytest.fixture()
def copied_while_open(made, tmp_path):  # noqa: F811
    """The case folder copied while the window had it open: its last edit only in the -wal; the
    -shm (SQLite's index of the -wal, rebuilt from it) not copied; then put on read-only media."""
    case = Case.open(made["case"])
    case.conn.execute("PRAGMA wal_autocheckpoint=0")
    editing.edit_text(case, made["run"], editing.segment_ids(case, made["run"])[0], "meet me at noon",
                      actor="DC Jones")
    copy = tmp_path / "copy"
    shutil.copytree(made["case"], copy, ignore=shutil.ignore_patterns("*-shm"))
    case.close()
    assert (copy / "case.sqlite-wal").stat().st_size > 0
    mount = tmp_path / "read-only"
    mount.mkdir()
    if os.geteuid() != 0:
        for path in (*copy.iterdir(), copy):
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield copy
        copy.chmod(0o755)
        return
    if subprocess.run(["mount", "--bind", "-o", "ro", str(copy), str(mount)], check=False,
                      capture_output=True).returncode:
        pytest.skip("cannot make a read-only folder here (root without mount)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_case_copied_with_its_wal_verifies_on_read_only_media(copied_while_open, capsys):
    """Its -wal is read (else the edit and its log entries would be missing: the log cut short)."""
    before = sorted(p.name for p in copied_while_open.iterdir())
    assert verify(capsys, copied_while_open) == (0, [])
    assert sorted(p.name for p in copied_while_open.iterdir()) == before
    case = Case.open(copied_while_open)
    try:
        assert any(s.text == "meet me at noon" for s in editing.current_segments(case, 1))
    finally:
        case.close()


def test_times_touched_alone_are_no_finding(made, capsys, diar_models):  # noqa: F811
    """mtime is not evidence: the bytes are. Every file of the case, its original, its exports and the
    models touched to another time: the case still verifies, and the models still load."""
    recorded = _settings(diar_models)
    touched = [made["original"], *made["out"].iterdir(), *made["case"].iterdir(),
               *(diar_models / SPEAKER).iterdir(), *(diar_models / SEGMENTATION).iterdir()]
    for path in touched:
        os.utime(path, (86_400, 86_400))
    assert verify(capsys, made["case"]) == (0, [])
    assert _settings(diar_models) == recorded


# ------------------------------------------------------------------ what every record of interview prints

def _interviewed_and_verified(made) -> None:  # noqa: F811
    case = Case.open(made["case"])
    write_interview(case, 1, {"interviewee": "John Smith", "officers": ["DC Jones"], "place": "Leeds"},
                    actor="DC Jones")
    write_interview(case, 1, {"place": "Leeds Central"}, actor="DC Jones")
    editing.set_verified(case, made["run"], "DS Patel", actor="DS Patel")
    case.close()


SIGNED_OFF = [
    ("who was interviewed", "UPDATE interview_details SET interviewee='Jon Smyth'", "interviewee"),
    ("who interviewed", "UPDATE interview_details SET officers_json='[\"DC Brown\"]'", "officers"),
    ("where", "UPDATE interview_details SET place='Leeds'", "place"),
    ("the details moved to another exhibit", "UPDATE interview_details SET exhibit_id=2",  # exhibit 1's are gone
     "record-of-interview"),
    ("when it was verified", "UPDATE working_transcripts SET verified_at='2026-01-01T09:00:00.000000Z'",
     "time of its verified mark"),
]


@pytest.mark.parametrize(("statement", "words"), [s[1:] for s in SIGNED_OFF], ids=[s[0] for s in SIGNED_OFF])
def test_the_record_of_interview_s_details_and_sign_off_time_edited_in_the_store(made, capsys, statement,  # noqa: F811
                                                                                words):
    _interviewed_and_verified(made)
    assert verify(capsys, made["case"]) == (0, [])
    _sql(made["case"], statement)
    code, lines = verify(capsys, made["case"])
    assert code == 1 and any(words in line for line in lines), lines
