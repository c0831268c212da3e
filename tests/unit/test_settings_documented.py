"""Every field of `Settings` is documented in the README's configuration table, under the
environment variable pydantic-settings actually reads, with the default the code has."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices
from pydantic.fields import FieldInfo

from integrations.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def env_names(name: str, field: FieldInfo) -> list[str]:
    """The variables a field is read from: its alias choices (a vendor's name such as
    OPENAI_API_KEY and the same with BMAD_), else the env prefix + the upper-cased name."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"{Settings.model_config['env_prefix']}{name.upper()}"]


def configuration_rows() -> list[tuple[list[str], str]]:
    """(variables, default cell) of each row of the table under `## Configuration`."""
    text = README.read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        rows.append((re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]), cells[1]))
    return rows


def documented_defaults() -> dict[str, str]:
    """Variable -> its default as written; a cell of comma-separated values pairs them with
    the row's variables in order, a single value applies to all of them."""
    defaults: dict[str, str] = {}
    for names, cell in configuration_rows():
        parts = cell.split(", ")
        if len(parts) != len(names):
            parts = [cell] * len(names)
        defaults.update(zip(names, parts, strict=True))
    return defaults


FIELDS = sorted(Settings.model_fields.items())


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[name for name, _ in FIELDS])
def test_setting_is_documented(name: str, field: FieldInfo) -> None:
    names = env_names(name, field)
    assert set(names) & set(documented_defaults()), (
        f"Settings.{name} ({' or '.join(names)}) is not in README.md's configuration table"
    )


def matches(written: str, default: Any) -> bool | None:
    """Whether a documented default agrees with the code's; None = prose, not checked."""
    if written.startswith("unset"):
        return default is None or default == [] or default == {}
    literal = re.fullmatch(r"`([^`]*)`", written)
    if literal is None or "<" in literal.group(1):
        return None  # "key file in BMAD_DATA_DIR", "`<BMAD_DATA_DIR>/nlu`" (derived), ...
    value = literal.group(1)
    if isinstance(default, bool):
        return value.lower() in ("1", "true") if default else value.lower() in ("0", "false")
    if isinstance(default, int | float):
        return float(value) == float(default)
    if isinstance(default, list | dict):
        return json.loads(value) == default
    return value == default


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[name for name, _ in FIELDS])
def test_documented_default_is_the_code_default(name: str, field: FieldInfo) -> None:
    defaults = documented_defaults()
    default = field.get_default(call_default_factory=True)
    for var in env_names(name, field):
        if var in defaults:
            assert matches(defaults[var], default) is not False, (
                f"README.md says {var} defaults to {defaults[var]}; the code says {default!r}"
            )


def test_llm_model_default_is_stated() -> None:
    assert Settings.model_fields["llm_model"].default == "gpt-4o-mini"
    assert documented_defaults()["BMAD_LLM_MODEL"] == "`gpt-4o-mini`"


def test_no_documented_bmad_variable_is_unknown() -> None:
    known = {var for name, field in FIELDS for var in env_names(name, field)}
    stale = {v for v in documented_defaults() if v.startswith("BMAD_") and v not in known}
    assert not stale, f"README.md documents variables no setting reads: {sorted(stale)}"
