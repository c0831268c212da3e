"""Process configuration.

Lives in the lowest layer so every layer reads the same settings object; the edges
(`bot/`) decide when to load it and report invalid values to the operator.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

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
    # Chat turns get their own queue so a backlog of workflow steps never delays a reply;
    # unset = "<celery_queue>.turns".
    celery_turn_queue: str | None = Field(None, min_length=1, max_length=100)
    # A running step renews its lease every heartbeat; a worker that stops renewing (killed,
    # frozen) loses the step once the lease runs out, and another worker takes it over.
    step_heartbeat_seconds: float = Field(10.0, gt=0)
    step_lease_seconds: float = Field(30.0, gt=0)
    # Where `bmad nlu train` / `bmad migrate` put the trained intent model, shared by replicas;
    # unset = "<data_dir>/nlu".
    model_dir: str | None = None
    # Embedded mode only: how often the in-process beat sweeps workflows (0 = off).
    embedded_beat_seconds: float = Field(30.0, ge=0)
    conversation_ttl: int = Field(7 * 24 * 3600, gt=0, description="seconds")
    # How long a question the assistant asked (a slot, a confirmation, a choice) stays
    # answerable; after that a bare "yes" or answer is ignored with a reply saying so.
    pending_ttl_seconds: int = Field(600, gt=0, description="seconds")
    max_body_bytes: int = Field(1_000_000, gt=0)
    # `bmad worker` serves Prometheus metrics of all its pool processes here (0 = off).
    worker_metrics_port: int = Field(9101, ge=0, le=65535)
    log_level: str = "INFO"
    log_json: bool = True
    data_dir: str = ".bmad"
    public_url: str = "http://127.0.0.1:8000"
    # Web console sign-in with OpenID Connect (docs/console.md). Slack is such a provider
    # (issuer https://slack.com): its workspace claim picks the tenant. Any other provider
    # signs people into `oidc_tenant`.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_tenant: str | None = None

    openai_api_key: SecretStr | None = Field(None, validation_alias=_vendor("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=_vendor("OPENAI_BASE_URL"))
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = Field(5.0, gt=0)
    # How agents ask for structured output: auto picks json_schema for OpenAI/Azure and
    # tools (function calling) for other OpenAI-compatible servers; see docs/llm.md.
    llm_structured: Literal["auto", "json_schema", "tools", "json"] = "auto"
    # Agent calls: attempts on 429/5xx/timeouts and the total time they may take (backoff
    # and Retry-After included); after that the offline analysis is the result.
    llm_max_attempts: int = Field(3, ge=1, le=10)
    llm_retry_budget_seconds: float = Field(20.0, ge=0)
    github_api_url: str = Field(
        "https://api.github.com", validation_alias=_vendor("GITHUB_API_URL")
    )
    # Size cap of a fetched pull-request diff (bytes of patches); the rest is noted, not read.
    github_max_diff_bytes: int = Field(200_000, gt=0)
    # Intent layer: below this local confidence the LLM router decides (when configured).
    nlu_llm_threshold: float = Field(0.6, ge=0.0, le=1.0)
    # Below this local confidence a message is out of scope; None = the value tuned in training.
    nlu_oos_threshold: float | None = Field(None, ge=0.0, le=1.0)
    # The optional sentence encoder in the intent classifier: "minilm" (needs
    # requirements-encoder.lock; ~9 ms CPU per message) or "" (off).
    nlu_encoder: Literal["", "minilm"] = ""
    # Service names a typo snaps to ("chekout" -> "checkout"); JSON list. Empty: names are
    # taken as written.
    known_services: list[str] = Field(default_factory=list)

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
    # Text files shared with the bot (DMs) up to this size become part of the request.
    slack_file_max_bytes: int = Field(100_000, gt=0, le=1_000_000)

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

    # Webhooks and API (integrations.webhooks_out, bot.webhooks): Fernet key that encrypts
    # webhook secrets at rest; unset = a key file under data_dir (embedded use only).
    secret_key: SecretStr | None = None
    # The key before the last rotation: still decrypts, until `bmad secrets rotate` ran.
    secret_key_previous: SecretStr | None = None
    webhook_timestamp_tolerance: int = Field(300, gt=0, description="seconds")
    # Development and tests only: lets outbound webhooks and deploy hooks call http:// and
    # private/loopback addresses (the SSRF guard, integrations/security/ssrf.py, is off).
    webhook_allow_private: bool = False
    # When set, GET /metrics requires `Authorization: Bearer <token>` (set it in production).
    metrics_token: SecretStr | None = None
    # Per-event retry schedule (seconds after the 1st, 2nd, ... failed attempt; the last
    # value repeats) with +/- `webhook_retry_jitter` of random spread, for `retry_window`.
    webhook_retry_schedule: list[float] = Field(
        default_factory=lambda: [5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0],
        min_length=1,
        description="seconds, JSON list",
    )
    webhook_retry_jitter: float = Field(0.1, ge=0.0, le=0.5, description="fraction")
    webhook_retry_window: int = Field(24 * 3600, gt=0, description="seconds of retries")
    # An endpoint is disabled only when it has failed every attempt for this long.
    webhook_disable_after: int = Field(24 * 3600, gt=0, description="seconds failing")
    webhook_delivery_timeout: float = Field(10.0, gt=0, description="seconds per attempt")
    webhook_poll_seconds: float = Field(2.0, ge=0, description="eager outbox poller; 0 = off")

    # Optional error tracking (integrations.observability.errors); unset = nothing is sent.
    sentry_dsn: SecretStr | None = Field(None, validation_alias=_vendor("SENTRY_DSN"))

    # Turn rate limits (integrations.rate_limit), shared through Redis; 0 = no limit.
    rate_limit_user_per_minute: int = Field(60, ge=0, description="turns per user per minute")
    rate_limit_tenant_per_minute: int = Field(1200, ge=0, description="turns per tenant per minute")

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.queue == "celery" and not self.redis_url:
            raise ValueError("BMAD_QUEUE=celery requires BMAD_REDIS_URL (the Celery broker)")
        if self.step_lease_seconds <= self.step_heartbeat_seconds:
            raise ValueError(
                "BMAD_STEP_LEASE_SECONDS must be longer than BMAD_STEP_HEARTBEAT_SECONDS"
            )
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("BMAD_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        return self

    @property
    def llm_configured(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def turn_queue(self) -> str:
        return self.celery_turn_queue or f"{self.celery_queue}.turns"

    @property
    def worker_queues(self) -> list[str]:
        """Every queue a worker consumes by default: turns first, then steps and background
        jobs (kombu's Redis transport rotates between them, so neither starves)."""
        return [self.turn_queue, self.celery_queue]

    @property
    def embedded_redis(self) -> bool:
        return self.redis_url is None

    @property
    def shared_deployment(self) -> bool:
        """More than one process may share the data (PostgreSQL or Redis configured): keys
        must come from the environment, not from a per-process key file."""
        return not self.database_url.startswith("sqlite") or self.redis_url is not None


class ConfigurationError(RuntimeError):
    """Invalid configuration, with a message that names the offending setting."""


FERNET_HINT = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def missing_deployment_keys(settings: Settings) -> list[str]:
    """Keys a shared deployment must set (empty for the embedded default)."""
    if not settings.shared_deployment:
        return []
    missing = []
    if settings.secret_key is None:
        missing.append("BMAD_SECRET_KEY")
    if settings.privacy_pseudonym_key is None:
        missing.append("BMAD_PRIVACY_PSEUDONYM_KEY")
    return missing


def require_deployment_keys(settings: Settings) -> None:
    """Refuse to start a shared deployment without its keys: each process would otherwise
    make its own key file, and secrets one stored could not be read by another."""
    missing = missing_deployment_keys(settings)
    if missing:
        raise ConfigurationError(
            f"{' and '.join(missing)} must be set (the same value in every serve, worker and "
            "beat process) when BMAD_DATABASE_URL is PostgreSQL or BMAD_REDIS_URL is set; "
            f"make a key with: {FERNET_HINT}"
        )


def describe_validation_error(err: ValidationError) -> str:
    lines = []
    for problem in err.errors():
        where = ".".join(str(p) for p in problem["loc"]) or "configuration"
        setting = where if where.isupper() or where == "configuration" else f"BMAD_{where.upper()}"
        lines.append(f"{setting}: {problem['msg']}")
    return "; ".join(lines)


def describe_settings_error(err: SettingsError) -> str:
    """pydantic-settings fails before validation when a JSON-valued variable is not JSON;
    its message names the field, not the variable, and comes with a long traceback."""
    found = re.search(r'field "([^"]+)"', str(err))
    if found is None:
        return str(err).splitlines()[0]
    field = Settings.model_fields.get(found.group(1))
    names = [f"BMAD_{found.group(1).upper()}"]
    alias = getattr(field, "validation_alias", None) if field else None
    if isinstance(alias, AliasChoices):
        names = [str(c) for c in alias.choices]
    return f"{names[0]}: not valid JSON (a JSON object is expected)"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as err:
        raise ConfigurationError(
            f"invalid configuration: {describe_validation_error(err)}"
        ) from err
    except SettingsError as err:
        raise ConfigurationError(f"invalid configuration: {describe_settings_error(err)}") from err


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings` and pass them in)."""
    return load_settings()
