from pydantic import SecretStr

from bot.doctor import effective_configuration, mask_url, run_doctor
from integrations.settings import Settings


def test_mask_url_hides_password_only() -> None:
    assert mask_url("postgresql+psycopg://bob:s3cret@db:5432/x") == (
        "postgresql+psycopg://bob:***@db:5432/x"
    )
    assert mask_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_doctor_output_never_contains_secrets(embedded_settings: Settings) -> None:
    s = embedded_settings.model_copy(update={"stripe_api_key": SecretStr("sk_live_do_not_print")})
    out: list[str] = []
    assert run_doctor(s, out.append) == 0
    text = "\n".join(out)
    assert "stripe_api_key = ***" in text
    assert "sk_live_do_not_print" not in text


def test_effective_configuration_masks_secret_values() -> None:
    s = Settings(_env_file=None, stripe_api_key=SecretStr("sk_live_do_not_print"))
    shown = effective_configuration(s)
    assert shown["stripe_api_key"] == "***"
    assert "sk_live_do_not_print" not in repr(shown)


def test_doctor_fails_when_database_unreachable(embedded_settings: Settings) -> None:
    s = embedded_settings.model_copy(
        update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/none"}
    )
    out: list[str] = []
    assert run_doctor(s, out.append) == 1
    assert any("database: UNREACHABLE" in line for line in out)
