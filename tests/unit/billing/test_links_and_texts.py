"""Signed upgrade links; email templates and chat texts exist and render in EN and NL."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from freezegun import freeze_time
from pydantic import SecretStr

from agents.approval_mail import thread_url
from integrations.billing.links import upgrade_url, verify_upgrade_link
from integrations.billing.meter import meter_identifier
from integrations.billing.texts import BILLING_PROMPTS
from integrations.email.templates import EMAIL_PROMPTS, render_email, template_names
from integrations.settings import Settings


def _settings(**kw) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(_env_file=None, public_url="https://bmad.example", **kw)


def test_upgrade_link_is_signed_and_expires() -> None:
    settings = _settings(billing_link_secret=SecretStr("s3cret"))
    with freeze_time("2030-01-01"):
        url = upgrade_url(settings, "T1", "team")
        q = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
        assert url.startswith("https://bmad.example/billing/upgrade?")
        assert verify_upgrade_link(settings, "T1", "team", int(q["exp"]), q["sig"])
        assert not verify_upgrade_link(settings, "T2", "team", int(q["exp"]), q["sig"])
        assert not verify_upgrade_link(settings, "T1", "business", int(q["exp"]), q["sig"])
    with freeze_time("2030-02-01"):
        assert not verify_upgrade_link(settings, "T1", "team", int(q["exp"]), q["sig"])
    unsigned = _settings()
    assert upgrade_url(unsigned, "T1") == "https://bmad.example/billing/upgrade"
    assert not verify_upgrade_link(unsigned, "T1", "team", int(q["exp"]), q["sig"])


def test_email_templates_exist_in_both_languages() -> None:
    names = template_names("en")
    assert names == template_names("nl")
    assert set(names) == {
        "approval_request",
        "escalation",
        "payment_failed",
        "quota_warning",
        "weekly_digest",
    }
    for lang in ("en", "nl"):
        for name in names:
            for suffix in (".subject.txt", ".txt.j2", ".html.j2"):
                assert (EMAIL_PROMPTS / lang / f"{name}{suffix}").is_file()


def test_billing_texts_exist_in_both_languages() -> None:
    en = sorted(p.name for p in (BILLING_PROMPTS / "en").glob("*.md"))
    nl = sorted(p.name for p in (BILLING_PROMPTS / "nl").glob("*.md"))
    assert en == nl and "runs_exhausted.md" in en


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_quota_warning_renders(lang: str) -> None:
    mail = render_email(
        "quota_warning",
        lang,
        tenant_name="Acme <b>",
        metric="runs",
        used=16,
        limit=20,
        threshold=80,
        plan="free",
        period="2030-01",
        upgrade_url="https://bmad.example/billing/upgrade",
    )
    assert "80%" in mail.subject and "16" in mail.text
    assert "Acme &lt;b&gt;" in mail.html and "Acme <b>" in mail.text


def test_unknown_language_falls_back_to_english() -> None:
    mail = render_email(
        "payment_failed",
        "de",
        tenant_name="Acme",
        invoice_id="in_1",
        amount="1.00 EUR",
        grace_until="x",
        billing_url="u",
    )
    assert mail.lang == "en" and mail.subject.startswith("[BMAD] Payment failed")


def test_meter_identifier_is_deterministic_and_short() -> None:
    a = meter_identifier("T1", "runs", "run-1")
    assert a == meter_identifier("T1", "runs", "run-1")
    assert a != meter_identifier("T1", "llm_tokens", "run-1")
    assert len(a) <= 100


def test_thread_url_links_the_slack_thread() -> None:
    assert (
        thread_url("T1:slack:C123:1700000000.000100")
        == "https://slack.com/archives/C123/p1700000000000100"
    )
    assert thread_url("T1:api:conv") == ""


def test_prompt_dirs_are_where_the_code_looks() -> None:
    root = Path(__file__).resolve().parents[3] / "prompts"
    assert (root / "email", root / "billing") == (EMAIL_PROMPTS, BILLING_PROMPTS)
