"""Attachment placeholders and the app's own notes, in the languages WhatsApp writes them.

An attachment line is recognised by its shape, whatever the language:

    <attached: 00000042-PHOTO-2020-01-01-10-10-10.jpg>      iOS (any label before the colon)
    IMG-20200101-WA0001.jpg (file attached)                 Android (label from the list below)
    2015-08-04-PHOTO-00004762.jpg <attached>                 older iOS, also with ‹ ›
    Report.pdf • 3 pages <attached: 00000005-Report.pdf>     a document: the name shown, then the file
    <Media omitted>, image omitted, Bild weggelassen ...     the export left the file out
    null                                                     a file WhatsApp had lost

Lines after the attachment line are its caption: kept as text, translated;
the file name itself never is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.core.chats import localised
from app.core.chats.records import Attachment, kind_of

MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u061c"  # U+061C: Arabic letter mark
_NAME = r"[^<>‹›()\s][^<>‹›]*?\.[A-Za-z0-9]{1,5}"  # "Scan (2).pdf": parentheses inside a name
_ANGLE_LABELLED = re.compile(
    rf"^(?:[^<>‹›]*?\.[A-Za-z0-9]{{1,5}}\s+)?<\s*[^<>:：]{{1,40}}[:：]\s*(?P<name>{_NAME})\s*>(?P<rest>.*)$", re.DOTALL)
_ANGLE_TOKEN = re.compile(rf"<\s*[^<>:：\n]{{1,40}}[:：]\s*{_NAME}\s*>")  # "<attached: 00000127-PHOTO….jpg>"
_DOCUMENT_DETAILS = re.compile(r"\s*•\s*[^•<>‹›()]{1,40}?(?=\s*[<(‹])")  # "Report.pdf • 3 pages (file attached)"
_NAME_THEN_PARENS = re.compile(rf"^(?P<name>{_NAME})\s*\((?P<label>[^()]{{2,40}})\)$")
_NAME_THEN_ANGLE = re.compile(rf"^(?P<name>{_NAME})\s*[<‹]\s*(?P<label>[^<>‹›]{{2,40}})[>›]$")
_WHATSAPP_NAME = re.compile(
    r"^(?:(?:IMG|VID|AUD|PTT|DOC|STK)-\d{8}-WA\d+|\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF|DOC)"
    r"|\d{4}-\d{2}-\d{2}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF)-\d+)", re.IGNORECASE)

# "(file attached)" in the languages the app is localised in (lower-case fragments).
ATTACHED_WORDS = (
    "attached", "angehängt", "joint", "adjunto", "anexado", "anexo", "allegato", "bijgevoegd",
    "załącz", "atașat", "ataşat", "ekli", "eklendi", "прикреп", "приложен", "добавлен", "مرفق",
    "bifogad", "vedhæft", "vedlagt", "liitetty", "přilo", "csatolva", "συνημμέν", "מצורף", "đính kèm",
    "terlampir", "dilampirkan", "संलग्न",
    # written without spaces, or in scripts read nowhere else here: Japanese, Chinese, Korean, Thai, Persian,
    # Urdu, Bengali, Ukrainian, Tamil, Telugu, Gujarati, Kannada, Malayalam, Punjabi, Swahili, Kazakh, Uzbek
    "添付", "附件", "附加", "첨부", "แนบ", "پیوست", "منسلک", "সংযুক্ত", "прикріп", "இணைக்க",
    "జోడించ", "જોડ", "ಲಗತ್ತಿಸ", "അറ്റാച്ച", "ਨੱਥੀ", "ambatish", "тіркел", "biriktir", "attach",
)
MEDIA_NOUNS = {
    "audio": {"audio", "voice", "message", "áudio", "ses", "аудио", "аудиофайл", "صوت", "الصوت",
              "sprachnachricht", "vocal", "vocale", "nota", "voz", "spraakbericht",
              "głosowa", "wiadomość", "mesaj", "голосовое", "сообщение", "ऑडियो", "वॉइस", "ljud"},
    "video": {"video", "vidéo", "vídeo", "wideo", "видео", "فيديو", "الفيديو", "वीडियो",
              "note", "videonachricht", "videonotiz"},  # "video note omitted": a round video message
    "image": {"image", "photo", "bild", "foto", "imagen", "imagem", "immagine", "afbeelding", "obraz",
              "zdjęcie", "imagine", "görüntü", "resim", "fotoğraf", "изображение", "фото", "صورة",
              "الصورة", "gif", "इमेज", "फ़ोटो", "फोटो", "तस्वीर", "छवि"},
    "sticker": {"sticker", "autocollant", "figurinha", "adesivo", "naklejka", "autocolant",
                "çıkartma", "стикер", "ملصق", "الملصق", "स्टिकर"},
    "document": {"document", "dokument", "documento", "belge", "документ", "مستند", "المستند",
                 "contact", "card", "kontaktkarte", "kontakt", "contacto", "contato", "contatto",
                 "kişi", "kartı", "контакт", "جهة", "اتصال", "दस्तावेज़", "दस्तावेज", "डॉक्यूमेंट",
                 # a contact card: "carte de contact omise", "tarjeta de contacto omitida", ...
                 "carte", "tarjeta", "cartão", "scheda", "contactkaart", "kontaktkort", "карточка", "контакта"},
    "other": {"media", "medien", "média", "médias", "multimedia", "mídia", "mídias", "multimídia", "medya",
              "медиафайлы", "медиафайлов", "медиафайл", "медиа", "الوسائط", "file", "datei", "fichier", "multimédia",
              "미디어", "파일", "המדיה", "מדיה",
              "archivo", "arquivo", "bestand", "plik", "fișier", "dosya", "файл", "anhang", "मीडिया",
              "फ़ाइल", "फाइल", "πολυμέσα", "mediji", "medij", "медији", "медиуми", "médiá",
              # Hungarian, Catalan, Ukrainian (from words: BRACKETED_ONLY_WORDS)
              "médiafájl", "médiafájlok", "fájl", "multimèdia", "fitxer", "медіафайли", "медіафайлів", "медіа"},
}
OMITTED_WORDS = {
    "omitted", "weggelassen", "ausgeschlossen", "absente", "absent", "omis", "omise", "omitido",
    "omitida", "omitidos", "oculto", "oculta", "ocultado", "ocultada", "ocultos", "omesso",
    "omessa", "omessi", "weggelaten", "pominięto", "pominięty", "pominięte", "omisă", "dahil",
    "edilmedi", "отсутствует", "пропущено", "пропущен", "пропущены", "без", "не", "сохранено",
    "сохранён", "تم",
    "استبعاد", "محذوف", "محذوفة", "غير", "مضمن", "مضمنة", "fehlt", "हटा", "दिया", "गया", "के", "बिना",
    "छोड़ा", "छोड़ी", "हटाई", "हटाया", "गई",
    "utelämnad", "utelämnat", "utelämnade", "tidak", "disertakan", "제외됨",  # Swedish, Indonesian, Korean
    "לא", "נכללה", "הושמטה",  # Hebrew
    # Vietnamese, Hindi, Greek, South Slavic, Finnish, Czech/Slovak, Romanian, Ukrainian
    "bỏ", "qua", "bị", "đã", "छोड़", "παραλείφθηκαν", "παραλείφθηκε", "παραλείπονται", "izostavljeni",
    "izostavljeno", "izostavljen", "izostavljena", "изостављени", "изоставено", "jätetty", "pois", "ei", "sisälly",
    "vynechány", "vynechané", "vynechaný", "vynechaná", "пропущені",
    # Hungarian, Catalan, Turkish, Russian ("не включены"; from words: BRACKETED_ONLY_WORDS)
    "kihagyva", "elhagyva", "omès", "omesos", "omesa", "omeses", "atlandı", "включены", "включено", "включен",
}
# Hungarian, Catalan, Ukrainian, Turkish and Russian words taken from the languages, not from an export seen
# (session 31): a line using one is a placeholder only written whole in angle brackets, as Android writes its
# own ("<Médiafájl kihagyva>"); unbracketed, "Файл не включен" or "Dosya atlandı" is as likely a person's reply.
BRACKETED_ONLY_WORDS = {"médiafájl", "médiafájlok", "fájl", "multimèdia", "fitxer", "медіафайли", "медіафайлів",
                        "медіа", "kihagyva", "elhagyva", "omès", "omesos", "omesa", "omeses", "atlandı", "включены",
                        "включено", "включен"}
# "nota de voz", "arquivo de mídia": say no kind; "<View once voice message omitted>": a view-once file
FILLER_WORDS = {"de", "do", "da", "view", "once", "संदेश", "मैसेज", "su"}  # "su": "Mediji su izostavljeni"
MISSING_FILE = {"null"}

# The app's own notes that carry a `Name: ` (a group's encryption notice, timers, deletions).
# Whole sentences or app-specific phrases only, so a person writing about encryption stays a person.
# "Waiting for this message" (a message the phone could not decrypt when the chat was exported), its first sentence
# in other languages: what follows it ("This may take a while.", "Check your phone.") varies by version and phone
WAITING_OPENINGS = (
    "waiting for this message", "warten auf diese nachricht", "en attente de ce message", "esperando este mensaje",
    "esperando el mensaje", "esperando mensaje", "aguardando esta mensagem", "aguardando mensagem",
    "a aguardar esta mensagem", "in attesa di questo messaggio", "in attesa del messaggio", "wachten op dit bericht",
    "wachten op bericht", "oczekiwanie na tę wiadomość", "oczekiwanie na wiadomość", "ожидание этого сообщения",
    "ожидание сообщения", "очікування цього повідомлення", "очікування повідомлення", "bu mesaj bekleniyor",
    "bu mesaj için bekleniyor", "menunggu pesan ini", "menunggu mesej ini", "في انتظار هذه الرسالة",
    "بانتظار هذه الرسالة", "väntar på det här meddelandet", "venter på denne beskeden", "venter på denne besked",
    "odottaa tätä viestiä", "čeká se na tuto zprávu", "se așteaptă acest mesaj", "αναμονή για αυτό το μήνυμα",
    "várakozás erre az üzenetre", "đang chờ tin nhắn này", "กำลังรอข้อความนี้", "इस संदेश का इंतज़ार", "इस मैसेज का इंतज़ार",
    "正在等待此消息", "等待此訊息", "このメッセージを待っています", "이 메시지를 기다리는 중",
)
ENCRYPTION_OPENINGS = (
    "messages and calls are end-to-end", "messages and calls are now end-to-end",
    "messages to this group are now secured",
    "messages you send to this", "nachrichten und anrufe sind", "les messages et les appels sont",
    "los mensajes y las llamadas están", "as mensagens e as chamadas são", "i messaggi e le chiamate sono",
    "berichten en oproepen worden", "berichten en oproepen zijn", "wiadomości i połączenia są",
    "mesajele și apelurile sunt", "mesajlar ve aramalar", "сообщения и звонки защищены",
    "الرسائل والمكالمات مشفرة",
)
SYSTEM_CONTAINS = (
    "updated the message timer", "turned on disappearing messages", "turned off disappearing messages",
    "selbstlöschende nachrichten", "messages éphémères", "mensajes temporales", "mensagens temporárias",
    "messaggi effimeri", "verdwijnende berichten", "znikające wiadomości", "mesajele temporare",
    "süreli mesajlar", "исчезающие сообщения", "الرسائل المؤقتة", "security code changed",
    "your security code with", "tap to learn more", "tap for more info",
)
SYSTEM_EXACT = frozenset({
    "this message was deleted", "you deleted this message", "diese nachricht wurde gelöscht",
    "du hast diese nachricht gelöscht", "ce message a été supprimé", "vous avez supprimé ce message",
    "se eliminó este mensaje", "eliminaste este mensaje", "mensagem apagada", "você apagou esta mensagem",
    "questo messaggio è stato eliminato", "hai eliminato questo messaggio", "dit bericht is verwijderd",
    "je hebt dit bericht verwijderd", "ta wiadomość została usunięta", "usunięto tę wiadomość",
    "acest mesaj a fost șters", "ai șters acest mesaj", "bu mesaj silindi", "bu mesajı sildiniz",
    "данное сообщение удалено", "это сообщение удалено", "вы удалили это сообщение",
    "تم حذف هذه الرسالة", "لقد حذفت هذه الرسالة", "यह संदेश हटा दिया गया था", "यह संदेश हटा दिया गया",
    "यह मैसेज डिलीट कर दिया गया था", "आपने यह संदेश हटा दिया", "आपने यह मैसेज डिलीट किया", "missed voice call", "missed video call",
    "verpasster sprachanruf", "verpasster videoanruf", "appel vocal manqué", "appel vidéo manqué",
    "llamada perdida", "videollamada perdida", "chamada de voz perdida", "chiamata vocale persa",
    "gemiste spraakoproep", "nieodebrane połączenie głosowe", "apel vocal pierdut",
    "cevapsız sesli arama", "пропущенный аудиозвонок", "пропущенный видеозвонок", "مكالمة صوتية فائتة",
    "missed group voice call", "missed group video call", "chamada de vídeo perdida", "videochiamata persa",
    # European Portuguese, Latin American Spanish, Korean, Indonesian deletions
    "esta mensagem foi eliminada", "eliminou esta mensagem", "esta mensagem foi apagada", "apagou esta mensagem",
    "este mensaje fue eliminado", "삭제된 메시지입니다", "이 메시지는 삭제되었습니다", "pesan ini telah dihapus",
    "anda menghapus pesan ini",
    # a message the phone could not decrypt when the chat was exported: the app's words, not the sender's
    "waiting for this message. this may take a while", "waiting for this message. check your phone",
    "waiting for this message", "warten auf diese nachricht. dies kann etwas dauern",
    "en attente de ce message. cela peut prendre un moment", "esperando el mensaje. esto puede tomar tiempo",
    "aguardando mensagem. isso pode levar alguns instantes", "in attesa di questo messaggio. potrebbe volerci un po'",
})


EDITED_WORDS = ("edited", "bearbeitet", "modifié", "editó", "editado", "editada", "modificato",
                "bewerkt", "edytowan", "editat", "düzenlendi", "изменено", "отредактировано", "تعديل",
                "معدلة", "संपादित",
                # Hebrew, Swedish, Finnish, Danish, Norwegian, Czech/Slovak, Hungarian, Ukrainian, Greek,
                # Indonesian/Malay, Vietnamese, Japanese, Chinese, Korean, Thai
                "נערכה", "נערך", "redigera", "muokat", "redigeret", "redigert", "upraven", "szerkeszt", "редаг",
                "επεξεργ", "diedit", "disunting", "chỉnh sửa", "編集", "已编辑", "已編輯", "수정", "แก้ไข")
_EDITED_RE = re.compile(r"\s*<(?P<marker>[^<>\n]{4,60})>$")


@dataclass(frozen=True)
class Found:
    attachment: Attachment
    caption: str


_MARKS_TABLE = dict.fromkeys(map(ord, MARKS))


def strip_marks(text: str) -> str:
    return text.translate(_MARKS_TABLE)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s<>‹›().,:;!\-]+", text.lower()) if w]


# Languages written without spaces between words: "<メディアは含まれていません>", "<省略多媒体文件>",
# "<미디어 파일을 생략한 대화내용>": the whole line in angle brackets naming media and its leaving out.
_UNSPACED_MEDIA = ("メディア", "多媒体", "多媒體", "媒体", "媒體", "影音", "미디어", "สื่อ", "ไฟล์", "มีเดีย")
_UNSPACED_OMITTED = ("含まれていません", "なし", "省略", "忽略", "略去", "略過", "생략", "제외", "ไม่รวม", "ละเว้น", "ไม่ได้รวม",
                     "ข้าม")
_BRACKETED = re.compile(r"^<([^<>]{2,40})>$")


def _unspaced_omitted(line: str) -> bool:
    inner = _BRACKETED.match(line.strip())
    return inner is not None and any(m in inner[1] for m in _UNSPACED_MEDIA) and any(
        o in inner[1] for o in _UNSPACED_OMITTED)


def _omitted_kind(line: str) -> str | None:
    """The kind named by an `<image omitted>`-like line, or None when it is not one."""
    if _unspaced_omitted(line):
        return "other"
    words = [w for w in _words(line) if w not in FILLER_WORDS]
    nouns = [k for w in words for k, vocab in MEDIA_NOUNS.items() if w in vocab]
    if not words or len(words) > 6 or not any(w in OMITTED_WORDS for w in words):
        return None
    if not _BRACKETED.match(line.strip()) and any(w in BRACKETED_ONLY_WORDS for w in words):
        return None
    known = all(w in OMITTED_WORDS or any(w in v for v in MEDIA_NOUNS.values()) for w in words)
    if not known or not nouns:
        return None
    specific = [k for k in nouns if k != "other"]
    return specific[0] if specific else "other"


def _attached_label(label: str) -> bool:
    label = label.lower()
    return any(word in label for word in ATTACHED_WORDS)


def _named(name: str, placeholder: str, caption: str) -> Found:
    name = name.strip()
    return Found(Attachment(name, False, kind_of(name), placeholder, name), caption.strip())


def learned_labels(texts: list[str]) -> frozenset[str]:
    """The labels a file writes after the app's own file names ("PTT-20240613-WA0001.opus (ファイル添付)"): its
    phone's words for "file attached", whatever the language, so a document it names otherwise
    ("報告.pdf (ファイル添付)") is read as the file it is, not as words."""
    found = set()
    for text in texts:
        match = _NAME_THEN_PARENS.match(strip_marks(text).strip().partition("\n")[0])
        if match and _WHATSAPP_NAME.match(match["name"]):
            found.add(match["label"].strip().lower())
    return frozenset(found)


def find_attachment(text: str, labels: frozenset[str] = frozenset()) -> Found | None:
    """The attachment a message's text holds (first line), with the rest as its caption; `labels`: the
    file's own words for "file attached" (`learned_labels`)."""
    clean = strip_marks(text).strip()
    if len(_ANGLE_TOKEN.findall(clean)) > 1:  # two files written in one message: which is its file is not known
        return None  # so the message stays as written, both names in its text (none linked, nothing lost)
    first, _, caption = clean.partition("\n")
    written, first = first.strip(), _DOCUMENT_DETAILS.sub("", first.strip(), count=1)
    match = _ANGLE_LABELLED.match(first)
    if match:  # what comes before the file is its document's title, or else the sender's caption
        before = "" if _titled_so(first[:first.index("<")], match["name"]) else written[:written.index("<")]
        return _named(match["name"], first, f"{before.strip()}\n{match['rest']}\n{caption}".strip())
    match = _NAME_THEN_PARENS.match(first)
    if match and (_attached_label(match["label"]) or _WHATSAPP_NAME.match(match["name"])
                  or match["label"].strip().lower() in labels):
        return _named(match["name"], first, caption)
    match = _NAME_THEN_ANGLE.match(first)
    if match and (_attached_label(match["label"]) or _WHATSAPP_NAME.match(match["name"])):
        return _named(match["name"], first, caption)
    captioned = _captioned_before(clean)
    if captioned is not None:
        return captioned
    named_left_out = _named_omitted(first)
    if named_left_out is not None:
        return Found(named_left_out, caption.strip())
    if first.lower() in MISSING_FILE:
        return Found(Attachment(None, True, "other", first), caption.strip())
    kind = _omitted_kind(first) or localised.omitted_kind(first)
    if kind is not None:
        return Found(Attachment(None, True, kind, first), caption.strip())
    return None


