"""The voices and the conversation sets bench/make_conversations.py builds (specs only, no audio).

A voice is one real person: the clips they read (from <shared>/eval/speech). A set is a tuple of
Spec, each a conversation: its voices, the chance a turn overlaps the previous one, the voice that
gives only short answers, and the seed. Every holdout was built and scored before the change it
checks, never tuned on; a new holdout uses pairings of voices no set before it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversation_spec import Spec
from fresh_sets import HOLDOUT21, HOLDOUT22


@dataclass(frozen=True)
class Voice:
    """One real person: the clips they read (a 'file:left|right' picks a channel)."""

    name: str
    clips: tuple[str, ...]
    note: str


def _fleurs(lang: str, number: int, sex: str) -> Voice:
    return Voice(f"{lang}{number}{sex}", (f"cuttledoc__fleurs-{lang}-{number:03d}.ogg",),
                 f"FLEURS {lang} clip {number:03d} ({sex} by pitch)")


VOICES = {v.name: v for v in (
    _fleurs("de", 9, "m"), _fleurs("de", 7, "m"), _fleurs("de", 0, "m"), _fleurs("de", 2, "m"),
    _fleurs("de", 4, "f"), _fleurs("en", 2, "f"), _fleurs("en", 5, "m"), _fleurs("en", 8, "m"),
    _fleurs("es", 0, "f"), _fleurs("es", 1, "m"), _fleurs("es", 9, "f"), _fleurs("fr", 0, "f"),
    _fleurs("fr", 1, "f"), _fleurs("fr", 9, "m"), _fleurs("pt", 0, "m"), _fleurs("pt", 1, "f"),
    _fleurs("pt", 5, "m"), _fleurs("pt", 6, "f"), _fleurs("pt", 8, "f"), _fleurs("pt", 9, "f"),
    Voice("ls2412f", ("lhotse__2412-153948-0000.flac",), "LibriSpeech dev-clean reader 2412 (f)"),
    Voice("ls1995f", ("wenet__librispeech-1995-1837-0001.wav",), "LibriSpeech test-clean reader 1995 (f)"),
    Voice("ls61m", ("faster-whisper__stereo_diarization.wav:left",), "LibriSpeech test-clean reader 61 (m)"),
    Voice("ls260m", ("faster-whisper__stereo_diarization.wav:right",), "LibriSpeech test-clean reader 260 (m)"),
    Voice("jfkm", ("faster-whisper__jfk.flac",), "J. F. Kennedy, 1961 inaugural (m)"),
    Voice("cardsm", tuple(f"pocketsphinx__{n:03d}.wav" for n in range(1, 6)),
          "CMU Sphinx cards test recordings, one speaker (m)"),
    # holdout voices: used by neither eval/diar nor SPECS
    _fleurs("de", 3, "m"), _fleurs("de", 6, "m"), _fleurs("de", 8, "f"), _fleurs("en", 0, "m"),
    _fleurs("en", 1, "m"), _fleurs("en", 3, "f"), _fleurs("en", 6, "f"), _fleurs("en", 7, "f"),
    _fleurs("en", 9, "f"), _fleurs("es", 2, "m"), _fleurs("es", 3, "m"), _fleurs("es", 4, "m"),
    _fleurs("es", 5, "m"), _fleurs("es", 7, "f"), _fleurs("es", 8, "m"), _fleurs("fr", 2, "m"),
    _fleurs("fr", 3, "f"), _fleurs("fr", 4, "f"), _fleurs("fr", 5, "m"), _fleurs("fr", 6, "m"),
    _fleurs("fr", 7, "f"), _fleurs("fr", 8, "f"), _fleurs("pt", 2, "f"), _fleurs("pt", 3, "f"),
    _fleurs("pt", 4, "f"), _fleurs("pt", 7, "m"),
    Voice("leopardm", ("leopard__test.wav",),
          "LibriSpeech dev-clean 1272-128104-0000, Picovoice leopard's test clip: reader 1272 (m)"),
    Voice("timitf", ("coqui-STT__LDC93S1.wav",), "TIMIT sample utterance LDC93S1 (f)"),
    # holdout7 voices (session 18): used by no set before; SONAR's two clips are FLEURS English
    # readers, so neither shares a conversation with an English FLEURS clip or with the other
    _fleurs("de", 1, "m"), _fleurs("de", 5, "m"), _fleurs("en", 4, "f"), _fleurs("es", 6, "f"),
    Voice("sonar1f", ("SONAR__audio_1.wav",), "FLEURS English via SONAR's test audio 1 (f by pitch)"),
    Voice("sonar2f", ("SONAR__audio_2.wav",), "FLEURS English via SONAR's test audio 2 (f by pitch)"),
    # holdout9 voices (session 20): the eval/diar people, whom no set above uses, from clips or
    # stretches eval/diar does not use where there are any (LJSpeech 0018-0022; 30 s of the
    # radio address), in new company
    Voice("ljf", tuple(f"coqui-TTS__LJ001-{n:04d}.wav" for n in range(18, 23)),
          "LJSpeech reader Linda Johnson, clips eval/diar does not use (f)"),
    Voice("bushm", ("distributed-realtime-translator__gb0.wav@30-62",),
          "G. W. Bush, 2008 radio address, 30-62 s (m)"),
    Voice("osr8k", ("joinly__OSR_us_000_0034_8k.wav",), "Open Speech Repository reader, 8 kHz (140 Hz)"),
    Voice("r1272m", ("onnxruntime-extensions__1272-141231-0002.flac",), "LibriSpeech dev-clean reader 1272 (m)"),
    Voice("austenm", tuple(f"pocketsphinx__sense_and_sensibility_01_austen_64kb-{n:04d}.wav"
                           for n in (870, 880, 890, 920, 930)), "LibriVox Sense and Sensibility reader (m)"),
    # holdout12 voice (session 23): reader 1272 again, another chapter resampled to 8 kHz
    Voice("r1272m8k", ("onnxruntime-extensions__1272-128104-0004-8k.wav",),
          "LibriSpeech dev-clean 1272-128104-0004 at 8 kHz: reader 1272 (m)"),
)}

# Voices that are one person: the leopard test clip is LibriSpeech dev-clean 1272-128104-0000, read by
# reader 1272 (session 23 found it from eval/speech.json). A conversation holding two of them has one
# speaker there, not two: references label them as one person and count them once.
PERSON = {"leopardm": "r1272m", "r1272m8k": "r1272m"}


def person(voice: str) -> str:
    """The person a voice's clips are of (a voice's own name unless listed in PERSON)."""
    return PERSON.get(voice, voice)


SPECS = (
    Spec("two_de_fr", ("de9m", "fr1f"), seed=1),
    Spec("two_en_2412_1995_samesex", ("ls2412f", "ls1995f"), seed=2),
    Spec("two_en_fleurs_jfk_samesex", ("en5m", "jfkm"), overlap=0.4, seed=3),
    Spec("two_de_cards_short", ("de9m", "cardsm"), short="cardsm", seed=4),
    Spec("two_fr_jfk_short", ("fr1f", "jfkm"), short="jfkm", seed=5),
    Spec("two_pt_2412_short_samesex", ("pt8f", "ls2412f"), short="ls2412f", seed=6),
    Spec("two_pt_es_overlap_samesex", ("pt9f", "es9f"), overlap=0.5, seed=7),
    Spec("three_de_es_pt", ("de0m", "es0f", "pt5m"), overlap=0.4, seed=8),
    Spec("three_en_fleurs_jfk_1995", ("en2f", "jfkm", "ls1995f"), seed=9),
    Spec("three_fr_pt_es_women", ("fr1f", "pt6f", "es9f"), overlap=0.4, seed=10),
    Spec("three_es_de_cards_short", ("es1m", "de4f", "cardsm"), short="cardsm", seed=11),
    Spec("four_men_de_en_fr_pt", ("de7m", "en8m", "fr9m", "pt0m"), overlap=0.4, seed=12),
    Spec("four_de_es_fr_pt", ("de2m", "es1m", "fr0f", "pt1f"), seed=13),
    Spec("four_librispeech", ("ls2412f", "ls1995f", "ls61m", "ls260m"), overlap=0.3, seed=14),
)

# A holdout: other voices, other seeds; built to check a change tuned on SPECS, never tuned on.
HOLDOUT = (
    Spec("h_two_de_fr", ("de3m", "fr7f"), seed=101),
    Spec("h_two_en_es_samesex", ("en0m", "es2m"), seed=102),
    Spec("h_two_fr_pt_women_overlap", ("fr3f", "pt4f"), overlap=0.4, seed=103),
    Spec("h_two_es_leopard_short", ("es7f", "leopardm"), short="leopardm", seed=104),
    Spec("h_two_de_timit_short", ("de6m", "timitf"), short="timitf", seed=105),
    Spec("h_two_pt_en_overlap", ("pt7m", "en9f"), overlap=0.5, seed=106),
    Spec("h_three_en_es_fr", ("en6f", "es4m", "fr2m"), overlap=0.3, seed=107),
    Spec("h_three_women_en_es_pt", ("en7f", "es7f", "pt3f"), overlap=0.4, seed=108),
    Spec("h_three_men_fr_pt_leopard", ("fr5m", "pt7m", "leopardm"), short="leopardm", seed=109),
    Spec("h_three_de_en_es", ("de8f", "en3f", "es5m"), seed=110),
    Spec("h_four_men_de_en_es_fr", ("de3m", "en1m", "es8m", "fr6m"), overlap=0.3, seed=111),
    Spec("h_four_women_en_fr_pt_es", ("en9f", "fr4f", "pt2f", "es7f"), seed=112),
    Spec("h_four_de_en_fr_pt", ("de6m", "en6f", "fr3f", "pt7m"), overlap=0.4, seed=113),
    Spec("h_four_es_fr_pt_timit", ("es3m", "fr8f", "pt4f", "timitf"), short="timitf", seed=114),
)

# A second holdout: the voices of both sets in other combinations, other seeds (session 12).
HOLDOUT2 = (
    Spec("h2_two_en_de", ("en3f", "de7m"), seed=201),
    Spec("h2_two_fr_es_men", ("fr6m", "es4m"), seed=202),
    Spec("h2_two_pt_de_women_overlap", ("pt6f", "de8f"), overlap=0.4, seed=203),
    Spec("h2_two_en_cards_short", ("en7f", "cardsm"), short="cardsm", seed=204),
    Spec("h2_two_es_jfk_short_samesex", ("es8m", "jfkm"), short="jfkm", seed=205),
    Spec("h2_two_1995_fr_overlap_samesex", ("ls1995f", "fr8f"), overlap=0.5, seed=206),
    Spec("h2_three_de_fr_pt", ("de0m", "fr4f", "pt7m"), overlap=0.3, seed=207),
    Spec("h2_three_men_en_es_61", ("en1m", "es5m", "ls61m"), seed=208),
    Spec("h2_three_women_de_fr_2412", ("de4f", "fr7f", "ls2412f"), overlap=0.4, seed=209),
    Spec("h2_three_pt_en_timit_short", ("pt3f", "en8m", "timitf"), short="timitf", seed=210),
    Spec("h2_four_men_de_es_fr_260", ("de2m", "es3m", "fr2m", "ls260m"), overlap=0.3, seed=211),
    Spec("h2_four_women_en_es_pt_fr", ("en6f", "es0f", "pt9f", "fr3f"), seed=212),
    Spec("h2_four_de_en_fr_leopard_short", ("de6m", "en2f", "fr0f", "leopardm"), overlap=0.4,
         short="leopardm", seed=213),
    Spec("h2_four_pt_es_en_jfk", ("pt1f", "es1m", "en9f", "jfkm"), seed=214),
)
# holdout5 (session 16): the voices of the sets above in new combinations, new seeds; built to check
# the phone-band rule, never tuned on (several same-sex, short-answer and four-speaker files).
HOLDOUT5 = (
    Spec("h5_two_de9_es8_men", ("de9m", "es8m"), seed=501),
    Spec("h5_two_en7_pt9_women", ("en7f", "pt9f"), overlap=0.3, seed=502),
    Spec("h5_two_fr6_2412_short", ("fr6m", "ls2412f"), short="ls2412f", seed=503),
    Spec("h5_two_1995_es0_short_women", ("es0f", "ls1995f"), short="ls1995f", seed=504),
    Spec("h5_two_260_en1_men_overlap", ("ls260m", "en1m"), overlap=0.4, seed=505),
    Spec("h5_three_women_fr1_pt6_en3", ("fr1f", "pt6f", "en3f"), seed=506),
    Spec("h5_three_men_de7_fr9_jfk_short", ("de7m", "fr9m", "jfkm"), short="jfkm", seed=507),
    Spec("h5_three_es9_de3_cards_short", ("es9f", "de3m", "cardsm"), short="cardsm", seed=508),
    Spec("h5_three_pt1_en5_fr8", ("pt1f", "en5m", "fr8f"), overlap=0.4, seed=509),
    Spec("h5_four_men_pt5_es2_en0_61", ("pt5m", "es2m", "en0m", "ls61m"), seed=510),
    Spec("h5_four_women_de4_es7_fr4_pt2", ("de4f", "es7f", "fr4f", "pt2f"), overlap=0.3, seed=511),
    Spec("h5_four_mixed_timit_short", ("de0m", "en2f", "fr5m", "timitf"), short="timitf", seed=512),
    Spec("h5_four_1995_2412_leopard_pt0", ("ls1995f", "ls2412f", "leopardm", "pt0m"), overlap=0.3, seed=513),
    Spec("h5_four_en8_es5_fr0_pt8", ("en8m", "es5m", "fr0f", "pt8f"), seed=514),
)
# holdout6 (session 17): the voices above in new combinations, new seeds; built before any change of
# session 17 and scored once before and once after it, never tuned on.
HOLDOUT6 = (
    Spec("h6_two_de3_en8_men", ("de3m", "en8m"), seed=601),
    Spec("h6_two_fr7_es9_women_overlap", ("fr7f", "es9f"), overlap=0.4, seed=602),
    Spec("h6_two_pt4_61_short", ("pt4f", "ls61m"), short="ls61m", seed=603),
    Spec("h6_two_en6_1995_women", ("en6f", "ls1995f"), seed=604),
    Spec("h6_two_es3_leopard_men_short", ("es3m", "leopardm"), short="leopardm", seed=605),
    Spec("h6_three_women_en9_pt3_fr0", ("en9f", "pt3f", "fr0f"), overlap=0.3, seed=606),
    Spec("h6_three_men_fr2_de6_260", ("fr2m", "de6m", "ls260m"), seed=607),
    Spec("h6_three_es4_de8_timit_short", ("es4m", "de8f", "timitf"), short="timitf", seed=608),
    Spec("h6_three_en0_fr3_pt5", ("en0m", "fr3f", "pt5m"), overlap=0.4, seed=609),
    Spec("h6_four_men_de0_es5_fr5_jfk", ("de0m", "es5m", "fr5m", "jfkm"), seed=610),
    Spec("h6_four_women_de8_en2_pt6_fr8", ("de8f", "en2f", "pt6f", "fr8f"), overlap=0.3, seed=611),
    Spec("h6_four_mixed_cards_short", ("en3f", "es1m", "pt9f", "cardsm"), short="cardsm", seed=612),
    Spec("h6_four_2412_es0_en1_pt7", ("ls2412f", "es0f", "en1m", "pt7m"), overlap=0.3, seed=613),
    Spec("h6_four_women_en7_es7_fr1_pt1", ("en7f", "es7f", "fr1f", "pt1f"), seed=614),
)
# holdout7 (session 18): the six voices no set used before (FLEURS de-001, de-005, en-004, es-006,
# SONAR's two) with others, seeds 701-714; built before any change of session 18, never tuned on.
HOLDOUT7 = (
    Spec("h7_two_de1_en4", ("de1m", "en4f"), seed=701),
    Spec("h7_two_de5_es2_men", ("de5m", "es2m"), seed=702),
    Spec("h7_two_sonar1_fr3_women_overlap", ("sonar1f", "fr3f"), overlap=0.4, seed=703),
    Spec("h7_two_es6_jfk_short", ("es6f", "jfkm"), short="jfkm", seed=704),
    Spec("h7_two_de5_61_men_short", ("de5m", "ls61m"), short="ls61m", seed=705),
    Spec("h7_two_es6_pt3_women_overlap", ("es6f", "pt3f"), overlap=0.5, seed=706),
    Spec("h7_three_de1_es6_fr5", ("de1m", "es6f", "fr5m"), overlap=0.3, seed=707),
    Spec("h7_three_women_en4_es7_fr8", ("en4f", "es7f", "fr8f"), seed=708),
    Spec("h7_three_men_de5_en0_260", ("de5m", "en0m", "ls260m"), seed=709),
    Spec("h7_three_sonar2_pt7_timit_short", ("sonar2f", "pt7m", "timitf"), short="timitf", seed=710),
    Spec("h7_four_men_de1_es3_fr6_leopard", ("de1m", "es3m", "fr6m", "leopardm"), overlap=0.3, seed=711),
    Spec("h7_four_women_sonar1_de4_es6_pt2", ("sonar1f", "de4f", "es6f", "pt2f"), overlap=0.3, seed=712),
    Spec("h7_four_mixed_cards_short", ("de5m", "en4f", "fr7f", "cardsm"), short="cardsm", seed=713),
    Spec("h7_four_en4_es8_pt6_1995", ("en4f", "es8m", "pt6f", "ls1995f"), seed=714),
)
# holdout8 (session 19): the classes still wrong after session 18 (a short speaker of one sex among
# others of it, three or four women, men of one pitch), new pairings, seeds 801-814; built and
# scored before any change of session 19, never tuned on.
HOLDOUT8 = (
    Spec("h8_two_de1_es5_men_short", ("de1m", "es5m"), short="es5m", seed=801),
    Spec("h8_two_fr4_pt2_women", ("fr4f", "pt2f"), seed=802),
    Spec("h8_two_en7_2412_women_short", ("en7f", "ls2412f"), short="ls2412f", seed=803),
    Spec("h8_three_men_de3_fr9_61_short", ("de3m", "fr9m", "ls61m"), short="ls61m", seed=804),
    Spec("h8_three_men_es2_pt5_260_short", ("es2m", "pt5m", "ls260m"), short="ls260m", seed=805),
    Spec("h8_three_women_de4_en6_pt8", ("de4f", "en6f", "pt8f"), overlap=0.3, seed=806),
    Spec("h8_three_women_fr1_es0_sonar2", ("fr1f", "es0f", "sonar2f"), seed=807),
    Spec("h8_three_men_en5_de7_jfk_short", ("en5m", "de7m", "jfkm"), short="jfkm", seed=808),
    Spec("h8_three_men_fr6_es8_leopard", ("fr6m", "es8m", "leopardm"), overlap=0.3, seed=809),
    Spec("h8_four_women_fr7_pt4_es9_en3", ("fr7f", "pt4f", "es9f", "en3f"), overlap=0.3, seed=810),
    Spec("h8_four_men_de6_en1_pt0_fr2", ("de6m", "en1m", "pt0m", "fr2m"), seed=811),
    Spec("h8_four_women_1995_de8_en9_es6_short", ("ls1995f", "de8f", "en9f", "es6f"), short="es6f", seed=812),
    Spec("h8_four_men_cards_es4_de0_fr5_short", ("cardsm", "es4m", "de0m", "fr5m"), short="fr5m", seed=813),
    Spec("h8_four_mixed_61_260_en2_fr0", ("ls61m", "ls260m", "en2f", "fr0f"), overlap=0.3, seed=814),
)
# holdout9 (session 20): the eval/diar people with the holdout voices, the classes still wrong
# (a short man among men, JFK with another man, three or four women, 8 kHz voices), seeds
# 901-914; built and scored before any change of session 20, never tuned on.
HOLDOUT9 = (
    Spec("h9_two_lj_fr8_women", ("ljf", "fr8f"), seed=901),
    Spec("h9_two_bush_de3_men_overlap", ("bushm", "de3m"), overlap=0.3, seed=902),
    Spec("h9_two_austen_jfk_men_short", ("austenm", "jfkm"), short="jfkm", seed=903),
    Spec("h9_two_osr_en9", ("osr8k", "en9f"), seed=904),
    Spec("h9_two_1272_260_men_short", ("r1272m", "ls260m"), short="ls260m", seed=905),
    Spec("h9_two_lj_2412_women_overlap", ("ljf", "ls2412f"), overlap=0.4, seed=906),
    Spec("h9_three_men_bush_260_es5_short", ("bushm", "ls260m", "es5m"), short="ls260m", seed=907),
    Spec("h9_three_women_lj_2412_pt1", ("ljf", "ls2412f", "pt1f"), seed=908),
    Spec("h9_three_austen_osr_fr4", ("austenm", "osr8k", "fr4f"), overlap=0.3, seed=909),
    Spec("h9_three_men_1272_61_de9_short", ("r1272m", "ls61m", "de9m"), short="de9m", seed=910),
    Spec("h9_four_men_bush_austen_jfk_en1", ("bushm", "austenm", "jfkm", "en1m"), overlap=0.3, seed=911),
    Spec("h9_four_women_lj_1995_es0_fr7", ("ljf", "ls1995f", "es0f", "fr7f"), seed=912),
    Spec("h9_four_mixed_1272_osr_260_pt6_short", ("r1272m", "osr8k", "ls260m", "pt6f"), overlap=0.3,
         short="ls260m", seed=913),
    Spec("h9_four_mixed_lj_bush_de6_es7_short", ("ljf", "bushm", "de6m", "es7f"), short="es7f", seed=914),
)
# holdout10 (session 21): pairings no set above uses, the classes still wrong (a short man among
# men, 8 kHz and eval/diar voices, JFK with another man, three or four women), seeds 1001-1014;
# built and scored before any change of session 21, never tuned on.
HOLDOUT10 = (
    Spec("h10_two_1272_jfk_men", ("r1272m", "jfkm"), seed=1001),
    Spec("h10_two_osr_61_short", ("osr8k", "ls61m"), short="ls61m", seed=1002),
    Spec("h10_two_austen_260_men_overlap", ("austenm", "ls260m"), overlap=0.3, seed=1003),
    Spec("h10_two_lj_sonar1_women", ("ljf", "sonar1f"), seed=1004),
    Spec("h10_two_bush_leopard_men_short", ("bushm", "leopardm"), short="leopardm", seed=1005),
    Spec("h10_two_2412_es6_women_overlap", ("ls2412f", "es6f"), overlap=0.4, seed=1006),
    Spec("h10_three_men_1272_austen_de5_short", ("r1272m", "austenm", "de5m"), short="de5m", seed=1007),
    Spec("h10_three_women_lj_en4_es6", ("ljf", "en4f", "es6f"), overlap=0.3, seed=1008),
    Spec("h10_three_osr_bush_timit_short", ("osr8k", "bushm", "timitf"), short="timitf", seed=1009),
    Spec("h10_three_men_260_jfk_leopard", ("ls260m", "jfkm", "leopardm"), overlap=0.3, seed=1010),
    Spec("h10_four_men_bush_1272_de1_es8", ("bushm", "r1272m", "de1m", "es8m"), overlap=0.3, seed=1011),
    Spec("h10_four_women_sonar2_1995_fr3_pt2", ("sonar2f", "ls1995f", "fr3f", "pt2f"), seed=1012),
    Spec("h10_four_men_260_de9_es1_pt7_short", ("ls260m", "de9m", "es1m", "pt7m"), short="ls260m", seed=1013),
    Spec("h10_four_mixed_lj_jfk_1272_pt8", ("ljf", "jfkm", "r1272m", "pt8f"), overlap=0.3, seed=1014),
)
# holdout11 (session 22): pairings no set above uses, the classes still wrong (men of one sex on a
# phone band, a short man among men, 8 kHz and eval/diar voices, three or four women, overlaps),
# seeds 1101-1114; built and scored before any change of session 22, never tuned on.
HOLDOUT11 = (
    Spec("h11_two_jfk_de1_men", ("jfkm", "de1m"), seed=1101),
    Spec("h11_two_osr_de5_men_short", ("osr8k", "de5m"), short="de5m", seed=1102),
    Spec("h11_two_sonar2_lj_women_overlap", ("sonar2f", "ljf"), overlap=0.4, seed=1103),
    Spec("h11_two_1272_leopard_men_overlap", ("r1272m", "leopardm"), overlap=0.3, seed=1104),
    Spec("h11_two_austen_cards_men_short", ("austenm", "cardsm"), short="cardsm", seed=1105),
    Spec("h11_two_1995_sonar1_women", ("ls1995f", "sonar1f"), seed=1106),
    Spec("h11_three_men_bush_de5_fr6_short", ("bushm", "de5m", "fr6m"), short="fr6m", seed=1107),
    Spec("h11_three_women_lj_en9_pt4", ("ljf", "en9f", "pt4f"), overlap=0.3, seed=1108),
    Spec("h11_three_men_osr_jfk_es4", ("osr8k", "jfkm", "es4m"), overlap=0.3, seed=1109),
    Spec("h11_three_1272_2412_fr5_short", ("r1272m", "ls2412f", "fr5m"), short="r1272m", seed=1110),
    Spec("h11_four_men_austen_de6_es3_pt5", ("austenm", "de6m", "es3m", "pt5m"), overlap=0.3, seed=1111),
    Spec("h11_four_women_2412_sonar1_fr8_pt3", ("ls2412f", "sonar1f", "fr8f", "pt3f"), seed=1112),
    Spec("h11_four_men_leopard_61_en5_fr2_short", ("leopardm", "ls61m", "en5m", "fr2m"), short="ls61m", seed=1113),
    Spec("h11_four_mixed_osr_sonar1_de9_es7_short", ("osr8k", "sonar1f", "de9m", "es7f"), overlap=0.3,
         short="de9m", seed=1114),
)
# holdout12 (session 23): pairings of people no set above (or eval/diar) uses, the leopard clip's
# voice counted as reader 1272; the classes still wrong (men of one sex and band, a short man among
# men, 8 kHz voices, JFK with other men, three or four women), seeds 1201-1214; built and scored
# before any change of session 23, never tuned on.
HOLDOUT12 = (
    Spec("h12_two_austen_61_men", ("austenm", "ls61m"), seed=1201),
    Spec("h12_two_61_bush_men_overlap", ("ls61m", "bushm"), overlap=0.3, seed=1202),
    Spec("h12_two_jfk_cards_men_short", ("jfkm", "cardsm"), short="cardsm", seed=1203),
    Spec("h12_two_lj_de4_women_overlap", ("ljf", "de4f"), overlap=0.4, seed=1204),
    Spec("h12_two_1272x8k_de7_men_short", ("r1272m8k", "de7m"), short="de7m", seed=1205),
    Spec("h12_two_osr_es3_men", ("osr8k", "es3m"), seed=1206),
    Spec("h12_three_men_cards_260_de1_short", ("cardsm", "ls260m", "de1m"), short="de1m", seed=1207),
    Spec("h12_three_women_lj_es9_pt2", ("ljf", "es9f", "pt2f"), overlap=0.3, seed=1208),
    Spec("h12_three_men_jfk_61_pt0", ("jfkm", "ls61m", "pt0m"), seed=1209),
    Spec("h12_three_1272_timit_en4_short", ("r1272m", "timitf", "en4f"), short="r1272m", overlap=0.3,
         seed=1210),
    Spec("h12_four_men_leopard_cards_de2_es5", ("leopardm", "cardsm", "de2m", "es5m"), overlap=0.3,
         seed=1211),
    Spec("h12_four_women_2412_sonar2_fr4_de8", ("ls2412f", "sonar2f", "fr4f", "de8f"), seed=1212),
    Spec("h12_four_mixed_1272x8k_sonar1_de0_pt9_short", ("r1272m8k", "sonar1f", "de0m", "pt9f"),
         short="de0m", seed=1213),
    Spec("h12_four_mixed_osr_cards_en6_pt0", ("osr8k", "cardsm", "en6f", "pt0m"), overlap=0.3,
         seed=1214),
)
# holdout13 (session 24): pairings of people no set above (or eval/diar) uses; the classes still
# wrong (men of one sex on a phone band, reader 61 and JFK with other men, the Austen reader, 8 kHz
# voices, a short man among men, three or four women) and one person heard from two recordings
# (reader 1272's leopard clip and his 8 kHz chapter: one speaker), seeds 1301-1314; built and
# scored before any change of session 24, never tuned on.
HOLDOUT13 = (
    Spec("h13_two_61_cards_men", ("ls61m", "cardsm"), seed=1301),
    Spec("h13_two_jfk_de9_men_overlap", ("jfkm", "de9m"), overlap=0.3, seed=1302),
    Spec("h13_two_austen_es4_men_short", ("austenm", "es4m"), short="es4m", seed=1303),
    Spec("h13_two_osr_fr9_men", ("osr8k", "fr9m"), seed=1304),
    Spec("h13_two_lj_timit_women_overlap", ("ljf", "timitf"), overlap=0.4, seed=1305),
    Spec("h13_two_1272_twice_en8_men", ("leopardm", "r1272m8k", "en8m"), seed=1306),
    Spec("h13_three_men_61_fr6_es1_short", ("ls61m", "fr6m", "es1m"), short="ls61m", seed=1307),
    Spec("h13_three_men_bush_cards_pt7", ("bushm", "cardsm", "pt7m"), overlap=0.3, seed=1308),
    Spec("h13_three_women_timit_fr4_pt8", ("timitf", "fr4f", "pt8f"), seed=1309),
    Spec("h13_three_men_osr_de2_en0", ("osr8k", "de2m", "en0m"), overlap=0.3, seed=1310),
    Spec("h13_four_men_61_de2_en8_fr5", ("ls61m", "de2m", "en8m", "fr5m"), overlap=0.3, seed=1311),
    Spec("h13_four_women_lj_en2_fr4_pt9", ("ljf", "en2f", "fr4f", "pt9f"), seed=1312),
    Spec("h13_four_mixed_austen_de0_fr0_pt0", ("austenm", "de0m", "fr0f", "pt0m"), overlap=0.3, seed=1313),
    Spec("h13_four_men_jfk_de3_es2_fr2_short", ("jfkm", "de3m", "es2m", "fr2m"), short="jfkm", seed=1314),
)
# holdout14 (session 25): pairings of people no set above (or eval/diar) uses, chosen for one pitch
# (window median pitch of each voice's clips, bench/conversation_sets' voices): two, three and four
# people of one sex within 0.2-4% of each other's pitch (men at 100, 114, 121 and 130 Hz; women at
# 188 and 205-210 Hz), short answers among them, overlaps, an 8 kHz voice, JFK with other men;
# seeds 1401-1414; built and scored before any change of session 25, never tuned on.
HOLDOUT14 = (
    Spec("h14_two_en8_cards_men", ("en8m", "cardsm"), seed=1401),
    Spec("h14_two_de6_es5_men_short", ("de6m", "es5m"), short="es5m", seed=1402),
    Spec("h14_two_fr0_1995_women_overlap", ("fr0f", "ls1995f"), overlap=0.4, seed=1403),
    Spec("h14_two_pt9_en9_women", ("pt9f", "en9f"), seed=1404),
    Spec("h14_two_de2_en5_men_overlap", ("de2m", "en5m"), overlap=0.3, seed=1405),
    Spec("h14_two_260_de8_short", ("ls260m", "de8f"), short="ls260m", seed=1406),
    Spec("h14_three_men_pt0_es3_de9", ("pt0m", "es3m", "de9m"), overlap=0.3, seed=1407),
    Spec("h14_three_women_fr7_en6_pt3_short", ("fr7f", "en6f", "pt3f"), short="pt3f", seed=1408),
    Spec("h14_three_de7_en1_es9", ("de7m", "en1m", "es9f"), seed=1409),
    Spec("h14_three_men_osr_es1_fr5", ("osr8k", "es1m", "fr5m"), overlap=0.3, seed=1410),
    Spec("h14_four_men_de7_en0_es5_pt7", ("de7m", "en0m", "es5m", "pt7m"), overlap=0.3, seed=1411),
    Spec("h14_four_women_en3_es7_fr0_2412", ("en3f", "es7f", "fr0f", "ls2412f"), seed=1412),
    Spec("h14_four_mixed_jfk_de2_fr6_en7_short", ("jfkm", "de2m", "fr6m", "en7f"), short="jfkm", seed=1413),
    Spec("h14_four_mixed_lj_de8_es8_fr9", ("ljf", "de8f", "es8m", "fr9m"), overlap=0.3, seed=1414),
)
# holdout15 (session 26): pairings no set above uses; one-pitch same-sex pairs, trios and a quartet (window
# median pitch within 0.6-8%: men at 100, 115-119, 142-146 Hz; women at 187-194 and 208-210 Hz), short-turn
# speakers (JFK among two other men), overlaps, an 8 kHz voice; seeds 1501-1514; built and scored on main
# before any change of session 26, never tuned on.
HOLDOUT15 = (
    Spec("h15_two_de0_fr6_men", ("de0m", "fr6m"), seed=1501),
    Spec("h15_two_1995_en3_women_short", ("ls1995f", "en3f"), short="en3f", seed=1502),
    Spec("h15_two_en8_bush_men_overlap", ("en8m", "bushm"), overlap=0.4, seed=1503),
    Spec("h15_two_pt9_fr7_women", ("pt9f", "fr7f"), seed=1504),
    Spec("h15_two_pt5_de5_men_short", ("pt5m", "de5m"), short="de5m", seed=1505),
    Spec("h15_two_en2_2412_women_overlap", ("en2f", "ls2412f"), overlap=0.3, seed=1506),
    Spec("h15_two_es9_1272_short", ("es9f", "r1272m"), short="r1272m", seed=1507),
    Spec("h15_three_men_en8_fr2_austen", ("en8m", "fr2m", "austenm"), overlap=0.3, seed=1508),
    Spec("h15_three_women_pt6_en9_fr3_short", ("pt6f", "en9f", "fr3f"), short="fr3f", seed=1509),
    Spec("h15_three_men_jfk_es3_pt7_short", ("jfkm", "es3m", "pt7m"), short="jfkm", seed=1510),
    Spec("h15_four_men_de3_en0_es4_leopard", ("de3m", "en0m", "es4m", "leopardm"), overlap=0.3, seed=1511),
    Spec("h15_four_women_fr1_2412_en6_pt4", ("fr1f", "ls2412f", "en6f", "pt4f"), seed=1512),
    Spec("h15_four_mixed_de7_en2_pt1_osr", ("de7m", "en2f", "pt1f", "osr8k"), overlap=0.3, seed=1513),
    Spec("h15_three_men_de3_es4_1272_8k_short", ("de3m", "es4m", "r1272m8k"), short="r1272m8k", seed=1514),
)
# holdout16 (session 27): voice mixes no set above uses; one-pitch same-sex pairs, trios and quartets (window
# median pitch within 0-7%: men at 100, 108-116, 119-125, 129-133 and 142 Hz; women at 184-194 and 205-210 Hz),
# short-turn speakers, JFK among three men, an 8 kHz voice, and two one-voice files; seeds 1601-1616; built and
# scored on main before any change of session 27, never tuned on.
HOLDOUT16 = (
    Spec("h16_two_fr2_bush_men", ("fr2m", "bushm"), seed=1601),
    Spec("h16_two_pt6_sonar2_women_short", ("pt6f", "sonar2f"), short="sonar2f", seed=1602),
    Spec("h16_two_de3_es3_men_short", ("de3m", "es3m"), overlap=0.3, short="es3m", seed=1603),
    Spec("h16_two_1995_es7_women_overlap", ("ls1995f", "es7f"), overlap=0.4, seed=1604),
    Spec("h16_two_de1_es0_short", ("de1m", "es0f"), short="de1m", seed=1605),
    Spec("h16_three_men_de6_en0_fr6", ("de6m", "en0m", "fr6m"), overlap=0.3, seed=1606),
    Spec("h16_three_men_en5_260_es8_short", ("en5m", "ls260m", "es8m"), short="es8m", seed=1607),
    Spec("h16_three_women_fr3_pt3_en7_short", ("fr3f", "pt3f", "en7f"), short="pt3f", seed=1608),
    Spec("h16_three_men_fr9_cards_austen_short", ("fr9m", "cardsm", "austenm"), short="cardsm", seed=1609),
    Spec("h16_four_men_es1_pt0_de3_fr5", ("es1m", "pt0m", "de3m", "fr5m"), overlap=0.3, seed=1610),
    Spec("h16_four_women_en2_fr0_es7_pt4", ("en2f", "fr0f", "es7f", "pt4f"), seed=1611),
    Spec("h16_four_men_jfk_de6_es5_pt7_short", ("jfkm", "de6m", "es5m", "pt7m"), short="jfkm", seed=1612),
    Spec("h16_four_mixed_de7_en3_es2_pt8_short", ("de7m", "en3f", "es2m", "pt8f"), overlap=0.3, short="pt8f",
         seed=1613),
    Spec("h16_three_men_osr_de5_es2", ("osr8k", "de5m", "es2m"), overlap=0.3, seed=1614),
    Spec("h16_one_de1", ("de1m",), seed=1615),
    Spec("h16_one_fr8", ("fr8f",), seed=1616),
)
# holdout17 (session 28): voice mixes no set above uses; one-pitch same-sex pairs (1-3%), trios (5-9%) and
# quartets (9-17%) by window median pitch (men at 100-133 Hz, women at 168-196 Hz), short-turn speakers among
# men of one pitch, overlaps, and two one-voice files; seeds 1701-1716; built and scored on main before any
# change of session 28, never tuned on.
HOLDOUT17 = (
    Spec("h17_two_de2_es8_men", ("de2m", "es8m"), seed=1701),
    Spec("h17_two_fr7_en9_women_overlap", ("fr7f", "en9f"), overlap=0.4, seed=1702),
    Spec("h17_two_es1_1272_men_short", ("es1m", "r1272m"), short="r1272m", seed=1703),
    Spec("h17_two_es0_de4_women_short", ("es0f", "de4f"), short="es0f", seed=1704),
    Spec("h17_two_pt7_fr6_men_overlap", ("pt7m", "fr6m"), overlap=0.3, seed=1705),
    Spec("h17_two_cards_fr2_men", ("cardsm", "fr2m"), seed=1706),
    Spec("h17_three_men_es5_fr6_pt0", ("es5m", "fr6m", "pt0m"), overlap=0.3, seed=1707),
    Spec("h17_three_men_en1_de0_es3_short", ("en1m", "de0m", "es3m"), short="en1m", seed=1708),
    Spec("h17_three_women_en7_fr7_pt6", ("en7f", "fr7f", "pt6f"), seed=1709),
    Spec("h17_three_women_es9_pt3_sonar2_short", ("es9f", "pt3f", "sonar2f"), short="pt3f", seed=1710),
    Spec("h17_three_men_bush_fr9_en0", ("bushm", "fr9m", "en0m"), overlap=0.3, seed=1711),
    Spec("h17_four_men_de9_fr5_en5_es2_short", ("de9m", "fr5m", "en5m", "es2m"), short="es2m", seed=1712),
    Spec("h17_four_women_es0_de4_en7_pt4", ("es0f", "de4f", "en7f", "pt4f"), overlap=0.3, seed=1713),
    Spec("h17_four_mixed_de6_es4_fr1_en9_short", ("de6m", "es4m", "fr1f", "en9f"), short="es4m", seed=1714),
    Spec("h17_one_es5", ("es5m",), seed=1715),
    Spec("h17_one_pt9", ("pt9f",), seed=1716),
)
# holdout18 (session 29): voice mixes no set above uses; one-pitch same-sex pairs, trios and quartets (window
# median pitch within 0-6%: men at 100, 110-117, 121-125 and 130-133 Hz; women at 181-196 Hz), the three men at
# ~121 Hz with an 8 kHz chapter, JFK among three of them, short-turn speakers, overlaps and two one-voice files;
# seeds 1801-1816; built and scored on main before any change of session 29, never tuned on.
HOLDOUT18 = (
    Spec("h18_two_es3_fr5_men", ("es3m", "fr5m"), seed=1801),
    Spec("h18_two_pt4_sonar2_women_overlap", ("pt4f", "sonar2f"), overlap=0.4, seed=1802),
    Spec("h18_two_de3_en1_men_short", ("de3m", "en1m"), short="en1m", seed=1803),
    Spec("h18_two_es6_de4_women_short", ("es6f", "de4f"), short="de4f", seed=1804),
    Spec("h18_two_pt7_en0_men_overlap", ("pt7m", "en0m"), overlap=0.3, seed=1805),
    Spec("h18_two_austen_fr2_men", ("austenm", "fr2m"), seed=1806),
    Spec("h18_three_men_de9_es1_fr5", ("de9m", "es1m", "fr5m"), overlap=0.3, seed=1807),
    Spec("h18_three_men_pt0_es3_1272_8k_short", ("pt0m", "es3m", "r1272m8k"), short="es3m", seed=1808),
    Spec("h18_three_women_en9_fr7_pt9", ("en9f", "fr7f", "pt9f"), seed=1809),
    Spec("h18_three_men_bush_cards_en8", ("bushm", "cardsm", "en8m"), overlap=0.3, seed=1810),
    Spec("h18_three_men_de2_en5_es8_short", ("de2m", "en5m", "es8m"), short="en5m", seed=1811),
    Spec("h18_four_men_de6_es5_fr6_pt7_short", ("de6m", "es5m", "fr6m", "pt7m"), short="fr6m", seed=1812),
    Spec("h18_four_women_en6_es9_fr1_pt3", ("en6f", "es9f", "fr1f", "pt3f"), overlap=0.3, seed=1813),
    Spec("h18_four_men_jfk_de9_es3_pt0_short", ("jfkm", "de9m", "es3m", "pt0m"), short="jfkm", seed=1814),
    Spec("h18_one_es1", ("es1m",), seed=1815),
    Spec("h18_one_en6", ("en6f",), seed=1816),
)
# holdout19 (session 30): voice mixes no set above uses; the classes still wrong on AMR: men of one pitch
# (~100 Hz: Bush, cards, en8m, fr2m, fr9m; ~121 Hz: de9m, es3m, pt0m, de3m, es1m, fr5m, reader 1272; ~130-140 Hz:
# de2m, es2m, en5m, the 8 kHz OSR reader) in pairs, trios and quartets, a short-turn speaker (1-3 s answers)
# beside a voice of his pitch, JFK among two ~100 Hz men, women's trio and quartet with short answers, and two
# one-voice files; seeds 1901-1916; built and scored on main before any change of session 30, never tuned on.
HOLDOUT19 = (
    Spec("h19_two_bush_cards_men", ("bushm", "cardsm"), seed=1901),
    Spec("h19_two_de9_1272_men_short", ("de9m", "r1272m"), short="r1272m", seed=1902),
    Spec("h19_two_osr_en5_men", ("osr8k", "en5m"), seed=1903),
    Spec("h19_two_fr3_pt2_women_overlap", ("fr3f", "pt2f"), overlap=0.4, seed=1904),
    Spec("h19_two_en7_es9_women_short", ("en7f", "es9f"), short="es9f", seed=1905),
    Spec("h19_two_fr5_de3_men_overlap", ("fr5m", "de3m"), overlap=0.3, seed=1906),
    Spec("h19_three_men_en8_fr9_cards_short", ("en8m", "fr9m", "cardsm"), short="cardsm", seed=1907),
    Spec("h19_three_men_es3_de3_1272_short", ("es3m", "de3m", "r1272m"), short="es3m", seed=1908),
    Spec("h19_three_men_de2_es2_osr", ("de2m", "es2m", "osr8k"), overlap=0.3, seed=1909),
    Spec("h19_three_women_pt4_fr8_en3_short", ("pt4f", "fr8f", "en3f"), short="fr8f", seed=1910),
    Spec("h19_three_men_jfk_en8_bush_short", ("jfkm", "en8m", "bushm"), short="jfkm", seed=1911),
    Spec("h19_four_men_bush_en8_fr2_cards_short", ("bushm", "en8m", "fr2m", "cardsm"), short="fr2m", seed=1912),
    Spec("h19_four_men_de9_pt0_es1_fr5_short", ("de9m", "pt0m", "es1m", "fr5m"), short="es1m", seed=1913),
    Spec("h19_four_women_fr4_en9_es7_pt6_short", ("fr4f", "en9f", "es7f", "pt6f"), overlap=0.3, short="en9f",
         seed=1914),
    Spec("h19_one_en8", ("en8m",), seed=1915),
    Spec("h19_one_pt4", ("pt4f",), seed=1916),
)
# session 31's (one voice vs two): pairs and trios no set before holds, men of one pitch among them
HOLDOUT20 = (
    Spec("h20_two_de7_es4_men", ("de7m", "es4m"), seed=2001),
    Spec("h20_two_pt5_fr6_men_short", ("pt5m", "fr6m"), short="fr6m", seed=2002),
    Spec("h20_two_de0_en0_men_overlap", ("de0m", "en0m"), overlap=0.3, seed=2003),
    Spec("h20_two_es8_de6_men", ("es8m", "de6m"), seed=2004),
    Spec("h20_two_fr0_pt9_women_short", ("fr0f", "pt9f"), short="pt9f", seed=2005),
    Spec("h20_two_en6_es7_women", ("en6f", "es7f"), seed=2006),
    Spec("h20_two_pt5_en6_mixed", ("pt5m", "en6f"), seed=2007),
    Spec("h20_three_men_fr6_es8_pt7_short", ("fr6m", "es8m", "pt7m"), short="pt7m", seed=2008),
    Spec("h20_three_de6_en2_es0_overlap", ("de6m", "en2f", "es0f"), overlap=0.3, seed=2009),
    Spec("h20_three_women_fr7_de8_pt3", ("fr7f", "de8f", "pt3f"), seed=2010),
    Spec("h20_three_men_es5_en1_de5_short", ("es5m", "en1m", "de5m"), short="de5m", seed=2011),
    Spec("h20_three_jfk_de7_pt6", ("jfkm", "de7m", "pt6f"), seed=2012),
)
SETS = {"tuning": SPECS, "holdout": HOLDOUT, "holdout2": HOLDOUT2, "holdout5": HOLDOUT5, "holdout6": HOLDOUT6,
        "holdout7": HOLDOUT7, "holdout8": HOLDOUT8, "holdout9": HOLDOUT9, "holdout10": HOLDOUT10,
        "holdout11": HOLDOUT11, "holdout12": HOLDOUT12, "holdout13": HOLDOUT13,
        "holdout14": HOLDOUT14, "holdout15": HOLDOUT15, "holdout16": HOLDOUT16,
        "holdout17": HOLDOUT17, "holdout18": HOLDOUT18,
        "holdout19": HOLDOUT19, "holdout20": HOLDOUT20, "holdout21": HOLDOUT21,
        "holdout22": HOLDOUT22}
