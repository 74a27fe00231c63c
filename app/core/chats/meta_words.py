"""Messenger's and Instagram's own words for an action in languages other than English (see `meta_notes`).

Built from the words of each language, not from strings verified against the app: a record read by these
says so in its note. Three shapes:

    ACTIONS       after the sender's name or the language's "you":  "Anna envió un archivo adjunto."
    WHOLE         the whole content, no name:                        "Enviaste un archivo adjunto." (the subject
                                                                     left in the verb: Spanish, Italian, Turkish...)
    VERB_FIRST    the verb first, the name after it (Arabic):        "أرسل أحمد مرفقًا." / "أرسلتَ مرفقًا."

Spanish, Portuguese, French, Italian, German, Dutch, Turkish, Polish, Russian (and Ukrainian's nearest forms)
and Arabic.
"""

from __future__ import annotations

import re

_SENT_ES = "una? (?:foto|video|vídeo|mensaje de voz|clip de audio|GIF|sticker|enlace|ubicación|archivo)"
_SENT_PT = "uma? (?:foto|vídeo|mensagem de voz|clipe de áudio|GIF|figurinha|sticker|link|localização|arquivo)"
_SENT_FR = "une? (?:photo|vidéo|message vocal|clip audio|GIF|autocollant|sticker|lien|position|fichier)"
_SENT_IT = "una? (?:foto|video|messaggio vocale|clip audio|GIF|sticker|adesivo|link|posizione|file)"
_SENT_DE = "(?:ein|eine|einen) (?:Foto|Video|Sprachnachricht|Audioclip|GIF|Sticker|Link|Standort|Datei)"
_SENT_TR = "(?:ek|fotoğraf|video|sesli mesaj|ses klibi|GIF|çıkartma|bağlantı|konum|dosya)"
_SENT_PL = "(?:załącznik|zdjęcie|film|wiadomość głosową|klip audio|GIF|naklejkę|link|lokalizację|plik)"
_SENT_RU = ("(?:вложение|фото|фотографию|видео|голосовое сообщение|аудиосообщение|аудиоклип|GIF|GIF-файл|стикер|"
            "наклейку|ссылку|местоположение|геолокацию|файл)")
_M = r"\.?"  # the app ends some of these with a full stop, some not
_RU_VERB = r"(?:{stem}|{stem}а|{stem}и|{stem}\(а\))"  # he, she, you (plural/polite), he(she)

