"""Build a tiny NLLB-200 (or M2M-100) style CTranslate2 model for tests.

No torch, no transformers, no network: the weights are seeded numpy noise laid
out exactly as CTranslate2's own M2M100/NLLB converter lays out a real model
(pre-norm Transformer, ReLU, no embedding layer norm, sqrt(d_model) embedding
scale, fairseq sinusoidal positions with offset 2, shared encoder/decoder
embeddings), and the sentencepiece model is trained here on a small multilingual
text. Only the output layer departs from NLLB (see TinyConverter._set_output) so
that the random model ends its sentences instead of repeating one token.

The vocabulary follows the fairseq dictionary the real models use:

    <s> <pad> </s> <unk>   spm pieces (spm ids 3..)   language tokens   <mask>

with language tokens `eng_Latn` (NLLB, all 202 FLORES-200 codes) or `__en__`
(M2M-100, its 100 codes). config.json matches what `ct2-transformers-converter`
writes for facebook/nllb-200-*: decoder_start_token "</s>", no automatic source
BOS/EOS (the tokenizer adds `src_lang ... </s>` itself).

    python tools/build_tiny_nllb.py                 # -> tests/fixtures/tiny_nllb/
    python tools/build_tiny_nllb.py --m2m           # -> tests/fixtures/tiny_m2m/
    python tools/build_tiny_nllb.py --out DIR --seed 7
"""

from __future__ import annotations

import argparse
import io
import math
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.converters.converter import Converter
from ctranslate2.specs import common_spec, transformer_spec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.langcodes import M2M100_CODES, NLLB_CODES

SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]
POSITION_OFFSET = 2  # fairseq: padding_idx (1) + 1

# A few lines per language, enough for sentencepiece to learn pieces for each script.
CORPUS = {
    "en": [
        "Where were you on the night of the twelfth of March?",
        "I was at home with my brother, we watched a film.",
        "The car was parked outside the shop at nine o'clock.",
        "He said he would send the money on Friday.",
        "Mr. Smith met Dr. Jones at 3.5 miles from the station.",
    ],
    "pl": [
        "Gdzie byłeś w nocy dwunastego marca?",
        "Byłem w domu z bratem, oglądaliśmy film.",
        "Samochód stał przed sklepem o dziewiątej.",
        "Powiedział, że wyśle pieniądze w piątek.",
    ],
    "fr": [
        "Où étiez-vous la nuit du douze mars ?",
        "J'étais à la maison avec mon frère, nous avons regardé un film.",
        "La voiture était garée devant le magasin à neuf heures.",
    ],
    "de": [
        "Wo waren Sie in der Nacht zum zwölften März?",
        "Ich war mit meinem Bruder zu Hause, wir haben einen Film gesehen.",
        "Das Auto stand um neun Uhr vor dem Geschäft.",
    ],
    "es": [
        "¿Dónde estaba usted la noche del doce de marzo?",
        "Estaba en casa con mi hermano, vimos una película.",
    ],
    "ro": [
        "Unde ai fost în noaptea de doisprezece martie?",
        "Am fost acasă cu fratele meu, ne-am uitat la un film.",
    ],
    "sq": [
        "Ku ishe natën e dymbëdhjetë marsit?",
        "Isha në shtëpi me vëllanë tim, pamë një film.",
    ],
    "vi": [
        "Anh đã ở đâu vào đêm mười hai tháng ba?",
        "Tôi ở nhà với anh trai, chúng tôi xem phim.",
    ],
    "ru": [
        "Где вы были в ночь на двенадцатое марта?",
        "Я был дома с братом, мы смотрели фильм.",
    ],
    "ar": [
        "أين كنت في ليلة الثاني عشر من مارس؟",
        "كنت في المنزل مع أخي، شاهدنا فيلما.",
    ],
    "zh": [
        "三月十二日晚上你在哪里？",
        "我和我哥哥在家，我们看了一部电影。",
    ],
}


@dataclass(frozen=True)
class TinyConfig:
    layers: int = 2
    d_model: int = 32
    heads: int = 2
    ffn: int = 64
    max_positions: int = 1024
    spm_vocab: int = 600
    seed: int = 1234
    out_scale: float = 2.0  # spread of the random output logits
    clock_dim: int = 5  # sin(0.046 * step): rises over ~30 decoding steps
    eos_slope: float = 30.0
    eos_bias: float = 0.0


def corpus_lines() -> list[str]:
    return [line for texts in CORPUS.values() for line in texts] * 3


