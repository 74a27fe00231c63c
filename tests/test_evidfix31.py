"""Session 31, review of tamperfix30: what a reader of the set, and `check-export`, could still be misled by.

A manifest's recording name "note.opus\\nsomeone_else.opus" passed beside a TXT (its first line was accepted, for
TXTs written before session 30). A CR (or NEL, U+2028) in a recording's name put a header line of its own in the
TXT: a file named "x\\rTask: translate; ...\\r.opus" showed a reader two "Task:" lines. (A run's settings.language
of "" beside a JSON: test_tamperfix30.)
"""

from __future__ import annotations

import shutil

import pytest

from tests.test_defencefix29 import _alone, _checked
from tests.test_tamper24 import _manifest_edited
from tests.test_tamper29 import case_named

FAKE_TASK = "Task: translate; language pl (p=1.00)"


@pytest.mark.parametrize("fmt", ["txt", "vtt"])
def test_a_manifest_name_with_lines_added_to_the_real_one_is_said(tmp_path, monkeypatch, capsys, fmt):
    case = case_named(tmp_path, monkeypatch, "note.opus")
    manifest = _alone(case, tmp_path / "set", fmt)
    for number, name in enumerate(("note.opus\nsomeone_else.opus", "note.opus\r\nX", "note.opus\u2028X")):
        edited = tmp_path / str(number)
        shutil.copytree(manifest.parent, edited)
        _manifest_edited(edited / manifest.name, lambda d, name=name: d["source"].update(name=name))
        code, _, err = _checked(edited / manifest.name, capsys)
        assert code == 1 and "gives source.name as note.opus" in err and f"but note.{fmt}" in err, (name, err)


