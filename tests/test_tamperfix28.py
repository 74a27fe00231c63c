"""Review 1 of session 28: what the reviewer found in the merged defence28 work.

check-export read a TXT or VTT header's "Settings:" line split at every " word=", so a free-text setting
(initial_prompt, hotwords) holding " x=1" was a false alarm on an honest set; without pypdf or python-docx it read
a PDF or DOCX as "not one" and said nothing found. `models import --name tiny.en` took weights `models verify`
then failed on every run.
"""

from __future__ import annotations

import shutil
import sys

import pytest

from tests.test_model_tamper import pristine  # noqa: F401 - the fixture: tiny.en imported from a bundle
from tests.test_tamper22 import transcribed_case
from tests.test_tamper24 import _manifest_edited

PROMPT = "Names: Kowalski, code word x=1 and vad=off"


@pytest.fixture
def prompted(tmp_path, monkeypatch):
    """A voice note transcribed with an initial prompt and hotwords that hold " word=" (run 1), the case closed."""
    monkeypatch.setenv("PARLEY_HEADS_DIR", str(tmp_path / "heads"))
    return transcribed_case(tmp_path, {"beam_size": 5, "initial_prompt": PROMPT, "hotwords": "Kowalski beam_size=1",
                                       "vad": True})


def _check(manifest, capsys) -> tuple[int, list[str]]:
    from app.cli import main

    capsys.readouterr()
    code = main(["check-export", str(manifest)])
    return code, [line for line in capsys.readouterr().err.splitlines() if "edited after the export" in line]


@pytest.mark.parametrize("fmt", ["txt", "vtt"])
def test_a_free_text_setting_holding_word_equals_is_no_false_alarm(prompted, tmp_path, capsys, fmt):
    """Before: exit 1, "gives settings.initial_prompt as ... but note.txt ... gives "Names: Kowalski, code word:
    the manifest was edited after the export" (and settings.vad, settings.beam_size from the prompt's words). Now
    the line is compared whole: an honest set is quiet, and an edited setting is still said, by its name."""
    from app.cli import main

    out = tmp_path / "out"
    assert main(["export", "1", "--case", str(prompted), "--out", str(out), "--format", fmt]) == 0
    manifest = out / "note.manifest.json"
    assert _check(manifest, capsys) == (0, [])
    _manifest_edited(manifest, lambda d: d["settings"].update(initial_prompt="Names: Nowak"))
    code, said = _check(manifest, capsys)
    assert code == 1 and len(said) == 1 and "gives settings.initial_prompt as \"Names: Nowak\"" in said[0], said
    _manifest_edited(manifest, lambda d: d["settings"].update(initial_prompt=PROMPT, language="pl"))
    code, said = _check(manifest, capsys)  # a setting added to the manifest: no setting of the line differs
    assert code == 1 and len(said) == 1 and "gives settings.language as pl, but note." in said[0], said
    assert "gives no such setting" in said[0]


def test_other_weights_are_refused_the_name_of_a_known_model_at_import(pristine, tmp_path, capsys):  # noqa: F811
    """Before: `models import BUNDLE --name tiny.en` of weights that are not tiny.en's was accepted (exit 0), and
    `models verify tiny.en` then failed on every run ("its weights are not those of the known model tiny.en").
    Now import and verify agree: the import is refused in one line, nothing installed; under another name the
    bundle is imported and verifies as a model that vouches only for itself."""
    from app.cli import main
    from app.core.models.catalogue import make_bundle
    from tests.test_model_tamper import flip_byte

    other = tmp_path / "other-model"
    shutil.copytree(pristine, other)
    flip_byte(other / "model.bin", 5000)
    (other / "parley-model.json").unlink()
    bundle = make_bundle(other, tmp_path / "bundle")
    models = tmp_path / "models"
    capsys.readouterr()
    assert main(["models", "import", str(bundle), "--name", "tiny.en", "--models-dir", str(models)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "not those of the known model tiny.en" in err[0] and "--name" in err[0], err
    assert not (models / "tiny.en").exists()
    assert main(["models", "import", str(bundle), "--name", "tiny-other", "--models-dir", str(models)]) == 0
    assert main(["models", "verify", "tiny-other", "--models-dir", str(models)]) == 0


@pytest.mark.parametrize("fmt, package, module", [("pdf", "pypdf", "pypdf"), ("docx", "python-docx", "docx")])
def test_a_missing_document_reader_is_said_not_read_as_nothing_found(prompted, tmp_path, capsys, monkeypatch,
                                                                    fmt, package, module):
    """Before: without pypdf (or python-docx) check-export read a PDF (DOCX) record as "not a PDF" and said
    "nothing found", having checked none of its provenance, its manifest edited or not. Now one line says the
    document was not read back and why; the exit says something was found."""
    from app.cli import main

    out = tmp_path / "out"
    assert main(["export", "1", "--case", str(prompted), "--out", str(out), "--format", fmt]) == 0
    monkeypatch.setitem(sys.modules, module, None)  # as on a machine without it: importing it fails
    capsys.readouterr()
    code = main(["check-export", str(out / "note.manifest.json")])
    said = [line for line in capsys.readouterr().err.splitlines() if "not read back" in line]
    assert code == 1 and len(said) == 1 and f"{package} is not installed" in said[0] and f"note.{fmt}" in said[0], said
