"""WhatsApp's own words (a message deleted, a call missed, a live location shared, a file left out) in the
languages `localised` did not yet hold: Bengali, Urdu, Marathi, Gujarati, Hindi's other forms, Punjabi, Tamil,
Telugu, Malayalam, Kannada, Irish, Filipino, Kazakh, Uzbek, Swahili, Afrikaans, Azerbaijani, Macedonian,
Serbian, Albanian, Slovenian, Estonian, Latvian, Lithuanian, and forms other versions of the app wrote in
Portuguese, Italian, German, French, Arabic, Polish and Catalan; as the app's iOS Localizable.strings and
Android strings.xml write them. Compared whole, as `localised` compares its own (lower case, without brackets
or a final full stop).
"""

from __future__ import annotations

DELETED = """
এই মেসেজটি বাদ দেওয়া হয়েছে|یہ میسج حذف کر دیا گیا ہے|हा मेसेज हटवण्यात आला|यह मैसेज डिलीट कर दिया गया है
આ મેસેજ ડિલીટ કરાયો|scriosadh an teachtaireacht seo|itong mensahe ay binura na|हा संदेश हटविण्यात आला होता
бұл хат жойылды|આ સંદેશ રદ્દ કરાયો|यह संदेश मिटाया गया|ushbu xabar o‘chirildi|یہ پیغام حذف کیا گیا
ujumbe huu ulifutwa|இத்தகவல் திரும்பப்பெறப்பட்டது|এই বার্তাটি মুছে ফেলা হয়েছে|hierdie boodskap was uitgevee
bu ismarıc silindi|ഈ സന്ദേശം ഇല്ലാതാക്കിയതാണ്|оваа порака беше избришана|ಈ ಸಂದೇಶವು ಅಳಿಸಲ್ಪಟ್ಟಿದೆ
esta mensagem foi apagada pelo remetente|ਇਸ ਸੁਨੇਹੇ ਨੂੰ ਹਟਾਇਆ ਗਿਆ|আপনি এই মেসেজটি বাদ দিয়েছেন
آپ نے یہ میسج حذف کر دیا ہے|तुम्ही हा मेसेज हटवला|તમે આ મેસેજ ડિલીટ કર્યો|scrios tú an teachtaireacht seo
binura mo itong mensahe|आपण हा संदेश हटविलात|сіз бұл хатты жойдыңыз|તમે આ સંદેશને રદ્દ કર્યો
आपने यह संदेश मिटाया|siz ushbu xabarni o‘chirdingiz|آپ نے اس پیغام کو حذف کیا|umefuta ujumbe huu
இத்தகவலை தாங்கள் அழித்தீர்கள்|আপনি এই বার্তাটি মুছে ফেলেছেন|jy het boodskap uitgevee|siz bu ismarıcı sildiniz
ഈ സന്ദേശം നിങ്ങൾ ഇല്ലാതാക്കി|ја избриша оваа порака|ನೀವು ಈ ಸಂದೇಶವನ್ನು ಅಳಿಸಿದ್ದೀರಿ|ਤੁਸੀਂ ਇਹ ਸੁਨੇਹਾ ਹਟਾਇਆ
"""

MISSED_CALLS = """
ভয়েস কল মিস করেছেন|مسڈ وائس کال|nieodebrane poł. głosowe|मिस्ड व्हॉइस कॉल|वॉइस कॉल मिस हुई|मिस्ड वॉइस कॉल
છૂટી ગયેલો વોઇસ કૉલ|guthghlao caillte|nakaligtaang voice call|neatbildēts balss zvans|жауапсыз қоңырау
छूटी हुई ध्वनि कॉल|thirrje e shmangur|zgrešen klic|چھوٹی ہوئی صوتی کال|simu ya sauti uliyoikosa
தவறிய குரல் அழைப்பு|praleistas balso skambutis|vastamata häälkõne|propušten glasovni poziv|মিসড ভয়েস কল
stemoproep gemis|buraxılmış zəng|വിളി നഷ്ടപ്പെട്ടു|пропуштен гласовен повик|ತಪ್ಪಿದ ಧ್ವನಿ ಕರೆ
пропуштен гласовни позив|ਮਿਸ ਹੋਈ ਆਵਾਜ਼ ਕਾਲ|ভিডিও কল মিস করেছেন|مسڈ ویڈیو کال|nieodebrane poł. wideo
मिस्ड व्हिडिओ कॉल|मिस्ड वीडियो कॉल|છૂટી ગયેલ વિડિયો કૉલ|físghlao caillte|తప్పిన వీడియోకాల్
nakaligtaang video call|trucada de vídeo perduda|neatbildēts video zvans|mistede video opkald
жауапсыз видео қоңырау|छूटी हुई विडियो कॉल|videothirrje e shmangur|neodgovorjen video klic
چھوٹی ہوئی ویڈیو کال|simu ya video uliyoikosa|தவறிய காணொலி அழைப்பு|สายโทรวิดีโอที่ไม่ได้รับ
تماس تصویری پاسخ داده نشده|praleistas video skambutis|vastamata videokõne|propušten video poziv
মিস করা ভিডিও কল|video-oproep gemis|buraxılmış video zəng|നഷ്ടമായ വീഡിയോ കാൾ|пропуштен видео повик
ತಪ್ಪಿದ ದೃಶ್ಯ ಕರೆ|пропуштен видео позив|ਮਿਸ ਹੋਈ ਵੀਡੀਓ ਕਾਲ
"""

