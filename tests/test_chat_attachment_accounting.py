"""An attachment that is in a chat export but is not media ffmpeg can read is a failure line
of its own (with `transcribe` and `timeline`) and is listed by `exhibits --all`: every file met
is accounted for, not only in the timeline's JSON."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import MEDIA, REPO


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", *args], cwd=REPO, capture_output=True, check=False,
                          text=True, timeout=600)


def test_a_broken_voice_note_in_a_chat_export_is_a_failure_of_its_own(tmp_path):
    folder = tmp_path / "evidence" / "WhatsApp Chat with Eve"
    folder.mkdir(parents=True)
    (folder / "WhatsApp Chat with Eve.txt").write_text(
        "13/03/2024, 08:02 - Dave: Hi\n13/03/2024, 08:04 - Eve: PTT-20240313-WA0002.opus (file attached)\n",
        encoding="utf-8")
    shutil.copy(MEDIA / "not_audio.wav", folder / "PTT-20240313-WA0002.opus")
    case = str(tmp_path / "case")
    result = run_cli("transcribe", str(folder / "WhatsApp Chat with Eve.txt"), "--out", str(tmp_path / "out"),
                     "--case", case, "--model", "tiny.en")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{folder / 'PTT-20240313-WA0002.opus'}: not a media file ffmpeg can read" in result.stderr
    listed = run_cli("exhibits", "--all", "--case", case)
    assert any("failed" in line and line.endswith("PTT-20240313-WA0002.opus: not a media file ffmpeg can read")
               for line in listed.stdout.splitlines()), listed.stdout
