"""The newest holdouts (bench/conversation_sets.py holds the voices and the earlier sets): each built and scored
before the change it checks, never tuned on."""

from __future__ import annotations

from conversation_spec import Spec

# holdout21 (session 32): people never before in one conversation (no pair of them shares any set above), seeds
# 3221-3232: English speakers of one sex in pairs (FLEURS en with a LibriSpeech reader, JFK or TIMIT), mixed and
# one-sex trios and quartets, short answers, overlaps; built and scored on main before any change, never tuned on.
HOLDOUT21 = (
    Spec("h21_two_en1_1272_men_samelang", ("en1m", "r1272m"), seed=3221),
    Spec("h21_two_en7_1995_women_samelang_short", ("en7f", "ls1995f"), short="ls1995f", seed=3222),
    Spec("h21_two_en0_jfk_men_samelang_overlap", ("en0m", "jfkm"), overlap=0.3, seed=3223),
    Spec("h21_two_bush_fr1_mixed_short", ("bushm", "fr1f"), short="fr1f", seed=3224),
    Spec("h21_two_en9_timit_women_samelang_short", ("en9f", "timitf"), short="timitf", seed=3225),
    Spec("h21_three_men_de1_en8_pt5_short", ("de1m", "en8m", "pt5m"), short="pt5m", seed=3226),
    Spec("h21_three_women_es6_fr4_en3_overlap", ("es6f", "fr4f", "en3f"), overlap=0.3, seed=3227),
    Spec("h21_three_mixed_pt8_es3_61_short", ("pt8f", "es3m", "ls61m"), short="ls61m", seed=3228),
    Spec("h21_three_mixed_jfk_pt5_fr0_short", ("jfkm", "pt5m", "fr0f"), short="jfkm", seed=3229),
    Spec("h21_four_men_pt7_fr9_en5_es4", ("pt7m", "fr9m", "en5m", "es4m"), overlap=0.3, seed=3230),
    Spec("h21_four_women_fr4_en4_es9_pt1", ("fr4f", "en4f", "es9f", "pt1f"), seed=3231),
    Spec("h21_four_mixed_es2_fr6_austen_en2_short", ("es2m", "fr6m", "austenm", "en2f"), short="fr6m", seed=3232),
)
# holdout22 (session 33): again people never before in one conversation (no pair of them shares any set above,
# holdout21 included), seeds 3301-3314; jfk's pair and the cards trio are the longer ones. Built and scored on
# main before any change, never tuned on.
HOLDOUT22 = (
    Spec("h22_two_de2_pt7_men", ("de2m", "pt7m"), seed=3301),
    Spec("h22_two_jfk_de5_men_short", ("jfkm", "de5m"), short="de5m", seed=3302),
    Spec("h22_two_2412_en4_women_samelang", ("ls2412f", "en4f"), seed=3303),
    Spec("h22_two_pt9_es6_women_overlap", ("pt9f", "es6f"), overlap=0.3, seed=3304),
    Spec("h22_two_fr4_en8_mixed_short", ("fr4f", "en8m"), short="fr4f", seed=3305),
    Spec("h22_two_sonar2_es1_mixed", ("sonar2f", "es1m"), seed=3306),
    Spec("h22_three_men_es8_61_de0_short", ("es8m", "ls61m", "de0m"), short="ls61m", seed=3307),
    Spec("h22_three_women_en6_fr0_lj_overlap", ("en6f", "fr0f", "ljf"), overlap=0.3, seed=3308),
    Spec("h22_three_mixed_fr1_de8_austen", ("fr1f", "de8f", "austenm"), seed=3309),
    Spec("h22_three_men_pt5_fr5_de7_short", ("pt5m", "fr5m", "de7m"), short="pt5m", seed=3310),
    Spec("h22_three_mixed_fr6_lj_cards", ("fr6m", "ljf", "cardsm"), seed=3311),
    Spec("h22_four_men_de1_en1_es2_fr9_overlap", ("de1m", "en1m", "es2m", "fr9m"), overlap=0.3, seed=3312),
    Spec("h22_four_women_pt8_de8_en4_es0", ("pt8f", "de8f", "en4f", "es0f"), seed=3313),
    Spec("h22_four_mixed_austen_fr7_es8_en0_short", ("austenm", "fr7f", "es8m", "en0m"), short="fr7f", seed=3314),
)