# iOS writes a caption before its file, the file's token ending the caption's last line ("Look \u200e<attached:
# 00000127-PHOTO-2022-08-19-21-15-02.jpg>", the caption over several lines too); iOS numbers each file (8 digits).
_ANGLE_ENDING_LINE = re.compile(r"<\s*[^<>:：\n]{1,40}[:：]\s*(?P<name>\d{8}-[^<>\n]*?\.[A-Za-z0-9]{1,5})\s*>[ \t]*(?=\n|$)")


def _titled_so(before: str, name: str) -> bool:
    """Nothing before an iOS file's token, or the document's own title ("Report.pdf" before "00000022-Report.pdf"):
    anything else there ("Meet at 5.30", "see notes.txt") is the sender's caption, never to be dropped."""
    title = unicodedata.normalize("NFC", before.strip()).casefold()
    name = unicodedata.normalize("NFC", name.strip()).casefold()
    return title in ("", name, re.sub(r"^\d{8}-", "", name))


def _captioned_before(text: str) -> Found | None:
    """The file of an iOS message whose caption comes first, the caption (and any lines after) its text."""
    match = _ANGLE_ENDING_LINE.search(text)  # the message's only token (`find_attachment`)
    if match is None:
        return None
    return _named(match["name"], match[0].strip(), f"{text[:match.start()].rstrip()}\n{text[match.end():].strip()}")


