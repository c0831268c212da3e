"""Process configuration.

Lives in the lowest layer so every layer reads the same settings object; the edges
(`bot/`) decide when to load it and report invalid values to the operator.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def _vendor(name: str) -> AliasChoices:
    """Vendors' usual variable names (OPENAI_API_KEY, ...), also accepted with BMAD_ prefix."""
    return AliasChoices(name, f"BMAD_{name}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BMAD_", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///./bmad.db"
    redis_url: str | None = None
    queue: Literal["eager", "celery"] = "eager"
    # Celery queue the workflow steps go to (tests use a unique one per session).
    celery_queue: str = Field("bmad", min_length=1, max_length=100)
    # Embedded mode only: how often the in-process beat sweeps workflows (0 = off).
    embedded_beat_seconds: float = Field(30.0, ge=0)
    conversation_ttl: int = Field(7 * 24 * 3600, gt=0, description="seconds")
    max_body_bytes: int = Field(1_000_000, gt=0)
    log_level: str = "INFO"
    log_json: bool = True
    data_dir: str = ".bmad"
    public_url: str = "http://127.0.0.1:8000"

    openai_api_key: SecretStr | None = Field(None, validation_alias=_vendor("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_vendor("OPENAI_BASE_URL"))
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(5.0, gt=0)
    # Intent layer: below this local confidence the LLM router decides (when configured).
    nlu_llm_threshold: float = Field(0.6, ge=0.0, le=1.0)
    # Below this local confidence a message is out of scope; None = the value tuned in training.
    nlu_oos_threshold: float | None = Field(None, ge=0.0, le=1.0)

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_vendor("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_vendor("SLACK_SIGNING_SECRET")
    )
    slack_client_id: str | None = Field(None, validation_alias=_vendor("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=_vendor("SLACK_CLIENT_SECRET")
    )
    slack_app_token: SecretStr | None = Field(None, validation_alias=_vendor("SLACK_APP_TOKEN"))
    slack_api_url: str = Field(DEFAULT_SLACK_API_URL, validation_alias=_vendor("SLACK_API_URL"))

    stripe_api_key: SecretStr | None = Field(None, validation_alias=_vendor("STRIPE_API_KEY"))
    stripe_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_vendor("STRIPE_WEBHOOK_SECRET")
    )
    stripe_api_base: str | None = Field(None, validation_alias=_vendor("STRIPE_API_BASE"))

    sendgrid_api_key: SecretStr | None = Field(None, validation_alias=_vendor("SENDGRID_API_KEY"))
    sendgrid_api_host: str | None = Field(None, validation_alias=_vendor("SENDGRID_API_HOST"))
    # Billing, email and data protection (integrations/billing, integrations/email).
    stripe_price_ids: dict[str, str] = Field(
        default_factory=dict, description="plan name -> Stripe price id (JSON object)"
    )
    stripe_meter_events: dict[str, str] = Field(
        default_factory=lambda: {"runs": "bmad_workflow_runs", "llm_tokens": "bmad_llm_tokens"},
        description="usage metric -> Stripe billing meter event_name",
    )
    billing_grace_days: int = Field(7, ge=0)
    billing_link_secret: SecretStr | None = None
    sendgrid_webhook_public_key: str | None = Field(
        None, validation_alias=_vendor("SENDGRID_WEBHOOK_PUBLIC_KEY")
    )
    email_from: str = "bmad@example.com"
    privacy_pseudonym_key: SecretStr | None = None
    default_retention_days: int = Field(90, gt=0)

    # Webhooks and API (integrations.webhooks_out, bot.webhooks): Fernet key that encrypts
    # webhook secrets at rest; unset = a key file under data_dir (embedded use only).
    secret_key: SecretStr | None = None
    webhook_timestamp_tolerance: int = Field(300, gt=0, description="seconds")
    webhook_max_failures: int = Field(10, gt=0, description="consecutive, then disable")
    webhook_retry_window: int = Field(24 * 3600, gt=0, description="seconds of retries")
    webhook_delivery_timeout: float = Field(10.0, gt=0, description="seconds per attempt")
    webhook_poll_seconds: float = Field(2.0, ge=0, description="eager outbox poller; 0 = off")

    # Turn rate limits (integrations.rate_limit), shared through Redis; 0 = no limit.
    rate_limit_user_per_minute: int = Field(60, ge=0, description="turns per user per minute")
    rate_limit_tenant_per_minute: int = Field(1200, ge=0, description="turns per tenant per minute")

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.queue == "celery" and not self.redis_url:
            raise ValueError("BMAD_QUEUE=celery requires BMAD_REDIS_URL (the Celery broker)")
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("BMAD_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        return self

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None


class ConfigurationError(RuntimeError):
    """Invalid configuration, with a message that names the offending setting."""


def describe_validation_error(err: ValidationError) -> str:
    lines = []
    for problem in err.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "configuration"
        setting = where if where.isupper() or where == "configuration" else f"BMAD_{where.upper()}"
        lines.append(f"{setting}: {problem['msg']}")
    return "; ".join(lines)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        raise ConfigurationError(
            f"invalid configuration: {describe_validation_error(err)}"
        ) from err


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` and pass them in)."""
    return load_settings()
