"""The environment table (`environments.yaml`): one normalisation for NLU and gate.

Why one table: the NLU and the run-start gate used to keep their own alias lists, so a
value one of them understood ("prd") slipped past the other; the gate must judge the same
canonical value the dialogue showed the user.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

TABLE_FILE = Path(__file__).with_name("environments.yaml")


class EnvironmentTable(BaseModel):
    environments: dict[str, list[str]]
    weak: list[str]
    protected: list[str]

    @property
    def aliases(self) -> dict[str, str]:
        """Every word (lower case) -> its canonical environment name."""
        table: dict[str, str] = {}
        for canonical, words in self.environments.items():
            table[canonical.lower()] = canonical
            for word in words:
                table[word.lower()] = canonical
        return table


@lru_cache(maxsize=1)
def environment_table() -> EnvironmentTable:
    return EnvironmentTable.model_validate(yaml.safe_load(TABLE_FILE.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def aliases() -> dict[str, str]:
    return environment_table().aliases


def weak_words() -> frozenset[str]:
    return frozenset(w.lower() for w in environment_table().weak)


def as_read(value: str) -> str:
    """What a person reads: NFKC (fullwidth letters -> ASCII) without control and format characters
    (NUL, zero-width space, soft hyphen), so an invisible character cannot make a
    production value look like an unknown one to the gate."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cc", "Cf"))


def normalize_environment(value: str | None) -> str | None:
    """The canonical name of an environment word ("prd" -> "production"), else None."""
    if not value:
        return None
    word = " ".join(as_read(value).strip().lower().replace("_", "-").split())
    return aliases().get(word) or aliases().get(word.replace(" ", "-"))


def is_protected(value: str | None) -> bool:
    """Does this environment value (any spelling) name a protected environment?

    Also when a protected word is one part of it ("prod-eu", "live_2"): for the gate a
    doubtful value errs on the side of asking for approval.
    """
    if not value:
        return False
    protected = set(environment_table().protected)
    if normalize_environment(value) in protected:
        return True
    parts = re.split(r"[\s_.:/-]+", as_read(value).strip().lower())
    return any(aliases().get(part) in protected for part in parts if part)