# iOS names a document it left out: "Report.pdf • 3 pages document omitted", "Vertrag.pdf weggelassen".
_NAME_THEN_OMITTED = re.compile(rf"^(?P<name>{_NAME})(?:\s*•\s*\d[\d.,]*\s+[^\s•<>]+)?\s+(?P<label>[^<>•.]{{2,60}})$")


def _named_omitted(line: str) -> Attachment | None:
    """A file left out of the export that the line names, or None."""
    match = _NAME_THEN_OMITTED.match(line)
    if match is None:
        return None
    label = match["label"]
    words = _words(label)
    only_omitted = bool(words) and all(w in OMITTED_WORDS for w in words)
    kind = _omitted_kind(label) or localised.omitted_kind(label) or (kind_of(match["name"]) if only_omitted else None)
    if kind is None:
        return None
    name = match["name"].strip()
    return Attachment(name, True, kind if kind != "other" else kind_of(name), line)


def is_whatsapp_media_name(name: str) -> bool:
    """A file named the way WhatsApp names the media it exports (PTT-20240301-WA0003.opus, ...)."""
    return bool(_WHATSAPP_NAME.match(strip_marks(name)))


def is_system_note(text: str) -> bool:
    """True for the app's own notes that an export writes under a name."""
    lowered = " ".join(strip_marks(text).lower().split())
    if "http://" in lowered or "https://" in lowered:  # a shared location or link: the sender's
        return False
    if lowered.rstrip(".") in SYSTEM_EXACT or localised.is_app_note(lowered):
        return True
    if lowered.startswith(ENCRYPTION_OPENINGS):
        return True
    opening = next((w for w in WAITING_OPENINGS if lowered.startswith(w)), None)
    if opening is not None and len(lowered) <= len(opening) + 80 and lowered[len(opening):][:1] in ("", ".", "…", "。"):
        return True  # that sentence whole, then at most one more of the app's
    return any(phrase in lowered for phrase in SYSTEM_CONTAINS)


