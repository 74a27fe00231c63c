"""Language codes: Whisper (ISO 639-1 style) <-> FLORES-200 (NLLB-200) <-> M2M-100.

Whisper reports `pl`, NLLB-200 wants `pol_Latn`, M2M-100 wants `__pl__`. Every
function here accepts any of the three spellings and raises LanguageError with
one line for a code it cannot place.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.core.errors import LanguageError

# The 202 FLORES-200 codes NLLB-200 was trained on, in the order of the model's
# vocabulary (transformers' NllbTokenizer FAIRSEQ_LANGUAGE_CODES).
# fmt: off
NLLB_CODES: tuple[str, ...] = (
    "ace_Arab", "ace_Latn", "acm_Arab", "acq_Arab", "aeb_Arab", "afr_Latn", "ajp_Arab", "aka_Latn",
    "amh_Ethi", "apc_Arab", "arb_Arab", "ars_Arab", "ary_Arab", "arz_Arab", "asm_Beng", "ast_Latn",
    "awa_Deva", "ayr_Latn", "azb_Arab", "azj_Latn", "bak_Cyrl", "bam_Latn", "ban_Latn", "bel_Cyrl",
    "bem_Latn", "ben_Beng", "bho_Deva", "bjn_Arab", "bjn_Latn", "bod_Tibt", "bos_Latn", "bug_Latn",
    "bul_Cyrl", "cat_Latn", "ceb_Latn", "ces_Latn", "cjk_Latn", "ckb_Arab", "crh_Latn", "cym_Latn",
    "dan_Latn", "deu_Latn", "dik_Latn", "dyu_Latn", "dzo_Tibt", "ell_Grek", "eng_Latn", "epo_Latn",
    "est_Latn", "eus_Latn", "ewe_Latn", "fao_Latn", "pes_Arab", "fij_Latn", "fin_Latn", "fon_Latn",
    "fra_Latn", "fur_Latn", "fuv_Latn", "gla_Latn", "gle_Latn", "glg_Latn", "grn_Latn", "guj_Gujr",
    "hat_Latn", "hau_Latn", "heb_Hebr", "hin_Deva", "hne_Deva", "hrv_Latn", "hun_Latn", "hye_Armn",
    "ibo_Latn", "ilo_Latn", "ind_Latn", "isl_Latn", "ita_Latn", "jav_Latn", "jpn_Jpan", "kab_Latn",
    "kac_Latn", "kam_Latn", "kan_Knda", "kas_Arab", "kas_Deva", "kat_Geor", "knc_Arab", "knc_Latn",
    "kaz_Cyrl", "kbp_Latn", "kea_Latn", "khm_Khmr", "kik_Latn", "kin_Latn", "kir_Cyrl", "kmb_Latn",
    "kon_Latn", "kor_Hang", "kmr_Latn", "lao_Laoo", "lvs_Latn", "lij_Latn", "lim_Latn", "lin_Latn",
    "lit_Latn", "lmo_Latn", "ltg_Latn", "ltz_Latn", "lua_Latn", "lug_Latn", "luo_Latn", "lus_Latn",
    "mag_Deva", "mai_Deva", "mal_Mlym", "mar_Deva", "min_Latn", "mkd_Cyrl", "plt_Latn", "mlt_Latn",
    "mni_Beng", "khk_Cyrl", "mos_Latn", "mri_Latn", "zsm_Latn", "mya_Mymr", "nld_Latn", "nno_Latn",
    "nob_Latn", "npi_Deva", "nso_Latn", "nus_Latn", "nya_Latn", "oci_Latn", "gaz_Latn", "ory_Orya",
    "pag_Latn", "pan_Guru", "pap_Latn", "pol_Latn", "por_Latn", "prs_Arab", "pbt_Arab", "quy_Latn",
    "ron_Latn", "run_Latn", "rus_Cyrl", "sag_Latn", "san_Deva", "sat_Beng", "scn_Latn", "shn_Mymr",
    "sin_Sinh", "slk_Latn", "slv_Latn", "smo_Latn", "sna_Latn", "snd_Arab", "som_Latn", "sot_Latn",
    "spa_Latn", "als_Latn", "srd_Latn", "srp_Cyrl", "ssw_Latn", "sun_Latn", "swe_Latn", "swh_Latn",
    "szl_Latn", "tam_Taml", "tat_Cyrl", "tel_Telu", "tgk_Cyrl", "tgl_Latn", "tha_Thai", "tir_Ethi",
    "taq_Latn", "taq_Tfng", "tpi_Latn", "tsn_Latn", "tso_Latn", "tuk_Latn", "tum_Latn", "tur_Latn",
    "twi_Latn", "tzm_Tfng", "uig_Arab", "ukr_Cyrl", "umb_Latn", "urd_Arab", "uzn_Latn", "vec_Latn",
    "vie_Latn", "war_Latn", "wol_Latn", "xho_Latn", "ydd_Hebr", "yor_Latn", "yue_Hant", "zho_Hans",
    "zho_Hant", "zul_Latn",
)

# The 100 languages of M2M-100 (418M / 1.2B), as in its vocabulary (`__af__` ...).
M2M100_CODES: tuple[str, ...] = (
    "af", "am", "ar", "ast", "az", "ba", "be", "bg", "bn", "br", "bs", "ca", "ceb", "cs", "cy",
    "da", "de", "el", "en", "es", "et", "fa", "ff", "fi", "fr", "fy", "ga", "gd", "gl", "gu", "ha",
    "he", "hi", "hr", "ht", "hu", "hy", "id", "ig", "ilo", "is", "it", "ja", "jv", "ka", "kk", "km",
    "kn", "ko", "lb", "lg", "ln", "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr", "ms", "my", "ne",
    "nl", "no", "ns", "oc", "or", "pa", "pl", "ps", "pt", "ro", "ru", "sd", "si", "sk", "sl", "so",
    "sq", "sr", "ss", "su", "sv", "sw", "ta", "th", "tl", "tn", "tr", "uk", "ur", "uz", "vi", "wo",
    "xh", "yi", "yo", "zh", "zu",
)

# Whisper's language codes (all 100) and the NLLB-200 language each maps to.
# Whisper languages NLLB-200 lacks map to None: Latin, Breton, Hawaiian.
WHISPER_TO_FLORES: dict[str, str | None] = {
    "en": "eng_Latn", "zh": "zho_Hans", "de": "deu_Latn", "es": "spa_Latn", "ru": "rus_Cyrl",
    "ko": "kor_Hang", "fr": "fra_Latn", "ja": "jpn_Jpan", "pt": "por_Latn", "tr": "tur_Latn",
    "pl": "pol_Latn", "ca": "cat_Latn", "nl": "nld_Latn", "ar": "arb_Arab", "sv": "swe_Latn",
    "it": "ita_Latn", "id": "ind_Latn", "hi": "hin_Deva", "fi": "fin_Latn", "vi": "vie_Latn",
    "he": "heb_Hebr", "uk": "ukr_Cyrl", "el": "ell_Grek", "ms": "zsm_Latn", "cs": "ces_Latn",
    "ro": "ron_Latn", "da": "dan_Latn", "hu": "hun_Latn", "ta": "tam_Taml", "no": "nob_Latn",
    "th": "tha_Thai", "ur": "urd_Arab", "hr": "hrv_Latn", "bg": "bul_Cyrl", "lt": "lit_Latn",
    "la": None, "mi": "mri_Latn", "ml": "mal_Mlym", "cy": "cym_Latn", "sk": "slk_Latn",
    "te": "tel_Telu", "fa": "pes_Arab", "lv": "lvs_Latn", "bn": "ben_Beng", "sr": "srp_Cyrl",
    "az": "azj_Latn", "sl": "slv_Latn", "kn": "kan_Knda", "et": "est_Latn", "mk": "mkd_Cyrl",
    "br": None, "eu": "eus_Latn", "is": "isl_Latn", "hy": "hye_Armn", "ne": "npi_Deva",
    "mn": "khk_Cyrl", "bs": "bos_Latn", "kk": "kaz_Cyrl", "sq": "als_Latn", "sw": "swh_Latn",
    "gl": "glg_Latn", "mr": "mar_Deva", "pa": "pan_Guru", "si": "sin_Sinh", "km": "khm_Khmr",
    "sn": "sna_Latn", "yo": "yor_Latn", "so": "som_Latn", "af": "afr_Latn", "oc": "oci_Latn",
    "ka": "kat_Geor", "be": "bel_Cyrl", "tg": "tgk_Cyrl", "sd": "snd_Arab", "gu": "guj_Gujr",
    "am": "amh_Ethi", "yi": "ydd_Hebr", "lo": "lao_Laoo", "uz": "uzn_Latn", "fo": "fao_Latn",
    "ht": "hat_Latn", "ps": "pbt_Arab", "tk": "tuk_Latn", "nn": "nno_Latn", "mt": "mlt_Latn",
    "sa": "san_Deva", "lb": "ltz_Latn", "my": "mya_Mymr", "bo": "bod_Tibt", "tl": "tgl_Latn",
    "mg": "plt_Latn", "as": "asm_Beng", "tt": "tat_Cyrl", "haw": None, "ln": "lin_Latn",
    "ha": "hau_Latn", "ba": "bak_Cyrl", "jw": "jav_Latn", "su": "sun_Latn", "yue": "yue_Hant",
}

# Other common short codes a user (or another tool) may type.
EXTRA_TO_FLORES: dict[str, str] = {
    "iw": "heb_Hebr", "jv": "jav_Latn", "nb": "nob_Latn", "ku": "kmr_Latn", "kmr": "kmr_Latn",
    "ckb": "ckb_Arab", "prs": "prs_Arab", "zh-hans": "zho_Hans", "zh-cn": "zho_Hans",
    "zh-hant": "zho_Hant", "zh-tw": "zho_Hant", "zh-hk": "yue_Hant", "ga": "gle_Latn",
    "gd": "gla_Latn", "ig": "ibo_Latn", "xh": "xho_Latn", "zu": "zul_Latn", "rw": "kin_Latn",
    "ti": "tir_Ethi", "om": "gaz_Latn", "ky": "kir_Cyrl", "ug": "uig_Arab", "eo": "epo_Latn",
    "ny": "nya_Latn", "st": "sot_Latn", "tn": "tsn_Latn", "ts": "tso_Latn", "ss": "ssw_Latn",
    "wo": "wol_Latn", "lg": "lug_Latn", "ak": "aka_Latn", "ee": "ewe_Latn", "ff": "fuv_Latn",
    "fj": "fij_Latn", "sm": "smo_Latn", "qu": "quy_Latn", "gn": "grn_Latn", "ay": "ayr_Latn",
    "or": "ory_Orya", "ks": "kas_Arab", "dz": "dzo_Tibt", "ceb": "ceb_Latn", "ast": "ast_Latn",
    "ilo": "ilo_Latn", "ns": "nso_Latn", "nso": "nso_Latn", "ki": "kik_Latn", "rn": "run_Latn",
    "sg": "sag_Latn", "sc": "srd_Latn", "li": "lim_Latn", "bm": "bam_Latn", "kg": "kon_Latn",
    "tw": "twi_Latn", "ar-eg": "arz_Arab", "ar-ma": "ary_Arab",
}

# FLORES-200 code -> M2M-100 code, where M2M-100 has the language.
_FLORES_TO_M2M_EXTRA: dict[str, str] = {
    "jav_Latn": "jv", "gle_Latn": "ga", "gla_Latn": "gd", "ibo_Latn": "ig", "xho_Latn": "xh",
    "zul_Latn": "zu", "fuv_Latn": "ff", "ory_Orya": "or", "ceb_Latn": "ceb", "ast_Latn": "ast",
    "ilo_Latn": "ilo", "nso_Latn": "ns", "ssw_Latn": "ss", "tsn_Latn": "tn", "wol_Latn": "wo",
    "lug_Latn": "lg", "zho_Hant": "zh", "yue_Hant": "zh",
}

# English names of the NLLB-200 languages (FLORES-200 naming).
FLORES_NAMES: dict[str, str] = {
    "ace_Arab": "Acehnese (Arabic script)", "ace_Latn": "Acehnese (Latin script)",
    "acm_Arab": "Mesopotamian Arabic", "acq_Arab": "Ta'izzi-Adeni Arabic",
    "aeb_Arab": "Tunisian Arabic", "afr_Latn": "Afrikaans", "ajp_Arab": "South Levantine Arabic",
    "aka_Latn": "Akan", "amh_Ethi": "Amharic", "apc_Arab": "North Levantine Arabic",
    "arb_Arab": "Arabic (Modern Standard)", "ars_Arab": "Najdi Arabic",
    "ary_Arab": "Moroccan Arabic", "arz_Arab": "Egyptian Arabic", "asm_Beng": "Assamese",
    "ast_Latn": "Asturian", "awa_Deva": "Awadhi", "ayr_Latn": "Central Aymara",
    "azb_Arab": "South Azerbaijani", "azj_Latn": "North Azerbaijani", "bak_Cyrl": "Bashkir",
    "bam_Latn": "Bambara", "ban_Latn": "Balinese", "bel_Cyrl": "Belarusian", "bem_Latn": "Bemba",
    "ben_Beng": "Bengali", "bho_Deva": "Bhojpuri", "bjn_Arab": "Banjar (Arabic script)",
    "bjn_Latn": "Banjar (Latin script)", "bod_Tibt": "Standard Tibetan", "bos_Latn": "Bosnian",
    "bug_Latn": "Buginese", "bul_Cyrl": "Bulgarian", "cat_Latn": "Catalan", "ceb_Latn": "Cebuano",
    "ces_Latn": "Czech", "cjk_Latn": "Chokwe", "ckb_Arab": "Central Kurdish (Sorani)",
    "crh_Latn": "Crimean Tatar", "cym_Latn": "Welsh", "dan_Latn": "Danish", "deu_Latn": "German",
    "dik_Latn": "Southwestern Dinka", "dyu_Latn": "Dyula", "dzo_Tibt": "Dzongkha",
    "ell_Grek": "Greek", "eng_Latn": "English", "epo_Latn": "Esperanto", "est_Latn": "Estonian",
    "eus_Latn": "Basque", "ewe_Latn": "Ewe", "fao_Latn": "Faroese", "pes_Arab": "Western Persian",
    "fij_Latn": "Fijian", "fin_Latn": "Finnish", "fon_Latn": "Fon", "fra_Latn": "French",
    "fur_Latn": "Friulian", "fuv_Latn": "Nigerian Fulfulde", "gla_Latn": "Scottish Gaelic",
    "gle_Latn": "Irish", "glg_Latn": "Galician", "grn_Latn": "Guarani", "guj_Gujr": "Gujarati",
    "hat_Latn": "Haitian Creole", "hau_Latn": "Hausa", "heb_Hebr": "Hebrew", "hin_Deva": "Hindi",
    "hne_Deva": "Chhattisgarhi", "hrv_Latn": "Croatian", "hun_Latn": "Hungarian",
    "hye_Armn": "Armenian", "ibo_Latn": "Igbo", "ilo_Latn": "Ilocano", "ind_Latn": "Indonesian",
    "isl_Latn": "Icelandic", "ita_Latn": "Italian", "jav_Latn": "Javanese",
    "jpn_Jpan": "Japanese", "kab_Latn": "Kabyle", "kac_Latn": "Jingpho", "kam_Latn": "Kamba",
    "kan_Knda": "Kannada", "kas_Arab": "Kashmiri (Arabic script)",
    "kas_Deva": "Kashmiri (Devanagari script)", "kat_Geor": "Georgian",
    "knc_Arab": "Central Kanuri (Arabic script)", "knc_Latn": "Central Kanuri (Latin script)",
    "kaz_Cyrl": "Kazakh", "kbp_Latn": "Kabiyè", "kea_Latn": "Kabuverdianu", "khm_Khmr": "Khmer",
    "kik_Latn": "Kikuyu", "kin_Latn": "Kinyarwanda", "kir_Cyrl": "Kyrgyz", "kmb_Latn": "Kimbundu",
    "kon_Latn": "Kikongo", "kor_Hang": "Korean", "kmr_Latn": "Northern Kurdish (Kurmanji)",
    "lao_Laoo": "Lao", "lvs_Latn": "Latvian", "lij_Latn": "Ligurian", "lim_Latn": "Limburgish",
    "lin_Latn": "Lingala", "lit_Latn": "Lithuanian", "lmo_Latn": "Lombard", "ltg_Latn": "Latgalian",
    "ltz_Latn": "Luxembourgish", "lua_Latn": "Luba-Kasai", "lug_Latn": "Ganda", "luo_Latn": "Luo",
    "lus_Latn": "Mizo", "mag_Deva": "Magahi", "mai_Deva": "Maithili", "mal_Mlym": "Malayalam",
    "mar_Deva": "Marathi", "min_Latn": "Minangkabau", "mkd_Cyrl": "Macedonian",
    "plt_Latn": "Plateau Malagasy", "mlt_Latn": "Maltese", "mni_Beng": "Meitei (Bengali script)",
    "khk_Cyrl": "Halh Mongolian", "mos_Latn": "Mossi", "mri_Latn": "Maori",
    "zsm_Latn": "Standard Malay", "mya_Mymr": "Burmese", "nld_Latn": "Dutch",
    "nno_Latn": "Norwegian Nynorsk", "nob_Latn": "Norwegian Bokmål", "npi_Deva": "Nepali",
    "nso_Latn": "Northern Sotho", "nus_Latn": "Nuer", "nya_Latn": "Nyanja", "oci_Latn": "Occitan",
    "gaz_Latn": "West Central Oromo", "ory_Orya": "Odia", "pag_Latn": "Pangasinan",
    "pan_Guru": "Eastern Panjabi", "pap_Latn": "Papiamento", "pol_Latn": "Polish",
    "por_Latn": "Portuguese", "prs_Arab": "Dari", "pbt_Arab": "Southern Pashto",
    "quy_Latn": "Ayacucho Quechua", "ron_Latn": "Romanian", "run_Latn": "Rundi",
    "rus_Cyrl": "Russian", "sag_Latn": "Sango", "san_Deva": "Sanskrit", "sat_Beng": "Santali",
    "scn_Latn": "Sicilian", "shn_Mymr": "Shan", "sin_Sinh": "Sinhala", "slk_Latn": "Slovak",
    "slv_Latn": "Slovenian", "smo_Latn": "Samoan", "sna_Latn": "Shona", "snd_Arab": "Sindhi",
    "som_Latn": "Somali", "sot_Latn": "Southern Sotho", "spa_Latn": "Spanish",
    "als_Latn": "Albanian (Tosk)", "srd_Latn": "Sardinian", "srp_Cyrl": "Serbian",
    "ssw_Latn": "Swati", "sun_Latn": "Sundanese", "swe_Latn": "Swedish", "swh_Latn": "Swahili",
    "szl_Latn": "Silesian", "tam_Taml": "Tamil", "tat_Cyrl": "Tatar", "tel_Telu": "Telugu",
    "tgk_Cyrl": "Tajik", "tgl_Latn": "Tagalog", "tha_Thai": "Thai", "tir_Ethi": "Tigrinya",
    "taq_Latn": "Tamasheq (Latin script)", "taq_Tfng": "Tamasheq (Tifinagh script)",
    "tpi_Latn": "Tok Pisin", "tsn_Latn": "Tswana", "tso_Latn": "Tsonga", "tuk_Latn": "Turkmen",
    "tum_Latn": "Tumbuka", "tur_Latn": "Turkish", "twi_Latn": "Twi",
    "tzm_Tfng": "Central Atlas Tamazight", "uig_Arab": "Uyghur", "ukr_Cyrl": "Ukrainian",
    "umb_Latn": "Umbundu", "urd_Arab": "Urdu", "uzn_Latn": "Northern Uzbek",
    "vec_Latn": "Venetian", "vie_Latn": "Vietnamese", "war_Latn": "Waray", "wol_Latn": "Wolof",
    "xho_Latn": "Xhosa", "ydd_Hebr": "Eastern Yiddish", "yor_Latn": "Yoruba",
    "yue_Hant": "Cantonese", "zho_Hans": "Chinese (Simplified)",
    "zho_Hant": "Chinese (Traditional)", "zul_Latn": "Zulu",
}
# fmt: on

# Names for the few Whisper languages with no NLLB-200 equivalent.
_UNSUPPORTED_NAMES = {"la": "Latin", "br": "Breton", "haw": "Hawaiian"}

# FLORES scripts whose text is written without spaces between words.
NO_SPACE_SCRIPTS = frozenset({"Hans", "Hant", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"})

_NLLB_SET = frozenset(NLLB_CODES)
_NLLB_BY_LOWER = {code.lower(): code for code in NLLB_CODES}
_M2M_SET = frozenset(M2M100_CODES)


def _unknown(code: str) -> LanguageError:
    return LanguageError(f"unknown language code '{code}' ({code_hint(code)})")


def code_hint(code: str, known: Iterable[str] = ()) -> str:
    """What to write instead of an unknown code: `en` for `en-GB` or `English` when `known` (or
    Whisper's codes) has it, else where the codes are listed."""
    known = frozenset(known) or frozenset(WHISPER_TO_FLORES)
    typed = str(code).strip().lower()
    base = typed.replace("_", "-").split("-", 1)[0]
    if base != typed and base in known:
        return f"write '{base}': regional variants are not told apart"
    by_name = next((short for short, flores in WHISPER_TO_FLORES.items() if short in known and flores
                    and FLORES_NAMES[flores].lower().split(" (")[0] == typed), None)
    if by_name:
        return f"did you mean '{by_name}'?"
    return "two-letter codes such as en, de, pl, ro; `python -m app translate --list-languages` lists them"


def _clean(code: str) -> str:
    if not isinstance(code, str) or not code.strip():
        raise _unknown(str(code))
    return code.strip()


def is_flores(code: str) -> bool:
    return code in _NLLB_SET


def to_flores(code: str) -> str:
    """`pl` / `pol_Latn` / `__pl__` -> `pol_Latn`; LanguageError for anything else."""
    code = _clean(code)
    if code in _NLLB_SET:
        return code
    if code.lower() in _NLLB_BY_LOWER:
        return _NLLB_BY_LOWER[code.lower()]
    short = code.lower()
    if short.startswith("__") and short.endswith("__"):
        short = short[2:-2]
    if short in WHISPER_TO_FLORES:
        flores = WHISPER_TO_FLORES[short]
        if flores is None:
            raise LanguageError(
                f"language '{code}' ({_UNSUPPORTED_NAMES.get(short, short)}) "
                "is not one of the NLLB-200 languages"
            )
        return flores
    if short in EXTRA_TO_FLORES:
        return EXTRA_TO_FLORES[short]
    raise _unknown(code)


def _flores_to_short(flores: str) -> str | None:
    if flores in _FLORES_TO_M2M_EXTRA:
        return _FLORES_TO_M2M_EXTRA[flores]
    for short, value in WHISPER_TO_FLORES.items():
        if value == flores:
            return short
    return None


def m2m_code(code: str) -> str:
    """The bare M2M-100 code (`pl`) for any accepted spelling; LanguageError if M2M-100 lacks it."""
    code = _clean(code)
    short = code.lower()
    if short.startswith("__") and short.endswith("__"):
        short = short[2:-2]
    if short in _M2M_SET:
        return short
    if short == "jw":
        return "jv"
    flores = to_flores(code)
    m2m = _flores_to_short(flores)
    if m2m is None or m2m not in _M2M_SET:
        raise LanguageError(f"language '{code}' ({language_name(flores)}) is not in M2M-100")
    return m2m


def to_m2m(code: str) -> str:
    """`pl` / `pol_Latn` -> `__pl__` (the M2M-100 language token)."""
    return f"__{m2m_code(code)}__"


def language_name(code: str) -> str:
    """English name of a language given in any accepted spelling."""
    short = code.strip().lower() if isinstance(code, str) else ""
    if short.startswith("__") and short.endswith("__"):
        short = short[2:-2]
    if short in _UNSUPPORTED_NAMES:
        return _UNSUPPORTED_NAMES[short]
    return FLORES_NAMES[to_flores(short or str(code))]


def flores_script(code: str) -> str:
    """The ISO 15924 script of a language (`Latn`, `Cyrl`, `Hans`...)."""
    return to_flores(code).split("_", 1)[1]


def uses_spaces(code: str) -> bool:
    """False for languages written without spaces between words (Chinese, Japanese, Thai...)."""
    return flores_script(code) not in NO_SPACE_SCRIPTS
