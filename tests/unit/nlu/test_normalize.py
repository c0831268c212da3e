"""Slack markup and pasted material (issue 11, point 7): what the intent layer reads."""

from __future__ import annotations

from conversations.nlu.normalize import normalize_markup, prose, sentences


def test_mentions_channels_and_broadcasts() -> None:
    text = "<@U024BE7LH> ask <@U0ABC|sanne> in <#C024BE7LR|ops> <!here> <!subteam^S1|@devs>"
    assert normalize_markup(text) == "ask @sanne in #ops  @devs"


def test_links_keep_label_and_url() -> None:
    assert (
        normalize_markup("see <https://x.io/pull/7|this PR>") == "see this PR https://x.io/pull/7"
    )
    assert normalize_markup("see <https://x.io/pull/7>") == "see https://x.io/pull/7"
    assert normalize_markup("mail <mailto:a@b.nl|a@b.nl>") == "mail a@b.nl"


def test_entities_and_emoji() -> None:
    text = "deploy &lt;svc&gt; &amp; more :rocket: :+1::skin-tone-2: at 09:10:12"
    assert normalize_markup(text) == "deploy <svc> & more   at 09:10:12"


def test_emoji_between_sentences_keeps_them_apart() -> None:
    text = "approve run 9 :white_check_mark: I checked the plan"
    assert sentences(normalize_markup(text)) == ["approve run 9", "I checked the plan"]


def test_code_blocks_are_left_alone() -> None:
    text = "review this\n```\nx = {'a': ':not_an_emoji:'}\n    indented()\n```"
    assert normalize_markup(text) == text


def test_prose_drops_code_logs_quotes_tables_and_urls() -> None:
    text = (
        "Why does this fail? See https://ci.example/run/1\n"
        "```\nraise ValueError('x')\n```\n"
        "2026-11-30T09:10:03Z ERROR worker died\n"
        "Traceback (most recent call last):\n"
        '  File "/app/x.py", line 3, in f\n'
        "> quoted from the ticket\n"
        "NAME    READY   STATUS\n"
        "Please help."
    )
    assert prose(text) == "Why does this fail? See\nPlease help."


def test_slack_emphasis_marks_are_dropped_around_words() -> None:
    assert normalize_markup("deploy *checkout* to `staging`") == "deploy checkout to staging"
    assert (
        normalize_markup("zet *payments* op _acceptatie_ aub") == "zet payments op acceptatie aub"
    )
    assert normalize_markup("~old~ new") == "old new"
    # Not emphasis: arithmetic, snake_case names, code with spaces, code blocks.
    assert normalize_markup("a * b * c") == "a * b * c"
    assert normalize_markup("run feature_delivery now") == "run feature_delivery now"
    assert normalize_markup("use `kubectl get pods` now") == "use `kubectl get pods` now"
    assert normalize_markup("```\nx = *y*\n```") == "```\nx = *y*\n```"
