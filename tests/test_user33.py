"""Session 33, a user's walk through a whole phone: what an investigator met."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import MEDIA
from tests.test_cli_mistakes import run

CHATS = Path(__file__).resolve().parent / "fixtures" / "chats"
TINY_NLLB = Path(__file__).resolve().parent / "fixtures" / "tiny_nllb"


def _translate(capsys, tmp_path: Path, *inputs: str) -> tuple[int, str]:
    code, _, err = run(capsys, "translate", *inputs, "--to", "en", "--from", "ru", "--model", str(TINY_NLLB),
                       "--out", str(tmp_path / "out"), "--case", str(tmp_path / "case"))
    return code, err


def test_translate_of_a_telegram_export_names_the_command_that_translates_its_messages(capsys, tmp_path):
    """`translate result.json --to en` on a phone's Telegram export said "not a Parley transcript JSON (no
    source or segments)": as if the investigator had given a damaged Parley file, with no word of the
    command that does translate a Telegram chat (`timeline --translate-to`)."""
    code, err = _translate(capsys, tmp_path, str(CHATS / "telegram_result.json"))
    assert code == 1
    [line] = err.strip().splitlines()
    assert "not a Parley transcript JSON" not in line, line
    assert "a chat export" in line and "`timeline` on it with --translate-to" in line, line
    code, err = _translate(capsys, tmp_path, str(CHATS / "telegram_malformed.json"))  # no chat: as before
    assert code == 1 and "not a Parley transcript JSON" in err, err


def test_translate_of_a_folder_holding_a_telegram_html_export_does_not_call_it_not_a_media_file(capsys, tmp_path):
    """A phone's Telegram Desktop export (messages.html, messages2.html) in a folder given to `translate` was
    "skipped ...messages.html: not a media file", then "nothing to translate": the chat went unmentioned."""
    shutil.copytree(CHATS / "telegram_html", tmp_path / "phone" / "Telegram")
    code, err = _translate(capsys, tmp_path, str(tmp_path / "phone"))
    assert code == 1
    assert "not a media file" not in err, err
    lines = [line for line in err.splitlines() if ".html" in line]
    assert len(lines) == 2, err  # both pages accounted for
    assert all("a chat export" in line and "`timeline` on it with --translate-to" in line for line in lines), err


def _timeline_cells(capsys, tmp_path: Path, out: str) -> list[str]:
    import docx
    import pypdf

    chat = tmp_path / "chat" / "WhatsApp Chat with Weekend.txt"
    code, _, err = run(capsys, "timeline", str(chat), "--out", str(tmp_path / out), "--format", "docx,pdf",
                       "--case", str(tmp_path / "case"), "--model", "tiny.en", "--diarize", "off")
    assert code == 0, err
    document = docx.Document(str(tmp_path / out / "WhatsApp Chat with Weekend.timeline.docx"))
    cells = [row.cells[-1].text for table in document.tables for row in table.rows]
    pdf = pypdf.PdfReader(str(tmp_path / out / "WhatsApp Chat with Weekend.timeline.pdf"))
    return [*cells, " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)]


def test_a_voice_note_s_machine_draft_in_a_timeline_s_docx_and_pdf_says_it_is_one(capsys, tmp_path, models_dir):
    """A chat's timeline (DOCX, PDF) showed a voice note's unchecked machine transcript as "[Voice note X,
    transcript]": a reader takes it for a transcript someone stands behind. A proofread one said ", proofread",
    a signed-off one "verified by NAME", the JSON "machine draft"; the draft, which most need the caution,
    said nothing."""
    (tmp_path / "chat").mkdir()
    shutil.copy(CHATS / "whatsapp_android_en.txt", tmp_path / "chat" / "WhatsApp Chat with Weekend.txt")
    shutil.copy(MEDIA / "en_voicenote.opus", tmp_path / "chat" / "PTT-20240313-WA0004.opus")
    label = "[Voice note PTT-20240313-WA0004.opus, transcript, machine draft]"
    cells = _timeline_cells(capsys, tmp_path, "draft")
    assert any(cell.startswith(label + "\n") for cell in cells[:-1]), cells
    assert label in cells[-1], cells[-1]  # the PDF
    code, _, err = run(capsys, "edit", "PTT-20240313-WA0004.opus", "--segment", "1", "--text", "Meet me at 8.",
                       "--by", "DC Shaw", "--case", str(tmp_path / "case"))
    assert code == 0, err
    cells = _timeline_cells(capsys, tmp_path, "proofread")
    assert any(cell.startswith("[Voice note PTT-20240313-WA0004.opus, transcript, proofread]\n") for cell in cells)
    assert "machine draft" not in " ".join(cells)
