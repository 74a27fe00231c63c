"""The words Messenger and Instagram write themselves into a message's `content` for an action: "Anna sent an
attachment.", "You unsent a message", "Reacted ❤ to your message", "Anna named the group Crew.", "The video chat
ended." They are the app's, not the sender's: such a record is the app's note (its words kept, said so).

English, and (from words, not the app's verified strings) Spanish, Portuguese, French, Italian, German, Dutch,
Turkish and Polish: the language of the account the download was made in writes them. Another language's stay as
the sender's words.

    is_app_words(text, sender) -> bool
"""

from __future__ import annotations

import re

APP_WORDS_NOTE = "the app's words for an action (Messenger or Instagram writes them), not the sender's"

# After the sender's name or "You": the action the app names
_SENT = "photo|video|voice message|audio clip|GIF|sticker|link|location|live location|file|post|reel|story"
_ACTIONS = (
    r"sent an attachment\.", rf"sent (?:a|an) (?:{_SENT})\.?", r"unsent a message\.?",
    r"[Rr]eacted .{1,16} to (?:your|a|their|his|her) message\.?", r"liked a message\.?", r"named the group .+",
    r"removed the group name\.?", r"changed the group photo\.?", r"removed the group photo\.?",
    r"set (?:the|your|their|his|her) nickname .+", r"cleared (?:the|your|their|his|her) nickname.*",
    r"set the (?:quick reaction|emoji) to .+", r"changed the (?:chat )?theme(?: to .+)?\.?",
    r"started (?:a|the) (?:video chat|call|video call|audio call)\.?", r"joined the (?:video chat|call|video call)\.?",
    r"missed (?:a|your) (?:video )?call(?: from .+)?\.?", r"added .+ to the group\.?", r"removed .+ from the group\.?",
    r"left the group\.?", r"joined the group\.?", r"created the group\.?", r"pinned a message\.?",
    r"unpinned a message\.?", r"shared a location\.?", r"started sharing (?:their|his|her|your) location\.?",
    r"stopped sharing (?:their|his|her|your) location\.?", r"mentioned you in (?:their|his|her) story\.?",
    r"replied to your story\.?", r"reacted to your story.*", r"turned (?:on|off) disappearing messages.*",
)
_WHOLE = (r"The (?:video chat|call|video call) ended\.?", r"You are now connected on Messenger\.?",
          r"Say hi to your new Facebook friend.*", r"You can now message and call each other.*",
          r"Liked a message\.?", r"Reacted .{1,16} to your message\.?")
# The same actions in the languages a download is most often made in besides English (built from words, not the
# app's verified strings): Spanish, Portuguese, French, Italian, German, Dutch, Turkish, Polish.
_SENT_ES = "una? (?:foto|video|vídeo|mensaje de voz|clip de audio|GIF|sticker|enlace|ubicación|archivo)"
_SENT_PT = "uma? (?:foto|vídeo|mensagem de voz|clipe de áudio|GIF|figurinha|sticker|link|localização|arquivo)"
_SENT_FR = "une? (?:photo|vidéo|message vocal|clip audio|GIF|autocollant|sticker|lien|position|fichier)"
_SENT_IT = "una? (?:foto|video|messaggio vocale|clip audio|GIF|sticker|adesivo|link|posizione|file)"
_SENT_DE = "(?:ein|eine|einen) (?:Foto|Video|Sprachnachricht|Audioclip|GIF|Sticker|Link|Standort|Datei)"
_OTHER_ACTIONS = (
    r"(?:envió|ha enviado|enviaste|has enviado) (?:un archivo adjunto|" + _SENT_ES + r")\.?",
    r"(?:anuló|anulaste|eliminó|eliminaste) (?:el envío de )?un mensaje\.?",
    r"reaccion(?:ó|aste) (?:con )?.{1,16} a (?:tu|un|su) mensaje\.?",
    r"(?:enviou|enviaste|você enviou) (?:um anexo|" + _SENT_PT + r")\.?",
    r"(?:cancelou|cancelaste) o envio de uma mensagem\.?", r"(?:reagiu|reagiste) (?:com )?.{1,16} (?:à|a) (?:sua|tua|uma) mensagem\.?",
    r"(?:a|avez) envoyé (?:une pièce jointe|" + _SENT_FR + r")\.?", r"(?:a|avez) annulé l[’'’]envoi d[’'’]un message\.?",
    r"(?:a|avez) réagi (?:avec )?.{1,16} à (?:votre|ton|un|son) message\.?",
    r"ha(?:i)? inviato (?:un allegato|" + _SENT_IT + r")\.?", r"ha(?:i)? annullato l[’'’]invio di un messaggio\.?",
    r"ha(?:i)? reagito (?:con )?.{1,16} al (?:tuo|suo|un) messaggio\.?",
    r"(?:hat|hast) (?:einen Anhang|" + _SENT_DE + r") (?:gesendet|geschickt)\.?",
    r"(?:hat|hast) (?:das Senden einer Nachricht rückgängig gemacht|eine Nachricht zurückgerufen)\.?",
    r"(?:hat|hast) (?:mit )?.{1,16} auf (?:deine|eine|seine|ihre) Nachricht reagiert\.?",
    r"(?:heeft|hebt) een (?:bijlage|foto|video|spraakbericht|GIF|sticker|link|bestand) (?:gestuurd|verzonden)\.?",
    r"(?:heeft|hebt) het verzenden van een bericht ongedaan gemaakt\.?",
    r"bir (?:ek|fotoğraf|video|sesli mesaj|GIF|çıkartma|bağlantı|dosya) gönderdi(?:n)?\.?",
    r"bir mesajı? gönder(?:meyi|imi) geri aldı(?:n)?\.?",
    r"wysłał(?:a|eś|aś)? (?:załącznik|zdjęcie|film|wiadomość głosową|GIF|naklejkę|link|plik)\.?",
    r"cofnął(?:a|eś|aś)? wysłanie wiadomości\.?",
)
_OTHER_WHOLE = (r"Reaccionó (?:con )?.{1,16} a tu mensaje\.?", r"Reagiu (?:com )?.{1,16} (?:à|a) sua mensagem\.?",
                r"A réagi (?:avec )?.{1,16} à votre message\.?", r"Ha reagito (?:con )?.{1,16} al tuo messaggio\.?",
                r"Hat (?:mit )?.{1,16} auf deine Nachricht reagiert\.?", r"Le appel vidéo est terminé\.?",
                r"La videollamada (?:ha )?terminado\.?|La videollamada finalizó\.?", r"A chamada de vídeo terminou\.?",
                r"Der Videochat wurde beendet\.?", r"La videochiamata è terminata\.?")
_YOU = frozenset({"You", "Tú", "Usted", "Você", "Tu", "Vous", "Du", "Sie", "Jij", "Je", "Sen", "Siz", "Ty"})
_ACTION_RE = re.compile(r"^(?P<who>.{1,80}?) (?:" + "|".join((*_ACTIONS, *_OTHER_ACTIONS)) + r")$", re.DOTALL)
_WHOLE_RE = re.compile(r"^(?:" + "|".join((*_WHOLE, *_OTHER_WHOLE)) + r")$")


def is_app_words(text: str, sender: str | None) -> bool:
    """The message's content is the app's words for an action of the sender's (or "You"), not words typed."""
    words = " ".join(text.split())
    if not words or "\n" in text.strip():
        return False
    if _WHOLE_RE.match(words):
        return True
    found = _ACTION_RE.match(words)
    names = {*_YOU, sender, sender.split()[0]} if sender and sender.split() else set(_YOU)
    return found is not None and found["who"] in names  # a first name is how the app names the sender
