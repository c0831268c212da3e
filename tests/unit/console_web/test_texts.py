"""Console texts are data: every value a string (YAML reads a bare `on` as True, which a
page then showed as "True"), and Dutch has no key English lacks."""

from __future__ import annotations

import pytest

from bot.console_web.texts import LANGS, texts


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_is_a_string(lang: str) -> None:
    texts.cache_clear()
    not_text = {k: v for k, v in texts(lang).items() if not isinstance(v, str)}
    assert not not_text


def test_dutch_translates_english_keys_only() -> None:
    import yaml

    from bot.console_web.texts import TEXTS_DIR

    english = yaml.safe_load((TEXTS_DIR / "en.yaml").read_text(encoding="utf-8"))
    dutch = yaml.safe_load((TEXTS_DIR / "nl.yaml").read_text(encoding="utf-8"))
    assert set(dutch) <= set(english)
    assert len(dutch) >= 0.95 * len(english)  # a few texts may stay English on purpose
