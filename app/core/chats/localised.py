"""WhatsApp's own words in the languages `placeholders` does not read word by word: a message deleted,
a call missed, a live location shared, a file left out of the export, written whole as the app's strings write them (iOS and
Android), in Finnish, Danish, Norwegian, Swedish, Czech, Slovak, Hungarian, Greek, Ukrainian, Bulgarian,
Croatian, Serbian, Slovenian, Estonian, Latvian, Lithuanian, Catalan, Vietnamese, Thai, Malay,
Persian, Hebrew, Chinese, Japanese and Korean, and the forms of the languages read before that
their word lists miss.

A line is compared whole (case, direction marks, the angle brackets Android puts round a file left out
and a final full stop aside), so a person writing about a deleted message stays a person.
"""

from __future__ import annotations

from app.core.chats import localised_more

_DELETED = """
this message was deleted by an admin|you deleted this message as admin
הודעה זו נמחקה|ההודעה נמחקה|מחקת את ההודעה הזו|מחקת הודעה זו
αυτό το μήνυμα διαγράφηκε|διαγράψατε αυτό το μήνυμα|διαγράψατε το μήνυμα
це повідомлення було видалено|ви видалили це повідомлення
此訊息已刪除|这条消息已被删除|信息已删除|此消息已删除|您已刪除此訊息|您已删除这条消息|您删除这个信息
tin nhắn này đã bị xóa|tin nhắn này đã bị xoá|bạn đã xóa tin nhắn này|bạn đã xoá tin nhắn này
ข้อความนี้ถูกลบแล้ว|ข้อความนี้ได้ถูกลบ|คุณได้ลบข้อความนี้|คุณลบข้อความนี้
det här meddelandet raderades|detta meddelande raderades|du raderade det här meddelandet
du raderade detta meddelande|du har tagit bort meddelandet
táto správa bola odstránená|túto správu ste odstránili
tato zpráva byla smazána|tato zpráva byla odstraněna|tuto zprávu jste smazal/a|tuto zprávu jste odstranil/a
denne meldingen ble slettet|du slettet denne meldingen
denne besked er blevet slettet|denne besked blev slettet|du har slettet denne besked|du slettede denne besked
mesej ini telah dipadam|anda telah memadamkan mesej ini
pesan ini dihapus|anda telah menghapus pesan ini
このメッセージは削除されました|このメッセージを削除しました
이 메시지를 삭제했습니다|삭제한 메시지입니다
ez az üzenet törlésre került|törölted ezt az üzenetet|ezt az üzenetet törölted
ova je poruka izbrisana|ova poruka je izbrisana|izbrisali ste ovu poruku
ova poruka je obrisana|ова порука је обрисана|обрисао/ла си ову поруку
tämä viesti poistettiin|poistit tämän viestin
این پیام حذف شده است|این پیام حذف شد|شما این پیام را حذف کردید
aquest missatge s'ha suprimit|aquest missatge està esborrat|has suprimit aquest missatge|has esborrat aquest missatge
съобщението беше изтрито|изтрихте това съобщение
see sõnum on kustutatud|kustutasid selle sõnumi
šī ziņa tika izdzēsta|jūs izdzēsāt šo ziņu
ši žinutė buvo ištrinta|jūs ištrynėte šią žinutę
to sporočilo je bilo izbrisano|to sporočilo ste izbrisali
usunąłeś(-ęłaś) tę wiadomość|usunąłeś(aś) tę wiadomość
ați șters acest mesaj|u hebt dit bericht verwijderd|apagou esta mensagem|لقد حذَفت هذه الرسالة|أنت حذفت هذه الرسالة
вы удалили данное сообщение
"""

_MISSED_CALLS = """
שיחה קולית שלא נענתה|שיחת וידאו שלא נענתה
αναπάντητη φωνητική κλήση|αναπάντητη βιντεοκλήση|αναπάντητη κλήση
пропущений аудіодзвінок|пропущений відеодзвінок
未接语音通话|未接語音通話|未接视频通话|未接視像通話
cuộc gọi nhỡ|cuộc gọi nhỡ video
สายที่ไม่ได้รับ|วิดีโอคอลที่ไม่ได้รับ
missat röstsamtal|missat samtal|missat videosamtal
zmeškaný hovor|zmeškaný hlasový hovor|zmeškaný videohovor
gemist spraakgesprek|gemist videogesprek|gemiste video-oproep
tapt taleanrop|tapt videoanrop|tapt videosamtale
부재중 전화|부재중 영상통화|音声通話不在着信|ビデオ通話不在着信|不在着信
nem fogadott hanghívás|nem fogadott videohívás|nem fogadott videóhívás
panggilan suara tak terjawab|panggilan video tak terjawab|panggilan suara terlepas|panggilan video terlepas
vastaamaton äänipuhelu|vastaamaton videopuhelu
ubesvaret taleopkald|ubesvaret videoopkald|mistet opkald
trucada de veu perduda|videotrucada perduda
apel vocal ratat|apel video ratat|apel vocal nepreluat|apel video nepreluat
nieodebrane połączenie|nieodebrane połączenie wideo
cevapsız görüntülü arama|videochamada perdida|llamada de voz perdida
تماس صوتی پاسخ داده نشده|تماس تصویری بیپاسخ|مكالمة فيديو فائتة
пропуснато гласово обаждане|пропуснато видео обаждане
propušteni glasovni poziv|propušteni videopoziv
"""

