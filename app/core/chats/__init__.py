"""Chat exports: WhatsApp (text and .zip), Telegram Desktop JSON and Signal text, as messages.

    from app.core.chats import load_export, parse_text
    [loaded] = load_export("WhatsApp Chat with Anna.zip", extract_root=case_folder / "exports")
    loaded.export.container            # "whatsapp-zip"
    loaded.export.chats[0].messages    # Message(index, sender, time_as_written, datetime, text,
                                       #         system, attachment, note)

One parser module per format (whatsapp, whatsapp_zip, telegram, signal);
registry picks the parser by content.
"""

from app.core.chats.records import Attachment, Chat, ChatExport, Message, kind_of
from app.core.chats.registry import Loaded, decode, load_export, parse_text, sniff_text

__all__ = [
    "Attachment", "Chat", "ChatExport", "Loaded", "Message", "decode", "kind_of", "load_export",
    "parse_text", "sniff_text",
]
