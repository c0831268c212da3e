import os
import stat

import pytest
from cryptography.fernet import Fernet

from integrations.settings import ConfigurationError, Settings
from integrations.webhooks_out.crypto import (
    SecretUnreadableError,
    decrypt_secret,
    encrypt_secret,
    hash_token,
)


def test_embedded_key_file_is_created_once_and_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=str(tmp_path), _env_file=None)
    token = encrypt_secret(settings, "s3cret")
    assert "s3cret" not in token
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert decrypt_secret(settings, token) == "s3cret"
    assert key_file.read_bytes()  # reused, not rewritten
    assert decrypt_secret(Settings(data_dir=str(tmp_path), _env_file=None), token) == "s3cret"


def test_configured_key_and_wrong_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = Settings(secret_key=Fernet.generate_key().decode(), _env_file=None)
    b = Settings(secret_key=Fernet.generate_key().decode(), _env_file=None)
    token = encrypt_secret(a, "x")
    assert decrypt_secret(a, token) == "x"
    with pytest.raises(SecretUnreadableError):
        decrypt_secret(b, token)


def test_invalid_key_names_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="BMAD_SECRET_KEY"):
        encrypt_secret(Settings(secret_key="too-short", _env_file=None), "x")


def test_token_hash_is_stable_and_not_the_token() -> None:
    assert hash_token("abc") == hash_token("abc") != "abc"
    assert len(hash_token("abc")) == 64