# Android writes this in place of a live location shared (the place itself is not exported).
_LIVE_LOCATION = """
live location shared|live-standort wird geteilt|localisation en direct partagée|ubicación en tiempo real compartida
posizione attuale condivisa|live locatie gedeeld|localização atual compartilhada|mevcut konum paylaşıldı
udostępniona transmisja położenia|геоданные отправлены|تمت مشاركة الموقع المباشر|lokasi terkini dibagikan
liveposition delad|live-sijainti jaettu|live placering delt|posisjon i sanntid delt|геодані надіслано
"""

# The files an export left out, by kind (iOS writes the kind, Android "<Media omitted>").
_OMITTED = {
    "image": """
התמונה הושמטה|imagem não revelada|imagem ocultada|εικόνα παραλείφθηκε|зображення відсутнє
لم يتم إدراج الصورة|圖片已略去|圖像已省略|照片已忽略|đã bỏ qua hình ảnh|ไม่มีรูปภาพ|bild utesluten
obrázok vynechaný|obrázek vynechán|bilde ikke inkludert|imej tidak dimasukkan|이미지 생략됨
画像は含まれていません|gambar tidak disertakan|slika izostavljena|ei kuvaa|billede udeladt|kép küldése sikertelen
تصویر حذف شد|imatge omesa
""",
    "audio": """
קטע קול הושמט|ficheiro de áudio não revelado|ήχος παραλείφθηκε|аудіо відсутнє|لم يتم إدراج المقاطع الصوتية
音訊已略去|音訊已省略|音频已忽略|bỏ qua tệp âm thanh|ไม่มีไฟล์เสียง|ljud utelslutet|ljud uteslutet|zvuk vynechaný
fără audio|áudio ocultado|lyd utelatt|audio tidak dimasukkan|오디오 생략됨|音声は含まれていません|hang kihagyása
zvuk izostavljen|äänitiedostoa ei sisällytetä|صدا حذف شد|lyd udeladt|zvukový soubor vynechán|àudio omès
""",
    "video": """
סרטון הווידאו הושמט|vídeo não revelado|βίντεο παραλείφθηκε|відео відсутнє|لم يتم إدراج الفيديوهات
影片已略去|影片已省略|视频已忽略|đã bỏ video|วิดีโอถูกลบ|video utesluten|video vynechané|clip video omis
video utelatt|video tidak dimasukkan|비디오 생략됨|ビデオは含まれていません|videó kihagyva|video tidak disertakan
video izostavljen|videota ei sisällytetä|ویدیو حذف شد|video udeladt|vídeo omès
""",
    "sticker": """
סטיקר הושמט|стикер не добавлен|sticker não revelado|αυτοκόλλητο παραλήφθηκε|наклейку не додано
تم حذف الملصقات|貼圖已略去|貼圖已忽略|贴图已省略|đã bỏ sticker|ไม่มีสติกเกอร์|sticker utesluten|nálepka vynechaná
pominięto naklejkę|klistremerke utelatt|pelekat tidak disertakan|스티커 제외됨|スタンプは含まれていません
matrica kihagyva|stiker tidak disertakan|naljepnica izostavljena|tarraa ei sisällytetty|استیکر حذف شد
klistermærke udeladt|nálepka vynechána|adhesiu omès
""",
    "animation": """
gif הושמט|gif отсутствует|gif retiré|gif esclusa|gif não revelada|gif omitido|παράληψη gif|gif-анімацію пропущено
gif weggelassen|gif 已略去|gif 圖片已被省略|gif 动态图已被忽略|đã bỏ qua ảnh gif|gif dahil edilmedi|ละเว้น gif
gif utesluten|gif vynechaný|plik gif pominięty|gif omis|gif weggelaten|gif utelatt|gif tidak dimasukkan
gif 생략됨|gifは含まれていません|gif fájl kihagyása|gif tidak disertakan|gif izostavljen|gif-animaatio jätetty pois
gif حذف شد|gif udeladt|gif vynechán|gif omès|gif omitted
""",
    "document": """
כרטיס איש קשר הושמט|fiche contact manquante|contacto não revelado|η κάρτα επαφής παραλήφθηκε
картка контакту відсутня|kontaktkarte ausgelassen|لم يتم إدراج بطاقة جهة اتصال|聯絡人卡片已略去|联系人卡片已忽略
bỏ qua thẻ liên lạc|kişi kartı dahil edilmedi|บัตรรายชื่อที่ละเว้น|kontaktkort uteslutet|karta kontaktu vynechaná
pominięta wizytówka kontaktu|carte de vizită contact omisă|cartão do contato omitido|visitekaartje weggelaten
kontaktkort sløyfet|kad kenalan tidak dimasukkan|연락처 카드 생략됨|連絡先カードを省略|névjegykártya kihagyva
kartu kontak tidak disertakan|posjetnica izostavljena|yhteystietokortti jätettiin pois|برگ مخاطب حذف شد
kontaktkort udeladt|vizitka vynechána|targeta de contacte omesa
מסמך הושמט|document manquant|documento não revelado|έγγραφο παραλείφθηκε|документ пропущено
لم يتم إدراج المستند|文件已略去|文件已忽略|文档已省略|đã bỏ qua tài liệu|ละเว้นเอกสาร|dokument uteslutet
dokument vynechaný|utelatt dokument|dokumen tidak dimasukkan|문서 생략됨|ドキュメントは含まれていません
dokumentum kihagyva|dokumen tidak disertakan|dokument izostavljen|dokumenttia ei sisällytetä|سند حذف شد
dokument udeladt|dokument vynechán|document omès
""",
    "other": """
media jätettiin pois|media jätetty pois|mediefil udeladt|medier udeladt|média vynechány|média vynechána
media har utelämnats|media utelämnat|uten vedlegg|media utelatt|médiá vynechané|medya atlanmış|bỏ qua media
hiányzó médiafájl|média elhagyva|медіа пропущено|conținut media omis|pliki pominięto|pominięto multimedia
εξαίρεση πολυμέσων|ficheiro não revelado|medijski zapis izostavljen|meedia ära jäetud|media disingkirkan
media dikecualikan|mitjans omesos|medij izpuščen|praleistas medijos turinys|bez multivides|без файл
медији су изостављени|media imerukwa|walang kalakip na media|ไฟล์สื่อถูกลบ|สื่อถูกลบ|رسانه حذف شد
""",
}


