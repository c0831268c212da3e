"""Console texts come from prompts/console/{en,nl}.yaml; the language from the user's
choice (a cookie) or else the browser's Accept-Language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TEXTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "console"
LANGS = ("en", "nl")
LANG_COOKIE = "bmad_lang"


@lru_cache(maxsize=4)
def texts(lang: str) -> dict[str, str]:
    english = yaml.safe_load((TEXTS_DIR / "en.yaml").read_text(encoding="utf-8"))
    if lang == "en":
        return english
    own = yaml.safe_load((TEXTS_DIR / f"{lang}.yaml").read_text(encoding="utf-8"))
    return {**english, **own}  # a missing Dutch text falls back to English


def pick_lang(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LANGS:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGS:
            return code
    return "en"
