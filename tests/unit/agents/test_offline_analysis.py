"""Offline agents backed by tools: realistic requests (EN and NL), concrete findings.

No language model is configured; what the user pasted is analysed by bandit, ruff and
detect-secrets, and the other tasks derive their content from the request's facts.
"""

from __future__ import annotations

import pytest

from agents.crew.runner import AgentResult, run_task
from integrations.settings import Settings


def _run(agent: str, task: str, lang: str = "en", **inputs: str) -> AgentResult:
    settings = Settings(_env_file=None, openai_api_key=None, openai_base_url=None)
    return run_task(settings, agent, task, inputs=inputs, upstream=[], lang=lang)


SQL_AND_EVAL = """Hey, can you review this before I merge? It's the user lookup for the admin page.

```python
import sqlite3


def find_user(conn: sqlite3.Connection, user_id: str):
    cur = conn.cursor()
    cur.execute("SELECT id, email FROM users WHERE id = " + user_id)
    row = cur.fetchone()
    filters = eval(request_filters)
    return row, filters
```
Thanks!"""


def test_sql_concatenation_and_eval_are_both_named_with_lines_and_fixes() -> None:
    result = _run("developer", "review_code", target="user lookup", request_text=SQL_AND_EVAL)
    text = result.text
    assert result.mode == "offline"
    assert text.startswith("_Offline analysis by Developer")
    assert "Ran bandit 1.9.4, ruff 0.17.5, detect-secrets 1.5.0" in text
    assert "`snippet_1:6` [medium] *SQL injection*" in text and "(bandit B608)" in text
    assert "`snippet_1:8` [medium] *Code injection (eval/exec)*" in text
    assert "placeholders" in text and "ast.literal_eval" in text  # fix hints
    assert "`snippet_1:8`" in text and "(ruff F821)" in text  # request_filters undefined
    findings = result.data["analysis"]["findings"]
    assert {f["code"] for f in findings} >= {"B608", "B307", "F821"}


def test_dutch_security_review_flags_shell_true_as_command_injection() -> None:
    request = (
        "Kun je een securityreview doen van ons deployscript?\n"
        "```python\nimport subprocess\n\n\ndef deploy(branch):\n"
        '    subprocess.run(f"git checkout {branch} && make deploy", shell=True, check=True)\n```'
    )
    result = _run(
        "security_developer", "security_review", lang="nl", target="deployscript",
        request_text=request,
    )  # fmt: skip
    text = result.text
    assert text.startswith("_Offline analyse door SecurityDeveloper")
    assert "`snippet_1:5` [hoog] *Command-injectie (shell=True)*" in text
    assert "shell=False" in text and "(bandit B602)" in text
    assert "*Dreigingen in deze code*" in text


def test_bare_pasted_code_without_fences_is_found() -> None:
    request = (
        "review this please\n"
        "def load(path):\n"
        "    data = open(path).read()\n"
        "    return eval(data)\n"
        "it is called from the importer"
    )
    text = _run("quality_guardian", "review_code", target="importer", request_text=request).text
    assert "`snippet_1:4`" in text and "Code injection" in text


def test_code_starting_on_the_line_of_the_question_nl() -> None:
    request = (
        "kun je dit reviewen: def load(path):\n    data = open(path).read()\n    return eval(data)"
    )
    text = _run("developer", "review_code", lang="nl", target="load", request_text=request).text
    assert "`snippet_1:3` [middel] *Code-injectie (eval/exec)*" in text


def test_secrets_are_flagged_in_any_language_and_other_languages_are_honest() -> None:
    request = (
        "Our webhook client:\n```javascript\n"
        "const client = new Client({\n"
        '  token: "ghp_R4nD0mT0k3nV4lu3F0rT3st1ngPurp0s3s12",\n'
        "});\n"
        "eval(req.body.code);\n```"
    )
    result = _run("developer", "review_code", target="webhook client", request_text=request)
    text = result.text
    assert "`snippet_1:2` [high] *Secret in the code*" in text and "rotate" in text
    assert "For javascript only the secret scan ran" in text
    assert "ghp_R4nD0m" not in text  # the secret itself is never repeated
    assert "Ran detect-secrets 1.5.0" in text and "bandit" not in text.split("\n")[0]


def test_a_pasted_diff_reports_only_added_lines_with_new_file_numbers() -> None:
    diff = (
        "```diff\n--- a/app/db.py\n+++ b/app/db.py\n@@ -10,4 +10,5 @@ def lookup(cur, name):\n"
        "     cur = conn.cursor()\n"
        '-    cur.execute("SELECT * FROM t WHERE name = %s", (name,))\n'
        '+    cur.execute("SELECT * FROM t WHERE name = \'" + name + "\'")\n'
        "+    return cur.fetchall()\n"
        "     # done\n```"
    )
    result = _run("developer", "review_code", target="PR", request_text=diff)
    assert "`app/db.py:11` [medium] *SQL injection*" in result.text


