"""Use cases for the self-audit form: which standards version it follows, what to prefill, and saving a draft to
come back to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Engine

from api.contract.kinds import parse_date
from api.contract.questions import ENVELOPE, QuestionSet
from api.errors import StandardsNotFound
from api.rules.catalog import Catalog, Standards
from api.service.access import Principal, require_school
from api.service.scoring import DEFAULT_SET
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import DraftRow, utcnow


@dataclass(frozen=True, slots=True)
class FormStart:
    """What the form starts from: the nested answers, where each prefilled value came from, why (``origin``), and
    the standards version (``SET@VERSION``) the draft's form was asked to follow (None: the national version in
    effect on its audit date)."""

    answers: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)
    origin: str = "empty"  # "draft", "last audit" or "empty"
    standards: str | None = None


def start_form(*, engine: Engine, principal: Principal, urn: str) -> FormStart:
    """The school's draft if it has one, else its last audit, else nothing (read access is enough).

    Returns a :class:`FormStart` with every answer it holds; raises NotFound for a school the key cannot see.
    """
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        draft = repository.get_draft(session=session, urn=urn)
        if draft is not None:
            return FormStart(
                answers=dict(draft.body), provenance=dict(draft.provenance), origin="draft", standards=draft.standards
            )
        audits = repository.list_audits(session=session, urn=urn, limit=1)
    if audits:
        return FormStart(answers=dict(audits[0].body), origin="last audit")
    return FormStart(answers={"school": {"urn": urn}})


def form_version(catalog: Catalog, *, standards: str | None, answers: Mapping[str, Any], today: dt.date) -> Standards:
    """The standards version a form follows and its submission is scored against: ``standards`` when given, else
    the national version in effect on the answers' audit date when it reads as a date, else the one in effect
    ``today`` (the newest national version when none is in effect yet). Raises StandardsNotFound for an unknown
    ``standards``."""
    if standards is not None:
        return catalog.get(standards)
    try:
        day = parse_date(answers.get("audit_date"))
    except ValueError:
        day = None
    for on in (day, today):
        if on is not None:
            try:
                return catalog.for_date(on, DEFAULT_SET)
            except StandardsNotFound:
                continue
    return catalog.newest(DEFAULT_SET)


def asked_answers(answers: Mapping[str, Any], questions: QuestionSet) -> dict[str, Any]:
    """The nested ``answers`` to the questions of ``questions`` and the envelope (``audit_date``, ``school.urn``);
    answers to questions it does not ask are left out. Raises nothing."""
    asked = {*questions.by_id(), *ENVELOPE}
    kept: dict[str, Any] = {"audit_date": answers["audit_date"]} if "audit_date" in answers else {}
    for section, inner in answers.items():
        if isinstance(inner, Mapping):
            chosen = {name: value for name, value in inner.items() if f"{section}.{name}" in asked}
            if chosen:
                kept[section] = chosen
    return kept


def for_questions(start: FormStart, questions: QuestionSet) -> FormStart:
    """``start`` as the form of ``questions`` shows it: only the answers, and the notes of prefilled values
    (imported figures among them), of the questions it asks. Raises nothing."""
    asked = questions.by_id()
    provenance = {path: note for path, note in start.provenance.items() if path in asked}
    return replace(start, answers=asked_answers(start.answers, questions), provenance=provenance)


def save_draft(
    *, engine: Engine, principal: Principal, urn: str, answers: dict[str, Any], standards: str | None = None
) -> None:
    """Keep the form's nested answers, valid or not, to come back to, with the standards version its form was asked
    to follow (``SET@VERSION``; None: the national version in effect on its audit date); prefilled-value notes are
    kept for unchanged values. Returns nothing; raises NotFound or Forbidden (a read-only key)."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        existing = repository.get_draft(session=session, urn=urn)
        provenance: dict[str, Any] = {}
        if existing is not None:
            for path, note in existing.provenance.items():
                section, _, name = path.partition(".")
                before = existing.body.get(section, {}).get(name)
                if answers.get(section, {}).get(name) == before:
                    provenance[path] = note
        repository.put_draft(
            session=session,
            draft=DraftRow(
                school_urn=urn,
                body=answers,
                provenance=provenance,
                standards=standards,
                updated_by=principal.key_id,
                updated_at=utcnow(),
            ),
        )


def discard_draft(*, engine: Engine, principal: Principal, urn: str) -> None:
    """Remove the draft once its audit has been submitted (none is fine); raises NotFound or Forbidden."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        repository.delete_draft(session=session, urn=urn)
