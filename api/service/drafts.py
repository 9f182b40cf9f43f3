"""Use cases for the self-audit form: what to prefill, and saving a draft to come back to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from api.service.access import Principal, require_school
from api.storage import repository
from api.storage.db import session_scope
from api.storage.tables import DraftRow, utcnow


@dataclass(frozen=True, slots=True)
class FormStart:
    """What the form starts from: the nested answers, where each prefilled value came from, and why."""

    answers: dict[str, Any]
    provenance: dict[str, Any] = field(default_factory=dict)
    origin: str = "empty"  # "draft", "last audit" or "empty"


def start_form(*, engine: Engine, principal: Principal, urn: str) -> FormStart:
    """The school's draft if it has one, else its last audit, else nothing (read access is enough).

    Returns a :class:`FormStart`; raises NotFound for a school the key cannot see.
    """
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn)
        draft = repository.get_draft(session=session, urn=urn)
        if draft is not None:
            return FormStart(answers=dict(draft.body), provenance=dict(draft.provenance), origin="draft")
        audits = repository.list_audits(session=session, urn=urn, limit=1)
    if audits:
        return FormStart(answers=dict(audits[0].body), origin="last audit")
    return FormStart(answers={"school": {"urn": urn}})


def save_draft(*, engine: Engine, principal: Principal, urn: str, answers: dict[str, Any]) -> None:
    """Keep the form's nested answers, valid or not, to come back to; prefilled-value notes are kept for unchanged
    values. Returns nothing; raises NotFound or Forbidden (a read-only key)."""
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
                school_urn=urn, body=answers, provenance=provenance, updated_by=principal.key_id, updated_at=utcnow()
            ),
        )


def discard_draft(*, engine: Engine, principal: Principal, urn: str) -> None:
    """Remove the draft once its audit has been submitted (none is fine); raises NotFound or Forbidden."""
    with session_scope(engine) as session:
        require_school(session=session, principal=principal, urn=urn, write=True)
        repository.delete_draft(session=session, urn=urn)
