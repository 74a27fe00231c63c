"""The text-translation engine, end to end on tiny NLLB-200 and M2M-100 models.

The fixtures (tests/fixtures/tiny_nllb, tiny_m2m) are built by
tests/fixtures/build_tiny_nllb.py: random weights, so the output is gibberish, but the
files, vocabulary layout and config.json are those of the real models, so every
code path a real model takes is exercised here.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from app.core.errors import LanguageError, ModelError
from app.core.translation.engine import (
    SentenceTranslation,
    TextTranslator,
    decode_target,
    detect_family,
    encode_source,
    load_translator,
    plan_batches,
)
from app.core.translation.length_checks import length_flags, max_repeat_run
from app.core.types import FLAG_LENGTH_LONG, FLAG_LENGTH_SHORT, Segment

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TINY_NLLB = FIXTURES / "tiny_nllb"
TINY_M2M = FIXTURES / "tiny_m2m"

SENTENCES = [
    "Gdzie byłeś w nocy dwunastego marca?",
    "Tak.",
    "Byłem w domu z bratem, oglądaliśmy film.",
    "Nie wiem.",
    "Samochód stał przed sklepem o dziewiątej, a potem odjechał w stronę miasta.",
    "Powiedział, że wyśle pieniądze w piątek.",
    "No.",
    "Gdzie?",
]


class Spy:
    """Wraps a ctranslate2.Translator and records what it is given."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls: list[dict] = []

    def translate_batch(self, source, **kwargs):
        self.calls.append({"source": [list(s) for s in source], **kwargs})
        return self.inner.translate_batch(source, **kwargs)


@pytest.fixture(scope="module")
def nllb() -> TextTranslator:
    return load_translator(TINY_NLLB, device="cpu", threads=1)


@pytest.fixture(scope="module")
def m2m() -> TextTranslator:
    return load_translator(TINY_M2M, device="cpu", threads=1)


@pytest.fixture()
def spied(nllb):
    spy = Spy(nllb.translator)
    original = nllb.translator
    nllb.translator = spy
    yield nllb, spy
    nllb.translator = original


# --- the fixtures look like the real thing ------------------------------------------


def test_fixture_config_matches_real_nllb_conversion():
    config = json.loads((TINY_NLLB / "config.json").read_text())
    assert config["add_source_bos"] is False
    assert config["add_source_eos"] is False
    assert config["bos_token"] == "<s>"
    assert config["eos_token"] == "</s>"
    assert config["unk_token"] == "<unk>"
    assert config["decoder_start_token"] == "</s>"


