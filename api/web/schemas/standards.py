"""The standards as the API shows them: versions, their rules, and what changed between two versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.contract.questions import Question
from api.rules.catalog import Standards
from api.rules.errata import KnownError, Severity
from api.rules.schema import Status


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


class KnownErrorOut(BaseModel):
    """One known error of a standards version, from an errata file (``standards/<set>/errata/``): the rule it is
    about, how grave it is, what is wrong and what a report under the version may show wrongly."""

    rule: str = Field(description="The rule's id, e.g. senco.qualification.")
    title: str = Field(description="The rule's title in this version.")
    severity: Severity = Field(
        description="wrong_statutory_finding (may find a legal duty not met wrongly), overstated_basis (treats "
        "guidance as law), wrong_citation, calibration (a limit or weight wrong for some schools) or wording."
    )
    severity_words: str = Field(description="The severity as a sentence in plain English.")
    problem: str = Field(description="What is wrong, in plain English.")
    effect: str = Field(description="What a report under this version may show wrongly.")
    versions: list[str] = Field(description="Every version (SET@VERSION) the errata file says it affects.")
    recorded_for: str = Field(
        description="The version the errata file names: this one, or the version an overlay extends (an overlay "
        "inherits the known errors of the rules it inherits unchanged)."
    )
    corrected_by: str | None = Field(description="The version (SET@VERSION) that corrects it, once there is one.")
    file: str = Field(description="The errata file, under standards/.")
    status: Status = Field(description="The errata file's status: a published one is locked and never changes.")
    published_on: dt.date | None = Field(description="When the errata file was published (none for a draft).")

    @classmethod
    def of(cls, error: KnownError, standards: Standards) -> KnownErrorOut:
        """A known error of ``standards`` as the API shows it (the title is the rule's in that version)."""
        rule = standards.rule(error.rule)
        return cls(
            rule=error.rule,
            title=rule.title if rule is not None else error.rule,
            severity=error.severity,
            severity_words=error.severity.words,
            problem=error.problem,
            effect=error.effect,
            versions=list(error.versions),
            recorded_for=error.recorded_for,
            corrected_by=error.corrected_by,
            file=error.file,
            status=error.status,
            published_on=error.published_on,
        )


class StandardsErrata(BaseModel):
    """The known errors of a standards version, in the order of its errata files. Reports scored against it show
    them; the stored reports themselves never change."""

    standards: str = Field(description="SET@VERSION.")
    errata: list[KnownErrorOut]

    @classmethod
    def of(cls, standards: Standards) -> StandardsErrata:
        """The known errors of a loaded version."""
        return cls(standards=standards.ref, errata=[KnownErrorOut.of(error, standards) for error in standards.errata])