def test_no_code_says_so_instead_of_pretending() -> None:
    text = _run("developer", "review_code", target="PR 42", request_text="review PR 42").text
    assert "No code was found in the request (PR 42)" in text
    assert "no tool was run" in text


@pytest.mark.parametrize(
    ("lang", "request_text", "expected"),
    [
        (
            "en",
            "Gift cards at checkout.\n"
            "- A customer can redeem at most 5 gift cards per order\n"
            "- An expired gift card is declined with a clear message\n"
            "- Only an admin can issue gift cards over €500\n",
            [
                "- 5 gift cards (",
                "test exactly 5, one step under and one step over",
                "- As admin:",
                "- As customer:",
                '- "An expired gift card is declined with a clear message": provoke it (expired)',
            ],
        ),
        (
            "nl",
            "Cadeaubonnen bij het afrekenen.\n"
            "- Een klant mag maximaal 3 bonnen per bestelling gebruiken\n"
            "- Een verlopen bon wordt geweigerd met een duidelijke melding\n"
            "- Alleen een beheerder mag bonnen boven €250 uitgeven\n",
            [
                "- 3 bonnen (",
                "test precies 3, één stap eronder en één erboven",
                "- Als beheerder:",
                "- Als klant:",
                "veroorzaak het (verlopen)",
            ],
        ),
    ],
)
def test_test_plan_cases_come_from_criteria_limits_roles_and_errors(
    lang: str, request_text: str, expected: list[str]
) -> None:
    text = _run(
        "test_engineer", "create_test_plan", lang=lang, feature="gift cards",
        request_text=request_text,
    ).text  # fmt: skip
    for piece in expected:
        assert piece in text, (piece, text)
    assert "set up a user who needs" not in text


def test_release_notes_are_grouped_keep_a_changelog_style_en() -> None:
    request = (
        "Release notes for v2.4.0 please:\n"
        "- feat: export invoices as PDF\n"
        "- Fixed a crash when the cart is empty\n"
        "- Removed the legacy v1 API\n"
        "- Upgrade Django to 5.1\n"
    )
    text = _run("release_manager", "write_release_notes", version="", request_text=request).text
    assert "*Release notes v2.4.0*" in text
    added, changed = text.index("### Added"), text.index("### Changed")
    fixed, removed = text.index("### Fixed"), text.index("### Removed")
    assert added < changed < fixed < removed
    assert text.index("- export invoices as PDF") < changed
    assert changed < text.index("- Upgrade Django to 5.1") < fixed
    assert fixed < text.index("- Fixed a crash when the cart is empty") < removed


@pytest.mark.parametrize(
    ("request_text", "changes"),
    [
        ("write release notes for v2.4: fixed the login timeout, added PDF export", 2),
        ("release notes v2.4 - fixed the login timeout and removed the v1 API", 2),
        ("schrijf releasenotes voor v2.4: login opgelost, pdf export toegevoegd", 2),
    ],
)
def test_release_notes_never_list_the_request_itself(request_text: str, changes: int) -> None:
    """QA: "write release notes for v2.4 with these changes: ..." listed the request
    sentence as a change."""
    text = _run("release_manager", "write_release_notes", version="", request_text=request_text)
    entries = [line for line in text.text.splitlines() if line.startswith("- ")]
    assert len(entries) == changes, text.text
    assert not any("notes" in e for e in entries), entries


def test_release_notes_of_a_request_without_changes_list_none() -> None:
    request = "write release notes for v2.4 with these changes:"
    text = _run("release_manager", "write_release_notes", version="", request_text=request).text
    assert "write release notes" not in text.split("*Release notes", 1)[-1], text


def test_release_notes_nl_from_the_changes_slot() -> None:
    text = _run(
        "release_manager", "write_release_notes", lang="nl", version="3.1",
        changes="nieuwe export naar Excel; fout bij inloggen opgelost; oude rapportage verwijderd",
    ).text  # fmt: skip
    assert "*Release notes 3.1*" in text
    assert "### Toegevoegd\n- nieuwe export naar Excel" in text
    assert "### Opgelost\n- fout bij inloggen opgelost" in text
    assert "### Verwijderd\n- oude rapportage verwijderd" in text


def test_adr_structures_requirements_and_the_named_options_en() -> None:
    request = (
        "We need to process ~200 orders/minute at peak, keep order history for 7 years "
        "(GDPR) and integrate with Stripe and our ERP. Should we use Kafka or RabbitMQ?"
    )
    text = _run(
        "architect", "design_architecture", topic="order pipeline", request_text=request
    ).text
    assert "*ADR (draft): order pipeline*" in text
    assert "- Kafka: how it meets 200 orders/minute, 7 years" in text
    assert "- RabbitMQ:" in text
    assert "- Load: We need to process ~200 orders/minute" in text
    assert "which component owns it" not in text