ACTIONS = (
    r"(?:envió|ha enviado|enviaste|has enviado) (?:un archivo adjunto|" + _SENT_ES + ")" + _M,
    r"(?:anuló|anulaste|eliminó|eliminaste) (?:el envío de )?un mensaje" + _M,
    r"reaccion(?:ó|aste) (?:con )?.{1,16} a (?:tu|un|su) mensaje" + _M,
    r"(?:enviou|enviaste|você enviou) (?:um anexo|" + _SENT_PT + ")" + _M,
    r"(?:cancelou|cancelaste) o envio de uma mensagem" + _M,
    r"(?:reagiu|reagiste) (?:com )?.{1,16} (?:à|a) (?:sua|tua|uma) mensagem" + _M,
    r"(?:a|avez) envoyé (?:une pièce jointe|" + _SENT_FR + ")" + _M,
    r"(?:a|avez) annulé l[’']envoi d[’']un message" + _M,
    r"(?:a|avez) réagi (?:avec )?.{1,16} à (?:votre|ton|un|son) message" + _M,
    r"ha(?:i)? inviato (?:un allegato|" + _SENT_IT + ")" + _M,
    r"ha(?:i)? annullato l[’']invio di un messaggio" + _M,
    r"ha(?:i)? reagito (?:con )?.{1,16} al (?:tuo|suo|un) messaggio" + _M,
    r"(?:hat|hast) (?:einen Anhang|" + _SENT_DE + r") (?:gesendet|geschickt)" + _M,
    r"(?:hat|hast) (?:das Senden einer Nachricht rückgängig gemacht|eine Nachricht zurückgerufen)" + _M,
    r"(?:hat|hast) (?:mit )?.{1,16} auf (?:deine|eine|seine|ihre) Nachricht reagiert" + _M,
    r"(?:hat|hast) auf (?:deine|eine|seine|ihre) Nachricht (?:mit )?.{1,16} reagiert" + _M,
    r"reaccion(?:ó|aste) a (?:tu|un|su) mensaje con .{1,16}" + _M,
    r"(?:reagiu|reagiste) (?:à|a) (?:sua|tua|uma) mensagem com .{1,16}" + _M,
    r"(?:a|avez) réagi à (?:votre|ton|un|son) message avec .{1,16}" + _M,
    r"ha(?:i)? reagito al (?:tuo|suo|un) messaggio con .{1,16}" + _M,
    r"(?:heeft|hebt) een (?:bijlage|foto|video|spraakbericht|GIF|sticker|link|bestand) (?:gestuurd|verzonden)" + _M,
    r"(?:heeft|hebt) het verzenden van een bericht ongedaan gemaakt" + _M,
    r"(?:heeft|hebt) (?:met )?.{1,16} (?:gereageerd op (?:je|jouw|een|zijn|haar) bericht|op (?:je|jouw|een) bericht "
    r"gereageerd)" + _M,
    r"bir " + _SENT_TR + r" gönderdi(?:n)?" + _M,
    r"bir mesaj(?:ı|ın)? (?:gönderimini|göndermeyi|gönderimi) geri aldı(?:n)?" + _M,
    r"(?:bir )?mesaj(?:ına|ınıza) .{1,16} (?:ile )?tepki verdi(?:n)?" + _M,
    r"wysłał(?:a|eś|aś)? " + _SENT_PL + _M,
    r"(?:cofnął|cofnęła|cofnąłeś|cofnęłaś) wysłanie wiadomości" + _M,
    _RU_VERB.format(stem="отправил") + " " + _SENT_RU + _M,
    _RU_VERB.format(stem="отменил") + " отправку сообщения" + _M,
    _RU_VERB.format(stem="отреагировал") + r" (?:.{1,16} )?на (?:ваше|твоё|твое|её|ее|его|их) сообщение(?:: .{1,16})?"
    + _M,
)
WHOLE = (
    r"Reaccionó (?:con )?.{1,16} a tu mensaje" + _M, r"Reagiu (?:com )?.{1,16} (?:à|a) sua mensagem" + _M,
    r"A réagi (?:avec )?.{1,16} à votre message" + _M, r"Ha reagito (?:con )?.{1,16} al tuo messaggio" + _M,
    r"Hat (?:mit )?.{1,16} auf deine Nachricht reagiert" + _M, r"Hat auf deine Nachricht (?:mit )?.{1,16} reagiert" + _M,
    r"Reaccionó a tu mensaje con .{1,16}" + _M, r"Reagiu à sua mensagem com .{1,16}" + _M,
    r"A réagi à votre message avec .{1,16}" + _M, r"Ha reagito al tuo messaggio con .{1,16}" + _M,
    # Instagram's "Liked a message"
    r"Le gustó un mensaje" + _M, r"Curtiu uma mensagem" + _M, r"A aimé un message" + _M, r"Bir mesajı beğendi" + _M,
    r"Vond een bericht leuk" + _M,
    r"Le appel vidéo est terminé" + _M,
    r"L[’']appel vidéo est terminé" + _M,
    r"La videollamada (?:ha )?terminado" + _M + "|La videollamada finalizó" + _M,
    r"A chamada de vídeo terminou" + _M, r"Der Videochat wurde beendet" + _M, r"La videochiamata è terminata" + _M,
    r"Mesaj(?:ına|ınıza) .{1,16} (?:ile )?tepki verdi" + _M,
    r"Отреагировал(?:а|и|\(а\))? (?:.{1,16} )?на ваше сообщение(?:: .{1,16})?" + _M,
    r"Видеочат завершен" + _M, r"Видеочат завершён" + _M,
)
# the subject in the verb, "you" ("you sent"): Spanish, Portuguese (Portugal), Italian, Turkish, Polish
WHOLE_YOU = (
    r"Enviaste (?:un archivo adjunto|" + _SENT_ES + ")" + _M, r"Anulaste el envío de un mensaje" + _M,
    r"Reaccionaste (?:con )?.{1,16} a (?:un|su|tu) mensaje" + _M,
    r"Enviaste (?:um anexo|" + _SENT_PT + ")" + _M, r"Cancelaste o envio de uma mensagem" + _M,
    r"Hai inviato (?:un allegato|" + _SENT_IT + ")" + _M, r"Hai annullato l[’']invio di un messaggio" + _M,
    r"Hai reagito (?:con )?.{1,16} al (?:suo|un) messaggio" + _M,
    r"Bir " + _SENT_TR + r" gönderdin" + _M, r"Bir mesaj(?:ı|ın)? (?:gönderimini|göndermeyi|gönderimi) geri aldın" + _M,
    r"Wysłał(?:eś|aś) " + _SENT_PL + _M, r"Cofnął(?:eś|aś) wysłanie wiadomości" + _M,
)
_AR_SENT = ("(?:مرفقًا|مرفقاً|مرفقا|صورة|فيديو|مقطع فيديو|رسالة صوتية|مقطعًا صوتيًا|مقطعا صوتيا|ملصقًا|ملصقاً|ملصقا|"
            "صورة GIF|GIF|رابطًا|رابطاً|رابطا|موقعًا|موقعاً|موقعا|ملفًا|ملفاً|ملفا)")
