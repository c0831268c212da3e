import pytest

from integrations.webhooks_out.signing import (
    SignatureError,
    sign,
    sign_body,
    signed_headers,
    verify_body,
    verify_timestamped,
)

SECRET = "whsec_test"
BODY = b'{"text":"hello"}'


def test_timestamped_roundtrip() -> None:
    headers = signed_headers(SECRET, 1_700_000_000, BODY)
    verify_timestamped(
        SECRET,
        headers["X-BMAD-Timestamp"],
        headers["X-BMAD-Signature"],
        BODY,
        now=1_700_000_100,
        tolerance=300,
    )


@pytest.mark.parametrize(
    ("timestamp", "signature", "body", "now", "code"),
    [
        (None, None, BODY, 1_700_000_000, "missing_signature"),
        ("1700000000", None, BODY, 1_700_000_000, "missing_signature"),
        ("yesterday", "sha256=00", BODY, 1_700_000_000, "bad_timestamp"),
        ("1700000000", sign(SECRET, 1_700_000_000, BODY), BODY, 1_700_000_301, "expired_timestamp"),
        ("1700000000", sign(SECRET, 1_700_000_000, BODY), BODY, 1_699_999_699, "expired_timestamp"),
        ("1700000000", sign("other", 1_700_000_000, BODY), BODY, 1_700_000_000, "bad_signature"),
        ("1700000000", sign(SECRET, 1_700_000_000, BODY), b"{}", 1_700_000_000, "bad_signature"),
        # the timestamp is signed: moving it forward breaks the signature
        ("1700000001", sign(SECRET, 1_700_000_000, BODY), BODY, 1_700_000_000, "bad_signature"),
    ],
)
def test_timestamped_failures(timestamp, signature, body, now, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as err:
        verify_timestamped(SECRET, timestamp, signature, body, now=now, tolerance=300)
    assert err.value.code == code


def test_github_body_signature() -> None:
    # GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign_body("It's a Secret to Everybody", b"Hello, World!") == expected
    verify_body("It's a Secret to Everybody", expected, b"Hello, World!")
    with pytest.raises(SignatureError):
        verify_body("It's a Secret to Everybody", expected, b"Hello, World?")
    with pytest.raises(SignatureError):
        verify_body("s", None, b"x")