def test_adr_nl_with_an_options_list() -> None:
    request = (
        "We moeten 50 verzoeken per seconde aankunnen en persoonsgegevens 2 jaar bewaren. "
        "Opties: PostgreSQL, MongoDB of DynamoDB."
    )
    text = _run(
        "architect", "design_architecture", lang="nl", topic="opslag", request_text=request
    ).text
    for option in ("PostgreSQL", "MongoDB", "DynamoDB"):
        assert f"- {option}: hoe het 50 verzoeken" in text
    assert "- Gegevens: We moeten 50 verzoeken per seconde aankunnen en persoonsgegevens" in text
    assert "*Beslissing*: open" in text


def test_triage_from_a_users_description_nl() -> None:
    text = _run(
        "devops", "triage_incident", lang="nl", service="checkout",
        request_text="Checkout geeft sinds 14:00 foutmelding 502 bij betalen, 30% mislukt",
    ).text  # fmt: skip
    assert "*Incidenttriage: checkout*" in text
    assert "Symptoom: Checkout geeft sinds 14:00 foutmelding 502" in text
    assert "offline zijn er geen logs, metrics of dashboards gelezen" in text


def test_security_review_without_code_asks_stride_questions_with_the_named_roles() -> None:
    text = _run(
        "security_developer", "security_review", target="login flow",
        request_text="Security review of our login flow: admins and guests log in with a password",
    ).text  # fmt: skip
    assert "No code was found in the request (login flow)" in text
    assert "Elevation of privilege: which roles may do what? (named: admin, guest)" in text


def test_incident_analysis_from_alert_fields_nl() -> None:
    text = _run(
        "devops", "analyze_incident", lang="nl", service="checkout", alertname="HighErrorRate",
        severity="critical", starts_at="2026-11-30T09:15:00Z",
        annotations="runbook_url: https://runbooks.example.org/high-error-rate",
        labels="alertname=HighErrorRate\nservice=checkout",
    ).text  # fmt: skip
    assert "*Incidentanalyse: HighErrorRate*" in text
    assert "vlak voor 2026-11-30 09:15 UTC" in text
    assert "Werk het runbook door: https://runbooks.example.org/high-error-rate" in text


def test_given_when_then_criteria_become_steps_and_expected_results() -> None:
    request = (
        "Discount codes. Acceptance criteria:\n"
        "1. Given a cart with 2 items, when the customer applies code SAVE10, "
        "then the total drops by 10 percent\n"
        "2. Given an expired code, when the customer applies it, then it is rejected\n"
    )
    text = _run(
        "test_engineer", "create_test_plan", feature="discount codes", request_text=request
    ).text
    assert "1. When the customer applies code SAVE10" in text
    assert "Steps: a cart with 2 items; the customer applies code SAVE10" in text
    assert "Expected: the total drops by 10 percent" in text
    assert "Expected: it is rejected" in text
    assert "- As customer:" in text


CONCURRENT = """
import json
from concurrent.futures import ThreadPoolExecutor
from agents.analysis.code_review import review_text
request = (
    "```python\\nimport subprocess\\nsubprocess.run(cmd, shell=True)\\nx = eval(cmd)\\n"
    "key = 'AKIAIOSFODNN7EXAMPLE'\\n```"
)
with ThreadPoolExecutor(8) as pool:
    results = list(pool.map(lambda _: review_text(request, "en"), range(16)))
print(json.dumps([[sorted(f["code"] for f in r["findings"]), r["failed"]] for r in results]))
"""


def test_concurrent_first_reviews_in_worker_threads_all_get_every_finding() -> None:
    """Steps run in threads; the tools' first use (ruff lookup via sysconfig, bandit's
    plugins, detect-secrets' settings) must not race. A fresh process, as a worker is."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT], capture_output=True, text=True, cwd=root, check=True
    )
    results = json.loads(done.stdout.strip().splitlines()[-1])
    expected = [["AWS Access Key", "B307", "B602", "F821", "F821"], []]
    assert all(r == expected for r in results), results


STANDUP = (
    "summarise our standup:\n"
    "Ann: yesterday finished the login page, today starts on password reset, "
    "blocked by the SMTP credentials\n"
    "Bob: reviewing PR 212, no blockers\n"
    "Kees: off sick\n"
)


@pytest.mark.parametrize(
    ("agent", "task", "asked"),
    [
        ("scrummaster", "standup_summary", STANDUP),
        (
            "scrummaster",
            "plan_sprint",
            "plan the next sprint, goal: ship PDF export. items:\n"
            "- PDF layout (5 points)\n- invoice numbering (3 points)\n",
        ),
    ],
)
def test_the_users_notes_are_used_not_reported_missing(agent: str, task: str, asked: str) -> None:
    """Found by QA: the stand-up summary said "No stand-up notes were given" although the
    request carried them (the templates read slots nothing fills)."""
    text = _run(agent, task, request_text=asked).text
    assert "were given, so there is nothing" not in text
    for line in asked.splitlines()[1:]:
        point = line.lstrip("- ").split(":")[0].split(" (")[0]
        assert point in text, (point, text)