def test_fixture_vocabulary_has_fairseq_layout():
    vocab = json.loads((TINY_NLLB / "shared_vocabulary.json").read_text())
    assert vocab[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert "eng_Latn" in vocab and "<mask>" in vocab
    assert vocab.index("ace_Arab") > 4
    assert vocab.index("<mask>") > vocab.index("zul_Latn")
    m2m_vocab = json.loads((TINY_M2M / "shared_vocabulary.json").read_text())
    assert m2m_vocab[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert "__en__" in m2m_vocab and "eng_Latn" not in m2m_vocab


def test_fixtures_are_small():
    for folder in (TINY_NLLB, TINY_M2M):
        assert sum(p.stat().st_size for p in folder.iterdir()) < 2 * 1024 * 1024


# --- tokenisation ---------------------------------------------------------------------


def test_encode_source_is_lang_pieces_eos(nllb):
    tokens = encode_source(nllb.sp, "Gdzie byłeś?", "pol_Latn")
    assert tokens[0] == "pol_Latn"
    assert tokens[-1] == "</s>"
    assert tokens[1:-1] == nllb.sp.encode("Gdzie byłeś?", out_type=str)
    assert tokens.count("pol_Latn") == 1  # not the legacy [pieces, </s>, lang] layout


def test_encode_source_m2m(m2m):
    tokens = encode_source(m2m.sp, "Tak.", "__pl__")
    assert tokens[0] == "__pl__" and tokens[-1] == "</s>"


def test_decode_target_strips_language_and_special_tokens(nllb):
    pieces = nllb.sp.encode("Where were you?", out_type=str)
    tokens = ["eng_Latn", *pieces, "</s>"]
    assert decode_target(nllb.sp, tokens, nllb._drop_tokens()) == "Where were you?"


def test_ctranslate2_gets_lang_token_source_and_target_prefix(spied):
    translator, spy = spied
    translator.translate_sentences(["Gdzie byłeś?", "Tak."], "pl", "en", beam_size=2)
    assert spy.calls, "the model was not called"
    for call in spy.calls:
        for source in call["source"]:
            assert source[0] == "pol_Latn"
            assert source[-1] == "</s>"
            assert "pol_Latn" not in source[1:]
        assert call["target_prefix"] == [["eng_Latn"]] * len(call["source"])
        assert call["beam_size"] == 2
        assert call["batch_type"] == "tokens"
        longest = max(len(s) for s in call["source"])
        assert call["max_decoding_length"] == 2 * longest + 10


def test_flores_codes_are_accepted_as_well(spied):
    translator, spy = spied
    translator.translate_sentences(["Tak."], "pol_Latn", "eng_Latn")
    assert spy.calls[0]["source"][0][0] == "pol_Latn"


# --- end to end ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nllb", "m2m"])
def test_translates_end_to_end(name, request):
    translator: TextTranslator = request.getfixturevalue(name)
    results = translator.translate_sentences(SENTENCES, "pl", "en")
    assert [r.source for r in results] == SENTENCES
    assert all(isinstance(r, SentenceTranslation) and isinstance(r.text, str) for r in results)
    assert any(r.text for r in results)
    for r in results:
        assert "eng_Latn" not in r.text and "__en__" not in r.text and "</s>" not in r.text
        assert set(r.flags) <= {FLAG_LENGTH_SHORT, FLAG_LENGTH_LONG}


def test_family_and_info(nllb, m2m):
    assert nllb.family == "nllb" and m2m.family == "m2m100"
    info = nllb.info
    assert info.name == "tiny_nllb"
    assert info.family == "nllb"
    assert info.licence == "CC-BY-NC-4.0"
    assert info.sha256 == hashlib.sha256((TINY_NLLB / "model.bin").read_bytes()).hexdigest()
    assert m2m.info.licence == "MIT"
    assert m2m.info.family == "m2m100"


def test_auto_device_is_cpu_int8_without_gpu():
    translator = load_translator(TINY_NLLB)  # device="auto"
    assert translator.device in ("cpu", "cuda")
    if translator.device == "cpu":
        assert translator.compute_type in ("int8", "int8_float32", "float32")


# --- batching --------------------------------------------------------------------------


def test_batched_results_match_single_results_in_order(nllb):
    many = [SENTENCES[i % len(SENTENCES)] + " " * (i % 3) for i in range(30)]
    many += ["Tak. " * n for n in range(1, 6)]
    batched = nllb.translate_sentences(many, "pl", "en")
    single = [nllb.translate_sentences([s], "pl", "en")[0] for s in many]
    assert [r.source for r in batched] == many
    assert [r.text for r in batched] == [r.text for r in single]
    assert [r.flags for r in batched] == [r.flags for r in single]


def test_small_token_budget_splits_into_several_calls(spied):
    translator, spy = spied
    original = translator.max_batch_tokens
    translator.max_batch_tokens = 32
    try:
        results = translator.translate_sentences(SENTENCES, "pl", "en")
    finally:
        translator.max_batch_tokens = original
    assert len(spy.calls) > 1
    for call in spy.calls:
        assert len(call["source"]) == 1 or max(map(len, call["source"])) * len(call["source"]) <= 32
    reference = translator.translate_sentences(SENTENCES, "pl", "en")
    assert [r.text for r in results] == [r.text for r in reference]


def test_plan_batches():
    lengths = [5, 50, 3, 20, 20, 7]
    batches = plan_batches(lengths, 60)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 60
    assert plan_batches([], 10) == []
    assert plan_batches([100], 10) == [[0]]


def test_blank_sentences_give_blank_results_without_a_call(spied):
    translator, spy = spied
    results = translator.translate_sentences(["", "   "], "pl", "en")
    assert [r.text for r in results] == ["", ""]
    assert [r.flags for r in results] == [(), ()]
    assert spy.calls == []


def test_over_long_sentence_is_cut_and_rejoined(spied):
    translator, spy = spied
    long_sentence = ", ".join(["Byłem w domu z bratem"] * 80)
    [result] = translator.translate_sentences([long_sentence], "pl", "en")
    assert result.source == long_sentence
    sources = [s for call in spy.calls for s in call["source"]]
    assert len(sources) > 1
    assert all(len(s) <= 256 + 2 for s in sources)


# --- segments --------------------------------------------------------------------------


def test_translate_segments_keeps_times_speakers_channels(spied):
    translator, spy = spied
    segments = [
        Segment(
            0, 1500, "Gdzie byłeś? Byłem w domu.", speaker="A", channel=0, flags=("low_confidence",)
        ),
        Segment(1500, 2000, "", speaker="B", channel=1),
        Segment(2000, 4200, "Nie wiem.", speaker="B", channel=1, avg_logprob=-0.2),
        Segment(4200, 5000, "   ", speaker=None),
        Segment(5000, 9000, "Tak. No. Gdzie?\nSamochód stał przed sklepem.", speaker="A"),
    ]
    out = translator.translate_segments(segments, "pl", "en")
    assert len(out) == len(segments)
    for before, after in zip(segments, out):
        assert (after.start_ms, after.end_ms) == (before.start_ms, before.end_ms)
        assert after.speaker == before.speaker
        assert after.channel == before.channel
        assert after.source_text == before.text
        assert after.words == ()
        assert set(after.flags) <= {FLAG_LENGTH_SHORT, FLAG_LENGTH_LONG}
    assert out[1].text == "" and out[3].text == ""
    assert out[1].flags == () and out[3].flags == ()
    # all sentences of all segments went to the model together: 2 + 1 + 4 sentences
    sources = [s for call in spy.calls for s in call["source"]]
    assert len(sources) == 7
    assert len(spy.calls) == 1
    # each segment's translation is the join of its own sentences' translations
    expected = translator.translate_sentences(["Gdzie byłeś?", "Byłem w domu."], "pl", "en")
    assert out[0].text == " ".join(r.text for r in expected if r.text)
    assert "\n" in out[4].text or not out[4].text.strip()


def test_segments_into_chinese_are_joined_without_spaces(nllb):
    out = nllb.translate_segments([Segment(0, 10, "Tak. Nie wiem.")], "pl", "zh")
    parts = nllb.translate_sentences(["Tak.", "Nie wiem."], "pl", "zh")
    assert out[0].text == "".join(p.text for p in parts)


# --- length checks ---------------------------------------------------------------------


def test_length_flags_accepts_plausible_translations():
    assert (
        length_flags(
            "Gdzie byłeś w nocy dwunastego marca?", "Where were you on the night of March 12?"
        )
        == ()
    )
    assert (
        length_flags("三月十二日晚上你在哪里？", "Where were you on the night of March 12?") == ()
    )
    assert (
        length_flags("Where were you on the night of March 12?", "三月十二日晚上你在哪里？") == ()
    )
    assert length_flags("Tak.", "Yes.") == ()
    assert length_flags("Tak.", "Yes, I was there.") == ()
    assert length_flags("", "") == ()
    assert length_flags("Nie, nie, nie, nie!", "No, no, no, no!") == ()


def test_length_flags_short():
    source = "Byłem w domu z bratem, oglądaliśmy film i jedliśmy pizzę do rana."
    assert length_flags(source, "I was.") == (FLAG_LENGTH_SHORT,)
    assert length_flags(source, "") == (FLAG_LENGTH_SHORT,)
    assert length_flags("Tak.", "") == (FLAG_LENGTH_SHORT,)


def test_length_flags_long():
    assert length_flags(
        "Tak.", "Yes, yes, I was at home with my brother watching a long film."
    ) == (FLAG_LENGTH_LONG,)
    source = "Byłem w domu z bratem i oglądaliśmy film."
    assert length_flags(
        source, "The house was in the house was in the house was in the house was in"
    ) == (FLAG_LENGTH_LONG,)


def test_repetition_loop_is_flagged_long_even_at_plausible_length():
    source = "Powiedział mi wtedy, że przyjdzie do mnie jutro rano około dziewiątej godziny."
    looping = "He told me he would come come come come come come tomorrow."
    assert length_flags(source, looping) == (FLAG_LENGTH_LONG,)
    assert max_repeat_run(looping) == 6
    assert max_repeat_run("我们我们我们我们") == 4
    assert max_repeat_run("a b c") == 1


# --- errors ----------------------------------------------------------------------------


def _one_line(exc: BaseException) -> str:
    message = str(exc)
    assert "\n" not in message
    return message


def test_unknown_language_code(nllb):
    with pytest.raises(LanguageError) as info:
        nllb.translate_sentences(["Tak."], "xx", "en")
    assert "unknown language code 'xx'" in _one_line(info.value)
    with pytest.raises(LanguageError):
        nllb.translate_segments([Segment(0, 1, "Tak.")], "pl", "qq")


def test_m2m_rejects_a_language_it_lacks(m2m):
    with pytest.raises(LanguageError) as info:
        m2m.translate_sentences(["Tak."], "pl", "mt")
    assert "Maltese" in _one_line(info.value)


def _copy(src: Path, tmp_path: Path) -> Path:
    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    return dest


def test_language_missing_from_vocabulary(tmp_path):
    folder = _copy(TINY_NLLB, tmp_path)
    vocab_path = folder / "shared_vocabulary.json"
    vocab = json.loads(vocab_path.read_text())
    vocab[vocab.index("vie_Latn")] = "vie_Xxxx"  # same size, Vietnamese gone
    vocab_path.write_text(json.dumps(vocab))
    translator = load_translator(folder, device="cpu")
    with pytest.raises(LanguageError) as info:
        translator.translate_sentences(["Tak."], "pl", "vi")
    message = _one_line(info.value)
    assert "'vi'" in message and "Vietnamese" in message and "vocabulary" in message


def test_missing_folder(tmp_path):
    with pytest.raises(ModelError) as info:
        load_translator(tmp_path / "nope")
    assert "does not exist" in _one_line(info.value)


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        ("model.bin", "model.bin"),
        ("config.json", "config.json"),
        ("shared_vocabulary.json", "shared_vocabulary"),
        ("sentencepiece.bpe.model", "sentencepiece"),
    ],
)
def test_incomplete_folder(tmp_path, remove, named):
    folder = _copy(TINY_NLLB, tmp_path)
    (folder / remove).unlink()
    with pytest.raises(ModelError) as info:
        load_translator(folder)
    message = _one_line(info.value)
    assert "incomplete" in message and named in message