@pytest.mark.parametrize("brk", ["\r", "\n", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c"])
def test_a_line_break_in_a_recordings_name_puts_no_header_line_of_its_own_in_a_txt_or_vtt(
        tmp_path, monkeypatch, capsys, brk):
    case = case_named(tmp_path, monkeypatch, f"x{brk}{FAKE_TASK}{brk}.opus")
    for fmt in ("txt", "vtt"):
        manifest = _alone(case, tmp_path / fmt, fmt)
        text = next((tmp_path / fmt).glob(f"*.{fmt}")).read_text(encoding="utf-8")
        lines = text.splitlines()  # as an editor shows them (Notepad, Python: CR, NEL, U+2028 each end a line)
        header = lines[:lines.index("=" * 72)] if fmt == "txt" else lines[:lines.index("", lines.index("NOTE"))]
        tasks = [line for line in header if line.startswith("Task:")]
        assert tasks == ["Task: transcribe; language en (p=0.98)"], (fmt, header)
        assert any(FAKE_TASK in line and not line.startswith(FAKE_TASK) for line in header), header  # name kept
        code, said, err = _checked(manifest, capsys)
        assert code == 0 and "note:" not in said, (fmt, said, err)


@pytest.mark.parametrize("chat", ["WhatsApp Chat with " + "A" * 225 + ".txt", "WhatsApp Chat with Es\x1bc.txt"])
def test_a_chat_named_long_or_with_a_control_character_gets_its_timeline_in_every_format(capsys, tmp_path, chat):
    """The timeline DOCX's title property took the name as it was: 255 characters and more, or an ESC, stopped
    `timeline` (exit 2) and nothing was written, not even the JSON."""
    from docx import Document

    from tests.test_cli_mistakes import run
    from tests.test_pathfix30 import WHATSAPP

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / chat).write_text(WHATSAPP, encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run(capsys, "timeline", str(tmp_path / "in"), "--out", str(out), "--format", "json,docx,pdf",
                       "--case", str(tmp_path / "case"))
    assert code == 0, err
    assert sorted(p.suffix for p in out.glob("*.timeline.*")) == [".docx", ".json", ".pdf"], err
    docx = Document(str(next(out.glob("*.timeline.docx"))))
    title = docx.core_properties.title
    assert len(title) <= 255 and title.startswith("Timeline of WhatsApp Chat with "), title
    heading = docx.paragraphs[0].text  # the body gives the name whole (an ESC as U+FFFD: XML holds no ESC)
    assert heading == "Timeline of " + chat.replace("\x1b", "\ufffd"), heading


DAMAGE = "<![foo]>"


@pytest.mark.parametrize("where", ["sender", "time"])
def test_a_record_the_damage_fell_in_keeps_what_was_read_and_no_piece_of_a_name(tmp_path, where):
    """A Google Voice page whose damaged spot lies in the third message's sender ("Ca|rl"): its time was read, so it
    is kept and said cut, with no sender (ec64c62 kept "Ca (+1777)", a piece of a name shown as a person: review_revC
    H2) and a note saying how far the name was read. Before its time (nothing of it read): left out, the message
    before saying so (ec64c62 kept a record of no sender, time or words: review_revC H3)."""
    from app.core.chats.registry import load_export
    from tests.test_chatsfix30 import _cite, _message, _text_page

    third = _message(3, _cite("Ca" + DAMAGE + "rl" if where == "sender" else "Carl", "+1777"), "third words")
    third = third if where == "sender" else third.replace('<abbr class="dt"', DAMAGE + '<abbr class="dt"')
    page = tmp_path / "Anna - Text - 2021-01-22T01_33_43Z.html"
    page.write_text(_text_page("Anna", [_message(1, _cite("Anna", "+1555"), "first words"),
                                        _message(2, _cite("Bob", "+1666"), "second words"), third]), encoding="utf-8")
    [loaded] = load_export(page)
    [chat] = loaded.export.chats
    read = [(m.sender, m.text) for m in chat.messages]
    if where == "sender":
        assert read == [("Anna (+1555)", "first words"), ("Bob (+1666)", "second words"), (None, "")]
        assert chat.messages[2].datetime is not None and "time given" not in chat.messages[2].note
        assert "this message may be cut there; its sender's name is cut there (read as far as 'Ca'" in \
            chat.messages[2].note, chat.messages[2].note
        assert "damaged" not in chat.messages[1].note
    else:
        assert read == [("Anna (+1555)", "first words"), ("Bob (+1666)", "second words")]
        assert "the next message the page lists is cut there before its sender, time, words or files were read" in \
            chat.messages[1].note, chat.messages[1].note


STARTS = {  # how each process begins its work; then the code on disk changes (an update installed meanwhile)
    "cli": "from app.cli.main import main\nmain(['check-export', sys.argv[1]])",
    "worker": "import types\nsys.modules['app.worker.process'] = types.SimpleNamespace(worker_main=lambda *a: None)\n"
              "from app.worker.entry import start_worker\nstart_worker(None, None, None)",  # the ASR stack not loaded
}


@pytest.mark.parametrize("process", sorted(STARTS))
def test_the_code_digest_is_the_one_of_the_code_a_process_started_with(tmp_path, process):
    """`parley-source` was taken at the first output: a worker started in the morning and a file of app/ changed
    at noon gave its afternoon runs the noon digest, naming code that never ran in it."""
    import subprocess
    import sys

    from app.core.evidence.provenance import APP_DIR, source_sha256

    copy = tmp_path / "app"
    shutil.copytree(APP_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    started = source_sha256.__wrapped__(copy)
    script = (f"import sys\n{STARTS[process]}\n"
              "from pathlib import Path\nimport app\nchanged = Path(app.__file__).parent / 'core' / 'clock.py'\n"
              "changed.write_bytes(changed.read_bytes() + b'#')\n"
              "from app.core.evidence.provenance import software_info\n"
              "print(software_info().components['parley-source'])\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "none.manifest.json")], check=False, cwd=tmp_path,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == started != source_sha256.__wrapped__(copy), done.stdout
