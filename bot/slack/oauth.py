"""Multi-workspace install: Bolt's OAuth flow with our tenant hook on success.

Bolt runs /slack/install (state issued into the state store, then a 302 straight to
Slack's authorize URL with `redirect_uri` = BMAD_PUBLIC_URL + /slack/oauth_redirect, the
URL registered in the app's manifest) and /slack/oauth_redirect (state consumed,
oauth.v2.access, installation saved). On success the workspace becomes a tenant and the
installing user its owner; then Bolt's default success page is shown.

BOT_SCOPES must equal the manifest's bot scopes (tests/unit/slack/test_manifest.py).
"""

from __future__ import annotations

from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.response import BoltResponse

from bot.slack.tenancy import install_tenant
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.installations import installation_store, oauth_state_store

log = get_logger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "users:read",  # users.info: people's profile email for approval emails
    "users:read.email",
]


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + REDIRECT_PATH


def oauth_settings(settings: Settings) -> OAuthSettings:
    client_id, client_secret = settings.slack_client_id, settings.slack_client_secret
    if not (client_id and client_secret):
        raise RuntimeError("Slack OAuth needs BMAD_SLACK_CLIENT_ID and BMAD_SLACK_CLIENT_SECRET")

    def on_success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        team_id = installation.team_id or ""
        install_tenant(settings, team_id, installation.team_name or team_id, installation.user_id)
        log.info("slack_installed", tenant_id=team_id)
        return args.default.success(args)

    def on_failure(args: FailureArgs) -> BoltResponse:
        log.warning("slack_install_failed", reason=args.reason)
        return args.default.failure(args)

    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret.get_secret_value(),
        scopes=BOT_SCOPES,
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        redirect_uri=redirect_uri(settings),
        install_page_rendering_enabled=False,
        installation_store=installation_store(settings),
        state_store=oauth_state_store(settings),
        callback_options=CallbackOptions(success=on_success, failure=on_failure),
    )