LIVE_LOCATION = """
locație în timp real distribuită|ibinahagi ang live na lokasyon|實時位置已分享|ubicació en directe compartida
byla sdílena aktuální poloha|共享实时位置|ライブロケーション共有|η τωρινή τοποθεσία κοινοποιήθηκε|reāllaika atrašanās vieta
सध्याचे थेट ठिकाण शेअर केले|қазіргі орынмен бөлісті|જીવંત સ્થાન શેર કરાયું|משתף מיקום בשידור חי
lokasi terkini dikongsi|लाइव स्थान साझा किया गया|jonli joylashuv ulashildi|vị trí hiện thời được chia sẻ
vendnodhja aktuale u shpërnda|lokacija v živo je bila deljena|bola zdieľaná aktuálna poloha
جاری مقام کا اشتراک ہوا|mahali mubashara pameshirikishwa|இடம் நேரலையாக பகிரபட்டது|ตำแหน่งปัจจุบันถูกแบ่งปัน
مکان زنده به اشتراک گذاشته شد|tiesioginė vieta bendrinama|hetke asukoht jagatud|trenutna lokacija podijeljena
tartózkodási hely megosztva|местоположение в реално време споделено|লাইভ অবস্থান শেয়ার করা হয়েছে
regstreekse ligging gedeel|canlı məkan paylaşılıb|공유한 실시간 위치|ലൈവ് ലൊക്കേഷൻ പങ്കിട്ടു
споделено локација во живо|ನೇರ ಸ್ಥಳ ಹಂಚಿಕೊಳ್ಳಲಾಗಿದೆ|está a partilhar a sua localização|локација уживо подељена
ਮੌਜੂਦਾ ਟਿਕਾਣਾ ਸਾਂਝਾ ਕੀਤਾ
"""

OMITTED = {
    "image": """
ইমেজ বাদ দেওয়া হয়েছে|تصویر نکال دی گئی ہے|इमेज वगळली|છબી પડતી મૂકાઈ|íomhá ligthe ar lár
""",
    "video": """
ভিডিও বাদ দেওয়া হয়েছে|ویڈیو نظرانداز|व्हिडीओ वगळला|વિડિયો પડતી મુકાઈ|físeán ligthe ar lár|video vynecháno
""",
    "audio": """
অডিও বাদ দেওয়া হয়েছে|آڈیو نظرانداز|ऑडिओ वगळला|ऑडियो हटाई गयी|ઓડિયો ફાઇલ શામેલ કરી નથી|comhad fuaime ar lár
""",
    "sticker": """
sticker non incluso|স্টিকার বাদ দেওয়া হয়েছে|اسٹیکر نظرانداز|स्टिकर वगळले|સ્ટીકર પડતું મુકાયું
fágadh an greamán ar lár
""",
    "animation": """
لم يتم إدراج صورة gif|জিআইএফ বাদ দেওয়া হয়েছে|gif वगळले|gif પડતી મૂકાઈ|gif ligthe ar lár
""",
    "document": """
পরিচিতির কার্ড বাদ দেওয়া হয়েছে|聯絡人卡片已省略|رابطہ کارڈ نظر انداز|संपर्क कार्ड वगळले|कॉन्टैक्ट कार्ड छोड़ा गया
સંપર્કનું કાર્ડ પડતું મૂકાયું|cárta teagmhála ar lár|ডকুমেন্ট বাদ দেওয়া হয়েছে|دستاویز نظرانداز
डॉक्युमेंट वगळले|ડોક્યુમેન્ટ સામેલ કર્યું નહિ|cáipéis ligthe ar lár
""",
    "other": """
మాధ్యమం విస్మరించబడింది|मीडिया वगळले|файл қосылған жоқ|મીડિયા અવગણાયું|fayl o‘tkazib yuborildi|pa media
میڈیا چھوڑ دیا گیا|ஊடகங்கள் நீக்கப்பட்டது|মিডিয়া বাদ দেওয়া হয়েছে|media weggelaat|media çıxarılmışdır
മീഡിയ ഒഴിവാക്കി|без фајл|ಮೀಡಿಯಾ ಕೈಬಿಡಲಾಗಿದೆ|ਮੀਡੀਆ ਛੱਡਿਆ ਗਿਆ|media mancante|медіа відсутня|medien fehlen
ملفات مفقودة|média manquante|המדיה הוסרה
""",
}
