"""`bmad chat` as real subprocesses on the real Redis: scripted conversations, and a
conversation continued by a second process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.services import real_redis_url

pytestmark = pytest.mark.slow


@pytest.fixture
def chat_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMAD_", "OPENAI_", "SLACK_"))}
    env["BMAD_REDIS_URL"] = real_redis_url()
    env["BMAD_DATABASE_URL"] = f"sqlite:///{tmp_path / 'chat.db'}"
    env["BMAD_LOG_LEVEL"] = "WARNING"
    return env


@pytest.fixture
def tenant() -> str:
    return f"chat{uuid.uuid4().hex[:10]}"


def bmad_chat(env: dict[str, str], cwd: Path, tenant: str, conversation: str, stdin: str) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "chat",
            "--tenant",
            tenant,
            "--conversation",
            conversation,
        ],
        input=stdin,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done.stdout


def _after(text: str, marker: str) -> str:
    assert marker in text, text
    return text.split(marker, 1)[1]


def test_user_story_en(chat_env: dict[str, str], tmp_path: Path, tenant: str) -> None:
    out = bmad_chat(
        chat_env, tmp_path, tenant, "t1", "write a user story\npassword reset for customers\n"
    )
    rest = _after(out, "What should the user story be about?")
    story = _after(rest, "run #")
    assert "password reset for customers" in story.lower(), out
    assert "as a" in story.lower(), out  # the story itself, not only the "started" line


def test_user_story_nl(chat_env: dict[str, str], tmp_path: Path, tenant: str) -> None:
    out = bmad_chat(
        chat_env,
        tmp_path,
        tenant,
        "t1",
        "schrijf een user story\nwachtwoord resetten voor klanten\n",
    )
    rest = _after(out, "Waar moet de user story over gaan?")
    story = _after(rest, "run #")
    assert "wachtwoord resetten voor klanten" in story.lower(), out
    assert "als " in story.lower(), out


def test_deploy_continued_by_second_process_en(
    chat_env: dict[str, str], tmp_path: Path, tenant: str
) -> None:
    first = bmad_chat(chat_env, tmp_path, tenant, "t2", "deploy checkout\n")
    assert "Which environment" in first or "environment" in first.lower(), first
    assert "run #" not in first
    second = bmad_chat(chat_env, tmp_path, tenant, "t2", "staging\n")
    started = _after(second, "run #")
    assert "checkout" in second and "staging" in second, second
    assert started


def test_deploy_continued_by_second_process_nl(
    chat_env: dict[str, str], tmp_path: Path, tenant: str
) -> None:
    first = bmad_chat(chat_env, tmp_path, tenant, "t2", "deploy checkout alsjeblieft\n")
    assert "omgeving" in first.lower(), first
    assert "run #" not in first
    second = bmad_chat(chat_env, tmp_path, tenant, "t2", "staging\n")
    assert "Ik ga aan de slag" in second, second
    assert "checkout" in second and "staging" in second, second


def test_redis_down_answers_without_traceback(
    chat_env: dict[str, str], tmp_path: Path, tenant: str
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**chat_env, "BMAD_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    out = bmad_chat(env, tmp_path, tenant, "down", "deploy checkout\n")
    assert out.strip() == "I can't reach my memory right now, try again in a minute."
