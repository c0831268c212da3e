"""Text features for the intent classifier: TF-IDF n-grams plus optional static embeddings.

Why this mix: word n-grams catch the command words ("deploy", "retro"), character n-grams
survive typos, Dutch compounds and inflections ("uitrollen", "deployen"), and a static
embedding (wordllama, whose weights ship inside its PyPI wheel, so nothing is downloaded
at run time) adds similarity between words never seen together in the training examples.
The optional sentence encoder (`encoder.py`, off by default) adds a contextual vector of
the whole sentence, for broad-domain accuracy at ~9 ms per message.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion


@lru_cache(maxsize=1)
def _wordllama(dim: int) -> Any:
    """The packaged wordllama model, loaded from the installed wheel (offline)."""
    import wordllama
    from wordllama import WordLlama

    folder = os.path.dirname(wordllama.__file__)
    return WordLlama.load(dim=dim, cache_dir=folder, disable_download=True)


def embeddings_available(dim: int = 256) -> bool:
    try:
        _wordllama(dim)
    except Exception:
        return False
    return True


class StaticEmbedder(BaseEstimator, TransformerMixin):
    """sklearn transformer: L2-normalised wordllama sentence vectors times `weight`.

    The model itself is not pickled with the classifier (it is part of the installed
    package); it is looked up again after loading.
    """

    def __init__(self, dim: int = 256, weight: float = 1.0) -> None:
        self.dim = dim
        self.weight = weight

    def fit(self, texts: list[str], y: Any = None) -> StaticEmbedder:
        return self

    def transform(self, texts: list[str]) -> csr_matrix:
        vectors = np.asarray(_wordllama(self.dim).embed(list(texts), norm=True), dtype=np.float64)
        return csr_matrix(vectors * self.weight)


class SentenceEncoder(BaseEstimator, TransformerMixin):
    """sklearn transformer: unit-length MiniLM sentence vectors times `weight` (the model
    is the installed wheel's, loaded once per process, never pickled)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: list[str], y: Any = None) -> SentenceEncoder:
        return self

    def transform(self, texts: list[str]) -> csr_matrix:
        from conversations.nlu.encoder import shared_encoder

        encoder = shared_encoder()
        texts = list(texts)
        vectors = (
            encoder.encode_one(texts[0])[None, :] if len(texts) == 1 else encoder.encode(texts)
        )
        return csr_matrix(np.asarray(vectors, dtype=np.float64) * self.weight)


def build_features(
    *,
    embeddings: bool,
    embedding_weight: float = 1.0,
    encoder: bool = False,
    encoder_weight: float = 1.0,
) -> FeatureUnion:
    parts: list[tuple[str, Any]] = [
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
        (
            "chars",
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, lowercase=True
            ),
        ),
    ]
    if embeddings:
        parts.append(("embedding", StaticEmbedder(weight=embedding_weight)))
    if encoder:
        parts.append(("encoder", SentenceEncoder(weight=encoder_weight)))
    return FeatureUnion(parts)