def train_sentencepiece(workdir: Path, cfg: TinyConfig) -> Path:
    """Train a BPE model with fairseq's special ids: <unk>=0, <s>=1, </s>=2, no <pad>.

    Trained from an iterator into memory so that no temporary path ends up in the
    model's stored trainer spec: the file is byte-identical on every run.
    """
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus_lines()),
        model_writer=model,
        model_type="bpe",
        vocab_size=cfg.spm_vocab,
        hard_vocab_limit=False,
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        num_threads=1,
        shuffle_input_sentence=False,
        minloglevel=2,
    )
    path = workdir / "sentencepiece.bpe.model"
    path.write_bytes(model.getvalue())
    return path


def language_tokens(m2m: bool) -> list[str]:
    if m2m:
        return [f"__{code}__" for code in M2M100_CODES]
    return list(NLLB_CODES)


def build_vocabulary(spm_path: Path, m2m: bool) -> list[str]:
    sp = spm.SentencePieceProcessor(model_file=str(spm_path))
    pieces = [sp.id_to_piece(i) for i in range(3, sp.get_piece_size())]
    tokens = SPECIALS + pieces + language_tokens(m2m)
    if not m2m:
        tokens.append("<mask>")
    # fairseq pads the dictionary to a multiple of 8 with made-up words.
    madeup = 0
    while len(tokens) % 8:
        tokens.append(f"madeupword{madeup}")
        madeup += 1
    return tokens


def _is_piece(token: str) -> bool:
    """A sentencepiece piece, not a language token or a fairseq filler."""
    if token.startswith("madeupword") or (token.startswith("__") and token.endswith("__")):
        return False
    return not (len(token) == 8 and token[3] == "_" and token[4:].istitle())


def sinusoidal_positions(num: int, dim: int) -> np.ndarray:
    """fairseq/M2M100 sinusoidal table (sin | cos halves), positions from the offset on."""
    half = dim // 2
    scale = math.log(10000) / (half - 1)
    freqs = np.exp(np.arange(half, dtype=np.float32) * -scale)
    steps = np.arange(POSITION_OFFSET, POSITION_OFFSET + num, dtype=np.float32)
    angles = steps[:, None] * freqs[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], axis=1).astype(np.float32)


class _Weights:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def matrix(self, rows: int, cols: int) -> np.ndarray:
        return self.rng.normal(0.0, 1.0 / math.sqrt(cols), (rows, cols)).astype(np.float32)

    def vector(self, size: int, scale: float = 0.02) -> np.ndarray:
        return self.rng.normal(0.0, scale, size).astype(np.float32)

    def linear(self, spec: common_spec.LinearSpec, out_dim: int, in_dim: int) -> None:
        spec.weight = self.matrix(out_dim, in_dim)
        spec.bias = self.vector(out_dim)

    def layer_norm(self, spec: common_spec.LayerNormSpec, dim: int) -> None:
        spec.gamma = (1.0 + self.vector(dim, 0.05)).astype(np.float32)
        spec.beta = self.vector(dim)


