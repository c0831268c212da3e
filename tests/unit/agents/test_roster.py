"""The roster, its tasks and their prompt files are complete in both languages."""

from agents.crew.schemas import SCHEMAS
from agents.crew.templates import PROMPTS_DIR
from agents.roster import get_task, list_agents

INTENT_TASKS = {
    "write_user_story": "product_owner",
    "design_architecture": "architect",
    "review_code": "developer",
    "create_test_plan": "test_engineer",
    "security_review": "security_developer",
    "deploy": "devops",
    "write_release_notes": "release_manager",
    "triage_incident": "devops",
    "plan_sprint": "scrummaster",
    "standup_summary": "scrummaster",
    "run_retrospective": "retrospective",
    "write_docs": "documentation",
    "validate_idea": "strategie_partner",
}


def test_roster_has_the_crew_with_descriptions_in_both_languages() -> None:
    agents = {a.key: a for a in list_agents()}
    assert {a.name for a in agents.values()} >= {
        "ProductOwner",
        "Architect",
        "Developer",
        "QualityGuardian",
        "TestEngineer",
        "SecurityDeveloper",
        "DevOps",
        "ReleaseManager",
        "Scrummaster",
        "Retrospective",
        "Documentation",
        "StrategiePartner",
        "Orchestrator",
    }
    for agent in agents.values():
        assert agent.describe("en") and agent.describe("nl")
        assert agent.describe("en") != agent.describe("nl")


def test_every_intent_task_exists_with_schema_prompts_and_offline_drafts() -> None:
    for task, agent in INTENT_TASKS.items():
        assert get_task(agent, task) is not None, (agent, task)
    for agent in list_agents():
        for task in agent.tasks.values():
            assert task.schema_name in SCHEMAS
            for lang in ("en", "nl"):
                assert (PROMPTS_DIR / agent.key / f"{task.name}.{lang}.md").is_file()
                assert (PROMPTS_DIR / agent.key / f"{task.name}.offline.{lang}.md").is_file()
