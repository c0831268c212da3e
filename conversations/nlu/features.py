"""Text features for the intent classifier: TF-IDF n-grams plus optional static embeddings.

Why this mix: word n-grams catch the command words ("deploy", "retro"), character n-grams
survive typos, Dutch compounds and inflections ("uitrollen", "deployen"), and a static
embedding (wordllama, whose weights ship inside its PyPI wheel, so nothing is downloaded
at run time) adds similarity between words never seen together in the training examples.
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


def build_features(*, embeddings: bool, embedding_weight: float = 1.0) -> FeatureUnion:
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
    return FeatureUnion(parts)
