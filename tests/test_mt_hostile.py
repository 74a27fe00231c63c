"""Translation and its CLI messages on what a phone really gives: text with no words,
damaged encodings, a model folder holding another model's vocabulary, a chat exhibit
asked for an export. The tiny random-weight NLLB fixture makes gibberish, so a test
that checks "nothing was invented" checks that the model was never asked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.chats.text_intake import decode_text
from app.core.translation.engine import load_translator
from app.core.translation.runs import check_translation_folder
from app.core.types import FLAG_NOT_TRANSLATED
from tests.conftest import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY_NLLB = FIXTURES / "tiny_nllb"
TINY_M2M = FIXTURES / "tiny_m2m"

CHAT = (
    "12/03/2024, 21:14 - Anna: Gdzie jesteś? Czekam na dworcu.\n"
    "12/03/2024, 21:15 - Ivan: Я уже еду, буду через десять минут.\n"
    "12/03/2024, 21:16 - Dave: OK, see you at the car park.\n"
    "12/03/2024, 21:18 - Ivan: 👍\n"
)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], check=False, cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def write_chat(tmp_path: Path) -> Path:
    (tmp_path / "evidence").mkdir()
    chat = tmp_path / "evidence" / "WhatsApp Chat with Group.txt"
    chat.write_text(CHAT, encoding="utf-8")
    return chat


@pytest.fixture(scope="module")
def nllb():
    return load_translator(TINY_NLLB, device="cpu", compute_type="int8", threads=1)


class _Counting:
    """Counts the sentences that reach the model."""

    def __init__(self, inner) -> None:
        self.inner, self.sent = inner, []

    def translate_batch(self, source, **kwargs):
        self.sent.extend(source)
        return self.inner.translate_batch(source, **kwargs)


@pytest.mark.parametrize("text", ["😀😀🎉 👍", "...,,,;;;---!!!", "[inaudible]", "  ⁉️ 🙏  "])
def test_text_without_words_is_copied_and_flagged_never_sent_to_the_model(nllb, text, monkeypatch):
    counting = _Counting(nllb.translator)
    monkeypatch.setattr(nllb, "translator", counting)
    [result] = nllb.translate_texts([text], "pl", "en")
    assert counting.sent == []
    assert result.text == text.strip()
    assert FLAG_NOT_TRANSLATED in result.flags


def test_word_less_sentence_beside_words_is_kept_as_written(nllb, monkeypatch):
    counting = _Counting(nllb.translator)
    monkeypatch.setattr(nllb, "translator", counting)
    [result] = nllb.translate_texts(["Gdzie jesteś? 👍👍"], "pl", "en")
    assert len(counting.sent) == 1  # only the sentence with words
    assert result.text.endswith("👍👍")
    assert FLAG_NOT_TRANSLATED not in result.flags


def test_utf8_with_a_damaged_byte_is_not_read_as_latin1():
    data = "Gdzie jesteś? Przynieś pieniądze.\n".encode() + b"Jestem w domu\xff.\n"
    text, encoding = decode_text(data)
    assert "jesteś" in text and "pieniądze" in text  # not "jesteÅ›"
    assert "\ufffd" in text  # the damaged byte is shown, not hidden
    assert "damaged" in encoding


def test_legacy_8bit_text_is_still_latin1():
    text, encoding = decode_text("Café crème à 10€".encode("latin-1", errors="replace"))
    assert encoding == "latin-1" and text.startswith("Café crème")


def test_a_text_saved_as_windows_ansi_keeps_its_euro_sign_and_quotes():
    """Read as Latin-1, Windows-1252's € „ “ became invisible control characters."""
    text, encoding = decode_text("12/03/2024, 21:14 - Anna: „Café“ für 10€ – ok…\n".encode("cp1252"))
    assert (encoding, text) == ("cp1252", "12/03/2024, 21:14 - Anna: „Café“ für 10€ – ok…\n")
    assert decode_text(b"caf\xe9 \x81")[1] == "latin-1"  # a byte Windows-1252 has no letter for


