"""Shared files: text-like ones are downloaded with the bot token and become part of the
request; others are named back; the token never goes to a host that is not Slack's."""

from pydantic import SecretStr

from bot.slack.files import SlackFile, download_text, is_text_like, request_with_files
from integrations.settings import Settings
from tests.fakes.slack_api import FakeSlackAPI


def _settings(slack: FakeSlackAPI) -> Settings:
    return Settings(
        slack_api_url=slack.api_url, slack_bot_token=SecretStr("xoxb-1"), _env_file=None
    )


def test_text_like_files_by_type_extension_or_mimetype() -> None:
    assert is_text_like(SlackFile(name="app.py", filetype="python"))
    assert is_text_like(SlackFile(name="notes", mimetype="text/markdown"))
    assert is_text_like(SlackFile(name="build.log"))
    assert not is_text_like(SlackFile(name="screen.png", filetype="png", mimetype="image/png"))


def test_a_python_file_becomes_a_fenced_block_of_the_request() -> None:
    with FakeSlackAPI() as slack:
        shared = slack.add_file("calc.py", "def f():\n    return 1\n", filetype="python")
        image = slack.add_file("x.png", b"\x89PNG", filetype="png", mimetype="image/png")
        files = [SlackFile.from_event(shared), SlackFile.from_event(image)]
        text, refused = request_with_files(_settings(slack), "xoxb-1", "review this", files, 8000)
        (download,) = slack.calls_to("file_download")
    assert text == "review this\n\ncalc.py:\n```\ndef f():\n    return 1\n```"
    assert [(r.name, r.reason) for r in refused] == [("x.png", "file_not_text")]
    assert download.token == "xoxb-1"


def test_without_the_bot_token_slack_gives_a_sign_in_page_not_the_file() -> None:
    with FakeSlackAPI() as slack:
        shared = SlackFile.from_event(slack.add_file("a.txt", "secret"))
        assert download_text(_settings(slack), shared, "not-a-bot-token") is None
        assert download_text(_settings(slack), shared, "xoxb-1") == "secret"


def test_the_token_is_never_sent_to_another_host() -> None:
    with FakeSlackAPI() as slack:
        evil = SlackFile(name="a.txt", url="http://attacker.invalid/files-pri/x/a.txt")
        assert download_text(_settings(slack), evil, "xoxb-1") is None
        assert slack.calls_to("file_download") == []
