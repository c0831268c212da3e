"""Structured output of each agent task (what the LLM must return).

Why pydantic: `with_structured_output` turns these into the tool/JSON schema the model
fills, and a reply that does not fit is rejected instead of posted. Field descriptions are
instructions to the model, not user-facing text; headings come from prompts/agents/labels.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Criterion(BaseModel):
    given: str
    when: str
    then: str


class UserStory(BaseModel):
    title: str
    as_a: str = Field(description="the role of the user")
    i_want: str
    so_that: str
    acceptance_criteria: list[Criterion] = Field(min_length=1)
    open_questions: list[str] = Field(default_factory=list)


class ArchitectureProposal(BaseModel):
    summary: str
    components: list[str]
    decisions: list[str] = Field(description="decisions with their rationale")
    risks: list[str]
    open_questions: list[str] = Field(default_factory=list)


class Finding(BaseModel):
    location: str
    issue: str
    suggestion: str


class CodeReview(BaseModel):
    summary: str
    findings: list[Finding] = Field(
        description="only findings in code you were actually given; empty when none was given"
    )
    open_questions: list[str] = Field(default_factory=list)


class QualityReview(BaseModel):
    summary: str
    checks: list[str]
    gaps: list[str]
    recommendation: str


class TestCase(BaseModel):
    title: str
    steps: list[str]
    expected: str


class TestPlan(BaseModel):
    scope: str
    test_cases: list[TestCase] = Field(min_length=1)
    risks: list[str] = Field(default_factory=list)


class Threat(BaseModel):
    asset: str
    threat: str
    mitigation: str


class SecurityReview(BaseModel):
    summary: str
    threats: list[Threat]
    checks: list[str]


class DeployPlan(BaseModel):
    service: str
    environment: str
    steps: list[str]
    checks: list[str]
    rollback: list[str]


class IncidentTriage(BaseModel):
    summary: str
    impact: str
    hypotheses: list[str]
    next_steps: list[str]


class IncidentAnalysis(BaseModel):
    summary: str
    likely_causes: list[str]
    actions: list[str]
    communication: str


class ReleaseNotes(BaseModel):
    version: str
    highlights: list[str]
    changes: list[str]
    known_issues: list[str] = Field(default_factory=list)


class SprintPlan(BaseModel):
    goal: str
    items: list[str]
    capacity_notes: list[str]
    risks: list[str] = Field(default_factory=list)


class StandupSummary(BaseModel):
    done: list[str]
    planned: list[str]
    blockers: list[str]


class Retrospective(BaseModel):
    went_well: list[str]
    to_improve: list[str]
    actions: list[str]


class DocSection(BaseModel):
    heading: str
    body: str


class Documentation(BaseModel):
    title: str
    sections: list[DocSection] = Field(min_length=1)


class IdeaValidation(BaseModel):
    summary: str
    assumptions: list[str]
    risks: list[str]
    experiments: list[str]


class RunSummary(BaseModel):
    summary: str
    outcomes: list[str]
    next_steps: list[str]


SCHEMAS: dict[str, type[BaseModel]] = {
    cls.__name__: cls
    for cls in (
        UserStory,
        ArchitectureProposal,
        CodeReview,
        QualityReview,
        TestPlan,
        SecurityReview,
        DeployPlan,
        IncidentTriage,
        IncidentAnalysis,
        ReleaseNotes,
        SprintPlan,
        StandupSummary,
        Retrospective,
        Documentation,
        IdeaValidation,
        RunSummary,
    )
}