# The verb first, then the name (absent for "you", the subject in the verb): Arabic
VERB_FIRST = (
    (r"(?:أرسل|أرسلت|أرسلتَ|أرسلتِ)", _AR_SENT + _M),
    (r"(?:ألغى|ألغت|ألغيت|ألغيتَ|ألغيتِ)", "إرسال رسالة" + _M),
    (r"(?:تفاعل|تفاعلت|تفاعلتَ|تفاعلتِ)", r"(?:بـ ?|ب)?.{1,16} (?:مع|على) رسالتك" + _M),
)
YOU = frozenset({"Tú", "Usted", "Você", "Tu", "Vous", "Du", "Sie", "Jij", "Je", "Sen", "Siz", "Ty", "Вы", "Ты",
                 "أنت"})
# Arabic "you" in the verb: with its vowel mark only "you"; bare, also "I" ("أرسلت صورة." is the app's "You sent a
# photo." and a sender's own "I sent a photo."): the chat tells which (`meta_notes.settle_bare_you`)
_AR_MARKED_YOU = ("أرسلتَ", "أرسلتِ", "ألغيتَ", "ألغيتِ")
_AR_BARE_YOU = ("أرسلت", "ألغيت")

ACTION_RE = re.compile(r"^(?P<who>.{1,80}?) (?:" + "|".join(ACTIONS) + r")$", re.DOTALL)
WHOLE_RE = re.compile(r"^(?:" + "|".join(WHOLE) + r")$")
WHOLE_YOU_RE = re.compile(r"^(?:" + "|".join(WHOLE_YOU) + r")$")
VERB_FIRST_RES = tuple(re.compile(rf"^{verb}(?: (?P<who>.{{1,80}}?))? {rest}$") for verb, rest in VERB_FIRST)

# Who acts in the app's words: "you" (the account holder), the sender named, no one named, or "you" or "I"
YOU_ACT, NAMED, UNNAMED, BARE_YOU = "you", "named", "unnamed", "bare you"


def _named(who: str) -> str:
    return YOU_ACT if who in YOU or who == "You" else NAMED


def actor(words: str, names: set[str]) -> str:
    """Who acts in `words` (spaces folded) when they are the app's words for an action in one of the languages
    above, by one of `names` (the sender, its first name, "you") or naming no one; "" when they are not."""
    if WHOLE_YOU_RE.match(words):
        return YOU_ACT
    if WHOLE_RE.match(words):
        return UNNAMED
    found = ACTION_RE.match(words)
    if found is not None and found["who"] in names:
        return _named(found["who"])
    for pattern in VERB_FIRST_RES:
        found = pattern.match(words)
        if found is None or (found["who"] is not None and found["who"] not in names):
            continue
        if found["who"] is not None:
            return _named(found["who"])
        verb = words.split(" ", 1)[0]
        return YOU_ACT if verb in _AR_MARKED_YOU else BARE_YOU if verb in _AR_BARE_YOU else UNNAMED
    return ""
