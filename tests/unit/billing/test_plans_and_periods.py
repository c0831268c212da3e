"""Plans catalog, billing periods and alert thresholds."""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun import freeze_time

from integrations.billing.period import period_of
from integrations.billing.plans import load_catalog
from integrations.billing.thresholds import crossed


def test_four_plans_with_growing_quotas() -> None:
    catalog = load_catalog()
    assert list(catalog.plans) == ["free", "team", "business", "enterprise", "self_hosted"]
    free, team, business, enterprise, self_hosted = catalog.plans.values()
    assert self_hosted.limit("runs") is None  # only for installs without Stripe
    assert free.runs < team.runs < business.runs  # type: ignore[operator]
    assert enterprise.limit("runs") is None and enterprise.limit("llm_tokens") is None
    assert catalog.get("no-such-plan").name == "free"  # unknown never means unlimited
    assert [p.name for p in catalog.upgrades_from("team")] == ["business", "enterprise"]


def test_periods_are_utc_calendar_months_and_roll_over_at_year_end() -> None:
    december = period_of(datetime(2030, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert december.name == "2030-12"
    assert december.end == datetime(2031, 1, 1, tzinfo=UTC)
    assert period_of(datetime(2031, 1, 1, tzinfo=UTC)).name == "2031-01"
    with freeze_time("2030-12-31 23:00:00"):
        assert december.seconds_left == 3600


def test_thresholds_reached() -> None:
    assert crossed(15, 20) == []  # 75%
    assert crossed(16, 20) == [80]
    assert crossed(20, 20) == [80, 100]
    assert crossed(25, 20) == [80, 100]
    assert crossed(10, 20) == []
    assert crossed(10_000, None) == []