def _phrases(block: str) -> frozenset[str]:
    return frozenset(p.strip() for line in block.strip().splitlines() for p in line.split("|") if p.strip())


DELETED = _phrases(_DELETED) | _phrases(localised_more.DELETED)
MISSED_CALLS = _phrases(_MISSED_CALLS) | _phrases(_LIVE_LOCATION) | _phrases(localised_more.MISSED_CALLS) | _phrases(
    localised_more.LIVE_LOCATION)
OMITTED = {kind: _phrases(block) | _phrases(localised_more.OMITTED.get(kind, "")) for kind, block in _OMITTED.items()}
_ENDS = ".。!।۔"  # the full stop, and Bengali's and Urdu's
LONGEST = max(len(p) for group in (DELETED, MISSED_CALLS, *OMITTED.values()) for p in group) + 40  # a name after "deleted by admin"


def _normal(text: str) -> str:
    """Lower case, spaces folded, the brackets round a whole line and a final full stop taken off
    (the caller has taken the direction marks off)."""
    line = " ".join(text.lower().split())
    if line.startswith(("<", "‹")) and line.endswith((">", "›")):
        line = line[1:-1].strip()
    return line.rstrip(_ENDS).strip()


def is_app_note(text: str) -> bool:
    """A deletion, a missed call or a live location shared, in the app's words."""
    if len(text) > LONGEST:  # a message's own words: not compared
        return False
    line = _normal(text)
    return line in DELETED or line in MISSED_CALLS or line.startswith("this message was deleted by admin ")


def omitted_kind(text: str) -> str | None:
    """The kind of file the line says the export left out, or None."""
    if len(text) > LONGEST:
        return None
    line = _normal(text)
    return next((kind for kind, phrases in OMITTED.items() if line in phrases), None)
