"""Screenshots of a chat as one story, for the docs: the Timeline tab and the Search tab.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/screenshots_chat.py [--model base]

Builds a WhatsApp .zip from the shared test media's voice notes, takes it in through the
window (Case > Add chat export…), lets the real worker transcribe the voice notes, and
saves resources/screenshots/10-chat-timeline.png and 11-search-panel.png (1280x800).
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "packaging"))  # beside it (PyPI's `packaging` owns that name)

from screenshots import MEDIA, open_window, options, pump, save, wait_until

NOTES = {"00000002-AUDIO-2024-03-13-08-03-40.opus": "en_voicenote.opus",
         "PTT-20240313-WA0003.ogg": "es_voicenote.ogg",
         "00000009-AUDIO-2024-03-13-08-09-12.opus": "pl_voicenote.opus"}
CHAT = """[12/03/2024, 21:14:03] Ana Kowalska: \u200eMessages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.
[12/03/2024, 21:15:40] Dave Miller: Are we still on for Saturday?
[12/03/2024, 21:16:02] Ana Kowalska: Yes. Same place as last time
[13/03/2024, 08:03:40] Ana Kowalska: \u200e<attached: 00000002-AUDIO-2024-03-13-08-03-40.opus>
[13/03/2024, 08:04:10] Dave Miller: Which station? The one by the bridge?
[13/03/2024, 08:05:02] Luis: PTT-20240313-WA0003.ogg (file attached)
[13/03/2024, 08:06:00] Luis: \u200e<attached: 00000005-AUDIO-2024-03-13-08-06-00.opus>
[13/03/2024, 08:07:30] Dave Miller: ok. Tell Marek to bring the car
[13/03/2024, 08:09:12] Marek: \u200e<attached: 00000009-AUDIO-2024-03-13-08-09-12.opus>
[13/03/2024, 08:10:45] Dave Miller: \u200eThis message was deleted.
[13/03/2024, 08:11:03] Ana Kowalska: See you at the station at eight
"""


def build_zip(folder: Path) -> Path:
    archive = folder / "evidence" / "WhatsApp Chat with Ana Kowalska.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", CHAT)
        for member, name in NOTES.items():
            z.write(MEDIA / name, member)
    return archive


def main() -> int:
    from app.core.store.jobs import JobQueue

    app, window, case, _, work = open_window(options(), "parley-chat-shots-")
    window.chats.add_exports([str(build_zip(work))])
    wait_until(lambda: window.chats.last_intake is not None, 120, "the chat export")
    jobs, queue = window.chats.last_intake.jobs, JobQueue(case.conn)
    wait_until(lambda: all(queue.get(j).finished for j in jobs), 900, "the voice notes")
    view = window.chats.view
    wait_until(lambda: view.timeline is not None and all(
        e.attachment.transcript is not None for e in view.timeline.entries
        if e.attachment is not None and e.attachment.exhibit_id is not None), 60, "the transcripts")
    window.refresh()
    view.select_message(view.model.entries[3].message_id)  # the English voice note
    pump(0.5)
    save(window, "10-chat-timeline")

    window.tabs.setCurrentWidget(window.search_view)
    window.search_view.set_query("station")
    window.search_view.table.selectRow(0)
    pump(0.3)
    save(window, "11-search-panel")

    window.close()
    case.close()
    app.processEvents()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