class TinyConverter(Converter):
    """A CTranslate2 converter whose 'checkpoint' is a seed."""

    def __init__(self, cfg: TinyConfig, vocabulary: list[str]) -> None:
        self.cfg = cfg
        self.vocabulary = vocabulary

    def _load(self) -> transformer_spec.TransformerSpec:
        cfg = self.cfg
        spec = transformer_spec.TransformerSpec.from_config(
            (cfg.layers, cfg.layers),
            cfg.heads,
            pre_norm=True,
            activation=common_spec.Activation.RELU,
            layernorm_embedding=False,
        )
        w = _Weights(cfg.seed)
        embeddings = w.matrix(len(self.vocabulary), cfg.d_model)
        embeddings[1] = 0.0  # <pad>
        embeddings[:, cfg.clock_dim] = 0.0
        positions = sinusoidal_positions(cfg.max_positions, cfg.d_model)
        self._set_encoder(spec.encoder, w, embeddings, positions)
        self._set_decoder(spec.decoder, w, embeddings, positions)
        self._set_output(spec.decoder, w)
        self._set_config(spec.config)
        spec.register_source_vocabulary(self.vocabulary)
        spec.register_target_vocabulary(self.vocabulary)
        return spec

    def _set_common(self, spec, w: _Weights, embeddings, positions) -> None:
        spec.scale_embeddings = math.sqrt(self.cfg.d_model)
        spec.position_encodings.encodings = positions
        emb = spec.embeddings[0] if isinstance(spec.embeddings, list) else spec.embeddings
        emb.weight = embeddings
        w.layer_norm(spec.layer_norm, self.cfg.d_model)

    def _set_ffn(self, spec, w: _Weights) -> None:
        d, f = self.cfg.d_model, self.cfg.ffn
        w.layer_norm(spec.layer_norm, d)
        w.linear(spec.linear_0, f, d)
        w.linear(spec.linear_1, d, f)

    def _set_encoder(self, spec, w: _Weights, embeddings, positions) -> None:
        d = self.cfg.d_model
        self._set_common(spec, w, embeddings, positions)
        for layer in spec.layer:
            w.layer_norm(layer.self_attention.layer_norm, d)
            w.linear(layer.self_attention.linear[0], 3 * d, d)  # fused q, k, v
            w.linear(layer.self_attention.linear[1], d, d)
            self._set_ffn(layer.ffn, w)

    def _set_decoder(self, spec, w: _Weights, embeddings, positions) -> None:
        d = self.cfg.d_model
        self._set_common(spec, w, embeddings, positions)
        for layer in spec.layer:
            w.layer_norm(layer.self_attention.layer_norm, d)
            w.linear(layer.self_attention.linear[0], 3 * d, d)
            w.linear(layer.self_attention.linear[1], d, d)
            w.layer_norm(layer.attention.layer_norm, d)
            w.linear(layer.attention.linear[0], d, d)  # q
            w.linear(layer.attention.linear[1], 2 * d, d)  # fused k, v
            w.linear(layer.attention.linear[2], d, d)
            self._set_ffn(layer.ffn, w)
            self._keep_clock(layer)
        spec.layer_norm.gamma[self.cfg.clock_dim] = 1.0
        spec.layer_norm.beta[self.cfg.clock_dim] = 0.0

    def _keep_clock(self, layer) -> None:
        """No sublayer writes to the clock dimension: it carries the position unchanged."""
        for linear in (
            layer.self_attention.linear[1],
            layer.attention.linear[2],
            layer.ffn.linear_1,
        ):
            linear.weight[self.cfg.clock_dim, :] = 0.0
            linear.bias[self.cfg.clock_dim] = 0.0

    def _set_output(self, spec, w: _Weights) -> None:
        """A random output layer that ends sentences and never emits special tokens.

        NLLB ties lm_head to the embeddings, but random tied weights only ever repeat
        the last token, so the tiny model gets its own output layer. The `</s>` logit
        reads only the clock dimension (a slow sinusoid of the decoding step), so it
        grows with every step and each sentence ends after an input-dependent length.
        """
        cfg = self.cfg
        weight = w.matrix(len(self.vocabulary), cfg.d_model) * cfg.out_scale
        eos = self.vocabulary.index("</s>")
        weight[eos, :] = 0.0
        weight[eos, cfg.clock_dim] = cfg.eos_slope
        spec.projection.weight = weight
        spec.projection.bias = self._output_bias()

    def _output_bias(self) -> np.ndarray:
        bias = np.zeros(len(self.vocabulary), dtype=np.float32)
        for index, token in enumerate(self.vocabulary):
            if token in ("<s>", "<pad>", "<unk>", "<mask>") or not _is_piece(token):
                bias[index] = -50.0
        bias[self.vocabulary.index("</s>")] = self.cfg.eos_bias
        return bias

    @staticmethod
    def _set_config(config) -> None:
        # What ct2-transformers-converter writes for NLLB-200 and M2M-100.
        config.bos_token = "<s>"
        config.eos_token = "</s>"
        config.unk_token = "<unk>"
        config.decoder_start_token = "</s>"
        config.add_source_bos = False
        config.add_source_eos = False


def build(out_dir: Path, m2m: bool, cfg: TinyConfig) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        spm_path = train_sentencepiece(Path(tmp), cfg)
        vocabulary = build_vocabulary(spm_path, m2m)
        TinyConverter(cfg, vocabulary).convert(str(out_dir), quantization="float16", force=True)
        shutil.copy(spm_path, out_dir / "sentencepiece.bpe.model")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--m2m", action="store_true", help="M2M-100 layout (__en__ tokens)")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument("--seed", type=int, default=TinyConfig.seed)
    args = parser.parse_args(argv)
    default = "tiny_m2m" if args.m2m else "tiny_nllb"
    out = args.out or ROOT / "tests" / "fixtures" / default
    path = build(out, args.m2m, TinyConfig(seed=args.seed))
    size = sum(p.stat().st_size for p in path.iterdir())
    print(f"{path}: {size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