# A poll: "POLL:" (some phones localise it), the question, then "OPTION: Pub (2 votes)" lines. iOS
# writes it after a left-to-right mark, as it does its own notes, but the question is the sender's.
_POLL_HEAD = re.compile(r"^[^\W\d_]{3,12}:$")
_POLL_OPTION = re.compile(r"^[^\W\d_]{3,12}:\s.*\(\d+[^()]*\)$")


def is_poll(text: str) -> bool:
    """A WhatsApp poll as an export writes it (the sender's own question and options)."""
    lines = [line.strip() for line in strip_marks(text).strip().split("\n")]
    return len(lines) >= 3 and bool(_POLL_HEAD.match(lines[0])) and lines[0].isupper() and any(
        _POLL_OPTION.match(line) for line in lines[2:])


def split_edited(text: str) -> tuple[str, str]:
    """(text, marker) with the app's trailing `<This message was edited>` taken off the text."""
    match = _EDITED_RE.search(text)
    if match is None or not any(w in match["marker"].lower() for w in EDITED_WORDS):
        return text, ""
    return text[: match.start()].rstrip(), match["marker"].strip()


# A time some apps write into a media file's name: WhatsApp iOS "00000012-AUDIO-2024-03-01-10-11-12.opus",
# Telegram Desktop "audio_7@02-04-2021_10-00-00.ogg" (day first), WhatsApp Android "PTT-20240301-WA0003.opus"
# (a date only); files saved from another app: WhatsApp Web and Desktop "WhatsApp Ptt 2024-03-01 at 10.11.12.ogg"
# (or "... um 10.11.12", "... at 10.11.12 AM"), Signal "signal-2024-03-01-101112.aac", a phone's camera or recorder
# "VID_20240301_101112.mp4", and a date and time spelled out "voice 2024-03-01 10-11-12.m4a".
_TWELVE = r"(?:\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
_NAME_TIMES = (
    (re.compile(r"-(?:AUDIO|VIDEO|PHOTO|GIF|STICKER)-(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})", re.IGNORECASE),
     (0, 1, 2, 3, 4, 5)),
    (re.compile(r"@(\d{2})-(\d{2})-(\d{4})_(\d{2})-(\d{2})-(\d{2})"), (2, 1, 0, 3, 4, 5)),
    (re.compile(r"^(?:IMG|VID|AUD|PTT|DOC|STK)-(\d{4})(\d{2})(\d{2})-WA\d+", re.IGNORECASE), (0, 1, 2)),
    (re.compile(r"^WhatsApp[ _-][^\d]{2,40}?(\d{4})-(\d{2})-(\d{2})\D{1,12}?(\d{1,2})\.(\d{2})\.(\d{2})" + _TWELVE,
                re.IGNORECASE), (0, 1, 2, 3, 4, 5)),
    (re.compile(r"^signal-(\d{4})-(\d{2})-(\d{2})-(\d{2})-?(\d{2})-?(\d{2})", re.IGNORECASE), (0, 1, 2, 3, 4, 5)),
    (re.compile(r"(?:^|[_\-\s])(\d{4})(\d{2})(\d{2})[_\-](\d{2})(\d{2})(\d{2})(?!\d{3,}[^\d.])"), (0, 1, 2, 3, 4, 5)),
    (re.compile(r"(?:^|\D)(\d{4})-(\d{2})-(\d{2})[ _T](\d{2})[-.:](\d{2})[-.:](\d{2})(?!\d)"), (0, 1, 2, 3, 4, 5)),
)


