"""Chat exports: WhatsApp (text and .zip), Telegram Desktop JSON and Signal text, as messages.

    from app.core.chats import load_export, parse_text
    [loaded] = load_export("WhatsApp Chat with Anna.zip", extract_root=case_folder / "exports")
    loaded.export.container            # "whatsapp-zip"
    loaded.export.chats[0].messages    # Message(index, sender, time_as_written, datetime, text,
                                       #         system, attachment, note)

One parser module per format (whatsapp, whatsapp_zip, telegram, signal);
registry picks the parser by content.

The names below are loaded on first use (PEP 562), so importing a light submodule such as
`dates` (a search hit's date-time) does not load every reader and phonenumbers.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "Attachment": "records", "Chat": "records", "ChatExport": "records", "Message": "records",
    "kind_of": "records", "Loaded": "registry", "decode": "registry", "load_export": "registry",
    "parse_text": "registry", "sniff_text": "registry",
}

__all__ = [
    "Attachment", "Chat", "ChatExport", "Loaded", "Message", "decode", "kind_of", "load_export",
    "parse_text", "sniff_text",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
