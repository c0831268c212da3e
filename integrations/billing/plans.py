"""Plan catalog: monthly quotas per plan, loaded once from `plans.yaml`.

Why YAML: quotas and retention are product decisions that change without code changes.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from integrations.settings import Settings

Metric = Literal["runs", "llm_tokens"]
METRICS: tuple[Metric, ...] = ("runs", "llm_tokens")
PLANS_FILE = Path(__file__).with_name("plans.yaml")


class Plan(BaseModel):
    name: str
    rank: int
    runs: int | None = Field(None, ge=0)
    llm_tokens: int | None = Field(None, ge=0)
    retention_days: int = Field(90, gt=0)

    def limit(self, metric: Metric) -> int | None:
        """The monthly quota for `metric`; None means unlimited."""
        return self.runs if metric == "runs" else self.llm_tokens


class PlanCatalog(BaseModel):
    thresholds: list[int]
    default_plan: str
    plans: dict[str, Plan]

    def get(self, name: str | None) -> Plan:
        """The named plan; an unknown name falls back to the default (never to unlimited)."""
        return self.plans.get(name or "", self.plans[self.default_plan])

    def upgrades_from(self, name: str) -> list[Plan]:
        current = self.get(name)
        return sorted(
            (p for p in self.plans.values() if p.rank > current.rank), key=lambda p: p.rank
        )


@lru_cache(maxsize=4)
def load_catalog(path: Path = PLANS_FILE) -> PlanCatalog:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    plans = {name: Plan(name=name, **body) for name, body in raw["plans"].items()}
    return PlanCatalog(
        thresholds=sorted(raw["thresholds"]), default_plan=raw["default_plan"], plans=plans
    )


def get_plan(name: str | None) -> Plan:
    return load_catalog().get(name)


SELF_HOSTED = "self_hosted"


def billing_configured(settings: Settings) -> bool:
    """Billing applies only where Stripe is configured (a self-hosted install has no paywall)."""
    return settings.stripe_api_key is not None


def default_plan_for(settings: Settings) -> str:
    """The plan a new tenant gets: the catalog's default with billing, else `self_hosted`."""
    return load_catalog().default_plan if billing_configured(settings) else SELF_HOSTED
