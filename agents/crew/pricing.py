"""Cost of LLM tokens per model, from `pricing.yaml` (USD per million tokens).

Why data: prices change and self-hosted models cost nothing per token; an unknown model
is recorded with cost 0 and its tokens, never with a guessed price.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

PRICING_FILE = Path(__file__).with_name("pricing.yaml")


@lru_cache(maxsize=1)
def _prices() -> dict[str, dict[str, float]]:
    return yaml.safe_load(PRICING_FILE.read_text(encoding="utf-8"))["models"]


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    price = _prices().get(model)
    if price is None:
        return 0.0
    return round(
        (prompt_tokens * price["input"] + completion_tokens * price["output"]) / 1_000_000, 6
    )
