"""Language code mapping: Whisper / FLORES-200 / M2M-100."""

from __future__ import annotations

import pytest

from app.core.errors import LanguageError
from app.core.translation.langcodes import (
    FLORES_NAMES,
    M2M100_CODES,
    NLLB_CODES,
    WHISPER_TO_FLORES,
    language_name,
    m2m_code,
    to_flores,
    to_m2m,
    uses_spaces,
)


def test_nllb_list_is_the_202_flores_codes():
    assert len(NLLB_CODES) == 202
    assert len(set(NLLB_CODES)) == 202
    assert set(FLORES_NAMES) == set(NLLB_CODES)
    assert {"eng_Latn", "als_Latn", "arb_Arab", "zho_Hans", "zho_Hant", "prs_Arab"} <= set(
        NLLB_CODES
    )


def test_every_whisper_language_maps_into_nllb_or_is_named_unsupported():
    assert len(WHISPER_TO_FLORES) == 100
    for code, flores in WHISPER_TO_FLORES.items():
        if flores is None:
            with pytest.raises(LanguageError, match="not one of the NLLB-200 languages"):
                to_flores(code)
        else:
            assert to_flores(code) == flores
            assert flores in NLLB_CODES


@pytest.mark.parametrize(
    ("code", "flores"),
    [
        ("en", "eng_Latn"),
        ("pl", "pol_Latn"),
        ("ro", "ron_Latn"),
        ("vi", "vie_Latn"),
        ("sq", "als_Latn"),
        ("ar", "arb_Arab"),
        ("de", "deu_Latn"),
        ("fr", "fra_Latn"),
        ("es", "spa_Latn"),
        ("pt", "por_Latn"),
        ("ru", "rus_Cyrl"),
        ("zh", "zho_Hans"),
        ("uk", "ukr_Cyrl"),
        ("tr", "tur_Latn"),
        ("fa", "pes_Arab"),
        ("ur", "urd_Arab"),
        ("pa", "pan_Guru"),
        ("so", "som_Latn"),
        ("ku", "kmr_Latn"),
        ("lv", "lvs_Latn"),
        ("el", "ell_Grek"),
        ("jw", "jav_Latn"),
        ("yue", "yue_Hant"),
        ("ms", "zsm_Latn"),
        ("EN", "eng_Latn"),
        (" pl ", "pol_Latn"),
        ("zh-TW", "zho_Hant"),
    ],
)
def test_to_flores_from_whisper_codes(code, flores):
    assert to_flores(code) == flores


def test_to_flores_accepts_flores_and_m2m_spellings():
    assert to_flores("pol_Latn") == "pol_Latn"
    assert to_flores("pol_latn") == "pol_Latn"
    assert to_flores("__pl__") == "pol_Latn"


@pytest.mark.parametrize("code", ["xx", "", "english", "pol_Xxxx", "zz_Latn"])
def test_unknown_code_is_a_one_line_language_error(code):
    with pytest.raises(LanguageError) as info:
        to_flores(code)
    assert "unknown language code" in str(info.value)
    assert "\n" not in str(info.value)


def test_to_m2m():
    assert to_m2m("en") == "__en__"
    assert to_m2m("pol_Latn") == "__pl__"
    assert to_m2m("als_Latn") == "__sq__"
    assert to_m2m("jw") == "__jv__"
    assert to_m2m("__de__") == "__de__"
    assert to_m2m("br") == "__br__"  # in M2M-100 though not in NLLB-200
    assert m2m_code("nso_Latn") == "ns"
    assert len(M2M100_CODES) == 100


def test_to_m2m_rejects_languages_m2m_lacks():
    with pytest.raises(LanguageError, match="not in M2M-100"):
        to_m2m("mt")  # Maltese: NLLB-200 has it, M2M-100 does not
    with pytest.raises(LanguageError, match="unknown language code 'xx'"):
        to_m2m("xx")


def test_language_name():
    assert language_name("pl") == "Polish"
    assert language_name("pol_Latn") == "Polish"
    assert language_name("__pl__") == "Polish"
    assert language_name("sq") == "Albanian (Tosk)"
    assert language_name("la") == "Latin"
    with pytest.raises(LanguageError):
        language_name("xx")


def test_uses_spaces():
    assert uses_spaces("en")
    assert uses_spaces("ar")
    assert not uses_spaces("zh")
    assert not uses_spaces("ja")
    assert not uses_spaces("th")
