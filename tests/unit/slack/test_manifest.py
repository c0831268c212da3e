"""The Slack app manifest, the code and docs/slack.md say the same: scopes, events, URLs,
subcommands. A scope added in code but not in the manifest would fail installs silently."""

from pathlib import Path

import yaml

from bot.slack.commands import COMMANDS
from bot.slack.oauth import BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
from bot.slack.routes import EVENTS_PATH

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "bot" / "slack" / "manifest.yaml"
GUIDE = ROOT / "docs" / "slack.md"

# What the listeners subscribe to (bot/slack/listeners) as Events API subscriptions.
LISTENED_EVENTS = {
    "app_home_opened",
    "app_mention",
    "app_uninstalled",
    "tokens_revoked",
    "message.im",
    "message.channels",
    "message.groups",
}


def _manifest() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def test_manifest_scopes_equal_the_oauth_scopes() -> None:
    assert sorted(_manifest()["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_manifest_urls_and_events_match_the_routes_and_listeners() -> None:
    m = _manifest()
    (command,) = m["features"]["slash_commands"]
    for url in (
        command["url"],
        m["settings"]["event_subscriptions"]["request_url"],
        m["settings"]["interactivity"]["request_url"],
    ):
        assert url.endswith(EVENTS_PATH)
    assert all(u.endswith(REDIRECT_PATH) for u in m["oauth_config"]["redirect_urls"])
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == LISTENED_EVENTS
    assert all(name in command["usage_hint"] for name in COMMANDS)


def test_the_guide_carries_the_manifest_and_explains_every_scope() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    block = guide.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert block == MANIFEST.read_text(encoding="utf-8")
    for scope in BOT_SCOPES:
        assert f"| `{scope}` |" in guide, scope
    for needed in (INSTALL_PATH, REDIRECT_PATH, "BMAD_PUBLIC_URL", "connections:write"):
        assert needed in guide
