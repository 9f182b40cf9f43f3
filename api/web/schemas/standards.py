"""The standards as the API shows them: versions, their rules, and what changed between two versions."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.contract.questions import Question
from api.rules.catalog import Standards


class StandardsIdentity(BaseModel):
    """The standards a report was scored against."""

    set: str
    version: str
    sha256: str
    extends: StandardsIdentity | None = None


class StandardsSummary(BaseModel):
    """One standards version."""

    set: str
    version: str
    sha256: str
    title: str
    status: str
    effective_from: str
    extends: str | None
    rules: int

    @classmethod
    def of(cls, standards: Standards) -> StandardsSummary:
        """The summary of a loaded version (``rules`` counts its rules)."""
        return cls(
            set=standards.set,
            version=standards.version,
            sha256=standards.sha256,
            title=standards.title,
            status=standards.status.value,
            effective_from=standards.effective_from.isoformat(),
            extends=standards.extends.ref if standards.extends else None,
            rules=len(standards.rules),
        )


class StandardsDetail(BaseModel):
    """One standards version with its rules."""

    set: str
    version: str
    sha256: str
    title: str
    summary: str
    status: str
    effective_from: str
    supersedes: str | None
    extends: str | None
    domains: list[dict[str, Any]]
    bands: list[dict[str, Any]]
    rules: list[dict[str, Any]]
    switched_off: list[dict[str, Any]]

    @classmethod
    def of(cls, standards: Standards) -> StandardsDetail:
        """A loaded version in full: summary, domains, bands, rules (unset fields left out), switched-off rules."""
        summary = StandardsSummary.of(standards).model_dump(exclude={"rules"})
        return cls(
            **summary,
            summary=standards.summary,
            supersedes=standards.supersedes,
            domains=[d.model_dump(mode="json") for d in standards.domains],
            bands=[b.model_dump(mode="json") for b in standards.bands],
            rules=[r.model_dump(mode="json", exclude_none=True) for r in standards.rules],
            switched_off=[o.model_dump(mode="json") for o in standards.switched_off],
        )


class RuleChange(BaseModel):
    """One field of a rule that differs between two versions."""

    field: str
    old: Any
    new: Any


class ChangedRule(BaseModel):
    """A rule present in both versions with its changes."""

    rule: str
    changes: list[RuleChange]


class RuleBrief(BaseModel):
    """A rule added or removed."""

    rule: str
    title: str
    basis: str


class StandardsDiff(BaseModel):
    """Rules added, removed and changed from one version to another."""

    model_config = ConfigDict(populate_by_name=True)

    from_: StandardsIdentity = Field(alias="from")
    to: StandardsIdentity
    added: list[RuleBrief]
    removed: list[RuleBrief]
    changed: list[ChangedRule]


class SectionQuestions(BaseModel):
    """One section of the form and its questions, in order."""

    id: str
    title: str
    description: str | None
    questions: list[Question]


class StandardsQuestions(BaseModel):
    """The questions a standards version asks, by section in the order of the form."""

    standards: str = Field(description="SET@VERSION.")
    questions_file: str = Field(description="The question file they are declared in, under standards/.")
    sections: list[SectionQuestions]

    @classmethod
    def of(cls, standards: Standards) -> StandardsQuestions:
        """The questions of a loaded version, grouped by their sections."""
        grouped: dict[str, list[Question]] = {section.id: [] for section in standards.questions.sections}
        for question in standards.questions.questions:
            grouped[question.section].append(question)
        sections = [
            SectionQuestions(id=s.id, title=s.title, description=s.description, questions=grouped[s.id])
            for s in standards.questions.sections
        ]
        return cls(standards=standards.ref, questions_file=standards.questions_file, sections=sections)