NAMED_YEARS = range(1970, 2200)  # a Gregorian year a phone writes; a name's "1443" (an iPhone set to the Islamic
# calendar may name its files in it) or "2567" (Thai Buddhist) is of a calendar the name does not say: no time read


def time_in_name(name: str) -> tuple[str, str] | None:
    """(the date-time as the name writes it, ISO 8601) when a file's name carries one; else None."""
    for pattern, order in _NAME_TIMES:
        found = pattern.search(name)
        if not found:
            continue
        parts = [found.group(i + 1) for i in order]
        if int(parts[0]) not in NAMED_YEARS:
            continue
        if len(parts) == 6:
            hour = _hour(int(parts[3]), found.groupdict().get("ampm"))
            if hour is None or int(parts[4]) > 59 or int(parts[5]) > 59:
                continue
            parts[3] = f"{hour:02d}"
        iso = f"{parts[0]}-{parts[1]}-{parts[2]}" + (f"T{parts[3]}:{parts[4]}:{parts[5]}" if len(parts) == 6 else "")
        month, day = int(parts[1]), int(parts[2])
        if 1 <= month <= 12 and 1 <= day <= 31:
            return iso.replace("T", " ") + " (in the file name)", iso
    return None


def _hour(hour: int, marker: str | None) -> int | None:
    """The hour on a 24-hour clock ("10.12.00 PM": 22), None when it is none."""
    if marker is None:
        return hour if hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if marker.lower().startswith("p") else 0)