def test_corrupt_model_bin(tmp_path):
    folder = _copy(TINY_NLLB, tmp_path)
    (folder / "model.bin").write_bytes(b"\x00not a model" * 100)
    with pytest.raises(ModelError) as info:
        load_translator(folder, device="cpu")
    assert "CTranslate2 cannot load" in _one_line(info.value)


def test_truncated_model_bin(tmp_path):
    folder = _copy(TINY_NLLB, tmp_path)
    data = (folder / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError) as info:
        load_translator(folder, device="cpu")
    _one_line(info.value)


def test_corrupt_sentencepiece_model(tmp_path):
    folder = _copy(TINY_NLLB, tmp_path)
    (folder / "sentencepiece.bpe.model").write_bytes(b"garbage")
    with pytest.raises(ModelError) as info:
        load_translator(folder)
    assert "sentencepiece" in _one_line(info.value)


def test_other_spm_file_names_are_found(tmp_path):
    folder = _copy(TINY_M2M, tmp_path)
    (folder / "sentencepiece.bpe.model").rename(folder / "spm.128k.model")
    assert load_translator(folder, device="cpu").files.sentencepiece.name == "spm.128k.model"


def test_vocabulary_as_text_file(tmp_path):
    folder = _copy(TINY_NLLB, tmp_path)
    vocab = json.loads((folder / "shared_vocabulary.json").read_text())
    (folder / "shared_vocabulary.json").unlink()
    (folder / "shared_vocabulary.txt").write_text("\n".join(vocab) + "\n")
    translator = load_translator(folder, device="cpu")
    assert translator.family == "nllb"
    assert translator.translate_sentences(["Tak."], "pl", "en")[0].source == "Tak."


def test_not_a_translation_vocabulary(tmp_path):
    folder = _copy(TINY_NLLB, tmp_path)
    vocab = json.loads((folder / "shared_vocabulary.json").read_text())
    vocab = [
        f"tok{i}" if ("_" in t and t[:3].islower() and len(t) == 8) else t
        for i, t in enumerate(vocab)
    ]
    (folder / "shared_vocabulary.json").write_text(json.dumps(vocab))
    with pytest.raises(ModelError) as info:
        load_translator(folder)
    assert "language tokens" in _one_line(info.value)


def test_detect_family():
    assert detect_family(["<s>", "eng_Latn"]) == "nllb"
    assert detect_family(["<s>", "__en__"]) == "m2m100"
    with pytest.raises(ModelError):
        detect_family(["<s>", "hello"])


def test_repetition_without_spaces_is_a_loop():
    assert max_repeat_run("ënënënënënën") == 6
    assert length_flags("Nie wiem.", "ënënënënënën") == (FLAG_LENGTH_LONG,)
    assert length_flags("Hahahaha, nie wiem.", "Hahahaha, I don't know.") == ()
    assert length_flags("Przyszedł do domu.", "He came home.") == ()