def test_a_vocabulary_of_another_model_is_refused(tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(TINY_NLLB, folder)
    shutil.copy(TINY_M2M / "shared_vocabulary.json", folder / "shared_vocabulary.json")
    with pytest.raises(Exception, match="vocabulary") as err:
        check_translation_folder(folder, ["pl", "en"])
    assert "\n" not in str(err.value)
    assert check_translation_folder(TINY_NLLB, ["pl", "en"]) == "nllb"
    assert check_translation_folder(TINY_M2M, ["pl", "en"]) == "m2m100"


def test_translate_cli_refuses_a_mixed_model_folder_before_any_work(tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(TINY_NLLB, folder)
    shutil.copy(TINY_M2M / "shared_vocabulary.json", folder / "shared_vocabulary.json")
    (tmp_path / "evidence").mkdir()
    text = tmp_path / "evidence" / "note.txt"
    text.write_text("Gdzie jesteś?\n", encoding="utf-8")
    result = run_cli("translate", str(text), "--to", "en", "--from", "pl", "--model", str(folder),
                     "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "vocabulary" in line and "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*"))


def test_export_of_a_chat_exhibit_says_to_use_timeline(tmp_path):
    chat = write_chat(tmp_path)
    case = str(tmp_path / "case")
    made = run_cli("timeline", str(chat), "--out", str(tmp_path / "tl"), "--case", case)
    assert made.returncode == 0, made.stderr
    result = run_cli("export", chat.name, "--out", str(tmp_path / "out"), "--case", case)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{chat}: ")
    assert "timeline" in line and "nothing transcribed" not in line


def test_three_language_chat_keeps_the_emoji_message_as_written(tmp_path):
    chat = write_chat(tmp_path)
    result = run_cli("timeline", str(chat), "--translate-to", "en", "--translate-model", str(TINY_NLLB),
                     "--from", "pl", "--out", str(tmp_path / "tl"), "--case", str(tmp_path / "case"))
    assert result.returncode == 0, result.stderr
    [path] = (tmp_path / "tl").glob("*.timeline.json")
    messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
    assert [m["text"] for m in messages][-1] == "👍"
    assert messages[-1]["translation"] == "👍"


def test_translate_cli_on_damaged_utf8_keeps_the_letters_and_warns(tmp_path):
    (tmp_path / "evidence").mkdir()
    text = tmp_path / "evidence" / "note.txt"
    text.write_bytes("Gdzie jesteś? Przynieś pieniądze.\n".encode() + b"Jestem w domu\xff.\n")
    result = run_cli("translate", str(text), "--to", "en", "--from", "pl", "--model", str(TINY_NLLB),
                     "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "out" / "note.json").read_text(encoding="utf-8"))
    assert data["segments"][0]["source_text"].startswith("Gdzie jesteś? Przynieś pieniądze.")
    assert any("not valid utf-8" in w for w in data["warnings"])


def test_timeline_of_a_damaged_utf8_chat_keeps_its_letters(tmp_path):
    chat = write_chat(tmp_path)
    chat.write_bytes(CHAT.encode() + "12/03/2024, 21:19 - Anna: Dobrze\xff.\n".encode("latin-1"))
    result = run_cli("timeline", str(chat), "--out", str(tmp_path / "tl"), "--case", str(tmp_path / "case"))
    assert result.returncode == 0, result.stderr
    [path] = (tmp_path / "tl").glob("*.timeline.json")
    texts = [m["text"] for m in json.loads(path.read_text(encoding="utf-8"))["messages"]]
    assert texts[0] == "Gdzie jesteś? Czekam na dworcu."
    assert texts[-1] == "Dobrze\ufffd."


def test_a_truncated_model_bin_is_refused_before_any_work(tmp_path):
    folder = tmp_path / "cut"
    shutil.copytree(TINY_NLLB, folder)
    data = (TINY_NLLB / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(data[: len(data) // 3])
    with pytest.raises(Exception, match="cut short"):
        check_translation_folder(folder, ["pl", "en"])
