"""Which code made an output: the version number stays 0.1.0 while the code changes, so every
run and export also carries `parley-source`, one SHA-256 over the app package's files."""

from __future__ import annotations

import hashlib
import shutil

from app.core.evidence.provenance import APP_DIR, software_info, source_sha256


def test_every_output_names_the_digest_of_the_code_that_made_it():
    assert software_info().components["parley-source"] == source_sha256(APP_DIR)


def test_the_digest_follows_a_one_byte_change_in_any_code_file_and_ignores_caches(tmp_path):
    copy = tmp_path / "app"
    shutil.copytree(APP_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = source_sha256(copy)
    assert before == source_sha256.__wrapped__(APP_DIR)  # the same files give the same digest anywhere
    (copy / "core" / "__pycache__").mkdir(exist_ok=True)
    (copy / "core" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"cache")
    assert source_sha256.__wrapped__(copy) == before
    target = copy / "core" / "asr" / "hallucination.py"
    target.write_bytes(target.read_bytes() + b"#")
    after = source_sha256.__wrapped__(copy)
    assert after != before and len(after) == len(hashlib.sha256().hexdigest())
